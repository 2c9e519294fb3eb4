"""Edge shapes and odd inputs beside Keras 3.15 on jax and torch (round 20's sweep, recorded
in round 21): ``keras.ops`` on zero-size arrays, rank-0 scalars, size-1 axes, negative axes
and axis tuples, keepdims and 6-D inputs (eager results and symbolic shapes); layers on a
batch of 0 and on size-1 dims; models' fit / evaluate / predict on 0 or 1 samples, batches
larger than the data and odd containers (what they return, print and warn).

The cases are in tests/fixtures/examples20_edgeshapes_cases.py; what Keras computed is in
tests/fixtures/keras_examples20_edgeshapes.json, written once by
tools/make_examples20_edgeshapes_fixture.py on Keras's jax and torch backends. A side that
raises is recorded by its error's type. minikeras must give their record where the two
backends agree; where both raise, each its own type, minikeras must raise one of those types
or a ValueError; where one computes and the other raises, or they compute different things,
``BACKEND_SPECIFIC`` names the side minikeras takes, and why. ``KERAS_SYMBOLIC_SLIPS`` (a
rule, not a list) covers Keras's symbolic shapes that its own eager call contradicts;
``RANDOM_WEIGHTS`` and ``SHUFFLED`` are compared without the numbers each framework's own
random stream decides; deliberate differences are ``EMPTY_DATA`` and ``TAKEN``; ``OPEN``
what is left (a strict xfail).
"""
import re

import pytest

import minikeras as keras
from tests.compat.record_agreement import CONFLICT, has_conflict
from tests.compat.script_compare import TORCH_SIZE, assert_same, open_marked, shape_text
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples20_edgeshapes_cases", "keras_examples20_edgeshapes.json")

REFUSED = "<refused by {}>"  # both backends raise, with these types (minikeras: one or ValueError)


def is_error(record):
    return isinstance(record, dict) and sorted(record) == ["error"]


def refused(*types):
    return {"error": REFUSED.format("|".join(sorted(set(types))))}


def agreed(jax, torch):
    """What the two backends' records share: equal parts as they are, two errors of different
    types as a refusal by either, numbers equal to float32 round-off as torch's; ``CONFLICT``
    where they differ."""
    if is_error(jax) and is_error(torch) and jax != torch:
        return refused(jax["error"], torch["error"])
    if isinstance(jax, dict) and isinstance(torch, dict) and sorted(jax) == sorted(torch):
        return {k: agreed(jax[k], torch[k]) for k in torch}
    if isinstance(jax, list) and isinstance(torch, list) and len(jax) == len(torch):
        return [agreed(j, t) for j, t in zip(jax, torch)]
    if isinstance(torch, str):
        torch = TORCH_SIZE.sub(shape_text, torch)
    try:
        assert_same(jax, torch)
    except (AssertionError, TypeError):
        return CONFLICT
    return torch


def as_refusals(record):
    """``record`` with each error as a refusal by its type (or a ValueError)."""
    if is_error(record):
        return refused(record["error"])
    if isinstance(record, dict):
        return {k: as_refusals(v) for k, v in record.items()}
    if isinstance(record, list):
        return [as_refusals(v) for v in record]
    return record


def as_expected(got, expected):
    """``got`` with an error reduced to the refusal ``expected`` holds where its type is one
    of the refusal's or a ValueError (minikeras's clear error where the backends fail each
    their own way)."""
    if is_error(got) and is_error(expected) and expected["error"].startswith("<refused by "):
        types = expected["error"][len("<refused by "):-1].split("|")
        return expected if got["error"] in types + ["ValueError"] else got
    if isinstance(expected, dict) and isinstance(got, dict):
        return {k: as_expected(got[k], expected[k]) if k in expected else got[k] for k in got}
    if isinstance(expected, list) and isinstance(got, list) and len(got) == len(expected):
        return [as_expected(g, e) for g, e in zip(got, expected)]
    return got


# -- where the backends differ: the side minikeras takes ----------------------------------
_SCALAR_AXIS = ("an axis of a rank-0 tensor: jax refuses it, as numpy and both backends' "
                "symbolic shapes do; torch reads the scalar as a vector of one")
_EMPTY_AXIS = ("a reduction over a non-empty axis of an empty array: jax gives the empty "
               "result (as numpy and Keras's symbolic shape); torch refuses a max / min / "
               "median of zero-size input")
