"""Image preprocessing layers: exact results for fixed factors (derived by hand), seeding,
training/inference behaviour, configs and bad input."""
import json
import os

import numpy as np
import pytest

from minikeras import layers

F = np.load(os.path.join(os.path.dirname(__file__), "..", "..", "fixtures",
                         "keras_image_preprocessing.npz"))
RNG = np.random.default_rng(0)
X = RNG.uniform(0, 255, (4, 6, 6, 3)).astype("float32")

AUGMENTATIONS = {
    "RandomFlip": dict(seed=1),
    "RandomRotation": dict(factor=0.2, seed=1),
    "RandomTranslation": dict(height_factor=0.2, width_factor=(-0.1, 0.3), seed=1),
    "RandomZoom": dict(height_factor=(-0.3, 0.2), seed=1),
    "RandomContrast": dict(factor=0.5, seed=1),
    "RandomBrightness": dict(factor=0.3, seed=1),
    "RandomCrop": dict(height=4, width=5, seed=1),
    "RandomGrayscale": dict(seed=4),
    "RandomInvert": dict(seed=2),
    "RandomSaturation": dict(factor=(0.2, 0.8), seed=2),
    "RandomHue": dict(factor=0.5, seed=2),
    "Solarization": dict(addition_factor=0.3, threshold_factor=0.8, seed=2),
    "RandomColorDegeneration": dict(factor=0.8, seed=2),
    "RandomPosterization": dict(factor=(2, 7), seed=2),
    "RandomShear": dict(x_factor=0.3, y_factor=0.3, seed=2),
}


def test_resizing_matches_keras_and_configs():
    layer = layers.Resizing(4, 5, interpolation="bicubic", antialias=True)
    np.testing.assert_allclose(layer(F["img"]).numpy(), F["resize_bicubic_4x5_1"], rtol=1e-5,
                               atol=2e-3)
    assert layer.compute_output_shape((None, 7, 9, 3)) == (None, 4, 5, 3)
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    # as saved: the tuples a layer keeps as given (Keras's forms) are lists in the file
    assert json.dumps(rebuilt.get_config()) == json.dumps(layer.get_config())
    first = layers.Resizing(4, 5, data_format="channels_first")
    out = first(np.transpose(F["img"], (0, 3, 1, 2))).numpy()
    np.testing.assert_allclose(np.transpose(out, (0, 2, 3, 1)), F["resize_bilinear_4x5_0"],
                               rtol=1e-5, atol=2e-3)



def test_resizing_returns_integer_images_rounded_in_their_dtype():
    # Keras 3.15 resizes in float and casts back: round (ties to even), clip to the range.
    column = np.array([0, 255], "uint8").reshape(2, 1, 1)  # (height 2, width 1, 1 channel)
    up = layers.Resizing(4, 1)(column)  # samples rows 0, .25, .75, 1: 0, 63.75, 191.25, 255
    assert up.dtype == np.uint8
    np.testing.assert_array_equal(up.numpy().ravel(), [0, 64, 191, 255])
    pairs = np.array([[1, 2], [2, 3]], "int32").reshape(2, 2, 1, 1)  # two 2x1 images
    ties = layers.Resizing(1, 1)(pairs)  # half-way between the rows: 1.5 -> 2, 2.5 -> 2
    assert ties.dtype == np.int32
    np.testing.assert_array_equal(ties.numpy().ravel(), [2, 2])
    step = np.array([0, 0, 255, 255], "uint8").reshape(1, 4, 1)
    cubic = layers.Resizing(1, 9, interpolation="bicubic")(step)
    floats = layers.Resizing(1, 9, interpolation="bicubic")(step.astype("float32")).numpy()
    assert floats.min() < 0 and floats.max() > 255  # bicubic overshoots the step ...
    np.testing.assert_array_equal(cubic.numpy(), np.clip(np.round(floats), 0, 255))  # clipped


def test_center_crop_by_hand():
    x = np.arange(2 * 5 * 6 * 1, dtype="float32").reshape(2, 5, 6, 1)
    np.testing.assert_array_equal(layers.CenterCrop(3, 2)(x).numpy(), x[:, 1:4, 2:4])
    small = layers.CenterCrop(8, 8)(x)  # smaller input: crop to 1:1 then resize up
    assert small.shape == (2, 8, 8, 1)


def test_rotation_by_a_quarter_turn_is_rot90():
    out = layers.RandomRotation(factor=(0.25, 0.25))(X).numpy()
    np.testing.assert_allclose(out, np.rot90(X, 1, axes=(1, 2)), atol=1e-3)


