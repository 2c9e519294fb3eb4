"""Every primitive in PRIMITIVES passes a float64 central-difference gradient check."""
import numpy as np
import pytest

from minikeras.autodiff import PRIMITIVES
from minikeras.autodiff import (attention, conv, custom_gradient, elementwise, fourier, linalg,
                                linear, noise, normalization, reductions, shape,
                                softmax_crossentropy, special)
from minikeras.autodiff import primitives as P
from minikeras.autodiff.elementwise import Square
from minikeras.autodiff.function import Function
from minikeras.autodiff.gradcheck import gradcheck, probe_coordinates
from minikeras.autodiff.tensor import Tensor, backprop, grad

rng = np.random.default_rng(0)
KIND_MODULES = (attention, conv, custom_gradient, elementwise, fourier, linalg, linear, noise,
                normalization, reductions, shape, softmax_crossentropy, special)


def r(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, shape)


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape)


def away_from_zero(*shape):
    return rng.choice([-1, 1], shape) * rng.uniform(0.3, 2.0, shape)


def well_conditioned(*shape):
    """Square matrices near 3 I: far from singular."""
    return r(*shape, low=-1, high=1) + 3 * np.eye(shape[-1])


def symmetric(m):
    """The symmetric part of ``m`` (the symmetric decompositions read one triangle only, so
    finite differences must move both entries of a pair together)."""
    return P.multiply(P.add(m, P.transpose(m, tuple(range(m.ndim - 2)) + (m.ndim - 1,
                                                                          m.ndim - 2))), 0.5)


def scaled_product_with_its_gradient(x, w):
    """x * w, with the gradients (upstream * w, upstream * x) written by hand."""
    return P.multiply(x, w), lambda upstream: (P.multiply(upstream, w), P.multiply(upstream, x))


def distinct(*shape):
    """Values with no ties, so max/min/maximum have a unique winner."""
    return rng.permutation(np.arange(int(np.prod(shape)), dtype=float)).reshape(shape) * 0.37 - 1


# query 1 of sample 0 may attend to no key; every head shares a sample's mask
ATTENTION_KEEP = rng.random((3, 1, 4, 5)) > 0.3
ATTENTION_KEEP[0, 0, 1] = False


# name -> (function of tensors, list of input arrays). Broadcasting is exercised where it applies.
class TwoIdenticalReplicas:
    """A group of two replicas holding the same x, each with half of the batch."""

    def sum_values(self, x):
        return 2 * x

    def sum_gradients(self, g):
        return (0.5 * g + 0.5 * g) / 0.5


