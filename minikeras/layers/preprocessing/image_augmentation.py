"""Random image augmentation: active when training (``training=None`` counts as training,
as in Keras: called directly they augment, inside ``predict``/``evaluate`` they pass images
through). Each layer draws one set of parameters per image from its own seeded generator
and transforms the whole batch at once (geometric ones with a single affine_transform).
"""
import math

import numpy as np

from ... import backend, ops, random
from ...autodiff.tensor import Tensor
from ...ops import image as image_ops
from ..layer import LAYERS
from .bounding_boxes.formats import convert_format
from .bounding_boxes.geometry import affine_transform, clip_to_image_size
from .image_data import ChangesPixelValues, MovesPixels, moved_in_pixels, transform_data
from .image_resizing import Resizing, TargetBox
from .preprocessing_layer import ImagePreprocessingLayer

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


class RandomImageLayer(ChangesPixelValues, ImagePreprocessingLayer):
    """Holds the seed and the seed generator (``keras.random.SeedGenerator``) the
    augmentation layers draw from.

    A dict input (image_data.py) goes through ``draw`` / ``apply`` / ``move_boxes`` /
    ``transform_masks``: by default those of a layer that changes pixel values only
    (``ChangesPixelValues``: the images are augmented, boxes and masks pass unchanged).
    Geometric layers override them (``MovesPixels``); those that do not move boxes set
    ``_box_aware = False`` and refuse a dict.

    Each layer's ``get_config`` writes ``seed`` where Keras 3.15 writes it (last, or before
    ``fill_value``, or first for RandomFlip; RandomGrayscale writes none) and keeps its
    arguments in Keras's forms (``keras_pair``, ``kept_range``).
    """

    _box_aware = True

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.seed = seed
        self.generator = random.SeedGenerator(seed)  # Keras's name for these layers'
        self._rng = self.generator.numpy_generator  # one draw counted per call

    def call(self, inputs, training=True):
        if isinstance(inputs, dict):
            return transform_data(self, self._box_aware_or_error(inputs), training)
        images = self._checked_images(inputs)
        if training is False:
            return images
        batched = images.ndim == 4
        x = images if batched else ops.expand_dims(images, 0)
        out = self.augment(x)
        return out if batched else ops.squeeze(out, 0)

    def _box_aware_or_error(self, data):
        if not self._box_aware:
            raise NotImplementedError(
                f"{type(self).__name__} does not take a dict input ({sorted(data)}) in "
                "minikeras: it would move the images but not their boxes or masks. The "
                "layers that take one: Resizing, CenterCrop, RandomFlip, RandomCrop, "
                "RandomRotation, RandomTranslation, RandomZoom, RandomShear, "
                "RandomPerspective and the colour and blur layers.")
        return data


def keras_pair(factor, lower=None):
    """A factor as Keras keeps it in its config (the arguments' own Python numbers): a pair
    as a sorted tuple, a number f as ``(max(-|f|, lower), |f|)``, or ``(-|f|, |f|)``
    without a lower bound."""
    if isinstance(factor, (tuple, list)):
        return tuple(sorted(factor))
    magnitude = abs(factor)
    return (-magnitude if lower is None else max(-magnitude, lower), magnitude)


def _factor_pair(layer, factor, name, low=-1.0, high=1.0, low_open=False):
    """(lower, upper) from a number f (-> (-|f|, |f|)) or a pair, each inside [low, high]."""
    message = (f"The `{name}` argument of {type(layer).__name__} should be a number (or a list "
               f"of two numbers) in the range {'(' if low_open else '['}{low}, {high}]. "
               f"Received: {name}={factor!r}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(message)
        pair = sorted(float(f) for f in factor)
    elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
        pair = [-abs(float(factor)), abs(float(factor))]
    else:
        raise ValueError(message)
    if any(f > high or f < low or (low_open and f == low) for f in pair):
        raise ValueError(message)
    return tuple(pair)


def _check_warp_options(layer, fill_mode, interpolation):
    if fill_mode not in FILL_MODES:
        raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one "
                                  f"{FILL_MODES}.")
    if interpolation not in INTERPOLATIONS:
        raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of one "
                                  f"{INTERPOLATIONS}.")


