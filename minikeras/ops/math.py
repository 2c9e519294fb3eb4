"""Sorting, ranking, quantiles, segment reductions and FFTs of ``keras.ops``, composed.

Values are gathered with the differentiable ``take_along_axis``/``take``, so
``sort``, ``top_k`` values, ``median`` and ``quantile`` carry gradients back to
the elements they picked; indices (``argsort``, ``top_k``'s, ``searchsorted``...)
are int32 and outside the graph, as in Keras.
"""
import numpy as np

from .. import backend
from ..autodiff import primitives as P
from ..autodiff.reductions import normalize_axis
from ..autodiff.tensor import Tensor
from .core import as_float, axes_of_the_input, convert_to_tensor, data, on_raw_data
from .indexing import take_along_axis
from .reductions import prod
from .signal import window_values

__all__ = [
    "argpartition", "argsort", "bincount", "digitize", "extract_sequences", "fft", "fft2",
    "ifft2", "in_top_k", "irfft", "istft", "median", "nanmedian", "nanpercentile",
    "nanquantile", "percentile", "quantile", "rfft", "searchsorted", "segment_max",
    "segment_min", "segment_prod", "segment_sum", "sort", "stft", "top_k", "unique",
]


searchsorted = on_raw_data(np.searchsorted, np.int32)  # int32 positions, as in Keras
argsort = on_raw_data(np.argsort, np.int32)
digitize = on_raw_data(np.digitize, np.int32)


def bincount(x, weights=None, minlength=0, sparse=False):
    """How often each non-negative integer occurs in 1-D ``x`` (int32), or, with
    ``weights``, the sum of the weights of its occurrences (in Keras's
    ``result_type(x.dtype, weights.dtype)``); at least ``minlength`` bins. No gradient.

    Raises:
        ValueError: for ``sparse=True`` (no sparse tensors here, as on Keras's torch backend).
    """
    if sparse:
        raise ValueError("bincount: sparse=True is not supported; minikeras has no sparse "
                         "tensors. Received: sparse=True")
    x = convert_to_tensor(x)
    if weights is None:
        return Tensor(np.bincount(x.data, minlength=minlength).astype(np.int32))
    weights = convert_to_tensor(weights)
    dtype = backend.result_type(x.dtype, weights.dtype)
    return Tensor(np.bincount(x.data, weights.data, minlength).astype(dtype))


def unique(x, sorted=True, return_index=False, return_inverse=False,  # noqa: A002
           return_counts=False, axis=None, size=None, fill_value=None):
    """The distinct elements of ``x`` (flattened, or sub-arrays along ``axis``) in ascending
    order, then as asked the index of each one's first occurrence, the index of each
    element's value among them, and their counts (these three int64, as in Keras). With
    ``size``: exactly ``size`` values, truncated or padded with ``fill_value`` (default 0;
    padded counts 0, padded indices 1). ``sorted=False`` may give them in any order; they
    come sorted, as on Keras's torch backend. No gradient.
    """
    del sorted  # ascending order is one of the orders sorted=False allows
    values, index, inverse, counts = np.unique(
        data(convert_to_tensor(x)),  # a list: Keras's dtypes (int32, floatx)
        return_index=True, return_inverse=True, return_counts=True, axis=axis)
    # each extra output asked for, with its pad value under ``size`` (None: not padded)
    extra = [(a.reshape(-1).astype(np.int64), pad) for a, pad, asked in (
        (index, 1, return_index), (inverse, None, return_inverse), (counts, 0, return_counts))
        if asked]
    if size is not None:
        at = 0 if axis is None else axis % values.ndim
        values = _fixed_length(values, size, at, 0 if fill_value is None else fill_value)
        extra = [(a if pad is None else _fixed_length(a, size, 0, pad), pad)
                 for a, pad in extra]
    out = [Tensor(values)] + [Tensor(a) for a, _ in extra]
    return out[0] if len(out) == 1 else tuple(out)


def _fixed_length(a, size, axis, fill):
    """``a`` cut or padded with ``fill`` to ``size`` along ``axis``."""
    if a.shape[axis] >= size:
        return np.take(a, np.arange(size), axis=axis)
    pad = [(0, 0)] * a.ndim
    pad[axis] = (0, size - a.shape[axis])
    return np.pad(a, pad, constant_values=fill)


