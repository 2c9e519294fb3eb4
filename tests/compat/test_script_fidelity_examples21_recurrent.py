"""The recurrent layers beside Keras 3.15 on jax and torch (round 21's option sweep):
SimpleRNN, LSTM, GRU, ConvLSTM1D/2D/3D, RNN over the built-in cells, StackedRNNCells and a
custom cell, the cells' single steps, Bidirectional, TimeDistributed and Masking, each over
a table of options (symbolic and eager outputs on seeded weights, computed shapes, weights,
configs and their round trip, masks, initial and stateful states, errors).

The cases are in tests/fixtures/examples21_recurrent_cases.py; what Keras computed is in
tests/fixtures/keras_examples21_recurrent.json, written once by
tools/make_examples21_recurrent_fixture.py on Keras's jax and torch backends. minikeras
must give their record where the two backends agree; where they differ, ``BACKEND_SPECIFIC``
names the side minikeras takes, and why; ``OPEN`` what is left (a strict xfail).
"""
import functools

import pytest

import minikeras as keras
from tests.compat.record_agreement import (agreed, as_expected, has_conflict, types_only,
                                          unframed, without_hint)
from tests.compat.script_compare import assert_same, mask_of, open_marked, with_mask
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples21_recurrent_cases", "keras_examples21_recurrent.json")

# case -> (the backend whose record minikeras follows, why the other differs); an error there
# is compared by its type (each backend words its own)
_JAX_MASK = ("jax's masked step broadcasts a (batch, 1) mask against states of other shapes "
             "and fails (a ValueError); torch computes it")
BACKEND_SPECIFIC = {
    "ConvLSTM2D/masked": ("torch", _JAX_MASK + " (image states)"),
    "RNN/custom_stacked/masked_seq": ("torch", _JAX_MASK + " (cells of other widths)"),
    "RNN/custom_stacked/mask_argument_state": ("torch", _JAX_MASK + " (cells of other widths)"),
    "GRU/stateful/masked": ("torch", "a row masked at every step gives the output a step never "
                                     "wrote: zeros on torch, the carried state on jax"),
}

# case -> what Keras raises by accident (another error than a ValueError on at least one
# backend, or none) where minikeras raises a ValueError naming what was expected and given
# (docs/porting.md, "Common mistakes")
_MATMUL = "a TypeError (jax) / RuntimeError (torch) from a matrix product or sum inside the step"
_STATE_COUNT = ("jax's scan refuses the carry (TypeError); torch fails unpacking it or runs "
                "ignoring the extra state")
_MASK_SHAPE = "jax's scan refuses the sizes (ValueError); torch an IndexError"
ACCIDENTAL = {
    "Bidirectional/error/backward_not_rnn": "AttributeError for go_backwards",
    "Bidirectional/error/initial_state_odd": "IndexError with an odd number of states",
    "Bidirectional/error/sum_widths_differ": _MATMUL,
    "TimeDistributed/SimpleRNN_masked": "IndexError passing the mask on",
    "cell_error/RNN_initial_state_count": "IndexError in the cell",
    "cell_error/RNN_rank2": "IndexError slicing a timestep",
    **{f"{rnn}/error/{error}": reason for rnn in ("SimpleRNN", "LSTM", "GRU")
       for error, reason in (("feature_size_changes", _MATMUL),
                             ("initial_state_batch", _MATMUL),
                             ("initial_state_units", _MATMUL),
                             ("initial_state_count", _STATE_COUNT),
                             ("mask_wrong_shape", _MASK_SHAPE))},
}

# case -> what minikeras takes that Keras 3.15 refuses, on purpose
TAKEN = {
    f"{rnn}/error/batch_input_shape": "Keras 2's batch_input_shape (docs/porting.md)"
    for rnn in ("SimpleRNN", "LSTM", "GRU")}

# case -> why Keras fails (not with a ValueError, on both backends) where minikeras runs
_FLOAT16 = ("a float16 layer: Keras's Orthogonal recurrent initializer has no float16 QR on "
            "the CPU (NotImplementedError)")
KERAS_FAILS = {
    **{f"{rnn}/symbolic/float16": _FLOAT16
       for rnn in ("SimpleRNN", "LSTM", "GRU", "GRU_reset_before")},
    "RNN/Stacked/stateful": "a stateful RNN over StackedRNNCells: Keras assigns the nested "
                            "states as variables (AttributeError: 'list' ... 'assign')",
}