class _WarpLayer(MovesPixels, RandomImageLayer):
    """Augmentations that are one affine warp per image (rotation, translation, zoom,
    shear); on a dict input (image_data.py) the boxes move with their images."""

    def _init_warp(self, fill_mode, interpolation, fill_value):
        _check_warp_options(self, fill_mode, interpolation)
        self.fill_mode, self.interpolation = fill_mode, interpolation
        self.fill_value = float(fill_value)

    def augment(self, images):
        return self.apply(images, self.draw(images, training=True))

    def draw(self, images, training):
        """This batch's random parameters (None at inference)."""
        return None if training is False else self.parameters(images.shape[0])

    def apply(self, images, parameters, interpolation=None):
        if parameters is None:
            return images
        height, width = self._hw(images.shape)
        return image_ops.affine_transform(
            images, self.transforms(parameters, height, width),
            interpolation=interpolation or self.interpolation, fill_mode=self.fill_mode,
            fill_value=self.fill_value, data_format=self.data_format)

    def parameters(self, batch):
        """The random parameters of ``batch`` images, each (batch,)."""
        raise NotImplementedError

    def transforms(self, parameters, height, width):
        """One projective transform [a0, a1, a2, b0, b1, b2, 0, 0] per image (batch, 8)."""
        raise NotImplementedError

    def _warp_config(self):
        """fill_mode, interpolation, seed and fill_value, in Keras's order for RandomZoom,
        RandomTranslation and RandomShear."""
        return {"fill_mode": self.fill_mode, "interpolation": self.interpolation,
                "seed": self.seed, "fill_value": self.fill_value}


@LAYERS.register("RandomRotation")
class RandomRotation(_WarpLayer):
    """Rotate each image by a random angle in ``[lower, upper] * 360`` degrees about its centre.

    A positive angle rotates counter-clockwise. Output pixel (x, y) samples the input at the
    point rotated by the angle about ``c = ((w - 1) / 2, (h - 1) / 2)``.

    Args:
        factor: a fraction of a full turn: f -> [-f, f], or a pair (lower, upper).
        fill_mode: "reflect" (default), "wrap", "constant" or "nearest".
        interpolation: "bilinear" (default) or "nearest". fill_value: for "constant".
        seed: integer seed of the layer's generator.
        bounding_box_format: the format of the boxes of a dict input (image_data.py); each
            box becomes the box holding its rotated corners (read in any format; Keras 3.15
            reads them as "xyxy" whatever the format).
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor_pair(self, factor, "factor")
        self._given = {"factor": factor}
        self._init_warp(fill_mode, interpolation, fill_value)

    def parameters(self, batch):
        """Degrees."""
        return self._rng().uniform(self.factor[0] * 360.0, self.factor[1] * 360.0,
                                   batch).astype(np.float32)

    def transforms(self, degrees, height, width):
        theta = degrees * np.float32(math.pi / 180.0)
        cos, sin = np.cos(theta), np.sin(theta)
        cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
        zeros = np.zeros(len(degrees), np.float32)
        return np.stack([cos, -sin, cx - cx * cos + cy * sin,
                         sin, cos, cy - cx * sin - cy * cos, zeros, zeros], axis=1)

    def move_boxes(self, boxes, degrees, height, width):
        """Each box's corners rotated with the image; the box holding them, clipped."""
        zeros, ones = np.zeros_like(degrees), np.ones_like(degrees)
        return moved_in_pixels(self, boxes, height, width, lambda corners: affine_transform(
            corners, degrees, zeros, zeros, ones, zeros, zeros, height, width))

    def get_config(self):
        return {**super().get_config(), "factor": keras_pair(self._given["factor"], -1),
                "fill_mode": self.fill_mode, "fill_value": self.fill_value,
                "interpolation": self.interpolation, "seed": self.seed}


