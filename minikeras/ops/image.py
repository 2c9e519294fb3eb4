"""keras.ops.image: resizing, affine warps, crops, pads, patches (2-D and 3-D), filters
(Gaussian blur, Sobel edges, SSIM) and colour conversion.

Everything is composed from differentiable primitives (a resize is one matrix product per
resized axis with a constant interpolation matrix; a warp gathers the 2**d neighbours
with ``take`` and weights them), so gradients flow to the images wherever Keras's do.

Numbers follow Keras's numpy/JAX/TensorFlow backends: half-pixel sample centres; bicubic
is the Keys kernel with a = -0.5; ``antialias=True`` widens the kernel when shrinking;
integer images are rounded and clipped to their input range.
"""
import itertools

import numpy as np

from .. import backend, random
from ..autodiff import primitives as P
from ..autodiff.tensor import Tensor
from .core import convert_to_tensor
from .convolution import conv, depthwise_conv, standardize_data_format

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")
AFFINE_INTERPOLATIONS = {"nearest": 0, "bilinear": 1}
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _images(images, data_format, op):
    """(tensor, channels-first flag, batched flag) after checking the rank is 3 or 4."""
    images = convert_to_tensor(images)
    if images.ndim not in (3, 4):
        raise ValueError(
            f"Invalid images rank for {op}: expected rank 3 (single image) or rank 4 (batch of "
            f"images). Received input with shape: images.shape={images.shape}")
    return images, standardize_data_format(data_format) == "channels_first", images.ndim == 4


def _spatial_axes(ndim, channels_first):
    """Axes of height and width for a rank-3 or rank-4 image array."""
    return (ndim - 2, ndim - 1) if channels_first else (ndim - 3, ndim - 2)


def _float(x):
    return x if backend.is_float_dtype(x.dtype) else P.cast(x, backend.floatx())


# ---- resize -------------------------------------------------------------------------------
def _triangle(x):
    return np.maximum(0.0, 1.0 - x)


def _keys_cubic(x):
    """Keys' cubic convolution kernel with a = -0.5 (TensorFlow / JAX "bicubic")."""
    near = ((1.5 * x - 2.5) * x) * x + 1.0
    far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return np.where(x >= 2.0, 0.0, np.where(x >= 1.0, far, near))


def _lanczos(radius):
    def kernel(x):
        with np.errstate(divide="ignore", invalid="ignore"):
            y = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius) / (np.pi ** 2 * x ** 2)
        return np.where(x > radius, 0.0, np.where(x > 1e-3, y, 1.0))
    return kernel


_KERNELS = {"bilinear": _triangle, "bicubic": _keys_cubic, "lanczos3": _lanczos(3.0),
            "lanczos5": _lanczos(5.0)}


def interpolation_matrix(in_size, out_size, interpolation, antialias=False, scale=None,
                         translation=0.0, steps=None):
    """The (in_size, out_size) matrix W with ``resized = x @ W`` along one axis.

    Output sample ``i`` sits at input coordinate ``(i + 0.5 - translation) / scale - 0.5``
    (``scale`` defaults to ``out / in``), its fraction of a pixel rounded to ``1 / steps``
    when ``steps`` is given (``tf.image.resize``'s bicubic reads its kernel from a table of
    1024 steps); each column holds the kernel at the distances to the input pixels,
    normalized to sum to 1, and is zero for a sample outside the input. "area" gives each
    input pixel the fraction of the output pixel's span it covers.
    """
    scale = out_size / in_size if scale is None else float(scale)
    if interpolation == "area":
        edges = np.arange(out_size + 1) / scale                     # output pixel spans
        lo = np.maximum(edges[:-1][None, :], np.arange(in_size)[:, None])
        hi = np.minimum(edges[1:][None, :], np.arange(in_size)[:, None] + 1)
        return np.maximum(hi - lo, 0.0) * scale
    kernel_scale = max(1.0 / scale, 1.0) if antialias else 1.0
    sample = (np.arange(out_size) + 0.5 - translation) / scale - 0.5  # (out,)
    if steps is not None:
        sample = np.floor(sample) + np.rint((sample - np.floor(sample)) * steps) / steps
    weights = _KERNELS[interpolation](
        np.abs(sample[None, :] - np.arange(in_size)[:, None]) / kernel_scale)
    total = weights.sum(axis=0, keepdims=True)
    weights = np.where(np.abs(total) > 1000.0 * np.finfo(np.float32).eps,
                       weights / np.where(total != 0, total, 1), 0.0)
    inside = (sample >= -0.5) & (sample <= in_size - 0.5)
    return np.where(inside[None, :], weights, 0.0)