# case -> what Keras 3.15 takes and minikeras refuses with a ValueError, on purpose
REFUSED = {
    "conv_error/ConvLSTM2D_filters_zero": "filters=0 (Keras builds empty weights)",
}

# case -> why Keras's symbolic output differs from the one its call gives (both backends),
# where minikeras's symbolic output is the call's: compared without "symbolic"
_WIDER = "a backward_layer of other units: Keras's symbolic concat doubles the forward units"
KERAS_SYMBOLIC_SLIP = {
    "Bidirectional/backward_wider": _WIDER,
    "Bidirectional/backward_wider_masked": _WIDER,
    "Masking/int_input": "an int32 input: Keras's symbolic Masking says float32, its call int32",
}

# case -> why minikeras still differs where both backends agree (left open)
OPEN = {}

@functools.cache
def run_case(name):
    """Case ``name``'s record under minikeras, run once for the tests that read it (the
    symbolic-slip cases are compared and also checked against their own call)."""
    return cases.CASES[name](keras, with_mask, mask_of)


def expected_record(name):
    if name in BACKEND_SPECIFIC:
        return types_only(unframed(KERAS[BACKEND_SPECIFIC[name][0]][name]))
    return agreed(unframed(KERAS["jax"][name]), unframed(KERAS["torch"][name]))


COMPARED = sorted(set(cases.CASES) - set(ACCIDENTAL) - set(TAKEN) - set(KERAS_FAILS)
                  - set(REFUSED))


@pytest.mark.parametrize("name", open_marked(COMPARED, OPEN))
def test_layer_options_follow_keras(name):
    got = run_case(name)
    expected = expected_record(name)
    if name in KERAS_SYMBOLIC_SLIP:
        got, expected = (dict(record, symbolic=None) for record in (got, expected))
    assert not has_conflict(expected), f"{name}: the backends differ; name a side"
    assert_same(without_hint(as_expected(got, expected), expected), expected, name)


def test_every_case_was_recorded_on_both_backends():
    assert sorted(KERAS["jax"]) == sorted(KERAS["torch"]) == sorted(cases.CASES)


def test_backend_specific_cases_differ_between_the_backends():
    for name in BACKEND_SPECIFIC:
        assert has_conflict(agreed(KERAS["jax"][name], KERAS["torch"][name])), name


@pytest.mark.parametrize("name", sorted(ACCIDENTAL))
def test_minikeras_names_the_mistake_where_keras_fails_by_accident(name):
    errors = [str(KERAS[backend][name].get("error")) for backend in ("jax", "torch")]
    assert not all(error.startswith("ValueError") for error in errors), errors
    assert run_case(name)["error"].startswith("ValueError: ")


@pytest.mark.parametrize("name", sorted(TAKEN))
def test_minikeras_takes_what_keras_refuses(name):
    assert KERAS["jax"][name]["error"].startswith("ValueError")
    assert KERAS["torch"][name]["error"].startswith("ValueError")
    assert run_case(name).get("error") is None


@pytest.mark.parametrize("name", sorted(KERAS_FAILS))
def test_minikeras_runs_what_keras_fails_on(name):
    for backend in ("jax", "torch"):
        error = KERAS[backend][name]["error"]
        assert not error.startswith("ValueError"), (backend, error)
    assert "error" not in run_case(name)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_minikeras_refuses_what_keras_takes(name):
    assert KERAS["jax"][name]["error"] is None and KERAS["torch"][name]["error"] is None
    assert run_case(name)["error"].startswith("ValueError: ")


def as_symbolic(result):
    """What a symbolic call would record for a call's ``result``: [shape without the batch
    size, dtype] per output, nested as the outputs are."""
    if isinstance(result, list):
        return [as_symbolic(each) for each in result]
    return [[None] + result["shape"][1:], result["dtype"]]


@pytest.mark.parametrize("name", sorted(KERAS_SYMBOLIC_SLIP))
def test_keras_symbolic_output_differs_from_its_call(name):
    """The cases compared without their symbolic output: Keras's own call gives another one,
    which minikeras's symbolic output has (batch size left unknown)."""
    record = KERAS["torch"][name]
    assert record["symbolic"] != as_symbolic(record["result"])
    got = run_case(name)
    assert got["symbolic"] == as_symbolic(got["result"])
