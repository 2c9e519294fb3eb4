"""Reverse-mode behaviour: the seeds' worked examples, graph recording rules, deep graphs."""
import numpy as np
import pytest

from minikeras.autodiff import Tensor, detect_anomaly, enable_grad, grad, no_grad
from minikeras.autodiff import primitives as P
from minikeras.autodiff.function import Function
from minikeras.autodiff.tensor import FREED


def leaf(value):
    return Tensor(np.asarray(value, dtype=np.float64), requires_grad=True)


def test_chain_rule_example_from_the_seed():
    # f(x, y, z) = (x + y) z at x=-2, y=5, z=-4: q = 3, f = -12,
    # df/dx = df/dy = z = -4, df/dz = x + y = 3.
    x, y, z = leaf(-2.0), leaf(5.0), leaf(-4.0)
    f = (x + y) * z
    f.backward()
    assert f.item() == -12.0
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)


def test_softmax_worked_example_from_the_seed():
    out = P.softmax(np.array([[3.0, 7.0, 4.0], [3.0, 5.0, 8.0]]), axis=1).data
    np.testing.assert_allclose(out, [[0.0171, 0.9362, 0.0466], [0.0064, 0.0471, 0.9465]],
                               atol=1e-4)


def test_gradients_accumulate_over_every_use_of_a_tensor():
    x = leaf(3.0)
    y = x * x + x  # dy/dx = 2x + 1 = 7
    y.backward()
    assert x.grad == 7.0


def test_broadcast_gradient_is_summed_back_to_the_input_shape():
    a, b = leaf(np.ones((4, 3))), leaf(np.arange(3.0))
    P.sum(a * b).backward()
    assert b.grad.shape == (3,)
    np.testing.assert_array_equal(b.grad, [4.0, 4.0, 4.0])
    np.testing.assert_array_equal(a.grad, np.tile(np.arange(3.0), (4, 1)))


def test_no_grad_records_nothing_and_enable_grad_restores_it():
    x = leaf(2.0)
    with no_grad():
        y = x * x
        with enable_grad():
            z = x * x
    assert y.creator is None and not y.requires_grad
    assert z.creator is not None


def test_tensors_without_requires_grad_build_no_graph():
    y = Tensor(np.ones(3)) * 2.0
    assert y.creator is None


def test_deep_graph_backpropagates_without_recursion_limit():
    x = leaf(1.0)
    y = x
    for _ in range(5000):
        y = y * 1.0001 + 0.0
    y.backward()
    np.testing.assert_allclose(x.grad, 1.0001 ** 5000)


def test_backward_frees_the_graph_unless_retained():
    x = leaf(2.0)
    y = x * x
    (g,) = grad(y, [x], retain_graph=True)
    assert g == 4.0 and y.creator is not None
    (g,) = grad(y, [x])
    assert g == 4.0 and y.creator is FREED


def test_a_pass_through_a_freed_graph_raises_instead_of_losing_gradients():
    """Two losses from one forward pass (a GAN step's two tapes): the first grad() frees
    the shared part, so the second would miss its gradients; it raises and says what to
    do, and retain_graph=True on the first makes both whole."""
    w, x = leaf(3.0), leaf(2.0)
    shared = w * x
    first, second = shared * 2.0, shared * shared
    grad(first, [w])
    with pytest.raises(RuntimeError, match="an earlier grad\\(\\) freed.*retain_graph=True"):
        grad(second, [w])
    with pytest.raises(RuntimeError, match="earlier grad"):
        grad(first, [w])
    with pytest.raises(RuntimeError, match="earlier grad"):
        grad(second, [w], create_graph=True)
    shared = w * x
    first, second = shared * 2.0, shared * shared
    assert grad(first, [w], retain_graph=True)[0] == 4.0
    assert grad(second, [w])[0] == 2 * 6.0 * 2.0


