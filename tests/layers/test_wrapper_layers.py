"""Wrapper (the public base) and SpectralNormalization: Keras's numbers (fixture made by
tools/make_layers_coverage_fixture.py), weight order and files, training, bad input."""
import json
from pathlib import Path

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers

FIXTURES = Path(__file__).parents[1] / "fixtures"
E = np.load(FIXTURES / "keras_layers_coverage.npz")


class Doubling(layers.Wrapper):
    """A user's wrapper: twice the wrapped layer's output."""

    def call(self, inputs):
        return keras.ops.multiply(self.layer(inputs), 2.0)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)


def test_a_subclass_of_wrapper_builds_saves_and_reloads_its_layer(tmp_path):
    dense = layers.Dense(2, kernel_initializer="ones")
    wrapped = Doubling(dense)
    np.testing.assert_allclose(wrapped(np.ones((1, 3), "float32")).numpy(), [[6.0, 6.0]])
    assert wrapped.weights == dense.weights and dense.built
    config = wrapped.get_config()
    assert config["layer"]["class_name"] == "Dense"
    rebuilt = Doubling.from_config(json.loads(json.dumps(config)))
    assert isinstance(rebuilt.layer, layers.Dense) and rebuilt.layer.units == 2
    model = keras.Sequential([keras.Input((3,)), wrapped])
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", custom_objects={"Doubling": Doubling})
    np.testing.assert_allclose(loaded.predict(np.ones((1, 3)), verbose=0), [[6.0, 6.0]])


def test_wrapper_refuses_a_non_layer_and_has_no_call_of_its_own():
    with pytest.raises(ValueError, match="supplied to Wrapper isn't a supported layer"):
        layers.Wrapper("dense")
    with pytest.raises(NotImplementedError, match="subclass must implement `call`"):
        layers.Wrapper(layers.Dense(2))(np.ones((1, 3), "float32"))


def keras_sn():
    sn = layers.SpectralNormalization(layers.Dense(3, name="dense"), power_iterations=2,
                                      name="spectral_normalization")
    sn.build((None, 4))
    sn.set_weights([E["sn_kernel"], E["sn_u"], E["sn_bias"]])
    return sn


def test_spectral_normalization_training_call_matches_keras():
    sn = keras_sn()
    out = sn(E["sn_x"], training=True)
    np.testing.assert_allclose(out.numpy(), E["sn_train_out"], rtol=1e-5, atol=1e-6)
    kernel, u, bias = sn.get_weights()
    np.testing.assert_allclose(kernel, E["sn_new_kernel"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(u, E["sn_new_u"], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(bias, E["sn_bias"])


def test_spectral_normalization_by_hand_and_identity_at_inference():
    # a diagonal kernel: sigma is its largest entry, u converges to that unit axis
    sn = layers.SpectralNormalization(layers.Dense(2, use_bias=False), power_iterations=20)
    sn.build((None, 2))
    sn.set_weights([np.diag([4.0, 1.0]).astype("float32"), np.array([[1.0, 1.0]], "float32")])
    x = np.array([[1.0, 1.0]], "float32")
    np.testing.assert_allclose(sn(x).numpy(), [[4.0, 1.0]])                 # inference: as is
    np.testing.assert_allclose(sn(x, training=True).numpy(), [[1.0, 0.25]], rtol=1e-5)
    np.testing.assert_allclose(np.abs(sn.vector_u.numpy()), [[1.0, 0.0]], atol=1e-5)
    zero = layers.SpectralNormalization(layers.Dense(2, kernel_initializer="zeros"))
    zero(x)
    u_before = zero.vector_u.numpy().copy()
    zero(x, training=True)                        # an all-zero kernel is left alone
    np.testing.assert_array_equal(zero.vector_u.numpy(), u_before)


def test_spectral_normalization_weights_config_and_keras_file(tmp_path):
    sn = keras_sn()
    assert [w.path for w in sn.weights] == [p.split("/", 1)[1] for p in E["sn_weight_paths"]]
    assert [w.path for w in sn.trainable_weights] == ["spectral_normalization/dense/kernel",
                                                     "spectral_normalization/dense/bias"]
    assert [w.name for w in sn.non_trainable_weights] == ["vector_u"]
    assert sn.count_params() == 4 * 3 + 3 + 3
    expected = json.loads(str(E["sn_config"]))
    config = sn.get_config()
    assert config["layer"]["class_name"] == expected.pop("layer")
    assert {k: config[k] for k in expected} == expected
    model = keras.Sequential([keras.Input((4,)), layers.SpectralNormalization(
        layers.Dense(3, name="dense"), power_iterations=2, name="spectral_normalization")])
    model.load_weights(FIXTURES / "keras_spectral_normalization.weights.h5")
    np.testing.assert_allclose(model.predict(E["sn_x"], verbose=0), E["sn_predict"], rtol=1e-6)
    model.save_weights(tmp_path / "sn.weights.h5")
    again = keras.Sequential([keras.Input((4,)), layers.SpectralNormalization(
        layers.Dense(3, name="dense"), name="spectral_normalization")])
    again.load_weights(tmp_path / "sn.weights.h5")
    for a, b in zip(again.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_spectral_normalization_trains_a_conv_and_an_embedding():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((6, 6, 1)),
        layers.SpectralNormalization(layers.Conv2D(2, 3), power_iterations=10),
        layers.Flatten(), layers.Dense(1)])
    model.compile("adam", "mse")
    x = np.random.default_rng(0).standard_normal((8, 6, 6, 1)).astype("float32")
    history = model.fit(x, x.sum(axis=(1, 2, 3))[:, None], epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    kernel = model.layers[0].kernel.numpy().reshape(-1, 2)
    # normalized at the start of the last step, then one Adam step of 1e-3 per entry
    assert abs(np.linalg.svd(kernel, compute_uv=False)[0] - 1.0) < 0.05
    emb = layers.SpectralNormalization(layers.Embedding(5, 3), power_iterations=30)
    emb(np.array([[1, 2]]), training=True)
    assert np.linalg.svd(emb.kernel.numpy(), compute_uv=False)[0] == pytest.approx(1.0,
                                                                                  abs=1e-3)


def test_spectral_normalization_bad_arguments():
    # Keras 3.15's words first (tests/fixtures/keras_examples21_convnorm.json)
    with pytest.raises(ValueError, match=r"^`power_iterations` should be greater than zero\. "
                                         r"Received: `power_iterations=0` \("):
        layers.SpectralNormalization(layers.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match=r"power_iterations.*'2'"):
        layers.SpectralNormalization(layers.Dense(2), power_iterations="2")
    with pytest.raises(ValueError, match="isn't a supported layer"):
        layers.SpectralNormalization(np.ones(3))
    with pytest.raises(ValueError, match="^LayerNormalization object has no attribute "
                                         "'kernel' nor 'embeddings'\\. "):
        layers.SpectralNormalization(layers.LayerNormalization())(np.ones((1, 3), "float32"))
    sn = layers.SpectralNormalization(layers.Dense(2))
    sn(np.ones((1, 3), "float32"))
    with pytest.raises(ValueError, match="incompatible with the layer"):
        sn(np.ones((1, 4), "float32"))
