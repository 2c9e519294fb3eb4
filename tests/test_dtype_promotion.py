"""Keras's dtypes for integer and bool operands, where numpy's would differ.

Keras computes ``int64 + float32`` in float32 (its promotion lattice puts every integer
type below every float type), where numpy alone would widen to float64; python numbers
are "weak" and take the array's dtype; float functions of integers (exp, sqrt, mean ...)
give floatx. The expected dtypes below were read once from Keras 3.15 (PyTorch backend,
which keeps int64) outside the project.
"""
import numpy as np
import pytest

from minikeras import backend, layers, ops
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


I64 = np.array([[1, 2], [3, 4]], np.int64)
I32, U8, BOOL = I64.astype(np.int32), I64.astype(np.uint8), I64 > 2
F32 = np.array([[0.5, 1.5], [2.5, 3.5]], np.float32)

KERAS_DTYPES = {  # (op, Keras 3.15's dtype)
    "add(int32, 2)": (lambda: ops.add(I32, 2), "int32"),
    "add(uint8, 2)": (lambda: ops.add(U8, 2), "uint8"),
    "add(bool, 2)": (lambda: ops.add(BOOL, 2), "int32"),
    "add(int64, 2.5)": (lambda: ops.add(I64, 2.5), "float32"),
    "add(bool, 2.5)": (lambda: ops.add(BOOL, 2.5), "float32"),
    "multiply(uint8, 1/255)": (lambda: ops.multiply(U8, 1 / 255), "float32"),
    "divide(int64, int64)": (lambda: ops.divide(I64, I64), "float32"),
    "divide(int32, 2)": (lambda: ops.divide(I32, 2), "float32"),
    "true_divide(int32, int32)": (lambda: ops.true_divide(I32, I32), "float32"),
    "uint8 tensor / 2": (lambda: ops.convert_to_tensor(U8) / 2, "float32"),
    "2 / int64 tensor": (lambda: 2 / ops.convert_to_tensor(I64), "float32"),
    "int32 tensor / int32 tensor": (
        lambda: ops.convert_to_tensor(I32) / ops.convert_to_tensor(I32), "float32"),
    "maximum(int64, 0.0)": (lambda: ops.maximum(I64, 0.0), "float32"),
    "power(int64, 0.5)": (lambda: ops.power(I64, 0.5), "float32"),
    "power(int64, 2)": (lambda: ops.power(I64, 2), "int64"),
    "mod(int64, 1.5)": (lambda: ops.mod(I64, 1.5), "float32"),
    "floor_divide(int64, 2.0)": (lambda: ops.floor_divide(I64, 2.0), "float32"),
    "clip(int64, 0.5, 2.5)": (lambda: ops.clip(I64, 0.5, 2.5), "float32"),
    "sqrt(int64)": (lambda: ops.sqrt(I64), "float32"),
    "sqrt(uint8)": (lambda: ops.sqrt(U8), "float32"),
    "exp(int32)": (lambda: ops.exp(I32), "float32"),
    "log(int64)": (lambda: ops.log(I64), "float32"),
    "log1p(int64)": (lambda: ops.log1p(I64), "float32"),
    "expm1(int64)": (lambda: ops.expm1(I64), "float32"),
    "log2(int64)": (lambda: ops.log2(I64), "float32"),
    "log10(int64)": (lambda: ops.log10(I64), "float32"),
    "erf(int64)": (lambda: ops.erf(I64), "float32"),
    "tanh(int32)": (lambda: ops.tanh(I32), "float32"),
    "sigmoid(int32)": (lambda: ops.sigmoid(I32), "float32"),
    "reciprocal(int32)": (lambda: ops.reciprocal(I32), "float32"),
    "floor(int64)": (lambda: ops.floor(I64), "float32"),
    "ceil(int64)": (lambda: ops.ceil(I64), "float32"),
    "round(int64)": (lambda: ops.round(I64), "int64"),
    "var(int64)": (lambda: ops.var(I64), "float32"),
    "std(bool)": (lambda: ops.std(BOOL), "float32"),
    "average(int64)": (lambda: ops.average(I64), "float32"),
    "logsumexp(int64)": (lambda: ops.logsumexp(I64), "float32"),
    "concatenate(int64, float32)": (lambda: ops.concatenate([I64, F32]), "float32"),
    "stack(int64, float32)": (lambda: ops.stack([I64, F32]), "float32"),
    "abs(int64)": (lambda: ops.abs(I64), "int64"),
    "subtract(uint8, uint8)": (lambda: ops.subtract(U8, U8), "uint8"),
}


I8, I16, F16 = I64.astype(np.int8), I64.astype(np.int16), F32.astype(np.float16)

# Keras 3.15.1 (jax and torch backends agree on each), swept over dtype pairs in a scratch
# run: a float function of an integer and a float16 stays float16; two floats join.
KERAS_DTYPES.update({
    f"{name}({a}, {b})": (lambda op=op, x=x, y=y: op(x, y), dtype)
    for name, op in [("arctan2", ops.arctan2), ("logaddexp", ops.logaddexp),
                     ("logaddexp2", ops.logaddexp2), ("divide_no_nan", ops.divide_no_nan),
                     ("nextafter", ops.nextafter), ("hypot", ops.hypot),
                     ("heaviside", ops.heaviside)]
    for (a, x), (b, y), dtype in [(("int32", I32), ("float16", F16), "float16"),
                                  (("float16", F16), ("int8", I8), "float16"),
                                  (("float16", F16), ("float32", F32), "float32"),
                                  (("int32", I32), ("int32", I32), "float32")]})