def _resize_axis(x, axis, out_size, interpolation, antialias):
    in_size = x.shape[axis]
    if in_size == out_size:
        return x
    if interpolation == "nearest":
        offsets = np.floor((np.arange(out_size, dtype=np.float32) + 0.5) * in_size / out_size)
        return P.take(x, offsets.astype(np.int64), axis)
    return _apply_on_axis(x, axis, interpolation_matrix(in_size, out_size, interpolation,
                                                        antialias))


def _apply_on_axis(x, axis, matrix):
    """``x`` with its axis ``axis`` (of size in) replaced by ``x @ matrix`` (in, out)."""
    perm = [a for a in range(x.ndim) if a != axis] + [axis]
    inverse = list(np.argsort(perm))
    moved = P.transpose(x, perm)                                      # (..., in)
    out = P.matmul(moved, Tensor(matrix.astype(x.dtype)))             # (..., out)
    return P.transpose(out, inverse)


SCALE_AND_TRANSLATE_METHODS = {
    "linear": "bilinear", "bilinear": "bilinear", "trilinear": "bilinear",
    "triangle": "bilinear", "cubic": "bicubic", "bicubic": "bicubic", "tricubic": "bicubic",
    "keyscubic": "bicubic", "lanczos3": "lanczos3", "lanczos5": "lanczos5"}


