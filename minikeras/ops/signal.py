"""Signal processing of ``keras.ops``: window functions and 1-D cross-correlation.

The windows are constants (no gradient), floatx as in Keras; ``correlate`` is composed from
``take`` and ``matmul``, so it carries gradients to both inputs. ``window_values`` gives
the windows by scipy's names, symmetric or periodic, for ``stft`` and the STFT initializer.
"""
import numpy as np

from .. import backend
from ..autodiff import primitives as P
from ..autodiff.tensor import Tensor
from .core import as_float, convert_to_tensor, data

__all__ = ["bartlett", "blackman", "correlate", "hamming", "hanning", "kaiser"]


def _window(name, numpy_window):
    def window(x, *args):
        length = np.asarray(data(x))
        if length.ndim or length.dtype.kind not in "iu":
            raise ValueError(f"{name}: x must be the window length, a non-negative integer. "
                             f"Received: x={length!r}")
        return Tensor(numpy_window(int(length), *args).astype(backend.floatx()))
    window.__name__ = name
    return window


hamming = _window("hamming", np.hamming)
hamming.__doc__ = "The Hamming window of length ``x``: ``0.54 - 0.46 cos(2 pi n / (x - 1))``."
hanning = _window("hanning", np.hanning)
hanning.__doc__ = "The Hann window of length ``x``: ``0.5 - 0.5 cos(2 pi n / (x - 1))``."
bartlett = _window("bartlett", np.bartlett)
bartlett.__doc__ = "The triangular (Bartlett) window of length ``x``."
blackman = _window("blackman", np.blackman)
blackman.__doc__ = ("The Blackman window of length ``x``: "
                    "``0.42 - 0.5 cos(2 pi n / (x - 1)) + 0.08 cos(4 pi n / (x - 1))``.")
_kaiser = _window("kaiser", np.kaiser)


def kaiser(x, beta):
    """The Kaiser window of length ``x`` and shape ``beta``:
    ``i0(beta sqrt(1 - (2n / (x - 1) - 1)^2)) / i0(beta)``."""
    return _kaiser(x, float(data(beta)))


# scipy.signal's cosine-sum windows: w[n] = sum_k (-1)^k a_k cos(2 pi k n / (M - 1))
_COSINE_SUMS = {"hann": (0.5, 0.5), "hamming": (0.54, 0.46), "blackman": (0.42, 0.5, 0.08),
                "nuttall": (0.3635819, 0.4891775, 0.1365995, 0.0106411),
                "blackmanharris": (0.35875, 0.48829, 0.14128, 0.01168),
                "flattop": (0.21557895, 0.41663158, 0.277263158, 0.083578947, 0.006947368)}


def _cosine_sum(coefficients, m):
    n = np.arange(m)
    return sum((-1) ** k * a * np.cos(2 * np.pi * k * n / (m - 1))
               for k, a in enumerate(coefficients))


def _triang(m):
    n = np.arange(1, (m + 1) // 2 + 1)
    if m % 2 == 0:
        half = (2 * n - 1.0) / m
        return np.concatenate([half, half[::-1]])
    half = 2 * n / (m + 1.0)
    return np.concatenate([half, half[-2::-1]])


def _bohman(m):
    x = np.abs(np.linspace(-1, 1, m)[1:-1])
    return np.concatenate([[0.0], (1 - x) * np.cos(np.pi * x) + np.sin(np.pi * x) / np.pi,
                           [0.0]])


def _barthann(m):
    x = np.abs(np.arange(m) / (m - 1.0) - 0.5)
    return 0.62 - 0.48 * x + 0.38 * np.cos(2 * np.pi * x)


# symmetric windows of m >= 2 points, by scipy.signal's names
_WINDOWS = {**{name: (lambda m, a=a: _cosine_sum(a, m)) for name, a in _COSINE_SUMS.items()},
            "boxcar": np.ones, "triang": _triang, "bohman": _bohman, "barthann": _barthann,
            "bartlett": lambda m: 1 - np.abs(2.0 * np.arange(m) / (m - 1) - 1),
            "cosine": lambda m: np.sin(np.pi / m * (np.arange(m) + 0.5))}
WINDOWS = tuple(sorted(_WINDOWS))


def window_values(window, length, periodic):
    """The named window of ``length`` points, as ``scipy.signal.get_window(window, length,
    fftbins=periodic)`` gives it (periodic: the symmetric window of length + 1, its last
    point dropped; one point: [1])."""
    if window not in _WINDOWS:
        raise ValueError(f"Unknown window {window!r}: minikeras knows {WINDOWS} (or pass the "
                         "window's values as an array).")
    if length == 1:
        return np.ones(1)
    return _WINDOWS[window](length + 1 if periodic else length)[:length]


def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D tensors: ``out[k] = sum_n x1[n + k] · x2[n]`` over the
    overlaps that ``mode`` keeps ("valid": full overlap, "same": ``max(n1, n2)`` centred
    outputs, "full": every overlap).

    Raises:
        ValueError: for inputs that are not 1-D or an unknown mode.
    """
    a, b = as_float(x1), as_float(x2)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"correlate expects two 1-D tensors. Received: x1.shape={a.shape}, "
                         f"x2.shape={b.shape}")
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"mode must be one of 'valid', 'same' or 'full'. Received: "
                         f"mode={mode!r}")
    if a.dtype != b.dtype:
        a, b = convert_to_tensor(a, np.result_type(a.dtype, b.dtype)), \
            convert_to_tensor(b, np.result_type(a.dtype, b.dtype))
    n1, n2 = a.shape[0], b.shape[0]
    padding = {"valid": 0, "same": min(n1, n2) // 2, "full": min(n1, n2) - 1}[mode]
    # lags of x2 against x1 (numpy's convention, with the inputs swapped when x2 is longer)
    long, short, swapped = (a, b, False) if n1 >= n2 else (b, a, True)
    n_long, n_short = long.shape[0], short.shape[0]
    outputs = n_long - n_short + 1 + 2 * padding - (mode == "same" and n_short % 2 == 0)
    starts = np.arange(outputs) - padding
    index = starts[:, None] + np.arange(n_short)[None, :]          # (outputs, n_short)
    inside = (index >= 0) & (index < n_long)
    windows = P.where(inside, P.take(long, np.clip(index, 0, n_long - 1)), 0.0)
    out = P.matmul(windows, short)                                   # (outputs,)
    return P.getitem(out, slice(None, None, -1)) if swapped else out