def sort(x, axis=-1):
    """The values sorted ascending along ``axis`` (``None``: flattened)."""
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = P.reshape(x, (-1,)), 0
    order = np.argsort(x.data, axis=axis, kind="stable")
    return take_along_axis(x, order, axis)


def top_k(x, k, sorted=True):  # noqa: A002 - Keras's argument name
    """The ``k`` largest values along the last axis and their int32 indices.

    Returns:
        ``(values, indices)``; ties keep the lower index first.
    """
    x = convert_to_tensor(x)
    if x.ndim == 0:
        raise ValueError("top_k picks along the last axis: it needs a tensor of rank >= 1. "
                         "Received a rank-0 tensor (a scalar).")
    if not isinstance(k, (int, np.integer)):
        raise ValueError(f"Cannot convert '{x.shape[:-1] + (k,)}' to a shape. Found invalid "
                         f"dimension '{k}' of type '{type(k)}'. ")
    if not 0 <= k <= x.shape[-1]:
        raise ValueError(f"top_k: k={k} is out of range for a last axis of size "
                         f"{x.shape[-1]}.")
    order = _descending_order(x.data)[..., :k]
    del sorted  # always sorted: descending order is what numpy gives here
    return take_along_axis(x, order, -1), Tensor(order.astype(np.int32))


def _descending_order(values):
    """Indices sorting the last axis from largest to smallest, ties lower index first. Floats
    sort their negation (NaN last); integers and bools, whose negation wraps (int8's -128)
    or is refused, sort the reversed axis ascending and read the order backwards."""
    if values.dtype.kind in "fc":
        return np.argsort(-values, axis=-1, kind="stable")
    last = values.shape[-1] - 1
    return last - np.argsort(values[..., ::-1], axis=-1, kind="stable")[..., ::-1]


def in_top_k(targets, predictions, k):
    """Whether each target class is among the ``k`` highest predictions (ties count as in).

    Args:
        targets: integer class ids, shape ``(batch,)``.
        predictions: scores, shape ``(batch, num_classes)``.
        k: how many top classes count as a hit.
    """
    return Tensor(top_k_hits(data(targets).reshape(-1), data(predictions), k))


def top_k_hits(targets, predictions, k):
    """in_top_k on arrays: targets (batch,) integers, predictions (batch, classes). As in
    Keras: a target outside ``[0, classes)`` is a miss (TensorFlow's rule), a ``k`` beyond
    the classes takes them all, and ``k <= 0`` none."""
    t = targets.astype(np.int64)
    valid = (t >= 0) & (t < predictions.shape[-1])
    target_score = np.take_along_axis(predictions, np.where(valid, t, 0)[:, None], axis=-1)
    if k <= 0:
        return np.zeros(t.shape, bool)
    kth = -np.sort(-predictions, axis=-1)[..., min(k, predictions.shape[-1]) - 1][:, None]
    return valid & (target_score >= kth)[:, 0]


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th quantiles (q in [0, 1]) along ``axis``; numpy's methods."""
    return _quantile(x, q, axis, method, keepdims, ignore_nan=False)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """``quantile`` of the non-NaN elements (NaN for a slice that has none)."""
    return _quantile(x, q, axis, method, keepdims, ignore_nan=True)