def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    """Resample ``images`` to ``output_shape``: along each axis of ``spatial_dims``, output
    sample i reads input coordinate ``(i + 0.5 - translation) / scale - 0.5`` with the
    ``method``'s kernel (widened by 1 / scale when shrinking and ``antialias``), as JAX's
    ``scale_and_translate``; samples outside the input give 0.
    """
    if method not in SCALE_AND_TRANSLATE_METHODS:
        raise ValueError(f"Invalid value for argument `method`. Expected one of "
                         f"{sorted(SCALE_AND_TRANSLATE_METHODS)}. Received: method={method}")
    x = _float(convert_to_tensor(images))
    spatial_dims = [int(d) % x.ndim for d in spatial_dims]
    scale = np.broadcast_to(np.asarray(scale.data if isinstance(scale, Tensor) else scale,
                                       np.float64), (len(spatial_dims),))
    translation = np.broadcast_to(np.asarray(
        translation.data if isinstance(translation, Tensor) else translation, np.float64),
        (len(spatial_dims),))
    output_shape = tuple(int(n) for n in output_shape)
    if len(output_shape) != x.ndim or any(
            output_shape[a] != x.shape[a] for a in range(x.ndim) if a not in spatial_dims):
        raise ValueError(f"scale_and_translate: output_shape must have the input's rank and "
                         f"keep its non-spatial sizes. Received: output_shape={output_shape} "
                         f"for images.shape={x.shape}, spatial_dims={spatial_dims}")
    for axis, s, t in zip(spatial_dims, scale, translation):
        matrix = interpolation_matrix(x.shape[axis], output_shape[axis],
                                      SCALE_AND_TRANSLATE_METHODS[method], antialias, s, t)
        x = _apply_on_axis(x, axis, matrix)
    return x


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resize images to ``size`` = (height, width).

    Args:
        interpolation: "bilinear", "nearest", "bicubic", "lanczos3", "lanczos5" or "area".
        antialias: widen the kernel when shrinking (less aliasing).
        crop_to_aspect_ratio: first crop the centred largest box of the target aspect ratio.
        pad_to_aspect_ratio: first pad (with ``fill_value``) to the target aspect ratio.
    """
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected of one "
                         f"{RESIZE_INTERPOLATIONS}. Received: interpolation={interpolation}")
    if fill_mode != "constant":
        raise ValueError("Invalid value for argument `fill_mode`. Only `'constant'` is "
                         f"supported. Received: fill_mode={fill_mode}")
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be "
                         "`True`.")
    if len(tuple(size)) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers. Received: size={size}")
    images, channels_first, _ = _images(images, data_format, "resize")
    target_h, target_w = (int(s) for s in size)
    h_axis, w_axis = _spatial_axes(images.ndim, channels_first)
    height, width = images.shape[h_axis], images.shape[w_axis]
    if crop_to_aspect_ratio:
        crop_h = max(min(height, int(float(width * target_h) / target_w)), 1)
        crop_w = max(min(width, int(float(height * target_w) / target_h)), 1)
        top, left = int((height - crop_h) / 2), int((width - crop_w) / 2)
        images = _slice_hw(images, h_axis, top, crop_h, left, crop_w)
    elif pad_to_aspect_ratio:
        pad_h = max(height, int(float(width * target_h) / target_w))
        pad_w = max(width, int(float(height * target_w) / target_h))
        top, left = int((pad_h - height) / 2), int((pad_w - width) / 2)
        images = _pad_hw(images, h_axis, (top, top), (left, left), fill_value)
    integer = not backend.is_float_dtype(images.dtype)
    out = _float(images) if integer else images
    out = _resize_axis(out, h_axis, target_h, interpolation, antialias)
    out = _resize_axis(out, w_axis, target_w, interpolation, antialias)
    if integer and interpolation != "nearest":
        low, high = images.data.min(), images.data.max()
        return Tensor(np.clip(np.round(out.data), low, high).astype(images.dtype))
    return P.cast(out, images.dtype) if integer else out


def _slice_hw(images, h_axis, top, height, left, width):
    index = [slice(None)] * images.ndim
    index[h_axis] = slice(top, top + height)
    index[h_axis + 1] = slice(left, left + width)
    return P.getitem(images, tuple(index))


def _pad_hw(images, h_axis, rows, cols, value=0.0):
    """Pad height by ``rows`` = (top, bottom) and width by ``cols`` with a constant."""
    for axis, (before, after) in ((h_axis, rows), (h_axis + 1, cols)):
        if before == after == 0:
            continue
        shape = list(images.shape)
        pieces = []
        for count in (before, after):
            shape[axis] = count
            pieces.append(Tensor(np.full(shape, value, dtype=images.dtype)))
        images = P.concatenate([pieces[0], images, pieces[1]], axis)
    return images


# ---- crop and pad -------------------------------------------------------------------------
def _two_of_three(before, after, target, names):
    if [before, after, target].count(None) != 1:
        raise ValueError(f"Must specify exactly two of {', '.join(names)}. Received: "
                         f"{names[0]}={before}, {names[1]}={after}, {names[2]}={target}")
    for name, value in zip(names, (before, after, target)):
        if value is not None and value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """Crop images to a box: give two of (top, bottom, target_height) and of the widths."""
    _two_of_three(top_cropping, bottom_cropping, target_height,
                  ("top_cropping", "bottom_cropping", "target_height"))
    _two_of_three(left_cropping, right_cropping, target_width,
                  ("left_cropping", "right_cropping", "target_width"))
    images, channels_first, _ = _images(images, data_format, "crop_images")
    h_axis, w_axis = _spatial_axes(images.ndim, channels_first)
    height, width = images.shape[h_axis], images.shape[w_axis]
    top = top_cropping if top_cropping is not None else height - bottom_cropping - target_height
    left = left_cropping if left_cropping is not None else width - right_cropping - target_width
    target_height = target_height if target_height is not None else \
        height - top - bottom_cropping
    target_width = target_width if target_width is not None else width - left - right_cropping
    if top < 0 or left < 0 or target_height <= 0 or target_width <= 0 or \
            top + target_height > height or left + target_width > width:
        raise ValueError(
            f"The crop box (top={top}, left={left}, height={target_height}, width={target_width}) "
            f"does not fit inside images of height {height} and width {width}.")
    return _slice_hw(images, h_axis, top, target_height, left, target_width)


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Zero-pad images: give two of (top, bottom, target_height) and of the widths."""
    _two_of_three(top_padding, bottom_padding, target_height,
                  ("top_padding", "bottom_padding", "target_height"))
    _two_of_three(left_padding, right_padding, target_width,
                  ("left_padding", "right_padding", "target_width"))
    images, channels_first, _ = _images(images, data_format, "pad_images")
    h_axis, w_axis = _spatial_axes(images.ndim, channels_first)
    height, width = images.shape[h_axis], images.shape[w_axis]
    top = top_padding if top_padding is not None else target_height - bottom_padding - height
    bottom = bottom_padding if bottom_padding is not None else target_height - top - height
    left = left_padding if left_padding is not None else target_width - right_padding - width
    right = right_padding if right_padding is not None else target_width - left - width
    # Keras's order of checks: the first negative one is named
    for name, value in (("top_padding", top), ("left_padding", left),
                        ("right_padding", right), ("bottom_padding", bottom)):
        if value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")
    return _pad_hw(images, h_axis, (top, bottom), (left, right))


# ---- sampling at coordinates --------------------------------------------------------------
def _fix_index(index, size, fill_mode):
    """Integer indices folded into range as the fill mode says (out-of-range kept for constant)."""
    if fill_mode == "nearest":
        return np.clip(index, 0, size - 1)
    if fill_mode == "wrap":
        return np.mod(index, size)
    if fill_mode == "mirror":   # d c b | a b c d | c b a
        return _mirror(index, size)
    if fill_mode == "reflect":  # d c b a | a b c d | d c b a (mirror on the half-pixel grid)
        return (_mirror(2 * index + 1, 2 * size + 1) - 1) // 2
    return index


