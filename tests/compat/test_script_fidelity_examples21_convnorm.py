"""The convolution, pooling, normalization and spatial reshaping layers beside Keras 3.15 on
jax and torch (round 21's option sweep): the convolutions with padding, strides,
dilation_rate, groups, data_format, use_bias and activation; the pooling, global pooling and
adaptive pooling layers; the normalization layers (BatchNormalization's training calls and
moving statistics among them); Cropping, ZeroPadding and UpSampling; their errors and a few
input gradients (symbolic and eager outputs on seeded weights, computed shapes, weights,
configs and their round trip); the convolution and pooling ops with the gradients for their
input and kernels.

Found here and fixed (the backends agreeing): the convolutions' messages for filters,
depth_multiplier or groups below 1 and for strides with dilation are Keras's; a pooling
padding other than valid / same raises jax's words, a missing AveragePooling pool_size
Python's; the adaptive poolings' output_size of another form raises Keras's TypeError; the
SpectralNormalization messages put Keras's whole text first; AveragePooling averages an
integer input in float32 (it gave float64). Every other output, shape, weight, config and
gradient already agreed.

The cases are in tests/fixtures/examples21_convnorm_cases.py; what Keras computed is in
tests/fixtures/keras_examples21_convnorm.json, written once by
tools/make_examples21_convnorm_fixture.py on Keras's jax and torch backends. minikeras must
give their record where the two backends agree; where they differ, ``BACKEND_SPECIFIC`` names
the side minikeras takes, and why; ``OPEN`` what is left (a strict xfail).
"""
import numpy as np
import pytest

import minikeras as keras
from tests.compat.record_agreement import (
    agreed, as_expected, has_conflict, types_only, unframed, without_hint)
from tests.compat.script_compare import (
    assert_same, mask_of, minikeras_gradient, open_marked, with_mask)
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples21_convnorm_cases", "keras_examples21_convnorm.json")

# case -> (the backend whose record minikeras follows, why the other differs); an error there
# is compared by its type (each backend words its own)
_EQUAL_SIZE = ("output_size equal to the input size: Keras's jax adaptive pooling gives other "
               "values (NaN channels first); torch gives the input, as every window is one "
               "element")
_SAME_AVERAGE = ("AveragePooling with padding='same' and an odd total padding: torch pads "
                 "both sides alike and averages other windows; jax (as TensorFlow) puts the "
                 "odd element after and averages the real elements only (minikeras/layers/"
                 "pooling.py)")
_TRAILING = ("LayerNormalization over axes that are not the last ones: torch's fused "
             "layer_norm takes trailing axes only and fails; jax normalizes them")
_POOL_PADDING = ("a pooling padding other than valid / same: jax raises a ValueError in the "
                 "call; torch pools as if valid (minikeras raises jax's words when made)")
BACKEND_SPECIFIC = {
    **{f"adaptive_pool/Adaptive{kind}Pooling{size}/{tag}": ("torch", _EQUAL_SIZE)
       for kind in ("Average", "Max") for size in ("1D/output_size=7", "2D/output_size=(5, 7)")
       for tag in ("cl", "cf")},
    **{f"pool/AveragePooling{options}/{tag}": ("jax", _SAME_AVERAGE)
       for options in ("2D/pool_size=(2, 3),strides=(1, 2),padding=same",
                       "2D/pool_size=3,padding=same", "2D/pool_size=3,strides=2,padding=same",
                       "3D/pool_size=3,padding=same", "3D/pool_size=3,strides=2,padding=same")
       for tag in ("cl", "cf")},
    "layer_norm/axis_1": ("jax", _TRAILING),
    "layer_norm/axis_list": ("jax", _TRAILING),
    "norm_error/unit_norm_axis_out_of_range": ("jax", "an axis beyond the rank: jax's "
                                               "ValueError, torch's IndexError"),
    "pool_error/adaptive_avg2d_rank3": ("torch", "a rank-3 input to a 2-D adaptive pooling: "
                                        "torch's ValueError; jax pools it"),
    "pool_error/adaptive_max1d_size_zero": ("torch", "output_size 0: torch's ValueError, jax's "
                                            "ZeroDivisionError"),
    "pool_error/avg2d_strides_zero": ("torch", "strides 0: torch's ValueError, jax's TypeError "
                                      "from reduce_window"),
    "pool_error/max1d_padding_causal": ("jax", _POOL_PADDING),
    "pool_error/max2d_padding_bad": ("jax", _POOL_PADDING),
    "conv_error/conv1d_transpose_rank4": ("torch", "a rank-4 input to Conv1DTranspose: torch's "
                                          "ValueError, jax's IndexError"),
    "integer_input/Conv2D": ("jax", "an int32 input to Conv2D: jax convolves it as the "
                                    "layer's float32; torch's conv2d refuses the mixed dtypes"),
    "integer_input/AveragePooling2D": ("jax", "an int32 input to AveragePooling2D: jax averages "
                                              "to float32; torch has no integer avg_pool2d"),
}