def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th percentiles (q in [0, 100]) along ``axis``: ``quantile(x, q / 100)``."""
    return _quantile(x, _percent(q), axis, method, keepdims, ignore_nan=False)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile(x, _percent(q), axis, method, keepdims, ignore_nan=True)


def _percent(q):
    return np.asarray(data(q), dtype=np.float64) / 100


@axes_of_the_input
def median(x, axis=None, keepdims=False):
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


def nanmedian(x, axis=None, keepdims=False):
    return nanquantile(x, 0.5, axis=axis, keepdims=keepdims)


def _quantile(x, q, axis, method, keepdims, ignore_nan):
    """Quantiles by sorting (NaNs sort last) and interpolating between the two neighbours of
    position ``q (n - 1)``, n the slice's count of (non-NaN) elements."""
    x = as_float(x)
    axes = tuple(range(x.ndim)) if axis is None else normalize_axis(axis, x.ndim)
    keep = [a for a in range(x.ndim) if a not in axes]
    lead = [x.shape[a] for a in keep]
    n = int(np.prod([x.shape[a] for a in axes]))  # not -1: a 0-size lead leaves it open
    if n == 0 and np.prod(lead) > 0:
        raise ValueError(f"Cannot take a quantile of an empty slice: axis={axis} of a tensor "
                         f"of shape {x.shape} has no elements.")
    work = P.reshape(P.transpose(x, keep + list(axes)), lead + [n])     # (*lead, n)
    s = sort(work, axis=-1)
    qs = np.asarray(data(q), dtype=np.float64)
    if np.any((qs < 0) | (qs > 1)):
        raise ValueError(f"Quantiles must be in the range [0, 1]. Received: q={qs.tolist()}")
    counts = (np.sum(~np.isnan(s.data), axis=-1, keepdims=True) if ignore_nan
              else np.full(lead + [1], s.shape[-1]))                    # (*lead, 1)
    pos = np.reshape(qs, (-1,)) * (counts - 1)                          # (*lead, nq)
    lo, hi, frac = _neighbours(pos, method)
    last = max(s.shape[-1] - 1, 0)
    lo, hi = np.clip(lo, 0, last), np.clip(hi, 0, last)
    a, b = take_along_axis(s, lo, -1), take_along_axis(s, hi, -1)
    out = P.add(a, P.multiply(P.subtract(b, a), frac.astype(s.dtype)))
    # a slice without numbers (ignoring NaNs), or with a NaN (not ignoring them), gives NaN
    undefined = counts == 0 if ignore_nan else np.isnan(s.data).any(axis=-1, keepdims=True)
    if undefined.any():
        out = P.where(np.broadcast_to(undefined, out.shape), np.nan, out)
    out = P.transpose(out, [out.ndim - 1] + list(range(out.ndim - 1)))  # (nq, *lead)
    kept = [1 if i in axes else n for i, n in enumerate(x.shape)] if keepdims else lead
    return P.reshape(out, list(qs.shape) + kept)


def _neighbours(pos, method):
    """Indices below and above each position and the interpolation weight of the upper."""
    lo = np.floor(pos).astype(int)
    hi = lo + 1
    frac = pos - lo
    if method == "lower":
        return lo, lo, np.zeros_like(frac)
    if method == "higher":
        hi = np.ceil(pos).astype(int)
        return hi, hi, np.zeros_like(frac)
    if method == "nearest":
        nearest = np.round(pos).astype(int)
        return nearest, nearest, np.zeros_like(frac)
    if method == "midpoint":
        return lo, hi, np.where(frac > 0, 0.5, 0.0)
    if method == "linear":
        return lo, hi, frac
    raise ValueError(f"quantile: unknown method {method!r}. Expected 'linear', 'lower', "
                     "'higher', 'midpoint' or 'nearest'.")


def argpartition(x, kth, axis=-1):
    """Indices that partition ``x`` along ``axis`` around its ``kth`` smallest element (int32).

    The element at position ``kth`` is the one a full sort would put there; smaller ones
    come before it, the others after (each side in no particular order)."""
    x = convert_to_tensor(x)
    if not -x.shape[axis] <= kth < x.shape[axis]:
        raise ValueError(f"argpartition: kth={kth} is out of bounds for an axis of size "
                         f"{x.shape[axis]}.")
    return Tensor(np.argpartition(data(x), kth, axis=axis).astype(np.int32))


def _segments(segment_ids, num_segments):
    ids = data(segment_ids).astype(np.int64).reshape(-1)
    if num_segments is None:
        num_segments = int(ids.max()) + 1 if ids.size else 0
    return ids, int(num_segments)


