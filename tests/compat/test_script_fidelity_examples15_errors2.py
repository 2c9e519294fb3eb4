"""The errors and warnings users meet for a second round of common mistakes (round 15),
compared with Keras 3.15: callbacks given bad files, modes or schedules, saving and loading
with Keras 2's arguments or into a mismatched model, preprocessing layers made or adapted
wrongly, data given to fit in the wrong structure, layers made with impossible arguments,
keras.ops on symbolic tensors that do not fit, optimizers and schedules with bad arguments,
and model methods called too early or with the wrong arguments.

The mistakes are in tests/fixtures/examples15_errors2_cases.py; what Keras raised, warned and
printed is in tests/fixtures/keras_examples15_errors2.json, written once with real Keras 3.15
(torch backend) by tools/make_examples15_errors2_fixture.py. The comparison is round 10's
(tests/compat/test_script_fidelity_examples10_errors.py, whose ``neutral`` this uses): the
exception type Keras's (or a subclass of it), the message Keras's, the warnings, printed text
and result the same. Also made neutral here:
- a KerasTensor's name (``keras_tensor_5``): Keras's counter also counts its traces' tensors;
- the order of a printed set of names (``{'same', 'valid'}``): Python's string hashing
  orders it anew on each run.

A failed load or ``set_weights`` leaves the model as it was (the cases' ``weights_kept``).

Found here and fixed:
- A ``Lambda`` whose function returns a list gave one stacked tensor (shape (2, None, 4));
  it gives the list, as Keras does, and a ``Dense`` given that list raises Keras's "expects
  1 input(s), but it received 2 input tensors" (a layer with one InputSpec given several
  tensors in a functional model; an RNN still takes Keras 2's [sequences, *states]).
- ``keras.ops.einsum`` / ``squeeze`` / ``expand_dims`` / ``conv`` / ``reshape`` (two -1s) on
  KerasTensors that do not fit raise Keras's messages (numpy's words before, or the
  placeholder batch size, or no error for reshape).
- ``strides=0`` / ``pool_size=0``, ``padding="full"``, ``Embedding(0, ...)``,
  ``IntegerLookup(max_tokens=-1)``, ``Normalization.adapt`` on another width, ``Reshape``
  with two -1s, a load error's "A total of 1 objects": Keras's words.
- ``MultiHeadAttention()(x)`` without a value raises Keras's ``TypeError: missing a
  required argument: 'value'`` (a ValueError before), then how to call it.
- An unregistered custom function met by load_model: Keras's whole sentence, the
  ``custom_objects`` hint on a line after it; saving the weights of an unbuilt subclassed
  model opens with Keras's sentence, and so does a PyDataset without ``__len__``.
- ``Concatenate(axis=3)`` on rank-3 inputs names the axes it can join.
"""
import re

import pytest

import minikeras as keras
from tests.compat.script_compare import neutral_error as round10_neutral
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples15_errors2_cases", "keras_examples15_errors2.json")

TENSOR_NAME = re.compile(r"name=keras_tensor(?:_\d+)?")
NAME_SET = re.compile(r"\{('[^'{}]*'(?:, '[^'{}]*')+)\}")


def neutral(text):
    """Round 10's ``neutral``, KerasTensor names and the order of a printed set of names
    left out (the module docstring)."""
    text = TENSOR_NAME.sub("name=keras_tensor_N", round10_neutral(text))
    return NAME_SET.sub(lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}", text)


