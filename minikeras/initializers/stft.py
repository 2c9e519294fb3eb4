"""keras.initializers.STFT: the windowed Fourier basis that STFTSpectrogram's kernels start
from (the named windows are ``ops.signal.window_values``)."""
import numpy as np

from .. import backend
from ..ops.signal import WINDOWS, window_values
from .base import INITIALIZERS, Initializer


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
