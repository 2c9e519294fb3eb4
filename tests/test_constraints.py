"""Tests for minikeras.constraints (expected numbers worked out by hand, eps = 1e-7)."""
import json
import math

import numpy as np
import pytest

from minikeras import constraints
from minikeras.constraints import (CONSTRAINTS, Constraint, MaxNorm, MinMaxNorm, NonNeg,
                                   UnitNorm)
from minikeras.variables import Variable

# A Dense kernel (in=2, out=2): column norms 5 (above every max) and sqrt(0.5) ~ 0.7071.
W = np.array([[3.0, -0.5], [4.0, 0.5]], dtype=np.float32)
H = math.sqrt(0.5)

# get(name) with default arguments, applied to W: one row per registered name.
DEFAULT_RESULTS = {
    # MaxNorm(2, axis=0): column 0 scaled to norm 2, column 1 left alone
    **dict.fromkeys(["MaxNorm", "max_norm", "maxnorm"], [[1.2, -0.5], [1.6, 0.5]]),
    **dict.fromkeys(["NonNeg", "non_neg", "nonneg"], [[3.0, 0.0], [4.0, 0.5]]),
    **dict.fromkeys(["UnitNorm", "unit_norm", "unitnorm"],
                    [[0.6, -0.5 / H], [0.8, 0.5 / H]]),
    # MinMaxNorm(0, 1, rate 1): column 0 to norm 1, column 1 inside [0, 1] so unchanged
    **dict.fromkeys(["MinMaxNorm", "min_max_norm"], [[0.6, -0.5], [0.8, 0.5]]),
    **dict.fromkeys(["Constraint", "constraint"], W),
}


def test_every_registered_name_has_a_row():
    assert set(DEFAULT_RESULTS) == set(CONSTRAINTS.names())


