"""layer.quantize / model.quantize: what a quantized layer computes and trains (against
hand-derived formulas), its config, and Keras's errors on bad input."""
import re
import warnings

import numpy as np
import pytest

import minikeras as keras
from minikeras import dtype_policies
from minikeras.autodiff import Tensor
from minikeras.autodiff import primitives as P


def built_dense(units=3, in_dim=4, seed=0, **kwargs):
    layer = keras.layers.Dense(units, **kwargs)
    layer.build((None, in_dim))
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(size=w.shape).astype("float32") for w in layer.weights])
    return layer


def test_int8_dense_computes_keras_formula():
    layer = built_dense()
    kernel, bias = layer.kernel.numpy().copy(), layer.bias.numpy().copy()
    layer.quantize("int8")
    # Keras: kernel_scale = 127 / max|kernel| per unit; inputs quantized per row the same way
    kernel_scale = 127 / (np.abs(kernel).max(axis=0) + 1e-7)
    np.testing.assert_allclose(layer.kernel_scale.numpy(), kernel_scale, rtol=1e-6)
    np.testing.assert_array_equal(layer.kernel.numpy(), np.round(kernel * kernel_scale))
    x = np.random.default_rng(1).normal(size=(2, 4)).astype("float32")
    x_scale = 127 / (np.abs(x).max(axis=-1, keepdims=True) + 1e-7)
    expected = (np.round(x * x_scale) @ layer.kernel.numpy()) / (kernel_scale * x_scale) + bias
    np.testing.assert_allclose(layer(x), expected, rtol=1e-5, atol=1e-6)
    assert layer.dtype_policy.name == "int8_from_float32"
    assert layer.quantization_mode == "int8"


def test_quantized_weights_do_not_train_and_inputs_get_the_dequantized_gradient():
    layer = built_dense()
    layer.quantize("int8")
    assert [v.name for v in layer.trainable_weights] == ["bias"]
    assert [v.name for v in layer.non_trainable_weights] == ["kernel", "kernel_scale"]
    x = Tensor(np.random.default_rng(2).normal(size=(2, 4)), requires_grad=True)
    upstream = np.random.default_rng(3).normal(size=(2, 3))
    P.sum(layer(x) * upstream).backward()
    # Keras's gradient: through x @ (kernel / kernel_scale), the input rounding skipped
    float_kernel = layer.kernel.numpy() / layer.kernel_scale.numpy()
    np.testing.assert_allclose(x.grad, upstream @ float_kernel.T, rtol=1e-5)


def test_int8_einsum_dense_gradient_and_scale_layout():
    layer = keras.layers.EinsumDense("abc,cde->abde", output_shape=(4, 2, 3), bias_axes="de")
    layer.build((None, 4, 5))
    layer.quantize("int8")
    assert layer.kernel_scale.shape == (1, 1, 2, 3)  # output layout, as Keras stores it
    x = Tensor(np.random.default_rng(4).normal(size=(2, 4, 5)), requires_grad=True)
    upstream = np.random.default_rng(5).normal(size=(2, 4, 2, 3))
    P.sum(layer(x) * upstream).backward()
    float_kernel = layer.kernel.numpy() / layer.kernel_scale.numpy()[0]
    np.testing.assert_allclose(x.grad, np.einsum("abde,cde->abc", upstream, float_kernel),
                               rtol=1e-5)


def test_int4_grouped_dense_equals_the_dequantized_kernel():
    layer = built_dense(in_dim=5)
    layer.quantize(config=keras.quantizers.Int4QuantizationConfig(block_size=2))
    assert layer.kernel.shape == (5, 2) and layer.kernel_scale.shape == (3, 3)
    np.testing.assert_array_equal(layer.g_idx.numpy(), [0, 0, 1, 1, 2])
    unpacked = keras.quantizers.unpack_int4(layer.kernel.numpy(), 3, axis=-1).numpy()
    groups = layer.g_idx.numpy().astype(int)
    float_kernel = (unpacked - layer.kernel_zero.numpy()[groups]) * layer.kernel_scale.numpy()[
        groups]
    x = np.random.default_rng(6).normal(size=(2, 5)).astype("float32")
    np.testing.assert_allclose(layer(x), x @ float_kernel + layer.bias.numpy(), rtol=1e-5,
                               atol=1e-6)
    assert layer.dtype_policy.name == "int4/2_from_float32"


