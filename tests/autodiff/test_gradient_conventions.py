"""The primitives' gradients at kinks, ties and special values, where a gradient is a
convention (the rule Keras's jax and torch backends share; round 17's
tests/compat/test_script_fidelity_examples17_gradconventions.py compares the ops built on
them with Keras), the same in the plain backward pass and in the recorded one
(``create_graph=True``, each Function's ``vjp``)."""
import numpy as np
import pytest

from minikeras.autodiff import Tensor, grad, primitives as P

RECORDED = [False, True]


def gradients(fn, *arrays, create_graph):
    """The gradients of sum(fn(*arrays)) as numpy arrays, by either backward pass."""
    xs = [Tensor(np.asarray(a, dtype="float64"), requires_grad=True) for a in arrays]
    found = grad(P.sum(fn(*xs)), xs, create_graph=create_graph)
    return [np.asarray(g.data if isinstance(g, Tensor) else g) for g in found]


@pytest.mark.parametrize("create_graph", RECORDED)
def test_maximum_and_minimum_share_a_tie_half_and_half(create_graph):
    a, b = [1.0, 2.0, 0.0], [1.0, 3.0, -1.0]
    ga, gb = gradients(P.maximum, a, b, create_graph=create_graph)
    np.testing.assert_array_equal(ga, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(gb, [0.5, 1.0, 0.0])
    ga, gb = gradients(P.minimum, a, b, create_graph=create_graph)
    np.testing.assert_array_equal(ga, [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(gb, [0.5, 0.0, 1.0])


@pytest.mark.parametrize("create_graph", RECORDED)
def test_a_tie_with_a_broadcast_operand_sums_its_halves(create_graph):
    (ga, gb) = gradients(P.maximum, [[0.0, 1.0], [0.0, -1.0]], [0.0],
                         create_graph=create_graph)
    np.testing.assert_array_equal(ga, [[0.5, 1.0], [0.5, 0.0]])
    np.testing.assert_array_equal(gb, [2.0])


@pytest.mark.parametrize("create_graph", RECORDED)
def test_clip_passes_the_gradient_at_its_bounds_and_clip_strict_does_not(create_graph):
    x = [-1.0, 0.0, 0.5, 6.0, 7.0]
    (closed,) = gradients(lambda t: P.clip(t, 0.0, 6.0), x, create_graph=create_graph)
    (strict,) = gradients(lambda t: P.clip_strict(t, 0.0, 6.0), x, create_graph=create_graph)
    np.testing.assert_array_equal(closed, [0.0, 1.0, 1.0, 1.0, 0.0])
    np.testing.assert_array_equal(strict, [0.0, 0.0, 1.0, 0.0, 0.0])


@pytest.mark.parametrize("create_graph", RECORDED)
def test_power_exponent_gradient_is_zero_at_base_zero_and_nan_at_a_negative_base(create_graph):
    _, gb = gradients(P.power, [0.0, -2.0, 2.0], [2.0, 3.0, 1.0], create_graph=create_graph)
    np.testing.assert_array_equal(gb[[0, 2]], [0.0, 2.0 * np.log(2.0)])
    assert np.isnan(gb[1])


@pytest.mark.parametrize("create_graph", RECORDED)
def test_arcsin_gradient_is_infinite_at_plus_and_minus_one(create_graph):
    (g,) = gradients(P.arcsin, [-1.0, 0.0, 1.0], create_graph=create_graph)
    np.testing.assert_array_equal(g, [np.inf, 1.0, np.inf])
