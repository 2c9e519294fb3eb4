"""Tests for minikeras.regularizers (expected numbers worked out by hand)."""
import json
import math

import numpy as np
import pytest

from minikeras import regularizers
from minikeras.autodiff import Tensor, grad
from minikeras.autodiff.gradcheck import gradcheck
from minikeras.regularizers import (L1, L1L2, L2, REGULARIZERS, OrthogonalRegularizer,
                                    Regularizer)
from minikeras.variables import Variable

# sum|w| = 6.5, sum w^2 = 14.25; rows (1,-2) and (3,0.5): dot 2, norms sqrt(5), sqrt(9.25)
W = np.array([[1.0, -2.0], [3.0, 0.5]], dtype=np.float32)
ROW_COSINE = 2.0 / math.sqrt(5.0 * 9.25)

# get(name) with default arguments, applied to W: one row per registered name.
DEFAULT_PENALTIES = {
    "L1": 0.01 * 6.5, "l1": 0.01 * 6.5,
    "L2": 0.01 * 14.25, "l2": 0.01 * 14.25,
    "L1L2": 0.0, "l1l2": 0.0,                      # Keras 3 class defaults 0.0 / 0.0
    "l1_l2": 0.01 * 6.5 + 0.01 * 14.25,            # the string means 0.01 / 0.01 (Keras 2)
    # 2 off-diagonal entries of |cos|, 1 pair: 0.01 * 0.5 * 2 * cos / 1
    "OrthogonalRegularizer": 0.01 * ROW_COSINE, "orthogonal_regularizer": 0.01 * ROW_COSINE,
    "Regularizer": 0.0, "regularizer": 0.0,
}


def test_every_registered_name_has_a_row():
    assert set(DEFAULT_PENALTIES) == set(REGULARIZERS.names())


@pytest.mark.parametrize("name", sorted(DEFAULT_PENALTIES))
def test_default_penalty_of_every_name(name):
    out = regularizers.get(name)(W)
    assert isinstance(out, Tensor) and out.shape == () and out.dtype == np.float32
    assert float(out.data) == pytest.approx(DEFAULT_PENALTIES[name], rel=1e-6)


@pytest.mark.parametrize("reg, expected", [
    (L1(0.5), 0.5 * 6.5),
    (L2(2.0), 2.0 * 14.25),
    (L1L2(l1=0.1, l2=0.2), 0.1 * 6.5 + 0.2 * 14.25),
    (L1L2(l2=0.1), 0.1 * 14.25),
    (L1L2(l1=0.1), 0.1 * 6.5),
    (regularizers.l1_l2(l1=0.01, l2=0.01), 0.01 * 6.5 + 0.01 * 14.25),  # Keras 2 call style
    (regularizers.l1(0.3), 0.3 * 6.5),
    (regularizers.l2(0.3), 0.3 * 14.25),
    (L1(None), 0.01 * 6.5),
    (L1L2(None, None), 0.0),
    (OrthogonalRegularizer(factor=1.0), ROW_COSINE),
    # columns (1,3) and (-2,0.5): dot -0.5, norms sqrt(10), sqrt(4.25)
    (OrthogonalRegularizer(factor=1.0, mode="columns"), 0.5 / math.sqrt(10 * 4.25)),
])
def test_penalty_values(reg, expected):
    assert float(reg(W).data) == pytest.approx(expected, rel=1e-6)


def test_keras_docstring_golden_values():
    # Keras: L2(2.)(ones(5, 5)) == 50.0; L1(0.01) on a ones(5, 5) kernel == 0.25
    assert float(L2(2.0)(np.ones((5, 5), dtype=np.float32)).data) == 50.0
    assert float(L1(0.01)(np.ones((5, 5), dtype=np.float32)).data) == pytest.approx(0.25)


def test_orthogonal_regularizer_three_rows():
    # rows (1,0), (1,1), (0,2): cosines 1/sqrt2, 0, 1/sqrt2; 3 pairs
    w = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]])
    expected = 0.5 * (2 * 2 / math.sqrt(2)) / 3
    assert float(OrthogonalRegularizer(1.0)(w).data) == pytest.approx(expected, rel=1e-12)
    # orthogonal rows cost nothing
    assert float(OrthogonalRegularizer(1.0)(np.diag([2.0, 3.0, 5.0])).data) == 0.0


def test_orthogonal_regularizer_zero_row_and_single_row():
    w = Tensor(np.array([[0.0, 0.0], [1.0, 2.0]]), requires_grad=True)
    out = OrthogonalRegularizer(1.0)(w)
    assert float(out.data) == 0.0
    (g,) = grad(out, [w])
    assert np.all(np.isfinite(g))
    # one vector: no pairs, penalty 0 (Keras divides by zero here)
    assert float(OrthogonalRegularizer(1.0)(np.ones((1, 4))).data) == 0.0