def test_grad_gives_none_for_unused_inputs_as_a_tape_does():
    x, unused = leaf(1.0), leaf(np.ones(2))
    gx, gu = grad(x * 3.0, [x, unused], retain_graph=True)
    assert gx == 3.0 and gu is None
    recorded = grad(x * 3.0, [x, unused], create_graph=True)
    assert recorded[0].data == 3.0 and recorded[1] is None


def test_grad_gives_zeros_for_unused_inputs_when_asked():
    x, unused = leaf(1.0), leaf(np.ones(2))
    gx, gu = grad(x * 3.0, [x, unused], unconnected_gradients="zero", retain_graph=True)
    assert gx == 3.0
    np.testing.assert_array_equal(gu, np.zeros(2))
    gx, gu = grad(x * 3.0, [x, unused], unconnected_gradients="zero", create_graph=True)
    np.testing.assert_array_equal(gu.data, np.zeros(2))


def test_grad_refuses_an_unknown_unconnected_rule():
    x = leaf(1.0)
    with pytest.raises(ValueError, match="must be 'none' or 'zero'. Received: "
                                         "unconnected_gradients='zeros'"):
        grad(x * 3.0, [x], unconnected_gradients="zeros")


def test_anomaly_mode_names_the_primitive_that_made_nan():
    with detect_anomaly(), pytest.raises(FloatingPointError, match="Log"):
        with np.errstate(invalid="ignore"):
            P.log(np.array([-1.0]))


def test_float32_stays_float32_with_python_scalars():
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    y = 2.0 * x + 1.0
    assert y.dtype == np.float32
    (g,) = grad(P.sum(y), [x])
    assert g.dtype == np.float32


def test_max_splits_gradient_between_ties():
    x = leaf([1.0, 3.0, 3.0])
    P.max(x).backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5])


def _dense_loss(x, w, b, activation):
    return P.sum(P.multiply(P.dense(x, w, b, activation=activation), 0.5))


