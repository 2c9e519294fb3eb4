"""Every keras.applications builder against Keras 3.15.1 (fixtures/README.md): parameter
counts, output shapes, and each layer's name, class and weight shapes in Keras's order (the
order Keras's weight files are read in). Built with ``weights=None``; headless models at
the default (unknown) size, models with their top at a small size where Keras allows it.
Weight values are not checked here, so the builds draw none (conftest's
``architecture_only``)."""
import functools
import gzip
import json
import os
import pathlib
import re

import pytest

import minikeras as keras
from minikeras import applications

FIXTURES = pathlib.Path(__file__).parent / "fixtures"


@functools.lru_cache(maxsize=None)
def keras_architectures():
    """{architecture: {"top": ..., "notop": ...}} from Keras's fixtures, read at first use
    (not at collection)."""
    found = {}
    for name in ("keras_architectures.json.gz", "keras_architectures_efficientnet_v2_sml.json.gz"):
        with gzip.open(FIXTURES / name, "rt") as f:
            found.update(json.load(f))  # same fields (fixtures/README.md)
    return found


# Every architecture Keras's fixture lists and minikeras builds.
ARCHITECTURES = ["DenseNet121", "DenseNet169", "DenseNet201"] + [
    f"EfficientNetB{i}" for i in range(4)] + ["InceptionResNetV2",
                 "InceptionV3", "MobileNet", "MobileNetV2", "MobileNetV3Large",
                 "MobileNetV3Small", "ResNet101", "ResNet101V2", "ResNet152", "ResNet152V2",
                 "ResNet50", "ResNet50V2", "VGG16", "VGG19", "Xception"]
# The largest ones take 10-25 s each to initialise their weights on a loaded 2-core
# machine: run them with MINIKERAS_ALL_APPLICATIONS=1 (they passed when added).
if os.environ.get("MINIKERAS_ALL_APPLICATIONS"):
    ARCHITECTURES += [f"EfficientNetB{i}" for i in range(4, 8)]
# ConvNeXt and EfficientNetV2: one of each size class by default (B1/B2 scale B0 as B3
# does, ConvNeXtSmall deepens Tiny as the larger ones do); 1-6 s each for the rest.
ARCHITECTURES += ["ConvNeXtTiny", "EfficientNetV2B0", "EfficientNetV2B3", "EfficientNetV2S"]
if os.environ.get("MINIKERAS_ALL_APPLICATIONS"):
    ARCHITECTURES += ["ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtXLarge",
                      "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2M", "EfficientNetV2L"]

# VGG's top flattens the last feature map: 7x7x512 at 224 pixels, 1x1x512 at 32, so fc1
# holds (49 - 1) * 512 * 4096 fewer weights at 32x32.
VGG_FC1_AT_32 = (49 - 1) * 512 * 4096
AUTO_NAMED = re.compile(r"^(input_layer|global_average_pooling2d|global_max_pooling2d|"
                        r"max_pooling2d|average_pooling2d|reshape|multiply|add|activation|"
                        r"re_lu|conv2d|batch_normalization|zero_padding2d|concatenate|"
                        r"rescaling|dropout|flatten|custom_scale_layer|normalization|"
                        r"layer_normalization)(_\d+)?$")


def _plain_name(name):
    """An automatic name without its process-wide counter suffix."""
    match = AUTO_NAMED.match(name)
    return match.group(1) if match else name


def _layers(model):
    return [[_plain_name(layer.name), type(layer).__name__,
             [list(w.shape) for w in layer.weights]] for layer in model.layers]


def _keras_layers(entry):
    return [[_plain_name(name), cls, shapes] for name, cls, shapes in entry["layers"]]


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_headless_model_matches_keras(arch, headless):
    model = headless(arch)
    expected = keras_architectures()[arch]["notop"]
    assert model.count_params() == expected["params"]
    assert list(model.output.shape) == expected["output_shape"]
    assert _layers(model) == _keras_layers(expected)