# case -> why minikeras's message is Keras's whole message followed by more words
EXTENDED = {
    "load_model_of_a_weights_file": "says to build the model in code and load the weights",
    "subclassed_save_before_build": "names the model and the ways to build it",
    "fit_pydataset_without_len": "names the class and __len__",
    "multi_head_attention_without_a_value": "shows the call to write (layer(x, x) for "
                                            "self-attention)",
}
# case -> why the message is not compared (the type, warnings and output still are)
MESSAGE_NOT_COMPARED = {
    "callback_class_instead_of_instance":
        "Keras's is Python's for the class's unbound set_model ('missing 1 required "
        "positional argument: model'); minikeras names the class given",
    "fit_generator_yielding_only_x":
        "Keras asks the generator for a tuple; minikeras takes a bare array as x (as predict "
        "does) and says the compiled loss needs y",
    "fit_validation_data_of_one_item":
        "Keras on torch says 'Invalid dtype: object' (the missing y converted to a tensor); "
        "minikeras says y is missing",
    "learning_rate_scheduler_with_three_arguments":
        "Keras raises its one-argument retry's TypeError; minikeras the (epoch, lr) call's, "
        "which names the argument left over",
    "save_into_a_missing_folder":
        "Keras's is the OS's '[Errno 2] No such file or directory'; minikeras names the "
        "missing folder and how to make it",
    "save_with_save_format_tf":
        "Keras's sentence runs into 'Received:' without a space; the words are Keras's",
    "save_without_an_extension":
        "Keras's also suggests model.export for a TensorFlow SavedModel, which minikeras has "
        "not; the rest is Keras's text",
    "take_of_an_index_out_of_range":
        "Keras's IndexError is torch's 'index out of range in self'; minikeras's numpy's, "
        "naming the index and the size",
}
# case -> why the warnings are not compared (the error, output and result still are)
WARNINGS_NOT_COMPARED = {
    "model_subclass_without_call":
        "Keras warns twice from its failed trace of the missing call() before raising the "
        "same NotImplementedError; minikeras raises it at once",
}
# case -> (why minikeras differs on purpose, the start of the error minikeras raises)
DELIBERATE = {
    "bidirectional_of_a_dense_layer": (
        "Keras fails with a TypeError about deserializing the Dense (an accident of copying "
        "it for the backward pass); minikeras says Bidirectional wraps a recurrent layer",
        "ValueError: `Bidirectional` wraps a recurrent layer"),
    "callback_given_by_name": (
        "Keras fails mid-fit with AttributeError: 'str' object has no attribute "
        "'on_batch_end'; minikeras refuses the string before training",
        "TypeError: Expected every callback to be a keras.callbacks.Callback instance."),
    "category_encoding_token_out_of_range": (
        "Keras on torch raises torch's RuntimeError; minikeras a ValueError naming "
        "num_tokens and the values seen (docs/porting.md)",
        "ValueError: Layer 'category_encoding' (CategoryEncoding) expected input values"),
    "clipnorm_negative": (
        "Keras accepts a negative clipnorm (which flips every gradient); minikeras refuses it",
        "ValueError: SGD: argument `clipnorm` must be >= 0."),
    "compile_a_loss_list_for_one_output": (
        "Keras applies both losses to the one output; minikeras refuses a loss list longer "
        "than the outputs, as in round 10 (docs/porting.md)",
        "ValueError: When providing the `loss` argument as a list"),
    "concatenate_axis_out_of_range": (
        "Keras fails with Python's IndexError 'list index out of range'; minikeras names the "
        "axis and the shapes",
        "ValueError: A `Concatenate` layer's axis=3 is out of range"),
    "fit_class_weight_as_a_list": (
        "Keras fails with AttributeError: 'list' object has no attribute 'get'; minikeras "
        "says class_weight is a dict",
        "ValueError: `class_weight` must be a dict mapping class indices to weights."),
    "fit_epochs_as_a_float": (
        "Keras fails with Python's TypeError from range(); minikeras's argument check "
        "raises the ValueError it raises for every bad epochs (tests/test_bad_input_table.py)",
        "ValueError: `epochs` must be a non-negative integer. Received: epochs=2.0"),
    "fit_sample_weight_of_two_dimensions": (
        "Keras on torch raises torch's RuntimeError at the loss; minikeras a ValueError "
        "naming the shapes",
        "ValueError: sample_weight of shape (8, 3) does not broadcast"),
    "keras2_lr_argument": (
        "Keras 3 refuses Keras 2's lr=; minikeras takes it with a DeprecationWarning "
        "(docs/porting.md: tf.keras scripts run unchanged)",
        "no error"),
    "load_model_with_a_lambda_in_safe_mode": (
        "Keras saves a Python lambda's bytecode and refuses to load it in safe mode; "
        "minikeras refuses to save it (files hold data, never code: docs/porting.md)",
        "ValueError: Lambda layer 'lambda': its `function` is a Python lambda, which cannot "
        "be saved."),
    "load_weights_into_a_deeper_model_keeps_it": (
        "Keras assigns the layers that fit, then raises, leaving the model half loaded; "
        "minikeras checks every weight first and changes nothing (the table names the "
        "missing layer)",
        "ValueError: A total of 1 objects could not be loaded. Example error message for "
        "object <Dense name=dense_2, built=True>:\nCannot load weights"),
    "resizing_on_a_rank2_input": (
        "Keras fails with Python's IndexError 'tuple index out of range'; minikeras names "
        "the ranks it takes",
        "ValueError: Layer 'resizing' (Resizing) expected images of rank 3"),
    "sequential_with_input_after_a_layer": (
        "Keras accepts the model and fails at its first call ('Layer InputLayer has no "
        "positional arguments'); minikeras refuses the Input where it is added",
        "ValueError: Sequential model 'sequential' already has layers; an Input can only "
        "come first."),
}


