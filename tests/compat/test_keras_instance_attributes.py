"""What an instance exposes, as Keras 3.15.1 (torch backend) does
(tests/fixtures/keras_instance_attributes.json, written by
tools/make_keras_instance_attributes_fixture.py): for every object of
tests/fixtures/instance_attributes_cases.py (layers called on a small input, models before
and after build / compile / fit, optimizers, losses, metrics, callbacks, a History,
variables, symbolic tensors, ...), each public attribute, property and method Keras's has
exists on minikeras's, and the attributes whose values are plain data are equal (or both
raise) and of the same plain type (a tuple where Keras has a tuple)."""
import functools

import pytest

import minikeras
from tests.compat.script_compare import as_json
from tests.fixture_cases import load_cases
from tests.optional_extras import require_module

cases, FIXTURE = load_cases("instance_attributes_cases", "keras_instance_attributes.json")
KERAS = FIXTURE["cases"]

_TORCH = "the torch backend's: Keras's layers are torch.nn.Modules there"
_IMAGE_BASE = ("the bounding-box / segmentation-mask API of Keras's image augmentation base "
               "class; minikeras's image layers transform images (and labels where Keras's "
               "do), nothing else")
_STEP_FUNCTIONS = ("the compiled step functions of Keras's trainer; minikeras's fit runs its "
                   "step directly, there is no function to build, cache or replace")
_QUANTIZATION = ("Keras's internal quantization hooks; minikeras's quantize() builds its "
                 "quantized layers another way")
_INTERNAL = "an internal helper of Keras's implementation, not read by scripts"