def test_int8_embedding_rows_and_no_trainable_weights():
    layer = keras.layers.Embedding(6, 4)
    layer.build()
    table = layer.embeddings.numpy().copy()
    layer.quantize("int8")
    scale = 127 / (np.abs(table).max(axis=-1) + 1e-7)
    np.testing.assert_allclose(layer(np.array([[5, 0]])),
                               np.round(table * scale[:, None])[[[5, 0]]]
                               / scale[[[5, 0]]][..., None], rtol=1e-6)
    assert layer.trainable_weights == []


def test_layer_made_with_a_quantized_policy_builds_integer_weights():
    layer = keras.layers.Dense(3, dtype="int8_from_float32")
    layer.build((None, 4))
    assert [(v.name, v.dtype) for v in layer.weights] == [
        ("bias", "float32"), ("kernel", "int8"), ("kernel_scale", "float32")]
    config = layer.get_config()
    assert config["dtype"]["class_name"] == "QuantizedDTypePolicy"
    clone = keras.layers.Dense.from_config(config)
    assert clone.dtype_policy == layer.dtype_policy


def test_model_quantize_skips_other_layers_with_a_warning_and_honours_filters():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="first"),
                              keras.layers.Dropout(0.1), keras.layers.Dense(2, name="second")])
    with pytest.warns(UserWarning, match="Layer Dropout does not have a `quantize` method"):
        model.quantize("int8", filters=["sec", "drop"])
    assert [layer.quantization_mode for layer in (model.layers[0], model.layers[2])] == [
        None, "int8"]


def test_training_after_quantize_of_a_fitted_model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((8, 4), "float32"), np.zeros((8, 3), "float32")
    model.fit(x, y, epochs=1, verbose=0)
    model.quantize("int8")
    kernel = model.layers[0].kernel.numpy().copy()
    bias = model.layers[0].bias.numpy().copy()
    model.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_array_equal(model.layers[0].kernel.numpy(), kernel)
    assert not np.array_equal(model.layers[0].bias.numpy(), bias)


MODES = "('int8', 'float8', 'int4', 'gptq', 'awq')"


@pytest.mark.parametrize("call,error,message", [
    (lambda m: m.quantize("int3"), ValueError,
     re.escape(f"Invalid quantization mode. Expected one of {MODES}. Received: mode=int3")),
    (lambda m: m.quantize(), ValueError, "You must provide either `mode` or `config`"),
    (lambda m: m.quantize("int4", config=keras.quantizers.Int8QuantizationConfig()),
     ValueError, "Contradictory arguments: mode='int4' but config.mode='int8'"),
    (lambda m: m.quantize(config={"mode": "int8"}), ValueError,
     "must be an instance of `QuantizationConfig`"),
    (lambda m: m.quantize("float8"), NotImplementedError, "'float8' is not supported"),
    (lambda m: m.quantize("int8", foo=1), ValueError, "Unrecognized keyword arguments"),
    (lambda m: m.quantize("int8", filters=3), ValueError, "`filters` argument must be"),
])
def test_model_quantize_bad_arguments(call, error, message):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    with pytest.raises(error, match=message):
        call(model)
    assert model.layers[0].quantization_mode is None