@pytest.mark.parametrize("activation", [None, "relu", "tanh"])
def test_gradients_written_into_destinations_equal_the_plain_ones(activation, monkeypatch):
    rng = np.random.default_rng(3)
    x = Tensor(rng.standard_normal((4, 2, 5), dtype=np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal((5, 3), dtype=np.float32), requires_grad=True)
    b = Tensor(rng.standard_normal(3, dtype=np.float32), requires_grad=True)
    plain = grad(_dense_loss(x, w, b, activation), [x, w, b])
    out = [np.full(t.shape, np.nan, np.float32) for t in (x, w, b)]
    # the dense primitive computes the kernel and bias gradients in place: nothing is copied
    # into those two (x's gradient arrives as a fresh array and is copied)
    real_copyto, copied = np.copyto, []

    def spy(dst, src, **kwargs):
        copied.append(dst)
        real_copyto(dst, src, **kwargs)

    monkeypatch.setattr(np, "copyto", spy)
    result = grad(_dense_loss(x, w, b, activation), [x, w, b], out=out)
    assert [r is o for r, o in zip(result, out)] == [True, True, True]
    assert [c is out[0] for c in copied] == [True]
    for p, o in zip(plain, out):
        np.testing.assert_array_equal(p, o)


def test_a_leaf_used_twice_gets_both_contributions_in_its_destination():
    rng = np.random.default_rng(4)
    x = Tensor(rng.standard_normal((3, 4), dtype=np.float32))
    w = Tensor(rng.standard_normal((4, 4), dtype=np.float32), requires_grad=True)
    b = Tensor(np.zeros(4, np.float32), requires_grad=True)
    loss = lambda: P.sum(P.dense(P.dense(x, w, b, activation="relu"), w, b))  # noqa: E731
    expected = grad(loss(), [w, b])
    out = [np.full((4, 4), np.nan, np.float32), np.full(4, np.nan, np.float32)]
    grad(loss(), [w, b], out=out)
    np.testing.assert_allclose(out[0], expected[0], rtol=1e-6)
    np.testing.assert_allclose(out[1], expected[1], rtol=1e-6)


def test_a_leaf_twice_among_one_functions_inputs_is_offered_only_its_first_use():
    rng = np.random.default_rng(7)
    w = Tensor(rng.standard_normal((3, 3), dtype=np.float32), requires_grad=True)
    wd = w.data.astype(np.float64)
    out = np.full((3, 3), np.nan, np.float32)
    grad(P.sum(P.matmul(w, w)), [w], out=[out])
    ones = np.ones((3, 3))  # d sum(W W) / dW = 1 W^T + W^T 1
    np.testing.assert_allclose(out, ones @ wd.T + wd.T @ ones, rtol=1e-5)


def test_dense_bias_gradient_is_the_column_sum_of_the_output_gradient():
    rng = np.random.default_rng(8)
    x = Tensor(rng.standard_normal((37, 6), dtype=np.float32))
    w = Tensor(rng.standard_normal((6, 4), dtype=np.float32), requires_grad=True)
    b = Tensor(np.zeros(4, np.float32), requires_grad=True)
    gy = rng.standard_normal((37, 4), dtype=np.float32)
    expected = gy.astype(np.float64).sum(axis=0)
    for out in (None, [np.empty((6, 4), np.float32), np.empty(4, np.float32)]):
        gb = grad(P.dense(x, w, b), [w, b], output_grad=gy, out=out)[1]
        assert gb.dtype == np.float32
        np.testing.assert_allclose(gb, expected, rtol=1e-5)


class _Double(Function):
    """2 x, its gradient written into the offered destination, which it also hands back."""

    writes_destinations = True

    def forward(self, x):
        return 2 * x

    def backward(self, gy):
        out = self.destination(0, gy.dtype)
        return (np.multiply(gy, 2, out=out),)


def test_a_destination_handed_back_counts_once():
    w = Tensor(np.ones(3, np.float32), requires_grad=True)
    out = np.full(3, np.nan, np.float32)
    grad(P.sum(_Double()(w)), [w], out=[out])
    np.testing.assert_array_equal(out, [2.0, 2.0, 2.0])  # d sum(2 w) / dw


def test_a_retained_graph_forgets_the_destinations_of_an_earlier_pass():
    w = Tensor(np.ones((2, 2), np.float32), requires_grad=True)
    y = P.sum(P.dense(Tensor(np.ones((1, 2), np.float32)), w))
    out = np.zeros((2, 2), np.float32)
    grad(y, [w], out=[out], retain_graph=True)
    again = grad(y, [w])[0]
    assert again is not out
    np.testing.assert_array_equal(again, np.ones((2, 2)))


def _fan_in_graph(x):
    """Three paths of one generation from x to the root, whose contributions to x's
    gradient are summed in the order the walk runs them."""
    h = P.tanh(x)
    return P.sum(P.exp(h) + P.sin(h) + P.square(h))


def test_a_retained_walk_is_run_again_in_its_order_with_the_same_gradients():
    x = Tensor(np.linspace(-1, 1, 7, dtype=np.float32), requires_grad=True)
    root = _fan_in_graph(x)
    first = grad(root, [x], retain_graph=True)[0]
    walk = root.creator.walk
    assert walk is not None and len(walk) == 6  # add, add, exp, sin, square, tanh
    assert [type(fn).__name__ for fn in walk][-1] == "Tanh"
    again = grad(root, [x], retain_graph=True)[0]
    assert root.creator.walk is walk
    np.testing.assert_array_equal(again, first)
    np.testing.assert_array_equal(first, grad(_fan_in_graph(x), [x])[0])  # a fresh graph's


class _Gate(Function):
    """x passed through; its gradient given or withheld (None) as ``open`` says when the
    backward pass runs: a gradient that depends on more than the graph's structure."""

    open = True

    def forward(self, x):
        return x

    def backward(self, gy):
        return (gy if _Gate.open else None,)


def test_a_walk_that_left_a_function_out_is_not_kept(monkeypatch):
    x = Tensor(np.float64(0.5), requires_grad=True)
    root = P.sum(P.exp(_Gate()(P.square(x))) + x)
    monkeypatch.setattr(_Gate, "open", False)
    assert grad(root, [x], retain_graph=True)[0] == 1.0  # through the "+ x" alone
    assert root.creator.walk is None  # square was never run: an order without it is not kept
    monkeypatch.setattr(_Gate, "open", True)
    expected = 1.0 + np.exp(0.25) * 2 * 0.5
    assert np.isclose(grad(root, [x], retain_graph=True)[0], expected)
    monkeypatch.setattr(_Gate, "open", False)  # the kept order: square skipped, none reached
    assert grad(root, [x], retain_graph=True)[0] == 1.0
    monkeypatch.setattr(_Gate, "open", True)
    assert np.isclose(grad(root, [x])[0], expected)


def test_masked_scale_rounds_exactly_like_multiplying_by_the_float_mask():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 7), dtype=np.float32) * 1e3
    keep = rng.random((6, 7)) > 0.3
    scale = np.asarray(1 / 0.7, np.float32)
    xt = Tensor(x, requires_grad=True)
    y = P.masked_scale(xt, keep, scale)
    np.testing.assert_array_equal(y.data, x * (keep * scale))
    gy = rng.standard_normal((6, 7), dtype=np.float32)
    np.testing.assert_array_equal(grad(y, [xt], output_grad=gy)[0], gy * (keep * scale))


