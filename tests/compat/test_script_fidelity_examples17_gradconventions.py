"""Gradients at kinks, ties and special values beside Keras 3.15 on jax and on torch (round
17): where a gradient is a convention rather than a derivative, and two short fits where the
convention shows in the trained weights.

The cases are in tests/fixtures/examples17_gradconventions_cases.py; what Keras computed is
in tests/fixtures/keras_examples17_gradconventions.json, written once by
tools/make_examples17_gradconventions_fixture.py with both backends (``jax.grad`` and torch
autograd). Where the two backends agree, minikeras must give their numbers; where they
disagree the convention is backend-specific, and ``BACKEND_SPECIFIC`` names the side
minikeras takes.

Found here and fixed (the backends agreeing): maximum and minimum of equal operands share
the gradient half and half (minikeras gave it all to the first operand; hinge at its margin
followed); relu6, hard_sigmoid, hard_silu and ``relu(max_value=6)`` have gradient 0 at their
kinks (minikeras passed it at the bounds, as a clip does); elu, selu and celu take the
exponential side at 0 (gradient alpha, scale * alpha); the gradient of ``power`` for its
exponent is nan at a negative base (minikeras gave 0); arcsin and arccos have an infinite
gradient at ±1 (minikeras gave nan). Where the backends differ and minikeras agreed with
neither, it now takes jax's side: an input exactly at sparsemax's threshold (minikeras gave
it no gradient). ``leaky_relu``, ``elu`` and ``celu`` now choose their side with a
``where`` (they were a ``maximum`` or a ``minimum``, whose tie rule would split them at 0).

Deliberate (``DELIBERATE``, docs/porting.md): the L2 normalization of a zero vector keeps a
finite gradient where Keras's is nan.
"""
import numpy as np
import pytest

import minikeras as keras
from tests.compat.record_agreement import agrees
from tests.compat.script_compare import assert_same, minikeras_gradient
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples17_gradconventions_cases",
                          "keras_examples17_gradconventions.json")

_ABS = "abs at 0 has gradient 0 (jax: 1)"
_CLIP = "clip at a bound passes the whole gradient (jax: half, a quarter at equal bounds)"
_ZERO_NORM = "the 2-norm of a zero vector has a nan gradient (torch: 0)"
_FLAT_NORM = "the 1- and inf-norms of a zero vector have gradient 0 (jax: 1, 1/6 shared)"
_SLOPE_ONE = "slope 1 at the kink (torch: the other side's slope)"

# case -> (the backend whose convention minikeras takes, which convention): where Keras's jax
# and torch backends give different numbers.
BACKEND_SPECIFIC = {
    "activation_hard_tanh": ("jax", _SLOPE_ONE + ": hard_tanh at ±1"),
    "activation_leaky_relu": ("jax", _SLOPE_ONE + ": leaky_relu at 0"),
    "activation_leaky_relu_slope": ("jax", _SLOPE_ONE + ": leaky_relu at 0"),
    "layer_leaky_relu_at_zero": ("jax", _SLOPE_ONE + ": the LeakyReLU layer at 0"),
    "fit_at_kink_hard_tanh": ("jax", _SLOPE_ONE + ": hard_tanh's units move"),
    "activation_relu_slope_max_threshold": ("torch", _CLIP + ": relu's max_value other than 6"),
    "ops_clip_bounds": ("torch", _CLIP),
    "ops_clip_equal_bounds": ("torch", _CLIP),
    "kl_divergence_zeros": ("torch", _CLIP + ": the probability 1 at the clip's bound"),
    "ops_abs": ("torch", _ABS),
    "ops_absolute": ("torch", _ABS),
    "fit_at_kink_abs": ("torch", _ABS + ": abs's units stay"),
    "mean_absolute_error_zero_error": ("torch", _ABS),
    "mean_absolute_percentage_error_zero": ("torch", _ABS),
    "norm_zero_vector": ("jax", _ZERO_NORM),
    "norm_axis_zero_row": ("jax", _ZERO_NORM),
    "norm_fro_zero_matrix": ("jax", _ZERO_NORM),
    "reduce_std_constant": ("jax", "std of equal values has a nan gradient (torch: 0)"),
    "norm_ord1_zero_vector": ("torch", _FLAT_NORM),
    "norm_inf_zero_vector": ("torch", _FLAT_NORM),
    "ops_power_zero_exponent": ("jax", "x ** 0 at x = 0 has a nan gradient (torch: 0)"),
    "ops_power_both": ("jax", "x ** y at 0 ** 0 has a nan gradient for x (torch: 0)"),
    "ops_arctan2_origin": ("jax", "arctan2 at the origin has nan gradients (torch: 0)"),
    "ops_hypot_origin": ("torch", "hypot at the origin has nan gradients (jax: 1/2)"),
    "ops_floor_divide": ("jax", "floor_divide has gradient 0 (torch has no derivative)"),
    "ops_sparsemax_support_edge": ("jax", "an input exactly at sparsemax's threshold gets half "
                                          "its gradient (torch: all)"),
    "top_k_ties": ("jax", "top_k takes the first of tied values (torch: others)"),
    "top_k_all_equal": ("jax", "top_k takes the first of tied values (torch: others)"),
    "sparse_categorical_crossentropy_logits_neg_inf": (
        "torch", "a -inf logit of another class: torch reads only the label's "
                 "log-probability (finite), jax's one-hot product makes it nan (round 21); "
                 "the gradients agree"),
}

# case -> why minikeras's gradient differs from both backends' (its value agrees).
DELIBERATE = {
    "normalize_zero_vector": "the zero vector's L2 normalization has the finite gradient "
                             "1/epsilon (Keras: nan, from rsqrt(0) under a minimum)",
    "cosine_similarity_zero_vector": "the same normalization, inside the loss",
    "unit_normalization_zero_vector": "UnitNormalization's own, 1/sqrt(1e-12) (Keras: the "
                                      "same nan)",
}


@pytest.mark.parametrize("name", sorted(set(cases.CASES) - set(DELIBERATE)))
def test_gradient_follows_keras(name):
    got = cases.CASES[name](keras, minikeras_gradient)
    side = BACKEND_SPECIFIC.get(name, ("jax",))[0]
    assert_same(got, KERAS[side][name], name)


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_backends_disagree_exactly_where_listed(name):
    """A case is in BACKEND_SPECIFIC exactly when Keras's two backends recorded different
    numbers for it (so, outside it, following one backend is following both)."""
    assert (not agrees(KERAS["jax"][name], KERAS["torch"][name])) == (name in BACKEND_SPECIFIC)


@pytest.mark.parametrize("name", sorted(DELIBERATE))
def test_deliberate_differences_are_in_the_gradient_only(name):
    got = cases.CASES[name](keras, minikeras_gradient)
    assert agrees(got["value"], KERAS["jax"][name]["value"])
    assert np.all(np.isfinite(got["grads"]))
    assert not agrees(got["grads"], KERAS["jax"][name]["grads"])


def test_every_case_was_recorded_by_both_backends():
    assert sorted(KERAS) == ["jax", "torch"]
    assert sorted(KERAS["jax"]) == sorted(KERAS["torch"]) == sorted(cases.CASES)
