"""Tests for the activation layers (KERAS_REFERENCE.md 4.3).

Expected numbers come from the reference's golden arrays, the seed 000 softmax
example, or hand derivation (written next to each case).
"""
import math

import numpy as np
import pytest

from minikeras.autodiff import Tensor, backprop
from minikeras.autodiff.gradcheck import gradcheck
from minikeras.layers import ELU, LeakyReLU, PReLU, ReLU, Softmax

X = np.array([[-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 7.0]])
REF_ELU = [-.950213, -.632121, -.393469, 0, .5, 1, 3, 7]
REF_RELU_FULL = [-.35, -.15, -.1, -.05, 0, 1, 3, 5]


@pytest.mark.parametrize("layer, expected", [
    (lambda: ReLU(), [0, 0, 0, 0, .5, 1, 3, 7]),
    (lambda: ReLU(max_value=5, negative_slope=.1, threshold=.5), REF_RELU_FULL),
    (lambda: ReLU(max_value=6.0), [0, 0, 0, 0, .5, 1, 3, 6]),
    (lambda: LeakyReLU(), [-.9, -.3, -.15, 0, .5, 1, 3, 7]),       # slope 0.3 by default
    (lambda: LeakyReLU(negative_slope=.2), [-.6, -.2, -.1, 0, .5, 1, 3, 7]),
    (lambda: ELU(), REF_ELU),
    (lambda: ELU(alpha=2.0), [2 * math.expm1(-3), 2 * math.expm1(-1), 2 * math.expm1(-.5),
                              0, .5, 1, 3, 7]),
    (lambda: PReLU(), [0, 0, 0, 0, .5, 1, 3, 7]),                 # alpha starts at zero
], ids=["relu", "relu-full", "relu-cap6", "leaky-default", "leaky-0.2", "elu", "elu-2",
        "prelu-init"])
