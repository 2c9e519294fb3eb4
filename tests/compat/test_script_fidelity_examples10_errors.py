"""The errors and warnings users meet when a Keras script makes a common mistake (round 10),
compared with Keras 3.15: fit / evaluate / predict given the wrong data, compile given unknown
names or per-output arguments of the wrong length, layers built or called on the wrong input,
models wired wrong, saving and loading with wrong file names, optimizers with conflicting or
unknown arguments, callbacks monitoring a missing metric, keras.utils options and keras.ops
on symbolic tensors.

The mistakes are in tests/fixtures/examples10_errors_cases.py; what Keras raised, warned and
printed is in tests/fixtures/keras_examples10_errors.json, written once with real Keras 3.15
(torch backend) by tools/make_examples10_errors_fixture.py. The exception type must be
Keras's (or a subclass of it: minikeras's MissingFileError is a FileNotFoundError and a
ValueError), the message Keras's, the warnings, printed text and result the same.

Texts are made neutral only where they are the backend's or the package's, not Keras's
(``neutral``):
- torch's shapes ``torch.Size([8, 3])`` are read as numpy's ``(8, 3)``;
- the value in "Invalid input shape for input <value> with name" is the backend's tensor
  printout (torch's ``tensor([...])``, minikeras's ``Tensor(array([...]))``): left out;
- a class's module path (``<class 'keras.src.layers.core.dense.Dense'>``,
  ``<class 'minikeras.layers.core.Dense'>``) is its name (``<class 'Dense'>``);
- Keras's "Exception encountered when calling X.call()" frame around an error raised inside
  a layer's call is taken off (minikeras raises the error as it is: docs/porting.md).

Found here and fixed:
- Unknown loss / optimizer / metric / initializer / activation / regularizer names: Keras's
  "Could not interpret <kind> identifier: <name>" (the name unquoted), then minikeras's
  suggestions.
- ``compile(keras.optimizers.Adam, ...)`` (the class, parentheses forgotten) raises as in
  Keras; minikeras made an instance silently.
- ``metrics="mae"``, a loss dict naming no output, ``loss_weights`` of the wrong length:
  Keras's messages, then minikeras's hint.
- Crossentropies given targets of the wrong shape (integer labels to
  categorical_crossentropy, one-hot targets to the sparse one, two columns to
  binary_crossentropy): Keras's "Arguments `target` and `output` must have the same shape"
  messages, then which loss to use.
- A Sequential or functional model given data of a rank its input cannot take: Keras's
  "Invalid input shape for input ... Expected shape ..., but input has incompatible shape";
  a Sequential model ran data with an extra axis (8, 1, 4) silently.
- Conv layers' input spec is ``min_ndim`` (Keras's "expected min_ndim=4"); a convolution
  or pooling window larger than its input raises Keras's "Computed output size would be
  zero or negative" with Keras's values (a kernel shape, numpy-printed sizes).
- Reshape to a target of another size, Concatenate and Add of mismatched shapes, a Model on
  a numpy input, duplicate layer names, ``Sequential.add`` of a non-layer,
  ``get_layer()`` without arguments, a list of lists given to fit, a missing ``.keras``
  file: Keras's words.
- ``Sequential().pop()`` on an empty model raises an IndexError, Keras's type.
- An optimizer's ``learning_rate`` of the wrong type: Keras's message; a negative rate is
  accepted (gradient ascent), as Keras accepts it.
- The ``decay=`` warning is Keras's sentence, then minikeras's hint.
- ``keras.ops.matmul`` / ``add`` (and the other element-wise ops of two values) /
  ``concatenate`` of KerasTensors whose static shapes do not fit raise Keras's messages
  with those shapes (minikeras's run on placeholder arrays raised numpy's words, or
  Keras's with the placeholders' batch size).

Not compared, and why: EXTENDED (minikeras adds a hint after Keras's whole message),
MESSAGE_NOT_COMPARED (type compared, Keras's text is the backend's or an accident) and
DELIBERATE (minikeras raises where Keras runs, or raises another type, on purpose;
docs/porting.md lists them).
"""
import pytest

import minikeras as keras
from tests.compat.script_compare import neutral_error as neutral
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples10_errors_cases", "keras_examples10_errors.json")

