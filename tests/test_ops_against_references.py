"""keras.ops functions against references: Keras docstring values, numpy, gradients."""
import math

import numpy as np
import pytest

from minikeras import ops
from minikeras.autodiff.gradcheck import gradcheck

rng = np.random.default_rng(7)


def arr(t):
    return np.asarray(ops.convert_to_numpy(t))


# ---- values printed in Keras's own docstrings (keras/src/ops/math.py) ---------------------

def test_segment_sum_and_max_keras_docstring():
    data = ops.convert_to_tensor([1, 2, 10, 20, 100, 200])
    ids = ops.convert_to_tensor([0, 0, 1, 1, 2, 2])
    out = ops.segment_sum(data, ids, 3)
    np.testing.assert_array_equal(arr(out), [3, 30, 300])
    assert out.dtype == np.int32
    np.testing.assert_array_equal(arr(ops.segment_max(data, ids, 3)), [2, 20, 200])


def test_top_k_keras_docstring():
    values, indices = ops.top_k(ops.convert_to_tensor([5, 2, 7, 1, 9, 3]), k=3)
    np.testing.assert_array_equal(arr(values), [9, 7, 5])
    np.testing.assert_array_equal(arr(indices), [4, 2, 0])
    assert indices.dtype == np.int32


def test_in_top_k_keras_docstring():
    targets = ops.convert_to_tensor([2, 5, 3])
    predictions = ops.convert_to_tensor([[0.1, 0.4, 0.6, 0.9, 0.5],
                                         [0.1, 0.7, 0.9, 0.8, 0.3],
                                         [0.1, 0.6, 0.9, 0.9, 0.5]])
    np.testing.assert_array_equal(arr(ops.in_top_k(targets, predictions, k=3)),
                                  [True, False, True])


def test_logsumexp_keras_docstring():
    np.testing.assert_allclose(arr(ops.logsumexp(ops.convert_to_tensor([1., 2., 3.]))),
                               3.407606, rtol=1e-6)


def test_extract_sequences_keras_docstring():
    out = ops.extract_sequences(ops.convert_to_tensor([1, 2, 3, 4, 5, 6]), 3, 2)
    np.testing.assert_array_equal(arr(out), [[1, 2, 3], [3, 4, 5]])


def test_fft_and_fft2_keras_docstring():
    real, imag = ops.fft((ops.convert_to_tensor([1., 2.]), ops.convert_to_tensor([0., 1.])))
    np.testing.assert_allclose(arr(real), [3., -1.])
    np.testing.assert_allclose(arr(imag), [1., -1.])
    real, imag = ops.fft2((ops.convert_to_tensor([[1., 2.], [2., 1.]]),
                           ops.convert_to_tensor([[0., 1.], [1., 0.]])))
    np.testing.assert_allclose(arr(real), [[6., 0.], [0., -2.]])
    np.testing.assert_allclose(arr(imag), [[2., 0.], [0., -2.]])


def test_crossentropy_ops_match_reference_golden_values():
    # KERAS_REFERENCE 1.5: BCE per sample [0.9162908, 0.7135582] (mean of the elements),
    # CCE per sample [0.0512933, 2.3025851]; SCCE with labels [1, 2] equals CCE.
    bce = ops.binary_crossentropy(np.array([[0., 1.], [0., 0.]], "float32"),
                                  np.array([[.6, .4], [.4, .6]], "float32"))
    np.testing.assert_allclose(arr(ops.mean(bce, axis=-1)), [0.9162908, 0.7135582], rtol=1e-6)
    p = np.array([[.05, .95, 0.], [.1, .8, .1]], "float32")
    cce = ops.categorical_crossentropy(np.array([[0., 1., 0.], [0., 0., 1.]], "float32"), p)
    np.testing.assert_allclose(arr(cce), [0.0512933, 2.3025851], rtol=1e-6)
    np.testing.assert_allclose(arr(ops.sparse_categorical_crossentropy(np.array([1, 2]), p)),
                               [0.0512933, 2.3025851], rtol=1e-6)
    # from logits: max(x, 0) - x·t + log(1 + exp(-|x|)); x = 0 gives log 2
    np.testing.assert_allclose(arr(ops.binary_crossentropy(np.array([1.]), np.array([0.]),
                                                           from_logits=True)), [np.log(2)])
    with pytest.raises(ValueError, match="same shape"):
        ops.binary_crossentropy(np.zeros((2, 1)), np.zeros((2,)))


