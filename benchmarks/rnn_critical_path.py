"""The fused LSTM / GRU recurrence of two checkouts in one process: CPU time of the calling
thread, for a machine too loaded for wall-clock ratios.

    python benchmarks/rnn_critical_path.py BEFORE [AFTER] [--cell lstm|gru] [--rounds 9]

The workload of ``benchmarks/rnn.py`` at the primitive: LSTM(128) or GRU(128) over 100 steps
of 32 features; fit = forward while recording + backward at batch 64 (the cotangent of the
last output only, as a classifier's), predict = forward at batch 256 without recording. Each
checkout's ``minikeras`` is imported under its own name (``ab_cpu_time.copy_renamed``) and the
two alternate round by round. Two clocks, each the least over the rounds:

* ``cpu1``: thread CPU time with one thread (BLAS and ``parallel``): all the work;
* ``path``: with 2 threads and BLAS on one thread, the calling thread's CPU time plus the
  time it spent blocked waiting for another thread (``Future.result`` / ``wait``): the wall
  time of the call on a quiet machine with a free core for the other thread. (BLAS's own
  threads are left out: their spin-waits count as CPU time of the caller, and under load
  they stall.)
"""
import argparse
import concurrent.futures
import gc
import importlib
import os
import sys
import tempfile
import threading
import time

os.environ["OPENBLAS_NUM_THREADS"] = "1"
import numpy as np  # noqa: E402

from ab_cpu_time import copy_renamed  # noqa: E402

STEPS, FEATURES, UNITS, BATCH, PREDICT_BATCH = 100, 32, 128, 64, 256
_blocked = [0.0]  # seconds the calling thread spent waiting for others in this call


def _counting_blocked(wait):
    """``wait`` that adds the wall time it spent off the CPU to ``_blocked``."""
    def timed(*args, **kwargs):
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return wait(*args, **kwargs)
        finally:
            if threading.get_ident() == _CALLER:
                _blocked[0] += (time.perf_counter() - wall) - (time.thread_time() - cpu)
    return timed


_CALLER = threading.get_ident()
concurrent.futures.Future.result = _counting_blocked(concurrent.futures.Future.result)
concurrent.futures.wait = _counting_blocked(concurrent.futures.wait)


def calls(package, cell):
    """{"fit": fn, "predict": fn} for the recurrence of ``package``."""
    recurrence = importlib.import_module(package + ".autodiff.recurrence")
    tensor = importlib.import_module(package + ".autodiff.tensor").Tensor
    grad_mode = importlib.import_module(package + ".autodiff.grad_mode")
    rng = np.random.default_rng(0)
    gates = 4 if cell == "lstm" else 3
    x = rng.standard_normal((PREDICT_BATCH, STEPS, FEATURES), dtype=np.float32)
    weights = [tensor((rng.standard_normal(shape) * 0.1).astype(np.float32), requires_grad=True)
               for shape in ((FEATURES, gates * UNITS), (UNITS, gates * UNITS),
                             (gates * UNITS,), (gates * UNITS,))]

    def run(batch):
        h0 = tensor(np.zeros((batch, UNITS), np.float32))
        if cell == "lstm":
            return recurrence.lstm_recurrence(tensor(x[:batch]), *weights[:3], h0, h0,
                                              return_sequences=False)
        return recurrence.gru_recurrence(tensor(x[:batch]), *weights, h0,
                                         return_sequences=False)

    def fit():
        y = run(BATCH)
        gy = np.zeros(y.shape, np.float32)
        gy[:, 0] = 1  # the last output's gradient only
        y.backward(gy)

    def predict():
        with grad_mode.no_grad():
            run(PREDICT_BATCH)
    parallel = importlib.import_module(package + ".autodiff.parallel")
    return {"fit": fit, "predict": predict}, parallel


def timed(fn):
    gc.collect()
    _blocked[0] = 0.0
    start = time.thread_time()
    fn()
    return time.thread_time() - start + _blocked[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after", nargs="?", default=os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    parser.add_argument("--cell", choices=("lstm", "gru"), default="lstm")
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as packages:
        sys.path.insert(0, packages)
        runs = {}
        for label, root in (("before", args.before), ("after", args.after)):
            copy_renamed(os.path.abspath(root), f"mk_{label}", packages)
            runs[label] = calls(f"mk_{label}", args.cell)
        best = {}
        for _ in range(args.rounds):
            for clock, threads in (("cpu1", 1), ("path", 2)):
                for label, (fns, parallel) in runs.items():
                    parallel.set_threads(threads)
                    for kind, fn in fns.items():
                        key = (label, clock, kind)
                        best[key] = min(best.get(key, float("inf")), timed(fn))
        for label, (_, parallel) in runs.items():
            parallel.reset_threads()
    print(f"{args.cell}, least of {args.rounds} rounds, ms per call "
          f"(load average {os.getloadavg()[0]:.1f}):")
    for clock in ("cpu1", "path"):
        for kind in ("fit", "predict"):
            before, after = best[("before", clock, kind)], best[("after", clock, kind)]
            print(f"  {clock:4s} {kind:7s} before {before * 1e3:7.2f}  after {after * 1e3:7.2f}"
                  f"  after/before {after / before:.3f}")


if __name__ == "__main__":
    sys.exit(main())
