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
# results that are only defined up to an ordering or a sign, compared by a property instead
SIGN_FREE = {"eigh_values": 1}       # output index whose columns may differ in sign


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
        if SIGN_FREE.get(case_id) == j:
            got = got * np.sign(got[..., :1, :]) * np.sign(expected[..., :1, :])
        np.testing.assert_allclose(got, expected, rtol=2e-5, atol=2e-6, equal_nan=True)
