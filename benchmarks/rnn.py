"""Workload: LSTM(128) and GRU(128) sequence classifiers against PyTorch's nn.LSTM / nn.GRU.

Inputs (batch, 100 timesteps, 32 features) -> recurrent layer (128 units, last output) ->
Dense(10, softmax); Adam(1e-3), categorical crossentropy, batch 64. minikeras and eager
PyTorch run side by side in one process with the same data, the same initial weights
(Keras's gate layouts converted to PyTorch's) and 2 threads each:

* fit throughput (samples/s), one epoch per timed call;
* predict throughput (samples/s) at batch 256.

Run alone:  python benchmarks/rnn.py [--repeats 3] [--samples 2048] [--cell lstm|gru|both]

``--clock cpu`` times the CPU seconds of the running thread instead (least of the interleaved
repeats; run it with MINIKERAS_BENCH_THREADS=1 so both frameworks compute in that thread): on
a loaded machine wall time mostly measures the neighbours. ``--root CHECKOUT`` imports
minikeras from another checkout (before/after comparisons: alternate the two).
"""
import argparse
import functools
import json
import sys

import numpy as np

import common  # noqa: F401  (sets thread limits before numpy loads)
from common import (THREADS, classification_data, interleaved_best_cpu, interleaved_median,
                    side_by_side)

STEPS, FEATURES, UNITS, CLASSES = 100, 32, 128, 10
BATCH, PREDICT_BATCH = 64, 256


def sequence_data(samples):
    x, y = classification_data(samples, STEPS * FEATURES, CLASSES)
    return x.reshape(samples, STEPS, FEATURES), y


def keras_model(cell):
    import minikeras as keras
    layer = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[cell](UNITS)
    model = keras.Sequential([keras.Input((STEPS, FEATURES)), layer,
                              keras.layers.Dense(CLASSES, activation="softmax")])
    model.compile(keras.optimizers.Adam(1e-3), "categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def torch_model(torch, kmodel, cell):
    """The same network in PyTorch, with the minikeras model's initial weights."""
    rnn_cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]

    class Classifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = rnn_cls(FEATURES, UNITS, batch_first=True)
            self.head = torch.nn.Linear(UNITS, CLASSES)

        def forward(self, x):
            out, _ = self.rnn(x)
            return self.head(out[:, -1])

    model = Classifier()
    kernel, recurrent, bias, dense_kernel, dense_bias = kmodel.get_weights()
    if cell == "gru":  # Keras z, r, h -> PyTorch r, z, n; bias rows: input, recurrent
        order = np.r_[UNITS:2 * UNITS, 0:UNITS, 2 * UNITS:3 * UNITS]
        kernel, recurrent = kernel[:, order], recurrent[:, order]
        bias_ih, bias_hh = bias[0][order], bias[1][order]
    else:  # the LSTM gate order i, f, c(g), o is the same
        bias_ih, bias_hh = bias, np.zeros_like(bias)
    with torch.no_grad():
        for name, value in (("weight_ih_l0", kernel.T), ("weight_hh_l0", recurrent.T),
                            ("bias_ih_l0", bias_ih), ("bias_hh_l0", bias_hh)):
            getattr(model.rnn, name).copy_(torch.from_numpy(np.ascontiguousarray(value)))
        model.head.weight.copy_(torch.from_numpy(dense_kernel.T.copy()))
        model.head.bias.copy_(torch.from_numpy(dense_bias))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    return model, optimizer


def run(cell="lstm", repeats=3, warmup=1, samples=2048, clock="wall"):
    x, y = sequence_data(samples)
    timer = interleaved_best_cpu if clock == "cpu" else interleaved_median
    return {"cell": cell, "samples": samples, "clock": clock, "threads": THREADS,
            **side_by_side(keras_model(cell), functools.partial(torch_model, cell=cell), x, y,
                           BATCH, PREDICT_BATCH, repeats, warmup, timer)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=2048)
    parser.add_argument("--cell", choices=("lstm", "gru", "both"), default="both")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    parser.add_argument("--root", help="checkout whose minikeras to import")
    args = parser.parse_args()
    if args.clock == "cpu" and THREADS != 1:
        parser.error("--clock cpu needs MINIKERAS_BENCH_THREADS=1 (CPU time of one thread)")
    if args.root:
        sys.path.insert(0, args.root)
    cells = ("lstm", "gru") if args.cell == "both" else (args.cell,)
    for cell in cells:
        print(json.dumps(run(cell, args.repeats, samples=args.samples, clock=args.clock),
                         indent=1))


if __name__ == "__main__":
    main()
