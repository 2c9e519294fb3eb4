"""Augmentations that paste into each image: another image of the batch, blended (MixUp) or
inside a random box (CutMix), with the labels mixed in the same proportion; or a fill value
inside a random box (RandomErasing).

Each takes a batch of images, or a dict ``{"images": ..., "labels": ...}`` (labels one-hot
or soft, (batch, classes)) and returns the same structure. Like the other augmentation
layers they transform only when training (a direct call counts as training).
"""
import numpy as np

from ... import ops
from ...autodiff.tensor import Tensor
from ..layer import LAYERS
from .image_augmentation import (RandomImageLayer, _unit_factor, _value_range, keras_pair,
                                 kept_range)

_KEYS = ("images", "labels")


class _PastingLayer(RandomImageLayer):
    """Splits the images from their labels, transforms a batch, puts the structure back."""

    def call(self, inputs, training=True):
        if isinstance(inputs, dict):
            unknown = sorted(set(inputs) - set(_KEYS))
            if unknown or "images" not in inputs:
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}) takes images or a dict with "
                    f"the keys 'images' and optionally 'labels' (minikeras has no bounding "
                    f"boxes or segmentation masks here). Received keys: {sorted(inputs)}")
            images, labels = inputs["images"], inputs.get("labels")
        else:
            images, labels = inputs, None
        images = self._checked_images(images)
        if labels is not None:
            labels = ops.cast(labels, self.dtype)
        if training is not False:
            batched = images.ndim == 4
            if not batched:
                images = ops.expand_dims(images, 0)
                labels = None if labels is None else ops.expand_dims(labels, 0)
            images, labels = self.paste(images, labels)
            if not batched:
                images = ops.squeeze(images, 0)
                labels = None if labels is None else ops.squeeze(labels, 0)
        if not isinstance(inputs, dict):
            return images
        return {"images": images, **({} if labels is None else {"labels": labels})}

    def paste(self, images, labels):
        """(images, labels) of a batch after the augmentation; labels may be None."""
        raise NotImplementedError

    def _channel_mask(self, mask):
        """A (batch, height, width) mask as a Tensor broadcasting over the channels."""
        axis = 1 if self.data_format == "channels_first" else 3
        return Tensor(np.expand_dims(mask, axis))


def _mix(x, weight, permutation):
    """``weight x + (1 - weight) x[permutation]``, weight (batch,) broadcast per sample."""
    w = np.asarray(weight, x.dtype).reshape((-1,) + (1,) * (x.ndim - 1))
    return ops.add(ops.multiply(w, x), ops.multiply(1.0 - w, ops.take(x, permutation, axis=0)))


def random_boxes(rng, batch, height, width, ratio_x, ratio_y):
    """Keras's random boxes: side ``ratio * size`` (per image), placed uniformly inside the
    image. Returns the (batch, height, width) mask of the pixels whose index lies in
    ``[start, start + side)`` on both axes, and each box's area as a fraction of the image."""
    def bounds(length, ratio):
        side = (ratio * length).astype(np.float32)
        start = rng.uniform(0.0, 1.0, batch).astype(np.float32) * (length - side)
        return start, start + side
    x0, x1 = bounds(width, ratio_x)
    y0, y1 = bounds(height, ratio_y)
    gy, gx = np.arange(height)[None, :, None], np.arange(width)[None, None, :]
    mask = ((gx >= x0[:, None, None]) & (gx < x1[:, None, None]) &
            (gy >= y0[:, None, None]) & (gy < y1[:, None, None]))
    return mask, (x1 - x0) * (y1 - y0) / (width * height)


@LAYERS.register("MixUp")
class MixUp(_PastingLayer):
    """Blend each image with another of the batch (Zhang et al., 2018)::

        l ~ Beta(alpha, alpha) per image, j = a random permutation of the batch
        image = l image + (1 - l) image[j]      label = l label + (1 - l) label[j]

    Args:
        alpha: the Beta distribution's parameter, a positive number (0.2).
        seed: integer seed.
    """

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ValueError(f"The `alpha` argument of MixUp should be a positive number. "
                             f"Received: alpha={alpha!r}")
        self.alpha = alpha

    def paste(self, images, labels):
        rng = self._rng()
        batch = images.shape[0]
        permutation = rng.permutation(batch)
        weight = rng.beta(self.alpha, self.alpha, batch)
        return _mix(images, weight, permutation), (
            None if labels is None else _mix(labels, weight, permutation))

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha, "seed": self.seed}


