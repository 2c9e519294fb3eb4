"""Lambda, Rescaling, Identity, ActivityRegularization, Masking, UnitNormalization and
Cropping1D/2D/3D: hand-derived values, gradients, configs, files and bad input."""
import json

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops
from minikeras.autodiff import grad
from minikeras.autodiff.gradcheck import gradcheck
from minikeras.autodiff.tensor import Tensor
from minikeras.registry import CUSTOM_OBJECTS


@keras.saving.register_keras_serializable(package="misc_test")
def scaled_square(x, factor=1.0):
    return ops.multiply(ops.square(x), factor)


def unregistered_double(x):
    return x * 2.0


@pytest.fixture(autouse=True)
def keep_scaled_square_registered():
    # other tests may clear custom objects; this module relies on its registration
    CUSTOM_OBJECTS.add(scaled_square, "misc_test>scaled_square", "scaled_square", replace=True)


# ---- Lambda -----------------------------------------------------------------------------------
def test_lambda_values_arguments_and_training_flag():
    x = np.array([[1.0, -2.0, 3.0]], "float32")
    np.testing.assert_allclose(layers.Lambda(lambda t: t * 2 + 1)(x).numpy(), [[3, -3, 7]])
    out = layers.Lambda(scaled_square, arguments={"factor": 0.5})(x)
    np.testing.assert_allclose(out.numpy(), [[0.5, 2.0, 4.5]])
    seen = []

    def spy(t, training=None):
        seen.append(training)
        return t

    layer = layers.Lambda(spy)
    layer(x, training=True)
    layer(x)
    assert seen == [True, None]


def test_lambda_output_shape_explicit_callable_and_inferred():
    layer = layers.Lambda(lambda t: ops.concatenate([t, t], axis=-1))
    assert layer.compute_output_shape((None, 3)) == (None, 6)
    assert layers.Lambda(lambda t: t, output_shape=(5,)).compute_output_shape((None, 3)) == (
        None, 5)
    fixed = layers.Lambda(lambda t: t, output_shape=lambda s: (s[0], 7))
    assert fixed.compute_output_shape((4, 3)) == (4, 7)
    with pytest.raises(NotImplementedError, match="output_shape"):
        layer.compute_output_shape((None, None, 3))
    model = keras.Sequential([keras.Input((3,)), layers.Lambda(lambda t: ops.sum(t, axis=-1,
                                                                               keepdims=True))])
    assert model.output_shape == (None, 1)


def test_lambda_mask_argument():
    assert layers.Lambda(lambda t: t, mask=lambda t, m: "custom").compute_mask(None) == "custom"
    fixed = np.array([True, False])
    assert layers.Lambda(lambda t: t, mask=fixed).compute_mask(None) is fixed
    assert layers.Lambda(lambda t: t).compute_mask(None) is None


def test_lambda_gradcheck():
    layer = layers.Lambda(scaled_square, arguments={"factor": 3.0})
    x = np.random.default_rng(0).standard_normal((2, 3))
    gradcheck(lambda t: layer(t), x)
    # d/dx 3x² = 6x
    t = Tensor(np.array([[1.0, -2.0]], "float32"), requires_grad=True)
    (g,) = grad(layer(t), [t], np.ones((1, 2), "float32"))
    np.testing.assert_allclose(g, [[6.0, -12.0]])


def test_lambda_registered_function_config_round_trip():
    layer = layers.Lambda(scaled_square, output_shape=(3,), arguments={"factor": 2.0})
    config = layers.serialize(layer)
    assert config["class_name"] == "Lambda"
    assert config["config"]["function"] == {
        "module": __name__, "class_name": "function", "config": "misc_test>scaled_square",
        "registered_name": "function"}
    assert config["config"]["output_shape"] == [3]
    assert config["config"]["arguments"] == {"factor": 2.0}
    rebuilt = layers.deserialize(json.loads(json.dumps(config)))
    assert rebuilt.function is scaled_square and rebuilt.arguments == {"factor": 2.0}
    assert rebuilt.compute_output_shape((None, 3)) == (None, 3)
    np.testing.assert_allclose(rebuilt(np.array([[3.0]], "float32")).numpy(), [[18.0]])


