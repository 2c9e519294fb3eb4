"""keras.initializers.STFT: the windowed Fourier basis that STFTSpectrogram's kernels start
from, and the scipy-named windows it takes."""
import numpy as np

from .. import backend
from .base import INITIALIZERS, Initializer

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


def window_array(window, length, periodic, name):
    """``window`` (a name in WINDOWS, or its values) as ``length`` float64 values."""
    values = window_values(window, length, periodic) if isinstance(window, str) else \
        np.asarray(window, np.float64)
    if values.shape != (length,):
        raise ValueError(f"The shape of `window` must be equal to [{name}]={length}. "
                         f"Received: window shape={values.shape}")
    return values


def stft_kernel(side, window, scaling, periodic, shape, dtype="float32"):
    """Keras's STFT initializer: the (frame_length, 1, bins) kernel whose convolution with a
    signal gives the real (cos) or imaginary (-sin) part of its windowed DFT, divided by
    ``sqrt(sum w²)`` ("density") or ``sum |w|`` ("spectrum")."""
    frame_length, _, bins = shape
    t = np.arange(frame_length, dtype=dtype).reshape(-1, 1, 1)
    k = np.arange(bins, dtype=dtype).reshape(1, 1, -1)
    angle = -2 * t * (k / np.asarray((bins - 1) * 2, dtype)) * np.asarray(np.pi, dtype)
    kernel = np.cos(angle) if side == "real" else np.sin(angle)
    if window is not None:
        w = window_array(window, frame_length, periodic, "frame_length").astype(dtype)
        w = w.reshape(-1, 1, 1)
        scale = {"density": np.sqrt(np.sum(w * w)), "spectrum": np.sum(np.abs(w)),
                 None: 1}[scaling]
        kernel = kernel * w / scale
    return kernel.astype(dtype)


@INITIALIZERS.register("STFT", "STFTInitializer", "stft")
class STFT(Initializer):
    """Initializer of a (frame_length, 1, bins) kernel whose convolution with a signal gives
    the real (``side="real"``, cos) or imaginary (``"imag"``, -sin) part of its windowed
    DFT (see ``stft_kernel``).

    Args:
        side: "real" or "imag". window: a name in WINDOWS, an array of frame_length
            values, or None (no window). scaling: "density" (divide by sqrt(sum w^2)),
            "spectrum" (by sum |w|) or None. periodic: the periodic form of a named window.
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"side should be 'real' or 'imag', not {side!r}")
        if isinstance(window, str) and window not in WINDOWS:
            raise ValueError(f"Unknown window {window!r}: minikeras knows {WINDOWS} (or pass "
                             "the window's values as an array).")
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError("Scaling is invalid, it must be `None`, 'density' or 'spectrum'. "
                             f"Received scaling={scaling!r}")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def __call__(self, shape, dtype=None):
        return stft_kernel(self.side, self.window, self.scaling, self.periodic, tuple(shape),
                           backend.standardize_dtype(dtype or backend.floatx()))

    def get_config(self):
        window = self.window.tolist() if isinstance(self.window, np.ndarray) else self.window
        return {"side": self.side, "window": window, "periodic": self.periodic,
                "scaling": self.scaling}