_TORCH_KEEPDIMS = ("a reduction with keepdims and no axis: torch drops the kept axes (a rank-0 "
                   "result); jax keeps them, as numpy and both symbolic shapes")
_TORCH_COUNT = ("count_nonzero over a 3-D / 6-D input: torch's result has its axes reversed; "
                "jax's shape is numpy's and both symbolic shapes'")
_TUPLE = ("where(x) / nonzero(x): jax gives a tuple of index vectors (numpy's and both "
          "symbolic specs' structure); torch stacks them into one int64 array")
_INDEX_DTYPE = "top_k's indices: int32 on jax (Keras's index dtype), int64 on torch"
_TORCH_PAD = ("pad(x, 1): torch pads only the last axis of a 2-D input; jax pads every axis, "
              "as numpy and both symbolic shapes")
_SCALAR_SHAPE = ("an op on a rank-0 tensor that needs an axis: jax refuses it (numpy's "
                 "answer, and both backends' symbolic one); torch reads the scalar as a "
                 "vector of one")
_SIZE_DTYPE = "size of a scalar: int64 on jax, a float32 on torch"
_ARGSORT_SCALAR = "argsort of a scalar: jax (as numpy) gives shape (1,); torch a scalar"
_JAX_SCALAR = ("take / pad of a rank-0 tensor: jax computes it, as numpy does; torch "
               "refuses the scalar")
_REPEAT_SCALAR = ("repeat(scalar, n, axis=0): jax repeats a vector of one; torch refuses the "
                  "axis, as numpy does and both symbolic shapes do")
_SLICE_CLIP = ("a slice longer than its axis: torch clips it as Python slicing does; jax "
               "refuses the size")
_CONCAT_NONE = ("concatenate(axis=None): jax flattens the parts; torch refuses, as both "
                "symbolic shapes do")
_POOL_TOO_SMALL = ("a pooling window larger than its input: jax gives an empty output, torch "
                   "refuses, as both symbolic shapes do")
_GMP_EMPTY = ("GlobalMaxPooling1D on a batch of 0: jax gives the empty (0, 3) output; "
              "torch refuses a max of zero-size input")
_STRUCTURE_WARNING = ("a dict lacking an input: jax warns of the structure before raising, "
                      "torch raises at once (both raise the same ValueError)")
BACKEND_SPECIFIC = {
    **{f"reduce_{op}_scalar_{axis}": ("jax", _SCALAR_AXIS)
       for op in ("sum", "mean", "max", "min", "argmax", "argmin", "std", "var", "logsumexp",
                  "any", "all", "count_nonzero", "amax", "nanmean_like_average")
       for axis in ("axis0", "axism1")},
    **{f"reduce_{op}_{case}": ("jax", _EMPTY_AXIS)
       for op in ("max", "min", "median")
       for case in ("empty0_axis1", "empty0_axism1", "empty0_axism1_keep", "empty1_axis0")},
    **{f"reduce_{op}_{x}_all_keep": ("jax", _TORCH_KEEPDIMS)
       for op in ("sum", "prod", "max", "min", "amax")
       for x in ("empty0", "empty1", "ones13", "rank6")
       if op in ("sum", "prod") or not x.startswith("empty")},
    "reduce_median_scalar_all_keep": ("torch", "median of a scalar with keepdims: jax gives "
                                               "shape (1,), torch a scalar, as numpy and both "
                                               "symbolic shapes"),
    **{f"reduce_count_nonzero_{case}": ("jax", _TORCH_COUNT)
       for case in ("ones13_axis0", "ones13_axism1", "ones13_axism1_keep", "rank6_axis01",
                    "rank6_axis1")},
    **{f"shape_{op}_{x}": ("jax", _TUPLE)
       for op in ("where1", "nonzero") for x in ("empty0", "empty1", "mat", "size1")},
    **{f"shape_top_k_{k}_{x}": ("jax", _INDEX_DTYPE)
       for k in (0, 1) for x in ("empty0", "empty1", "mat", "size1")
       if (k, x) != (1, "empty1")},
    **{f"shape_pad_1_{x}": ("jax", _TORCH_PAD) for x in ("empty0", "empty1", "mat", "size1")},
    **{f"shape_{op}_scalar": ("jax", _SCALAR_SHAPE)
       for op in ("sort", "sort_axis0", "unique_like_sort_flip", "nonzero", "where1",
                  "moveaxis", "swapaxes", "squeeze_m1", "top_k_0", "top_k_1")},
    **{f"nn_{op}_scalar": ("jax", _SCALAR_SHAPE)
       for op in ("softmax", "softmax_axis0", "log_softmax", "cumsum_axism1")},
    **{f"shape_squeeze_m1_{x}": ("jax", "squeeze of an axis whose size is not 1: jax refuses "
                                        "it, as numpy does; torch returns the input")
       for x in ("empty0", "empty1", "mat")},
    "shape_size_scalar": ("jax", _SIZE_DTYPE),
    "shape_argsort_scalar": ("jax", _ARGSORT_SCALAR),
    "shape_take_flat_scalar": ("jax", _JAX_SCALAR),
    "shape_pad_0_scalar": ("jax", _JAX_SCALAR),
    "shape_pad_1_scalar": ("jax", _JAX_SCALAR),
    "shape_repeat_0_axis0_scalar": ("torch", _REPEAT_SCALAR),
    "shape_repeat_2_axis0_scalar": ("torch", _REPEAT_SCALAR),
    "shape_slice_empty1": ("torch", _SLICE_CLIP),
    "shape_slice_size1": ("torch", _SLICE_CLIP),
    "join_concat_axis_none": ("torch", _CONCAT_NONE),
    "layer_avgpool1d_1x1x2": ("torch", _POOL_TOO_SMALL),
    "layer_maxpool2d_1x1x1x1": ("torch", _POOL_TOO_SMALL),
    "layer_gmp1d_0x2x3": ("jax", _GMP_EMPTY),
    "model_predict_dict_missing_key": ("torch", _STRUCTURE_WARNING),
}

