"""The symbolic side of the API beside Keras 3.15 (round 17): ``keras.ops`` on KerasTensors
(output shapes, dtypes, errors) and ``model.summary()``'s printed tables.

The cases are in tests/fixtures/examples17_symbolic_cases.py; what Keras gave is in
tests/fixtures/keras_examples17_symbolic.json, written once with real Keras 3.15 (torch
backend) by tools/make_examples17_symbolic_fixture.py. Its jax backend gives the same but
for five rows: sum / nansum of uint8 (NOT_COMPARED), prod / nanprod of uint8 (jax uint32,
torch int32) and ifft2 of a pair of matrices (jax TypeError, torch ValueError), where
minikeras gives the torch backend's.

Fixed in round 17 (each row here would fail without its fix): unknown sizes beside known
ones in element-wise ops, ``where``, ``stack``, ``concatenate``, ``vstack`` and ``hstack``
(Keras's static broadcast), and in ``matmul``'s inner sizes; splits of an unknown axis,
blocks of one (``space_to_depth``) and a diagonal of one; ``broadcast_to``'s and
``stack``'s shape errors; ``sign`` of bools, float16 ``log2`` / ``log10``, ``arctan2`` of
float16 and a Python float, ``moveaxis`` of several axes, ``swapaxes`` / ``moveaxis`` /
``cross`` errors; ``np.asarray`` of a KerasTensor raises; summary ``positions`` with more
entries than columns.

Not compared (NOT_COMPARED), each with its reason: rows where Keras's symbolic spec is not
what Keras's own runs give (minikeras's node records what its run gives, as
tests/ops/test_ops_symbolic_vs_keras.py's deliberate differences), divergences found and
not fixed in round 17, and backend-specific rows. MESSAGE_DIFFERS: rows whose error type
agrees but whose message does not; their types are compared.
"""
import functools

import pytest

import minikeras as keras
from tests.compat.script_compare import assert_same, without
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples17_symbolic_cases", "keras_examples17_symbolic.json")


def _rows(case, reason, names):
    return {(case, name): reason for name in names.split()}


# Keras's symbolic output spec gives what its own runs (torch, and jax where it runs) do
# not: an output dtype its run does not give, an output where its run raises (integer
# pools, half-precision convolutions and factorizations, bool arithmetic), or an error its
# run does not raise (argmax over a tuple of axes)
_SPEC = ("Keras's symbolic spec differs from what Keras's own run gives (or its run raises "
         "on these inputs); minikeras's node records what its run gives")
NOT_COMPARED = {
    **_rows("ops_binary_dtypes", _SPEC,
            "arctan2_bool_float16 arctan2_float16_bool arctan2_float16_int arctan2_int_float16 "
            "ldexp_bool_bool ldexp_bool_float16 ldexp_int16_float32 ldexp_int32_float16 "
            "ldexp_int8_float16 floor_divide_bool_bool fmod_bool_bool hypot_bool_bool "
            "power_bool_bool subtract_bool_bool vdot_bool_bool vdot_bool_int8 vdot_int8_int16 "
            "vdot_int8_uint8 vdot_uint8_uint16"),
    **_rows("ops_binary_dtypes", "backend-specific: Keras's jax and torch runs give different "
            "dtypes here", "heaviside_bool_bool nextafter_float16_float nextafter_float_float16"),
    ("ops_broadcasting", "matmul_rank0"): _SPEC + " (a batch axis taken for a vector's)",
    **_rows("ops_convolutions", _SPEC,
            "adaptive_max_pool_1d conv2d_grouped average_pool_int conv2d_half "
            "conv2d_kernel_half fold"),
    **_rows("ops_errors", _SPEC, "dot_product_attention_ranks get_item_index get_item_too_many "
            "einsum_sizes top_k_k"),
    **_rows("ops_errors", "minikeras raises the TypeError of Keras's eager one_hot on both "
            "backends; Keras's symbolic call a ValueError about the shape (None, 3, 2.5)",
            "one_hot_float_classes"),
    **_rows("ops_gathers", _SPEC, "get_item_out_of_range get_item_too_many multi_hot_none "
            "searchsorted_int top_k_too_many"),
    ("ops_images", "scale_and_translate"): _SPEC,
    **_rows("ops_reductions", _SPEC, "argmax_tuple argmax_tuple_keepdims argmin_tuple "
            "argmin_tuple_keepdims average_tuple logsumexp_float16 ptp_bool"),
    **_rows("ops_reductions", "backend-specific: a sum of uint8 is uint32 on Keras's jax "
            "backend (as minikeras gives it), int32 on its torch backend",
            "sum_uint8 nansum_uint8"),
    **_rows("ops_remaining", _SPEC, "batch_norm_half dot_product_attention_mask eig lu_factor "
            "bincount_weights cholesky_half einsum_bad inv_int logdet_half polar_half"),
    **_rows("ops_shapes", _SPEC, "append_axis concatenate_axis_none hstack_vectors"),
    **_rows("ops_unary_dtypes", _SPEC, "bitwise_invert_float16 bitwise_not_float16 "
            "negative_bool reciprocal_float16 relu_bool round_bool"),
}
# an axis out of range in the reductions that run numpy's own: numpy's AxisError, a
# subclass of ValueError (Keras: ValueError)
NOT_COMPARED.update(_rows("ops_reductions", "numpy's AxisError, a ValueError subclass "
                          "(Keras: ValueError)", " ".join(
                              f"{op}_axis_out_of_range" for op in (
                                  "all any argmax argmin count_nonzero nanargmax nanargmin "
                                  "nanmean nanstd nanvar").split())))

# (case, row) whose error type agrees with Keras's but whose message does not (minikeras's
# names the placeholder shapes of its run, or says it in its own words)
MESSAGE_DIFFERS = {("ops_errors", name) for name in (
    "conv_channels cross_size inv_square matmul_batch pad_pairs resize_rank solve_rows "
    "take_along_axis_rank tile_negative transpose_axes").split()}


def _error_types(name, record):
    """``record`` with the errors of MESSAGE_DIFFERS's rows as their type alone."""
    return {row: ({"error": outcome["error"].split(":")[0]}
                  if (name, row) in MESSAGE_DIFFERS else outcome)
            for row, outcome in record.items()}


def _comparable(name, record):
    return without(NOT_COMPARED, name, record, neutral=functools.partial(_error_types, name))


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_script_matches_keras(name):
    got = cases.CASES[name](keras)
    assert_same(_comparable(name, got), _comparable(name, KERAS[name]), name)


def test_every_case_was_recorded_by_keras():
    assert sorted(KERAS) == sorted(cases.CASES)


def test_exclusions_name_recorded_rows():
    """Each exclusion names a row Keras recorded (a renamed row cannot hide a case), and
    each message-only row is an error there."""
    for name, row in NOT_COMPARED:
        assert row in KERAS[name], (name, row)
    for name, row in MESSAGE_DIFFERS:
        assert "error" in KERAS[name][row], (name, row)
