"""RandomGaussianBlur, RandomSharpness and Equalization: Keras's numbers and configs
(fixture made by tools/make_image_filters_fixture.py), hand derivations, seeds.
Bad arguments: test_augmentation_bad_arguments.py."""
from pathlib import Path

import numpy as np
import pytest

from minikeras import layers
from minikeras.layers.preprocessing.histogram_equalization import equalize_channel
from minikeras.layers.preprocessing.image_filtering import gaussian_kernel1d
from tests.layers.keras_configs import assert_keras_config

E = np.load(Path(__file__).parents[2] / "fixtures" / "keras_image_filters.npz")
X = E["images"]


def assert_config(layer, name):
    assert_keras_config(layer, E[f"{name}_config"])


def test_gaussian_blur_matches_keras_both_layouts():
    blur = layers.RandomGaussianBlur(factor=(1.0, 1.0), kernel_size=(3, 5), sigma=(0.7, 0.7),
                                     seed=1)
    np.testing.assert_allclose(blur(X).numpy(), E["blur"], rtol=1e-5, atol=1e-4)
    first = layers.RandomGaussianBlur(factor=(1.0, 1.0), kernel_size=5, sigma=(0.4, 0.4),
                                      data_format="channels_first", seed=1)
    np.testing.assert_allclose(first(X.transpose(0, 3, 1, 2)).numpy(), E["blur_first"],
                               rtol=1e-5, atol=1e-4)
    assert_config(layers.RandomGaussianBlur(factor=0.5, kernel_size=(3, 5), sigma=0.3), "blur")


def test_gaussian_blur_by_hand():
    # a single bright pixel spreads into the outer product of the two 1-D kernels
    image = np.zeros((1, 5, 5, 1), "float32")
    image[0, 2, 2, 0] = 100.0
    blur = layers.RandomGaussianBlur(factor=(1.0, 1.0), kernel_size=3, sigma=(0.5, 0.5))
    k = np.exp(-0.5 * (np.array([-1.0, 0.0, 1.0]) / (0.5 + 1e-6)) ** 2)
    k /= k.sum()
    np.testing.assert_allclose(gaussian_kernel1d(3, 0.5 + 1e-6), k)
    np.testing.assert_allclose(blur(image).numpy()[0, 1:4, 1:4, 0], 100 * np.outer(k, k),
                               rtol=1e-5)
    # with probability 0 nothing is blurred, but the images are still clipped
    none = layers.RandomGaussianBlur(factor=0.0, value_range=(0, 50))
    np.testing.assert_array_equal(none(image).numpy(), np.minimum(image, 50))


def test_sharpness_matches_keras_and_hand_derivation():
    sharp = layers.RandomSharpness(factor=(0.2, 0.2), seed=1)
    np.testing.assert_allclose(sharp(X).numpy(), E["sharp"], rtol=1e-5, atol=1e-4)
    unit = layers.RandomSharpness(factor=(0.9, 0.9), value_range=(0, 1), seed=1)
    np.testing.assert_allclose(unit(E["unit_images"]).numpy(), E["sharp_unit"], atol=1e-6)
    # u = 0.5 keeps the image; u = 0 gives the smoothed one: interior pixel (1,1) of a
    # 3x3 image is (sum of the 8 neighbours + 5 * centre) / 13
    image = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
    np.testing.assert_allclose(layers.RandomSharpness((0.5, 0.5))(image).numpy(), image)
    smooth = layers.RandomSharpness((0.0, 0.0))(image).numpy()
    assert smooth[0, 1, 1, 0] == pytest.approx((36 - 4 + 5 * 4) / 13)
    assert_config(layers.RandomSharpness(0.3, value_range=(0, 1)), "sharp")


def test_equalization_matches_keras():
    np.testing.assert_array_equal(layers.Equalization()(E["int_images"]).numpy(),
                                  E["equalized"])
    np.testing.assert_array_equal(layers.Equalization(bins=64)(X).numpy(), E["equalized_64"])
    np.testing.assert_allclose(layers.Equalization(value_range=(0, 1))(
        E["unit_images"]).numpy(), E["equalized_unit"], atol=1e-6)
    first = layers.Equalization(data_format="channels_first")
    np.testing.assert_array_equal(first(E["int_images"].transpose(0, 3, 1, 2)).numpy(),
                                  E["equalized_first"])
    assert_config(layers.Equalization(bins=64), "equalization")


def test_equalization_by_hand():
    # values 0, 100, 200 (one third each): cdf = n/3, 2n/3, n; min = n/3
    channel = np.repeat(np.array([0.0, 100.0, 200.0], "float32"), 4).reshape(2, 2, 3)
    np.testing.assert_array_equal(np.unique(equalize_channel(channel, 256)), [0, 128, 255])
    constant = np.full((1, 2, 2), 7.0, "float32")         # one bin: left alone
    np.testing.assert_array_equal(equalize_channel(constant, 256), constant)


CLAHE = layers.ContrastLimitedAdaptiveHistogramEqualization


def test_clahe_matches_keras():
    cases = {"clahe": (CLAHE(tile_grid_size=(2, 3)), E["int_images"]),
             "clahe_unclipped": (CLAHE(clip_limit=0, tile_grid_size=(3, 2)), X),
             "clahe_unit": (CLAHE(value_range=(0, 1), clip_limit=1.5, tile_grid_size=(2, 2)),
                            E["unit_images"]),
             "clahe_first": (CLAHE(tile_grid_size=(2, 4), data_format="channels_first"),
                             E["int_images"].transpose(0, 3, 1, 2)),
             "clahe_single": (CLAHE(tile_grid_size=(4, 4)), X[0])}
    for name, (layer, images) in cases.items():
        np.testing.assert_allclose(layer(images).numpy(), E[name], atol=1e-4, err_msg=name)
    assert_config(CLAHE(value_range=(0, 1), clip_limit=2.5, tile_grid_size=(4, 2)), "clahe")


def test_clahe_by_hand_one_tile_is_plain_equalization():
    # one tile, no clipping: every pixel maps through the tile's equalization table
    image = np.array([[0, 0], [100, 200]], "float32").reshape(1, 2, 2, 1)
    out = CLAHE(clip_limit=0, tile_grid_size=(1, 1))(image).numpy().ravel()
    # cdf at 0, 100, 200 = 2, 3, 4; min 2 -> (cdf - 2) * 255 / (4 - 2)
    np.testing.assert_allclose(out, [0, 0, 127.5, 255])
    # a clip of 1 mean bin count: each bin keeps at most 4/256 = 1/64, the excess
    # e = (4 - 3/64) / 256 is added to every bin, so cdf[v] - cdf[0] counts the occupied
    # bins in (0, v] times 1/64 plus v e: the map is close to the identity (no contrast gain)
    e = (4 - 3 / 64) / 256
    denominator = 4 - (1 / 64 + e)
    flat = CLAHE(clip_limit=1.0, tile_grid_size=(1, 1))(image).numpy().ravel()
    np.testing.assert_allclose(flat, [0, 0, (1 / 64 + 100 * e) * 255 / denominator,
                                      (2 / 64 + 200 * e) * 255 / denominator], rtol=1e-5)