CASES = {
    "add": (P.add, [r(3, 4), r(4)]),
    "subtract": (P.subtract, [r(3, 1), r(1, 4)]),
    "multiply": (P.multiply, [r(2, 3, 4), r(3, 1)]),
    "divide": (P.divide, [r(3, 4), away_from_zero(4)]),
    "power": (P.power, [positive(3, 4), r(3, 4)]),
    "maximum": (P.maximum, [distinct(3, 4), distinct(3, 4) + 0.11]),
    "minimum": (P.minimum, [distinct(3, 4), distinct(3, 4) + 0.11]),
    "matmul": (P.matmul, [r(2, 3, 4), r(4, 5)]),
    "where": (lambda c, a, b: P.where(c, a, b), [rng.random((3, 4)) > 0.5, r(3, 4), r(4)]),
    "negative": (P.negative, [r(3, 4)]),
    "exp": (P.exp, [r(3, 4)]),
    "log": (P.log, [positive(3, 4)]),
    "log1p": (P.log1p, [positive(3, 4)]),
    "sqrt": (P.sqrt, [positive(3, 4)]),
    "square": (P.square, [r(3, 4)]),
    "abs": (P.abs, [away_from_zero(3, 4)]),
    "sign": (P.sign, [away_from_zero(3, 4)]),
    "clip": (lambda x: P.clip(x, -1.0, 1.0), [np.array([-1.7, -0.5, 0.2, 0.9, 1.4])]),
    "clip_strict": (lambda x: P.clip_strict(x, -1.0, 1.0),
                    [np.array([-1.7, -0.5, 0.2, 0.9, 1.4])]),
    "tanh": (P.tanh, [r(3, 4)]),
    "sigmoid": (P.sigmoid, [r(3, 4, low=-8, high=8)]),
    "relu": (P.relu, [away_from_zero(3, 4)]),
    "leaky_relu": (lambda x: P.leaky_relu(x, 0.2), [away_from_zero(3, 4)]),
    "masked_scale": (lambda x: P.masked_scale(x, np.array([[True], [False], [True]]), 1.25),
                     [r(3, 4)]),
    # the mask drawn by the forward, from a generator seeded alike at every call: rows
    # kept, kept, dropped
    "drawn_masked_scale": (lambda x: P.drawn_masked_scale(
        x, lambda: np.random.default_rng(5), (3, 1), 2**31, np.float64(1.25)), [r(3, 4)]),
    # noise drawn by the forward from a generator seeded alike at every call (alpha
    # dropout: rows kept, kept, dropped)
    "drawn_gaussian_noise": (lambda x: P.drawn_gaussian_noise(
        x, lambda: np.random.default_rng(5), 1.0, 0.5, True), [r(3, 4)]),
    "drawn_alpha_dropout": (lambda x: P.drawn_alpha_dropout(
        x, lambda: np.random.default_rng(5), (3, 1), 0.6, 1.5, -1.75, 0.25), [r(3, 4)]),
    "rescale": (lambda x: P.rescale(x, "float64", 0.5, np.array([0.25, 0.0, 1.0, -2.0])),
                [r(3, 4)]),
    "softplus": (P.softplus, [r(3, 4, low=-6, high=6)]),
    "erf": (P.erf, [r(3, 4, low=-3, high=3)]),
    "sin": (P.sin, [r(3, 4, low=-4, high=4)]),
    "cos": (P.cos, [r(3, 4, low=-4, high=4)]),
    "arcsin": (P.arcsin, [r(3, 4, low=-0.9, high=0.9)]),
    "arctan": (P.arctan, [r(3, 4, low=-3, high=3)]),
    "arctan2": (P.arctan2, [r(3, 4, low=-3, high=3), r(4, low=-3, high=3)]),
    "erfc": (P.erfc, [np.array([-3.1, -1.0, -0.2, 0.0, 0.7, 2.4, 2.6, 4.0])]),
    "erfinv": (P.erfinv, [r(3, 4, low=-0.95, high=0.95)]),
    "custom_gradient_call": (lambda x, w: P.custom_gradient_call(
        scaled_product_with_its_gradient, x, w), [r(3, 4), r(4)]),
    # Fourier transforms of (real, imag) pairs (more sizes in test_fourier_gradients_*)
    "fft_pair": (lambda re, im: P.fft_pair(re, im, axes=(-2, -1)), [r(2, 3, 4), r(2, 3, 4)]),
    "rfft_pair": (lambda x: P.rfft_pair(x, n=6), [r(2, 5)]),
    "irfft": (lambda re, im: P.irfft(re, im, n=6), [r(2, 4), r(2, 4)]),
    # linear algebra, batched over a leading axis
    "inv": (P.inv, [well_conditioned(2, 3, 3)]),
    "det": (P.det, [well_conditioned(2, 3, 3)]),
    "log_abs_det": (P.log_abs_det, [well_conditioned(2, 3, 3) * np.array([[[1]], [[-1]]])]),
    "solve": (P.solve, [well_conditioned(2, 3, 3), r(2, 3, 2)]),
    "cholesky": (lambda m: P.cholesky(P.add(P.matmul(symmetric(m), symmetric(m)), 3 * np.eye(3))),
                 [r(2, 3, 3)]),
    "eigh": (lambda m: P.eigh(symmetric(m)),
             [np.diag([1.0, 2.5, 4.0]) + r(3, 3, low=-0.3, high=0.3)]),
    "qr": (P.qr, [r(2, 4, 3) + np.eye(4, 3) * 3]),
    "singular_values": (P.singular_values, [r(4, 3) + np.eye(4, 3) * np.array([4.0, 2.0, 1.0])]),
    "cast": (lambda x: P.cast(x, "float64"), [r(3, 4)]),
    "sum": (lambda x: P.sum(x, axis=(0, 2), keepdims=False), [r(2, 3, 4)]),
    "sum_over_count": (lambda x: P.sum_over_count(x, 24), [r(2, 3, 4)]),
    "mean": (lambda x: P.mean(x, axis=1, keepdims=True), [r(2, 3, 4)]),
    "max": (lambda x: P.max(x, axis=-1), [distinct(3, 4)]),
    "min": (lambda x: P.min(x, axis=0, keepdims=True), [distinct(3, 4)]),
    "reshape": (lambda x: P.reshape(x, (4, -1)), [r(2, 3, 4)]),
    "transpose": (lambda x: P.transpose(x, (2, 0, 1)), [r(2, 3, 4)]),
    "broadcast_to": (lambda x: P.broadcast_to(x, (2, 3, 4)), [r(3, 1)]),
    "sum_to": (lambda x: P.sum_to(x, (3, 1)), [r(2, 3, 4)]),
    "concatenate": (lambda a, b: P.concatenate([a, b], axis=1), [r(2, 3), r(2, 2)]),
    "stack": (lambda a, b: P.stack([a, b], axis=1), [r(2, 3), r(2, 3)]),
    "pad_constant": (lambda x: P.pad_constant(x, [(1, 0), (0, 0), (2, 1)], 0.5), [r(2, 3, 2)]),
    "getitem": (lambda x: P.getitem(x, (slice(None), [0, 2, 2])), [r(3, 4)]),
    "getitem_gradient": (lambda x: P.getitem_gradient(x, (3, 4), (slice(None), [0, 2, 2])),
                         [r(3, 3)]),
    # along axis 1 (scattered by np.add.at), and rows of a table (sorted sums), with repeated
    # and negative indices
    "take": (lambda x, w: P.add(P.sum(P.take(x, np.array([[0, 2], [1, 1]]), axis=1)),
                                P.sum(P.multiply(P.take(x, np.array([[2, 0, -1], [0, 0, 1]]),
                                                        axis=0), w))),
             [r(3, 4), r(2, 3, 4)]),
    "dense": (P.dense, [r(2, 5, 3), r(3, 4), r(4)]),
    "softmax": (lambda x: P.softmax(x, axis=-1), [r(3, 4)]),
    "log_softmax": (lambda x: P.log_softmax(x, axis=0), [r(3, 4)]),
    "logsumexp": (lambda x: P.logsumexp(x, axis=1), [r(3, 4)]),
    "softmax_cross_entropy": (P.softmax_cross_entropy,
                              [rng.dirichlet(np.ones(4), size=3), r(3, 4)]),
    "sigmoid_cross_entropy": (P.sigmoid_cross_entropy, [rng.random((3, 4)), r(3, 4, low=-5, high=5)]),
    # convolution: strides, dilation, "same" padding and 2 groups at once; bias included
    "conv": (lambda x, w, b: P.conv(x, w, b, strides=(2, 1), padding="same", dilation_rate=(1, 2)),
             [r(2, 5, 4, 4), r(3, 2, 2, 6), r(6)]),
    # a convolution's two gradients (stride 2, "same"; then dilation 2, "valid")
    "conv_input_gradient": (lambda g, w: P.conv_input_gradient(g, w, (2, 5, 4, 3), 2, "same"),
                            [r(2, 3, 2, 4), r(3, 2, 3, 4)]),
    "conv_kernel_gradient": (lambda x, g: P.conv_kernel_gradient(x, g, (2, 2, 3, 4), 1,
                                                                 "valid", 2),
                             [r(2, 5, 4, 3), r(2, 3, 2, 4)]),
    "conv_transpose": (lambda x, w, b: P.conv_transpose(x, w, b, strides=(2, 3), padding="same",
                                                         output_padding=(1, 0)),
                       [r(2, 3, 2, 3), r(3, 4, 2, 3), r(2)]),
    "max_pool": (lambda x: P.max_pool(x, (2, 3), (2, 1), "same"), [distinct(2, 5, 5, 3)]),
    "average_pool": (lambda x: P.average_pool(x, 3, 2, "same"), [r(2, 5, 6, 2)]),
    "average_pool_gradient": (lambda g: P.average_pool_gradient(g, (2, 5, 6, 2), 3, 2, "same"),
                              [r(2, 3, 3, 2)]),
    "batch_norm_training": (lambda x, g, b: P.batch_norm_training(x, g, b, 1e-3)[0],
                            [r(4, 3, 5), positive(5), r(5)]),
    "layer_norm": (lambda x, g, b: P.layer_norm(x, g, b, 1e-3), [r(4, 3, 5), positive(5), r(5)]),
    "cross_replica_sum": (lambda x: P.cross_replica_sum(x, TwoIdenticalReplicas()), [r(2, 3)]),
    # attention: 3 samples, 4 queries, 5 keys, 2 heads; a mask with a row masked everywhere
    "attention": (lambda q, k, v: P.attention(q, k, v, keep=ATTENTION_KEEP),
                  [r(3, 4, 2, 3), r(3, 5, 2, 3), r(3, 5, 2, 2)]),
    # whole recurrent layers (more cases, with masks and go_backwards, in test_recurrence.py)
    "simple_rnn_recurrence": (P.simple_rnn_recurrence, [r(2, 3, 4), r(4, 2), r(2, 2), r(2),
                                                        r(2, 2)]),
    "lstm_recurrence": (P.lstm_recurrence, [r(2, 3, 4), r(4, 8), r(2, 8), r(8), r(2, 2), r(2, 2)]),
    "gru_recurrence": (P.gru_recurrence, [r(2, 3, 4), r(4, 6), r(2, 6), r(6), r(6), r(2, 2)]),
}