@LAYERS.register("RandomTranslation")
class RandomTranslation(_WarpLayer):
    """Shift each image by random fractions of its height and width.

    Args:
        height_factor, width_factor: f -> shifts in [-f, f] * size, or a pair (lower, upper);
            each in [-1, 1]. A positive shift moves the content down / right.
        fill_mode, interpolation, seed, fill_value, bounding_box_format: as RandomRotation.
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = _factor_pair(self, height_factor,
                                                            "height_factor")
        self.width_lower, self.width_upper = _factor_pair(self, width_factor, "width_factor")
        self._init_warp(fill_mode, interpolation, fill_value)

    def parameters(self, batch):
        """Fractions (down, right) of the image's height and width."""
        rng = self._rng()
        down = rng.uniform(self.height_lower, self.height_upper, batch)
        return down, rng.uniform(self.width_lower, self.width_upper, batch)

    def transforms(self, parameters, height, width):
        dy, dx = self._shifts(parameters, height, width)
        ones, zeros = np.ones(len(dy)), np.zeros(len(dy))
        return np.stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], 1).astype("float32")

    @staticmethod
    def _shifts(parameters, height, width):
        down, right = parameters
        return down * height, right * width

    def move_boxes(self, boxes, parameters, height, width):
        """Boxes shifted with the image, clipped."""
        dy, dx = (np.float32(v).reshape(-1, 1, 1)
                  for v in self._shifts(parameters, height, width))
        shift = np.concatenate([dx, dy, dx, dy], axis=-1)
        return moved_in_pixels(self, boxes, height, width, lambda corners: corners + shift)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor, **self._warp_config()}


@LAYERS.register("RandomZoom")
class RandomZoom(_WarpLayer):
    """Zoom each image by a random factor about its centre.

    The sampling step is ``1 + u`` with ``u`` drawn from the factor range, so a positive
    ``u`` zooms out (the image shrinks) and a negative one zooms in.

    Args:
        height_factor: f -> [-f, f], or a pair; each in (-1, 1].
        width_factor: the same for the width; None zooms both axes by the height's factor.
        fill_mode, interpolation, seed, fill_value, bounding_box_format: as RandomRotation.
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = _factor_pair(self, height_factor,
                                                            "height_factor", low_open=True)
        if width_factor is not None:
            self.width_lower, self.width_upper = _factor_pair(self, width_factor,
                                                              "width_factor", low_open=True)
        self._init_warp(fill_mode, interpolation, fill_value)

    def parameters(self, batch):
        """Sampling steps (x, y)."""
        rng = self._rng()
        zy = rng.uniform(1.0 + self.height_lower, 1.0 + self.height_upper, batch)
        zx = zy if self.width_factor is None else rng.uniform(
            1.0 + self.width_lower, 1.0 + self.width_upper, batch)
        return zx, zy

    def transforms(self, parameters, height, width):
        zx, zy = parameters
        zeros = np.zeros(len(zx))
        return np.stack([zx, zeros, (width - 1) / 2.0 * (1.0 - zx), zeros, zy,
                         (height - 1) / 2.0 * (1.0 - zy), zeros, zeros], 1).astype("float32")

    def move_boxes(self, boxes, parameters, height, width):
        """Boxes cut to the window of the input the output samples, (start, start + size *
        step) on each axis, and scaled from the window to the image, as Keras does."""
        a0, _, a2, _, b1, b2, _, _ = (v.reshape(-1, 1, 1) for v in
                                      self.transforms(parameters, height, width).T)
        low = np.concatenate([a2, b2, a2, b2], axis=-1)                      # (batch, 1, 4)
        high = np.concatenate([a0 * width + a2, b1 * height + b2] * 2, axis=-1)
        corners = convert_format(boxes["boxes"], self.bounding_box_format, "xyxy",
                                 height=height, width=width)
        relative = (ops.clip(corners, low, high) - low) / (high - low)
        clipped = clip_to_image_size({**boxes, "boxes": relative},
                                     bounding_box_format="rel_xyxy")
        return {**clipped, "boxes": convert_format(clipped["boxes"], "rel_xyxy",
                                                   self.bounding_box_format, height=height,
                                                   width=width)}

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor, **self._warp_config()}


@LAYERS.register("RandomFlip")
class RandomFlip(MovesPixels, RandomImageLayer):
    """Flip each image with probability 1/2 (one draw per image for both axes).

    Args:
        mode: "horizontal", "vertical" or "horizontal_and_vertical" (default).
        seed: integer seed.
        bounding_box_format: the format of the boxes of a dict input (image_data.py),
            flipped with their images.
    """

    _converts_inputs = False  # as Keras: the images are taken as given

    MODES = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if mode not in self.MODES:
            raise ValueError(f"RandomFlip layer {self.name} received an unknown mode argument "
                             f"{mode!r}. Expected one of {self.MODES}.")
        self.mode = mode

    def augment(self, images):
        return self.apply(images, self.draw(images, training=True))

    def draw(self, images, training):
        """Whether each image flips (batch,), or None at inference."""
        return None if training is False else self._rng().uniform(size=images.shape[0]) <= 0.5

    def apply(self, images, flips, interpolation=None):
        if flips is None:
            return images
        h_axis, w_axis = self._hw_axes(images.ndim)
        out = images
        flip_mask = Tensor(flips.reshape(-1, 1, 1, 1))
        if self._horizontal:
            out = ops.where(flip_mask, ops.flip(out, axis=w_axis), out)
        if self._vertical:
            out = ops.where(flip_mask, ops.flip(out, axis=h_axis), out)
        return out

    @property
    def _horizontal(self):
        return self.mode in ("horizontal", "horizontal_and_vertical")

    @property
    def _vertical(self):
        return self.mode in ("vertical", "horizontal_and_vertical")

    def move_boxes(self, boxes, flips, height, width):
        """Flipped in relative corners (x -> 1 - x), as Keras does: its clip then bounds
        those fractions by the image's pixel size (clipping only below 0)."""
        flip_mask = Tensor(flips.reshape(-1, 1, 1))
        x1, y1, x2, y2 = ops.split(convert_format(boxes["boxes"], self.bounding_box_format,
                                                  "rel_xyxy", height=height, width=width),
                                   4, axis=-1)
        if self._horizontal:
            x1, x2 = (ops.where(flip_mask, 1 - x, same) for x, same in ((x2, x1), (x1, x2)))
        if self._vertical:
            y1, y2 = (ops.where(flip_mask, 1 - y, same) for y, same in ((y2, y1), (y1, y2)))
        clipped = clip_to_image_size({**boxes, "boxes": ops.concatenate([x1, y1, x2, y2], -1)},
                                     height=height, width=width)
        return {**clipped, "boxes": convert_format(clipped["boxes"], "rel_xyxy",
                                                   self.bounding_box_format, height=height,
                                                   width=width)}

    def get_config(self):
        return {**super().get_config(), "seed": self.seed, "mode": self.mode}