# case -> (the keys of its record left out, why): what minikeras computes otherwise, on purpose
# (docs/porting.md)
DELIBERATE = {
    "integer_input/LayerNormalization": (("result",), "an int32 input: Keras 3.15 takes the "
                                         "moments in integer arithmetic (its outputs are 0 and "
                                         "-1 on both backends); minikeras normalizes it as "
                                         "floats"),
}

# case -> what each backend does where minikeras takes neither side (docs/porting.md)
NEITHER = {
    "op/conv/1d_causal_dilated": "keras.ops.conv(padding='causal'): jax's lax refuses it (a "
                                 "RuntimeError), torch convolves as with 'valid'; minikeras "
                                 "pads causally, as Conv1D(padding='causal') does",
}

# case -> why the backends differ where minikeras raises the ValueError Keras's
# compute_output_shape (its symbolic call) raises: "Computed output size would be zero or
# negative"
SYMBOLIC_ERROR = {
    "pool_error/max2d_negative_output": "a pool larger than the input: jax gives an empty "
                                        "output, torch a RuntimeError",
    "pool_error/avg3d_negative_output": "a pool larger than the input: jax gives an empty "
                                        "output, torch a RuntimeError",
}

# case -> what Keras raises by accident (not a ValueError) where minikeras raises a
# ValueError naming what was expected and given (docs/porting.md, "Common mistakes")
ACCIDENTAL = {
    "batch_norm/axis_list/training=False": "TypeError from int() of the list",
    "batch_norm/axis_list/training=True": "TypeError from int() of the list",
    "conv_error/conv2d_unknown_channels": "TypeError from None % groups",
    "conv_error/conv2d_cf_unknown_channels": "TypeError from None % groups",
    "norm_error/batch_norm_axis_out_of_range": "IndexError for an axis beyond the rank",
    "norm_error/layer_norm_axis_out_of_range": "IndexError for an axis beyond the rank",
}

# case -> why minikeras words a ValueError of its own where both backends raise one: compared
# by type
WORDED = {
    "conv_error/conv1d_rank4_input": "Keras's Conv1D builds on a rank-4 input and fails in the "
                                     "convolution (\"Kernel shape must have the same length as "
                                     "input\"); minikeras names the rank expected",
    "norm_error/batch_norm_unknown_axis_size": "Keras speaks of its variable (\"Shapes used to "
                                               "initialize variables must be fully-defined\"); "
                                               "minikeras of the input's axis",
}

# case -> what minikeras computes where Keras 3.15 raises on both backends, on purpose
# (docs/porting.md)
_SYNCHRONIZED = ("BatchNormalization(synchronized=True): Keras takes it on TensorFlow only; "
                 "minikeras synchronizes the batch statistics over MPI ranks under "
                 "DataParallel and is the plain layer in one process")
TAKEN = {
    "batch_norm/synchronized/training=False": _SYNCHRONIZED,
    "batch_norm/synchronized/training=True": _SYNCHRONIZED,
    "integer_input/DepthwiseConv2D": "an int32 input: Keras's depthwise convolution refuses "
                                     "the mixed dtypes on both backends; minikeras casts it "
                                     "to the layer's float32, as its Conv2D does",
    "rms_norm/axis_1": "RMSNormalization(axis=1) on a rank-3 input: Keras's call fails (jax "
                       "cannot broadcast its scale, torch's rms_norm takes trailing axes "
                       "only); minikeras normalizes over the axis given",
}

# case -> why minikeras still differs where both backends agree (left open)
OPEN = {}