def test_lambda_array_argument_round_trips():
    layer = layers.Lambda(scaled_square, arguments={"factor": np.array([1.0, 2.0], "float32")})
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    np.testing.assert_array_equal(rebuilt.arguments["factor"], [1.0, 2.0])


def test_lambda_named_function_reloads_through_custom_objects():
    config = json.loads(json.dumps(layers.serialize(layers.Lambda(unregistered_double))))
    assert config["config"]["function"]["config"] == "unregistered_double"
    with pytest.raises(TypeError, match="Could not locate function 'unregistered_double'"):
        layers.deserialize(config)
    with keras.saving.custom_object_scope({"unregistered_double": unregistered_double}):
        rebuilt = layers.deserialize(config)
    assert rebuilt.function is unregistered_double
    direct = layers.Lambda.from_config(config["config"],
                                       custom_objects={"unregistered_double": unregistered_double})
    assert direct.function is unregistered_double


def test_lambda_with_python_lambda_refuses_to_serialize(tmp_path):
    layer = layers.Lambda(lambda t: t * 2)
    with pytest.raises(ValueError, match="register_keras_serializable"):
        layer.get_config()
    with pytest.raises(ValueError, match="Python lambda"):
        layers.serialize(layer)
    model = keras.Sequential([keras.Input((2,)), layers.Lambda(lambda t: t + 1)])
    with pytest.raises(ValueError, match="never code"):
        model.save(tmp_path / "m.keras")
    assert not (tmp_path / "m.keras").exists()
    with pytest.raises(ValueError, match="Python lambda"):
        model.to_json()
    with pytest.raises(ValueError, match="output_shape"):
        layers.Lambda(scaled_square, output_shape=lambda s: s).get_config()


def test_stored_keras_lambdas_are_refused_by_from_config():
    keras3 = {"name": "lambda", "function": {"class_name": "__lambda__", "config": {
        "code": "4wEAAA", "defaults": None, "closure": None}}, "arguments": {}}
    with pytest.raises(ValueError, match="never code"):
        layers.Lambda.from_config(keras3)
    keras2 = {"name": "lambda", "function": ["4wEAAA", None, None], "function_type": "lambda",
              "module": "__main__", "output_shape": None, "output_shape_type": "raw",
              "arguments": {}}
    with pytest.raises(ValueError, match="never code"):
        layers.Lambda.from_config(keras2)


def test_lambda_keras2_named_function_config_loads():
    config = {"name": "lambda", "function": "scaled_square", "function_type": "function",
              "module": "__main__", "output_shape": None, "output_shape_type": "raw",
              "output_shape_module": None, "arguments": {"factor": 2.0}}
    layer = layers.Lambda.from_config(config)
    assert layer.function is scaled_square


def test_lambda_bad_arguments():
    with pytest.raises(TypeError, match="callable"):
        layers.Lambda(3)
    with pytest.raises(TypeError, match="dict"):
        layers.Lambda(scaled_square, arguments=[1])


def test_sequential_with_registered_lambda_saves_and_loads(tmp_path):
    model = keras.Sequential([keras.Input((3,)),
                              layers.Lambda(scaled_square, arguments={"factor": 2.0}),
                              layers.Dense(2)])
    model.save(tmp_path / "lam.keras")
    loaded = keras.models.load_model(tmp_path / "lam.keras")
    x = np.array([[1.0, 2.0, 3.0]], "float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


# ---- Rescaling, Identity ----------------------------------------------------------------------
def test_rescaling_values():
    pixels = np.array([[0, 51, 255]], "uint8")
    out = layers.Rescaling(1 / 255)(pixels)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), [[0.0, 0.2, 1.0]], rtol=1e-6)
    out = layers.Rescaling(1 / 127.5, offset=-1)(pixels)
    np.testing.assert_allclose(out.numpy(), [[-1.0, -0.6, 1.0]], rtol=1e-6, atol=1e-7)
    per_channel = layers.Rescaling(np.array([1.0, 10.0]), offset=np.array([0.0, 1.0]))
    np.testing.assert_allclose(per_channel(np.ones((1, 2, 2), "float32")).numpy()[0, 0], [1, 11])


