"""Forward numerics at extreme values beside Keras 3.15 on jax and torch (round 20's cases,
recorded in round 21): the activations and ``keras.ops`` nn ops at ±1e-8 ... ±3e38, ±inf and
nan in float16, float32 and float64; softmax, logsumexp, normalize, moments and batch
normalization over rows with a large spread; the crossentropy ops and every loss at
probabilities 0 and 1, logits ±1e4, targets outside [0, 1], nan and inf, under three
clipping epsilons; metrics fed nan and inf; short fits that diverge.

The cases are in tests/fixtures/examples20_numerics_cases.py; what Keras computed is in
tests/fixtures/keras_examples20_numerics.json, written once by
tools/make_examples20_numerics_fixture.py on Keras's jax and torch backends. Numbers are
compared to float32 round-off (float16 cases to two float16 steps); an infinity or a nan
must be the same infinity or a nan. Where the backends agree minikeras must give their
record; jax (without x64) computes the float64 cases in float32, so those follow torch;
elsewhere ``BACKEND_SPECIFIC`` names the side minikeras takes, and why.

Found here and fixed: ``ops.moments`` of float16 computes in float32 and clips to float16's
range, as Keras does (minikeras overflowed to inf); ``AUC`` counts a nan prediction in the
lowest bucket, as Keras on jax (minikeras dropped it); the sparse crossentropy reads only
the label's log-probability, as Keras on torch (a -inf logit of another class, a masked
one, made the loss nan through the one-hot product; float16 stays float16, as on torch).
"""

import numpy as np
import pytest

import minikeras as keras
from tests.compat.record_agreement import agrees
from tests.compat.script_compare import ATOL, RTOL, assert_same, minikeras_gradient, open_marked
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples20_numerics_cases", "keras_examples20_numerics.json")

DTYPES = ("float16", "float32", "float64")
FLOAT16 = (2e-3, 1e-6)  # two float16 steps (2**-10 each, relative)


def tolerance(name):
    return FLOAT16 if name.endswith("_float16") else (RTOL, ATOL)


# case -> (the backend whose record minikeras follows, why the other differs)
_TORCH_BCE = ("torch's binary_cross_entropy refuses targets or probabilities outside [0, 1] "
              "(RuntimeError); jax computes them")
_WHERE_NAN = ("nan compared with the threshold is False, so jax's where gives the other "
              "branch; torch's native kernel passes nan through")
_HUGE_SILU = "x * relu6(x + 3) / 6 at 3e38: jax gives x; torch's hardswish overflows to inf"
_FLOAT16_ONCE = ("float16 arithmetic: torch computes in float32 and rounds once, jax and "
                 "minikeras round each step (a few float16 steps apart)")
_MOMENTS = ("variance as the mean of squared deviations (jax); torch's E[x²] - E[x]² "
            "cancels (0 for 1e4 ± 2, nan for ±3e38)")
_MSLE16 = "msle of float16: jax keeps float16, torch computes in float32"
_SPARSE_CE = ("sparse crossentropy from logits: torch (and minikeras) reads the label's "
              "log-probability alone; jax multiplies a one-hot by every log-probability, so "
              "a -inf one of another class gives 0 · -inf = nan; jax's float32 one-hot also "
              "promotes float16 to float32")
_AUC_NAN = ("a nan prediction: jax's bucket index of nan is 0 (below every threshold but the "
            "-epsilon one, as a 0 prediction); torch's is INT_MIN, the top bucket")
_SPARSEMAX = "sparsemax at inf / nan (see OPEN)"
_BCE_LOGITS_INF = ("binary crossentropy from an infinite logit: jax's "
                   "-t·log_sigmoid(x) - (1-t)·log_sigmoid(-x) gives inf on the wrong side, "
                   "torch's max(x, 0) - x·t + log1p(exp(-|x|)) gives inf - inf·0 = nan; "
                   "minikeras computes jax's form at infinite logits (float64 too)")
