"""Discrete Fourier transforms as primitives: fft_pair, rfft_pair, irfft.

Keras passes complex numbers as a pair of real tensors (real, imag). Each transform here is
real-linear, so its gradient is its adjoint applied to the upstream gradient read as one
complex array g = g_real + i g_imag:

    fftn   (y = F z):        grad z = N ifftn(g)       (F's conjugate transpose)
    ifftn  (y = F^H z / N):  grad z = fftn(g) / N
    rfft   (the first n//2 + 1 bins of F x, x real): grad x = Re(F^H g_padded)
    irfft  (x = the real signal whose half spectrum is z): grad z_k = c_k / n rfft(g)_k,
           c_k = 1 for the bins that appear once in the full spectrum (0 and, for even n,
           n/2), 2 for the others

where N is the number of points transformed. A pair comes out stacked on a new first axis
(``[real, imag]``): one output per primitive. Values are computed by numpy's FFT and cast
to the input's float dtype. Each ``vjp`` (second order) is that adjoint written with the
transforms' callable forms: linear too, to any order.
"""
import numpy as np

from .function import Function, primitive
from .shape import pad_constant


def _float_dtype(dtype):
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype("float32")


def _stacked(z, dtype):
    return np.stack([z.real, z.imag]).astype(dtype)


def _fit_length(x, n):
    """``x`` cut or zero-padded to ``n`` entries along its last axis."""
    if x.shape[-1] >= n:
        return x[..., :n]
    return np.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, n - x.shape[-1])])


def _fit_recorded(x, n):
    """``_fit_length`` of a Tensor, recorded (for the vjps)."""
    if x.shape[-1] >= n:
        return x[..., :n]
    return pad_constant(x, [(0, 0)] * (x.ndim - 1) + [(0, n - x.shape[-1])])


class FFTPair(Function):
    """The (inverse) FFT over ``axes`` of the complex array real + i imag."""

    def __init__(self, axes, inverse):
        self.axes, self.inverse = axes, inverse

    def forward(self, real, imag):
        self.dtype = _float_dtype(np.result_type(real.dtype, imag.dtype))
        z = real + 1j * imag
        self.points = int(np.prod([z.shape[a] for a in self.axes]))
        transform = np.fft.ifftn if self.inverse else np.fft.fftn
        return _stacked(transform(z, axes=self.axes), self.dtype)

    def backward(self, gy):
        g = gy[0] + 1j * gy[1]
        if self.inverse:
            gz = np.fft.fftn(g, axes=self.axes) / self.points
        else:
            gz = np.fft.ifftn(g, axes=self.axes) * self.points
        return gz.real.astype(self.dtype), gz.imag.astype(self.dtype)

    def vjp(self, gy):
        pair = fft_pair(gy[0], gy[1], self.axes, inverse=not self.inverse)
        scale = np.asarray(1 / self.points if self.inverse else self.points, self.dtype)
        return pair[0] * scale, pair[1] * scale


@primitive
def fft_pair(real, imag, axes=(-1,), inverse=False):
    """``[real, imag]`` of the FFT (or inverse FFT) over ``axes`` of ``real + i imag``."""
    return FFTPair(tuple(axes), inverse)(real, imag)


class RFFTPair(Function):
    """The half spectrum (``n // 2 + 1`` bins) of the real signal x cut or padded to n."""

    def __init__(self, n):
        self.n = n

    def forward(self, x):
        self.dtype, self.length = _float_dtype(x.dtype), x.shape[-1]
        self.n = self.length if self.n is None else self.n
        return _stacked(np.fft.rfft(x, n=self.n, axis=-1), self.dtype)

    def backward(self, gy):
        g = gy[0] + 1j * gy[1]
        full = _fit_length(g, self.n)  # the bins rfft dropped get no gradient
        gx = (np.fft.ifft(full, axis=-1) * self.n).real
        return (_fit_length(gx, self.length).astype(self.dtype),)

    def vjp(self, gy):
        full = [_fit_recorded(part, self.n) for part in (gy[0], gy[1])]
        gx = fft_pair(*full, inverse=True)[0] * np.asarray(self.n, self.dtype)
        return (_fit_recorded(gx, self.length),)


@primitive
def rfft_pair(x, n=None):
    """``[real, imag]`` of the real FFT of ``x`` along its last axis (``n`` points)."""
    return RFFTPair(n)(x)


class IRFFT(Function):
    """The real signal of ``n`` samples whose half spectrum is real + i imag."""

    def __init__(self, n):
        self.n = n

    def forward(self, real, imag):
        self.dtype = _float_dtype(np.result_type(real.dtype, imag.dtype))
        self.bins = real.shape[-1]
        self.n = 2 * (self.bins - 1) if self.n is None else self.n
        return np.fft.irfft(real + 1j * imag, n=self.n, axis=-1).astype(self.dtype)

    def backward(self, gy):
        n = self.n
        used = n // 2 + 1
        weights = np.full(used, 2.0)
        weights[0] = 1.0
        if n % 2 == 0:
            weights[-1] = 1.0
        gz = _fit_length(np.fft.rfft(gy, axis=-1) * weights / n, self.bins)
        return gz.real.astype(self.dtype), gz.imag.astype(self.dtype)

    def vjp(self, gy):
        n = self.n
        weights = np.full(n // 2 + 1, 2 / n, self.dtype)
        weights[0] = 1 / n
        if n % 2 == 0:
            weights[-1] = 1 / n
        half = rfft_pair(gy) * weights
        return _fit_recorded(half[0], self.bins), _fit_recorded(half[1], self.bins)


@primitive
def irfft(real, imag, n=None):
    """The inverse of ``rfft_pair``: ``n`` real samples from a half spectrum."""
    return IRFFT(n)(real, imag)