def test_relu_backward_through_its_output_masks_exactly_where_the_input_is_positive():
    x = np.array([-2.0, -0.0, 0.0, 1e-30, 3.0, np.nan, -np.inf, np.inf], np.float32)
    xt = Tensor(x, requires_grad=True)
    gy = np.arange(1, 9, dtype=np.float32)
    np.testing.assert_array_equal(grad(P.relu(xt), [xt], output_grad=gy)[0], gy * (x > 0))


@pytest.mark.parametrize("a_shape", [(4, 3), (2, 4, 3)])
def test_matmul_gradients_into_destinations_equal_the_plain_ones(a_shape):
    rng = np.random.default_rng(6)
    a = Tensor(rng.standard_normal(a_shape, dtype=np.float32), requires_grad=True)
    b = Tensor(rng.standard_normal((3, 5), dtype=np.float32), requires_grad=True)
    loss = lambda: P.sum(P.multiply(P.matmul(a, b), P.matmul(a, b)))  # noqa: E731  b used twice
    plain = grad(loss(), [a, b])
    out = [np.full(a_shape, np.nan, np.float32), np.full((3, 5), np.nan, np.float32)]
    assert grad(loss(), [a, b], out=out) is out
    np.testing.assert_allclose(out[0], plain[0], rtol=1e-6)
    np.testing.assert_allclose(out[1], plain[1], rtol=1e-6)


@pytest.mark.parametrize("batch", [8, 300])  # 8 x 6 x 4 and 300 x 600 x 40 multiply-adds
def test_dense_kernel_gradient_reaches_a_strided_destination_at_every_size(batch):
    # np.dot (small products) writes only C-contiguous outputs: a strided destination
    # (a column slice) must still receive x.T @ gy
    rng = np.random.default_rng(9)
    features, units = (6, 4) if batch == 8 else (600, 40)
    x = Tensor(rng.standard_normal((batch, features), dtype=np.float32))
    w = Tensor(rng.standard_normal((features, units), dtype=np.float32), requires_grad=True)
    gy = rng.standard_normal((batch, units), dtype=np.float32)
    wide = np.full((features, 2 * units), np.nan, np.float32)
    out = grad(P.dense(x, w), [w], output_grad=gy, out=[wide[:, ::2]])[0]
    expected = x.data.astype(np.float64).T @ gy.astype(np.float64)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    assert np.isnan(wide[:, 1::2]).all()