def _mirror(index, size):
    if size == 1:
        return np.zeros_like(index)
    return np.abs(np.mod(index + size - 1, 2 * (size - 1)) - (size - 1))


def _corners(coordinate, order):
    """[(integer index, weight)] of the neighbours that interpolate at ``coordinate``."""
    if order == 0:
        return [(np.round(coordinate).astype(np.int64), 1.0)]
    low = np.floor(coordinate)
    frac = coordinate - low
    low = low.astype(np.int64)
    return [(low, 1.0 - frac), (low + 1, frac)]


def _interpolate(x, coordinates, order, fill_mode, fill_value):
    """Sample ``x`` at ``coordinates``: one array per leading axis of ``x`` (broadcastable;
    an integer array is an exact index), order 0 (nearest) or 1 (linear). The axes after
    those are carried whole: an image's channels are gathered as one row per pixel, so the
    index arithmetic runs once per pixel, not once per value."""
    x = convert_to_tensor(x)
    lead, trail = x.shape[:len(coordinates)], x.shape[len(coordinates):]
    rows = P.reshape(x, (-1,) + ((int(np.prod(trail)),) if trail else ()))
    strides = np.cumprod((lead[1:] + (1,))[::-1])[::-1]
    # per axis: [(offset contribution, weight, in range)] for each neighbour, folded once
    per_axis = []
    for c, size, stride in zip(coordinates, lead, strides):
        if np.issubdtype(np.asarray(c).dtype, np.integer):   # an exact, in-range index
            per_axis.append([(np.asarray(c) * stride, 1.0, True)])
            continue
        corners = []
        for index, w in _corners(np.asarray(c, dtype=np.float64), order):
            fixed = _fix_index(index, size, fill_mode)
            inside = (fixed >= 0) & (fixed < size)
            corners.append((np.clip(fixed, 0, size - 1) * stride, w, inside))
        per_axis.append(corners)
    expand = (1,) * (1 if trail else 0)  # weights broadcast over the carried row
    out = None
    for combo in itertools.product(*per_axis):
        offset, weight, valid = 0, 1.0, True
        for part, w, inside in combo:
            offset, weight, valid = offset + part, weight * w, valid & inside
        offset = np.asarray(offset)
        gathered = P.take(rows, offset, 0)                        # offset.shape + (row,)
        weight = np.broadcast_to(weight, offset.shape)
        if fill_mode == "constant":
            valid = np.broadcast_to(valid, offset.shape)
            term = P.multiply(gathered, Tensor((weight * valid).astype(x.dtype).reshape(
                offset.shape + expand)))
            fill = (weight * ~valid * fill_value).astype(x.dtype)
            if fill.any():
                term = P.add(term, Tensor(fill.reshape(offset.shape + expand)))
        else:
            term = P.multiply(gathered, Tensor(weight.astype(x.dtype).reshape(
                offset.shape + expand)))
        out = term if out is None else P.add(out, term)
    return P.reshape(out, out.shape[:out.ndim - len(expand)] + trail) if trail else out


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0.0):
    """Sample ``inputs`` at ``coordinates`` (shape ``(inputs.ndim, ...)``), as
    ``scipy.ndimage.map_coordinates``: order 0 (nearest) or 1 (linear)."""
    inputs = convert_to_tensor(inputs)
    coordinates = np.asarray(coordinates.data if isinstance(coordinates, Tensor) else coordinates)
    if coordinates.ndim < 2:
        raise ValueError("Invalid coordinates rank: expected at least rank 2. Received input "
                         f"with shape: {coordinates.shape}")
    if coordinates.shape[0] != inputs.ndim:
        raise ValueError("First dim of `coordinates` must be the same as the rank of `inputs`. "
                         f"Received inputs with shape: {inputs.shape} and coordinate leading "
                         f"dim of {coordinates.shape[0]}")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"Invalid value for argument `fill_mode`. Expected one of "
                         f"{FILL_MODES}. Received: fill_mode={fill_mode}")
    if order not in (0, 1):
        raise ValueError(f"Invalid value for argument `order`. Expected one of [0, 1]. "
                         f"Received: order={order}")
    coords = [c.astype(np.float64) for c in coordinates]
    return _interpolate(_float(inputs), coords, order, fill_mode, fill_value)


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Warp images by projective transforms ``[a0, a1, a2, b0, b1, b2, c0, c1]``.

    The output pixel (x, y) takes the input value at ``((a0 x + a1 y + a2) / k,
    (b0 x + b1 y + b2) / k)`` with ``k = c0 x + c1 y + 1`` (one transform, or one per image).
    """
    # coordinates are computed in the images' float precision, as Keras does (this decides
    # which way "nearest" rounds a coordinate that lands on a half pixel)
    dtype = np.float64 if convert_to_tensor(images).data.dtype == np.float64 else np.float32
    transform = np.asarray(transform.data if isinstance(transform, Tensor) else transform,
                           dtype=dtype)
    if transform.ndim not in (1, 2):
        raise ValueError("Invalid transform rank: expected rank 1 (single transform) or rank 2 "
                         f"(batch of transforms). Received input with shape: "
                         f"transform.shape={transform.shape}")

    def sources(batch, height, width):
        coefficients = np.broadcast_to(transform.reshape(-1, 8), (batch, 8))
        a0, a1, a2, b0, b1, b2, c0, c1 = (coefficients[:, i, None, None] for i in range(8))
        ys, xs = np.meshgrid(np.arange(height, dtype=dtype), np.arange(width, dtype=dtype),
                             indexing="ij")
        k = c0 * xs + c1 * ys + dtype(1.0)
        return (b0 * xs + b1 * ys + b2) / k, (a0 * xs + a1 * ys + a2) / k   # (B, H, W)
    return _warp(images, sources, interpolation, fill_mode, fill_value, data_format,
                 "affine_transform")


def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None, data_format=None):
    """Elastic deformation: each output pixel reads the input at its own position plus
    ``alpha`` times a random displacement field, the field being N(0, sigma^2) noise per
    pixel and axis smoothed by a Gaussian blur of ``sigma`` (kernel ``int(6 sigma) | 1``).

    The draws come from minikeras's generator (``seed``, or the global seeded stream), so
    the fields differ from Keras's for the same seed; Keras's jax backend also uses one
    field for both axes, where minikeras draws two.
    """
    sigma = float(sigma)
    size = int(6 * sigma) | 1
    kernel = np.outer(_gaussian_1d(size, sigma, np.float64), _gaussian_1d(size, sigma,
                                                                           np.float64))

    def sources(batch, height, width):
        noise = random.make_generator(seed).normal(0.0, sigma, (2, batch, height, width, 1))
        dy, dx = (_per_channel_filter(Tensor(n), kernel, False).data[..., 0] for n in noise)
        rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
        return rows + float(alpha) * dy, cols + float(alpha) * dx
    return _warp(images, sources, interpolation, fill_mode, fill_value, data_format,
                 "elastic_transform")


def _warp(images, sources, interpolation, fill_mode, fill_value, data_format, op):
    """Each output pixel of ``images`` sampled at the input position ``sources(batch,
    height, width)`` gives, as ``(rows, cols)`` arrays of shape (batch, height, width)."""
    if interpolation not in AFFINE_INTERPOLATIONS:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected of one "
                         f"{set(AFFINE_INTERPOLATIONS)}. Received: interpolation={interpolation}")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"Invalid value for argument `fill_mode`. Expected of one "
                         f"{set(FILL_MODES)}. Received: fill_mode={fill_mode}")
    images, channels_first, batched = _images(images, data_format, op)
    x = images if batched else P.reshape(images, (1,) + images.shape)
    if channels_first:
        x = P.transpose(x, (0, 2, 3, 1))
    batch, height, width = x.shape[:3]
    rows, cols = sources(batch, height, width)
    coords = [np.arange(batch)[:, None, None], rows, cols]         # channels carried whole
    out = _interpolate(_float(x), coords, AFFINE_INTERPOLATIONS[interpolation], fill_mode,
                       fill_value)
    out = P.cast(out, images.dtype) if out.dtype != images.dtype else out
    if channels_first:
        out = P.transpose(out, (0, 3, 1, 2))
    return out if batched else P.reshape(out, out.shape[1:])


def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format=None):
    """Warp images so that the four ``start_points`` (x, y) land on the ``end_points``
    (each ``(4, 2)``, or ``(N, 4, 2)`` per image); outside pixels take ``fill_value``.

    The homography maps each output pixel back to the input: the projective transform of
    ``affine_transform`` solved from the eight equations the four point pairs give.
    """
    # the homography is solved in float32, as Keras does (it decides the sample positions)
    start, end = (np.asarray(p.data if isinstance(p, Tensor) else p, np.float32)
                  for p in (start_points, end_points))
    for name, points in (("start_points", start), ("end_points", end)):
        if points.shape[-2:] != (4, 2) or points.ndim not in (2, 3):
            raise ValueError(f"Invalid {name} shape: expected (4,2) for a single image or "
                             f"(N,4,2) for a batch. Received shape: {points.shape}")
    if start.shape != end.shape:
        raise ValueError("start_points and end_points must have the same shape. Received "
                         f"start_points.shape={start.shape}, end_points.shape={end.shape}")
    return affine_transform(images, _homography(start, end), interpolation, "constant",
                            fill_value, data_format)


def _homography(start, end):
    """The 8 coefficients taking each end point (x, y) to its start point:
    ``x_s = (a0 x + a1 y + a2) / (c0 x + c1 y + 1)``, ``y_s`` likewise with b0, b1, b2."""
    (sx, sy), (ex, ey) = np.moveaxis(start, -1, 0), np.moveaxis(end, -1, 0)
    zeros, ones = np.zeros_like(ex), np.ones_like(ex)
    x_rows = np.stack([ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey], -1)
    y_rows = np.stack([zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey], -1)
    system = np.concatenate([x_rows, y_rows], -2)                       # (..., 8, 8)
    return np.linalg.solve(system, np.concatenate([sx, sy], -1)[..., None])[..., 0]


# ---- patches and colour -------------------------------------------------------------------
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """Patches of ``size`` as vectors: (..., rows, cols, size_h * size_w * channels),
    each vector ordered (row in patch, column in patch, channel). A ``size`` of three
    numbers takes 3-D patches of volumes (``extract_patches_3d``).

    Raises:
        TypeError: if ``size`` is not an int, tuple or list.
        ValueError: if ``size`` has other than 2 or 3 numbers.
    """
    if not isinstance(size, int):
        if not isinstance(size, (tuple, list)):
            raise TypeError("Invalid `size` argument. Expected an int or a tuple. "
                            f"Received: size={size} of type {type(size).__name__}")
        if len(size) not in (2, 3):
            raise ValueError("Invalid `size` argument. Expected a tuple of length 2 or 3. "
                             f"Received: size={size} with length {len(size)}")
        if len(size) == 3:
            return extract_patches_3d(images, size, strides, dilation_rate, padding,
                                      data_format)
    images, channels_first, batched = _images(images, data_format, "extract_patches")
    return _patches(images, size, strides, dilation_rate, padding, channels_first, batched, 2)


def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    """Patches of ``size`` (depth, height, width) of volumes (rank 4, or 5 with a batch) as
    vectors: (..., d, h, w, size_d * size_h * size_w * channels)."""
    volumes = convert_to_tensor(volumes)
    if volumes.ndim not in (4, 5):
        raise ValueError("Invalid volumes rank for extract_patches_3d: expected rank 4 (single "
                         "volume) or rank 5 (batch of volumes). Received input with shape: "
                         f"volumes.shape={volumes.shape}")
    channels_first = standardize_data_format(data_format) == "channels_first"
    return _patches(volumes, size, strides, dilation_rate, padding, channels_first,
                    volumes.ndim == 5, 3)


def _patches(images, size, strides, dilation_rate, padding, channels_first, batched, rank):
    """Patch extraction over ``rank`` spatial axes: a convolution with an identity kernel."""
    size = (size,) * rank if isinstance(size, int) else tuple(size)
    if len(size) != rank:
        raise ValueError(f"Invalid `size` argument. Expected an int or a tuple of length "
                         f"{rank}. Received: size={size}")
    x = images if batched else P.reshape(images, (1,) + images.shape)
    if channels_first:
        x = P.transpose(x, (0, *range(2, x.ndim), 1))
    channels = x.shape[-1]
    depth = int(np.prod(size)) * channels
    kernel = np.eye(depth, dtype=backend.floatx() if not backend.is_float_dtype(x.dtype)
                    else x.dtype).reshape(size + (channels, depth))
    out = conv(_float(x), kernel, strides=size if strides is None else strides,
               padding=padding, data_format="channels_last", dilation_rate=dilation_rate)
    if channels_first:
        out = P.transpose(out, (0, out.ndim - 1, *range(1, out.ndim - 1)))
    return out if batched else P.reshape(out, out.shape[1:])


# ---- filters: Gaussian blur, Sobel edges, SSIM ---------------------------------------------

def _gaussian_1d(size, sigma, dtype):
    """A normalized Gaussian of ``size`` taps: ``exp(-x^2 / (2 sigma^2))``, x centred."""
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2
    taps = np.exp(-0.5 * (x / float(sigma)) ** 2)
    return (taps / taps.sum()).astype(dtype)


def _per_channel_filter(images, kernel_hw, channels_first):
    """Each channel of a batch of images convolved ("same", zero padding) with one 2-D
    kernel; images (N, H, W, C) or (N, C, H, W)."""
    fmt = "channels_first" if channels_first else "channels_last"
    channels = images.shape[1] if channels_first else images.shape[-1]
    kernel = np.repeat(kernel_hw[:, :, None, None], channels, axis=2)      # (kh, kw, C, 1)
    return depthwise_conv(images, kernel, 1, "same", fmt)


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Each channel convolved ("same", zero padding) with a normalized Gaussian kernel.

    As Keras builds it, the kernel is ``outer(g(kernel_size[1], sigma[1]),
    g(kernel_size[0], sigma[0]))``: rows (height) from the second entries, columns (width)
    from the first.
    """
    images, channels_first, batched = _images(images, data_format, "gaussian_blur")
    x = _float(images)
    sizes = (kernel_size,) * 2 if isinstance(kernel_size, int) else tuple(kernel_size)
    sigmas = (sigma,) * 2 if np.ndim(sigma) == 0 else tuple(np.asarray(sigma, float))
    if len(sizes) != 2 or len(sigmas) != 2 or min(sizes) < 1 or min(sigmas) <= 0:
        raise ValueError("gaussian_blur expects kernel_size as two positive ints and sigma as "
                         f"two positive numbers. Received: kernel_size={kernel_size}, "
                         f"sigma={sigma}")
    kernel = np.outer(_gaussian_1d(sizes[1], sigmas[1], x.dtype),
                      _gaussian_1d(sizes[0], sigmas[0], x.dtype))
    x = x if batched else P.reshape(x, (1,) + x.shape)
    out = _per_channel_filter(x, kernel, channels_first)
    return out if batched else P.reshape(out, out.shape[1:])


SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])   # d/dx (along width)


def sobel_edges(images, data_format=None):
    """The Sobel derivatives of each channel ("same", zero padding), stacked on a new last
    axis as ``[dy, dx]``: shape ``(batch, height, width, channels, 2)`` (channels first:
    ``(batch, channels, height, width, 2)``)."""
    images = convert_to_tensor(images)
    if images.ndim != 4:
        raise ValueError("sobel_edges expects a batch of images of rank 4. Received input "
                         f"with shape: images.shape={images.shape}")
    channels_first = standardize_data_format(data_format) == "channels_first"
    x = _float(images)
    dy = _per_channel_filter(x, SOBEL_X.T.astype(x.dtype), channels_first)
    dx = _per_channel_filter(x, SOBEL_X.astype(x.dtype), channels_first)
    return P.stack([dy, dx], axis=-1)


def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """Structural similarity (Wang et al., 2004) of two images, averaged over the valid
    positions of a Gaussian window and over channels: one value per image.

    Formula: with Gaussian-weighted means mu, variances s^2 and covariance s12,
    ``((2 mu1 mu2 + c1)(2 s12 + c2)) / ((mu1^2 + mu2^2 + c1)(s1^2 + s2^2 + c2))``,
    ``c1 = (k1 max_val)^2``, ``c2 = (k2 max_val)^2``.
    """
    a, channels_first, batched = _images(image1, data_format, "ssim")
    b, _, _ = _images(image2, data_format, "ssim")
    if a.shape != b.shape:
        raise ValueError(f"ssim expects two images of the same shape. Received: "
                         f"image1.shape={a.shape}, image2.shape={b.shape}")
    a, b = _float(a), P.cast(_float(b), _float(a).dtype)
    if not batched:
        a, b = P.reshape(a, (1,) + a.shape), P.reshape(b, (1,) + b.shape)
    if channels_first:
        a, b = P.transpose(a, (0, 2, 3, 1)), P.transpose(b, (0, 2, 3, 1))
    n, h, w, c = a.shape
    if filter_size > min(h, w):
        raise ValueError(f"ssim: filter_size={filter_size} is larger than the images "
                         f"({h} x {w}).")
    taps = _gaussian_1d(filter_size, filter_sigma, a.dtype)
    kernel = np.outer(taps, taps)[:, :, None, None]                   # (k, k, 1, 1)
    planes = [P.reshape(P.transpose(x, (0, 3, 1, 2)), (n * c, h, w, 1)) for x in (a, b)]

    def local_mean(x):
        return conv(x, kernel, 1, "valid", "channels_last")

    mu1, mu2 = (local_mean(x) for x in planes)
    var1 = P.subtract(local_mean(P.square(planes[0])), P.square(mu1))
    var2 = P.subtract(local_mean(P.square(planes[1])), P.square(mu2))
    cov = P.subtract(local_mean(P.multiply(planes[0], planes[1])), P.multiply(mu1, mu2))
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    numerator = P.multiply(P.add(P.multiply(P.multiply(mu1, mu2), 2.0), c1),
                           P.add(P.multiply(cov, 2.0), c2))
    denominator = P.multiply(P.add(P.add(P.square(mu1), P.square(mu2)), c1),
                             P.add(P.add(var1, var2), c2))
    per_plane = P.mean(P.divide(numerator, denominator), (1, 2, 3))   # (n * c,)
    out = P.mean(P.reshape(per_plane, (n, c)), -1)
    return out if batched else P.reshape(out, ())