@pytest.mark.parametrize("name", sorted(DEFAULT_RESULTS))
def test_default_result_of_every_name(name):
    out = constraints.get(name)(W.copy())
    assert isinstance(out, np.ndarray) and out.shape == W.shape and out.dtype == np.float32
    np.testing.assert_allclose(out, DEFAULT_RESULTS[name], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("constraint, expected", [
    (MaxNorm(max_value=1.0), [[0.6, -0.5], [0.8, 0.5]]),
    (MaxNorm(max_value=0.5), [[0.3, -0.25 / H], [0.4, 0.25 / H]]),
    (MaxNorm(max_value=10.0), W),
    # rows (3,-0.5) and (4,0.5): norms sqrt(9.25), sqrt(16.25), both above 2
    (MaxNorm(2, axis=1), [[3 * 2 / math.sqrt(9.25), -0.5 * 2 / math.sqrt(9.25)],
                          [4 * 2 / math.sqrt(16.25), 0.5 * 2 / math.sqrt(16.25)]]),
    (MaxNorm(2, axis=[0, 1]), W * 2 / math.sqrt(25.5)),
    (MinMaxNorm(min_value=1.0, max_value=2.0), [[1.2, -0.5 / H], [1.6, 0.5 / H]]),
    # rate 0.5: desired norms 0.5*2 + 0.5*5 = 3.5 and 0.5*1 + 0.5*H
    (MinMaxNorm(1.0, 2.0, rate=0.5), [[3.5 * 0.6, -(0.5 + 0.5 * H) * 0.5 / H],
                                      [3.5 * 0.8, (0.5 + 0.5 * H) * 0.5 / H]]),
    (MinMaxNorm(1.0, 2.0, rate=0.0), W),
    (UnitNorm(axis=1), [[3 / math.sqrt(9.25), -0.5 / math.sqrt(9.25)],
                        [4 / math.sqrt(16.25), 0.5 / math.sqrt(16.25)]]),
    (NonNeg(), [[3.0, 0.0], [4.0, 0.5]]),
])
def test_values(constraint, expected):
    np.testing.assert_allclose(constraint(W.copy()), expected, rtol=1e-6, atol=1e-7)


def test_eps_is_in_the_denominator():
    # MaxNorm scales column 1 by n / (eps + n), not by exactly 1
    w = np.array([[3.0, 0.6], [4.0, 0.8]])  # column norms 5 and 1
    out = MaxNorm(2)(w)
    assert out[0, 1] == pytest.approx(0.6 * 1 / (1 + 1e-7), rel=1e-12)
    assert out[0, 0] == pytest.approx(3 * 2 / (5 + 1e-7), rel=1e-12)
    # a zero vector stays zero instead of becoming NaN
    np.testing.assert_array_equal(UnitNorm()(np.zeros((3, 2))), np.zeros((3, 2)))
    np.testing.assert_array_equal(MinMaxNorm(1.0, 2.0)(np.zeros((3, 2))), np.zeros((3, 2)))


def test_conv_kernel_norms_over_three_axes():
    # Conv2D kernel (h=2, w=2, in=1, out=2): filter 0 all 3 (norm 6), filter 1 all 0.5 (norm 1)
    k = np.stack([np.full((2, 2, 1), 3.0), np.full((2, 2, 1), 0.5)], axis=-1)
    out = MaxNorm(3.0, axis=[0, 1, 2])(k)
    np.testing.assert_allclose(out[..., 0], 1.5, rtol=1e-6)
    np.testing.assert_allclose(out[..., 1], 0.5, rtol=1e-6)


@pytest.mark.parametrize("constraint", [MaxNorm(), NonNeg(), UnitNorm(), MinMaxNorm(),
                                        Constraint()], ids=repr)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_shape_and_dtype_are_kept(constraint, dtype):
    w = np.random.default_rng(1).normal(size=(3, 4, 5)).astype(dtype)
    out = constraint(w)
    assert isinstance(out, np.ndarray) and out.shape == w.shape and out.dtype == w.dtype


def test_works_on_a_variable_value_as_the_optimizer_calls_it():
    v = Variable(W)
    v.assign(MaxNorm(1.0)(v.value))
    np.testing.assert_allclose(v.value, [[0.6, -0.5], [0.8, 0.5]], rtol=1e-6)
    np.testing.assert_allclose(NonNeg()(v), [[0.6, 0.0], [0.8, 0.5]], rtol=1e-6)  # a Tensor too


# ---- config ---------------------------------------------------------------------

@pytest.mark.parametrize("name", CONSTRAINTS.names())
def test_config_round_trip_for_every_registered_name(name):
    c = constraints.get(name)
    config = constraints.serialize(c)
    assert config["module"] == "keras.constraints" and config["registered_name"] is None
    again = constraints.deserialize(json.loads(json.dumps(config)))
    assert type(again) is type(c) and again.get_config() == c.get_config()


@pytest.mark.parametrize("c, config", [
    (MaxNorm(), {"max_value": 2, "axis": 0}),
    (MaxNorm(3.0, axis=(0, 1, 2)), {"max_value": 3.0, "axis": [0, 1, 2]}),
    (UnitNorm(axis=1), {"axis": 1}),
    (MinMaxNorm(), {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}),
    (NonNeg(), {}),
])
def test_keras_configs(c, config):
    assert c.get_config() == config
    again = constraints.get({"module": "keras.constraints", "class_name": type(c).__name__,
                             "config": config, "registered_name": None})
    assert again.get_config() == config
    w = np.random.default_rng(2).normal(size=(3, 3, 2, 4))
    np.testing.assert_array_equal(again(w), c(w))


def test_get_other_identifiers():
    assert constraints.get(None) is None
    assert type(constraints.get(NonNeg)) is NonNeg
    c = MaxNorm(4)
    assert constraints.get(c) is c

    def clip_unit(w):
        return np.clip(w, -1, 1)

    assert constraints.get(clip_unit) is clip_unit
    config = constraints.serialize(clip_unit)
    assert config["class_name"] == "function"
    assert constraints.deserialize(config, {"clip_unit": clip_unit}) is clip_unit
    assert constraints.max_norm is MaxNorm and constraints.nonneg is NonNeg


# ---- bad input --------------------------------------------------------------------

@pytest.mark.parametrize("make, match", [
    (lambda: MaxNorm(max_value=-1), "max_value=-1"),
    (lambda: MaxNorm(max_value="2"), "max_value='2'"),
    (lambda: MaxNorm(max_value=float("inf")), "max_value=inf"),
    (lambda: MaxNorm(axis=1.5), "axis=1.5"),
    (lambda: MaxNorm(axis=[]), "axis"),
    (lambda: UnitNorm(axis="0"), "axis"),
    (lambda: MinMaxNorm(min_value=-1.0), "min_value"),
    (lambda: MinMaxNorm(min_value=2.0, max_value=1.0), "max_value=1.0"),
    (lambda: MinMaxNorm(rate=1.5), "rate=1.5"),
    (lambda: MinMaxNorm(rate=-0.1), "rate=-0.1"),
    (lambda: MaxNorm(axis=2)(W), r"axis=2 is out of range.*\(2, 2\)"),
    (lambda: UnitNorm(axis=[0, 5])(W), "out of range"),
    (lambda: constraints.get(3), "constraint identifier"),
    (lambda: constraints.get("max_nrom"), "max_norm"),
])
def test_bad_input_raises_clear_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make()