# Names Keras's instances have that minikeras's do not, and why: a bare name for every
# object, "<Keras class>.<name>" for one class.
ABSENT = {
    "forward": _TORCH, "named_parameters": _TORCH, "torch_params": _TORCH,
    "supports_jit": "minikeras compiles nothing (no XLA / torch.compile): nothing to switch",
    "call_signature_parameters": "Keras's record of call()'s argument names, internal to "
                                 "its __call__",
    "rematerialized_call": "Keras's internal wrapper of call under remat; minikeras's "
                           "rematerialization wraps the call itself",
    "quantized_build": _QUANTIZATION, "quantized_call": _QUANTIZATION,
    "get_quantization_layer_structure": _QUANTIZATION,
    "variable_serialization_spec": _QUANTIZATION, "gptq_unpacked_column_size": _QUANTIZATION,
    "export": "docs/porting.md: model.export() is not supported (it writes other "
              "frameworks' formats)",
    **{name: _STEP_FUNCTIONS for name in (
        "make_train_function", "make_test_function", "make_predict_function",
        "train_function", "test_function", "predict_function")},
    "backend": "Keras's switch of a preprocessing layer to TensorFlow inside tf.data; "
               "minikeras has no tf.data",
    "convert_weight": "Keras's conversion of a preprocessing layer's weight for tf.data",
    **{name: _IMAGE_BASE for name in (
        "bounding_box_format", "get_random_transformation", "transform_bounding_boxes",
        "transform_images", "transform_labels", "transform_segmentation_masks",
        "transform_single_bounding_box", "transform_single_image", "transform_single_label",
        "transform_single_segmentation_mask", "get_transformed_x_y", "get_shifted_bbox",
        "get_clipped_bbox", "get_elastic_transform_params", "height_axis", "width_axis",
        "channel_axis")},
    "factor": "the factor Keras's image base class keeps for layers that take none "
              "(Equalization, MixUp, ...)",
    "inner_loop": _INTERNAL, "single_state": _INTERNAL, "pool_mode": _INTERNAL,
    "interpolate_pr_auc": _INTERNAL, "check_finite": _INTERNAL, "lr_adjust": _INTERNAL,
    "transpose_last_axis": _INTERNAL, "convert_input": _INTERNAL, "kernel_shape": _INTERNAL,
    "linear_to_mel_weight_matrix": _INTERNAL,
    "ProgbarLogger.seen": _INTERNAL, "ProgbarLogger.target": _INTERNAL,
    "overwrite_with_gradient": "float8 training (a variable overwritten by its gradient) is "
                               "not supported: minikeras has no float8",
    "ragged_rank": "ragged tensors are not supported",
    "row_splits_dtype": "ragged tensors are not supported",
    "record_history": "internal to Keras's tracing (see test_keras_signatures)",
    "TensorBoard.summary": "the tf.summary module Keras's TensorBoard writes with",
    "Bidirectional.states": "Keras's holder of a stateful Bidirectional's states (None "
                            "otherwise); minikeras's stay in its forward and backward layers",
    **{f"Discretization.{name}": "the incremental adapt API of Keras's preprocessing layers "
       "(update_state ... finalize_state); minikeras's adapt() takes the data in one pass"
       for name in ("update_state", "finalize_state", "reset_state")},
    "Discretization.output_dtype": _INTERNAL,
}
# Values that differ on purpose: (Keras class, case or "*", name) -> why.
DIFFERENT_VALUE = {
    ("*", "seed"): "an initializer made without a seed draws one at random, on both sides",
    ("Variable", "dtype"): "docs/porting.md: a variable's dtype is numpy's dtype (equal to "
                           "the string); Keras's is the string",
    ("Sequential", "input"): "Keras 3.15 (torch) raises until the Sequential is called; "
                             "minikeras answers with its Input, as tf.keras did",
    ("Sequential", "output"): "as `input`",
    ("Functional", "input_spec"): "Keras derives InputSpecs from the model's inputs; "
                                  "minikeras's model checks its inputs against them directly",
    ("Callback", "params"): "{} before fit here, None in Keras (a dict once fit sets it)",
    ("CallbackList", "model"): "None until a model is set here; Keras raises AttributeError",
    ("ConvLSTM", "state_size"): "Keras's ConvLSTM keeps -1 (filled in by the cell); "
                                "minikeras's gives the cell's state sizes",
    ("SpatialDropout", "noise_shape"): "minikeras keeps the noise shape the layer computes "
                                       "(one value per channel); Keras keeps None",
    ("Discretization", "summary"): "the adapt statistics before adapt: an empty array here, "
                                   "None in Keras",
    ("Reshaping1D", "cropping"): "minikeras keeps one pair per spatial axis (as its 2D/3D "
                                 "layers); get_config writes Keras's flat pair",
    ("Reshaping1D", "padding"): "as `cropping`",
    ("Reshaping1D", "size"): "as `cropping`",
    ("L1", "l1"): "a float here; Keras converts it to a float32 tensor",
    ("Autocast", "autocast"): "minikeras casts these layers' floating inputs to their dtype; "
                              "Keras leaves them and casts the outputs: the same float32 "
                              "results",
    ("ReversibleEmbedding", "supports_masking"): "takes a masked sequence quietly when it is "
                                                 "fed back through reverse=True",
    ("InputLayer", "input"): "Keras gives [] (its node has no inputs); minikeras the Input",
    ("MultiHeadAttention", "input"): "Keras lists every positional argument of the call "
                                     "(query, value); minikeras gives the first",
    ("Optimizer", "variables"): "Keras names Nadam's u_product 'variable' and Adafactor's "
                                "factored slots of a 1-D variable without the optimizer's scope",
    ("InputSpecs", "input_spec"): "which InputSpec these layers keep (Keras's adaptive "
                                  "pooling none, its Flatten, EinsumDense, Bidirectional and "
                                  "unbuilt ConvLSTM one, its SimpleRNN a list); the inputs "
                                  "each accepts are the layer tests'",
}
# Plain types that differ on purpose (the values are equal): name -> why.
DIFFERENT_TYPE = {
    "adam_lr_ratio": "Muon's ratio is checked as a float here; Keras keeps the int 1 given "
                     "by default",
}
# which Keras classes each group of DIFFERENT_VALUE holds
GROUPS = {"ConvLSTM": {"ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"},
          "SpatialDropout": {"SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"},
          "Reshaping1D": {"Cropping1D", "ZeroPadding1D", "UpSampling1D"},
          "Autocast": {"Embedding", "ReversibleEmbedding", "LayerNormalization",
                       "GroupNormalization"},
          "Optimizer": {"Nadam", "Adafactor"},
          "InputSpecs": {"AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D",
                         "AdaptiveAveragePooling3D", "AdaptiveMaxPooling1D",
                         "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D", "Bidirectional",
                         "EinsumDense", "Flatten", "SimpleRNN", "ConvLSTM1D", "ConvLSTM2D",
                         "ConvLSTM3D"},
          "Callback": {"BackupAndRestore", "CSVLogger", "Callback", "EarlyStopping", "History",
                       "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint",
                       "ProgbarLogger", "ReduceLROnPlateau", "RemoteMonitor", "SwapEMAWeights",
                       "TensorBoard", "TerminateOnNaN"}}
