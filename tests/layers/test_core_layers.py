"""Identity, Lambda and Masking: hand-derived values, gradients, configs, files and bad input;
Keras-written configs of Dense, EinsumDense and Embedding."""
import json
from pathlib import Path

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops
from minikeras.autodiff import grad
from minikeras.autodiff.gradcheck import gradcheck
from minikeras.autodiff.tensor import Tensor
from minikeras.layers.einsum_dense import _dense_form
from minikeras.ops.tensor_contraction import contract
from minikeras.registry import CUSTOM_OBJECTS

@keras.saving.register_keras_serializable(package="core_layers_test")
def scaled_square(x, factor=1.0):
    return ops.multiply(ops.square(x), factor)


def unregistered_double(x):
    return x * 2.0


@pytest.fixture(autouse=True)
def keep_scaled_square_registered():
    # other tests may clear custom objects; this module relies on its registration
    CUSTOM_OBJECTS.add(scaled_square, "core_layers_test>scaled_square", "scaled_square", replace=True)


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
    layer = layers.Lambda(scaled_square, arguments={"factor": 3.0}, dtype="float64")
    x = np.random.default_rng(0).standard_normal((2, 3))
    gradcheck(lambda t: layer(t), x)
    layer = layers.Lambda(scaled_square, arguments={"factor": 3.0})
    # d/dx 3x² = 6x
    t = Tensor(np.array([[1.0, -2.0]], "float32"), requires_grad=True)
    (g,) = grad(layer(t), [t], np.ones((1, 2), "float32"))
    np.testing.assert_allclose(g, [[6.0, -12.0]])


def test_lambda_registered_function_config_round_trip():
    layer = layers.Lambda(scaled_square, output_shape=(3,), arguments={"factor": 2.0})
    config = layers.serialize(layer)
    assert config["class_name"] == "Lambda"
    # "builtins": Keras 3.15 writes that module for every function (see
    # tests/compat/test_script_fidelity_examples3.py)
    assert config["config"]["function"] == {
        "module": "builtins", "class_name": "function", "config": "core_layers_test>scaled_square",
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


def test_identity_returns_its_input():
    x = Tensor(np.arange(6.0, dtype="float32").reshape(2, 3))
    assert layers.Identity()(x) is x
    # Keras 3.15 autocasts a float64 input to the layer's float32, even in Identity
    assert layers.Identity()(Tensor(np.arange(6.0).reshape(2, 3))).dtype == np.float32
    assert layers.Identity().compute_output_shape((None, 3)) == (None, 3)


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


def test_einsum_dense_kernel_fans_follow_the_equation():
    # Keras 3.15: a VarianceScaling kernel initializer counts fan_in over the kernel axes
    # taken from the input and fan_out over those of the output. For 'abc,cde->abde' with
    # 256 features into (8, 16): Glorot uniform Var = 2 / (256 + 128).
    layer = keras.layers.EinsumDense("abc,cde->abde", (None, 8, 16),
                                     kernel_initializer=keras.initializers.GlorotUniform(seed=2))
    layer.build((None, 5, 256))
    assert abs(layer.kernel.numpy().var() * (256 + 128) / 2 - 1) < 0.05
    config = layer.get_config()["kernel_initializer"]["config"]
    assert config["input_axes"] is None and config["output_axes"] is None  # as given


KERAS_CONFIGS = json.loads((Path(__file__).parent.parent / "fixtures" /
                            "keras_layer_configs.json").read_text())


@pytest.mark.parametrize("name", ["Dense", "EinsumDense", "Embedding"])
def test_keras_written_configs_load_and_are_written_back_the_same(name):
    # fixture: tools/make_keras_layer_configs_fixture.py, once with Keras 3.15 (which
    # writes quantization_config: None, and activity_regularizer: None for EinsumDense and
    # Embedding); an Embedding config used to fail with "Unrecognized keyword arguments"
    config = KERAS_CONFIGS[name]
    layer = getattr(layers, name).from_config(config)
    assert json.loads(json.dumps(layer.get_config())) == config


def test_a_quantization_config_must_be_a_quantization_config():
    # quantized layers: tests/quantizers/
    for make in (lambda q: layers.Dense(2, quantization_config=q),
                 lambda q: layers.Embedding(3, 2, quantization_config=q),
                 lambda q: layers.EinsumDense("ab,bc->ac", 2, quantization_config=q)):
        with pytest.raises(ValueError, match="must be None or a keras.quantizers."
                                             "QuantizationConfig"):
            make({"mode": "int8"})


@pytest.mark.parametrize("equation, output_shape, bias_axes, x_shape, dense", [
    ("abc,cde->abde", (5, 2, 3), "de", (4, 5, 6), True),    # attention's projections
    ("abcd,cde->abe", (5, 7), "e", (4, 5, 2, 3), True),     # attention's output
    ("...b,bc->...c", 7, "c", (2, 3, 4, 6), True),
    ("abc,cd->abd", (5, 7), None, (4, 5, 6), True),
    ("abc,cde->abde", (5, 2, 3), "e", (4, 5, 6), False),     # bias on some free axes only
    ("abc,acd->abd", (5, 7), "d", (4, 5, 6), False),         # a batch axis in the kernel
    ("abc,cd->dba", (5, 4), None, (4, 5, 6), False),         # the output reordered
])
def test_einsum_dense_as_one_gemm_equals_the_contraction(equation, output_shape, bias_axes,
                                                          x_shape, dense):
    rng = np.random.default_rng(4)
    assert (_dense_form(equation, bias_axes or "") is not None) is dense
    layer = layers.EinsumDense(equation, output_shape, bias_axes=bias_axes, dtype="float64")
    x = Tensor(rng.standard_normal(x_shape), requires_grad=True)
    layer.build(x_shape)
    layer.set_weights([rng.standard_normal(w.shape) for w in layer.weights])
    out = layer(x)
    reference = contract(equation, x, layer.kernel)
    if layer.bias is not None:
        reference = reference + layer.bias
    np.testing.assert_allclose(out.numpy(), reference.numpy(), rtol=1e-12, atol=1e-12)
    cotangent = rng.standard_normal(out.shape)
    weights = [x] + list(layer.trainable_weights)
    for got, want in zip(grad(out, weights, cotangent), grad(reference, weights, cotangent)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("make", [
    lambda: keras.layers.Dense(2, activation="softmax"),
    lambda: keras.layers.Conv2D(2, 2, activation="relu"),
    lambda: keras.layers.Conv2DTranspose(2, 2, activation="sigmoid"),
    lambda: keras.layers.DepthwiseConv2D(2, activation="tanh"),
    lambda: keras.layers.SeparableConv2D(2, 2, activation="relu"),
])
def test_an_activation_set_to_none_after_construction_is_the_identity(make):
    """Grad-CAM's ``model.layers[-1].activation = None`` (Keras's calls skip a None)."""
    layer = make()
    x = np.linspace(-1.0, 1.0, 2 * 3 * 3 * 2, dtype="float32").reshape(2, 3, 3, 2)
    layer(x)
    layer.activation = None
    linear = make()
    linear(x)
    linear.activation = keras.activations.linear
    linear.set_weights(layer.get_weights())
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)),
                               keras.ops.convert_to_numpy(linear(x)))
