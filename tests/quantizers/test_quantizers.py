"""keras.quantizers functions, quantizers, configs and the quantized dtype policies against
hand-derived numbers, their configs, and their errors on bad input."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import dtype_policies, quantizers
from minikeras.autodiff.gradcheck import gradcheck

EPS = 1e-7  # keras.config.epsilon(), added to the abs max


def test_abs_max_quantize_per_row_by_hand():
    x = np.array([[1.0, -2.0, 0.5], [4.0, 0.0, -1.0]], np.float32)
    q, scale = quantizers.abs_max_quantize(x, axis=-1)
    # in float32, 2 + 1e-7 == 2 and 4 + 1e-7 == 4: row 0 has scale 127/2 = 63.5 exactly,
    # so 1 -> 63.5 -> 64 (half to even), -2 -> -127, 0.5 -> 31.75 -> 32;
    # row 1 has scale 127/4 = 31.75: 4 -> 127, -1 -> -31.75 -> -32
    np.testing.assert_array_equal(q, [[64, -127, 32], [127, 0, -32]])
    assert q.dtype == np.int8 and scale.dtype == np.float32 and scale.shape == (2, 1)
    np.testing.assert_allclose(scale, [[127 / (2 + EPS)], [127 / (4 + EPS)]], rtol=1e-6)


def test_abs_max_quantize_over_several_axes_keeps_them():
    x = np.arange(-6, 6, dtype=np.float32).reshape(2, 3, 2)
    q, scale = quantizers.abs_max_quantize(x, axis=(0, 1), value_range=(-8, 7))
    assert scale.shape == (1, 1, 2)
    # column 0 holds -6..4 (max |x| 6), column 1 holds -5..5 (max 5); hi = 7
    np.testing.assert_allclose(scale.reshape(-1), [7 / (6 + EPS), 7 / (5 + EPS)], rtol=1e-6)
    assert q.numpy().min() >= -8 and q.numpy().max() <= 7


def test_grouped_quantize_with_zero_point_by_hand():
    x = np.array([[-1.0], [1.0], [3.0]], np.float32)
    q, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(
        x, block_size=2, to_numpy=True)
    # group [-1, 1]: s = 2/15, z = round(7.5-) - 8 = -1, q = (-7, 7) + z = (-8, 6)
    # group [3, 0 (padding)]: s = 3/15 = 0.2, z = 0 - 8 = -8, q = 15 - 8 = 7
    np.testing.assert_array_equal(q, [[-8], [6], [7]])
    np.testing.assert_array_equal(zero, [[-1], [-8]])
    np.testing.assert_allclose(scale, [[(2 + EPS) / 15], [(3 + EPS) / 15]], rtol=1e-6)
    dequantized = (q.numpy() - np.repeat(zero.numpy(), 2, axis=0)[:3]) * np.repeat(
        scale.numpy(), 2, axis=0)[:3]
    np.testing.assert_allclose(dequantized, [[-14 / 15], [14 / 15], [3.0]], rtol=1e-5)


def test_grouped_quantize_widens_a_constant_group_on_the_device_path():
    x = np.full((2, 1), 0.5, np.float32)
    _, scale, _ = quantizers.abs_max_quantize_grouped_with_zero_point(x, block_size=2)
    np.testing.assert_allclose(scale, [[(2 + EPS) / 15]], rtol=1e-6)  # [min - 1, max + 1]
    _, scale, _ = quantizers.abs_max_quantize_grouped_with_zero_point(x, 2, to_numpy=True)
    np.testing.assert_allclose(scale, [[EPS / 15]], rtol=1e-6)


@pytest.mark.parametrize("bad,message", [({"block_size": 0}, "positive integer"),
                                         ({"block_size": 2.0}, "positive integer"),
                                         ({"inputs": np.zeros(3)}, "2-D")])
def test_grouped_quantize_bad_input(bad, message):
    args = {"inputs": np.zeros((4, 2), np.float32), "block_size": 2, **bad}
    with pytest.raises(ValueError, match=message):
        quantizers.abs_max_quantize_grouped_with_zero_point(**args)


def test_pack_int4_two_nibbles_per_byte_by_hand():
    values = np.array([[-3, 7], [2, -8], [1, 0]], np.int8)
    packed, shape, orig_len = quantizers.pack_int4(values, axis=0)
    # -3 -> nibble 13, 2 -> 2: 13 | 2 << 4 = 45; 7 | 8 << 4 = 135 = -121 as int8;
    # the odd last row pairs with a zero row
    np.testing.assert_array_equal(packed, [[45, -121], [1, 0]])
    assert shape == (2, 2) and orig_len == 3
    np.testing.assert_array_equal(quantizers.unpack_int4(packed, orig_len, axis=0), values)
    rows = np.array([[-3, 7, 2], [-8, 1, 0]], np.int8)
    packed, _, orig_len = quantizers.pack_int4(rows, axis=1)
    np.testing.assert_array_equal(packed, [[125, 2], [24, 0]])  # -3|7<<4, 2; -8|1<<4, 0
    np.testing.assert_array_equal(quantizers.unpack_int4(packed, orig_len, axis=1), rows)


@pytest.mark.parametrize("shape,axis", [((5, 4), 0), ((3, 7), -1), ((2, 5, 3), 1)])
def test_unpack_int4_inverts_pack_int4(shape, axis):
    values = np.random.default_rng(0).integers(-8, 8, shape).astype(np.int8)
    packed, _, orig_len = quantizers.pack_int4(values, axis=axis)
    np.testing.assert_array_equal(quantizers.unpack_int4(packed, orig_len, axis=axis), values)


def test_uint8_packing_keeps_values_unsigned():
    values = np.array([[15, 0], [9, 3]], np.uint8)
    packed, _, orig_len = quantizers.pack_int4(values, dtype="uint8")
    np.testing.assert_array_equal(packed, [[15 | 9 << 4, 3 << 4]])
    np.testing.assert_array_equal(quantizers.unpack_int4(packed, orig_len, dtype="uint8"),
                                  values)


def test_pack_int4_bad_input():
    with pytest.raises(TypeError, match="Expected int8 tensor for packing, got float32"):
        quantizers.pack_int4(np.zeros((2, 2), np.float32))
    with pytest.raises(ValueError, match="Expected dtype to be 'int8' or 'uint8', but got"):
        quantizers.pack_int4(np.zeros((2, 2), np.int8), dtype="int16")
    with pytest.raises(TypeError, match="Expected int8 or uint8 tensor for unpacking"):
        quantizers.unpack_int4(np.zeros((2, 2), np.float32), 4)


def test_abs_max_quantizer_call_axis_and_config():
    quantizer = quantizers.AbsMaxQuantizer(axis=0)
    q, scale = quantizer(np.array([[1.0, -4.0], [-2.0, 2.0]], np.float32))
    np.testing.assert_array_equal(q, [[64, -127], [-127, 64]])  # 127/2 * 1, 127/4 * 2
    assert scale.shape == (1, 2)
    assert quantizer.get_config() == {"value_range": (-127, 127), "epsilon": EPS,
                                      "output_dtype": "int8", "axis": (0,)}
    assert quantizers.AbsMaxQuantizer().get_config() == {
        "value_range": (-127, 127), "epsilon": EPS, "output_dtype": "int8"}  # as Keras
    with pytest.raises(ValueError, match=r"within the interval \[-128, 127\]. Received: "
                                         r"value_range=\(-255, 255\)"):
        quantizers.AbsMaxQuantizer(value_range=(-255, 255))


def test_quantizer_serialize_deserialize_get():
    config = quantizers.serialize(quantizers.Int8QuantizationConfig())
    assert config == {"module": "keras.quantizers", "class_name": "Int8QuantizationConfig",
                      "config": {"weight_quantizer": None, "activation_quantizer": {
                          "module": "keras.quantizers", "class_name": "AbsMaxQuantizer",
                          "config": {"value_range": (-127, 127), "epsilon": EPS,
                                     "output_dtype": "int8"}, "registered_name": None}},
                      "registered_name": None}
    restored = quantizers.deserialize(config)
    assert isinstance(restored.activation_quantizer, quantizers.AbsMaxQuantizer)
    assert isinstance(quantizers.get("AbsMaxQuantizer", axis=1), quantizers.AbsMaxQuantizer)
    assert quantizers.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret quantizer identifier"):
        quantizers.get("NoSuchQuantizer")
    with pytest.raises(NotImplementedError, match="does not implement get_config"):
        quantizers.Quantizer().get_config()


def test_int4_config_checks():
    assert quantizers.Int4QuantizationConfig().block_size == 128
    assert quantizers.Int4QuantizationConfig().activation_quantizer is None
    with pytest.raises(ValueError, match="block_size must be None, -1, or a positive integer. "
                                         "Received: block_size=0"):
        quantizers.Int4QuantizationConfig(block_size=0)
    with pytest.raises(ValueError, match="does not support custom quantizers"):
        quantizers.Int4QuantizationConfig(weight_quantizer=quantizers.AbsMaxQuantizer(
            value_range=(-8, 7)))
    with pytest.raises(ValueError, match=r"value_range=\(-8, 7\). Received: "
                                         r"value_range=\(-127, 127\)"):
        quantizers.Int4QuantizationConfig(weight_quantizer=quantizers.AbsMaxQuantizer(),
                                          block_size=None)
    with pytest.raises(ValueError, match="output_dtype='int8'. Received: output_dtype=int16"):
        quantizers.Int8QuantizationConfig(
            weight_quantizer=quantizers.AbsMaxQuantizer(output_dtype="int16"))
    with pytest.raises(NotImplementedError, match="Do not instantiate QuantizationConfig"):
        quantizers.QuantizationConfig().mode


def test_quantized_dtype_policies_from_names():
    policy = dtype_policies.get("int8_from_float32")
    assert type(policy) is dtype_policies.QuantizedDTypePolicy
    assert (policy.name, policy.quantization_mode, policy.compute_dtype,
            policy.variable_dtype) == ("int8_from_float32", "int8", "float32", "float32")
    assert dtype_policies.serialize(policy) == {
        "module": "keras.dtype_policies", "class_name": "QuantizedDTypePolicy",
        "config": {"mode": "int8", "source_name": "float32"}, "registered_name": None}
    int4 = dtype_policies.get("int4/64_from_mixed_float16")
    assert type(int4) is dtype_policies.Int4DTypePolicy and int4.block_size == 64
    assert int4.get_config() == {"mode": "int4/64", "source_name": "mixed_float16"}
    assert dtype_policies.deserialize(dtype_policies.serialize(int4)) == int4
    assert dtype_policies.QuantizedDTypePolicy("int4").name == "int4_from_float32"


@pytest.mark.parametrize("make,error,message", [
    (lambda: dtype_policies.Int4DTypePolicy("int4/0", "float32"), ValueError,
     "Supported values are -1 .* but got 0 from 'int4/0'"),
    (lambda: dtype_policies.Int4DTypePolicy("int4/x", "float32"), ValueError,
     "<block_size> must be an integer"),
    (lambda: dtype_policies.Int4DTypePolicy("int8", "float32"), ValueError,
     "Expected format 'int4/<block_size>', but got 'int8'"),
    (lambda: dtype_policies.QuantizedDTypePolicy("int9", "float32"), ValueError,
     r"Expected one of \('int8', 'float8', 'int4', 'gptq', 'awq'\). Received: mode=int9"),
    (lambda: dtype_policies.QuantizedDTypePolicy("float8", "float32"), NotImplementedError,
     "'float8' is not supported by minikeras"),
    (lambda: dtype_policies.QuantizedDTypePolicy("int8", "float16"), ValueError,
     "doesn't work well with compute_dtype='float16'"),
    (lambda: dtype_policies.get("int8_float32"), ValueError, "valid pair"),
])
def test_quantized_policy_bad_input(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_abs_max_scale_is_differentiable_and_its_gradient_checks():
    # Keras: the integers carry no gradient, the scale does (through max |x|)
    x = np.array([[0.3, -1.7, 0.9], [2.2, 0.4, -0.1]])
    assert gradcheck(lambda t: quantizers.abs_max_quantize(t, axis=-1)[1], x)
    assert gradcheck(lambda t: quantizers.abs_max_quantize(t, axis=(0, 1))[1], x)
