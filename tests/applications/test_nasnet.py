"""keras.applications.nasnet against Keras 3.15.1 (fixtures/README.md, made by
tools/make_nasnet_fixtures.py): parameter counts, output shapes, every layer's name, class
and weight shapes in Keras's order (the order Keras's weight files are read in), and a
small NASNet whose Keras-written weight file gives Keras's predictions, from a path and
through the ``weights="imagenet"`` download under Keras's file names."""
import functools
import gzip
import hashlib
import json
import os
import pathlib
import re
import shutil

import numpy as np
import pytest

import minikeras as keras
from minikeras import applications, backend
from minikeras.applications import imagenet_utils, nasnet

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
with gzip.open(FIXTURES / "keras_nasnet.json.gz", "rt") as f:
    KERAS = json.load(f)
TINY_WEIGHTS = FIXTURES / "nasnet_tiny_no_top.h5"
# The small NASNet of the weight fixture: NASNet-A 1 @ 96 (8 stem filters), 32x32, no top.
# default_size=224 makes "imagenet" mean NASNetMobile's files.
TINY = dict(penultimate_filters=96, num_blocks=1, stem_block_filters=8, skip_reduction=False,
            filter_multiplier=2, include_top=False, pooling="avg", default_size=224,
            input_shape=(32, 32, 3), name="nasnet_tiny")