def test_every_primitive_has_a_case():
    assert sorted(CASES) == sorted(PRIMITIVES)


def test_every_function_class_has_a_registered_callable_beside_it():
    # a Function subclass without an @primitive callable would escape the gradient check
    used_globals = {name: fn.__code__.co_names for name, fn in PRIMITIVES.items()}
    for module in KIND_MODULES:
        for name, cls in vars(module).items():
            if (isinstance(cls, type) and issubclass(cls, Function) and cls.__module__ ==
                    module.__name__ and not name.startswith("_")):
                users = [n for n, names in used_globals.items() if name in names]
                assert users, f"{module.__name__}.{name} has no registered callable"
                assert all(PRIMITIVES[n].__module__ == module.__name__ for n in users), name


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_finite_differences(name):
    fn, inputs = CASES[name]
    assert gradcheck(fn, *inputs)


@pytest.mark.parametrize("lower", [True, False])
def test_triangular_solve_gradient_keeps_to_the_triangle(lower):
    assert gradcheck(lambda a, b: P.solve(a, b, lower), well_conditioned(3, 3), r(3, 2))


def test_gradcheck_detects_a_wrong_gradient():
    class WrongSquare(Square):
        def backward(self, gy):
            return (gy * 3 * self.inputs[0].data,)  # should be 2x

    with pytest.raises(AssertionError, match="Gradient mismatch"):
        gradcheck(lambda x: WrongSquare()(x), r(3))


