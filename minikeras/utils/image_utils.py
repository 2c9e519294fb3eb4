"""Images as files, PIL images and numpy arrays (``keras.utils.load_img`` and friends).

Decoding and encoding need Pillow, the optional extra ``images``
(``pip install "minikeras[images]"``); it is imported when one of these functions runs,
never by ``import minikeras``. The numpy resizing that ``image_dataset_from_directory``
uses (TensorFlow's ``tf.image.resize`` with half-pixel centres) lives here too.
"""
import io
import os
import pathlib
import warnings

import numpy as np

from ..backend import floatx
from ..ops import image as image_ops
from ..ops.convolution import standardize_data_format

PIL_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")
COLOR_MODES = {"rgb": "RGB", "rgba": "RGBA", "grayscale": "L"}


def pil_image():
    """The ``PIL.Image`` module, or an ImportError naming the ``images`` extra."""
    try:
        from PIL import Image
    except ImportError as exc:
        raise ImportError('Reading and writing images needs Pillow: pip install '
                          '"minikeras[images]" (or pip install pillow).') from exc
    return Image


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A 3D array (height, width, channels) as a PIL image (``keras.utils.array_to_img``).

    Args:
        x: Array of rank 3 with 1, 3 or 4 channels.
        data_format: ``"channels_last"`` / ``"channels_first"``; None: the global setting.
        scale: Rescale the values to [0, 255] (min to 0, max to 255) first.
        dtype: Float dtype for the computation; None: ``floatx()``.

    Returns:
        A PIL image: mode ``"L"`` (``"I"`` above 255), ``"RGB"`` or ``"RGBA"``.
    """
    Image = pil_image()
    data_format = standardize_data_format(data_format)
    x = np.array(x, dtype=dtype or floatx())
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with "
                         f"shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        peak = np.max(x)
        if peak != 0:
            x /= peak
        x *= 255
    channels = x.shape[2]
    if channels in (3, 4):
        return Image.fromarray(x.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels} (expected 1, 3 or 4).")


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image as a 3D float array (``keras.utils.img_to_array``).

    Args:
        img: PIL image (or anything ``np.asarray`` turns into a 2D or 3D array).
        data_format: Axis order of the result; None: the global setting.
        dtype: Result dtype; None: ``floatx()``.

    Returns:
        Array of shape (height, width, channels) (or channels first).
    """
    data_format = standardize_data_format(data_format)
    x = np.asarray(img, dtype=dtype or floatx())
    if x.ndim == 2:
        x = x[:, :, None]
    elif x.ndim != 3:
        raise ValueError(f"Unsupported image shape: {x.shape} (expected 2 or 3 dimensions).")
    return x.transpose(2, 0, 1) if data_format == "channels_first" else x


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Write a 3D array as an image file (``keras.utils.save_img``).

    Args:
        path: File path or file object.
        x: Array of rank 3.
        data_format: Axis order of ``x``; None: the global setting.
        file_format: ``"png"``, ``"jpeg"``...; None: from the file name's extension.
        scale: Rescale the values to [0, 255] first.
        **kwargs: Passed to ``PIL.Image.save`` (e.g. ``quality=95``).
    """
    if file_format is None and isinstance(path, (str, os.PathLike)):
        file_format = pathlib.Path(path).suffix[1:].lower() or None
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.",
                      stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """Read an image file into a PIL image (``keras.utils.load_img``).

    Args:
        path: File path, ``pathlib.Path`` or ``io.BytesIO``.
        color_mode: ``"rgb"``, ``"rgba"`` or ``"grayscale"``.
        target_size: ``(height, width)`` to resize to, or None.
        interpolation: Pillow resampling: one of ``PIL_INTERPOLATIONS``.
        keep_aspect_ratio: Crop the centre to the target aspect ratio before resizing.

    Returns:
        A PIL image.

    Raises:
        ValueError: unknown ``color_mode`` or ``interpolation``, or a file that is not an
            image Pillow can decode (the message names it).
    """
    Image = pil_image()
    if color_mode not in COLOR_MODES:
        raise ValueError(f'color_mode must be "grayscale", "rgb", or "rgba"; received '
                         f'{color_mode!r}.')
    img = _open(Image, path)
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif img.mode != COLOR_MODES[color_mode]:
        img = img.convert(COLOR_MODES[color_mode])
    if target_size is None:
        return img
    size = (target_size[1], target_size[0])  # PIL wants (width, height)
    if img.size == size:
        return img
    if interpolation not in PIL_INTERPOLATIONS:
        raise ValueError(f"Invalid interpolation method {interpolation!r} specified. "
                         f"Supported methods are {', '.join(PIL_INTERPOLATIONS)}")
    resample = getattr(Image.Resampling, interpolation.upper())
    box = _centre_crop_box(img.size[1], img.size[0], *target_size) if keep_aspect_ratio else None
    if box is not None:
        top, left, height, width = box
        box = (left, top, left + width, top + height)
    return img.resize(size, resample, box=box)


def _open(Image, path):
    """Decode ``path`` fully (so a broken file fails here, naming itself)."""
    if isinstance(path, io.BytesIO):
        source, name = path, "the given BytesIO"
    elif isinstance(path, (str, bytes, os.PathLike)):
        with open(path, "rb") as f:
            source, name = io.BytesIO(f.read()), os.fsdecode(path)
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    try:
        img = Image.open(source)
        img.load()
    except (OSError, Image.DecompressionBombError, SyntaxError, ValueError) as exc:
        raise ValueError(f"Could not decode {name} as an image ({exc}). Remove or replace the "
                         f"file.") from exc
    return img


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last"):
    """Resize an image (or a batch of them) to ``size`` without distorting it.

    The largest centred box with the target's aspect ratio is cropped first, then resized
    with ``keras.ops.image.resize``; a numpy array in gives a numpy array out.

    Args:
        x: Array (height, width, channels) or (batch, height, width, channels), or the
            channels-first forms with ``data_format="channels_first"``.
        size: ``(height, width)``.
        interpolation: as ``keras.ops.image.resize`` takes it.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    image = np.asarray(x)
    if image.ndim not in (3, 4):
        raise ValueError(
            "Expected an image array with shape `(height, width, channels)`, or "
            "`(batch_size, height, width, channels)`, but got input with incorrect rank, of "
            f"shape {image.shape}.")
    rows = image.ndim - 3 if data_format == "channels_last" else image.ndim - 2
    top, left, height, width = _centre_crop_box(image.shape[rows], image.shape[rows + 1], *size)
    index = [slice(None)] * image.ndim
    index[rows], index[rows + 1] = slice(top, top + height), slice(left, left + width)
    resized = image_ops.resize(image[tuple(index)], size, interpolation=interpolation,
                               data_format=data_format)
    return np.asarray(resized)


