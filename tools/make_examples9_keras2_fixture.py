"""Record tests/fixtures/examples9_keras2.npz / .json from tf.keras 2 (tf_keras 2.21).

Run once: ``/work/scratch-tf/bin/python tools/make_examples9_keras2_fixture.py`` (tf_keras
installed there). Each function case's value is stored as arrays (``<case>/<i>`` for a tuple
or list, a string as its own entry in the json); each script's History and printed output
in the json.
"""
import contextlib
import io
import json
import pathlib
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))

import examples9_keras2_cases as cases  # noqa: E402
import tf_keras  # noqa: E402


def flat_values(value):
    """A case's value as a list of numpy arrays (a tuple or list flattened, in order)."""
    if isinstance(value, (list, tuple)) and not all(isinstance(v, int) for v in value):
        return [a for v in value for a in flat_values(v)]
    return [np.asarray(value)]


def main():
    K = tf_keras.backend
    arrays, described = {}, {"functions": {}, "scripts": {}}
    for name, case in cases.FUNCTION_CASES.items():
        values = flat_values(case(K))
        described["functions"][name] = [
            {"dtype": str(v.dtype), "shape": list(v.shape)} for v in values]
        for i, v in enumerate(values):
            if v.dtype.kind not in "US":
                arrays[f"{name}/{i}"] = v
            else:
                described["functions"][name][i]["value"] = str(v)
    for name, script in cases.SCRIPT_CASES.items():
        tf_keras.utils.set_random_seed(0)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            history = script(tf_keras)
        described["scripts"][name] = {
            "history": {k: [float(x) for x in v] for k, v in history.items()},
            "printed": printed.getvalue()}
    np.savez(ROOT / "tests" / "fixtures" / "examples9_keras2.npz", **arrays)
    (ROOT / "tests" / "fixtures" / "examples9_keras2.json").write_text(
        json.dumps(described, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