@LAYERS.register("RandomCrop")
class RandomCrop(MovesPixels, TargetBox, RandomImageLayer):
    """Crop a random (height, width) box (one offset per batch, as Keras); at inference, or
    when the image is not larger than the box on both axes, crop the centred box of the
    target aspect ratio and resize it to (height, width). The boxes of a dict input
    (``bounding_box_format``, image_data.py) are cropped or resized with their images."""

    _converts_inputs = False  # as Keras: the images are taken as given

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, name=name, **kwargs)
        self._init_box(height, width)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}

    def call(self, inputs, training=True):
        if isinstance(inputs, dict):
            return transform_data(self, inputs, training)
        images = self._checked_images(inputs)
        return self.apply(images, self.draw(images, training))

    # the transformation of an image not larger than the box, or at inference
    RESIZE = "resize the centred box"

    def draw(self, images, training):
        """The crop's (top, left), or RESIZE."""
        height, width = self._hw(images.shape)
        if training is not False and height > self.height and width > self.width:
            rng = self._rng()
            top = int(rng.uniform(0, height - self.height + 1))
            return top, int(rng.uniform(0, width - self.width + 1))
        return self.RESIZE

    def apply(self, images, offset, interpolation=None):
        if offset == self.RESIZE:
            return self._resize_to_box(images, interpolation or "bilinear")
        return self._crop_box(images, *offset)

    def move_boxes(self, boxes, offset, height, width):
        """Cropped: corners less the offset, floored at 0 (as Keras, which does not clip at
        the crop's far side); resized: as Resizing(crop_to_aspect_ratio=True) moves them."""
        if offset == self.RESIZE:
            return Resizing(self.height, self.width, crop_to_aspect_ratio=True,
                            bounding_box_format=self.bounding_box_format).move_boxes(
                                boxes, None, height, width)
        top, left = offset
        corners = convert_format(boxes["boxes"], self.bounding_box_format, "xyxy",
                                 height=self.height, width=self.width)
        corners = ops.maximum(corners - np.array([left, top, left, top], np.float32), 0.0)
        return {**boxes, "boxes": convert_format(corners, "xyxy", self.bounding_box_format,
                                                 height=self.height, width=self.width)}