def compared(record):
    """The record's texts made neutral, its error split into (type, message)."""
    out = dict(record)
    error = neutral(record["error"])
    out["error"] = tuple(error.split(": ", 1)) if ": " in error else (error, "")
    out["warnings"] = [neutral(w) for w in record["warnings"]]
    out["printed"] = neutral(record["printed"])
    return out


@pytest.mark.parametrize("name", sorted(set(cases.CASES) - set(DELIBERATE)))
def test_mistake_meets_keras_error(name, tmp_path):
    got = compared(cases.CASES[name](keras, str(tmp_path)))
    expected = compared(KERAS[name])
    (got_type, got_text), (keras_type, keras_text) = got["error"], expected["error"]
    assert got_type == keras_type or keras_type in got["error_types"], \
        f"{name}: {got_type} is not a {keras_type}"
    if name in EXTENDED:
        assert got_text.startswith(keras_text) and got_text != keras_text, \
            f"{name}:\n{got_text}\ndoes not extend\n{keras_text}"
    elif name not in MESSAGE_NOT_COMPARED:
        assert got_text == keras_text, f"{name}:\n{got_text}\n!=\n{keras_text}"
    if name not in WARNINGS_NOT_COMPARED:
        assert got["warnings"] == expected["warnings"], name
    assert got["printed"] == expected["printed"], name
    assert got["result"] == expected["result"], name


@pytest.mark.parametrize("name", sorted(DELIBERATE))
def test_deliberate_difference_is_what_minikeras_does(name, tmp_path):
    """minikeras's error starts as DELIBERATE says, and Keras's outcome was another."""
    got = cases.CASES[name](keras, str(tmp_path))
    assert neutral(got["error"]).startswith(DELIBERATE[name][1]), got["error"]
    assert (neutral(KERAS[name]["error"]), KERAS[name]["result"]) != \
        (neutral(got["error"]), got["result"])


@pytest.mark.parametrize("name", sorted(
    n for n in KERAS if isinstance(KERAS[n]["result"], dict)
    and "weights_kept" in KERAS[n]["result"]))
def test_failed_load_or_set_weights_leaves_the_model_as_it_was(name, tmp_path):
    got = cases.CASES[name](keras, str(tmp_path))
    assert got["error"] != "no error" or got["warnings"], name  # the mistake was noticed
    assert got["result"] == {"weights_kept": True}, name


def test_every_case_was_recorded_by_keras():
    assert sorted(KERAS) == sorted(cases.CASES)


def test_listed_cases_exist_and_are_listed_once():
    listed = [*EXTENDED, *MESSAGE_NOT_COMPARED, *DELIBERATE]
    assert len(listed) == len(set(listed))
    assert set(listed) | set(WARNINGS_NOT_COMPARED) <= set(cases.CASES)
