"""Runs every training case of tests/fixtures/training_numbers_cases.py with real Keras 3.15
and with minikeras in one process, and compares the numbers (History per epoch, evaluate,
final weights, optimizer variables):

    KERAS_BACKEND=torch nice -n 19 /work/scratch-keras/bin/python \
        tools/training_numbers_sweep.py [SUBSTRING ...] [--json OUT]

A case matches when every value agrees to float32 round-off accumulated over a few steps
(|a - b| <= ATOL + RTOL * |b|); the report names, for each other case, the worst key.
"""
import argparse
import json
import os
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))

import keras  # noqa: E402  (the scratch install)
import minikeras  # noqa: E402
import training_numbers_cases as cases  # noqa: E402

RTOL, ATOL = 1e-5, 1e-6


def run(framework, case):
    """The case's numbers, or the exception it raised (as ``"error"``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return case(framework)
        except Exception as e:  # the sweep reports failures, it does not stop on them
            return {"error": f"{type(e).__name__}: {str(e)[:200]}"}


def compare(expected, got):
    """(verdict, worst key, its error in tolerance units, keys missing on either side)."""
    if "error" in expected or "error" in got:
        same = ("error" in expected) == ("error" in got)
        return ("both-error" if same else "error", "error",
                None, [expected.get("error"), got.get("error")])
    missing = sorted(set(expected) ^ set(got))
    worst, worst_key = 0.0, None
    for key in sorted(set(expected) & set(got)):
        a, b = np.asarray(got[key], "float64"), np.asarray(expected[key], "float64")
        if a.shape != b.shape:
            return "shape", key, None, [list(b.shape), list(a.shape)]
        if a.size == 0:
            continue
        err = _tolerance_units(a, b)
        if err > worst:
            worst, worst_key = err, key
    if missing:
        return "keys", worst_key, worst, missing
    return ("match" if worst <= 1.0 else "differ"), worst_key, worst, []


def _tolerance_units(a, b):
    """The largest |a - b| in units of ATOL + RTOL * |b|; infinite where a and b are not
    finite at the same places (or hold different infinities)."""
    finite = np.isfinite(b)
    if not np.array_equal(finite, np.isfinite(a)) or not np.array_equal(a[~finite], b[~finite],
                                                                        equal_nan=True):
        return float("inf")
    if not finite.any():
        return 0.0
    return float(np.max(np.abs(a[finite] - b[finite]) / (ATOL + RTOL * np.abs(b[finite]))))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="*", help="run cases whose name contains one of these")
    parser.add_argument("--json", help="write the per-case verdicts here")
    args = parser.parse_args()
    selected = {n: c for n, c in cases.all_cases().items()
                if not args.only or any(s in n for s in args.only)}
    results = {}
    for name, case in selected.items():
        expected, got = run(keras, case), run(minikeras, case)
        verdict, key, err, detail = compare(expected, got)
        results[name] = {"verdict": verdict, "worst_key": key, "tolerance_units": err,
                         "detail": detail}
        if verdict == "match":
            print(f"  match   {name}  (worst {err:.2g} at {key})", flush=True)
        else:
            shown = "" if err is None else f"{err:.3g} x tol at "
            print(f"! {verdict:7s} {name}  {shown}{key}  {detail}", flush=True)
            if verdict == "differ":
                print(f"      keras     {np.asarray(expected[key]).ravel()[:6]}\n"
                      f"      minikeras {np.asarray(got[key]).ravel()[:6]}")
    counts = {}
    for r in results.values():
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    print(f"\n{len(results)} cases: " + ", ".join(f"{v} {n}" for v, n in sorted(counts.items())))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"keras_version": keras.__version__, "rtol": RTOL, "atol": ATOL,
                       "counts": counts, "cases": results}, f, indent=1)


if __name__ == "__main__":
    main()