def test_probe_coordinates_cover_every_index_of_every_axis():
    shape = (3, 7, 5, 4)
    coords = probe_coordinates(shape, 96)
    assert len(coords) == 96 and len(set(coords.tolist())) == 96
    assert coords[0] == 0 and coords[-1] == np.prod(shape) - 1
    for axis, indices in enumerate(np.unravel_index(coords, shape)):
        assert set(indices.tolist()) == set(range(shape[axis]))
    assert np.array_equal(probe_coordinates((4, 6), 96), np.arange(24))  # small: every one
    assert np.array_equal(probe_coordinates(shape), np.arange(np.prod(shape)))


def test_gradcheck_with_probes_finds_a_wrong_gradient_in_one_column():
    class WrongLastColumn(Square):
        def backward(self, gy):
            g = gy * 2 * self.inputs[0].data
            g[..., -1] += 1e-3  # the border column only
            return (g,)

    x = r(6, 5, 8)
    assert gradcheck(P.square, x, probes=40)
    with pytest.raises(AssertionError, match="Gradient mismatch for input 0"):
        gradcheck(lambda t: WrongLastColumn()(t), x, probes=40)


def test_gradcheck_cache_reuses_the_finite_differences_of_the_same_inputs_only():
    calls = []

    def fn(t):
        calls.append(1)
        return P.tanh(t)

    x, cache = r(2, 3), {}
    assert gradcheck(fn, x, cache=cache)
    first = len(calls)  # one forward for autodiff, two per element
    assert first == 1 + 2 * 6
    assert gradcheck(fn, x, cache=cache)
    assert len(calls) == first + 1  # only the autodiff forward again
    with pytest.raises(ValueError, match="`cache` holds the finite differences of other"):
        gradcheck(fn, x + 1.0, cache=cache)