def test_quantize_twice_and_unbuilt_errors():
    model = keras.Sequential([keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="Cannot quantize a layer that isn't yet built. Layer "
                                         "'sequential.*' \\(of type 'Sequential'\\)"):
        model.quantize("int8")
    layer = built_dense()
    layer.quantize("int8")
    with pytest.raises(ValueError, match="is already quantized with "
                                         "dtype_policy='int8_from_float32'. Received: mode=int4"):
        layer.quantize("int4")
    with pytest.raises(ValueError, match="isn't yet built"):
        keras.layers.Dense(2).quantize("int8")


def test_int8_of_a_float16_layer_is_refused_before_anything_changes():
    layer = built_dense(dtype="float16")
    with pytest.raises(ValueError, match="mode='int8' doesn't work well with "
                                         "compute_dtype='float16'"):
        layer.quantize("int8")
    assert layer.kernel.dtype == "float16" and layer.quantization_mode is None


def test_layers_without_a_quantized_form_refuse():
    conv = keras.layers.Conv2D(2, 3)
    with pytest.raises(NotImplementedError, match="Layer Conv2D does not have a `quantize` "
                                                  "method implemented."):
        conv.quantize("int8")

    class MyDense(keras.layers.Dense):
        pass

    layer = MyDense(2)
    layer.build((None, 3))
    with pytest.raises(NotImplementedError, match="Layer MyDense does not have a `quantize`"):
        layer.quantize("int8")
    layer.quantize("int8", type_check=False)
    assert layer.quantization_mode == "int8"
    elided = keras.layers.EinsumDense("...b,bc->...c", output_shape=2)
    elided.build((None, 3))
    with pytest.raises(NotImplementedError, match="without '...' only. Received: "
                                                  "equation='...b,bc->...c'"):
        elided.quantize("int8")


def test_quantize_warnings_leave_the_model_usable():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3),
                              keras.layers.Activation("relu")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.quantize("int4")
    assert model.predict(np.ones((2, 4), "float32"), verbose=0).shape == (2, 3)


def test_int8_reversible_embedding_reverse_projection_by_hand():
    layer = keras.layers.ReversibleEmbedding(5, 3, tie_weights=False)
    layer.build()
    layer.quantize("int8")
    assert [v.name for v in layer.non_trainable_weights] == [
        "embeddings", "embeddings_scale", "reverse_embeddings", "reverse_embeddings_scale"]
    h = np.random.default_rng(7).normal(size=(2, 3)).astype("float32")
    h_scale = 127 / (np.abs(h).max(axis=-1, keepdims=True) + 1e-7)
    # Keras: per-vector int8 inputs times the int8 reverse matrix, over both scales
    expected = (np.round(h * h_scale) @ layer.reverse_embeddings.numpy()) / (
        h_scale * layer.reverse_embeddings_scale.numpy())
    np.testing.assert_allclose(layer(h, reverse=True), expected, rtol=1e-5, atol=1e-6)


def test_quantizing_a_model_twice_names_the_quantized_layer():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="only")])
    model.quantize("int8")
    with pytest.raises(ValueError, match="Layer 'only' is already quantized with "
                                         "dtype_policy='int8_from_float32'. Received: mode=int8"):
        model.quantize("int8")


def test_embedding_quantize_bad_mode_and_quantizer_get_bad_identifier():
    layer = keras.layers.Embedding(4, 2)
    layer.build()
    with pytest.raises(NotImplementedError, match="'gptq' is not supported by minikeras yet. "
                                                  r"Supported modes: \('int8', 'int4'\)"):
        layer.quantize("gptq")
    assert layer.quantization_mode is None and layer.embeddings.dtype == "float32"
    with pytest.raises(ValueError, match="Could not interpret quantizer identifier: 3"):
        keras.quantizers.get(3)


def test_a_quantized_global_policy_makes_quantized_layers():
    keras.config.set_dtype_policy("int8_from_float32")
    try:
        dense, conv = keras.layers.Dense(2), keras.layers.Conv1D(2, 1)
    finally:
        dtype_policies._GLOBAL[0] = None  # back to the floatx policy
    dense.build((None, 3))
    conv.build((None, 4, 3))
    assert dense.kernel.dtype == "int8" and dense.dtype_policy.name == "int8_from_float32"
    assert conv.kernel.dtype == "float32"  # only the quantizable layers take it