def test_forward_values(layer, expected):
    out = layer()(X)
    assert isinstance(out, Tensor) and out.dtype == np.float32
    np.testing.assert_allclose(out.numpy()[0], expected, rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("kwargs", [{"max_value": -1.0}, {"negative_slope": -0.1},
                                    {"threshold": -0.5}, {"negative_slope": None}])
def test_relu_rejects_negative_arguments(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        ReLU(**kwargs)


def test_leaky_relu_rejects_negative_slope():
    with pytest.raises(ValueError, match="negative_slope"):
        LeakyReLU(negative_slope=-0.3)


def test_leaky_relu_accepts_keras2_alpha_with_a_warning():
    with pytest.warns(UserWarning, match="negative_slope"):
        layer = LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1
    np.testing.assert_allclose(layer(np.array([[-2.0, 2.0]])).numpy(), [[-.2, 2.0]], rtol=1e-6)


def test_unknown_kwarg_is_rejected_by_the_base():
    with pytest.raises(ValueError):
        ELU(beta=2.0)


# ---- Softmax ---------------------------------------------------------------------------

def test_softmax_seed_000_example():
    out = Softmax()(np.array([[3.0, 7.0, 4.0], [3.0, 5.0, 8.0]]))
    np.testing.assert_allclose(out.numpy(), [[0.0171, 0.9362, 0.0466],
                                             [0.0064, 0.0471, 0.9465]], atol=1e-4)


def test_softmax_mask_zeroes_masked_positions():
    # Unmasked scores 3 and 4: softmax gives e^-1 / (1 + e^-1) and 1 / (1 + e^-1).
    out = Softmax()(np.array([[3.0, 7.0, 4.0]]), mask=np.array([[True, False, True]]))
    p = 1 / (1 + math.exp(-1))
    np.testing.assert_allclose(out.numpy(), [[1 - p, 0.0, p]], rtol=1e-6)
    assert out.logits is None


def test_softmax_over_several_axes():
    # exp of [[0, ln 2], [ln 3, ln 4]] is 1, 2, 3, 4 with total 10.
    x = np.log(np.array([[[1.0, 2.0], [3.0, 4.0]]]))
    out = Softmax(axis=(1, 2))(x)
    np.testing.assert_allclose(out.numpy(), [[[.1, .2], [.3, .4]]], rtol=1e-6)
    assert out.logits is None


def test_softmax_output_keeps_its_logits():
    x = Tensor(np.array([[1.0, 2.0, 3.0]], dtype=np.float32))
    assert Softmax()(x).logits is x


# ---- PReLU -----------------------------------------------------------------------------

def test_prelu_alpha_shape_and_shared_axes():
    layer = PReLU(shared_axes=[1, 2])
    layer(np.zeros((2, 5, 4, 3), dtype=np.float32))
    assert [w.name for w in layer.weights] == ["alpha"]
    assert layer.alpha.shape == (1, 1, 3)
    assert PReLU(shared_axes=1).shared_axes == [1]


def test_prelu_forward_and_gradients_by_hand():
    layer = PReLU()
    x = Tensor(np.array([[-2.0, 3.0], [-1.0, -4.0]]), requires_grad=True)
    layer.build_from_shape((None, 2))
    layer.alpha.assign([0.25, 0.5])
    out = layer(x)
    # relu(x) - alpha * relu(-x)
    np.testing.assert_allclose(out.numpy(), [[-.5, 3.0], [-.25, -2.0]], rtol=1e-6)
    leaves = backprop(out, np.ones((2, 2)))
    # d/dalpha = -sum over the batch of relu(-x) = [-(2 + 1), -(0 + 4)]
    np.testing.assert_allclose(leaves[layer.alpha], [-3.0, -4.0], rtol=1e-6)
    # d/dx = 1 where x > 0, alpha elsewhere
    np.testing.assert_allclose(leaves[x], [[.25, 1.0], [.25, .5]], rtol=1e-6)


def test_prelu_gradcheck_inputs():
    layer = PReLU(dtype="float64")
    layer.build_from_shape((None, 3))
    layer.alpha.assign([0.1, 0.7, 1.3])
    assert gradcheck(layer, np.array([[-1.2, 0.4, -0.3], [0.8, -2.1, 1.6]]))


def test_prelu_bad_shared_axis():
    with pytest.raises(ValueError, match="shared_axes"):
        PReLU(shared_axes=[3])(np.zeros((2, 4), dtype=np.float32))


def test_prelu_alpha_regularizer_adds_a_loss():
    layer = PReLU(alpha_regularizer="l2", alpha_initializer="ones")
    layer(np.zeros((1, 4), dtype=np.float32))
    # l2 default factor 0.01 times sum(alpha^2) = 0.01 * 4
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(np.asarray(layer.losses[0])), 0.04, rtol=1e-6)


# ---- config round trips ----------------------------------------------------------------


def test_configs_hold_keras_keys():
    assert {"max_value", "negative_slope", "threshold"} <= set(ReLU().get_config())
    assert ReLU().get_config()["max_value"] is None
    assert LeakyReLU().get_config()["negative_slope"] == 0.3
    prelu = PReLU().get_config()
    assert prelu["alpha_initializer"]["class_name"] == "Zeros"
    assert prelu["alpha_regularizer"] is None and prelu["shared_axes"] is None
    assert ELU().get_config()["alpha"] == 1.0
    assert Softmax().get_config()["axis"] == -1
    assert Softmax(axis=(1, 2)).get_config()["axis"] == [1, 2]


# ---- Keras's words for bad options and masks (round 20's layer sweep) ---------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"max_value": -1.0}, "max_value of a ReLU layer cannot be a negative value. "
                          "Received: max_value=-1.0"),
    ({"negative_slope": -0.1}, "negative_slope of a ReLU layer cannot be None or a negative "
                               "value. Received: negative_slope=-0.1"),
    ({"threshold": -0.5}, "threshold of a ReLU layer cannot be None or a negative value. "
                          "Received: threshold=-0.5"),
])
def test_relu_refuses_negative_options_in_keras_words(kwargs, message):
    with pytest.raises(ValueError) as info:
        ReLU(**kwargs)
    assert str(info.value) == message


def test_leaky_relu_refuses_a_negative_or_missing_slope_in_keras_words():
    for slope in (-0.5, None):
        with pytest.raises(ValueError, match=r"^The negative_slope value of a Leaky ReLU layer "
                                             r"cannot be None or negative value\. Expected a "
                                             rf"float\. Received: negative_slope={slope}$"):
            LeakyReLU(negative_slope=slope)


def test_softmax_refuses_a_mask_that_does_not_broadcast_from_the_last_axis():
    x = np.ones((2, 3, 4), "float32")
    with pytest.raises(ValueError, match=r"Each mask dimension must be 1 or match the "
                                         r"corresponding input dimension\. Received: "
                                         r"inputs\.shape=\(2, 3, 4\), mask\.shape=\(2, 3\)"):
        Softmax()(x, mask=np.ones((2, 3), bool))
    with pytest.raises(ValueError, match=r"must not have more dimensions"):
        Softmax()(x, mask=np.ones((1, 2, 3, 4), bool))
    out = Softmax()(x, mask=np.array([True, False, True, True]))
    np.testing.assert_allclose(np.asarray(out)[0, 0], [1 / 3, 0.0, 1 / 3, 1 / 3], rtol=1e-6)
