"""Random warps beyond the affine ones: a perspective (one homography per image) and an
elastic distortion (a smoothed random displacement of every pixel), as Keras 3 draws them."""
import numpy as np

from ... import ops
from ...autodiff.tensor import Tensor
from ...ops import image as image_ops
from ..layer import LAYERS
from .image_augmentation import (INTERPOLATIONS, RandomImageLayer, _unit_factor, _value_range,
                                 keras_pair, kept_range)
from .image_data import MovesPixels, moved_in_pixels
from .image_filtering import filter_same, gaussian_kernel1d

ELASTIC_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _check_interpolation(layer, interpolation):
    if interpolation not in INTERPOLATIONS:
        raise NotImplementedError(f"Unknown `interpolation` {interpolation!r} for "
                                  f"{type(layer).__name__}. Expected of one {INTERPOLATIONS}.")


def homography(start_points, end_points):
    """The projective transforms [a0, a1, a2, b0, b1, b2, c0, c1] (batch, 8) mapping each
    of the 4 ``end_points`` (batch, 4, 2) of (x, y) onto its ``start_points``, solved in
    float32 as Keras does: output pixel (x, y) samples the input at
    ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)``, ``k = c0 x + c1 y + 1``."""
    start = np.asarray(start_points, np.float32)
    end = np.asarray(end_points, np.float32)
    ex, ey, sx, sy = end[..., 0], end[..., 1], start[..., 0], start[..., 1]     # (batch, 4)
    ones, zeros = np.ones_like(ex), np.zeros_like(ex)
    x_rows = np.stack([ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey], -1)
    y_rows = np.stack([zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey], -1)
    matrix = np.stack([x_rows, y_rows], 2).reshape(-1, 8, 8)      # rows x1, y1, x2, y2, ...
    target = np.stack([sx, sy], 2).reshape(-1, 8)
    return np.linalg.solve(matrix, target[..., None])[..., 0].astype(np.float32)


