"""ConvNeXt and EfficientNetV2 against Keras 3.15.1: weight files in the layout of Keras's
published ones and a Keras-written ``.keras`` model give Keras's predictions (fixtures made
by tools/make_convnext_efficientnet_v2_fixtures.py); ``LayerScale`` and ``StochasticDepth``
by their formulas; the builders' own arguments and checks. Architectures (parameter
counts, layer names, weight shapes) are checked in test_architectures.py."""
import hashlib
import json
import pathlib
import shutil

import numpy as np
import pytest

import minikeras as keras
from minikeras import applications
from minikeras.applications import convnext, efficientnet_v2
from minikeras.applications.convnext import LayerScale, StochasticDepth
from minikeras.autodiff.gradcheck import gradcheck
from minikeras.autodiff.tensor import Tensor

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
KERAS = np.load(FIXTURES / "convnext_efficientnet_v2_predictions.npz")
IMAGES = KERAS["images"]  # two 32x32 sine-pattern images in [0, 255]
NOTOP = dict(include_top=False, pooling="avg", input_shape=(32, 32, 3))
# the small configurations the fixture script built
CONFIGS = json.loads(str(KERAS["configs"]))
TINY = CONFIGS["convnext"]
TINY_CONFIG = (tuple(TINY["depths"]), tuple(TINY["projection_dims"]))
V2_BLOCKS = CONFIGS["v2_blocks"]


def _assert_keras_predictions(model, key):
    np.testing.assert_allclose(model.predict(IMAGES, verbose=0), KERAS[key], rtol=1e-5,
                               atol=1e-5)


# ---- Keras's weight files and models ---------------------------------------------------
def test_convnext_weight_file_gives_keras_predictions():
    model = convnext.ConvNeXt(**TINY, name="convnext_tiny",
                              weights=str(FIXTURES / "convnext_tiny_notop.h5"), **NOTOP)
    assert [layer.name for layer in model.layers[2].layers] == [
        "convnext_tiny_stem_conv", "convnext_tiny_stem_layernorm"]
    _assert_keras_predictions(model, "convnext_tiny_notop")


@pytest.mark.parametrize("name", ["efficientnetv2-b0", "efficientnetv2-s"])
def test_efficientnet_v2_weight_files_give_keras_predictions(name):
    # b0: Rescaling(1/255) and the ImageNet Normalization; s: Rescaling(1/128, offset=-1)
    model = efficientnet_v2.EfficientNetV2(0.5, 1.0, 32, blocks_args=V2_BLOCKS, name=name,
                                           weights=str(FIXTURES / f"{name}_notop.h5"), **NOTOP)
    preprocessing = [type(layer).__name__ for layer in model.layers[1:3]]
    assert preprocessing == (["Rescaling", "Normalization"] if name.endswith("b0")
                             else ["Rescaling", "Conv2D"])
    _assert_keras_predictions(model, name)


def test_keras_written_convnext_model_loads_and_predicts_the_same(tmp_path):
    model = keras.saving.load_model(FIXTURES / "convnext_small_model.keras")
    kinds = [type(layer).__name__ for layer in model.layers]
    # drop rates linspace(0, 0.3, 4): block 0 has an identity, blocks 1-3 stochastic depth
    assert kinds.count("StochasticDepth") == 3 and kinds.count("LayerScale") == 4
    assert kinds.count("Sequential") == 4
    depth = model.get_layer("convnext_small_stage_3_block_0_stochastic_depth")
    assert depth.drop_path_rate == pytest.approx(0.3)
    _assert_keras_predictions(model, "convnext_small_model")
    model.save(tmp_path / "again.keras")
    _assert_keras_predictions(keras.saving.load_model(tmp_path / "again.keras"),
                              "convnext_small_model")


def test_convnext_imagenet_weights_download_and_check_the_sha256(server, tmp_path,
                                                                 monkeypatch):
    site, url = server
    weights = FIXTURES / "convnext_tiny_notop.h5"
    shutil.copy(weights, site / weights.name)
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    monkeypatch.setitem(convnext.MODEL_CONFIGS, "tiny", TINY_CONFIG)
    monkeypatch.setitem(convnext.WEIGHTS_HASHES, "convnext_tiny", ("unused", digest))
    monkeypatch.setattr(convnext, "BASE_WEIGHTS_PATH", url)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    model = applications.ConvNeXtTiny(weights="imagenet", **NOTOP)
    assert (tmp_path / "home" / "models" / weights.name).read_bytes() == weights.read_bytes()
    _assert_keras_predictions(model, "convnext_tiny_notop")
    monkeypatch.setitem(convnext.WEIGHTS_HASHES, "convnext_tiny", ("unused", "0" * 64))
    (tmp_path / "home" / "models" / weights.name).unlink()
    with pytest.raises(ValueError, match="0" * 64):
        applications.ConvNeXtTiny(weights="imagenet", **NOTOP)