# cases whose eager values come from weights each backend draws from its own random stream
# (one seed, three generators): compared by shape and dtype, not by value
RANDOM_WEIGHTS = (
    "layer_conv1d_1x1x1", "layer_conv2d_1x1x1x1", "layer_conv2d_k3_same_1x1x1x1",
    "layer_dense_1unit_1x1x1", "layer_dense_1x1", "layer_dense_1x3", "layer_embedding_1x1",
    "layer_gru_1x1x2", "layer_lstm_1x1x2", "layer_lstm_2x1x2", "layer_lstm_seq_1x1x2",
    "layer_mha_1query_2x1x4", "layer_simple_rnn_state_1x1x2")

# cases whose numbers depend on fit's shuffled batch order, drawn from each framework's own
# random stream (docs/porting.md: keras.random draws from numpy's generator): compared with
# their numbers masked (4 samples in batches of 2; the batches' losses differ by order)
SHUFFLED = ("model_fit_steps_beyond",)

# case -> why minikeras raises its own ValueError before reading any batch where Keras fails
# on data of 0 samples (docs/porting.md): Keras's predict raises UnboundLocalError after its
# "ran out of data" warning; its fit / evaluate raise StopIteration on jax
EMPTY_DATA = {
    "model_predict_0_samples": "predict on 0 samples: Keras's UnboundLocalError",
    "model_predict_0_samples_batch": "predict on 0 samples: Keras's UnboundLocalError",
    "model_predict_dict_0_samples": "predict on 0 samples: Keras's UnboundLocalError",
    "model_fit_0_samples": "fit on 0 samples: jax's StopIteration, torch's ValueError",
    "model_evaluate_0_samples": "evaluate on 0 samples: jax's StopIteration, torch's "
                                "ValueError after its 'ran out of data' warning",
    "model_train_on_batch_0": "train_on_batch on 0 samples: jax's TypeError, torch's "
                              "RuntimeError (a mean over no samples)",
}

# case -> what minikeras takes that Keras refuses, on purpose (docs/porting.md)
TAKEN = {
    "model_call_python_list": "a model called on a nested Python list converts it (Keras "
                              "refuses non-tensor positional arguments)",
}

# case -> why minikeras still differs where the backends agree (left open)
OPEN = {}


def call_shapes(eager):
    """The shape (or shapes) a call gave, ``None`` where it raised."""
    if isinstance(eager, list):
        return [call_shapes(e) for e in eager]
    return None if is_error(eager) else eager["shape"]


