"""CPU milliseconds per forward pass of an MLP (784-512-512-10, batch 64) in float32 and
quantized with model.quantize("int8") / ("int4"), and the bytes of its weights.

numpy has no int8 matrix product: a quantized Dense quantizes its inputs and multiplies
the integers in float32 (exact while the sums stay below 2**24), so quantizing buys size,
not speed. Modes alternate, best of 7 rounds of 10 calls, CPU time of this thread.
Run: MINIKERAS_BENCH_THREADS=1 python benchmarks/quantization.py
"""
import os
import time
import warnings

import common  # noqa: F401  (thread limits and the repo on sys.path, before numpy loads)
import numpy as np

import minikeras as keras
from minikeras.autodiff import no_grad

MODES = (None, "int8", "int4")


def model(mode):
    net = keras.Sequential([keras.Input((784,)), keras.layers.Dense(512, activation="relu"),
                            keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
    if mode:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            net.quantize(mode)
    return net


def main():
    x = np.random.default_rng(0).normal(size=(64, 784)).astype("float32")
    nets = {mode: model(mode) for mode in MODES}
    best = {mode: float("inf") for mode in MODES}
    with no_grad():
        for _ in range(7):
            for mode, net in nets.items():
                start = time.thread_time()
                for _ in range(10):
                    net(x)
                best[mode] = min(best[mode], (time.thread_time() - start) / 10)
    print(f"load average {os.getloadavg()[0]:.1f}")
    for mode, net in nets.items():
        size = sum(w.numpy().nbytes for w in net.weights)
        print(f"{mode or 'float32':8s} {best[mode] * 1e3:6.2f} ms per batch of 64, "
              f"{best[mode] / best[None]:4.1f}x float, weights {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
