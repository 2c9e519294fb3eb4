"""Every loss and metric beside Keras 3.15 on torch and jax (round 19's option sweep): each
loss with its options, reductions, sample-weight shapes, masks, ranks, label forms and
dtypes (value, dtype, shape, config), each metric over three weighted updates and a reset
(results, variables, config), the errors for bad options, and a sample of metrics compiled
into a model (History and evaluate).

The cases are in tests/fixtures/examples19_lossmetric_cases.py; what Keras computed is in
tests/fixtures/keras_examples19_lossmetric.json, written once by
tools/make_examples19_lossmetric_fixture.py on Keras's jax and torch backends. minikeras
must give their record where the two backends agree; where they differ, ``BACKEND_SPECIFIC``
names the side minikeras takes, and why; ``REFUSED`` the cases where they fail differently
and minikeras raises its own ValueError; ``DELIBERATE`` what docs/porting.md lists; ``OPEN``
what is left (a strict xfail).
"""
import functools
import re

import pytest

import minikeras as keras
from tests.compat.record_agreement import agreed, as_expected, has_conflict, types_only
from tests.compat.script_compare import assert_same, open_marked
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples19_lossmetric_cases", "keras_examples19_lossmetric.json")

# case -> (the backend whose record minikeras follows, why the other differs); an error there
# is compared by its type (each backend words its own)
_CIRCLE_SCALAR = ("Circle with a scalar sample_weight: torch fails to broadcast it in place "
                  "(RuntimeError); jax weights every row")
_FLOAT16 = "float16 sums: the backends accumulate in different orders (a last-bit difference)"
_GCE_FUNCTION = ("the bare categorical_generalized_cross_entropy on numpy labels: torch "
                 "fails to multiply a numpy array by its tensor (TypeError)")
_OUT_OF_BOUNDS = "an axis out of bounds: jax's ValueError, torch's IndexError"
_WEIGHT_SHAPE = ("a sample_weight that cannot broadcast to the per-sample values: jax's "
                 "ValueError, torch's RuntimeError")
BACKEND_SPECIFIC = {
    **{f"loss/Circle/reduction_{r}/weight_scalar": ("jax", _CIRCLE_SCALAR)
       for r in ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none",
                 "None")},
    "loss/CosineSimilarity/dtype_float16": ("torch", _FLOAT16),
    "loss/MeanSquaredLogarithmicError/dtype_float16": ("jax", _FLOAT16),
    "loss_fn/categorical_generalized_cross_entropy/q0.2": ("jax", _GCE_FUNCTION),
    "loss_fn/categorical_generalized_cross_entropy/q0.9": ("jax", _GCE_FUNCTION),
    "loss/Dice/axis12": ("jax", _OUT_OF_BOUNDS),
    "loss_fn/dice/axis12": ("jax", _OUT_OF_BOUNDS),
    **{f"metric/BinaryIoU/{option}/weighted": (
        "jax", "BinaryIoU on (6, 2) predictions with 6 weights: jax's ValueError, torch's "
               "RuntimeError") for option in ("base", "one", "t0.3")},
    **{f"metric_dtype/{cls}/float64": (
        "torch", "a float64 metric: jax (without x64) computes the result in float32")
       for cls in ("F1Score", "Sum")},
    **{f"metric/{cls}/axis0/weighted": ("jax", _WEIGHT_SHAPE)
       for cls in ("CategoricalCrossentropy", "ConcordanceCorrelation", "CosineSimilarity",
                   "PearsonCorrelation")},
    **{f"metric/{cls}/default/{weighting}": (
        "jax", "k=5 with 4 classes: jax counts every label a hit (as TensorFlow's in_top_k), "
               "torch raises RuntimeError")
       for cls in ("TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy")
       for weighting in ("plain", "weighted")},
}

# case -> why minikeras raises its own ValueError where the backends fail differently
_SHAPES = ("shapes that cannot broadcast: jax's TypeError, torch's RuntimeError; minikeras's "
           "ValueError names both shapes")