def test_crossentropy_ops_from_large_logits_stay_finite():
    # -log_softmax([0, 200])[0] = logsumexp(0, 200) = 200 + log(1 + e^-200) = 200 in float32;
    # sigmoid crossentropy of logit -200 with label 1 = log(1 + e^200) = 200 as well
    logits = np.array([[0.0, 200.0]], "float32")
    target = np.array([[1.0, 0.0]], "float32")
    np.testing.assert_allclose(arr(ops.categorical_crossentropy(target, logits, from_logits=True)),
                               [200.0])
    np.testing.assert_allclose(arr(ops.sparse_categorical_crossentropy(np.array([0]), logits,
                                                                       from_logits=True)), [200.0])
    np.testing.assert_allclose(arr(ops.binary_crossentropy(np.array([1.0], "float32"),
                                                           np.array([-200.0], "float32"),
                                                           from_logits=True)), [200.0])


# ---- numpy functions against numpy itself --------------------------------------------------

X = rng.uniform(-2, 2, (3, 4))
UNIT = rng.uniform(-0.9, 0.9, (3, 4))


@pytest.mark.parametrize("name, x", [
    ("sin", X), ("cos", X), ("tan", UNIT), ("arcsin", UNIT), ("arccos", UNIT), ("arctan", X),
    ("sinh", X), ("cosh", X), ("arcsinh", X), ("arctanh", UNIT), ("arccosh", 1 + np.abs(X)),
    ("exp2", X), ("cbrt", X), ("deg2rad", X), ("rad2deg", X), ("trunc", X), ("ravel", X),
])
def test_unary_functions_match_numpy(name, x):
    np.testing.assert_allclose(arr(getattr(ops, name)(x)), getattr(np, name)(x), atol=1e-12)


def test_binary_and_reducing_functions_match_numpy():
    y = rng.uniform(-2, 2, (3, 4))
    y[0, 0], y[1, 2] = 0.0, -1.0  # include the axes' special cases
    x = rng.uniform(-2, 2, (3, 4))
    x[0, 0], x[1, 2] = -1.0, 0.0
    np.testing.assert_allclose(arr(ops.arctan2(y, x)), np.arctan2(y, x), atol=1e-12)
    near_axis = np.array([8.2e-8, -8.2e-8], "float32")   # x + r cancels to 0 in float32
    np.testing.assert_allclose(arr(ops.arctan2(near_axis, np.float32(-1.42))),
                               np.arctan2(near_axis, np.float32(-1.42)), rtol=1e-6)
    np.testing.assert_allclose(arr(ops.logaddexp(x, y)), np.logaddexp(x, y), atol=1e-12)
    np.testing.assert_allclose(arr(ops.hypot(x, y)), np.hypot(x, y), atol=1e-12)
    np.testing.assert_allclose(arr(ops.mod(x, 0.7)), np.mod(x, 0.7), atol=1e-12)
    np.testing.assert_allclose(arr(ops.rsqrt(np.abs(x) + 0.1)), 1 / np.sqrt(np.abs(x) + 0.1))
    np.testing.assert_allclose(arr(ops.divide_no_nan(np.array([1., 2.]), np.array([0., 4.]))),
                               [0., 0.5])
    np.testing.assert_allclose(arr(ops.prod(x, axis=1)), np.prod(x, axis=1), atol=1e-12)
    np.testing.assert_allclose(arr(ops.prod(x)), np.prod(x), rtol=1e-12)
    np.testing.assert_allclose(arr(ops.prod(x, axis=0, keepdims=True)),
                               np.prod(x, axis=0, keepdims=True), atol=1e-12)
    np.testing.assert_allclose(arr(ops.cumprod(x, axis=1)), np.cumprod(x, axis=1), atol=1e-12)
    np.testing.assert_allclose(arr(ops.cumprod(x)), np.cumprod(x), rtol=1e-12)
    np.testing.assert_allclose(arr(ops.median(x, axis=1)), np.median(x, axis=1))
    np.testing.assert_allclose(arr(ops.quantile(x, [0.1, 0.75], axis=0)),
                               np.quantile(x, [0.1, 0.75], axis=0))
    np.testing.assert_allclose(arr(ops.sort(x, axis=0)), np.sort(x, axis=0))