def rgb_to_grayscale(images, data_format=None):
    """``0.2989 R + 0.5870 G + 0.1140 B``, keeping a channel axis of size 1."""
    images, channels_first, _ = _images(images, data_format, "rgb_to_grayscale")
    axis = images.ndim - 3 if channels_first else images.ndim - 1
    if images.shape[axis] != 3:
        raise ValueError(f"rgb_to_grayscale expects 3 (RGB) channels on axis {axis}. Received: "
                         f"images.shape={images.shape}")
    x = _float(images)
    weights = np.array([0.2989, 0.5870, 0.1140], dtype=x.dtype).reshape(
        [3 if a == axis else 1 for a in range(x.ndim)])
    gray = P.sum(P.multiply(x, Tensor(weights)), axis, True)
    return P.cast(gray, images.dtype) if gray.dtype != images.dtype else gray


def _channel_planes(images, channels_first, op):
    """The three colour planes (each without the channel axis) and the channel axis."""
    axis = images.ndim - 3 if channels_first else images.ndim - 1
    if images.shape[axis] != 3:
        raise ValueError(f"{op} expects 3 channels on axis {axis}. Received: "
                         f"images.shape={images.shape}")
    if not backend.is_float_dtype(images.dtype):
        raise ValueError(f"Invalid images dtype for {op}: expected a float dtype. Received: "
                         f"images.dtype={images.dtype}")
    index = [slice(None)] * images.ndim
    planes = []
    for c in range(3):
        index[axis] = c
        planes.append(P.getitem(images, tuple(index)))
    return planes, axis


