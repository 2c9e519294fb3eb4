"""Every registered preprocessing layer has a row here: it runs on a sample, reports its
output shape, and its JSON config rebuilds an equal layer that computes the same output."""
import json
import tempfile

import numpy as np
import pytest

from minikeras import layers

IMAGES = np.random.default_rng(0).uniform(0, 255, (2, 6, 7, 3)).astype("float32")
WORDS = np.array([["red", "blue"], ["green", "red"]])
SENTENCES = np.array(["the red fox", "a blue fox"])

# class name -> (constructor kwargs, input, adapt data or None)
ROWS = {
    "Normalization": (dict(), IMAGES[..., 0], IMAGES[..., 0]),
    "Discretization": (dict(num_bins=4), IMAGES[..., 0], IMAGES[..., 0]),
    "CategoryEncoding": (dict(num_tokens=5, output_mode="count"), np.array([[1, 4], [0, 0]]),
                         None),
    "Hashing": (dict(num_bins=7), WORDS, None),
    "HashedCrossing": (dict(num_bins=4, output_mode="one_hot"),
                       (np.array(["a", "b"]), np.array([3, 4])), None),
    "StringLookup": (dict(output_mode="multi_hot"), WORDS, WORDS),
    "IntegerLookup": (dict(num_oov_indices=2), np.array([[7, 9], [3, 7]]), np.array([7, 9])),
    "TextVectorization": (dict(output_sequence_length=4), SENTENCES, SENTENCES),
    "Resizing": (dict(height=3, width=4, interpolation="lanczos3"), IMAGES, None),
    "CenterCrop": (dict(height=4, width=4), IMAGES, None),
    "RandomCrop": (dict(height=4, width=5, seed=0), IMAGES, None),
    "RandomFlip": (dict(seed=0), IMAGES, None),
    "RandomRotation": (dict(factor=0.1, seed=0), IMAGES, None),
    "RandomTranslation": (dict(height_factor=0.1, width_factor=0.2, seed=0), IMAGES, None),
    "RandomZoom": (dict(height_factor=0.2, width_factor=0.1, seed=0), IMAGES, None),
    "RandomContrast": (dict(factor=0.3, seed=0), IMAGES, None),
    "RandomBrightness": (dict(factor=0.3, seed=0), IMAGES, None),
    "RandomGrayscale": (dict(seed=0), IMAGES, None),
    "RandomInvert": (dict(seed=0), IMAGES, None),
    "AutoContrast": (dict(), IMAGES, None),
    "RandomSaturation": (dict(factor=0.4, seed=0), IMAGES, None),
    "RandomHue": (dict(factor=0.4, seed=0), IMAGES, None),
    "RandomColorDegeneration": (dict(factor=0.4, seed=0), IMAGES, None),
    "RandomPosterization": (dict(factor=(2, 6), seed=0), IMAGES, None),
    "RandomShear": (dict(x_factor=0.3, y_factor=(0.1, 0.2), seed=0), IMAGES, None),
    "Solarization": (dict(addition_factor=0.2, threshold_factor=0.6, seed=0), IMAGES, None),
    "Rescaling": (dict(scale=1 / 255, offset=-0.5), IMAGES, None),
    "MixUp": (dict(alpha=0.3, seed=0), IMAGES, None),
    "CutMix": (dict(factor=0.5, seed=0), IMAGES, None),
    "RandomErasing": (dict(scale=0.3, fill_value=[1, 2, 3], seed=0), IMAGES, None),
    "RandomGaussianBlur": (dict(kernel_size=(3, 5), sigma=0.6, seed=0), IMAGES, None),
    "RandomSharpness": (dict(factor=0.6, seed=0), IMAGES, None),
    "Equalization": (dict(bins=64), IMAGES, None),
    "ContrastLimitedAdaptiveHistogramEqualization": (dict(tile_grid_size=(2, 3)), IMAGES,
                                                     None),
    "RandomColorJitter": (dict(brightness_factor=0.1, saturation_factor=0.3, seed=0), IMAGES,
                          None),
    "RandAugment": (dict(num_ops=3, seed=0), IMAGES, None),
    "AugMix": (dict(all_ops=False, seed=0), IMAGES, None),
    "RandomPerspective": (dict(scale=0.4, seed=0), IMAGES, None),
    "RandomElasticTransform": (dict(fill_mode="constant", seed=0), IMAGES, None),
    "MaxNumBoundingBoxes": (dict(max_number=2), IMAGES, None),
    "STFTSpectrogram": (dict(frame_length=4, frame_step=1, mode="psd"), IMAGES[..., 0], None),
    "MelSpectrogram": (dict(fft_length=16, sequence_stride=8, num_mel_bins=4,
                            sampling_rate=1000), IMAGES.reshape(2, -1), None),
    "Pipeline": (dict(layers=[layers.Rescaling(1 / 255), layers.CenterCrop(4, 4)]), IMAGES,
                 None),
}


def test_every_preprocessing_layer_has_a_row():
    registered = {cls.__name__ for _, cls in layers.LAYERS.items()
                  if ".preprocessing." in cls.__module__}
    assert registered == set(ROWS)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_runs_reports_its_shape_and_round_trips_its_config(name):
    kwargs, x, adapt_data = ROWS[name]
    cls = getattr(layers, name)
    layer = cls(**kwargs) if name != "Pipeline" else cls(
        layers=[layers.deserialize(layers.serialize(l)) for l in kwargs["layers"]])
    if adapt_data is not None:
        layer.adapt(adapt_data)
    out = layer(x, training=False) if name.startswith("Random") else layer(x)
    shapes = [np.shape(v) for v in x] if isinstance(x, tuple) else np.shape(x)
    expected = layer.compute_output_shape(shapes)
    if name == "TextVectorization":
        assert out.shape == (2, 4) == expected[:1] + (4,) and expected[0] == 2
    else:
        assert tuple(out.shape) == tuple(expected)
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert type(rebuilt) is cls  # the config as saved (tuples kept as given are lists there)
    assert json.dumps(rebuilt.get_config()) == json.dumps(layer.get_config())
    if name in ("Normalization",):  # state in weights: copy them, as a weights file would
        rebuilt.build_from_shape((None,) + np.shape(x)[1:])
        rebuilt.set_weights(layer.get_weights())
    if name in ("IntegerLookup", "StringLookup", "TextVectorization"):
        with tempfile.TemporaryDirectory() as folder:  # an adapted vocabulary is an asset,
            layer.save_assets(folder)                  # as in a .keras file
            rebuilt.load_assets(folder)
    again = rebuilt(x, training=False) if name.startswith("Random") else rebuilt(x)
    np.testing.assert_array_equal(again.numpy(), out.numpy())
