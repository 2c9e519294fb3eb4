"""Keras's dtype promotion for mixed integer/float operands.

Keras computes ``int64 + float32`` in float32 (its promotion lattice puts every integer
type below every float type), where numpy alone would widen to float64. Checked facts
from Keras 3: ``result_type("int64", "float32") == "float32"``, ``int32 * float16`` is
float16, and ``Dense`` on integer input returns float32.
"""
import numpy as np
import pytest

from minikeras import layers, ops
from minikeras.autodiff import Tensor, grad

INTS = [np.array([[1, 2], [3, 4]], dtype=d) for d in ("int64", "int32", "uint8", "bool")]


@pytest.mark.parametrize("ints", INTS, ids=lambda a: str(a.dtype))
@pytest.mark.parametrize("float_dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("op", [ops.add, ops.subtract, ops.multiply, ops.divide, ops.maximum])
def test_an_integer_operand_takes_the_float_operands_dtype(ints, float_dtype, op):
    floats = np.array([[0.5, -1.5], [2.0, 0.25]], dtype=float_dtype)
    for out in (op(ints, floats), op(floats, ints)):
        assert out.dtype == np.dtype(float_dtype)
    expected = op(ints.astype(float_dtype), floats)
    np.testing.assert_array_equal(op(ints, floats), expected)


def test_integers_alone_keep_numpys_integer_rules():
    assert ops.add(np.array([1], "int32"), np.array([1], "int64")).dtype == np.int64
    assert ops.add(np.array([1], "int64"), np.array([1], "int64")).dtype == np.int64


def test_matmul_and_dense_on_integer_input_compute_in_the_kernels_dtype():
    x = np.array([[1, 2, 3]], dtype=np.int64)
    w = np.arange(6, dtype=np.float32).reshape(3, 2)
    assert ops.matmul(x, w).dtype == np.float32
    dense = layers.Dense(2, kernel_initializer="ones", bias_initializer="zeros")
    out = dense(x)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[6.0, 6.0]])


def test_the_float_operand_still_gets_its_gradient():
    w = Tensor(np.array([0.5, 2.0], np.float32), requires_grad=True)
    (g,) = grad(ops.sum(ops.multiply(np.array([3, 4]), w)), [w])
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, [3.0, 4.0])