def rgb_to_hsv(images, data_format=None):
    """RGB (floats in [0, 1]) to hue, saturation, value, each in [0, 1].

    ``v = max(r, g, b)``, ``s = (v - min) / v``; hue is the sextant position of the largest
    channel, ``(g - b) / 6c`` (red largest), ``1/3 + (b - r) / 6c`` (green) or
    ``2/3 + (r - g) / 6c`` (blue), wrapped into [0, 1); grey pixels get hue 0.
    """
    images, channels_first, _ = _images(images, data_format, "rgb_to_hsv")
    tiny = np.finfo(images.dtype).eps if backend.is_float_dtype(images.dtype) else 0
    if tiny:
        images = P.where(Tensor(np.abs(images.data) < tiny), Tensor(np.zeros((), images.dtype)),
                         images)
    (r, g, b), axis = _channel_planes(images, channels_first, "rgb_to_hsv")
    one = Tensor(np.ones((), images.dtype))
    value = P.maximum(P.maximum(r, g), b)
    spread = P.subtract(value, P.minimum(P.minimum(r, g), b))
    saturation = P.where(Tensor(value.data > 0),
                         P.divide(spread, P.where(Tensor(value.data > 0), value, one)),
                         Tensor(np.zeros((), images.dtype)))
    norm = P.divide(one, P.multiply(P.where(Tensor(spread.data > 0), spread, one), 6.0))
    hue = P.where(Tensor(value.data == g.data),
                  P.add(P.multiply(norm, P.subtract(b, r)), 2.0 / 6.0),
                  P.add(P.multiply(norm, P.subtract(r, g)), 4.0 / 6.0))
    hue = P.where(Tensor(value.data == r.data), P.multiply(norm, P.subtract(g, b)), hue)
    wrap = (hue.data < 0).astype(images.dtype)
    hue = P.add(P.where(Tensor(spread.data > 0), hue, Tensor(np.zeros((), images.dtype))),
                Tensor(wrap))
    return P.stack([hue, saturation, value], axis)


def hsv_to_rgb(images, data_format=None):
    """Hue, saturation, value (in [0, 1]) back to RGB: each channel is
    ``v * (1 - s + s * ramp(6h))`` with the piecewise-linear ramps of the colour wheel."""
    images, channels_first, _ = _images(images, data_format, "hsv_to_rgb")
    (hue, saturation, value), axis = _channel_planes(images, channels_first, "hsv_to_rgb")
    sextant = P.multiply(P.subtract(hue, Tensor(np.floor(hue.data))), 6.0)   # mod(h, 1) * 6
    ramps = [P.clip(P.subtract(P.abs(P.subtract(sextant, 3.0)), 1.0), 0.0, 1.0),
             P.clip(P.subtract(2.0, P.abs(P.subtract(sextant, 2.0))), 0.0, 1.0),
             P.clip(P.subtract(2.0, P.abs(P.subtract(sextant, 4.0))), 0.0, 1.0)]
    grey = P.subtract(1.0, saturation)
    planes = [P.multiply(value, P.add(grey, P.multiply(saturation, ramp))) for ramp in ramps]
    return P.stack(planes, axis)
