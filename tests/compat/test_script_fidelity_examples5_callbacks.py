"""Callback and training-loop scripts run beside Keras 3.15 (round 5): the guide "Writing
your own callbacks" (every hook's order and logs, LossAndErrorPrintingCallback,
EarlyStoppingAtMinLoss, CustomLearningRateScheduler), fit / evaluate / predict options in
combination (validation_split / _data / _freq / _steps with arrays, generators and
PyDatasets, steps_per_epoch, initial_epoch, class and sample weights, the batch methods,
several inputs and outputs) and the built-in callbacks (LambdaCallback, CSVLogger,
TerminateOnNaN, ProgbarLogger, ReduceLROnPlateau, LearningRateScheduler, EarlyStopping,
ModelCheckpoint, SwapEMAWeights), with their printed messages and errors.

The scripts are in tests/fixtures/examples5_callbacks_cases.py; what Keras printed, recorded
and wrote is in tests/fixtures/keras_examples5_callbacks.json, written once with real Keras
3.15 (torch backend) by tools/make_examples5_callbacks_fixture.py. Printed text must be
equal (times normalized; stdout is a buffer, so no terminal width enters), numbers equal
to float32 round-off.

Found here and fixed:
- fit's validation data given as a PyDataset or generator starts again at every
  validation, as Keras resets its evaluation iterator (minikeras continued the stream, so
  with validation_steps each epoch validated on other batches).
- ``validation_split`` with a generator or PyDataset raises Keras's error.
- ``validation_freq`` of another type than int or list raises Keras's ValueError at the
  first epoch's end (minikeras failed with a TypeError from ``in``).
- ``callbacks=`` one callback (not in a list) is taken, as Keras flattens the argument.
- ``validation_split=1.0`` raises Keras's "not sufficient to split" error.
- An unknown fit argument raises Python's own TypeError wording, as Keras's does.
- ``CallbackList(callbacks, add_history=True, add_progbar=True, model=model, verbose=1,
  epochs=2, steps=3)`` (a custom training loop's) works as in Keras: the History becomes
  ``model.history``, the parameters reach each callback; fit uses the same path, so a
  History given in ``callbacks`` is the one fit returns (minikeras returned a new one).
- A ready ``CallbackList`` given as fit's / evaluate's / predict's ``callbacks`` is used as
  it is (minikeras refused it as not a Callback).
- Callbacks receive log values as Python floats (numpy scalars converted), as Keras's
  CallbackList gives them.
- A list given to a model built on a dict of inputs warns with Keras's sentence ("The
  structure of `inputs` doesn't match the expected structure.") when the dict's keys are
  sorted, and raises it when they are not; a dict given to a Sequential model is taken
  when it holds the input's name and refused with that sentence otherwise (minikeras
  failed deep inside Dense with an AttributeError).

Not compared (NOT_COMPARED): differences that are deliberate or not fixed.
"""
import functools
import json

import pytest

import minikeras as keras
from tests.compat.script_compare import CALL_FRAME, TORCH_SIZE, assert_same, shape_text, without
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples5_callbacks_cases", "keras_examples5_callbacks.json")

# (case, key) -> why minikeras differs there (docs/porting.md says the same)
NOT_COMPARED = {
    ("fit_misuse_errors", "validation_data_one"):
        "validation_data=(x,): Keras fails converting None ('Invalid dtype: object'); "
        "minikeras says the compiled loss needs targets",
    ("callback_argument_messages", "csv_bad_separator"):
        "CSVLogger(separator=3): minikeras refuses it at once; Keras fails at the first "
        "row it writes",
}
# the backend's class in Python's TypeError for an unknown argument
BACKEND_NAMES = {"TorchTrainer.": "Trainer."}
# Keras's frame around an error raised inside a model's call (docs/porting.md: minikeras
# raises the inner error alone)
def neutral(value):
    """``value`` with the backend's names made neutral in every text: torch's class in
    Python's TypeError, torch.Size shapes, Keras's call frame around an error."""
    if isinstance(value, dict):
        return {key: neutral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [neutral(item) for item in value]
    if isinstance(value, str):
        for theirs, ours in BACKEND_NAMES.items():
            value = value.replace(theirs, ours)
        return CALL_FRAME.sub(r"\1", TORCH_SIZE.sub(shape_text, value))
    return value


without_not_compared = functools.partial(without, NOT_COMPARED, neutral=neutral, inside=("errors",))


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_script_matches_keras(name, tmp_path):
    got = cases.CASES[name](keras, str(tmp_path))
    assert_same(without_not_compared(name, json.loads(json.dumps(got))),
                without_not_compared(name, KERAS[name]), name)


def test_every_case_was_recorded_by_keras():
    assert sorted(KERAS) == sorted(cases.CASES)


def test_not_compared_entries_exist_in_the_record():
    """Each exclusion names something Keras recorded (a renamed key cannot hide a case)."""
    for name, key in NOT_COMPARED:
        assert key in KERAS[name] or key in KERAS[name].get("errors", {}), (name, key)


def test_validation_pydataset_restarts_each_validation():
    """With validation_steps=1 every epoch validates on the PyDataset's first batch: the
    last epoch's val_loss is that batch's loss under the final weights."""
    got = cases.CASES["validation_options"](keras, "")
    model = cases.regression_model(keras)
    model.fit(cases.X, cases.Y, shuffle=False, batch_size=4, epochs=2, verbose=0)
    first_batch_loss = model.evaluate(cases.X[:3], cases.Y[:3], verbose=0)[0]
    assert got["pydataset_steps"]["val_loss"][-1] == pytest.approx(first_batch_loss, rel=1e-5)