KERAS_DTYPES.update({
    "append(int32, float32)": (lambda: ops.append(I32, F32), "float32"),
    "append(int16, float16)": (lambda: ops.append(I16, F16), "float16"),
    "append(int64, int64)": (lambda: ops.append(I64, I64), "int64"),
    "average(int32, weights float16)": (lambda: ops.average(I32, axis=0, weights=F16),
                                        "float16"),
    "clip(bool, 0, 1)": (lambda: ops.clip(BOOL, 0, 1), "int32"),
    "square(bool)": (lambda: ops.square(BOOL), "int32"),
    "mod(bool, bool)": (lambda: ops.mod(BOOL, BOOL), "int32"),
    "diff(bool)": (lambda: ops.diff(BOOL), "bool"),
    "einsum(uint8, uint8)": (lambda: ops.einsum("ij,jk->ik", U8, U8), "uint8"),
    "einsum(int16, int16)": (lambda: ops.einsum("ij,jk->ik", I16, I16), "int16"),
    "einsum(int8, uint8)": (lambda: ops.einsum("ij,jk->ik", I8, U8), "int16"),
    "einsum(int8, int8)": (lambda: ops.einsum("ij,jk->ik", I8, I8), "int32"),
})


@pytest.mark.parametrize("case", sorted(KERAS_DTYPES))
def test_dtype_as_keras_gives_it(case):
    op, dtype = KERAS_DTYPES[case]
    assert ops.convert_to_numpy(op()).dtype == np.dtype(dtype)


def test_float64_operands_keep_float64_as_on_kerass_tensorflow_backend():
    # Keras's jax and torch backends narrow these to float32 (its result_type names 64-bit
    # results 32-bit there); its TensorFlow backend, and minikeras, keep float64
    f64 = F32.astype(np.float64)
    for op in (ops.arctan2, ops.logaddexp, ops.divide_no_nan, ops.hypot):
        assert op(f64, I32).dtype == np.float64
    assert ops.var(f64).dtype == np.float64


def test_a_small_integer_einsum_wraps_as_its_dtype_does():
    # Keras (jax) contracts uint8 operands in uint8: 200 * 2 + 100 * 1 = 500 = 244 mod 256
    a, b = np.array([[200, 100]], "uint8"), np.array([[2], [1]], "uint8")
    np.testing.assert_array_equal(ops.einsum("ij,jk->ik", a, b), [[244]])


def test_bool_results_are_the_integer_and_logical_computation():
    np.testing.assert_array_equal(ops.diff(np.array([True, True, False, True])),
                                  [False, True, True])
    np.testing.assert_array_equal(ops.square(np.array([True, False])), [1, 0])
    np.testing.assert_array_equal(ops.clip(np.array([True, False]), 0, 1), [1, 0])


def test_promoted_values_are_the_float_computation():
    np.testing.assert_allclose(ops.sqrt(U8), np.sqrt(U8.astype(np.float32)))
    np.testing.assert_array_equal(ops.add(U8, 300), (U8.astype(np.int64) + 300).astype(np.uint8))
    np.testing.assert_array_equal(ops.divide(I32, 2), I32.astype(np.float32) / 2)
    np.testing.assert_array_equal(ops.concatenate([I64, F32]),
                                  np.concatenate([I64.astype(np.float32), F32]))


# keras.backend.result_type, read off Keras 3.15 (torch backend; jax gives the same):
# the lattice's least upper bound, Python int/float weak, 64-bit results named 32-bit.
@pytest.mark.parametrize("dtypes, expected", [
    ((), "float32"), (("int64", "int64"), "int32"), (("int32", "float32"), "float32"),
    (("int8", "uint8"), "int16"), (("uint8", int), "uint8"), (("float16", float), "float16"),
    (("int32", float), "float32"), (("bool", int), "int32"), ((int, float), "float32"),
    ((int,), "int32"), ((float,), "float32"), (("float64", "float32"), "float32"),
    (("uint32", "int32"), "int32"), (("uint64", "int64"), "float32"),
    (("complex64", int), "complex64"), (("bfloat16", "float16"), "float32"),
    ((None,), "float32"), (("bool", "bool"), "bool"), (("int16", "float16"), "float16"),
    ((bool, int), "int32")])
def test_result_type_follows_keras_promotion_lattice(dtypes, expected):
    assert backend.result_type(*dtypes) == expected


def test_result_type_weak_results_take_floatx_width():
    backend.set_floatx("float16")
    try:
        assert backend.result_type(int, float) == "float16"
        assert backend.result_type("int8", float) == "float16"
    finally:
        backend.set_floatx("float32")


def test_result_type_refuses_what_has_no_place_on_the_lattice():
    with pytest.raises(ValueError, match="Invalid dtype: object"):
        backend.result_type("float32", object)


@pytest.mark.parametrize("call, dtype", [  # Keras 3.15.1 (torch backend), seen in a scratch run
    (lambda: ops.add([1.0], [2]), "float32"),
    (lambda: ops.sum([1, 2]), "int32"),
    (lambda: ops.multiply(2, 3), "int32"),
    (lambda: ops.add(2.0, 3), "float32"),
    (lambda: ops.where([True, False], [1, 2], [3.0, 4.0]), "float32"),
    (lambda: ops.divide([1, 2], [2, 2]), "float32"),
    (lambda: ops.floor_divide([5], [2]), "int32"),
])
def test_python_lists_and_numbers_take_kerass_dtypes(call, dtype):
    assert backend.standardize_dtype(call().dtype) == dtype