BACKEND_SPECIFIC = {
    **{name: ("jax", _TORCH_BCE) for name in cases.CASES
       if name.rsplit("_", 1)[-1] != "float64" and "error" not in KERAS["jax"][name]
       and KERAS["torch"][name] == {"error": "RuntimeError"}},
    **{f"activation_{n}_{dtype}": ("jax", _WHERE_NAN) for dtype in DTYPES
       for n in ("hard_shrink", "soft_shrink", "threshold")},
    "activation_hard_silu_float32": ("jax", _HUGE_SILU),
    "activation_hard_swish_float32": ("jax", _HUGE_SILU),
    "ops_batch_normalization_large_variance_float16": ("jax", _FLOAT16_ONCE),
    "ops_moments_large_mean_float32": ("jax", _MOMENTS),
    "ops_moments_rows_float32": ("jax", _MOMENTS),
    **{name: ("jax", _MSLE16) for name in cases.CASES
       if name.endswith("mean_squared_logarithmic_error_float16")},
    **{f"{kind}_{dtype}": ("torch", _SPARSE_CE) for dtype in ("float16", "float32")
       for kind in ("ops_sparse_categorical_crossentropy_logits",
                    "loss_sparse_categorical_crossentropy_logits")},
    **{f"{kind}_float16": ("torch", _SPARSE_CE)
       for kind in ("ops_sparse_categorical_crossentropy_probs",
                    "loss_sparse_categorical_crossentropy")},
    "metric_auc_nan": ("jax", _AUC_NAN),
    "activation_squareplus_float32": ("jax", "(x + sqrt(x² + 4)) / 2 at x = -88 cancels: "
                                             "the backends' square roots differ in the "
                                             "last bit"),
    "ops_normalize_l1_rows_float16": ("torch", "jax flushes float16's subnormal epsilon "
                                               "(1e-7) to 0: a zero row gives 0/0"),
    "loss_binary_crossentropy_logits_float16": ("jax", _BCE_LOGITS_INF),
    "loss_binary_crossentropy_logits_float32": ("jax", _BCE_LOGITS_INF),
    "loss_binary_crossentropy_logits_float64": ("jax", _BCE_LOGITS_INF),
    "activation_sparsemax_rows_float16": ("jax", _SPARSEMAX),
    "activation_sparsemax_rows_float32": ("jax", _SPARSEMAX),
}

# float64 cases jax computes in float32 and torch refuses: nothing recorded to follow
UNRECORDED = {name: _TORCH_BCE for name in cases.CASES
              if name.endswith("_float64") and KERAS["torch"][name] == {"error": "RuntimeError"}}

# float64 case -> what Keras on torch narrows to float32 (docs/porting.md: minikeras keeps
# 64 bits): compared as float64 numbers to float32 round-off
NARROWED = {
    "loss_hinge_float64": "hinge calls maximum",
    "loss_squared_hinge_float64": "squared_hinge calls maximum",
    "loss_categorical_hinge_float64": "categorical_hinge calls maximum",
    "loss_mean_squared_logarithmic_error_float64": "msle calls maximum",
    **{f"epsilon_{tag}_mean_squared_logarithmic_error_float64": "msle calls maximum"
       for tag in ("0p001", "1em12", "0p0")},
}

# case -> what minikeras takes that Keras 3.15 refuses, on purpose
TAKEN = {
    **{f"loss_categorical_generalized_cross_entropy_{dtype}":
       "the bare function's q defaults to 0.5, the class's (docs/losses.md; Keras's requires "
       "q: TypeError); the case's float targets are then no labels (ValueError)" for dtype in
       ("float16", "float32", "float64")},
}

# case -> a deliberate difference (docs/porting.md), checked by ``DELIBERATE_CHECKS``
DELIBERATE = {
    "ops_normalize_l1_rows_float64": "Keras on torch takes the 1-norm in float32 "
                                     "(3e38 * 3 overflows); minikeras keeps float64 "
                                     "(docs/porting.md)",
    "ops_celu_alpha_float16": "alpha 1e-8 rounds to 0 in float16 (minikeras rounds a Python "
                              "scalar to the tensor's dtype: celu is x above 0, nan at 0); "
                              "torch computes in float32, jax gives nan from 0 up "
                              "(docs/porting.md)",
}

# case -> why minikeras still differs where the backends agree (left open)
_SPARSEMAX_OPEN = ("Keras 3.15's sparsemax takes its threshold from the sorted cumulative "
                   "sums (large, inf or nan inputs give large, inf or nan outputs); "
                   "minikeras's is the sparsemax of Martins & Astudillo "
                   "(minikeras/activations.py)")
OPEN = {
    **{f"activation_sparsemax_{way}_{dtype}": _SPARSEMAX_OPEN
       for way in ("rows", "columns") for dtype in ("float16", "float32", "float64")},
}


def result_of(record):
    """A case's result: the record, or its first item ([result, epsilon] cases)."""
    return record[0] if isinstance(record, list) else record