# case -> why minikeras's message is Keras's whole message followed by more words
EXTENDED = {
    "fit_categorical_crossentropy_on_integer_labels": "names the sparse loss to use",
    "fit_sparse_categorical_crossentropy_on_one_hot": "names the categorical loss to use",
    "fit_binary_crossentropy_on_two_columns": "says the targets must be shaped like y_pred",
    "fit_python_lists": "says to convert the list with np.asarray",
    "compile_unknown_loss": "suggests close names",
    "compile_unknown_optimizer": "suggests close names",
    "fit_with_an_unknown_metric": "suggests close names",
    "compile_metrics_as_a_string": "shows the list to write",
    "fit_loss_dict_with_a_wrong_output_name": "names the unknown keys",
    "fit_loss_weights_of_the_wrong_length": "names the outputs",
    "compile_optimizer_class_instead_of_instance": "shows an instance to pass",
    "reshape_to_an_incompatible_target": "names the layer and the sizes",
    "concatenate_mismatched_shapes": "names the axis that differs",
    "conv2d_kernel_larger_than_the_image": "names the layer, the spatial output and the fix",
    "add_of_mismatched_shapes": "names the layer and the broadcasting rule",
    "unknown_initializer_name": "suggests close names",
    "unknown_activation_name": "suggests close names",
    "model_on_a_numpy_input": "says where KerasTensors come from",
    "load_model_from_a_missing_file": "names the folder a relative path is taken from",
    "model_checkpoint_full_model_with_an_h5_weights_name": "names the suffixes accepted",
    "learning_rate_as_a_string": "names the type received and the optimizer",
    "keras2_decay_argument": "shows the schedule that gives Keras 2's decay",
}
SHAPES_TABLE = ("Keras's shows the target variable's random values; minikeras's lists every "
                "mismatched weight with the shapes expected and found")
# case -> why the message is not compared (the type, warnings and output still are)
MESSAGE_NOT_COMPARED = {
    "fit_without_targets_and_a_compiled_loss":
        "Keras on torch says 'Invalid dtype: object' (None converted to a tensor); minikeras "
        "says the compiled loss needs y",
    "fit_one_target_for_two_outputs":
        "Keras's 'y_true and y_pred have different structures. y_true: * y_pred: ['*', '*']'; "
        "minikeras names the outputs and how to give y",
    "load_model_from_a_text_file":
        "Keras's points to TFSMLayer for a TensorFlow SavedModel, which minikeras has not",
    "load_model_with_an_unknown_custom_layer":
        "Keras's top error blames Functional.from_config (its 'Could not locate class' is "
        "the chained error); minikeras raises that one, naming the class",
    "load_weights_from_a_missing_file":
        "Keras's is h5py's 'Unable to synchronously open file'; minikeras's MissingFileError "
        "(a FileNotFoundError) names the current folder",
    "load_weights_into_a_different_model": SHAPES_TABLE,

    "load_weights_with_a_wrong_suffix":
        "Keras's also offers Orbax checkpoints, which minikeras cannot read",
    "model_with_a_disconnected_graph":
        "Keras's 'Output with path `` is not connected to `inputs`'; minikeras names the "
        "input the outputs need (as examples9_recipes)",
    "output_of_an_unbuilt_sequential":
        "Keras's is Python's default AttributeError text; minikeras says how to build",
    "pop_from_an_empty_sequential":
        "Keras's is Python's 'list index out of range'; minikeras says the model is empty",
    "save_with_a_wrong_extension":
        "Keras's also suggests model.export for a TensorFlow SavedModel, which minikeras has "
        "not; the rest is Keras's text",

}
# case -> (why minikeras differs on purpose, the start of the error minikeras raises)
DELIBERATE = {
    "dense_input_shape_as_an_integer": (
        "Keras 3 raises \"Cannot convert '4' to a shape.\"; minikeras reads Input(4) as "
        "(4,), as Keras 2 did (tf.keras scripts write Input(shape=(num_states)) with an int)",
        "no error"),
    "batch_normalization_bad_axis": (
        "Keras fails with Python's IndexError 'tuple index out of range'; minikeras names "
        "the axis and the shape",
        "ValueError: Layer 'batch_normalization': axis 3 is out of range"),
    "evaluate_before_compile": (
        "Keras on torch fails with AttributeError: 'Sequential' object has no attribute "
        "'optimizer'; minikeras raises fit's message",
        "ValueError: You must call `compile()` before using the model."),
    "predict_without_x": (
        "Keras fails with KeyError: 'pop from an empty set'; minikeras says x is missing",
        "ValueError: Expected a non-empty input array `x` for predict. Received: None"),
    "fit_batch_size_zero": (
        "Keras trains with its default batch size; minikeras refuses 0 (tests/"
        "test_bad_input_table.py)",
        "ValueError: `batch_size` must be a positive integer. Received: 0"),
    "fit_validation_split_above_one": (
        "Keras slices at a negative index (trains on half, validates on half); minikeras "
        "refuses a split outside [0, 1)",
        "ValueError: `validation_split` must be a float in the range [0, 1)."),
    "fit_loss_list_longer_than_the_outputs": (
        "Keras raises KeyError 'The path: (2,) in the `loss` argument, can't be found' at "
        "fit; minikeras a ValueError naming the outputs at compile (docs/porting.md)",
        "ValueError: When providing the `loss` argument as a list, it should have as many "
        "entries as the model has outputs (2: ['price', 'kind'])."),

    "matmul_of_mismatched_arrays": (
        "Keras on torch raises torch's RuntimeError ('mat1 and mat2 shapes cannot be "
        "multiplied'); minikeras numpy's ValueError",
        "ValueError: matmul: Input operand 1 has a mismatch in its core dimension 0"),
    "model_call_on_a_list_for_one_input": (
        "minikeras converts a nested list of numbers given to a model into an array; Keras "
        "refuses non-tensor positional arguments", "no error"),
    "to_categorical_with_too_few_classes": (
        "Keras raises numpy's IndexError; minikeras a ValueError naming the label "
        "(docs/porting.md, round 6)",
        "ValueError: to_categorical got the label 3, but labels must lie in [0, 1]"),

}