@pytest.mark.parametrize("subscripts, shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]), ("ij->ji", [(2, 3)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("...ij,...jk->...ik", [(5, 2, 3), (5, 3, 4)]), ("i,i->", [(3,), (3,)]),
    ("i,j->ij", [(2,), (3,)]), ("bqhd,bkhd->bhqk", [(2, 3, 2, 4), (2, 5, 2, 4)]),
])
def test_einsum_matches_numpy(subscripts, shapes):
    operands = [rng.normal(size=s) for s in shapes]
    np.testing.assert_allclose(arr(ops.einsum(subscripts, *operands)),
                               np.einsum(subscripts, *operands), atol=1e-12)


def test_products_and_shape_functions_match_numpy():
    a, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(3, 4, 5))
    np.testing.assert_allclose(arr(ops.tensordot(a, b, 2)), np.tensordot(a, b, 2), atol=1e-12)
    np.testing.assert_allclose(arr(ops.tensordot(a, b, ([1], [0]))),
                               np.tensordot(a, b, ([1], [0])), atol=1e-12)
    m, n = rng.normal(size=(2, 3)), rng.normal(size=(3, 2))
    np.testing.assert_allclose(arr(ops.kron(m, n)), np.kron(m, n), atol=1e-12)
    np.testing.assert_allclose(arr(ops.outer([1., 2.], [3., 4., 5.])),
                               np.outer([1., 2.], [3., 4., 5.]))
    np.testing.assert_allclose(arr(ops.inner(m, m)), np.inner(m, m), atol=1e-12)
    np.testing.assert_allclose(arr(ops.vdot(m, m)), np.vdot(m, m))
    u, v = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    np.testing.assert_allclose(arr(ops.cross(u, v)), np.cross(u, v), atol=1e-12)
    sq = rng.normal(size=(4, 4))
    for name, args in [("flip", (sq, 1)), ("roll", (sq, 2, 0)), ("roll", (sq, -3)),
                       ("diff", (sq,)), ("tril", (sq, -1)), ("triu", (sq, 1)),
                       ("diag", (sq, 1)), ("diag", (sq[0], -1)), ("trace", (sq,)),
                       ("diagonal", (a, 0, 1, 2))]:
        np.testing.assert_allclose(arr(getattr(ops, name)(*args)), getattr(np, name)(*args),
                                   err_msg=name)
    for mode in ("constant", "reflect", "symmetric", "edge", "wrap"):
        np.testing.assert_allclose(arr(ops.pad(m, ((1, 2), (2, 1)), mode=mode)),
                                   np.pad(m, ((1, 2), (2, 1)), mode=mode), err_msg=mode)
    np.testing.assert_allclose(arr(ops.hstack([m, m])), np.hstack([m, m]))
    np.testing.assert_allclose(arr(ops.vstack([m[0], m[1]])), np.vstack([m[0], m[1]]))
    np.testing.assert_allclose(arr(ops.append(m, m, axis=0)), np.append(m, m, axis=0))