def as_float64(record):
    """``record`` with its result's dtype float64."""
    if isinstance(record, list):
        return [as_float64(record[0]), *record[1:]]
    return dict(record, dtype="float64")


def expected_record(name):
    """What minikeras must give for case ``name``: the record the backends share, torch's for
    float64, the named side's for a backend-specific case."""
    if name in BACKEND_SPECIFIC:
        side = BACKEND_SPECIFIC[name][0]
        if side == "jax" and name.endswith("_float64"):  # jax's float32 numbers, as float64
            return as_float64(KERAS["jax"][name])
        return KERAS[side][name]
    if name.endswith("_float64"):
        return KERAS["torch"][name]
    jax, torch = KERAS["jax"][name], KERAS["torch"][name]
    assert agrees(jax, torch, tolerance(name)), f"{name}: the backends differ; name a side"
    return torch


def run(name):
    return cases.CASES[name](keras, minikeras_gradient)


COMPARED = sorted(set(cases.CASES) - set(UNRECORDED) - set(TAKEN) - set(DELIBERATE))


@pytest.mark.parametrize("name", open_marked(COMPARED, OPEN))
def test_numerics_follow_keras(name):
    expected = expected_record(name)
    got = run(name)
    if name in NARROWED:
        expected = as_float64(expected)
    assert_same(got, expected, name, tolerance(name))


def test_every_case_was_recorded_on_both_backends():
    assert sorted(KERAS["jax"]) == sorted(KERAS["torch"]) == sorted(cases.CASES)


@pytest.mark.parametrize("name", sorted(BACKEND_SPECIFIC))
def test_backend_specific_cases_differ_between_the_backends(name):
    assert not agrees(KERAS["jax"][name], KERAS["torch"][name], tolerance(name))


def test_jax_computes_float64_in_float32():
    """Why the float64 cases follow torch: jax without x64 gives float32 (or an error)."""
    for name in cases.CASES:
        if name.endswith("_float64") and "dtype" in KERAS["jax"][name]:
            assert KERAS["jax"][name]["dtype"] == "float32", name


@pytest.mark.parametrize("name", sorted(NARROWED))
def test_narrowed_cases_are_float32_in_keras(name):
    assert result_of(KERAS["torch"][name])["dtype"] == "float32"


@pytest.mark.parametrize("name", sorted(UNRECORDED))
def test_float64_cases_torch_refuses_compute_in_float64(name):
    assert result_of(run(name))["dtype"] == "float64"


@pytest.mark.parametrize("name", sorted(TAKEN))
def test_minikeras_takes_what_keras_refuses(name):
    assert KERAS["jax"][name] == KERAS["torch"][name] == {"error": "TypeError"}
    assert keras.losses.categorical_generalized_cross_entropy(
        np.array([0, 2]), np.array([[0.5, 0.5, 0.0], [0.25, 0.0, 0.75]])).shape == (2,)


def check_normalize_l1_float64(got):
    """Every row divided by its own 1-norm (at least epsilon), in float64."""
    rows = np.asarray(cases.ROWS, dtype="float64")
    norm = np.maximum(np.abs(rows).sum(axis=-1, keepdims=True), keras.config.epsilon())
    with np.errstate(invalid="ignore"):
        assert_same(got, {"dtype": "float64", "value": (rows / norm).tolist()})


def check_celu_alpha_float16(got):
    """celu with alpha rounded to 0: x above 0, nan at 0 (0/0) and nan, -0 below
    (0 · expm1(-inf))."""
    x = np.asarray(cases.POINTS, dtype="float16").astype("float64")
    expected = np.where(x > 0, x, np.where((x == 0) | np.isnan(x), np.nan, -0.0))
    assert_same(got, {"dtype": "float16", "value": expected.tolist()})
    torch = KERAS["torch"]["ops_celu_alpha_float16"]["value"]
    assert [g for g, t in zip(got["value"], torch) if g > 0] == [t for t in torch if t > 0]


DELIBERATE_CHECKS = {
    "ops_normalize_l1_rows_float64": check_normalize_l1_float64,
    "ops_celu_alpha_float16": check_celu_alpha_float16,
}


@pytest.mark.parametrize("name", sorted(DELIBERATE))
def test_deliberate_differences(name):
    got = run(name)
    for backend in ("jax", "torch"):
        assert not agrees(got, KERAS[backend][name], tolerance(name)), backend
    DELIBERATE_CHECKS[name](got)


def test_every_deliberate_difference_has_a_check():
    assert sorted(DELIBERATE) == sorted(DELIBERATE_CHECKS)
