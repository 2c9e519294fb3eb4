"""quantize_and_dequantize, the float8 scale helpers and fake_quant_with_min_max_vars
against Keras 3.15 (values, and fake_quant's straight-through gradients taken with torch
autograd; made once by tools/make_quantization_fixture.py) and hand-derived values."""
import functools
import importlib.util
import os

import numpy as np
import pytest

from minikeras import quantizers
from minikeras.autodiff import Tensor
from minikeras.autodiff import primitives as P
from tests.fixture_cases import FIXTURES

_spec = importlib.util.spec_from_file_location(
    "quantization_cases", os.path.join(FIXTURES, "quantization_cases.py"))
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)


@functools.lru_cache(maxsize=None)
def keras_numbers():
    """{name: array} Keras recorded (keras_quantization.npz), read at first use rather than
    at collection (538 arrays to decompress)."""
    with np.load(os.path.join(FIXTURES, "keras_quantization.npz")) as arrays:
        return dict(arrays)


@pytest.mark.parametrize("name", sorted(cases.QDQ_INPUTS))
def test_quantize_and_dequantize_matches_keras(name):
    x, scale = cases.QDQ_INPUTS[name]
    out = quantizers.quantize_and_dequantize(x, np.float32(scale), name, "float32")
    np.testing.assert_array_equal(out, keras_numbers()[f"functions/qdq/{name}"])


def test_float8_e4m3fn_grid_by_hand():
    # 3 mantissa bits: spacing 2 in [16, 32), 4 in [32, 64); ties go to the even mantissa;
    # the largest value is 448; the smallest subnormal 2**-9
    x = np.array([31.0, 50.0, 17.0, 1000.0, 2.0 ** -10 * 3], np.float32)
    out = quantizers.quantize_and_dequantize(x, np.float32(1.0), "float8_e4m3fn", "float32")
    np.testing.assert_array_equal(out, [32.0, 48.0, 16.0, 448.0, 2.0 ** -9 * 2])


def test_float8_scale_and_history_match_keras():
    amax, scale, dtype_max = cases.FLOAT8_SCALE_INPUTS
    np.testing.assert_allclose(quantizers.compute_float8_scale(amax, scale, dtype_max),
                               keras_numbers()["functions/float8_scale"], rtol=1e-7)
    np.testing.assert_allclose(quantizers.compute_float8_scale(amax, scale, dtype_max, 2),
                               keras_numbers()["functions/float8_scale_margin"], rtol=1e-7)
    np.testing.assert_array_equal(
        quantizers.compute_float8_amax_history(*cases.AMAX_HISTORY_INPUTS),
        keras_numbers()["functions/amax_history"])


@pytest.mark.parametrize("name", sorted(cases.FAKE_QUANT_INPUTS))
def test_fake_quant_values_and_gradients_match_keras(name):
    x, low, high, kwargs = cases.FAKE_QUANT_INPUTS[name]
    tensors = [Tensor(np.asarray(a), requires_grad=True) for a in (x, low, high)]
    y = quantizers.fake_quant_with_min_max_vars(*tensors, **kwargs)
    P.sum(y * cases.fake_quant_upstream(x.shape)).backward()
    expected = f"functions/fake_quant/{name}"
    np.testing.assert_allclose(y.numpy(), keras_numbers()[f"{expected}/y"], rtol=1e-6, atol=1e-6)
    for tensor, label in zip(tensors, ("dx", "dmin", "dmax")):
        np.testing.assert_array_equal(tensor.grad, keras_numbers()[f"{expected}/{label}"], label)


def test_fake_quant_nudges_zero_onto_a_level_by_hand():
    # 2 bits over [-1, 2]: scale 1, zero point 1 exactly: levels -1, 0, 1, 2
    y = quantizers.fake_quant_with_min_max_vars(np.array([-3.0, -0.4, 0.6, 1.49, 9.0],
                                                         np.float32), -1.0, 2.0, num_bits=2)
    np.testing.assert_array_equal(y, [-1.0, 0.0, 1.0, 1.0, 2.0])


def test_quantize_and_dequantize_bad_dtype():
    with pytest.raises(ValueError, match="supports quantized_dtype in .* Received: "
                                         "quantized_dtype='int8'"):
        quantizers.quantize_and_dequantize(np.ones(2), 1.0, "int8", "float32")
