"""keras.ops.image against real Keras (fixture), by hand, gradient checks and bad input."""
import os

import numpy as np
import pytest

from minikeras import ops
from minikeras.autodiff.gradcheck import gradcheck

F = np.load(os.path.join(os.path.dirname(__file__), "..", "..", "fixtures",
                         "keras_image_preprocessing.npz"))
IMG = F["img"]
TRANSFORMS = np.array([[1.2, 0.3, -1.5, -0.2, 0.9, 2.0, 0.0, 0.0],
                       [0.8, -0.4, 3.0, 0.5, 1.1, -2.0, 0.0, 0.0]], "float32")
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


@pytest.mark.parametrize("method", ["bilinear", "nearest", "bicubic", "lanczos3", "lanczos5"])
@pytest.mark.parametrize("size", [(4, 5), (11, 13), (7, 4)])
@pytest.mark.parametrize("antialias", [False, True])
def test_resize_matches_keras(method, size, antialias):
    out = ops.image.resize(IMG, size, interpolation=method, antialias=antialias)
    key = f"resize_{method}_{size[0]}x{size[1]}_{int(antialias)}"
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), F[key], rtol=1e-5, atol=2e-3)


def test_resize_crop_pad_and_integer_images_match_keras():
    np.testing.assert_allclose(ops.image.resize(IMG, (4, 4), crop_to_aspect_ratio=True).numpy(),
                               F["resize_crop_4x4"], rtol=1e-5, atol=1e-3)
    padded = ops.image.resize(IMG, (4, 4), pad_to_aspect_ratio=True, fill_value=7.0)
    np.testing.assert_allclose(padded.numpy(), F["resize_pad_4x4"], rtol=1e-5, atol=1e-3)
    ints = ops.image.resize(F["img_int"], (3, 8))
    assert ints.dtype == np.uint8
    np.testing.assert_array_equal(ints.numpy(), F["resize_int_bilinear"])


def test_resize_area_by_hand():
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    # halving: each output pixel is the mean of a 2x2 block
    np.testing.assert_allclose(ops.image.resize(x, (2, 2), interpolation="area").numpy()[0, ..., 0],
                               [[2.5, 4.5], [10.5, 12.5]])
    # 4 -> 3 along width: output 0 covers input [0, 4/3): (1 * x0 + 1/3 * x1) * 3/4
    row = ops.image.resize(x, (4, 3), interpolation="area").numpy()[0, 0, :, 0]
    np.testing.assert_allclose(row, [(0 + 1 / 3) * 0.75, (2 / 3 + 2 * 2 / 3) * 0.75,
                                     (2 / 3 + 3) * 0.75], rtol=1e-6)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_mode", FILL_MODES)
def test_affine_transform_matches_keras(interpolation, fill_mode):
    out = ops.image.affine_transform(IMG, TRANSFORMS, interpolation=interpolation,
                                     fill_mode=fill_mode, fill_value=5.0)
    np.testing.assert_allclose(out.numpy(), F[f"affine_{interpolation}_{fill_mode}"],
                               rtol=1e-5, atol=1e-3)


def test_affine_transform_channels_first_and_single_image():
    first = np.transpose(IMG, (0, 3, 1, 2))
    out = ops.image.affine_transform(first, TRANSFORMS, data_format="channels_first")
    np.testing.assert_allclose(np.transpose(out.numpy(), (0, 2, 3, 1)),
                               ops.image.affine_transform(IMG, TRANSFORMS).numpy(), rtol=1e-6)
    single = ops.image.affine_transform(IMG[0], TRANSFORMS[0])
    np.testing.assert_allclose(single.numpy(), ops.image.affine_transform(IMG, TRANSFORMS).numpy()[0])


@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("fill_mode", FILL_MODES)
def test_map_coordinates_matches_keras(order, fill_mode):
    out = ops.image.map_coordinates(IMG[0], F["map_coords"], order, fill_mode=fill_mode,
                                    fill_value=2.0)
    np.testing.assert_allclose(out.numpy(), F[f"map_{order}_{fill_mode}"], rtol=1e-5, atol=1e-3)


def test_patches_grayscale_crop_pad():
    np.testing.assert_array_equal(
        ops.image.extract_patches(IMG, (2, 3), strides=(1, 2), padding="same").numpy(),
        F["patches_2x3_s1_same"])
    np.testing.assert_array_equal(ops.image.extract_patches(IMG, 3).numpy(), F["patches_3"])
    np.testing.assert_allclose(ops.image.rgb_to_grayscale(IMG).numpy(), F["gray"], rtol=1e-6)
    x = np.arange(2 * 5 * 6 * 1).reshape(2, 5, 6, 1)
    cropped = ops.image.crop_images(x, top_cropping=1, left_cropping=2, target_height=3,
                                    target_width=2)
    np.testing.assert_array_equal(cropped.numpy(), x[:, 1:4, 2:4])
    padded = ops.image.pad_images(x, top_padding=1, bottom_padding=2, left_padding=0,
                                  target_width=8)
    assert padded.shape == (2, 8, 8, 1)
    np.testing.assert_array_equal(padded.numpy()[:, 1:6, :6], x)
    assert padded.numpy().sum() == x.sum()