def _value_range(layer, value_range):
    """The sorted (low, high) range of the images' values, a tuple or a list as given (as
    Keras keeps it), or a clear error."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(f"The `value_range` argument of {type(layer).__name__} should be a "
                         f"list of two numbers. Received: value_range={value_range!r}")
    low_high = sorted(value_range)
    return tuple(low_high) if isinstance(value_range, tuple) else low_high


class _IntensityLayer(RandomImageLayer):
    """Augmentations of pixel values inside ``value_range`` (contrast, brightness).

    Their configs hold the arguments as Keras keeps them: ``factor`` by ``keras_pair``
    with the class's ``_FACTOR_LOWER``, ``value_range`` as given, or sorted into a list
    where Keras sorts it (``_SORTS_RANGE``)."""

    _FACTOR_LOWER = 0
    _SORTS_RANGE = False

    def _init_range(self, factor, value_range):
        """The images' value range, and the arguments as given (for the config)."""
        self.value_range = _value_range(self, value_range)
        self._given = {"factor": factor, "value_range": value_range}

    def get_config(self):
        return {**super().get_config(),
                "factor": keras_pair(self._given["factor"], self._FACTOR_LOWER),
                "value_range": kept_range(self._given["value_range"], self._SORTS_RANGE),
                "seed": self.seed}


def kept_range(value_range, sort):
    """A ``value_range`` as Keras keeps it in a config: sorted into a list, or as given."""
    return sorted(value_range) if sort else (
        list(value_range) if isinstance(value_range, list) else value_range)


@LAYERS.register("RandomContrast")
class RandomContrast(_IntensityLayer):
    """Scale each image's deviation from its per-channel mean by a random factor c:
    ``clip((x - mean) * c + mean, *value_range)``.

    c is drawn from ``[1 - lower, 1 + upper]``; as in Keras 3, a number ``f`` gives
    (lower, upper) = (0, f) (contrast only increases) and a pair is used as given, each
    inside [0, 1].
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = _unit_factor(self, factor)
        self._init_range(factor, value_range)

    def augment(self, images):
        c = self._rng().uniform(1.0 - self.factor[0], 1.0 + self.factor[1],
                                (images.shape[0], 1, 1, 1)).astype(self.dtype)
        h_axis, w_axis = self._hw_axes(images.ndim)
        mean = ops.mean(images, axis=(h_axis, w_axis), keepdims=True)
        out = ops.add(ops.multiply(ops.subtract(images, mean), c), mean)
        return ops.clip(out, self.value_range[0], self.value_range[1])


def _unit_factor(layer, factor, name="factor"):
    """(lower, upper) inside [0, 1]: a number f gives (0, f), as Keras 3's factor rule."""
    message = (f"The `{name}` argument of {type(layer).__name__} should be a number (or a list "
               f"of two numbers) in the range [0, 1]. Received: {name}={factor!r}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > 1 or factor[1] < 0:
            raise ValueError(message)
        return tuple(sorted(float(f) for f in factor))
    if isinstance(factor, (int, float)) and not isinstance(factor, bool) and 0 <= factor <= 1:
        return (0.0, float(factor))
    raise ValueError(message)


@LAYERS.register("RandomBrightness")
class RandomBrightness(_IntensityLayer):
    """Add a random offset ``u * (high - low)`` to each image, then clip to ``value_range``.

    Args:
        factor: f -> u in [-f, f], or a pair (lower, upper); each in [-1, 1].
        value_range: the images' range, (0, 255) by default.
    """

    _FACTOR_LOWER = -1
    _SORTS_RANGE = True

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = _factor_pair(self, factor, "factor")
        self._init_range(factor, value_range)

    def augment(self, images):
        span = self.value_range[1] - self.value_range[0]
        delta = (self._rng().uniform(self.factor[0], self.factor[1], (images.shape[0], 1, 1, 1))
                 * span).astype(self.dtype)
        return ops.clip(ops.add(images, delta), self.value_range[0], self.value_range[1])


@LAYERS.register("RandomGrayscale")
class RandomGrayscale(RandomImageLayer):
    """Turn each image to grayscale (``rgb_to_grayscale``, repeated over the 3 channels) with
    probability ``factor`` (0.5)."""

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or \
                not 0 <= factor <= 1:
            raise ValueError(f"`factor` should be between 0 and 1. Received: factor={factor}")
        self.factor = factor

    def augment(self, images):
        apply = self._rng().uniform(size=images.shape[0]) < self.factor
        gray = image_ops.rgb_to_grayscale(images, data_format=self.data_format)
        return ops.where(Tensor(apply.reshape(-1, 1, 1, 1)), gray, images)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}  # no seed, as Keras 3.15


