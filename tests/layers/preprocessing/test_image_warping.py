"""RandomPerspective and RandomElasticTransform: the warp against Keras's
perspective_transform and configs against Keras's (fixture made by
tools/make_image_warps_fixture.py); the elastic field replayed from the layer's generator
and checked on a linear ramp, where bilinear sampling is exact.
Bad arguments: test_augmentation_bad_arguments.py."""
import copy
from pathlib import Path

import numpy as np
import pytest

from minikeras import layers
from minikeras.layers.preprocessing.image_warping import homography
from minikeras.ops import image as image_ops
from tests.layers.keras_configs import assert_keras_config

E = np.load(Path(__file__).parents[2] / "fixtures" / "keras_image_warps.npz")
X = E["images"]


def assert_config(layer, name):
    assert_keras_config(layer, E[f"{name}_config"])


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_homography_warp_matches_keras_perspective_transform(interpolation):
    transforms = homography(E["start"], E["end"])
    out = image_ops.affine_transform(X, transforms, interpolation=interpolation,
                                     fill_mode="constant", fill_value=7.0)
    np.testing.assert_allclose(out.numpy(), E[f"perspective_{interpolation}"], atol=1e-4)
    first = image_ops.affine_transform(X.transpose(0, 3, 1, 2), transforms,
                                       fill_mode="constant", data_format="channels_first")
    np.testing.assert_allclose(first.numpy(), E["perspective_first"], atol=1e-4)


def test_homography_by_hand():
    # moving every corner by +1 in x is a shift: the output samples the input at x - 1
    start = np.array([[[0, 0], [4, 0], [0, 3], [4, 3]]], "float32")
    np.testing.assert_allclose(homography(start, start + [1, 0]),
                               [[1, 0, -1, 0, 1, 0, 0, 0]], atol=1e-6)


def test_perspective_moves_the_corners_within_scale():
    image = np.zeros((40, 9, 9, 1), "float32")
    image[:, 4, 4] = 1.0                                       # the centre pixel
    out = layers.RandomPerspective(factor=(1.0, 1.0), scale=0.2, seed=1)(image).numpy()
    assert not np.allclose(out, image)
    # corners move by at most 10% of their coordinates: the centre stays within a pixel
    assert np.all(out[:, 3:6, 3:6].sum(axis=(1, 2, 3)) > 0.5)
    assert np.all(out[:, :2, :2] == 0)
    assert_config(layers.RandomPerspective(factor=0.5, scale=0.3, fill_value=2.0),
                  "perspective")
    np.testing.assert_array_equal(layers.RandomPerspective(scale=0.0)(X).numpy(), X)


def test_elastic_displacement_on_a_linear_ramp():
    h, w = 12, 10
    ys, xs = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    ramp = np.stack([2.0 * xs + 3.0 * ys, 50 - xs], -1)[None].repeat(2, 0).astype("float32")
    layer = layers.RandomElasticTransform(factor=(1.0, 1.0), scale=(0.6, 0.6),
                                          value_range=(-1000, 1000), seed=2)
    generator = layer._rng()
    state = copy.deepcopy(generator.bit_generator.state)
    out = layer(ramp).numpy()
    generator.bit_generator.state = state
    generator.uniform(size=4)                                   # probability and threshold
    strength = np.float32(generator.uniform(0.6, 0.6))
    alpha, sigma = 12 * np.float32(0.1) * strength, 10 * np.float32(0.05) * strength
    size = int(6 * np.float32(sigma)) | 1
    taps = np.exp(-0.5 * ((np.arange(size) - size // 2) / sigma) ** 2)
    taps /= taps.sum()
    fields = []
    for _ in range(2):                                          # dx then dy, as Keras draws
        noise = generator.standard_normal((2, h, w)).astype("float32") * np.float32(sigma)
        blurred = np.apply_along_axis(lambda r: np.convolve(r, taps, "same"), 1, noise)
        fields.append(np.apply_along_axis(lambda r: np.convolve(r, taps, "same"), 2,
                                          blurred))
    sx, sy = xs + alpha * fields[0], ys + alpha * fields[1]
    inside = (sx >= 0) & (sx <= w - 1) & (sy >= 0) & (sy <= h - 1)
    assert inside.mean() > 0.5
    np.testing.assert_allclose(out[..., 0][inside], (2 * sx + 3 * sy)[inside], atol=1e-3)
    np.testing.assert_allclose(out[..., 1][inside], (50 - sx)[inside], atol=1e-3)
    assert_config(layers.RandomElasticTransform(scale=0.5, fill_mode="mirror",
                                                value_range=(0, 1), seed=3), "elastic")