KERAS_CLASSES = {entry["class"] for entry in KERAS.values()} | {
    name for entry in KERAS.values() for value in entry["values"].values()
    if isinstance(value, dict) for name in [value.get("type")] if name}


# cases whose object needs an optional extra: case -> (module, extra)
NEEDS = {"callbacks.TensorBoard": ("tensorboard", "tensorboard")}


def ours(case, folder):
    if case in NEEDS:
        require_module(*NEEDS[case])
    return _built(case, folder)


@functools.lru_cache(maxsize=None)
def _built(case, folder):
    return cases.build(minikeras, case, folder)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The cases' scratch folder; the objects built in it are let go after this module."""
    yield str(tmp_path_factory.mktemp("instance_attributes"))
    _built.cache_clear()


def keras_names(case):
    entry = KERAS[case]
    return {name for kind in ("attribute", "property", "method") for name in
            entry[kind].split()}


def absent_on_purpose(case, name):
    return name in ABSENT or f"{KERAS[case]['class']}.{name}" in ABSENT


def differs_on_purpose(case, name, expected):
    """Whether DIFFERENT_VALUE lists ``name`` for the class of ``case``."""
    cls = KERAS[case]["class"]
    for group, listed in DIFFERENT_VALUE:
        if listed != name:
            continue
        if group in ("*", cls) or cls in GROUPS.get(group, ()):
            return True
    return False


def raises_attribute_error_in_keras(case, name):
    """Whether reading ``name`` raised AttributeError in Keras (a sublayer property before
    build): no attribute there either."""
    return KERAS[case]["values"].get(name) == {"raises": "AttributeError"}


def has(obj, name, listed):
    """Whether ``obj`` has ``name``: in ``listed`` (its ``dir``, taken once per object: dir
    of a layer costs ~0.1 ms, and an object has up to 200 names to look up) or readable."""
    if name in listed:
        return True
    try:
        getattr(obj, name)
    except AttributeError:
        return False
    except Exception:  # noqa: BLE001 - the name exists; reading it raised
        return True
    return True


def value_of(obj, name, folder):
    try:
        return as_json(cases.simple(getattr(obj, name), KERAS_CLASSES, folder))
    except Exception as error:  # noqa: BLE001 - the error type is compared
        return {"raises": type(error).__name__}


def test_the_sweep_is_wide():
    assert len(KERAS) > 300
    assert sum(len(keras_names(case)) for case in KERAS) > 10000


@pytest.mark.parametrize("case", sorted(KERAS))
def test_keras_names_exist(case, folder):
    obj = ours(case, folder)
    listed = set(dir(obj))
    missing = sorted(name for name in keras_names(case)
                     if not absent_on_purpose(case, name) and not has(obj, name, listed)
                     and not raises_attribute_error_in_keras(case, name))
    assert missing == []


@pytest.mark.parametrize("case", sorted(KERAS))
def test_plain_values_are_keras(case, folder):
    obj = ours(case, folder)
    wrong = {}
    for name, expected in KERAS[case]["values"].items():
        if absent_on_purpose(case, name) or differs_on_purpose(case, name, expected):
            continue
        got = value_of(obj, name, folder)
        if got != expected:
            wrong[name] = (got, expected)
    assert wrong == {}


@pytest.mark.parametrize("case", sorted(KERAS))
def test_plain_types_are_keras(case, folder):
    """A tuple where Keras has a tuple (a shape), an int where Keras has an int, ..."""
    obj = ours(case, folder)
    wrong = {}
    for name, expected in KERAS[case]["types"].items():
        if absent_on_purpose(case, name) or name in DIFFERENT_TYPE or differs_on_purpose(
                case, name, KERAS[case]["values"].get(name)):
            continue
        try:
            got = cases.plain_type(getattr(obj, name))
        except Exception as error:  # noqa: BLE001 - reported as the wrong type
            got = f"raises {type(error).__name__}"
        if got != expected:
            wrong[name] = (got, expected)
    assert wrong == {}


def test_listed_exceptions_name_keras_attributes():
    every = set().union(*(keras_names(case) for case in KERAS))
    classes = {entry["class"] for entry in KERAS.values()}
    for listed in ABSENT:
        cls, _, name = listed.rpartition(".")
        assert name in every and (not cls or cls in classes), listed
    assert set(DIFFERENT_TYPE) <= every
    for group, name in DIFFERENT_VALUE:
        assert name in every, name
        assert group == "*" or group in classes or \
            GROUPS.get(group, set()) <= classes and group in GROUPS, group