def test_gradients_float64():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 4, 5, 2))
    for method in ("bilinear", "bicubic", "nearest", "area"):
        assert gradcheck(lambda t, m=method: ops.image.resize(t, (3, 7), interpolation=m), x)
    t = np.array([1.1, 0.2, -0.5, -0.3, 0.9, 0.7, 0.0, 0.0])
    for mode in FILL_MODES:
        assert gradcheck(lambda im, m=mode: ops.image.affine_transform(im, t, fill_mode=m), x)
    coords = rng.uniform(-1, 5, (2, 3, 3))
    assert gradcheck(lambda im: ops.image.map_coordinates(im, coords, 1), x[0, :, :, 0])
    assert gradcheck(lambda im: ops.image.extract_patches(im, 2, strides=1), x)
    assert gradcheck(lambda im: ops.image.rgb_to_grayscale(im), rng.standard_normal((1, 2, 2, 3)))
    assert gradcheck(lambda im: ops.image.pad_images(im, 1, 1, 1, 1), x)
    assert gradcheck(lambda im: ops.image.crop_images(im, 1, 1, 1, 1), x)


def test_bad_input():
    with pytest.raises(ValueError, match=r"expected rank 3.*or rank 4.*images.shape=\(4, 4\)"):
        ops.image.resize(np.zeros((4, 4)), (2, 2))
    with pytest.raises(ValueError, match="Invalid value for argument `interpolation`"):
        ops.image.resize(IMG, (2, 2), interpolation="cubic-spline")
    with pytest.raises(ValueError, match="Only one of"):
        ops.image.resize(IMG, (2, 2), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="Invalid transform rank"):
        ops.image.affine_transform(IMG, np.zeros((1, 1, 8)))
    with pytest.raises(ValueError, match="Must specify exactly two of top_cropping"):
        ops.image.crop_images(IMG, top_cropping=1, left_cropping=1, target_width=2)
    with pytest.raises(ValueError, match="does not fit"):
        ops.image.crop_images(IMG, 0, 0, target_height=9, target_width=2)
    with pytest.raises(ValueError, match="bottom_padding must be >= 0"):
        ops.image.pad_images(IMG, top_padding=1, target_height=3, left_padding=0, right_padding=0)
    with pytest.raises(ValueError, match="First dim of `coordinates`"):
        ops.image.map_coordinates(IMG[0], np.zeros((2, 4)), 1)
    with pytest.raises(ValueError, match=r"tuple of length 2 or 3.*\(2, 2, 2, 2\)"):
        ops.image.extract_patches(IMG, (2, 2, 2, 2))
    with pytest.raises(ValueError, match="Invalid value for argument `order`"):
        ops.image.map_coordinates(IMG[0], np.zeros((3, 4)), 3)
    with pytest.raises(ValueError, match="3 \\(RGB\\) channels"):
        ops.image.rgb_to_grayscale(np.zeros((1, 2, 2, 4)))


def test_hsv_conversions_match_keras_and_invert_each_other():
    np.testing.assert_allclose(ops.image.rgb_to_hsv(F["hsv_in"]).numpy(), F["hsv_out"],
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ops.image.hsv_to_rgb(F["hsv_in"]).numpy(), F["rgb_from_hsv"],
                               rtol=1e-6, atol=1e-7)
    back = ops.image.hsv_to_rgb(ops.image.rgb_to_hsv(F["hsv_in"])).numpy()
    np.testing.assert_allclose(back, F["hsv_in"], atol=1e-6)
    first = ops.image.rgb_to_hsv(np.moveaxis(F["hsv_in"], -1, 1), data_format="channels_first")
    np.testing.assert_allclose(np.moveaxis(first.numpy(), 1, -1), F["hsv_out"], atol=1e-7)
    assert ops.image.rgb_to_hsv(F["hsv_in"][0]).shape == (5, 4, 3)


def test_hsv_gradients_float64_and_bad_input():
    rng = np.random.default_rng(4)
    x = rng.uniform(0.1, 0.9, (1, 2, 3, 3))  # distinct channels: away from the kinks
    assert gradcheck(lambda t: ops.image.rgb_to_hsv(t), x)
    assert gradcheck(lambda t: ops.image.hsv_to_rgb(t), rng.uniform(0.05, 0.95, (1, 2, 2, 3)))
    with pytest.raises(ValueError, match="expected a float dtype.*uint8"):
        ops.image.rgb_to_hsv(np.zeros((1, 2, 2, 3), "uint8"))
    with pytest.raises(ValueError, match="expects 3 channels"):
        ops.image.hsv_to_rgb(np.zeros((1, 2, 2, 4), "float32"))
