"""keras.ops on KerasTensors with unknown axes (output shapes and dtypes, as a functional
model records the op) and on plain Python lists and numbers (the result's dtype), compared
with Keras 3.15.1 (torch backend).

tests/fixtures/keras_examples8_opshapes.json was made once by
tools/make_examples8_opshapes_fixture.py from the cases of
tests/fixtures/examples8_opshapes_cases.py; this test never imports Keras.
"""
import numpy as np
import pytest

import minikeras as keras
from tests.fixture_cases import LazyRecords
from tests.fixtures import examples8_opshapes_cases as cases

FIXTURE = LazyRecords("keras_examples8_opshapes.json")  # parsed on first use

# Deliberate differences: case id -> why minikeras differs from Keras there (each case is
# a strict xfail: it fails once minikeras matches Keras).
_BARE_KEY = ("Keras's GetItem rejects a key that is neither an int nor a tuple (ValueError) "
             "on a KerasTensor, though the same index runs eagerly; minikeras gives numpy's "
             "result")
_SPEC_VS_RUN = ("Keras's symbolic spec says {spec} while its runs return {run}; minikeras's "
                "node records what its run returns")
_TORCH_LIST = ("Keras's torch backend reads .shape / .dtype of the argument and fails on a "
               "plain list or number; minikeras converts it as convert_to_tensor does")
SYMBOLIC_DIFFERENCES = {
    "get_item_newaxis": _BARE_KEY,
    "get_item_slice0": _BARE_KEY,
    "dot": _SPEC_VS_RUN.format(spec="numpy.dot's N-D shape (None, 3, None, 5)",
                               run="matmul's (None, 3, 5) (the torch backend's dot)"),
    "searchsorted": _SPEC_VS_RUN.format(spec="int64", run="int32"),
    "polar": _SPEC_VS_RUN.format(spec="the input's float32", run="complex64"),
    "get_item_tensor": _BARE_KEY,
    "get_item_list": "Keras's GetItem takes only ints, slices, None and Ellipsis in a key on "
                     "a KerasTensor (ValueError); minikeras gives numpy's result",
    "rearrange": "Keras's rearrange fails on a KerasTensor (TypeError); minikeras gives the "
                 "pattern's shape",
    "digitize": "Keras's digitize reads the bins' dtype and fails on a list of bins "
                "(AttributeError) on a KerasTensor; minikeras converts the list",
    "adaptive_average_pool": "Keras's adaptive_average_pool fails on a KerasTensor "
                             "(TypeError); minikeras gives the pooled shape",
    "adaptive_max_pool_unknown": "Keras's spec is of rank 5 for a rank-4 image input (an "
                                 "extra None axis); minikeras gives the run's (None, 2, 3, 3)",
    "corrcoef": _SPEC_VS_RUN.format(spec="(None, 5) for an (n, 5) input",
                                    run="the (n, n) correlation matrix"),
    "slogdet": _SPEC_VS_RUN.format(spec="a sign of shape ()", run="one sign per matrix"),
    "multi_hot": _SPEC_VS_RUN.format(spec="int32", run="float32"),
    "linalg_eig": _SPEC_VS_RUN.format(spec="float32", run="complex64"),
    "linalg_lu_factor": _SPEC_VS_RUN.format(spec="float32 pivots", run="int32 pivots"),
    "where_one_arg": _SPEC_VS_RUN.format(spec="one int32 tensor of the condition's shape",
                                         run="index vectors of unknown length"),
}
EAGER_DIFFERENCES = {
    **dict.fromkeys(("softmax_ints", "softmax_floats", "softmax_nested", "diagonal_ints",
                     "full_like_ints", "shape_ints"), _TORCH_LIST),
    **dict.fromkeys(("softmax_number", "softmax_float_number"),
                    "Keras's torch softmax of a python number fails reading its shape "
                    "(AttributeError); minikeras's fails on the scalar's missing axis "
                    "(TypeError)"),
    **dict.fromkeys([f"{op}_{kind}" for kind in ("ints", "number") for op in (
        "celu", "elu", "gelu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish",
        "leaky_relu", "log_sigmoid", "log_softmax", "selu", "silu", "soft_shrink", "softplus",
        "swish")], "torch's activation kernels reject integer tensors "
                   "(NotImplementedError); minikeras computes them in floatx"),
    **dict.fromkeys([f"{op}_{kind}" for kind in ("ints", "number")
                     for op in ("conj", "conjugate", "real", "imag")],
                    "Keras's torch real / imag / conj reject integer tensors (TypeError); "
                    "minikeras returns the integers (numpy's rule)"),
    **dict.fromkeys(("stop_gradient_ints", "stop_gradient_number"), _TORCH_LIST),
    "glu_ints": "an odd last axis: torch raises RuntimeError, minikeras ValueError naming "
                "the size",
    "glu_number": "a scalar has no axis to halve: torch raises RuntimeError, minikeras "
                  "IndexError",
    "sparsemax_number": "a scalar has no axis: torch raises IndexError, numpy AxisError (an "
                        "IndexError and ValueError subclass)",
    "nonzero_ints": "the torch backend's nonzero returns one (ndim, n) tensor; minikeras "
                    "returns a tuple of int32 index vectors, one per axis (Keras's spec, its "
                    "jax backend's and numpy's: tests/compat/"
                    "test_script_fidelity_examples20_edgeshapes.py)",
    "where_one": "the torch backend's where(condition) returns one (ndim, n) int64 tensor; "
                 "minikeras returns a list of int32 index tensors, one per axis (numpy's "
                 "layout, as the jax and tensorflow backends)",
    "einsum_mixed": "torch's einsum rejects int32 and float32 operands together "
                    "(RuntimeError); minikeras promotes them as Keras's result_type does",
    "top_k_ints": "the torch backend returns int64 indices; Keras's spec (and its other "
                  "backends) give int32, as minikeras does",
    "linalg_det_ints": "torch's det rejects integer matrices (RuntimeError); minikeras "
                       "computes it in floatx",
    "histogram_ints": "torch's histc rejects integers (NotImplementedError); minikeras bins "
                      "them in floatx",
}