def test_a_primitive_given_a_raw_array_records_the_tensor_inputs():
    # a numpy array among a primitive's inputs is wrapped; the graph still reaches the
    # tensor that requires grad: d/dw sum(x @ w) = column sums of x, here [[4], [6]]
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    w = leaf([[1.0], [1.0]])
    y = P.sum(P.matmul(x, w))
    np.testing.assert_array_equal(grad(y, [w])[0], [[4.0], [6.0]])


def test_a_list_of_recorded_tensors_is_stacked_so_gradients_reach_each():
    """``ops.sum(model.losses)`` (Keras's guides) trains: a list holding recorded tensors
    becomes one stacked tensor, not a detached array; python numbers keep Keras's dtypes."""
    from minikeras import ops
    x = leaf([1.0, 2.0])
    total = ops.sum([P.sum(x * x), P.sum(x)])  # d/dx = 2x + 1
    np.testing.assert_allclose(grad(total, [x])[0], [3.0, 5.0])
    x = leaf([1.0, 2.0])
    nested = ops.convert_to_tensor([[x * 2.0, x]], dtype="float32")  # cast after stacking
    assert nested.shape == (1, 2, 2) and nested.dtype == np.float32
    np.testing.assert_allclose(grad(P.sum(nested), [x])[0], [3.0, 3.0])
    assert ops.sum([0.5, 1.5]).dtype == np.float32  # not numpy's float64
    assert ops.convert_to_tensor([1, 2]).dtype == np.int32


def test_grad_reaches_a_computed_tensor_asked_for():
    """Grad-CAM asks for the gradient of a class score for a convolution's output: a
    tensor computed on the way, not a leaf. It is the sum over its consumers, the same as
    taking the rest of the graph from that tensor made a leaf."""
    x = leaf([[0.5, -1.0, 2.0]])
    w = leaf([[1.0, 0.5], [-0.5, 2.0], [0.25, -1.0]])
    h = P.tanh(P.matmul(x, w))
    y = P.sum(h * h) + P.sum(h * 3.0)
    got_x, got_h, got_y = grad(y, [x, h, y])
    expected_h = 2.0 * h.data + 3.0
    np.testing.assert_allclose(got_h, expected_h)
    np.testing.assert_allclose(got_y, 1.0)
    np.testing.assert_allclose(got_x, (expected_h * (1.0 - h.data ** 2)) @ w.data.T)


def test_grad_into_destinations_reaches_a_computed_tensor_too():
    x = leaf([1.0, 2.0])
    h = x * x
    y = P.sum(h * 5.0)
    out = [np.empty(2), np.empty(2)]
    grad(y, [x, h], out=out)
    np.testing.assert_allclose(out[1], [5.0, 5.0])
    np.testing.assert_allclose(out[0], [10.0, 20.0])


def test_the_gradient_of_a_gradient():
    """grad(..., create_graph=True) records, to any order (tests/autodiff/test_second_order.py
    checks every primitive that supports it)."""
    x = leaf(3.0)
    (first,) = grad(x * x * x, [x], create_graph=True)  # 3 x^2
    assert first.item() == 27.0
    (second,) = grad(first, [x], create_graph=True)  # 6 x
    assert second.item() == 18.0
    assert grad(second, [x])[0] == 6.0


def test_one_element_tensors_of_any_rank_convert_to_python_numbers():
    # int(ops.argmax(logits, axis=1)) on one row (keras-io's question_answering), as torch
    assert int(Tensor(np.array([[7]]))) == 7
    assert float(Tensor(np.array([2.5], dtype="float32"))) == 2.5
    with pytest.raises(ValueError, match="only one element tensors"):
        int(Tensor(np.array([1, 2])))