def test_fused_softmax_cross_entropy_equals_composed_version():
    labels, logits = rng.dirichlet(np.ones(5), size=4), r(4, 5)
    fused = P.softmax_cross_entropy(labels, logits).data
    composed = P.negative(P.sum(P.multiply(labels, P.log(P.softmax(logits))), axis=-1)).data
    np.testing.assert_allclose(fused, composed, rtol=1e-12)


def test_drawn_noise_equals_the_noise_drawn_first_and_then_applied_bit_for_bit():
    x = Tensor(rng.standard_normal((4, 5)).astype(np.float32), requires_grad=True)
    gy = rng.standard_normal((4, 5)).astype(np.float32)
    source = lambda: np.random.default_rng(9)  # noqa: E731
    noise = source().normal(1.0, 0.4, size=(4, 5)).astype(np.float32)
    for fused, composed in [
            (P.drawn_gaussian_noise(x, source, 1.0, 0.4, True), P.multiply(x, noise)),
            (P.drawn_gaussian_noise(x, source, 1.0, 0.4, False), P.add(x, noise))]:
        np.testing.assert_array_equal(fused.data, composed.data)
        np.testing.assert_array_equal(grad(fused, [x], gy)[0], grad(composed, [x], gy)[0])
    keep = (source().random((4, 1)) >= 0.3).astype(np.float32)  # AlphaDropout's formula
    a, alpha_p, b = 1.5, -1.75, 0.25
    fused = P.drawn_alpha_dropout(x, source, (4, 1), 0.3, a, alpha_p, b)
    composed = P.add(P.multiply(x, (a * keep).astype(np.float32)),
                     (a * alpha_p * (1 - keep) + b).astype(np.float32))
    assert 0 < keep.sum() < 4
    np.testing.assert_array_equal(fused.data, composed.data)
    np.testing.assert_array_equal(grad(fused, [x], gy)[0], grad(composed, [x], gy)[0])


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_sum_over_count_equals_sum_then_divide_bit_for_bit(dtype):
    x = Tensor(rng.standard_normal((7, 3)).astype(dtype), requires_grad=True)
    fused, composed = P.sum_over_count(x, 7), P.divide(P.sum(x), 7.0)
    assert fused.dtype == composed.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(fused.data, composed.data)
    np.testing.assert_array_equal(grad(fused, [x])[0], grad(composed, [x])[0])


