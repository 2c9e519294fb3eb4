"""keras.ops names added for Keras 3.15 coverage, replayed against real Keras's outputs.

tests/fixtures/ops_coverage.npz was made once by tools/make_ops_coverage_fixture.py with
Keras 3.15 (jax backend): each case's inputs, call, outputs and their dtypes. Each case is
called here on minikeras and must give the same dtypes and, to float32 round-off, values.
"""
import json
import pathlib

import numpy as np
import pytest

from minikeras import ops

FIXTURE = np.load(pathlib.Path(__file__).parents[1] / "fixtures" / "ops_coverage.npz")
CASES = {case["id"]: case for case in json.loads(str(FIXTURE["cases"]))}
# sample positions from a solved float32 homography: a one-ulp change of a coordinate moves
# a bilinear sample by (pixel difference) x 1e-6
ATOL = {"perspective_transform": 1e-5}
# eigenvectors are defined up to a sign (a phase when complex) per column: these outputs
# are compared after fixing each column's phase by its largest entry
PHASE_FREE = {("eigh_values", 1), ("eig", 1), ("eig_real", 1)}


def fix_phase(columns):
    """Each column divided by the phase of its largest-magnitude entry."""
    largest = np.take_along_axis(columns, np.abs(columns).argmax(-2)[..., None, :], -2)
    return columns * np.conj(largest / np.abs(largest))


def argument(spec):
    if "array" in spec:
        return FIXTURE[spec["array"]]
    if "arrays" in spec:
        arrays = [FIXTURE[key] for key in spec["arrays"]]
        return tuple(arrays) if spec.get("tuple") else arrays
    return spec["value"]


def call(case):
    fn = ops
    for part in case["op"].split("."):
        fn = getattr(fn, part)
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in case["kwargs"].items()}
    return fn(*[argument(a) for a in case["args"]], **kwargs)


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_matches_keras(case_id):
    case = CASES[case_id]
    out = call(case)
    outs = list(out) if case["tuple"] else [out]
    assert len(outs) == len(case["dtypes"])
    for j, (got, dtype) in enumerate(zip(outs, case["dtypes"])):
        got = np.asarray(ops.convert_to_numpy(got))
        expected = FIXTURE[f"{case_id}/out{j}"]
        assert got.dtype == np.dtype(dtype), (j, got.dtype, dtype)
        assert got.shape == expected.shape, (j, got.shape, expected.shape)
        if (case_id, j) in PHASE_FREE:
            got, expected = fix_phase(got), fix_phase(expected)
        np.testing.assert_allclose(got, expected, rtol=2e-5, atol=ATOL.get(case_id, 2e-6),
                                   equal_nan=True)
