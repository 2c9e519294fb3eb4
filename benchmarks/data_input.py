"""fit from a PyDataset (and a Dataset) of in-memory arrays vs the same arrays passed directly.

Issue 9's overhead target: a PyDataset that slices in-memory arrays trains at >= 0.9x the
speed of fit(x, y) on those arrays. Every variant trains the same model on the same batches
in the same order (shuffle=False), one epoch per call, variants interleaved (A B C D A B ...).

Times are process CPU seconds (all threads), the minimum over the repeats: on a shared
machine wall time mostly measures the neighbours. BLAS is limited to 1 thread so CPU time
is not inflated by threads spinning. The 2-worker PyDataset's CPU time includes its worker
threads (the cost, not the latency).

    python benchmarks/data_input.py [--repeats 7] [--samples 10000] [--batch 64]
"""
import argparse
import gc
import json
import os
import time

os.environ.setdefault("MINIKERAS_BENCH_THREADS", "1")

import common  # noqa: E402  (sets thread limits before numpy loads)

import minikeras as keras  # noqa: E402
from minikeras.utils.dataset import Dataset  # noqa: E402


class ArraySlices(keras.utils.PyDataset):
    """Batch i of in-memory arrays, as a PyDataset."""

    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[part], self.y[part]


def min_cpu_times(fns, repeats):
    """Minimum process CPU time of each callable over interleaved repeats (after a warm-up)."""
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10000)
    parser.add_argument("--features", type=int, default=64)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    common.limit_threads()
    x, y = common.classification_data(args.samples, args.features, 10)
    weights = common.glorot_dense_weights([args.features, 128, 64, 10])
    model = common.keras_dense_stack(keras, args.features, [128, 64], 10, weights=weights)
    variants = {
        "arrays": lambda: model.fit(x, y, batch_size=args.batch, shuffle=False, verbose=0),
        "pydataset": lambda: model.fit(ArraySlices(x, y, args.batch), verbose=0),
        "pydataset_2_workers": lambda: model.fit(ArraySlices(x, y, args.batch, workers=2),
                                                 verbose=0),
        "dataset": lambda: model.fit(Dataset.from_tensor_slices((x, y)).batch(args.batch),
                                     verbose=0),
    }
    best = min_cpu_times(variants, args.repeats)
    report = {label: {"epoch_cpu_s": round(t, 4), "speed_vs_arrays": round(best["arrays"] / t, 3)}
              for label, t in best.items()}
    print(json.dumps({"samples": args.samples, "features": args.features,
                      "batch_size": args.batch, "repeats": args.repeats, "results": report},
                     indent=2))


if __name__ == "__main__":
    main()