def segment_sum(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """Sum of the rows of ``data`` that share a segment id (ids outside range are dropped)."""
    x = convert_to_tensor(data)
    ids, n = _segments(segment_ids, num_segments)
    members = (np.arange(n)[:, None] == ids[None, :]).astype(x.dtype)   # (segments, rows)
    flat = P.reshape(x, (x.shape[0], int(np.prod(x.shape[1:]))))  # no -1: 0 rows allowed
    return P.reshape(P.matmul(members, flat), (n,) + x.shape[1:])


def segment_max(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """Maximum of the rows of ``data`` that share a segment id; an empty segment gives -inf
    (the dtype's lowest integer), as in Keras."""
    return _segment_extremum(P.max, -np.inf, "min", data, segment_ids, num_segments)


def segment_min(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """Minimum of the rows of ``data`` that share a segment id; an empty segment gives inf
    (the dtype's highest integer), as in Keras."""
    return _segment_extremum(P.min, np.inf, "max", data, segment_ids, num_segments)


def _segment_extremum(reduce, float_neutral, integer_bound, data, segment_ids, num_segments):
    x = convert_to_tensor(data)
    ids, n = _segments(segment_ids, num_segments)
    members = np.arange(n)[:, None] == ids[None, :]                     # (segments, rows)
    mask = members.reshape(members.shape + (1,) * (x.ndim - 1))
    neutral = np.array(float_neutral if backend.is_float_dtype(x.dtype)
                       else getattr(np.iinfo(x.dtype), integer_bound), x.dtype)
    return reduce(P.where(mask, P.reshape(x, (1,) + x.shape), neutral), axis=1)


def segment_prod(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """Product of the rows of ``data`` that share a segment id; an empty segment gives 1."""
    x = convert_to_tensor(data)
    ids, n = _segments(segment_ids, num_segments)
    members = np.arange(n)[:, None] == ids[None, :]                     # (segments, rows)
    mask = members.reshape(members.shape + (1,) * (x.ndim - 1))
    return prod(P.where(mask, P.reshape(x, (1,) + x.shape), np.ones((), x.dtype)), axis=1)


def extract_sequences(x, sequence_length, sequence_stride):
    """Windows of ``sequence_length`` along the last axis, every ``sequence_stride`` steps.

    Returns:
        shape ``(..., 1 + (N - sequence_length) // sequence_stride, sequence_length)``.
    """
    x = convert_to_tensor(x)
    n = x.shape[-1]
    starts = np.arange(0, n - sequence_length + 1, sequence_stride)
    index = starts[:, None] + np.arange(sequence_length)[None, :]
    return P.take(x, index, axis=x.ndim - 1)


def _pair(x):
    """The (real, imag) float tensors of a complex pair, checked as Keras checks them: a
    tuple of two, of one shape, both floating."""
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError("Input `x` should be a tuple of two tensors - real and imaginary."
                         f"Received: x={x}")
    real, imag = (convert_to_tensor(part) for part in x)
    if real.shape != imag.shape:
        raise ValueError(
            "Input `x` should be a tuple of two tensors - real and imaginary.Both the real "
            "and imaginary parts should have the same shape. Received: x[0].shape = "
            f"{real.shape}, x[1].shape = {imag.shape}")
    if not (backend.is_float_dtype(real.dtype) and backend.is_float_dtype(imag.dtype)):
        raise ValueError(f"At least one tensor in input `x` is not of type float.Received: x={x}.")
    return real, imag


def _unstack(pair):
    return P.getitem(pair, 0), P.getitem(pair, 1)


def fft(x):
    """FFT along the last axis of ``(real, imag)``; returns ``(real, imag)``."""
    return _unstack(P.fft_pair(*_pair(x), axes=(-1,)))


def fft2(x):
    """2-D FFT over the last two axes of ``(real, imag)``."""
    return _unstack(P.fft_pair(*_pair(x), axes=(-2, -1)))


def ifft2(x):
    """Inverse 2-D FFT over the last two axes of ``(real, imag)``."""
    return _unstack(P.fft_pair(*_pair(x), axes=(-2, -1), inverse=True))


def rfft(x, fft_length=None):
    """Real-input FFT along the last axis; returns ``(real, imag)``."""
    return _unstack(P.rfft_pair(as_float(convert_to_tensor(x)), n=fft_length))


def irfft(x, fft_length=None):
    """Inverse of ``rfft`` for a ``(real, imag)`` pair."""
    return P.irfft(*_pair(x), n=fft_length)


def _complex_pair(x):
    real, imag = x
    return np.asarray(data(real)) + 1j * np.asarray(data(imag)), np.asarray(data(real)).dtype


def _split(z, dtype):
    dtype = dtype if np.issubdtype(dtype, np.floating) else np.dtype(backend.floatx())
    return Tensor(z.real.astype(dtype)), Tensor(z.imag.astype(dtype))


def _stft_window(window, sequence_length, fft_length, dtype):
    """The analysis window, zero-padded on both sides to ``fft_length`` (None: all ones).
    "hann" and "hamming" are the periodic windows, as scipy's get_window gives them."""
    if window is None:
        return np.ones(fft_length, dtype)
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError('If a string is passed to `window`, it must be one of `"hann"`, '
                             f'`"hamming"`. Received: window={window}')
        window = window_values(window, sequence_length, periodic=True)
    window = np.asarray(data(window), dtype)
    if window.shape != (sequence_length,):
        raise ValueError("The shape of `window` must be equal to [sequence_length]. "
                         f"Received: window shape={window.shape}")
    left = (fft_length - sequence_length) // 2
    return np.pad(window, (left, fft_length - sequence_length - left))


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform along the last axis (no gradient).

    Frames of ``fft_length`` samples every ``sequence_stride`` (after reflect-padding
    ``fft_length // 2`` on both sides when ``center``), times the window (of
    ``sequence_length`` samples, centred), then ``rfft``.

    Returns:
        ``(real, imag)`` of shape ``(..., frames, fft_length // 2 + 1)``.
    """
    values = np.asarray(data(x))
    if values.dtype not in (np.float32, np.float64):
        raise TypeError("Invalid input type. Expected `float32` or `float64`. Received: "
                        f"input type={values.dtype}")
    if fft_length < sequence_length:
        raise ValueError("`fft_length` must equal or larger than `sequence_length`. Received: "
                         f"sequence_length={sequence_length}, fft_length={fft_length}")
    win = _stft_window(window, sequence_length, fft_length, values.dtype)
    if center:
        pad = [(0, 0)] * (values.ndim - 1) + [(fft_length // 2, fft_length // 2)]
        values = np.pad(values, pad, mode="reflect")
    starts = np.arange(0, values.shape[-1] - fft_length + 1, sequence_stride)
    frames = values[..., starts[:, None] + np.arange(fft_length)]      # (..., frames, fft)
    return _split(np.fft.rfft(frames * win, n=fft_length, axis=-1), values.dtype)


def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """Inverse of ``stft`` (no gradient): ``irfft`` of each frame, times the window,
    overlap-added and divided by the overlap-added squared window (where it is not ~0).

    ``length`` trims the output (after removing the ``center`` padding).
    """
    z, dtype = _complex_pair(x)
    if z.ndim < 2:
        raise ValueError(f"Input `x` must have at least 2 dimensions. Received shape: "
                         f"{z.shape}")
    dtype = dtype if np.issubdtype(dtype, np.floating) else np.dtype(backend.floatx())
    win = _stft_window(window, sequence_length, fft_length, dtype)
    frames = np.fft.irfft(z, n=fft_length, axis=-1)[..., :fft_length] * win  # (..., F, fft)
    total = fft_length + sequence_stride * (z.shape[-2] - 1)
    signal = np.zeros(z.shape[:-2] + (total,))
    norm = np.zeros(total)
    for i in range(z.shape[-2]):
        signal[..., i * sequence_stride:i * sequence_stride + fft_length] += frames[..., i, :]
        norm[i * sequence_stride:i * sequence_stride + fft_length] += win * win
    signal /= np.where(norm > 1e-10, norm, 1.0)
    if window is None:  # no window: Keras scales the overlap-add by fft_length / stride
        signal *= fft_length / sequence_stride
    start = fft_length // 2 if center else 0
    end = start + length if length is not None else (total - fft_length // 2 if center
                                                     else total)
    return Tensor(signal[..., start:end].astype(dtype))