def test_penalty_keeps_the_weight_dtype():
    w64 = W.astype(np.float64)
    for reg in (L1(), L2(), L1L2(0.1, 0.1), L1L2(), OrthogonalRegularizer(), Regularizer()):
        assert reg(w64).dtype == np.float64, reg
        assert reg(W).dtype == np.float32, reg


def test_gradient_flows_to_a_variable():
    v = Variable(W)
    g_l1, = grad(L1(0.5)(v), [v])
    np.testing.assert_allclose(g_l1, 0.5 * np.sign(W))
    g_l2, = grad(L2(0.5)(v), [v])
    np.testing.assert_allclose(g_l2, 2 * 0.5 * W)          # d/dw l2*w^2 = 2*l2*w (no 1/2)
    g_both, = grad(L1L2(0.5, 0.5)(v), [v])
    np.testing.assert_allclose(g_both, 0.5 * np.sign(W) + W, rtol=1e-6)


@pytest.mark.parametrize("reg", [L1(0.3), L2(0.7), L1L2(0.2, 0.4), OrthogonalRegularizer(0.5),
                                 OrthogonalRegularizer(0.5, mode="columns")],
                         ids=lambda r: repr(r))
def test_gradcheck(reg):
    w = np.random.default_rng(0).uniform(0.2, 1.0, (4, 3)) * np.array([1, -1, 1])  # no zeros
    assert gradcheck(lambda x: reg(x), w)


# ---- config ---------------------------------------------------------------------

@pytest.mark.parametrize("name", REGULARIZERS.names())
def test_config_round_trip_for_every_registered_name(name):
    reg = regularizers.get(name)
    config = regularizers.serialize(reg)
    assert config["module"] == "keras.regularizers" and config["registered_name"] is None
    again = regularizers.deserialize(json.loads(json.dumps(config)))
    assert type(again) is type(reg) and again.get_config() == reg.get_config()


@pytest.mark.parametrize("reg, config", [  # Keras 3.15.1's configs, seen in a scratch run:
    # L1 and OrthogonalRegularizer keep a float32 tensor, so their factors come back rounded
    (L1(0.3), {"l1": 0.30000001192092896}),
    (L2(), {"l2": 0.01}),
    (L1L2(l1=0.1), {"l1": 0.1, "l2": 0.0}),
    (OrthogonalRegularizer(0.2, "columns"), {"factor": 0.20000000298023224, "mode": "columns"}),
])
def test_keras_configs(reg, config):
    assert reg.get_config() == config
    assert regularizers.serialize(reg) == {"module": "keras.regularizers",
                                           "class_name": type(reg).__name__, "config": config,
                                           "registered_name": None}
    again = regularizers.get({"class_name": type(reg).__name__, "config": config})
    assert again.get_config() == config


def test_get_other_identifiers():
    assert regularizers.get(None) is None
    assert type(regularizers.get(L2)) is L2
    reg = L1(0.2)
    assert regularizers.get(reg) is reg

    def my_penalty(w):
        return 0.0

    assert regularizers.get(my_penalty) is my_penalty
    config = regularizers.serialize(my_penalty)
    assert config["class_name"] == "function" and config["config"] == "my_penalty"
    assert regularizers.deserialize(config, {"my_penalty": my_penalty}) is my_penalty
    assert regularizers.l1_l2 is L1L2 and regularizers.orthogonal_regularizer is \
        OrthogonalRegularizer


def test_subclass_without_get_config_says_so():
    class Scaled(Regularizer):
        def __init__(self, k):
            self.k = k

    with pytest.raises(NotImplementedError, match="get_config"):
        regularizers.serialize(Scaled(2))


# ---- bad input --------------------------------------------------------------------

@pytest.mark.parametrize("make, match", [
    (lambda: L1(-0.1), "l1=-0.1"),
    (lambda: L1("0.01"), "l1='0.01'"),
    (lambda: L1(True), "l1=True"),
    (lambda: L2(float("nan")), "l2=nan"),
    (lambda: L1L2(l1=float("inf")), "l1=inf"),
    (lambda: L1L2(l2=-1), "l2=-1"),
    (lambda: OrthogonalRegularizer(factor=-0.5), "factor=-0.5"),
    (lambda: OrthogonalRegularizer(mode="diag"), "mode='diag'"),
    (lambda: OrthogonalRegularizer()(np.ones(3)), "rank 2"),
    (lambda: OrthogonalRegularizer()(np.ones((2, 2, 2))), "rank 2"),
    (lambda: regularizers.get(0.01), "L2"),
    (lambda: regularizers.get("l3"), "l1"),
    (lambda: regularizers.get("L1_L2"), "regularizer identifier"),
])
def test_bad_input_raises_clear_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make()