def _plain_name(name, cls):
    """A layer's name without the process-wide counter Keras appends to automatic names
    (``activation_17`` -> ``activation``); the automatic name is the snake-case class name."""
    snake = re.sub(r"([a-z])([A-Z])", r"\1_\2", re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", cls))
    match = re.fullmatch(rf"({snake.lower()})(_\d+)?", name)
    return match.group(1) if match else name


def _layers(model):
    return [[_plain_name(layer.name, type(layer).__name__), type(layer).__name__,
             [list(w.shape) for w in layer.weights]] for layer in model.layers]


def _keras_layers(entry):
    return [[_plain_name(name, cls), cls, shapes] for name, cls, shapes in entry["layers"]]


def _assert_matches_keras(model, entry, params):
    """``params`` is the count as a literal (Keras's documentation rounds it: 5.3M, 88.9M);
    the fixture must agree with it too."""
    assert model.count_params() == entry["params"] == params
    assert list(model.output.shape) == entry["output_shape"]
    assert _layers(model) == _keras_layers(entry)


@pytest.mark.parametrize("include_top, params, output_shape", [
    (True, 5_326_716, [None, 1000]),
    (False, 4_269_716, [None, 7, 7, 1056]),  # headless: still 224x224 unless told otherwise
])
def test_nasnet_mobile_matches_keras(include_top, params, output_shape, architecture_only):
    model = applications.NASNetMobile(weights=None, include_top=include_top)
    entry = KERAS["NASNetMobile"]["top" if include_top else "notop"]
    _assert_matches_keras(model, entry, params)
    assert list(model.output.shape) == output_shape
    assert list(model.input.shape) == entry["input_shape"] == [None, 224, 224, 3]
    assert model.name == "nasnet_mobile"
    if include_top:  # the headless network, its global average and a 1056 -> 1000 Dense
        assert model.get_layer("predictions").count_params() == 1056 * 1000 + 1000 == \
            5_326_716 - 4_269_716


def test_nasnet_large_with_top_matches_keras(architecture_only):
    """Built at 32x32 rather than 331x331 (building at a fixed size runs each layer on one
    sample): the global average makes the count independent of the size, and every
    reduction still changes the size (331 -> 165 -> 83 -> 42 -> 21 -> 11 as 32 -> 15 -> 8
    -> 4 -> 2 -> 1), so the adjust blocks are those of 331x331."""
    model = applications.NASNetLarge(weights=None, input_shape=(32, 32, 3))
    _assert_matches_keras(model, KERAS["NASNetLarge"]["top"], 88_949_818)
    assert model.name == "nasnet_large"
    assert KERAS["NASNetLarge"]["top"]["input_shape"] == [None, 331, 331, 3]


@pytest.mark.skipif(not os.environ.get("MINIKERAS_ALL_APPLICATIONS"),
                    reason="NASNetLarge initialises 85M weights: MINIKERAS_ALL_APPLICATIONS=1")
def test_nasnet_large_headless_matches_keras(architecture_only):
    """Headless at its default, unknown size: Keras compares unknown sizes as equal in the
    adjust blocks, so this network has fewer weights than the 331x331 one (84,916,818 =
    88,949,818 - 4032 * 1000 - 1000)."""
    model = applications.NASNetLarge(weights=None, include_top=False)
    _assert_matches_keras(model, KERAS["NASNetLarge"]["notop"], 84_887_922)
    assert list(model.output.shape) == [None, None, None, 4032]


@functools.lru_cache(maxsize=None)
def _tiny(input_shape, pooling):
    """``nasnet.NASNet(**TINY, weights=None)`` at ``input_shape`` with ``pooling``, built
    once per module: the static one with "avg" (TINY's own) serves two tests, which only
    read it."""
    return nasnet.NASNet(**{**TINY, "input_shape": input_shape, "pooling": pooling},
                         weights=None)


@pytest.mark.parametrize("size, key", [((32, 32, 3), "static"), ((None, None, 3), "unknown_size")])
def test_generic_builder_matches_keras_at_known_and_unknown_sizes(size, key):
    """At an unknown size Keras's adjust blocks take other branches (26,894 weights instead
    of 26,926); minikeras builds the same layers."""
    model = _tiny(size, TINY["pooling"])
    _assert_matches_keras(model, KERAS["NASNetTiny"][key],
                          {"static": 26_926, "unknown_size": 26_894}[key])


def _images():
    """Two 32x32 sine-pattern images with values in [0, 255] (as the fixture script)."""
    i, j = np.mgrid[0:32, 0:32]
    return np.stack([np.stack([127.5 * (1 + np.sin(i * 0.2 * (k + 1) + j * 0.13 * (c + 1)))
                               for c in range(3)], -1) for k in range(2)]).astype("float32")


def _keras_predictions():
    return np.load(FIXTURES / "nasnet_tiny_predictions.npz")["predictions"]


def _predict(model):
    return model.predict(nasnet.preprocess_input(_images()), verbose=0)


def test_weights_path_gives_keras_predictions():
    model = nasnet.NASNet(**TINY, weights=str(TINY_WEIGHTS))
    np.testing.assert_allclose(_predict(model), _keras_predictions(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("default_size, origin_name, cache_name", [
    (224, "NASNet-mobile-no-top.h5", "nasnet_mobile_no_top.h5"),
    (331, "NASNet-large-no-top.h5", "nasnet_large_no_top.h5"),
])
def test_imagenet_download_uses_keras_origin_and_cache_names(default_size, origin_name,
                                                             cache_name, server, tmp_path,
                                                             monkeypatch):
    """Keras downloads ``NASNet-mobile-no-top.h5`` and caches it as
    ``nasnet_mobile_no_top.h5`` (NASNetLarge's likewise), chosen by ``default_size``. The
    served file is the small fixture, so the hash checked is the fixture's."""
    site, url = server
    shutil.copy(TINY_WEIGHTS, site / origin_name)
    top, no_top = nasnet.WEIGHT_FILES[default_size]
    digest = hashlib.md5(TINY_WEIGHTS.read_bytes()).hexdigest()
    monkeypatch.setitem(nasnet.WEIGHT_FILES, default_size,
                        (top, no_top._replace(file_hash=digest)))
    monkeypatch.setattr(nasnet, "BASE_WEIGHTS_PATH", url)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    model = nasnet.NASNet(**{**TINY, "default_size": default_size}, weights="imagenet")
    cached = tmp_path / "home" / "models" / cache_name
    assert cached.read_bytes() == TINY_WEIGHTS.read_bytes()
    np.testing.assert_allclose(_predict(model), _keras_predictions(), rtol=1e-4, atol=1e-4)


def test_keras_weight_file_names_and_hashes():
    base = "https://storage.googleapis.com/tensorflow/keras-applications/nasnet/"
    assert nasnet.BASE_WEIGHTS_PATH == base
    assert nasnet.WEIGHT_FILES == {
        224: (("nasnet_mobile.h5", "020fb642bf7360b370c678b08e0adf61", "NASNet-mobile.h5"),
              ("nasnet_mobile_no_top.h5", "1ed92395b5b598bdda52abe5c0dbfd63",
               "NASNet-mobile-no-top.h5")),
        331: (("nasnet_large.h5", "11577c9a518f0070763c2b964a382f17", "NASNet-large.h5"),
              ("nasnet_large_no_top.h5", "d81d89dc07e6e56530c4e77faddd61b5",
               "NASNet-large-no-top.h5"))}


def test_a_file_with_the_wrong_hash_is_refused(server, tmp_path, monkeypatch):
    site, url = server
    shutil.copy(TINY_WEIGHTS, site / "NASNet-mobile-no-top.h5")  # not Keras's file
    monkeypatch.setattr(nasnet, "BASE_WEIGHTS_PATH", url)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    with pytest.raises(ValueError, match="1ed92395b5b598bdda52abe5c0dbfd63"):
        nasnet.NASNet(**TINY, weights="imagenet")


@pytest.mark.parametrize("pooling, shape", [(None, [None, 1, 1, 96]), ("avg", [None, 96]),
                                            ("max", [None, 96])])
def test_pooling_options(pooling, shape):
    model = _tiny(TINY["input_shape"], pooling)
    assert list(model.output.shape) == shape
    assert type(model.layers[-1]).__name__ == {None: "Activation", "avg": "GlobalAveragePooling2D",
                                               "max": "GlobalMaxPooling2D"}[pooling]


def test_classes_classifier_activation_and_input_tensor():
    image = keras.Input((40, 40, 3))
    cropped = keras.layers.Cropping2D(4)(image)
    model = nasnet.NASNet(**{**TINY, "include_top": True}, input_tensor=cropped, classes=7,
                          classifier_activation=None, weights=None)
    assert model.inputs[0] is image
    assert list(model.output.shape) == [None, 7]
    assert model.get_layer("predictions").activation is keras.activations.linear
    assert model.name == "nasnet_tiny"
    assert nasnet.NASNet(**{**TINY, "name": "NASNet"}, weights=None).name == "NASNet"


def test_module_names_and_preprocessing(monkeypatch):
    assert applications.nasnet.NASNetMobile is applications.NASNetMobile
    assert applications.nasnet.NASNetLarge is applications.NASNetLarge
    # "tf" mode: [0, 255] to [-1, 1].
    np.testing.assert_allclose(nasnet.preprocess_input(np.array([[0.0, 127.5, 255.0]])),
                               [[-1.0, 0.0, 1.0]])
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX",
                        {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)})
    preds = np.eye(1000, dtype="float32")[[3]] * 0.5
    assert nasnet.decode_predictions(preds, top=1) == [[("n00000003", "class_3", 0.5)]]


@pytest.mark.parametrize("builder, kwargs, message", [
    (nasnet.NASNet, dict(weights=None, penultimate_filters=100),
     "must be a multiple of 24 * (`filter_multiplier` ** 2). Current value: 100"),
    (nasnet.NASNet, dict(weights="imagenet", default_size=300),
     "ImageNet weights can only be loaded with NASNetLarge or NASNetMobile"),
    (applications.NASNetMobile, dict(weights="imagenet", include_top=False,
                                     input_shape=(None, None, 3)),
     "the input_shape argument must be static (no None entries)"),
    (applications.NASNetLarge, dict(weights="imagenet", classes=10), "`classes` should be 1000"),
    (applications.NASNetMobile, dict(weights="imagenet", input_shape=(64, 64, 3)),
     "`input_shape` should be (224, 224, 3)"),
    (applications.NASNetLarge, dict(weights="imagenet", input_shape=(224, 224, 3)),
     "`input_shape` should be (331, 331, 3)"),
    (applications.NASNetMobile, dict(weights=None, include_top=False, input_shape=(31, 31, 3)),
     "Input size must be at least 32x32"),
    (applications.NASNetMobile, dict(weights="no-such-file.h5"),
     "The `weights` argument should be either"),
    (applications.NASNetMobile, dict(weights="imagenet", classifier_activation="relu"),
     "Only `None` and `softmax` activations are allowed"),
])
def test_bad_arguments_say_what_was_expected(builder, kwargs, message, monkeypatch):
    monkeypatch.setattr("minikeras.applications.construction.get_file",
                        lambda *a, **k: pytest.fail("downloaded despite a bad argument"))
    with pytest.raises(ValueError, match=re.escape(message)):
        builder(**kwargs)


def test_channels_first_is_refused():
    backend.set_image_data_format("channels_first")
    try:
        with pytest.raises(ValueError, match="does not support the `channels_first`"):
            applications.NASNetMobile(weights=None)
    finally:
        backend.set_image_data_format("channels_last")