def test_slicing_and_scattering():
    x = np.arange(12.).reshape(3, 4)
    np.testing.assert_array_equal(arr(ops.slice(x, (1, 1), (2, 2))), [[5., 6.], [9., 10.]])
    expected = x.copy()
    expected[1:3, 1:3] = -1
    np.testing.assert_array_equal(arr(ops.slice_update(x, (1, 1), -np.ones((2, 2)))), expected)
    # scatter adds repeated indices: (0, 1) gets 1 + 3
    out = ops.scatter(np.array([[0, 1], [2, 3], [0, 1]]), np.array([1., 2., 3.]), (3, 4))
    expected = np.zeros((3, 4))
    expected[0, 1], expected[2, 3] = 4., 2.
    np.testing.assert_array_equal(arr(out), expected)
    out = ops.scatter_update(np.zeros((3, 2)), np.array([[1]]), np.array([[5., 6.]]))
    np.testing.assert_array_equal(arr(out), [[0., 0.], [5., 6.], [0., 0.]])
    parts = ops.unstack(np.arange(6).reshape(2, 3), axis=1)
    assert [arr(p).tolist() for p in parts] == [[0, 3], [1, 4], [2, 5]]


def test_control_flow():
    assert ops.cond(True, lambda: 1, lambda: 2) == 1
    assert ops.while_loop(lambda i: i < 5, lambda i: i + 1, 0) == 5
    assert ops.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s + i), (0, 10)) == (3, 13)
    assert ops.while_loop(lambda i: i < 100, lambda i: i + 1, 0, maximum_iterations=7) == 7
    assert ops.fori_loop(0, 4, lambda i, v: v + i, 0) == 6
    assert ops.switch(5, [lambda x: x + 1, lambda x: x * 10], 2) == 20   # index clamped
    carry, ys = ops.scan(lambda c, x: (c + x, c * x), 0., np.arange(4.))
    assert float(arr(carry)) == 6.0
    np.testing.assert_array_equal(arr(ys), [0., 0., 2., 9.])  # c before each step times x
    np.testing.assert_array_equal(arr(ops.map(lambda v: v * 2, np.arange(3.))), [0., 2., 4.])


def test_normalizations_and_encodings():
    np.testing.assert_allclose(arr(ops.normalize(np.array([[3., 4.], [0., 0.]]))),
                               [[0.6, 0.8], [0., 0.]])
    np.testing.assert_allclose(arr(ops.normalize(np.array([[3., 4.]]), order=1)),
                               [[3 / 7, 4 / 7]])
    np.testing.assert_array_equal(arr(ops.multi_hot(np.array([[0, 2], [1, 1]]), 4)),
                                  [[1, 0, 1, 0], [0, 1, 0, 0]])
    x = np.array([[1., 2., 3.]])
    # mean 2, biased var 2/3
    np.testing.assert_allclose(arr(ops.layer_normalization(x, epsilon=0.0)),
                               [[-np.sqrt(1.5), 0., np.sqrt(1.5)]])
    # mean square 14/3
    np.testing.assert_allclose(arr(ops.rms_normalization(x, epsilon=0.0)),
                               x / np.sqrt(14 / 3))
    # mse 0.01 -> 20·log10(1) - 10·log10(0.01) = 20
    np.testing.assert_allclose(arr(ops.psnr(np.ones(4), np.full(4, 0.9), 1.0)), 20.0)


