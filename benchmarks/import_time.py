"""Workload 3: wall time of ``python -c "import minikeras"`` in fresh processes.

Each figure is the median over ``repeats`` fresh interpreter processes (after one untimed
run that warms the file cache), timed from the parent around ``subprocess.run``: it is
what a user waits for, interpreter start-up included. ``python -c pass`` is reported so
the import cost alone can be read off (``import minikeras`` minus ``pass``); numpy
(minikeras's floor) and torch are for reference. The children inherit this process's
environment, so OPENBLAS_* settings apply to them as they would to a user.

Also: ``python -X importtime`` of minikeras, summarised as the slowest modules (self time).

Run alone:  python benchmarks/import_time.py [--repeats 7]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# minikeras loads its submodules lazily, so "import minikeras" alone costs almost nothing;
# "minikeras_first_use" also touches what a training script needs before it can build a model.
FIRST_USE = ("import minikeras as keras; keras.Sequential; keras.Input; keras.layers.Dense; "
             "keras.optimizers.Adam; keras.losses.CategoricalCrossentropy; keras.metrics.Accuracy")
STATEMENTS = {"pass": "pass", "numpy": "import numpy", "minikeras": "import minikeras",
              "minikeras_first_use": FIRST_USE, "torch": "import torch"}


def time_statement(statement, repeats=7):
    cmd = [sys.executable, "-c", statement]
    subprocess.run(cmd, cwd=REPO, check=True, capture_output=True)  # warm the file cache
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def _importtime_rows(statement):
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", statement],
                          cwd=REPO, capture_output=True, text=True, check=True)
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = (part.strip() for part in line[12:].split("|"))
        rows.append((int(self_us), int(cumulative_us), name.strip()))
    return rows


def importtime_top(module="minikeras", top=15, statement=None):
    """The ``top`` modules with the largest self time that ``import module`` adds.

    Modules the bare interpreter already imports (site, .pth hooks) are left out.
    """
    startup = {name for _, _, name in _importtime_rows("pass")}
    rows = [r for r in _importtime_rows(statement or f"import {module}") if r[2] not in startup]
    total = sum(r[0] for r in rows)
    rows.sort(reverse=True)
    return {"total_self_us": total,
            "top_self": [{"module": n, "self_us": s, "cumulative_us": c}
                         for s, c, n in rows[:top]]}


def run(repeats=7, include_torch=True):
    result = {}
    for label, statement in STATEMENTS.items():
        if label == "torch" and not include_torch:
            continue
        median, times = time_statement(statement, repeats)
        result[label] = {"median_s": median, "times": times}
    result["minikeras_minus_pass_s"] = result["minikeras"]["median_s"] - result["pass"]["median_s"]
    result["first_use_minus_pass_s"] = (result["minikeras_first_use"]["median_s"]
                                        - result["pass"]["median_s"])
    result["numpy_minus_pass_s"] = result["numpy"]["median_s"] - result["pass"]["median_s"]
    try:
        result["importtime"] = importtime_top(statement=FIRST_USE)
    except (subprocess.CalledProcessError, ValueError):
        result["importtime"] = None
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.repeats, not args.no_torch), indent=1))


if __name__ == "__main__":
    sys.exit(main())