def test_translation_by_fixed_fraction_shifts_pixels():
    out = layers.RandomTranslation((0.5, 0.5), (0.0, 0.0), fill_mode="constant")(X).numpy()
    np.testing.assert_allclose(out[:, 3:], X[:, :3], atol=1e-3)  # 0.5 * 6 rows down
    np.testing.assert_array_equal(out[:, :3], 0.0)


def test_zoom_by_fixed_factor_by_hand():
    # height zoom 1 + (-0.5): output row y samples row 2.5 + (y - 2.5) * 0.5 (centre 2.5)
    out = layers.RandomZoom((-0.5, -0.5), interpolation="nearest")(X).numpy()
    rows = np.round(2.5 + (np.arange(6) - 2.5) * 0.5).astype(int)
    np.testing.assert_allclose(out, X[:, rows][:, :, rows], atol=1e-3)


def test_flip_contrast_brightness_by_hand():
    flipped = layers.RandomFlip("horizontal", seed=3)(X).numpy()
    for img, out in zip(X, flipped):  # each image is either itself or its mirror
        assert np.array_equal(out, img) or np.array_equal(out, img[:, ::-1])
    contrast = layers.RandomContrast((0.5, 0.5), seed=2)  # c uniform in [1 - 0.5, 1 + 0.5]
    x = X / 4 + 100  # values in [100, 164]: no clipping to (0, 255)
    out = contrast(x).numpy()
    mean = x.mean(axis=(1, 2), keepdims=True)
    ratio = (out - mean) / (x - mean)  # one c per image, shared by pixels and channels
    spread = ratio.max(axis=(1, 2, 3)) - ratio.min(axis=(1, 2, 3))
    assert np.all(spread < 1e-3) and np.all((ratio > 0.5) & (ratio < 1.5))
    bright = layers.RandomBrightness((0.1, 0.1))(X).numpy()
    np.testing.assert_allclose(bright, np.clip(X + 25.5, 0, 255), rtol=1e-6)


@pytest.mark.parametrize("name", sorted(AUGMENTATIONS))
def test_augmentations_seeded_batched_inactive_at_inference(name):
    cls = getattr(layers, name)
    first = cls(**AUGMENTATIONS[name])(X).numpy()
    again = cls(**AUGMENTATIONS[name])(X).numpy()
    np.testing.assert_array_equal(first, again)  # same seed, same draws
    assert first.dtype == np.float32
    layer = cls(**AUGMENTATIONS[name])
    if name == "RandomCrop":
        np.testing.assert_allclose(layer(X, training=False).numpy(),
                                   layers.Resizing(4, 5, crop_to_aspect_ratio=True)(X).numpy())
    else:
        np.testing.assert_array_equal(layer(X, training=False).numpy(), X)
        assert not np.array_equal(first, X)
        # vectorised over the batch: the images get different parameters
        changes = [np.abs(first[i] - X[i]).mean() for i in range(len(X))]
        assert len(set(np.round(changes, 4))) > 1
    single = cls(**AUGMENTATIONS[name])(X[0])
    assert single.ndim == 3
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    # as saved: the tuples a layer keeps as given (Keras's forms) are lists in the file
    assert json.dumps(rebuilt.get_config()) == json.dumps(layer.get_config())