def test_rescaling_config_and_gradcheck():
    layer = layers.Rescaling(np.array([2.0, 3.0], "float32"), offset=0.5)
    config = json.loads(json.dumps(layers.serialize(layer)))
    assert config["config"]["scale"]["class_name"] == "__numpy__"
    assert config["config"]["offset"] == 0.5
    rebuilt = layers.deserialize(config)
    np.testing.assert_array_equal(rebuilt.scale, [2.0, 3.0])
    assert layers.Rescaling(0.5).get_config()["scale"] == 0.5
    gradcheck(lambda t: layers.Rescaling(3.0, 1.0, dtype="float64")(t),
              np.random.default_rng(1).standard_normal((2, 3)))
    with pytest.raises(TypeError, match="scale"):
        layers.Rescaling("x")
    with pytest.raises(TypeError, match="offset"):
        layers.Rescaling(1.0, offset=None)


def test_identity_returns_its_input():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    assert layers.Identity()(x) is x
    assert layers.Identity().compute_output_shape((None, 3)) == (None, 3)


# ---- ActivityRegularization -------------------------------------------------------------------
def test_activity_regularization_penalty_by_hand():
    x = np.array([[1.0, -2.0], [3.0, 0.0]], "float32")
    layer = layers.ActivityRegularization(l1=0.5, l2=1.0)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    # (0.5·Σ|x| + 1.0·Σx²) / batch = (0.5·6 + 14) / 2
    assert [float(v) for v in layer.losses] == [pytest.approx(8.5)]
    model = keras.Sequential([keras.Input((2,)), layers.ActivityRegularization(l1=0.5, l2=1.0)])
    model.compile(loss="mse", optimizer="sgd")
    assert model.evaluate(x, x, verbose=0) == pytest.approx(8.5)  # mse 0 + penalty


def test_activity_regularization_config_and_errors():
    config = layers.ActivityRegularization(l1=0.1).get_config()
    assert config["l1"] == 0.1 and config["l2"] == 0.0 and "activity_regularizer" not in config
    assert layers.ActivityRegularization.from_config(config).activity_regularizer.l1 == 0.1
    with pytest.raises(ValueError):
        layers.ActivityRegularization(l1=-1.0)


# ---- Masking ----------------------------------------------------------------------------------
def test_masking_values_and_mask():
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [0.0, 3.0]]], "float32")
    layer = layers.Masking()
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer.compute_mask(x), [[True, False, True]])
    padded = np.array([[[-1.0, -1.0], [2.0, -1.0]]], "float32")
    out = layers.Masking(mask_value=-1.0)(padded)
    np.testing.assert_array_equal(out.numpy(), [[[0.0, 0.0], [2.0, -1.0]]])
    assert layers.Masking(-1.0).get_config()["mask_value"] == -1.0
    with pytest.raises(TypeError, match="mask_value"):
        layers.Masking("pad")


