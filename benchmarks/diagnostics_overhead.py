"""Cost of keras.diagnostics.Diagnostics on the MLP workload (benchmarks/mlp.py's model:
784-512-Dropout(0.2)-512-10, Adam, batch 128): one epoch of fit with and without the
callback, timed alternately in one process; the target is at most 10% extra.

Also times the small digits MLP (64-128-64-10, batch 32), where per-step Python overhead
weighs more.

Times are process CPU seconds (all threads), the minimum over interleaved repeats: on a
shared machine wall time mostly measures the neighbours. Threads are limited to 1 here
so CPU time is not inflated by BLAS threads spinning.

Run alone:  python benchmarks/diagnostics_overhead.py [--repeats 7] [--samples 10240]
"""
import argparse
import gc
import json
import os
import time

os.environ.setdefault("MINIKERAS_BENCH_THREADS", "1")

import common  # noqa: F401  (sets thread limits before numpy loads)
from common import classification_data, glorot_dense_weights, keras_dense_stack, limit_threads

from mlp import BATCH, CLASSES, DROPOUT, FEATURES, HIDDEN


def epoch_timer(keras, model, x, y, batch, with_diagnostics):
    def run():
        callbacks = [keras.diagnostics.Diagnostics()] if with_diagnostics else []
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False,
                  callbacks=callbacks)
    return run


def interleaved_min_cpu(fns, repeats, warmup=1):
    """Run the callables alternately; each one's smallest process CPU time."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    best = {label: float("inf") for label in fns}
    for _ in range(repeats):
        for label, fn in fns.items():
            gc.collect()
            start = time.process_time()
            fn()
            best[label] = min(best[label], time.process_time() - start)
    return best


def measure(keras, name, features, hidden, classes, dropout, batch, samples, repeats):
    x, y = classification_data(samples, features, classes)
    weights = glorot_dense_weights((features,) + hidden + (classes,))
    model = keras_dense_stack(keras, features, hidden, classes, dropout, weights)
    timings = interleaved_min_cpu({
        "plain": epoch_timer(keras, model, x, y, batch, False),
        "diagnostics": epoch_timer(keras, model, x, y, batch, True)}, repeats=repeats)
    plain, diagnosed = timings["plain"], timings["diagnostics"]
    steps = -(-samples // batch)
    return {"workload": name, "steps_per_epoch": steps,
            "plain_ms_per_step": round(1e3 * plain / steps, 3),
            "diagnostics_ms_per_step": round(1e3 * diagnosed / steps, 3),
            "overhead_percent": round(100 * (diagnosed / plain - 1), 1)}


def run(repeats=7, samples=10240):
    import minikeras as keras
    limit_threads()
    return [measure(keras, "mlp 784-512-512-10, batch 128", FEATURES, HIDDEN, CLASSES,
                    DROPOUT, BATCH, samples, repeats),
            measure(keras, "digits mlp 64-128-64-10, batch 32", 64, (128, 64), 10, 0.2, 32,
                    samples // 4, repeats)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--samples", type=int, default=10240)
    args = parser.parse_args()
    print(json.dumps(run(args.repeats, args.samples), indent=2))
