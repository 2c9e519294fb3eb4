"""CPU time of one `fit` step (MLP and 9 x Dense(32)) and of MLP predict, for one checkout.

    python benchmarks/step_cpu_time.py                 # this checkout
    python benchmarks/step_cpu_time.py /path/to/other  # another checkout (A/B: alternate runs)

On a shared machine wall-clock throughput moves by 2x between runs; CPU time of the
running thread (`time.thread_time`, 1 BLAS thread) is not inflated by preemption, so
before/after comparisons alternate this script between two checkouts and take the
best of several epochs. Prints one line: µs per training step (MLP batch 128 with
Dropout(0.2), 9 x Dense(32) batch 32) and µs per MLP predict call (batch 1024).
"""
import argparse
import gc
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

WORKLOADS = {
    # name: (samples, features, hidden, classes, dropout, batch)
    "mlp": (1280, 784, (512, 512), 10, 0.2, 128),
    "tiny": (2048, 32, (32,) * 9, 10, None, 32),
}


def best_step_us(model, x, y, batch, epochs):
    """Best over ``epochs`` one-epoch fits of the CPU µs per step."""
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)  # warm-up
    best = float("inf")
    for _ in range(epochs):
        gc.collect()
        start = time.thread_time()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
        best = min(best, (time.thread_time() - start) / (len(x) // batch))
    return best * 1e6


def best_predict_us(model, x, repeats):
    model.predict(x, batch_size=len(x), verbose=0)
    best = float("inf")
    for _ in range(repeats):
        start = time.thread_time()
        model.predict(x, batch_size=len(x), verbose=0)
        best = min(best, time.thread_time() - start)
    return best * 1e6


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=os.path.dirname(HERE),
                        help="checkout whose minikeras to import (default: this one)")
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.abspath(args.root))
    from common import (classification_data, glorot_dense_weights, keras_dense_stack,
                        limit_threads)
    import minikeras as keras
    limit_threads(1)
    result = {}
    for name, (samples, features, hidden, classes, dropout, batch) in WORKLOADS.items():
        x, y = classification_data(samples, features, classes)
        weights = glorot_dense_weights((features,) + hidden + (classes,))
        model = keras_dense_stack(keras, features, hidden, classes, dropout, weights)
        result[name + "_fit_step_us"] = round(best_step_us(model, x, y, batch, args.epochs))
        if name == "mlp":
            result["mlp_predict_1024_us"] = round(best_predict_us(model, x[:1024], args.epochs))
    print(os.path.abspath(args.root), result)


if __name__ == "__main__":
    sys.exit(main())