REFUSED = {
    "loss_error/mse_shape_mismatch": _SHAPES,
    "loss_error/weight_bad_shape": _SHAPES,
}

# (case pattern, key): what minikeras does differently on purpose (docs/porting.md); key
# None: the whole case, where minikeras takes what Keras refuses (it must give a record)
_CONFIGS = ("get_config() keeps Huber's delta, the CosineSimilarity loss's and metric's and "
            "SparseCategoricalCrossentropy's axis and SparseTopKCategoricalAccuracy's "
            "from_sorted_ids (Keras leaves them out: docs/porting.md)")
_FLOAT64 = "float64 stays float64 (Keras folds 64-bit results to 32: docs/porting.md)"
DELIBERATE = {
    (r"loss/(Huber|CosineSimilarity|SparseCategoricalCrossentropy)/.*", "config"): _CONFIGS,
    (r"metric/(SparseTopKCategoricalAccuracy|CosineSimilarity)/.*", "config"): _CONFIGS,
    (r"loss/\w+/dtype_float64", "dtype"): _FLOAT64,
    (r"loss_error/reduction_auto", None): 'reduction="auto" reads as "sum_over_batch_size" '
                                          "(Keras 2 configs: docs/porting.md)",
    (r"loss_fn/categorical_generalized_cross_entropy", None): (
        "the function's q defaults to 0.5, so the string name works in compile (Keras "
        "requires q)"),
}

# case -> why minikeras still differs where both backends agree (left open)
OPEN = {
    "metric_dtype/R2Score/float16": (
        "float16 inputs: Keras's sums round once from a wider accumulator; numpy's float16 "
        "sums round in float16 (an ops-level question of float16 reductions)"),
}

@functools.cache
def deliberate_keys(name):  # asked at collection and twice per test: the regexes run once
    return {key for pattern, key in DELIBERATE if re.fullmatch(pattern, name)}


def expected_record(name):
    """What minikeras must give for case ``name`` (the deliberate keys left out)."""
    if name in BACKEND_SPECIFIC:
        expected = types_only(KERAS[BACKEND_SPECIFIC[name][0]][name])
    else:
        expected = agreed(KERAS["jax"][name], KERAS["torch"][name])
    if not isinstance(expected, dict):
        return expected
    return {k: v for k, v in expected.items() if k not in deliberate_keys(name)}


def with_mask(array, mask):
    """``array`` as a minikeras tensor carrying ``mask`` as its ``_keras_mask``."""
    tensor = keras.ops.convert_to_tensor(array)
    tensor._keras_mask = keras.ops.convert_to_tensor(mask)
    return tensor


COMPARED = sorted(set(cases.CASES) - set(REFUSED)
                  - {name for name in cases.CASES if None in deliberate_keys(name)})


@pytest.mark.parametrize("name", open_marked(COMPARED, OPEN))
def test_losses_and_metrics_follow_keras(name):
    got = cases.CASES[name](keras, with_mask)
    got = {k: v for k, v in got.items() if k not in deliberate_keys(name)}
    expected = expected_record(name)
    assert not has_conflict(expected), f"{name}: the backends differ; name a side"
    assert_same(as_expected(got, expected), expected, name)


def test_every_case_was_recorded_on_both_backends():
    assert sorted(KERAS["jax"]) == sorted(KERAS["torch"]) == sorted(cases.CASES)


def test_backend_specific_cases_differ_between_the_backends():
    for name in BACKEND_SPECIFIC:
        assert has_conflict(agreed(KERAS["jax"][name], KERAS["torch"][name])), name


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_minikeras_refuses_where_the_backends_fail_differently(name):
    assert has_conflict(agreed(KERAS["jax"][name], KERAS["torch"][name])), name
    assert cases.CASES[name](keras, with_mask)["error"].startswith("ValueError: ")


@pytest.mark.parametrize("name", sorted(n for n in cases.CASES if None in deliberate_keys(n)))
def test_minikeras_takes_what_keras_refuses_on_purpose(name):
    assert "error" in KERAS["torch"][name] and "error" in KERAS["jax"][name]
    assert "error" not in cases.CASES[name](keras, with_mask)
