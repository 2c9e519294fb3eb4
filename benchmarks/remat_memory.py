"""Memory of a backward pass with and without keras.remat: 4 blocks of 8 Dense(256, tanh)
on a batch of 4096 (activations dominate: 4 MiB each, kernels 0.25 MiB).

Reports, from tracemalloc (numpy's allocations are traced), the bytes still held after the
forward pass (what the graph keeps for the backward pass) and the peak over the forward
and backward passes. Run: PYTHONPATH=. OPENBLAS_NUM_THREADS=1 python benchmarks/remat_memory.py
"""
import tracemalloc

import numpy as np

import minikeras as keras
from minikeras import ops
from minikeras.autodiff import grad
from minikeras.autodiff.tensor import Tensor

BLOCKS, DEPTH, WIDTH, BATCH = 4, 8, 256, 4096


def block_function(layers):
    def block(h):
        for layer in layers:
            h = layer(h)
        return h
    return block


def measure(rematerialize):
    keras.utils.set_random_seed(0)
    blocks = [[keras.layers.Dense(WIDTH, activation="tanh") for _ in range(DEPTH)]
              for _ in range(BLOCKS)]
    functions = [block_function(layers) for layers in blocks]
    x = Tensor(np.random.default_rng(0).random((BATCH, WIDTH), dtype=np.float32))
    h = x
    for f in functions:  # build the layers outside the measurement
        h = f(h)
    if rematerialize:
        functions = [keras.remat(f) for f in functions]
    weights = [w for layers in blocks for layer in layers for w in layer.trainable_variables]
    tracemalloc.start()
    h = x
    for f in functions:
        h = f(h)
    held = tracemalloc.get_traced_memory()[0]
    grad(ops.sum(h), weights)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return held / 2**20, peak / 2**20


if __name__ == "__main__":
    for rematerialize in (False, True):
        held, peak = measure(rematerialize)
        print(f"{'remat' if rematerialize else 'plain':>5}: held after forward {held:6.1f} MiB, "
              f"peak {peak:6.1f} MiB")