@LAYERS.register("CutMix")
class CutMix(_PastingLayer):
    """Paste a random box of another image of the batch into each image (Yun et al., 2019),
    and mix the labels by the areas, as Keras 3 does::

        a ~ U(factor) + 1e-6 once per batch,  l ~ Beta(a, a) per image
        box: sides sqrt(1 - l) * (width, height), placed uniformly in the image
        image = image[j] inside the box, else image      (j: a random permutation)
        label = w label + (1 - w) label[j],  w = 1 - box area / image area

    Args:
        factor: the range of the Beta parameter: f -> [0, f], or a pair; in [0, 1] (1.0).
        seed: integer seed.
    """

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _unit_factor(self, factor)
        self._given = {"factor": factor}

    def paste(self, images, labels):
        rng = self._rng()
        batch = images.shape[0]
        height, width = self._hw(images.shape)
        alpha = rng.uniform(self.factor[0], self.factor[1]) + 1e-6
        ratio = np.sqrt(1.0 - rng.beta(alpha, alpha, batch))
        mask, area = random_boxes(rng, batch, height, width, ratio, ratio)
        permutation = rng.permutation(batch)
        images = ops.where(self._channel_mask(mask), ops.take(images, permutation, axis=0),
                           images)
        return images, None if labels is None else _mix(labels, 1.0 - area, permutation)

    def get_config(self):
        return {**super().get_config(), "factor": keras_pair(self._given["factor"], 0),
                "seed": self.seed}


@LAYERS.register("RandomErasing")
class RandomErasing(_PastingLayer):
    """Erase a random box of each image, with probability p (drawn per image from
    ``factor``), by ``fill_value`` (Zhong et al., 2017); labels pass unchanged.

    The box's sides are ``sqrt(s) * (width, height)``, with the two s drawn per image from
    ``scale``, placed uniformly in the image. The fill is ``fill_value`` (a number, or one
    per channel), or when None Gaussian noise ``N(0, 1) * value_range[1]``; it is clipped to
    ``value_range``.

    Args:
        factor: the probability range: f -> [0, f], or a pair; in [0, 1] (1.0).
        scale: the range of s: f -> [0, f], or a pair; in [0, 1] ((0.02, 0.33)).
        fill_value: None, a number, or a list of 3 numbers (one per channel).
        value_range: the images' range, (0, 255) by default. seed: integer seed.
    """

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255),
                 seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _unit_factor(self, factor)
        self.scale = _unit_factor(self, scale, "scale")
        numbers = fill_value if isinstance(fill_value, (tuple, list)) else [fill_value]
        if fill_value is not None and (
                isinstance(fill_value, (tuple, list)) and len(fill_value) != 3 or any(
                    isinstance(v, bool) or not isinstance(v, (int, float)) for v in numbers)):
            raise ValueError("The `fill_value` argument should be a number (or a list of three "
                             f"numbers). Received: fill_value={fill_value!r}")
        self.fill_value = list(fill_value) if isinstance(fill_value, tuple) else fill_value
        self.value_range = _value_range(self, value_range)
        self._given = {"factor": factor, "scale": scale, "value_range": value_range}

    def paste(self, images, labels):
        rng = self._rng()
        batch = images.shape[0]
        height, width = self._hw(images.shape)
        ratio = np.sqrt(rng.uniform(self.scale[0], self.scale[1], (batch, 2)))
        mask, _ = random_boxes(rng, batch, height, width, ratio[:, 0], ratio[:, 1])
        probability = rng.uniform(self.factor[0], self.factor[1], batch)
        apply = rng.uniform(0.0, 1.0, batch) < probability
        erase = self._channel_mask(mask & apply[:, None, None])
        return ops.where(erase, self._fill(rng, images), images), labels

    def _fill(self, rng, images):
        if self.fill_value is None:
            fill = rng.standard_normal(images.shape) * self.value_range[1]
        else:
            channels = np.asarray(self.fill_value, np.float64).reshape(-1)   # (1,) or (3,)
            if self.data_format == "channels_first":
                channels = channels.reshape(-1, 1, 1)
            fill = np.broadcast_to(channels, images.shape)
        return np.clip(fill, *self.value_range).astype(images.dtype)

    def get_config(self):
        given = self._given
        return {**super().get_config(), "factor": keras_pair(given["factor"], 0),
                "scale": keras_pair(given["scale"], 0), "fill_value": self.fill_value,
                "value_range": kept_range(given["value_range"], False), "seed": self.seed}