def test_softmax_cross_entropy_from_a_softmax_output_by_hand():
    # logits (0, ln 3): softmax (1/4, 3/4); label class 1: loss -ln(3/4), and the logits'
    # gradient softmax - label = (1/4, -1/4)
    logits = Tensor(np.array([[0.0, np.log(3.0)]]), requires_grad=True)
    loss = P.softmax_cross_entropy(np.array([[0.0, 1.0]]), logits, -1, P.softmax(logits))
    np.testing.assert_allclose(loss.data, [-np.log(0.75)], rtol=1e-15)
    np.testing.assert_allclose(grad(loss, [logits])[0], [[0.25, -0.25]], rtol=1e-15)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softmax_cross_entropy_reuses_the_softmax_node_bit_for_bit(dtype, monkeypatch):
    labels = rng.dirichlet(np.ones(5), size=4).astype(dtype)
    logits = Tensor(r(4, 5).astype(dtype), requires_grad=True)
    plain = P.softmax_cross_entropy(labels, logits)
    expected = plain.data, grad(plain, [logits])[0]
    probabilities = P.softmax(logits)
    from minikeras.autodiff import softmax_crossentropy
    monkeypatch.setattr(softmax_crossentropy, "_log_softmax", None)  # reuse, or TypeError
    reused = P.softmax_cross_entropy(labels, logits, -1, probabilities)
    np.testing.assert_array_equal(reused.data, expected[0])
    np.testing.assert_array_equal(grad(reused, [logits])[0], expected[1])


def test_softmax_cross_entropy_ignores_probabilities_of_other_logits():
    labels = rng.dirichlet(np.ones(3), size=2)
    logits, other = Tensor(r(2, 3), requires_grad=True), Tensor(r(2, 3), requires_grad=True)
    for probabilities in (P.softmax(other), P.softmax(logits, axis=0), P.sigmoid(logits),
                          P.softmax(logits, axis=(0, 1))):
        np.testing.assert_array_equal(
            P.softmax_cross_entropy(labels, logits, -1, probabilities).data,
            P.softmax_cross_entropy(labels, logits).data)


def test_fused_sigmoid_cross_entropy_equals_composed_version():
    y, x = rng.random((3, 4)), r(3, 4, low=-5, high=5)
    fused = P.sigmoid_cross_entropy(y, x).data
    p = P.sigmoid(x)
    composed = P.negative(P.add(P.multiply(y, P.log(p)),
                                P.multiply(P.subtract(1.0, y), P.log(P.subtract(1.0, p))))).data
    np.testing.assert_allclose(fused, composed, rtol=1e-10)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_dense_with_fused_activation_gradient(activation):
    x = away_from_zero(4, 3)
    assert gradcheck(lambda x, w, b: P.dense(x, w, b, activation=activation),
                     x, r(3, 5), r(5))


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_dense_with_fused_activation_equals_composed(activation):
    x, w, b = r(2, 5, 3), r(3, 4), r(4)
    composed = getattr(P, activation)(P.add(P.matmul(x, w), b)).data
    np.testing.assert_allclose(P.dense(x, w, b, activation=activation).data, composed,
                               rtol=1e-12)


@pytest.mark.parametrize("a, b", [(r(4), r(4)), (r(4), r(2, 4, 3)), (r(2, 3, 4), r(4))])
def test_matmul_gradient_with_vectors(a, b):
    assert gradcheck(P.matmul, a, b)


def test_fused_dense_equals_matmul_plus_bias():
    x, w, b = r(2, 5, 3), r(3, 4), r(4)
    np.testing.assert_allclose(P.dense(x, w, b).data, P.add(P.matmul(x, w), b).data, rtol=1e-12)


@pytest.mark.parametrize("index", [(slice(None), 1), (Ellipsis, slice(1, 3)), (None, 0, -1),
                                   2, (slice(None), [1, 1, 3]), (np.array([0, 0, 2]),),
                                   (slice(None), np.array([True, False, True, True]))])
def test_getitem_gradient_scatters_each_selected_element(index):
    """Basic indices take a plain assignment, others np.add.at (repeats accumulate): both
    against finite differences."""
    assert gradcheck(lambda x: P.getitem(x, index), r(3, 4))