# ---- UnitNormalization ------------------------------------------------------------------------
def test_unit_normalization_values():
    out = layers.UnitNormalization()(np.array([[3.0, 4.0], [0.0, 0.0]], "float32"))
    np.testing.assert_allclose(out.numpy(), [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
    x = np.array([[[1.0, 1.0], [1.0, 1.0]]], "float32")
    np.testing.assert_allclose(layers.UnitNormalization(axis=[1, 2])(x).numpy(), x / 2)
    gradcheck(lambda t: layers.UnitNormalization(dtype="float64")(t),
              np.random.default_rng(2).standard_normal((2, 3)))
    with pytest.raises(TypeError, match="axis"):
        layers.UnitNormalization(axis="last")
    with pytest.raises(ValueError, match="out of range"):
        layers.UnitNormalization(axis=3)(np.ones((2, 3), "float32"))


# ---- Cropping ---------------------------------------------------------------------------------
def test_cropping1d_values_and_defaults():
    x = np.arange(10.0, dtype="float32").reshape(1, 5, 2)
    np.testing.assert_array_equal(layers.Cropping1D()(x).numpy(), x[:, 1:4])
    np.testing.assert_array_equal(layers.Cropping1D((2, 0))(x).numpy(), x[:, 2:])
    np.testing.assert_array_equal(layers.Cropping1D(2)(x).numpy(), x[:, 2:3])
    assert layers.Cropping1D((1, 2)).compute_output_shape((None, None, 7)) == (None, None, 7)
    assert layers.Cropping1D((1, 2)).compute_output_shape((None, 9, 7)) == (None, 6, 7)
    assert layers.Cropping1D((0, 1)).get_config()["cropping"] == (0, 1)


def test_cropping2d_and_3d_values():
    x = np.arange(16.0, dtype="float32").reshape(1, 4, 4, 1)
    out = layers.Cropping2D(((1, 0), (0, 2)))(x).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(out, [[4, 5], [8, 9], [12, 13]])
    first = layers.Cropping2D(1, data_format="channels_first")
    np.testing.assert_array_equal(first(x.reshape(1, 1, 4, 4)).numpy()[0, 0], [[5, 6], [9, 10]])
    assert first.compute_output_shape((None, 3, 8, 6)) == (None, 3, 6, 4)
    assert layers.Cropping2D((1, 2)).cropping == ((1, 1), (2, 2))
    v = np.arange(64.0, dtype="float32").reshape(1, 4, 4, 4, 1)
    np.testing.assert_array_equal(layers.Cropping3D()(v).numpy(), v[:, 1:3, 1:3, 1:3])
    assert layers.Cropping3D().compute_output_shape((None, 5, 6, 7, 2)) == (None, 3, 4, 5, 2)


def test_cropping_gradcheck():
    rng = np.random.default_rng(3)
    gradcheck(lambda t: layers.Cropping2D(((1, 0), (1, 1)), dtype="float64")(t),
              rng.standard_normal((2, 3, 4, 2)))
    # the gradient is one where an element survives the crop, zero where it was cut
    t = Tensor(np.ones((1, 4, 1), "float32"), requires_grad=True)
    (g,) = grad(layers.Cropping1D((1, 2))(t), [t], np.ones((1, 1, 1), "float32"))
    np.testing.assert_array_equal(g[0, :, 0], [0, 1, 0, 0])


@pytest.mark.parametrize("cls, bad", [(layers.Cropping1D, (1,)), (layers.Cropping1D, (1, 2, 3)),
                                      (layers.Cropping1D, "1"), (layers.Cropping1D, -1),
                                      (layers.Cropping2D, (1, 2, 3)),
                                      (layers.Cropping2D, ((1, 2, 3), 1)),
                                      (layers.Cropping2D, ((1, -1), 0)),
                                      (layers.Cropping3D, 1.5)])
def test_cropping_bad_argument(cls, bad):
    with pytest.raises(ValueError, match="cropping"):
        cls(bad)


def test_cropping_more_than_available_and_wrong_rank():
    with pytest.raises(ValueError, match="must be smaller"):
        layers.Cropping1D((3, 3))(np.ones((1, 5, 2), "float32"))
    with pytest.raises(ValueError, match="must be smaller"):
        keras.Sequential([keras.Input((4, 4, 1)), layers.Cropping2D(2)])
    with pytest.raises(ValueError, match="expected ndim=4"):
        layers.Cropping2D(1)(np.ones((1, 5, 2), "float32"))


# ---- these layers in one saved model --------------------------------------------------------------


def test_sequential_of_these_layers_saves_and_loads(tmp_path):
    model = keras.Sequential([
        keras.Input((6, 6, 2)), layers.Rescaling(1 / 4, offset=-1.0), layers.Cropping2D(1),
        layers.GaussianNoise(0.1), layers.SpatialDropout2D(0.2), layers.Flatten(),
        layers.Masking(), layers.UnitNormalization(), layers.ActivityRegularization(l2=0.01),
        layers.Identity(), layers.GaussianDropout(0.1), layers.AlphaDropout(0.1),
        layers.Dense(2)])
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert [type(a) for a in loaded.layers] == [type(b) for b in model.layers]
    assert [a.get_config() for a in loaded.layers] == [b.get_config() for b in model.layers]
    x = np.random.default_rng(4).uniform(0, 4, (3, 6, 6, 2)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
