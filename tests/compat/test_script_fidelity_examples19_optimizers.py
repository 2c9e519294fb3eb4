"""Every Keras optimizer's options beside Keras 3.15 (round 19's optimizer sweep): each
optimizer's own options and the base options (weight decay and its exclusions, clipping,
EMA, gradient accumulation, loss_scale_factor, every schedule class and a callable rate),
twelve apply_gradients steps each (the variables, iterations and learning rate after every
step, optimizer.variables, get_config / from_config), a short model.fit per optimizer,
LossScaleOptimizer's non-finite steps, and the errors for invalid options and structures.

The cases are in tests/fixtures/examples19_optimizers_cases.py; what Keras computed, under
its jax and its torch backend, is in tests/fixtures/keras_examples19_optimizers.json, written
once by tools/make_examples19_optimizers_fixture.py. Where the two backends agree minikeras
must match them; where they disagree (``BACKEND_SPECIFIC``) minikeras matches the side named.
"""
import re
import warnings

import pytest

import minikeras as keras
from tests.compat.record_agreement import agrees
from tests.compat.script_compare import assert_same
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples19_optimizers_cases", "keras_examples19_optimizers.json")
BACKENDS = ("jax", "torch")

_JAX_TRACER = ("Keras 3.15's LossScaleOptimizer on jax fails in eager apply_gradients "
               "(UnexpectedTracerError: a tracer leaks from its ops.cond); torch runs it")
_LSO_KEYS = ["defaults", "prebuilt", *(f"own/{k}" for k in cases.OWN_OPTIONS[
    "LossScaleOptimizer"]), *(f"base/{k}" for k in cases.BASE_OPTIONS),
    "cross/adam_inner+accumulation", "cross/growth_steps+clipnorm"]
# (case, key) -> (the backend minikeras matches, what differs between them)
BACKEND_SPECIFIC = {
    ("loss_scale_non_finite", ""): ("torch", _JAX_TRACER),
    **{("sweep_LossScaleOptimizer", key): ("torch", _JAX_TRACER) for key in _LSO_KEYS},
}
# case -> {key: (rtol, atol)}: Nadam's steps under a decaying rate, where jax and torch
# differ by up to 2.3e-5 relative (float32 round-off of the decayed rate's powers)
LOOSE = {"sweep_Nadam": {"values": (1e-4, 1e-6)}}
# Keras's torch backend writes its own subclass (module and registered name) in an inner
# optimizer's config
TORCH_OPTIMIZER_MODULE = re.compile(r"^keras\.src\.backend\.torch\.optimizers\.torch_\w+$")

_REFUSED = ("Keras accepts it; minikeras refuses a value the update cannot use (docs/porting.md, "
            "round 19)")
_RUNTIME = ("Keras's backend fails inside its arithmetic (torch's RuntimeError, jax's "
            "TypeError); minikeras checks first and names the variable and shapes")
# (case, key) -> why minikeras differs from both backends on purpose
DELIBERATE = {
    ("option_errors", "accumulation_float"): _REFUSED + ": a non-integer accumulation count",
    ("option_errors", "adagrad_negative_accumulator"): _REFUSED + ": square roots of < 0",
    ("option_errors", "negative_clipnorm"): _REFUSED + ": it flips the gradients",
    ("option_errors", "negative_weight_decay"): _REFUSED + ": it grows the weights",
    ("option_errors", "zero_loss_scale_factor"): _REFUSED + ": it divides by zero",
    ("option_errors", "unknown_schedule_deserialize"): _REFUSED + " (Keras returns None)",
    ("option_errors", "loss_scale_string_inner"): "Keras fails with AttributeError: 'str' "
                                                  "object has no attribute (docs/porting.md)",
    ("sweep_LossScaleOptimizer", "base/callable"): "from_config of an inner optimizer with an "
        "unregistered callable rate: minikeras raises the inner's TypeError as it is (Keras on "
        "torch wraps it in its deserialization frame naming its torch subclass)",
    ("structure_errors", "fewer_gradients_than_variables"): _RUNTIME,
    ("structure_errors", "gradient_shape_mismatch"): _RUNTIME,
    ("structure_errors", "integer_variable"): _RUNTIME,
}
ERROR_CASES = ("option_errors", "structure_errors")


def records(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the None gradient's warning, at every step
        got = cases.CASES[name](keras)
    return got if isinstance(got, dict) else {"": got}


def keras_records(backend, name):
    got = KERAS[backend][name]
    return got if isinstance(got, dict) else {"": got}


def public_module(record):
    """``record`` with an object config of the torch backend's optimizer subclass as Keras's
    public class writes it (module keras.optimizers, no registered name)."""
    if isinstance(record, list):
        if not any(isinstance(v, (list, dict)) for v in record):
            return record  # numbers or text (the steps' values): nothing to rewrite
        return [public_module(v) for v in record]
    if not isinstance(record, dict):
        return record
    record = {k: public_module(v) for k, v in record.items()}
    if TORCH_OPTIMIZER_MODULE.match(str(record.get("module"))):
        record.update(module="keras.optimizers", registered_name=None)
    return record


def keras_first(got, theirs):
    """An error text that is Keras's whole text followed by minikeras's hint, as Keras's."""
    if isinstance(got, str) and isinstance(theirs, str) and got.startswith(theirs.rstrip()):
        return theirs
    return got


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_script_matches_keras(name):
    got = records(name)
    assert sorted(got) == sorted(keras_records("torch", name))
    for key in sorted(got):
        if (name, key) in DELIBERATE:
            continue
        side = BACKEND_SPECIFIC.get((name, key), ("torch",))[0]
        theirs = public_module(keras_records(side, name)[key])
        mine = keras_first(got[key], theirs) if name in ERROR_CASES else got[key]
        assert_same(mine, theirs, f"{name}/{key}", loose=LOOSE.get(name))


def differs(a, b, loose):
    return a != b and not agrees(a, b, loose=loose)  # equal records agree: no walk


def test_backends_differ_only_where_listed():
    """The fixture's jax and torch records agree apart from BACKEND_SPECIFIC's entries."""
    found = {(name, key) for name in KERAS["torch"]
             for key, record in keras_records("torch", name).items()
             if differs(keras_records("jax", name)[key], record, LOOSE.get(name))}
    assert found - set(DELIBERATE) == set(BACKEND_SPECIFIC) - set(DELIBERATE)


def test_every_case_was_recorded_by_keras():
    for backend in BACKENDS:
        assert sorted(KERAS[backend]) == sorted(cases.CASES)