@LAYERS.register("RandomInvert")
class RandomInvert(_IntensityLayer):
    """Replace each image by ``value_range[1] - x`` with probability p, where p is drawn per
    image from ``[lower, upper]`` (a number f gives (0, f), as in Keras 3: f = 1 inverts
    half of the images)."""

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _unit_factor(self, factor)
        self._init_range(factor, value_range)

    def augment(self, images):
        rng = self._rng()
        probability = rng.uniform(self.factor[0], self.factor[1], images.shape[0])
        apply = rng.uniform(0.0, 1.0, images.shape[0]) < probability
        inverted = ops.subtract(np.asarray(self.value_range[1], self.dtype), images)
        return ops.where(Tensor(apply.reshape(-1, 1, 1, 1)), inverted, images)


@LAYERS.register("AutoContrast")
class AutoContrast(ChangesPixelValues, ImagePreprocessingLayer):
    """Stretch each image's channels to the full ``value_range``: per image and channel,
    ``(x - min) / (max - min)`` rescaled to the range (a constant channel is left as is).
    A dict input's boxes and masks pass unchanged (image_data.py)."""

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = _value_range(self, value_range)

    def call(self, inputs):
        if isinstance(inputs, dict):
            return transform_data(self, inputs, training=True)
        return self.augment(self._checked_images(inputs))

    def augment(self, images):
        h_axis, w_axis = self._hw_axes(images.ndim)
        low = ops.min(images, axis=(h_axis, w_axis), keepdims=True)
        high = ops.max(images, axis=(h_axis, w_axis), keepdims=True)
        span = ops.subtract(high, low)
        flat = span.data == 0  # a constant channel: keep it (Keras's NaN fallback)
        scale = ops.divide(float(self.value_range[1] - self.value_range[0]),
                           ops.where(Tensor(flat), 1.0, span))
        stretched = ops.add(ops.multiply(ops.subtract(images, low), scale),
                            float(self.value_range[0]))
        stretched = ops.clip(stretched, self.value_range[0], self.value_range[1])
        return ops.where(Tensor(np.broadcast_to(flat, images.shape)), images, stretched)

    def get_config(self):
        return {**super().get_config(), "value_range": list(self.value_range)}


@LAYERS.register("RandomSaturation")
class RandomSaturation(_IntensityLayer):
    """Scale each image's HSV saturation by ``k = u / (1 - u + 1e-7)``, u drawn per image from
    the factor range (u = 0.5 keeps the image, 0 makes it grey, 1 saturates it fully); the
    saturation is clipped to ``value_range`` and the image converted back to RGB, as Keras 3
    does (a number f gives u in [-f, f]; a pair is used as given)."""

    _FACTOR_LOWER = -1
    _SORTS_RANGE = True

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor_pair(self, factor, "factor")
        self._init_range(factor, value_range)

    def augment(self, images):
        u = self._rng().uniform(self.factor[0], self.factor[1], images.shape[0])
        k = (u / (1 - u + backend.epsilon())).astype(self.dtype).reshape(-1, 1, 1)
        hsv = image_ops.rgb_to_hsv(images, data_format=self.data_format)
        axis = 1 if self.data_format == "channels_first" else 3
        hue, saturation, value = ops.unstack(hsv, axis=axis)
        saturation = ops.clip(ops.multiply(saturation, k), self.value_range[0],
                              self.value_range[1])
        return image_ops.hsv_to_rgb(ops.stack([hue, saturation, value], axis=axis),
                                    data_format=self.data_format)