def _with_top(arch):
    """The model with its top. Keras builds it on ``input_tensor`` whatever its size, so an
    image input of unknown size (no shape probe on data) serves every architecture whose
    top pools globally; VGG's Flatten needs a static size (32x32, its minimum)."""
    if arch.startswith("VGG"):
        return getattr(applications, arch)(weights=None, input_shape=(32, 32, 3))
    return getattr(applications, arch)(weights=None, input_tensor=keras.Input((None, None, 3)))


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_model_with_top_matches_keras(arch, architecture_only):
    model = _with_top(arch)
    expected = keras_architectures()[arch]["top"]
    params, layers = expected["params"], _keras_layers(expected)
    if arch.startswith("VGG"):
        params -= VGG_FC1_AT_32
        fc1 = next(entry for entry in layers if entry[0] == "fc1")
        fc1[2] = [[512, 4096], [4096]]
    assert model.count_params() == params
    assert list(model.output.shape) == expected["output_shape"] == [None, 1000]
    assert _layers(model) == layers


def test_module_aliases_and_names(headless, architecture_only):
    assert keras.applications.resnet50.ResNet50 is applications.ResNet50
    assert headless("ResNet50").name == "resnet50"
    assert applications.MobileNetV2(weights=None, input_shape=(96, 96, 3)).name == \
        "mobilenetv2_1.00_96"
    assert applications.MobileNet(weights=None, include_top=False, alpha=0.5,
                                  input_shape=(128, 128, 3)).name == "mobilenet_0.50_128"


@pytest.mark.parametrize("pooling, shape", [(None, [None, 1, 1, 1280]), ("avg", [None, 1280]),
                                            ("max", [None, 1280])])
def test_pooling_options(pooling, shape, architecture_only):
    model = applications.MobileNetV2(weights=None, include_top=False, pooling=pooling,
                                     input_shape=(32, 32, 3))
    assert list(model.output.shape) == shape


def test_input_tensor_is_used_and_its_sources_become_the_inputs(architecture_only):
    image = keras.Input((40, 40, 3))
    cropped = keras.layers.Cropping2D(4)(image)
    model = applications.MobileNetV2(weights=None, include_top=False, input_tensor=cropped)
    assert model.inputs[0] is image
    assert list(model.output.shape) == [None, 1, 1, 1280]


def test_classes_and_classifier_activation(architecture_only):
    model = applications.MobileNetV2(weights=None, classes=7, classifier_activation=None,
                                     input_shape=(32, 32, 3))
    assert list(model.output.shape) == [None, 7]
    assert model.get_layer("predictions").activation is keras.activations.linear


@pytest.mark.parametrize("kwargs, message", [
    (dict(weights="no-such-file.h5"), "The `weights` argument should be either"),
    (dict(weights="imagenet", classes=10), "`classes` should be 1000"),
    (dict(weights=None, input_shape=(16, 16, 3), include_top=False),
     "Input size must be at least 32x32"),
    (dict(weights=None, input_shape=(32, 32)), "`input_shape` must be a tuple of three"),
    (dict(weights="imagenet", input_shape=(64, 64, 3)), "`input_shape` should be (224, 224, 3)"),
    (dict(weights="imagenet", include_top=False, input_shape=(64, 64, 1)),
     "The input must have 3 channels"),
    (dict(weights=None, include_top=True, input_shape=(None, None, 3)),
     "you should specify a static `input_shape`"),
    (dict(weights="imagenet", classifier_activation="relu"),
     "Only `None` and `softmax` activations are allowed"),
])
def test_bad_arguments_say_what_was_expected(kwargs, message, monkeypatch):
    # No download may happen on these paths: any get_file call fails the test.
    monkeypatch.setattr("minikeras.applications.construction.finish",
                        lambda *a, **k: pytest.fail("model finished despite a bad argument"))
    with pytest.raises(ValueError, match=re.escape(message)):
        applications.ResNet50(**kwargs)


def test_input_tensor_must_be_symbolic():
    with pytest.raises(TypeError, match="keras.Input"):
        applications.MobileNetV2(weights=None, input_tensor=[1, 2, 3])


def test_imagenet_mobilenet_rejects_unpublished_configurations():
    with pytest.raises(ValueError, match="depth multiplier must be 1"):
        applications.MobileNet(weights="imagenet", depth_multiplier=2)
    with pytest.raises(ValueError, match="alpha can be one of"):
        applications.MobileNet(weights="imagenet", alpha=0.6)
    with pytest.raises(ValueError, match="alpha must be one of"):
        applications.MobileNetV2(weights="imagenet", alpha=0.6)