def _centre_crop_box(height, width, target_height, target_width):
    """(top, left, crop_height, crop_width) of the largest centred box with the target's
    aspect ratio, as Keras's ``smart_resize`` computes it."""
    crop_height = max(min(height, int(width * target_height / target_width)), 1)
    crop_width = max(min(width, int(height * target_width / target_height)), 1)
    return (height - crop_height) // 2, (width - crop_width) // 2, crop_height, crop_width


def resize(image, size, interpolation="bilinear"):
    """Resize (height, width, channels) to ``size`` as ``tf.image.resize`` does.

    Half-pixel centres and no antialiasing, the TF2 defaults; the result is float32.
    ``"bilinear"`` and ``"nearest"`` sample the nearest pixels; ``"bicubic"`` is Keys'
    cubic (a = -0.5) with its positions rounded to 1/1024 of a pixel, as TF's table;
    ``"area"`` averages the pixels under each output pixel; ``"lanczos3"`` / ``"lanczos5"``
    are the Lanczos kernels of radius 3 / 5. All but the first two are ``ops.image``'s
    matrices, without antialiasing.

    Args:
        image: Array (height, width, channels).
        size: ``(height, width)``.
        interpolation: One of the methods above.

    Returns:
        float32 array (size[0], size[1], channels).
    """
    image = np.asarray(image, dtype=np.float32)
    if interpolation == "bilinear":
        (top, bottom), row_frac = _linear_positions(image.shape[0], size[0])
        (left, right), col_frac = _linear_positions(image.shape[1], size[1])
        row_frac, col_frac = row_frac[:, None, None], col_frac[None, :, None]
        upper = image[top][:, left] * (1 - col_frac) + image[top][:, right] * col_frac
        lower = image[bottom][:, left] * (1 - col_frac) + image[bottom][:, right] * col_frac
        return (upper * (1 - row_frac) + lower * row_frac).astype(np.float32)
    if interpolation == "nearest":
        return image[_nearest_positions(image.shape[0], size[0])][
            :, _nearest_positions(image.shape[1], size[1])]
    if interpolation in _MATRIX_RESIZE:
        rows = _MATRIX_RESIZE[interpolation](image.shape[0], size[0])  # (in_h, out_h)
        cols = _MATRIX_RESIZE[interpolation](image.shape[1], size[1])  # (in_w, out_w)
        return np.einsum("hwc,hy,wx->yxc", image, rows.astype(np.float32),
                         cols.astype(np.float32)).astype(np.float32)
    raise ValueError(f"interpolation must be one of {RESIZE_INTERPOLATIONS}; received "
                     f"{interpolation!r}.")


_MATRIX_RESIZE = {  # (in, out) weights of each resized axis
    "bicubic": lambda in_size, out_size: image_ops.interpolation_matrix(
        in_size, out_size, "bicubic", steps=1024),
    "area": lambda in_size, out_size: image_ops.interpolation_matrix(in_size, out_size, "area"),
    "lanczos3": lambda in_size, out_size: image_ops.interpolation_matrix(in_size, out_size,
                                                                         "lanczos3"),
    "lanczos5": lambda in_size, out_size: image_ops.interpolation_matrix(in_size, out_size,
                                                                         "lanczos5")}
RESIZE_INTERPOLATIONS = ("bilinear", "nearest", *_MATRIX_RESIZE)


def _linear_positions(in_size, out_size):
    """Source indices (low, high) per output position, and the weight of the high one."""
    centre = (np.arange(out_size, dtype=np.float32) + 0.5) * (in_size / out_size) - 0.5
    centre = np.maximum(centre, 0)
    low = np.floor(centre).astype(np.int64)
    high = np.minimum(low + 1, in_size - 1)
    return (low, high), (centre - low).astype(np.float32)


def _nearest_positions(in_size, out_size):
    centre = (np.arange(out_size, dtype=np.float32) + 0.5) * (in_size / out_size)
    return np.minimum(np.floor(centre).astype(np.int64), in_size - 1)
