"""``keras.utils.image_dataset_from_directory``: a folder of images as a batched Dataset."""
import functools

import numpy as np

from ..ops.convolution import standardize_data_format
from .directory_datasets import (check_binary_classes, check_labels_arg,
                                 check_validation_split_arg, index_directory,
                                 split_into_datasets)
from .image_utils import RESIZE_INTERPOLATIONS, _centre_crop_box, load_img, resize

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
NUM_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, format="tf",
                                 verbose=True):
    """Read a folder of images into a ``Dataset`` of ``(images, labels)`` batches.

    With ``labels="inferred"``, ``directory/class_a/*.png``, ``directory/class_b/*.jpg``...
    give labels 0, 1... in sorted folder order. Images are decoded by Pillow (the
    ``images`` extra), resized to ``image_size`` as ``tf.image.resize`` does, and returned
    as float32 values in [0, 255] (uint8 with ``interpolation="nearest"``, which only picks
    pixels, as Keras's ``tf.image.resize`` keeps the decoded dtype then).

    Args:
        directory: The root folder.
        labels: ``"inferred"``, None (images only), or a list of int labels, one per file
            in sorted path order.
        label_mode: ``"int"`` (int32), ``"categorical"`` (one-hot float32), ``"binary"``
            (float32, shape (batch, 1)), or None (no labels).
        class_names: Sub-folders to use, in label order (inferred labels only).
        color_mode: ``"rgb"``, ``"rgba"`` or ``"grayscale"``.
        batch_size: Images per batch; None yields single images.
        image_size: ``(height, width)`` (an int means a square).
        shuffle: Shuffle the files (seeded) and then each epoch's order (buffer of
            ``8 * batch_size``).
        seed: Seed of both shuffles; required with ``validation_split`` and shuffling.
        validation_split: Fraction of the files held out for validation (the last ones
            after the seeded shuffle, as Keras).
        subset: ``"training"``, ``"validation"`` or ``"both"`` (returns both datasets).
        interpolation: ``"bilinear"``, ``"nearest"``, ``"bicubic"``, ``"area"``,
            ``"lanczos3"`` or ``"lanczos5"``, with ``tf.image.resize``'s numbers.
        follow_links: Descend into symbolic links to folders.
        crop_to_aspect_ratio: Crop the centre to the target aspect ratio first.
        pad_to_aspect_ratio: Resize to fit and pad with zeros instead.
        data_format: ``"channels_last"`` / ``"channels_first"``; None: the global setting.
        format: ``"tf"`` (the Dataset); ``"grain"`` is not offered.
        verbose: Print how many files and classes were found.

    Returns:
        A ``Dataset`` with ``class_names`` and ``file_paths`` attributes, or a list of two
        with ``subset="both"``.

    Raises:
        ValueError: a bad argument, a folder without class sub-folders or images, or (when
            iterated) a file that is not a decodable image (named in the message).
        FileNotFoundError: ``directory`` does not exist.
        ImportError: Pillow is missing (names the ``images`` extra).
    """
    check_labels_arg(labels, label_mode, class_names)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if color_mode not in NUM_CHANNELS:
        raise ValueError(f'`color_mode` must be one of {{"rgb", "rgba", "grayscale"}}. '
                         f'Received: color_mode={color_mode}')
    image_size = _check_image_size(image_size)
    interpolation = str(interpolation).lower()
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {RESIZE_INTERPOLATIONS}; received "
                         f"interpolation={interpolation!r} (TensorFlow's gaussian and "
                         f"mitchellcubic are not offered).")
    if format != "tf":
        raise ValueError(f'format must be "tf" (a minikeras Dataset); received format={format!r} '
                         f'("grain" is not offered).')
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    seed = np.random.randint(1e6) if seed is None else seed
    paths, labels, class_names = index_directory(
        directory, labels, ALLOWLIST_FORMATS, class_names=class_names, shuffle=shuffle,
        seed=seed, follow_links=follow_links, verbose=verbose)
    check_binary_classes(label_mode, class_names)
    if crop_to_aspect_ratio and pad_to_aspect_ratio:  # Keras checks it after listing the files
        raise ValueError("Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be "
                         "set to `True`.")
    load = functools.partial(_load_image, image_size=image_size, color_mode=color_mode,
                             interpolation=interpolation, crop=crop_to_aspect_ratio,
                             pad=pad_to_aspect_ratio,
                             data_format=standardize_data_format(data_format))
    return split_into_datasets(paths, labels, load=load, label_mode=label_mode,
                               num_classes=len(class_names or ()), batch_size=batch_size,
                               shuffle=shuffle, seed=seed, validation_split=validation_split,
                               subset=subset, class_names=class_names, directory=directory,
                               what="images", formats=ALLOWLIST_FORMATS)


def _check_image_size(image_size):
    if isinstance(image_size, int):
        return (image_size, image_size)
    if not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(f"Invalid `image_size` value. Expected a tuple of 2 integers. "
                         f"Received: image_size={image_size}")
    return tuple(int(v) for v in image_size)


def _load_image(path, *, image_size, color_mode, interpolation, crop, pad, data_format):
    """One image file -> float32 (height, width, channels) (or channels first)."""
    if color_mode == "grayscale":
        image = _grayscale(np.asarray(load_img(path, color_mode="rgb")))
    else:
        image = np.asarray(load_img(path, color_mode=color_mode), dtype=np.float32)
    if crop:
        top, left, height, width = _centre_crop_box(image.shape[0], image.shape[1], *image_size)
        image = resize(image[top:top + height, left:left + width], image_size, interpolation)
    elif pad:
        image = _resize_with_pad(image, image_size, interpolation)
    else:
        image = resize(image, image_size, interpolation)
    if interpolation == "nearest":
        image = image.astype(np.uint8)
    return image.transpose(2, 0, 1) if data_format == "channels_first" else image


def _grayscale(rgb):
    """uint8 (height, width, 3) -> float32 (height, width, 1) as TensorFlow's PNG decoder
    makes it for Keras: libpng's fixed-point ITU-R 601 weights (9797, 19234, 3737) / 2**15,
    truncated (Pillow's ``convert("L")`` rounds: 1 apart on some pixels)."""
    weights = np.array([9797, 19234, 3737], dtype=np.int64)
    return ((rgb.astype(np.int64) @ weights) >> 15).astype(np.float32)[:, :, None]


def _resize_with_pad(image, size, interpolation):
    """Resize to fit inside ``size`` keeping the aspect ratio, centred on zeros
    (``tf.image.resize_with_pad``)."""
    height, width = image.shape[:2]
    ratio = max(width / size[1], height / size[0])
    exact = (height / ratio, width / ratio)  # the fitted size before rounding down
    inner = (max(int(exact[0]), 1), max(int(exact[1]), 1))
    # the offsets halve the margin left by the unrounded size (3 rows fitting 1.67: top 0)
    top, left = (max(int((target - fit) / 2), 0) for target, fit in zip(size, exact))
    out = np.zeros((size[0], size[1], image.shape[2]), dtype=np.float32)
    out[top:top + inner[0], left:left + inner[1]] = resize(image, inner, interpolation)
    return out