def compared(name, record):
    """The record's texts made neutral, its error split into (type, message)."""
    out = dict(record)
    error = neutral(record["error"])
    out["error"] = tuple(error.split(": ", 1)) if ": " in error else (error, "")
    out["warnings"] = [neutral(w) for w in record["warnings"]]
    out["printed"] = neutral(record["printed"])
    return out


@pytest.mark.parametrize("name", sorted(set(cases.CASES) - set(DELIBERATE)))
def test_mistake_meets_keras_error(name, tmp_path):
    got = compared(name, cases.CASES[name](keras, str(tmp_path)))
    expected = compared(name, KERAS[name])
    (got_type, got_text), (keras_type, keras_text) = got["error"], expected["error"]
    assert got_type == keras_type or keras_type in got["error_types"], \
        f"{name}: {got_type} is not a {keras_type}"
    if name in EXTENDED:
        assert got_text.startswith(keras_text), \
            f"{name}:\n{got_text}\ndoes not extend\n{keras_text}"
        assert len(got["warnings"]) == len(expected["warnings"]) and all(
            mine.startswith(theirs) for mine, theirs in zip(got["warnings"],
                                                           expected["warnings"])), name
        assert (got_text, got["warnings"]) != (keras_text, expected["warnings"]), \
            f"{name} is Keras's exactly: take it out of EXTENDED"
    else:
        if name not in MESSAGE_NOT_COMPARED:
            assert got_text == keras_text, f"{name}:\n{got_text}\n!=\n{keras_text}"
        assert got["warnings"] == expected["warnings"], name
    assert got["printed"] == expected["printed"], name
    assert got["result"] == expected["result"], name


@pytest.mark.parametrize("name", sorted(DELIBERATE))
def test_deliberate_difference_is_what_minikeras_does(name, tmp_path):
    """minikeras's error starts as DELIBERATE says, and Keras's outcome was another."""
    got = cases.CASES[name](keras, str(tmp_path))
    assert got["error"].startswith(DELIBERATE[name][1]), got["error"]
    assert neutral(KERAS[name]["error"]) != neutral(got["error"])


def test_every_case_was_recorded_by_keras():
    assert sorted(KERAS) == sorted(cases.CASES)


def test_listed_cases_exist_and_are_listed_once():
    listed = [*EXTENDED, *MESSAGE_NOT_COMPARED, *DELIBERATE]
    assert len(listed) == len(set(listed))
    assert set(listed) <= set(cases.CASES)
