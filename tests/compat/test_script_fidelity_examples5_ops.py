"""Differences found by running backend-agnostic custom pieces written with keras.ops beside
Keras 3.15 (round 5): custom layers with every add_weight option, add_loss, a SeedGenerator;
control flow (cond, while_loop, scan, associative_scan, map, switch), indexing and segment
ops, nn and linalg functions, fft/stft, dtype promotion and dtype policies, a model of these
layers trained, summarized and configured, and the errors of misuse.

The pieces are in tests/fixtures/examples5_ops_cases.py; the expected values in
tests/fixtures/keras_examples5_ops.json, written once with real Keras 3.15 (torch backend)
by tools/make_examples5_ops_fixture.py. Values agree to float32 round-off; dtypes, shapes,
configs, printed text and error types exactly. The paths in ``DIFFERENT`` differ on
purpose or by the torch backend's own behaviour (docs/porting.md says which).
"""
import os

import numpy as np
import pytest

import minikeras as keras
from tests.compat.script_compare import as_json, is_numeric
from tests.fixture_cases import FIXTURES, load_cases

cases, KERAS = load_cases("examples5_ops_cases", "keras_examples5_ops.json")

TORCH_ERROR = "raised by torch itself in Keras's torch backend (another backend words it " \
              "otherwise); minikeras raises its own error"
MIXED = "a mixed policy computes in float32 (docs/porting.md)"
DIFFERENT = {
    # torch's own errors and dtypes, not Keras's
    "einsum_and_linalg_errors/norm_axis3": TORCH_ERROR,
    "einsum_and_linalg_errors/norm_bad_ord": TORCH_ERROR,
    "einsum_and_linalg_errors/qr_1d": TORCH_ERROR,
    "fft_and_stft/fft_not_tuple": TORCH_ERROR,
    "indexing_errors/einsum_mismatch": TORCH_ERROR,
    "indexing_errors/segment_ids_rank": TORCH_ERROR,
    "indexing_errors/slice_update_rank": TORCH_ERROR,
    "indexing_errors/top_k_too_big": TORCH_ERROR,
    "scalar_promotion/int32/softmax": TORCH_ERROR,
    "scalar_promotion/int64/softmax": TORCH_ERROR,
    "scalar_promotion/int8/softmax": TORCH_ERROR,
    "scalar_promotion/uint8/softmax": TORCH_ERROR,
    "indexing_ops/top_k": "torch's top_k indices are int64; Keras documents int32 (jax, tf)",
    "indexing_ops/top_k_int": "torch's top_k indices are int64; Keras documents int32",
    "scalar_promotion/bool/mul_op_int": "a python operator on a torch tensor is torch's "
                                        "promotion (int64), not Keras's result_type (int32)",
    "scalar_promotion/bool/radd_int": "likewise",
    "scalar_promotion/float64/maximum_float": "torch's maximum takes a python float as floatx "
                                              "(float32); minikeras keeps float64, as add does",
    "scalar_promotion/mixed/f16_value": "torch multiplies float16 by a python float in "
                                        "float32 and rounds once; numpy rounds 1.1 to "
                                        "float16 first (last bit of 3.45)",
    # deliberate: minikeras's own wording
    "add_weight_options/bad_initializer/message": "minikeras quotes the name and suggests "
                                                  "close names (same ValueError)",
    "misuse_errors/add_shapes_symbolic/message": "numpy's words for the same ValueError (the "
                                                 "primitive is on the hot path)",
    "misuse_errors/matmul_shapes/message": "numpy's words for the same ValueError",
    "misuse_errors/reshape_bad/message": "numpy's words for the same ValueError",
    "misuse_errors/einsum_symbolic_bad": "Keras's symbolic einsum does not check subscript "
                                         "sizes; minikeras raises as its eager einsum does",
    # mixed precision
    "dtype_policies/global_mixed": MIXED,
    "dtype_policies/mixed_bfloat16": MIXED,
    "dtype_policies/mixed_float16": MIXED,
    "layer_configs/topk": MIXED,
}


def _compare(mine, expected, path, problems):
    if any(path == key or path.startswith(key + "/") for key in DIFFERENT):
        return
    if isinstance(expected, dict) and isinstance(mine, dict):
        if sorted(mine) != sorted(expected):
            problems.append(f"{path}: keys {sorted(mine)} != Keras's {sorted(expected)}")
            return
        for key in expected:
            _compare(mine[key], expected[key], f"{path}/{key}", problems)
    elif isinstance(expected, list) and isinstance(mine, (list, tuple)) and len(mine) == len(
            expected) and not all(isinstance(v, (int, float)) for v in expected):
        for i, (a, b) in enumerate(zip(mine, expected)):
            _compare(a, b, f"{path}[{i}]", problems)
    elif isinstance(expected, (int, float, list)) and not isinstance(expected, bool) \
            and is_numeric(expected) and is_numeric(mine):
        a, b = np.asarray(mine, dtype="float64"), np.asarray(expected, dtype="float64")
        if a.shape != b.shape or not np.allclose(a, b, rtol=2e-5, atol=1e-6, equal_nan=True):
            problems.append(f"{path}: {mine} != Keras's {expected}")
    elif mine != expected:
        problems.append(f"{path}: {mine!r} != Keras's {expected!r}")


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_case_matches_keras(name):
    """Each piece gives what Keras 3.15 gives (apart from ``DIFFERENT``)."""
    problems = []
    _compare(as_json(cases.CASES[name](keras)), KERAS[name], name, problems)
    assert not problems, "\n".join(problems)


def test_every_recorded_difference_is_still_recorded_by_keras():
    """A DIFFERENT entry names a path the fixture holds (no stale exemption)."""
    for key in DIFFERENT:
        node = KERAS
        for part in key.split("/"):
            node = node[part]


def test_keras_file_of_the_ops_model_loads_as_keras_loads_it(tmp_path):
    """keras_examples5_ops_model.keras (saved by Keras): minikeras rebuilds the registered
    custom layers with the configs, weights and predictions Keras gets from it."""
    mine = cases.loaded_model_report(keras, os.path.join(FIXTURES,
                                                         "keras_examples5_ops_model.keras"))
    problems = []
    _compare(as_json(mine), KERAS["round_trips"]["keras_loads_keras_file"], "keras_file",
             problems)
    assert not problems, "\n".join(problems)


def test_minikeras_file_of_the_ops_model_is_one_keras_loads(tmp_path):
    """The same model saved by minikeras: Keras loaded such a file (when the fixture was
    written) into these layers, configs and predictions; minikeras predicts the same and
    loads its own file back the same way."""
    model = cases.fixed_ops_model(keras)
    path = str(tmp_path / "ops_model.keras")
    model.save(path)
    keras_view = KERAS["round_trips"]["keras_loads_minikeras_file"]
    np.testing.assert_allclose(model.predict(cases.ROUND_TRIP_INPUT, verbose=0),
                               keras_view["predict"], rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(keras_view["predict"], KERAS["round_trips"]["keras_predict"],
                               rtol=2e-5, atol=1e-6)
    problems = []
    _compare(as_json(cases.loaded_model_report(keras, path)), keras_view, "minikeras_file",
             problems)
    assert not problems, "\n".join(problems)