def _params(case_list, differences):
    return [pytest.param(case, id=case[0], marks=[pytest.mark.xfail(
        reason=differences[case[0]], strict=True)] if case[0] in differences else [])
        for case in case_list]


@pytest.mark.parametrize("case", _params(cases.SYMBOLIC, SYMBOLIC_DIFFERENCES))
def test_symbolic_output_matches_keras(case):
    keras.backend.clear_session()
    assert cases.run(keras, case, True) == FIXTURE["symbolic"][case[0]]


@pytest.mark.parametrize("case", _params(cases.EAGER, EAGER_DIFFERENCES))
def test_eager_python_inputs_match_keras(case):
    with np.errstate(all="ignore"):  # arccos([1, 2, 3]): the dtype is compared, not the nan
        assert cases.run(keras, case, False) == FIXTURE["eager"][case[0]]


def test_case_ids_are_unique():
    for case_list in (cases.SYMBOLIC, cases.EAGER):
        ids = [case[0] for case in case_list]
        assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_fixture_has_every_case():
    assert set(FIXTURE["symbolic"]) == {case[0] for case in cases.SYMBOLIC}
    assert set(FIXTURE["eager"]) == {case[0] for case in cases.EAGER}


def test_deliberate_differences_name_cases():
    assert set(SYMBOLIC_DIFFERENCES) <= {case[0] for case in cases.SYMBOLIC}
    assert set(EAGER_DIFFERENCES) <= {case[0] for case in cases.EAGER}


def test_a_model_whose_ops_move_the_batch_axis_runs_and_reloads(tmp_path):
    """Op nodes built on the specs above (a transpose that moves the batch axis and one
    that brings it back, a squeeze that keeps it, a reshape to (-1, 12)) run on a batch of
    5 and survive a save and load."""
    keras.backend.clear_session()
    inputs = keras.Input((3, 1, 4))
    x = keras.ops.transpose(inputs, (1, 0, 2, 3))  # (3, None, 1, 4)
    x = keras.ops.transpose(x, (1, 0, 2, 3))  # (None, 3, 1, 4)
    x = keras.ops.squeeze(x)  # (None, 3, 4): the unknown batch axis stays
    x = keras.ops.reshape(x, (-1, 12))
    model = keras.Model(inputs, keras.layers.Dense(2)(x))
    assert model.output.shape == (None, 2)
    data = np.arange(60, dtype="float32").reshape(5, 3, 1, 4)
    expected = model.predict(data, verbose=0)
    assert expected.shape == (5, 2)
    model.save(tmp_path / "model.keras")
    reloaded = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(reloaded.predict(data, verbose=0), expected, rtol=1e-6)