@LAYERS.register("RandomPerspective")
class RandomPerspective(MovesPixels, RandomImageLayer):
    """Warp each image, with probability p (drawn per image from ``factor``), so that its
    corners (0, 0), (w-1, 0), (0, h-1), (w-1, h-1) move to ``corner * (1 + d)``, each
    coordinate's d drawn from [-scale/2, scale/2]; pixels from outside the image are
    ``fill_value``.

    Args:
        factor: the probability range: f -> [0, f], or a pair; in [0, 1] (1.0).
        scale: the distortion's size, in [0, 1] (1.0).
        interpolation: "bilinear" (default) or "nearest". fill_value: 0.0. seed.
        bounding_box_format: the format of the boxes of a dict input (image_data.py): each
            becomes the box holding its warped corners, clipped (in that format; Keras 3.15
            returns "xyxy" whatever the format).
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0,
                 seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _unit_factor(self, factor)
        self._given = {"factor": factor}
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 <= scale <= 1:
            raise ValueError(f"The `scale` argument should be a number in the range [0,1]. "
                             f"Received: scale={scale!r}")
        _check_interpolation(self, interpolation)
        self.scale, self.interpolation, self.fill_value = scale, interpolation, fill_value

    def augment(self, images):
        return self.apply(images, self.draw(images, training=True))

    def draw(self, images, training):
        """(whether each image warps (batch,), the corners (batch, 4, 2), where they go)."""
        if training is False:
            return None
        rng = self._rng()
        batch = images.shape[0]
        height, width = self._hw(images.shape)
        probability = rng.uniform(self.factor[0], self.factor[1], batch)
        apply = rng.uniform(0.0, 1.0, batch) < probability
        move = rng.uniform(-0.5 * self.scale, 0.5 * self.scale, (batch, 4, 2))
        corners = np.array([[0, 0], [width - 1, 0], [0, height - 1], [width - 1, height - 1]],
                           np.float32)
        start = np.broadcast_to(corners, (batch, 4, 2))
        return apply, start, np.where(apply[:, None, None],
                                      start + start * move.astype(np.float32), start)

    def apply(self, images, transformation, interpolation=None):
        if transformation is None:
            return images
        apply, start, end = transformation
        warped = image_ops.affine_transform(
            images, homography(start, end), interpolation=interpolation or self.interpolation,
            fill_mode="constant", fill_value=self.fill_value, data_format=self.data_format)
        return ops.where(Tensor(apply.reshape(-1, 1, 1, 1)), warped, images)

    def move_boxes(self, boxes, transformation, height, width):
        """Each box's four corners through the inverse of the images' homography (which maps
        output pixels to input ones), the box holding them; clipped."""
        apply, start, end = transformation
        matrix = np.concatenate([homography(start, end), np.ones((len(start), 1), np.float32)],
                                axis=1).reshape(-1, 3, 3)
        inverse = np.linalg.inv(matrix).astype(np.float32)                 # input -> output

        def warp(corners):
            x1, y1, x2, y2 = ops.split(corners, 4, axis=-1)
            ones = ops.ones_like(x1)
            points = ops.stack([ops.concatenate(p + (ones,), axis=-1) for p in   # (b, n, 4, 3)
                                ((x1, y1), (x2, y2), (x1, y2), (x2, y1))], axis=2)
            moved = ops.einsum("bij,bnkj->bnki", inverse, points)
            xs, ys = moved[..., 0] / moved[..., 2], moved[..., 1] / moved[..., 2]
            box = ops.stack([ops.min(xs, axis=-1), ops.min(ys, axis=-1),
                             ops.max(xs, axis=-1), ops.max(ys, axis=-1)], axis=-1)
            return ops.where(Tensor(apply.reshape(-1, 1, 1)), box, corners)
        return moved_in_pixels(self, boxes, height, width, warp)

    def get_config(self):
        return {**super().get_config(), "factor": keras_pair(self._given["factor"], 0),
                "scale": self.scale, "interpolation": self.interpolation,
                "fill_value": self.fill_value, "seed": self.seed}


def elastic_displacements(rng, batch, height, width, sigma):
    """Keras's displacement fields (dx, dy), each (batch, height, width): N(0, 1) noise
    times sigma, Gaussian-blurred (kernel ``int(6 sigma) | 1`` wide, zero padding)."""
    sigma = np.float32(sigma)
    size = int(6 * sigma) | 1
    kernel = gaussian_kernel1d(size, sigma)
    fields = []
    for _ in range(2):
        noise = Tensor((rng.standard_normal((batch, height, width)).astype(np.float32)
                        * sigma))
        blurred = filter_same(filter_same(noise, kernel[:, None], 1, 2), kernel[None, :], 1, 2)
        fields.append(blurred.numpy())
    return fields


@LAYERS.register("RandomElasticTransform")
class RandomElasticTransform(RandomImageLayer):
    """Displace each pixel by a smooth random field (Simard et al., 2003), as Keras 3:

        f ~ U(scale) once per batch;  alpha = 0.1 f max(h, w),  sigma = 0.05 f min(h, w)
        (dx, dy) = elastic_displacements(sigma)     # per image
        output(x, y) = input(x + alpha dx, y + alpha dy)   (``fill_mode`` outside)

    applied to each image with probability p (drawn per image from ``factor``); the images
    are then clipped to ``value_range``.

    Args:
        factor, scale: f -> [0, f], or a pair; in [0, 1] (1.0 each).
        interpolation: "bilinear" (default) or "nearest".
        fill_mode: "reflect" (default), "constant", "nearest", "wrap" or "mirror".
        fill_value: for "constant". value_range: (0, 255). seed: integer seed.
    """

    _box_aware = False  # Keras 3.15 raises NotImplementedError for boxes too

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _unit_factor(self, factor)
        self.scale = _unit_factor(self, scale, "scale")
        _check_interpolation(self, interpolation)
        if fill_mode not in ELASTIC_FILL_MODES:
            raise NotImplementedError(f"Unknown `fill_mode` {fill_mode!r}. Expected of one "
                                      f"{ELASTIC_FILL_MODES}.")
        self.interpolation, self.fill_mode, self.fill_value = interpolation, fill_mode, fill_value
        self.value_range = _value_range(self, value_range)
        self._given = {"factor": factor, "scale": scale, "value_range": value_range}

    def augment(self, images):
        if self.scale[1] == 0 or self.factor[1] == 0:
            return images
        rng = self._rng()
        batch = images.shape[0]
        height, width = self._hw(images.shape)
        probability = rng.uniform(self.factor[0], self.factor[1], batch)
        apply = rng.uniform(0.0, 1.0, batch) < probability
        strength = np.float32(rng.uniform(self.scale[0], self.scale[1]))
        alpha = max(height, width) * np.float32(0.1) * strength
        sigma = min(height, width) * np.float32(0.05) * strength
        dx, dy = elastic_displacements(rng, batch, height, width, sigma)
        ys, xs = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
        warped = self.warp(images, ys + alpha * dy, xs + alpha * dx)
        out = ops.where(Tensor(apply.reshape(-1, 1, 1, 1)), warped, images)
        return ops.clip(out, self.value_range[0], self.value_range[1])

    def warp(self, images, rows, cols):
        """Each image sampled at its (rows, cols) (batch, height, width) positions."""
        channel_axis = 1 if self.data_format == "channels_first" else 3
        order = image_ops.AFFINE_INTERPOLATIONS[self.interpolation]
        samples = []
        for b in range(images.shape[0]):
            image = images[b]
            channels = [image_ops.map_coordinates(
                ops.take(image, c, axis=channel_axis - 1), np.stack([rows[b], cols[b]]), order,
                fill_mode=self.fill_mode, fill_value=self.fill_value)
                for c in range(images.shape[channel_axis])]
            samples.append(ops.stack(channels, axis=channel_axis - 1))
        return ops.stack(samples, axis=0)

    def get_config(self):
        given = self._given
        return {**super().get_config(), "factor": keras_pair(given["factor"], 0),
                "scale": keras_pair(given["scale"], 0), "interpolation": self.interpolation,
                "fill_mode": self.fill_mode, "fill_value": self.fill_value,
                "value_range": kept_range(given["value_range"], False), "seed": self.seed}
