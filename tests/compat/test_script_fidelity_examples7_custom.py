"""Custom models, losses and metrics run beside Keras 3.15 (round 7): the guides
"Customizing what happens in fit()" (compute_loss with and without ``training``,
compute_metrics, train_step, test_step, predict_step, sample weights, the metrics property
and its reset each epoch), "Writing a training loop from scratch", the custom losses and
metrics of "Training & evaluation with the built-in methods" (Loss subclasses with every
reduction and their configs, Metric subclasses on add_variable, the stateless metric API,
losses and metrics as dicts and lists over several outputs, weighted_metrics), "Making new
layers and models via subclassing" (add_loss in layers and in call, the VAE), and the model
classes of the VAE, DDIM and Real NVP examples; with the batch methods, compile's
execution options, compute_output_spec and the errors users meet.

The scripts are in tests/fixtures/examples7_custom_cases.py; what Keras printed, recorded
and wrote is in tests/fixtures/keras_examples7_custom.json, written once with real Keras
3.15 (torch backend) by tools/make_examples7_custom_fixture.py. A custom train_step takes
its gradients with torch autograd there and with minikeras.autodiff.grad here (the one
difference in source, docs/porting.md). Printed text must be equal (times normalized),
numbers equal to float32 round-off.

Found here and fixed:
- ``ops.sum(self.losses)`` (the guides' way of adding layer losses in ``compute_loss`` or
  a loop) carried no gradient: a list holding recorded tensors was turned into a plain
  array; it is stacked now (also by ``ops.convert_to_tensor``), and a list of python
  numbers follows Keras's dtypes in every op (``ops.sum([0.5, 1.5])`` is float32).
- The symbolic build Keras runs when fit / evaluate / a batch method starts: the compiled
  metrics are built before the first epoch (a callback's ``get_metrics_result()`` lists
  them at 0), ``compute_loss`` runs once with ``training=False``, the model is built for
  the first batch's shape (minikeras built a subclassed model for one sample: its build
  config said batch 1), and a subclassed model without ``call`` raises Keras's "Unable to
  automatically build the model" (minikeras's Model.call returned its input).
- A subclassed model's ``compute_output_shape`` raises Keras's NotImplementedError
  (minikeras returned the input shape).
- ``train_on_batch`` / ``test_on_batch`` hand a custom step ``(x, y, sample_weight)``,
  Nones included (minikeras dropped the Nones, so ``len(data)`` differed).
- A Loss object given as a metric is logged under the loss's name (minikeras: "metric")
  and saved in the compile config as its class and config (minikeras wrote a "function"
  that could not be loaded back).
- A Loss subclass without a name gets a unique one (``my_loss``, ``my_loss_1``), as
  Keras names it.
- Keras's wording for a bad ``reduction`` and for "No loss to compute".
- ``Layer.add_metric`` raises Keras 3's NotImplementedError (minikeras had none: an
  AttributeError); ``Model.stateless_compute_loss`` exists.

Not compared (NOT_COMPARED): differences that are deliberate or not fixed.
"""
import functools
import json
import re

import pytest

import minikeras as keras
from minikeras.autodiff import grad
from tests.compat.script_compare import TORCH_SIZE, assert_same, shape_text, without
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples7_custom_cases", "keras_examples7_custom.json")

# (case, key) -> why minikeras differs there (docs/porting.md says the same)
NOT_COMPARED = {
    ("compile_options", "fit_2"):
        "fit with steps_per_execution=2: Keras's torch backend refuses it (TensorFlow and JAX "
        "run it); minikeras accepts it and runs one step at a time",
    ("custom_training_errors", "evaluate_before_compile"):
        "Keras 3.15 fails with \"AttributeError: 'Functional' object has no attribute "
        "'optimizer'\"; minikeras says to call compile() first",
    ("custom_training_errors", "metric_without_update"):
        "Keras raises a NotImplementedError without a message; minikeras's names the class "
        "and the method to write",
    ("custom_training_errors", "tensor_step"):
        "a train_step returning a tensor: Keras on torch fails iterating over it ('iteration "
        "over a 0-d tensor'); minikeras says the step must return a dict of logs",
}
# Keras prints the reduction names as a Python set, whose order changes from run to run
NAME_SET = re.compile(r"Expected one of \{([^}]*)\}")
# Keras's frame around an error raised inside a model's call (docs/porting.md: minikeras
# raises the inner error alone)
CALL_FRAME = re.compile(r"Exception encountered when calling \w+\.call\(\)\.\n\n(.*?)"
                        r"\n\nArguments received by .*?(?='\Z|\Z)", re.DOTALL)


def neutral(value):
    """``value`` with the backend's names made neutral in every text: torch.Size shapes,
    Keras's call frame around an error; a set of names printed in sorted order."""
    if isinstance(value, dict):
        return {key: neutral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [neutral(item) for item in value]
    if isinstance(value, str):
        value = NAME_SET.sub(lambda m: "Expected one of {%s}" % ", ".join(
            sorted(m.group(1).split(", "))), value)
        return CALL_FRAME.sub(r"\1", TORCH_SIZE.sub(shape_text, value))
    return value


without_not_compared = functools.partial(without, NOT_COMPARED, neutral=neutral)


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_script_matches_keras(name, tmp_path):
    got = cases.CASES[name](keras, str(tmp_path), grad)
    assert_same(without_not_compared(name, json.loads(json.dumps(got))),
                without_not_compared(name, KERAS[name]), name)


def test_every_case_was_recorded_by_keras():
    assert sorted(KERAS) == sorted(cases.CASES)


def test_not_compared_entries_exist_in_the_record():
    """Each exclusion names something Keras recorded (a renamed key cannot hide a case)."""
    for name, key in NOT_COMPARED:
        assert key in KERAS[name], (name, key)