def test_auto_contrast_and_grayscale_match_keras():
    np.testing.assert_allclose(layers.AutoContrast()(F["auto_in"]).numpy(), F["auto_out"],
                               rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(layers.AutoContrast(value_range=(0, 1))(F["auto_in"] / 255.0)
                               .numpy(), F["auto_out_01"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layers.RandomGrayscale(factor=1.0)(F["img"]).numpy(),
                               F["gray_layer_out"], rtol=1e-6)


def test_saturation_matches_keras_for_fixed_factors():
    for u, key in ((0.75, "saturation_075_out"), (0.0, "saturation_0_out")):
        out = layers.RandomSaturation((u, u))(F["img"]).numpy()
        np.testing.assert_allclose(out, F[key], rtol=1e-5, atol=2e-4)


def test_hue_rotates_each_image_by_half_the_drawn_factor():
    from minikeras import ops
    x = RNG.uniform(0.1, 0.9, (6, 4, 4, 3)).astype("float32")
    out = layers.RandomHue((0.4, 0.4), value_range=(0, 1), seed=5)(x).numpy()
    before = ops.image.rgb_to_hsv(x).numpy()
    after = ops.image.rgb_to_hsv(out).numpy()
    np.testing.assert_allclose(after[..., 1:], before[..., 1:], atol=1e-4)  # s, v kept
    shift = np.mod(after[..., 0] - before[..., 0], 1.0)
    per_image = shift.reshape(6, -1)
    for row in per_image:  # one rotation per image: +0.2 or -0.2 (0.8) of a turn
        assert np.allclose(row, 0.2, atol=1e-3) or np.allclose(row, 0.8, atol=1e-3)
    assert len({round(float(r[0]), 2) for r in per_image}) == 2  # both signs drawn


def test_posterization_and_color_degeneration_match_keras():
    np.testing.assert_allclose(layers.RandomPosterization((3, 3))(F["img"]).numpy(),
                               F["posterize_3_out"])
    np.testing.assert_allclose(layers.RandomColorDegeneration((0.5, 0.5))(F["img"]).numpy(),
                               F["degenerate_05_out"], rtol=1e-6)
    # 3 bits on the 0-255 scale: multiples of 32
    out = layers.RandomPosterization((3, 3))(X).numpy()
    np.testing.assert_array_equal(out % 32, 0)
    with pytest.raises(ValueError, match=r"number of bits.*\[1, 8\]. Received: factor=9"):
        layers.RandomPosterization(9)


def test_shear_by_hand():
    x = np.arange(6 * 6, dtype="float32").reshape(1, 6, 6, 1).repeat(8, axis=0)
    out = layers.RandomShear((0.5, 0.5), interpolation="nearest", fill_mode="constant",
                             seed=4)(x).numpy()[..., 0]
    signs = set()
    for img in out:  # row y is shifted by s * y / 2 columns, s = +1 or -1 per image
        sign = 1 if img[2, 0] == x[0, 2, 1, 0] else -1
        signs.add(sign)
        for y in (2, 4):
            shift = sign * y // 2
            cols = np.arange(6) + shift
            inside = (cols >= 0) & (cols < 6)
            np.testing.assert_array_equal(img[y, inside], x[0, y, cols[inside], 0])
            np.testing.assert_array_equal(img[y, ~inside], 0)
    assert signs == {1, -1}
    with pytest.raises(ValueError, match=r"`x_factor` argument of RandomShear.*\[0, 1\]"):
        layers.RandomShear(x_factor=1.5)


def test_solarization_by_hand():
    everything = layers.Solarization()(X).numpy()  # defaults: threshold 0, every pixel inverted
    np.testing.assert_allclose(everything, 255 - X, atol=1e-3)
    x = X / 255
    out = layers.Solarization(threshold_factor=(0.5, 0.5), value_range=(0, 1), seed=3)(x).numpy()
    # Keras draws t from [0.5, 0.5 * 255] (only the upper bound is scaled): one t per image;
    # each pixel is kept (below t) or inverted (at or above it)
    for img, res in zip(x, out):
        inverted = ~np.isclose(res, img, atol=1e-5)
        np.testing.assert_allclose(res[inverted], 1 - img[inverted], atol=1e-5)
        assert img[~inverted].max(initial=0) <= img[inverted].min(initial=1)


def test_invert_by_hand():
    out = layers.RandomInvert(factor=(1.0, 1.0), value_range=(0, 1), seed=0)(X / 255).numpy()
    flipped = [np.allclose(o, 1 - x, atol=1e-6) for o, x in zip(out, X / 255)]
    kept = [np.allclose(o, x) for o, x in zip(out, X / 255)]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped)


def test_augmentation_bad_input():
    with pytest.raises(ValueError, match=r"expected images of rank 3.*or rank 4.*\(6, 6\)"):
        layers.RandomFlip()(np.zeros((6, 6)))
    with pytest.raises(ValueError, match=r"rank 3 \(height, width, channels\).*rank 5"):
        layers.Resizing(2, 2)(np.zeros((1, 1, 6, 6, 3)))
    with pytest.raises(ValueError, match=r"range \[-1.0, 1.0\]. Received: factor=2"):
        layers.RandomRotation(2)
    with pytest.raises(ValueError, match=r"range \(-1.0, 1.0\]"):
        layers.RandomZoom((-1.0, 0.5))
    with pytest.raises(ValueError, match=r"RandomContrast should be a number.*\[0, 1\]"):
        layers.RandomContrast(1.5)
    with pytest.raises(ValueError, match="unknown mode"):
        layers.RandomFlip("diagonal")
    with pytest.raises(NotImplementedError, match="Unknown `fill_mode` mirror"):
        layers.RandomTranslation(0.1, 0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match="`value_range`"):
        layers.RandomBrightness(0.1, value_range=5)
    with pytest.raises(ValueError, match="Invalid value for argument `interpolation`"):
        layers.Resizing(2, 2, interpolation="cubic")
    with pytest.raises(ValueError, match="between 0 and 1"):
        layers.RandomGrayscale(factor=2)
    with pytest.raises(ValueError, match="`value_range`"):
        layers.AutoContrast(value_range=(0, 1, 2))
    with pytest.raises(ValueError, match=r"RandomInvert should be a number.*\[0, 1\]"):
        layers.RandomInvert(factor=-0.5)


@pytest.mark.parametrize("name", sorted(AUGMENTATIONS) + ["AutoContrast", "CenterCrop"])
def test_channels_first_is_the_transposed_channels_last(name):
    kwargs = AUGMENTATIONS.get(name, dict(height=4, width=3) if name == "CenterCrop" else {})
    last = getattr(layers, name)(**kwargs)(X).numpy()
    first = getattr(layers, name)(data_format="channels_first", **kwargs)(
        np.transpose(X, (0, 3, 1, 2))).numpy()
    np.testing.assert_allclose(np.transpose(first, (0, 2, 3, 1)), last, rtol=1e-5, atol=1e-3)


def test_pipeline_applies_its_layers_in_order_and_passes_training():
    pipeline = layers.Pipeline([layers.AutoContrast(), layers.RandomFlip("horizontal", seed=1),
                                layers.CenterCrop(4, 4)])
    assert [type(l).__name__ for l in pipeline.layers] == ["AutoContrast", "RandomFlip",
                                                           "CenterCrop"]
    inference = pipeline(X, training=False).numpy()
    np.testing.assert_allclose(inference, layers.CenterCrop(4, 4)(layers.AutoContrast()(X)).numpy())
    assert pipeline(X).shape == (4, 4, 4, 3)
    assert pipeline.compute_output_shape((None, 6, 6, 3)) == (None, 4, 4, 3)
    with pytest.raises(ValueError, match="expects a list of layers"):
        layers.Pipeline(layers.RandomFlip())


# Keras 3.15's get_config() for these arguments (printed once with a scratch install, jax
# backend), after name, trainable, dtype and data_format: its key order, its tuples and the
# Python numbers it keeps (an int 0 from a factor's bound, the arguments' own types).
KERAS_CONFIG_TAILS = [
    (lambda: layers.RandomContrast(0.2, seed=1),
     "[('factor', (0, 0.2)), ('value_range', (0, 255)), ('seed', 1)]"),
    (lambda: layers.RandomRotation(1, seed=1),
     "[('factor', (-1, 1)), ('fill_mode', 'reflect'), ('fill_value', 0.0), "
     "('interpolation', 'bilinear'), ('seed', 1)]"),
    (lambda: layers.RandomZoom((-0.2, 0.3), [0.1, 0.2], seed=1),
     "[('height_factor', (-0.2, 0.3)), ('width_factor', [0.1, 0.2]), ('fill_mode', 'reflect'), "
     "('interpolation', 'bilinear'), ('seed', 1), ('fill_value', 0.0)]"),
    (lambda: layers.RandomBrightness(0.5, (0, 1), seed=1),
     "[('factor', (-0.5, 0.5)), ('value_range', [0, 1]), ('seed', 1)]"),
    (lambda: layers.RandomShear((0.1, 0.3), 0, seed=1),
     "[('x_factor', (0.1, 0.3)), ('y_factor', (0, 0)), ('fill_mode', 'reflect'), "
     "('interpolation', 'bilinear'), ('seed', 1), ('fill_value', 0.0)]"),
    (lambda: layers.RandomPosterization(4, seed=1),
     "[('factor', (1, 4)), ('value_range', [0, 255]), ('seed', 1)]"),
    (lambda: layers.Solarization(seed=1),
     "[('value_range', [0, 255]), ('addition_factor', (0, 0.0)), "
     "('threshold_factor', (0, 0.0)), ('seed', 1)]"),
    (lambda: layers.RandomGaussianBlur(0.5, (3, 5), (0.5, 1.5), seed=1),
     "[('factor', (0, 0.5)), ('kernel_size', (3, 5)), ('sigma', (0.5, 1.5)), "
     "('value_range', (0, 255)), ('seed', 1)]"),
    (lambda: layers.RandomFlip("vertical", seed=1), "[('seed', 1), ('mode', 'vertical')]"),
    (lambda: layers.RandomCrop(8, 8, seed=1), "[('height', 8), ('width', 8), ('seed', 1)]"),
    (lambda: layers.AugMix(seed=1),
     "[('value_range', (0, 255)), ('num_chains', 3), ('chain_depth', 3), ('factor', (0, 0.3)), "
     "('alpha', 1.0), ('all_ops', True), ('interpolation', 'bilinear'), ('seed', 1)]"),
]


@pytest.mark.parametrize("make, keras_tail", KERAS_CONFIG_TAILS)
def test_augmentation_configs_hold_what_keras_holds_in_its_order(make, keras_tail):
    items = list(make().get_config().items())
    assert [key for key, _ in items[:4]] == ["name", "trainable", "dtype", "data_format"]
    assert repr(items[4:]) == keras_tail