@LAYERS.register("RandomHue")
class RandomHue(_IntensityLayer):
    """Rotate each image's hue by ±u/2 turns (sign and u drawn per image, u from the factor
    range; a number f gives [0, f]); pixels are mapped from ``value_range`` to [0, 1] and
    back, and the result clipped, as Keras 3 does."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _unit_factor(self, factor)
        self._init_range(factor, value_range)

    def augment(self, images):
        rng = self._rng()
        sign = np.where(rng.uniform(size=images.shape[0]) > 0.5, -1.0, 1.0)
        shift = (sign * rng.uniform(self.factor[0], self.factor[1], images.shape[0]) * 0.5)
        shift = shift.astype(self.dtype).reshape(-1, 1, 1)
        low, high = self.value_range
        unit = ops.divide(ops.subtract(images, float(low)), float(high - low))
        hsv = image_ops.rgb_to_hsv(unit, data_format=self.data_format)
        axis = 1 if self.data_format == "channels_first" else 3
        hue, saturation, value = ops.unstack(hsv, axis=axis)
        hue = ops.add(hue, shift)
        hue = ops.where(ops.greater(hue, 1.0), ops.subtract(hue, 1.0), hue)
        hue = ops.where(ops.less(hue, 0.0), ops.add(hue, 1.0), hue)
        rgb = ops.clip(image_ops.hsv_to_rgb(ops.stack([hue, saturation, value], axis=axis),
                                            data_format=self.data_format), 0.0, 1.0)
        return ops.add(ops.multiply(rgb, float(high - low)), float(low))


def _from_zero(factor):
    """A Solarization factor as Keras keeps it: a number f as (0, f), a pair sorted."""
    return tuple(sorted(factor)) if isinstance(factor, (tuple, list)) else (0, factor)


@LAYERS.register("Solarization")
class Solarization(RandomImageLayer):
    """Add a random amount to each image, then invert the pixels at or above a random
    threshold: on the 0-255 scale, ``y = clip(x + a, 0, 255)``, ``y if y < t else 255 - y``.

    As in Keras 3, ``a`` is drawn from ``[lower, upper * 255]`` of ``addition_factor`` and
    ``t`` likewise from ``threshold_factor`` (a number f gives (0, f)); with the defaults
    (0, 0) every pixel is inverted.
    """

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255),
                 seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.addition_factor = _unit_factor(self, addition_factor)
        self.threshold_factor = _unit_factor(self, threshold_factor)
        self.value_range = _value_range(self, value_range)
        self._given = {"addition_factor": addition_factor,
                       "threshold_factor": threshold_factor, "value_range": value_range}

    def augment(self, images):
        rng, shape = self._rng(), (images.shape[0], 1, 1, 1)
        add = rng.uniform(self.addition_factor[0], self.addition_factor[1] * 255, shape)
        threshold = rng.uniform(self.threshold_factor[0], self.threshold_factor[1] * 255, shape)
        low, high = (float(v) for v in self.value_range)
        x = ops.multiply(ops.subtract(images, low), 255.0 / (high - low))      # to 0..255
        y = ops.clip(ops.add(x, add.astype(self.dtype)), 0.0, 255.0)
        y = ops.where(Tensor(y.data < threshold), y, ops.subtract(255.0, y))
        return ops.add(ops.multiply(y, (high - low) / 255.0), low)

    def get_config(self):
        given = self._given
        return {**super().get_config(), "value_range": sorted(given["value_range"]),
                "addition_factor": _from_zero(given["addition_factor"]),
                "threshold_factor": _from_zero(given["threshold_factor"]), "seed": self.seed}


@LAYERS.register("RandomColorDegeneration")
class RandomColorDegeneration(_IntensityLayer):
    """Blend each image towards its grayscale version: ``x + u * (gray(x) - x)``, clipped to
    ``value_range``; u is drawn per image (a number f gives [-f, f], as in Keras 3)."""

    _FACTOR_LOWER = -1
    _SORTS_RANGE = True

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor_pair(self, factor, "factor")
        self._init_range(factor, value_range)

    def augment(self, images):
        u = self._rng().uniform(self.factor[0], self.factor[1], (images.shape[0], 1, 1, 1))
        gray = image_ops.rgb_to_grayscale(images, data_format=self.data_format)
        out = ops.add(images, ops.multiply(u.astype(self.dtype), ops.subtract(gray, images)))
        return ops.clip(out, self.value_range[0], self.value_range[1])


@LAYERS.register("RandomPosterization")
class RandomPosterization(_IntensityLayer):
    """Keep only the top ``b`` bits of each 8-bit pixel value (on the 0-255 scale), b drawn
    per image from ``[lower, upper)`` (b = lower when they are equal; a number f gives
    [1, f]); bits in 1..8, as in Keras 3."""

    _FACTOR_LOWER = 1
    _SORTS_RANGE = True

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        pair = list(factor) if isinstance(factor, (tuple, list)) else [1, factor]
        if len(pair) != 2 or any(isinstance(b, bool) or not isinstance(b, (int, float)) or
                                 not 1 <= b <= 8 for b in pair):
            raise ValueError(f"The `factor` argument of RandomPosterization should be a number "
                             f"of bits (or a list of two) in the range [1, 8]. Received: "
                             f"factor={factor!r}")
        self.factor = tuple(sorted(pair))
        self._init_range(factor, value_range)

    def augment(self, images):
        lower, upper = (int(f) for f in self.factor)
        bits = np.full(images.shape[0], lower) if lower == upper else \
            self._rng().integers(lower, upper, images.shape[0])
        shift = (8 - bits).astype(np.uint8).reshape(-1, 1, 1, 1)
        low, high = (float(v) for v in self.value_range)
        scaled = (images.data - low) * (255.0 / (high - low))
        kept = (scaled.astype(np.uint8) >> shift) << shift   # drop the low bits
        out = kept.astype(self.dtype) * ((high - low) / 255.0) + low
        return Tensor(out.astype(self.dtype))


@LAYERS.register("RandomShear")
class RandomShear(_WarpLayer):
    """Shear each image: output (x, y) samples the input at ``(x + s_x y, s_y x + y)``, with
    ``s_x`` and ``s_y`` drawn per image from their factor ranges and one random sign for
    both (as Keras 3). A number f gives [-f, f]; a pair is used as given. The boxes of a
    dict input (``bounding_box_format``, image_data.py) move by Keras's rule (move_boxes).
    """

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear",
                 fill_mode="reflect", fill_value=0.0, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.x_factor = self._shear_factor(x_factor, "x_factor")
        self.y_factor = self._shear_factor(y_factor, "y_factor")
        self._given = {"x_factor": x_factor, "y_factor": y_factor}
        self._init_warp(fill_mode, interpolation, fill_value)

    def _shear_factor(self, factor, name):
        """A number f in [0, 1] -> (-f, f); a pair -> sorted. Pairs may reach down to -1 so
        that the (lower, upper) a config stores loads again (Keras itself refuses those)."""
        def number(f, low):
            return isinstance(f, (int, float)) and not isinstance(f, bool) and low <= f <= 1
        pair = isinstance(factor, (tuple, list))
        if not (len(factor) == 2 and all(number(f, -1) for f in factor) if pair
                else number(factor, 0)):
            raise ValueError(f"The `{name}` argument of RandomShear should be a number in "
                             f"[0, 1] (or a list of two numbers). Received: {name}={factor!r}")
        if pair:
            return tuple(sorted(float(f) for f in factor))
        return (-float(factor), float(factor))

    def parameters(self, batch):
        """Shears (x, y)."""
        rng = self._rng()
        sign = np.where(rng.uniform(size=batch) > 0.5, -1.0, 1.0)
        sy = rng.uniform(self.y_factor[0], self.y_factor[1], batch) * sign
        return rng.uniform(self.x_factor[0], self.x_factor[1], batch) * sign, sy

    def transforms(self, parameters, height, width):
        sx, sy = parameters
        ones, zeros = np.ones(len(sx)), np.zeros(len(sx))
        return np.stack([ones, sx, zeros, sy, ones, zeros, zeros, zeros], 1).astype("float32")

    def move_boxes(self, boxes, parameters, height, width):
        """Keras's rule, in relative corners: each x less s_x times the box's top or bottom
        y (the one that widens it), then each y less s_y times its new left or right x;
        clipped to [0, 1]."""
        sx, sy = (np.float32(v).reshape(-1, 1) for v in parameters)          # (batch, 1)
        x1, y1, x2, y2 = (ops.squeeze(v, -1) for v in ops.split(convert_format(
            boxes["boxes"], self.bounding_box_format, "rel_xyxy", height=height,
            width=width), 4, axis=-1))
        x1, x2 = (ops.where(sx < 0, x1 - sx * y1, x1 - sx * y2),
                  ops.where(sx < 0, x2 - sx * y2, x2 - sx * y1))
        y1, y2 = (ops.where(sy > 0, y1 - sy * x2, y1 - sy * x1),
                  ops.where(sy > 0, y2 - sy * x1, y2 - sy * x2))
        clipped = clip_to_image_size({**boxes, "boxes": ops.stack([x1, y1, x2, y2], -1)},
                                     bounding_box_format="rel_xyxy")
        return {**clipped, "boxes": convert_format(clipped["boxes"], "rel_xyxy",
                                                   self.bounding_box_format, height=height,
                                                   width=width)}

    def get_config(self):
        return {**super().get_config(), "x_factor": keras_pair(self._given["x_factor"]),
                "y_factor": keras_pair(self._given["y_factor"]), **self._warp_config()}