def test_dot_product_attention_matches_a_slow_reference():
    q, k, v = (rng.normal(size=(2, 3, 2, 4)), rng.normal(size=(2, 5, 2, 4)),
               rng.normal(size=(2, 5, 2, 4)))
    logits = np.einsum("btnh,bsnh->bnts", q, k) / 2.0
    w = np.exp(logits - logits.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    expected = np.einsum("bnts,bsnh->btnh", w, v)
    np.testing.assert_allclose(arr(ops.dot_product_attention(q, k, v)), expected, atol=1e-12)
    np.testing.assert_allclose(arr(ops.dot_product_attention(q, k, v, flash_attention=False)),
                               expected, atol=1e-12)
    with pytest.raises(ValueError, match="Flash attention is not supported in minikeras"):
        ops.dot_product_attention(q, k, v, flash_attention=True)


def test_dot_product_attention_names_the_shapes_it_cannot_attend_with():
    q = np.ones((1, 3, 4, 2))
    with pytest.raises(ValueError, match=r"only supports 4D inputs.*query.shape=\(3, 4, 2\)"):
        ops.dot_product_attention(q[0], q[0], q[0])
    for key, value in ((q[:, :, :3], q[:, :, :3]),      # 3 key heads do not divide 4
                       (q[..., :1], q),                  # head_dim 1 against the query's 2
                       (q, q[:, :2])):                   # keys and values of two lengths
        with pytest.raises(ValueError, match=r"key_heads dividing heads.*key.shape="):
            ops.dot_product_attention(q, key, value)
    with pytest.raises(ValueError, match="attn_logits_soft_cap is only supported for JAX"):
        ops.dot_product_attention(q, q, q, attn_logits_soft_cap=2.0)


def test_dot_product_attention_masks_and_causality_match_a_slow_reference():
    q, k, v = (rng.normal(size=(2, 4, 2, 3)), rng.normal(size=(2, 6, 2, 3)),
               rng.normal(size=(2, 6, 2, 3)))
    mask = rng.random((2, 1, 4, 6)) > 0.3
    mask[1, 0, 0] = False                           # a query that may attend to no key
    keep = mask & np.tril(np.ones((4, 6), bool))      # causal: aligned top-left, as Keras
    logits = np.einsum("btnh,bsnh->bnts", q, k) * 0.5
    w = np.exp(np.where(keep, logits, -np.inf) - np.where(keep, logits, -np.inf).max(
        -1, keepdims=True, initial=-1e300))
    w /= w.sum(-1, keepdims=True)
    w = np.where(keep.any(-1, keepdims=True), w, 1 / 6)   # masked everywhere: uniform weights
    expected = np.einsum("bnts,bsnh->btnh", w, v)
    got = ops.dot_product_attention(q, k, v, mask=mask, scale=0.5, is_causal=True)
    np.testing.assert_allclose(arr(got), expected, atol=1e-12)
    # the same through the unfused path (a bias, even zero, takes it)
    unfused = ops.dot_product_attention(q, k, v, bias=np.zeros((4, 6)), mask=mask, scale=0.5,
                                        is_causal=True)
    np.testing.assert_allclose(arr(unfused), expected, atol=1e-12)


def test_keras_dtype_rules_for_created_and_index_tensors():
    assert ops.argmax(np.array([[1., 3.], [4., 2.]]), axis=1).dtype == np.int32
    assert ops.arange(5).dtype == np.int32
    assert ops.arange(0., 1., 0.5).dtype == np.float32
    assert ops.linspace(0, 1, 5).dtype == np.float32
    assert ops.eye(3).dtype == np.float32
    assert ops.convert_to_tensor([1., 2.]).dtype == np.float32
    assert ops.convert_to_tensor([1, 2]).dtype == np.int32
    assert ops.mean(np.array([1, 2])).dtype == np.float32
    assert float(arr(ops.max(np.array([1., 2.]), initial=3.))) == 3.0
    assert ops.squeeze(np.ones((1, 3, 1)), axis=[0, 2]).shape == (3,)
    rows, cols = ops.where(np.array([[True, False], [False, True]]))
    assert arr(rows).tolist() == [0, 1] and arr(cols).tolist() == [0, 1]


SPECIAL = np.array([0.0, 1.0, -1.0, 1.5, -2.5, np.inf, -np.inf, np.nan, 1e30, -1e30], "float32")
OTHER = np.array([2.0, -np.inf, np.inf, np.nan, -3.0, 3.0, -2.0, 1.0, 0.0, 4.0], "float32")


@pytest.mark.parametrize("name, fn", [  # numpy's IEEE answers, which Keras's backends give
    ("arcsin", lambda: ops.arcsin(SPECIAL)), ("arccos", lambda: ops.arccos(SPECIAL)),
    ("arcsinh", lambda: ops.arcsinh(SPECIAL)), ("arccosh", lambda: ops.arccosh(SPECIAL)),
    ("arctan2", lambda: ops.arctan2(SPECIAL, OTHER)), ("hypot", lambda: ops.hypot(SPECIAL, OTHER)),
    ("logaddexp", lambda: ops.logaddexp(SPECIAL, OTHER)),
    ("mod", lambda: ops.mod(SPECIAL, OTHER)), ("fmod", lambda: ops.fmod(SPECIAL, OTHER)),
    ("median", lambda: ops.median(SPECIAL)), ("quantile", lambda: ops.quantile(SPECIAL, 0.3)),
])
def test_special_values_give_numpys_ieee_answers(name, fn):
    with np.errstate(all="ignore"):
        expected = {"arctan2": lambda: np.arctan2(SPECIAL, OTHER),
                    "hypot": lambda: np.hypot(SPECIAL, OTHER),
                    "logaddexp": lambda: np.logaddexp(SPECIAL, OTHER),
                    "mod": lambda: np.mod(SPECIAL, OTHER), "fmod": lambda: np.fmod(SPECIAL, OTHER),
                    "quantile": lambda: np.quantile(SPECIAL, 0.3),
                    }.get(name, lambda: getattr(np, name)(SPECIAL))()
        got = arr(fn())
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_the_arc_hyperbolic_functions_stay_finite_past_float32s_square_root():
    # arcsinh(1e30) = log(1e30 + sqrt(1e60 + 1)) = log(2e30) = 69.77..., as is arccosh(1e30)
    for op in (ops.arcsinh, ops.arccosh):
        np.testing.assert_allclose(arr(op(np.float32(1e30))), math.log(2e30), rtol=1e-6)
    np.testing.assert_allclose(arr(ops.hypot(np.float32(3e30), np.float32(4e30))), 5e30,
                               rtol=1e-6)


@pytest.mark.parametrize("name, fn, x", [
    ("sort", lambda t: ops.sort(t) * np.arange(4.), X),
    ("top_k", lambda t: ops.top_k(t, 2)[0], X),
    ("median", lambda t: ops.median(t, axis=1), X),
    ("prod", lambda t: ops.prod(t, axis=1), X + 3),
    ("cumprod", lambda t: ops.cumprod(t, axis=1), X + 3),
    ("einsum", lambda t: ops.einsum("ij,kj->ik", t, X), X),
    ("tensordot", lambda t: ops.tensordot(t, X.T, 1), X),
    ("arcsin", ops.arcsin, UNIT), ("arctan2", lambda t: ops.arctan2(t, X + 3), X),
    ("arcsinh", ops.arcsinh, X), ("logaddexp", lambda t: ops.logaddexp(t, X[::-1]), X),
    ("arcsinh_large", ops.arcsinh, X * 1e9), ("arccosh_large", ops.arccosh, np.abs(X) * 1e9),
    ("hypot", lambda t: ops.hypot(t, X[::-1]), X),
    ("mod_by_infinity", lambda t: ops.mod(t, np.inf), np.abs(X) + 0.1),
    ("scatter", lambda t: ops.scatter(np.array([[0], [2], [0]]), t, (3, 4)), X),
    ("slice_update", lambda t: ops.slice_update(X, (1, 1), t[:2, :2]), X),
    ("segment_max", lambda t: ops.segment_max(t, np.array([0, 0, 1])), X),
    ("normalize", ops.normalize, X), ("layer_normalization", ops.layer_normalization, X),
    ("pad", lambda t: ops.pad(t, ((1, 0), (0, 2)), mode="reflect"), X),
    ("attention", lambda t: ops.dot_product_attention(
        ops.reshape(t, (1, 3, 1, 4)), ops.reshape(X, (1, 3, 1, 4)),
        ops.reshape(X, (1, 3, 1, 4)), is_causal=True), X),
])
def test_composed_functions_have_correct_gradients(name, fn, x):
    gradcheck(fn, x)


def test_norm_orders_match_numpy():
    v, m = np.array([3., -4., 0.]), np.array([[1., -2., 3.], [4., 5., -6.]])
    for order in (None, 1, 2, np.inf, -np.inf, 0, 3, 0.5):
        np.testing.assert_allclose(arr(ops.norm(v, ord=order)), np.linalg.norm(v, ord=order))
    for order in (None, "fro", 1, -1, np.inf, -np.inf):
        np.testing.assert_allclose(arr(ops.norm(m, ord=order, keepdims=True)),
                                   np.linalg.norm(m, ord=order, keepdims=True))
    np.testing.assert_allclose(arr(ops.norm(m, axis=1)), np.linalg.norm(m, axis=1))