@pytest.mark.parametrize("axes, inverse", [((-1,), False), ((-1,), True), ((-2, -1), True),
                                           ((0, 2), False)])
def test_fourier_gradients_fft_pair(axes, inverse):
    assert gradcheck(lambda re, im: P.fft_pair(re, im, axes=axes, inverse=inverse),
                     r(2, 3, 5), r(2, 3, 5))


@pytest.mark.parametrize("n", [None, 3, 4, 8, 9])
def test_fourier_gradients_rfft_pair_cut_or_padded(n):
    assert gradcheck(lambda x: P.rfft_pair(x, n=n), r(2, 6))


@pytest.mark.parametrize("bins, n", [(4, None), (4, 7), (4, 4), (3, 10), (5, 5)])
def test_fourier_gradients_irfft_odd_even_cut_or_padded(bins, n):
    assert gradcheck(lambda re, im: P.irfft(re, im, n=n), r(2, bins), r(2, bins))


@pytest.mark.parametrize("indices", [
    [3, 1, 4, 0],                      # each once
    [2, 2, 2, 5, 5],                   # each repeated
    [4, 1, 4, 0, -1, 3, 1, 4, 6],      # both, -1 the last row (7 rows), 6 too
    [0],
])
def test_a_tables_row_gradient_adds_each_lookups_rows(indices):
    """take(table, indices, axis=0)'s gradient: a row looked up once gets its output
    gradient's row exactly, a repeated one their sum (against float64), others zeros."""
    table = Tensor(rng.standard_normal((7, 3)).astype(np.float32), requires_grad=True)
    gy = rng.standard_normal((len(indices), 3)).astype(np.float32)
    got = backprop(P.take(table, np.array(indices), axis=0), gy)[table]
    rows = np.array(indices) % 7
    expected = np.zeros((7, 3))
    np.add.at(expected, rows, gy.astype(np.float64))
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    for i, row in enumerate(rows):
        if np.count_nonzero(rows == row) == 1:
            np.testing.assert_array_equal(got[row], gy[i])


@pytest.mark.parametrize("contiguous", [True, False])
def test_a_tables_row_gradient_fills_the_array_offered(contiguous):
    """With an array to write into (the optimizer's gradient view in fit; ``grad``'s
    ``out``), rows no lookup reaches are zeroed there, whatever it held."""
    table = Tensor(rng.standard_normal((6, 3)).astype(np.float32), requires_grad=True)
    gy = rng.standard_normal((4, 3)).astype(np.float32)
    indices = np.array([1, 4, 1, 0])
    out = np.full((3, 6), 7.0, np.float32).T if not contiguous else np.full((6, 3), 7.0,
                                                                              np.float32)
    y = P.take(table, indices, axis=0)
    (got,) = grad(y, [table], gy, out=[out])
    assert got is out
    expected = np.zeros((6, 3), np.float32)
    expected[[4, 0]] = gy[[1, 3]]
    expected[1] = gy[0] + gy[2]
    np.testing.assert_array_equal(out, expected)


def test_a_table_looked_up_twice_and_multiplied_gets_every_contribution_offered():
    """The offered array takes the first contribution only (a lookup's), the others are
    added to it: a tied table, looked up twice and multiplied as an output layer's kernel."""
    table = Tensor(rng.standard_normal((5, 3)), requires_grad=True)
    h = rng.standard_normal((2, 3))
    first, second = np.array([0, 3, 3]), np.array([4, 0])

    def loss(t):
        logits = P.matmul(h, P.transpose(t))
        return P.add(P.add(P.sum(P.take(t, first, axis=0)),
                           P.sum(P.square(P.take(t, second, axis=0)))), P.sum(logits))

    out = np.full((5, 3), 9.0)
    (got,) = grad(loss(table), [table], out=[out])
    assert got is out
    expected = np.zeros((5, 3))
    np.add.at(expected, first, 1.0)
    np.add.at(expected, second, 2 * table.data[second])
    expected += h.sum(axis=0)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    assert gradcheck(loss, table.data)