def expected_record(name):
    if name in BACKEND_SPECIFIC:
        return types_only(unframed(KERAS[BACKEND_SPECIFIC[name][0]][name]))
    expected = agreed(unframed(KERAS["jax"][name]), unframed(KERAS["torch"][name]))
    if name in DELIBERATE:
        expected = {k: v for k, v in expected.items() if k not in DELIBERATE[name][0]}
    return types_only(expected) if name in WORDED else expected


COMPARED = sorted(set(cases.CASES) - set(ACCIDENTAL) - set(TAKEN) - set(SYMBOLIC_ERROR)
                  - set(NEITHER))


@pytest.mark.parametrize("name", open_marked(COMPARED, OPEN))
def test_layer_options_follow_keras(name):
    got = cases.CASES[name](keras, with_mask, mask_of, minikeras_gradient)
    expected = expected_record(name)
    if name in DELIBERATE:
        got = {k: v for k, v in got.items() if k not in DELIBERATE[name][0]}
    assert not has_conflict(expected), f"{name}: the backends differ; name a side"
    assert_same(without_hint(as_expected(got, expected), expected), expected, name)


def test_every_case_was_recorded_on_both_backends():
    assert sorted(KERAS["jax"]) == sorted(KERAS["torch"]) == sorted(cases.CASES)


def test_backend_specific_cases_differ_between_the_backends():
    for name in BACKEND_SPECIFIC:
        assert has_conflict(agreed(KERAS["jax"][name], KERAS["torch"][name])), name


@pytest.mark.parametrize("name", sorted(ACCIDENTAL))
def test_minikeras_names_the_mistake_where_keras_fails_by_accident(name):
    for backend in ("jax", "torch"):
        assert not KERAS[backend][name]["error"].startswith("ValueError"), backend
    got = cases.CASES[name](keras, with_mask, mask_of, minikeras_gradient)
    assert got["error"].startswith("ValueError: ")


@pytest.mark.parametrize("name", sorted(WORDED))
def test_minikeras_words_its_own_value_error(name):
    for backend in ("jax", "torch"):
        assert KERAS[backend][name]["error"].startswith("ValueError"), backend


@pytest.mark.parametrize("name", sorted(SYMBOLIC_ERROR))
def test_a_zero_output_raises_what_keras_symbolic_call_raises(name):
    assert has_conflict(agreed(KERAS["jax"][name], KERAS["torch"][name]))
    got = cases.CASES[name](keras, with_mask, mask_of, minikeras_gradient)
    assert got["error"].startswith("ValueError: Computed output size would be zero or negative")


@pytest.mark.parametrize("name", sorted(TAKEN))
def test_minikeras_takes_what_keras_refuses(name):
    assert "error" in KERAS["jax"][name] and "error" in KERAS["torch"][name]
    assert "error" not in cases.CASES[name](keras, with_mask, mask_of, minikeras_gradient)


def test_ops_conv_pads_causally_as_conv1d_does():
    """Where the backends differ on ops.conv(padding="causal") (``NEITHER``), minikeras gives
    Keras's Conv1D output: its causal padding, then a valid convolution."""
    name = "op/conv/1d_causal_dilated"
    assert has_conflict(agreed(KERAS["jax"][name], KERAS["torch"][name]))
    x = cases.normal((2, 7, 3), "op", "conv")
    kernel = cases.normal((3, 3, 2), "op", "conv", 0)
    padded = np.pad(x, ((0, 0), (4, 0), (0, 0)))  # dilation 2 * (kernel 3 - 1) on the left
    np.testing.assert_allclose(
        keras.ops.conv(x, kernel, padding="causal", dilation_rate=2).numpy(),
        keras.ops.conv(padded, kernel, padding="valid", dilation_rate=2).numpy(), rtol=1e-6)


def test_an_integer_input_is_layer_normalized_as_floats():
    """``DELIBERATE``: an int32 input to LayerNormalization gives the float normalization."""
    x = cases._INTEGERS
    y = keras.layers.LayerNormalization()(x).numpy()
    floats = x.astype("float64")
    mean, var = floats.mean(-1, keepdims=True), floats.var(-1, keepdims=True)
    np.testing.assert_allclose(y, (floats - mean) / np.sqrt(var + 1e-3), rtol=1e-5, atol=1e-6)