def test_weight_file_names_and_origins_are_keras_s(monkeypatch, architecture_only):
    fetched = []
    monkeypatch.setattr("minikeras.applications.construction.get_file",
                        lambda fname, origin, **kw: fetched.append((fname, origin, kw))
                        or pytest.skip("only the request is checked"))
    with pytest.raises(pytest.skip.Exception):
        applications.EfficientNetV2S(weights="imagenet", include_top=False,
                                     input_shape=(64, 64, 3))
    assert fetched == [("efficientnetv2-s_notop.h5",
                        "https://storage.googleapis.com/tensorflow/keras-applications/"
                        "efficientnet_v2/efficientnetv2-s_notop.h5",
                        dict(cache_subdir="models",
                             file_hash="af0682fb74e8c54910f2d4393339c070"))]


# ---- LayerScale and StochasticDepth -------------------------------------------------------
def test_layer_scale_multiplies_each_channel_by_its_factor():
    layer = LayerScale(1e-6, 3)
    x = np.arange(12, dtype="float32").reshape(2, 2, 3)
    np.testing.assert_allclose(layer(x).numpy(), x * 1e-6, rtol=1e-6)
    assert [tuple(w.shape) for w in layer.trainable_weights] == [(3,)]
    layer.gamma.assign(np.array([1.0, -2.0, 0.5], "float32"))
    np.testing.assert_allclose(layer(x).numpy(), x * [1.0, -2.0, 0.5])


def test_layer_scale_refuses_a_wrong_channel_count():
    with pytest.raises(ValueError, match="scales 4 channels but its input has 3"):
        LayerScale(0.1, 4)(np.ones((2, 3), "float32"))


def test_stochastic_depth_is_the_identity_at_inference():
    x = np.random.default_rng(0).normal(size=(4, 2, 2, 3)).astype("float32")
    np.testing.assert_array_equal(StochasticDepth(0.5)(x).numpy(), x)
    np.testing.assert_array_equal(StochasticDepth(0.5)(x, training=False).numpy(), x)


def test_stochastic_depth_drops_whole_samples_and_rescales_the_others():
    layer = StochasticDepth(0.25, seed=4)
    out = layer(np.ones((4000, 2, 2, 3), "float32"), training=True).numpy()
    per_sample = out.reshape(4000, -1)
    # each sample is all 0 or all 1 / keep
    assert np.all(per_sample == per_sample[:, :1])
    np.testing.assert_allclose(np.unique(per_sample), [0.0, 1 / 0.75], rtol=1e-6)
    dropped = np.mean(per_sample[:, 0] == 0)
    assert abs(dropped - 0.25) < 0.03  # binomial standard deviation 0.007
    assert abs(out.mean() - 1.0) < 0.04  # unbiased: E[floor(keep + u)] / keep = 1


def test_stochastic_depth_gradient_in_training():
    # a new layer with the same seed draws the same samples on every call
    x = np.random.default_rng(1).normal(size=(6, 2, 3))
    gradcheck(lambda t: StochasticDepth(0.5, seed=2, dtype="float64")(t, training=True), x)
    out = StochasticDepth(0.5, seed=2, dtype="float64")(Tensor(x), training=True).numpy()
    kept = out.reshape(6, -1)[:, 0] != 0
    assert 0 < kept.sum() < 6  # some samples of each kind, so the check covers both


@pytest.mark.parametrize("rate", [1.0, -0.1, "0.2", True])
def test_stochastic_depth_rate_must_be_in_0_1(rate):
    with pytest.raises(ValueError, match=r"`drop_path_rate` must be a float in \[0, 1\)"):
        StochasticDepth(rate)


def test_stochastic_depth_and_layer_scale_configs_round_trip():
    for layer in (StochasticDepth(0.1, name="sd"), LayerScale(0.5, 7, name="ls")):
        config = keras.layers.serialize(layer)
        clone = keras.layers.deserialize(config)
        assert type(clone) is type(layer) and clone.get_config() == layer.get_config()
    assert StochasticDepth(0.1).get_config()["drop_path_rate"] == 0.1
    assert "seed" not in StochasticDepth(0.1).get_config()  # Keras's config has none


# ---- builders' arguments ---------------------------------------------------------------
def test_convnext_without_preprocessing_or_layer_scale():
    model = convnext.ConvNeXt(**TINY, layer_scale_init_value=None,
                              include_preprocessing=False, weights=None, **NOTOP)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert "Normalization" not in kinds and "LayerScale" not in kinds
    assert kinds[1] == "Sequential"
    gray = convnext.ConvNeXt(**TINY, weights=None, include_top=False,
                             input_shape=(32, 32, 1))
    assert type(gray.layers[1]).__name__ == "Sequential"  # no 3-channel statistics to use