def fits(symbolic, shapes):
    """Whether a symbolic spec (shapes with -1 for an unknown size, or an error) is what the
    call's ``shapes`` (``call_shapes``) allow."""
    if shapes is None:
        return is_error(symbolic)
    if isinstance(shapes, list) and isinstance(symbolic, list) and len(shapes) == len(symbolic):
        return all(fits(s, c) for s, c in zip(symbolic, shapes))
    if isinstance(shapes, int) and isinstance(symbolic, int):
        return symbolic in (-1, shapes)
    return False


def keras_symbolic_slips(record):
    """Whether Keras's symbolic shape contradicts its own eager call (a shape where the call
    raises, an error where it computes, another shape, another error type): Keras's
    symbolic ops infer shapes and check arguments by their own rules, minikeras's run the op
    on placeholders, so its symbolic shape (or error) is its call's. Such a case's symbolic
    shape is compared with minikeras's own call instead."""
    if "symbolic" not in record or "eager" not in record or has_conflict(record):
        return False
    symbolic, eager = record["symbolic"], record["eager"]
    if is_error(symbolic) and is_error(eager):  # types the eager call does not raise
        return not error_types(symbolic) <= error_types(eager)
    return not fits(symbolic, call_shapes(eager))


def error_types(record):
    """The error types an error record names (one, or a refusal's)."""
    return set(re.findall(r"\w+Error|\w+Exception|StopIteration", record["error"]))


def without_values(record):
    """A layer record's eager outputs by shape and dtype only."""
    eager = record["eager"]
    strip = (lambda e: {k: v for k, v in e.items() if k != "value"})
    return dict(record, eager=[strip(e) for e in eager] if isinstance(eager, list)
                else strip(eager))


NUMBER = re.compile(r"\d+\.\d+")


def without_numbers(record):
    """``record`` with its floats, and the decimals in its texts, masked."""
    if isinstance(record, dict):
        return {k: without_numbers(v) for k, v in record.items()}
    if isinstance(record, list):
        return [without_numbers(v) for v in record]
    if isinstance(record, float):
        return "#"
    return NUMBER.sub("#", record) if isinstance(record, str) else record


def expected_record(name):
    if name in BACKEND_SPECIFIC:
        return as_refusals(KERAS[BACKEND_SPECIFIC[name][0]][name])
    if name in RANDOM_WEIGHTS:
        return agreed(*(without_values(KERAS[b][name]) for b in ("jax", "torch")))
    return agreed(KERAS["jax"][name], KERAS["torch"][name])


COMPARED = sorted(set(cases.CASES) - set(EMPTY_DATA) - set(TAKEN))


@pytest.mark.parametrize("name", open_marked(COMPARED, OPEN))
def test_edge_shapes_follow_keras(name):
    got = cases.CASES[name](keras)
    expected = expected_record(name)
    if name in RANDOM_WEIGHTS:
        got = without_values(got)
    if name in SHUFFLED:
        got, expected = without_numbers(got), without_numbers(expected)
    if keras_symbolic_slips(expected):
        assert fits(got["symbolic"], call_shapes(got["eager"])), \
            f"{name}: symbolic {got['symbolic']} is not the call's {call_shapes(got['eager'])}"
        got, expected = (dict(record, symbolic=None) for record in (got, expected))
    assert not has_conflict(expected), f"{name}: the backends differ; name a side"
    assert_same(as_expected(got, expected), expected, name)


def test_every_case_was_recorded_on_both_backends():
    assert sorted(KERAS["jax"]) == sorted(KERAS["torch"]) == sorted(cases.CASES)


def test_backend_specific_cases_differ_between_the_backends():
    for name in BACKEND_SPECIFIC:
        assert has_conflict(agreed(KERAS["jax"][name], KERAS["torch"][name])), name


@pytest.mark.parametrize("name", sorted(EMPTY_DATA))
def test_minikeras_refuses_empty_data_before_reading_it(name):
    for backend in ("jax", "torch"):
        assert "error" in str(KERAS[backend][name]["results" if "results" in
                                                   KERAS[backend][name] else "result"])
    record = cases.CASES[name](keras)
    errors = record["results"] if "results" in record else {"": record["result"]}
    assert [e.get("error") for e in errors.values()] == ["ValueError"] * len(errors)


@pytest.mark.parametrize("name", sorted(TAKEN))
def test_minikeras_takes_what_keras_refuses(name):
    for backend in ("jax", "torch"):
        assert re.search(r"'error'", str(KERAS[backend][name]["results"]))
    assert "error" not in str(cases.CASES[name](keras)["results"])