def test_convnext_headless_output_is_layer_normalized(architecture_only):
    model = applications.ConvNeXtTiny(weights=None, include_top=False, pooling="max",
                                      input_tensor=keras.Input((None, None, 3)))
    assert [type(layer).__name__ for layer in model.layers[-2:]] == [
        "GlobalMaxPooling2D", "LayerNormalization"]
    assert list(model.output.shape) == [None, 768]


def test_convnext_names_and_stage_drop_rates(architecture_only):
    model = convnext.ConvNeXt(**TINY, drop_path_rate=0.3, weights=None, name="mine",
                              include_top=True, classes=3, input_shape=(32, 32, 3),
                              classifier_activation=None)
    rates = [model.get_layer(f"mine_stage_{i}_block_0_stochastic_depth").drop_path_rate
             for i in (1, 2, 3)]
    assert rates == pytest.approx([0.1, 0.2, 0.3])
    assert model.get_layer("mine_head_dense").activation is keras.activations.linear
    assert list(model.output.shape) == [None, 3]


def test_efficientnet_v2_input_normalisation_matches_the_imagenet_statistics(headless,
                                                                         architecture_only):
    rescale, normalize = headless("EfficientNetV2B0").layers[1:3]  # input of unknown size
    x = np.full((1, 1, 1, 3), 255.0, "float32")
    # (255 / 255 - mean) / std per channel
    expected = (1.0 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(normalize(rescale(x)).numpy().ravel(), expected, rtol=1e-6)
    plain = applications.EfficientNetV2B0(weights=None, include_top=False,
                                          include_preprocessing=False,
                                          input_tensor=keras.Input((None, None, 3)))
    assert plain.layers[1].name == "stem_conv"


def test_efficientnet_v2_s_m_l_scale_pixels_to_minus_one_one():
    model = efficientnet_v2.EfficientNetV2(1.0, 1.0, 32, blocks_args=V2_BLOCKS,
                                           name="efficientnetv2-m", weights=None, **NOTOP)
    rescale = model.layers[1]
    np.testing.assert_allclose(rescale(np.array([[0.0, 128.0, 255.0]], "float32")).numpy(),
                               [[-1.0, 0.0, 255 / 128 - 1]])


@pytest.mark.parametrize("call, error, message", [
    (lambda: convnext.ConvNeXt([1, 1, 1], [8, 8, 8], weights=None), ValueError,
     "ConvNeXt has four stages"),
    (lambda: applications.ConvNeXtTiny(weights="imagenet", name="mine"), ValueError,
     'Model name "mine" does not match weights variant "convnext_tiny"'),
    (lambda: convnext.ConvNeXt(**TINY, weights="imagenet", weights_name="convnext_tiny",
                               name="convnext_tiny"), ValueError,
     "Architecture configuration does not match convnext_tiny"),
    (lambda: applications.ConvNeXtSmall(weights="imagenet", classes=10), ValueError,
     "`classes` should be 1000"),
    (lambda: efficientnet_v2.EfficientNetV2(
        1.0, 1.0, 32, blocks_args=[dict(V2_BLOCKS[0], num_repeat=0)], weights=None),
     ValueError, "must be > 0. Received: num_repeat=0"),
    (lambda: efficientnet_v2.EfficientNetV2(1.0, 1.0, 224, name="other", weights=None),
     ValueError, "needs a model name among"),
    (lambda: applications.EfficientNetV2B1(weights="imagenet", input_shape=(64, 64, 3)),
     ValueError, "`input_shape` should be (240, 240, 3)"),
    (lambda: applications.EfficientNetV2L(weights=None, input_tensor=np.ones((1, 3))),
     TypeError, "keras.Input"),
    (lambda: convnext.ConvNeXt(**TINY, weights="imagenet", name="convnext_tiny"), ValueError,
     "Keras publishes ImageNet weights for ['convnext_base'"),
    (lambda: efficientnet_v2.EfficientNetV2(1.0, 1.0, 32, blocks_args=V2_BLOCKS,
                                            weights="imagenet", **NOTOP), ValueError,
     "efficientnetv2: Keras publishes no ImageNet weights for this configuration"),
])
def test_bad_arguments_say_what_was_expected(call, error, message, monkeypatch):
    monkeypatch.setattr("minikeras.applications.construction.get_file",
                        lambda *a, **k: pytest.fail("downloaded despite a bad argument"))
    with pytest.raises(error, match=__import__("re").escape(message)):
        call()


def test_convnext_refuses_channels_first(monkeypatch):
    monkeypatch.setattr(convnext, "image_data_format", lambda: "channels_first")
    with pytest.raises(ValueError, match="does not support the `channels_first`"):
        applications.ConvNeXtTiny(weights=None)


def test_preprocess_input_is_the_identity_and_decode_predictions_wants_1000_classes():
    x = np.full((1, 2, 2, 3), 200.0, "float32")
    assert convnext.preprocess_input(x) is x
    assert efficientnet_v2.preprocess_input(x) is x
    with pytest.raises(ValueError, match="a batch of predictions"):
        efficientnet_v2.decode_predictions(np.ones((2, 10)))
