"""Workload: LSTM(128) and GRU(128) sequence classifiers against PyTorch's nn.LSTM / nn.GRU.

Inputs (batch, 100 timesteps, 32 features) -> recurrent layer (128 units, last output) ->
Dense(10, softmax); Adam(1e-3), categorical crossentropy, batch 64. minikeras and eager
PyTorch run side by side in one process with the same data, the same initial weights
(Keras's gate layouts converted to PyTorch's) and 2 threads each:

* fit throughput (samples/s), one epoch per timed call;
* predict throughput (samples/s) at batch 256.

Run alone:  python benchmarks/rnn.py [--repeats 3] [--samples 2048] [--cell lstm|gru|both]

``--clock cpu`` times the CPU seconds of the running thread instead (best of the interleaved
repeats; run it with MINIKERAS_BENCH_THREADS=1 so both frameworks compute in that thread):
on a loaded machine wall time mostly measures the neighbours. ``--root CHECKOUT`` imports
minikeras from another checkout (before/after comparisons: alternate the two).
"""
import argparse
import gc
import json
import sys
import time

import numpy as np

import common  # noqa: F401  (sets thread limits before numpy loads)
from common import THREADS, TorchTrainer, classification_data, import_torch, \
    interleaved_median, limit_threads

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


def torch_model(torch, cell, kmodel):
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


def interleaved_best_cpu(fns, repeats=3, warmup=1):
    """Each callable's least CPU time of the running thread, callables alternating."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times = {label: [] for label in fns}
    for _ in range(repeats):
        for label, fn in fns.items():
            gc.collect()
            start = time.thread_time()
            fn()
            times[label].append(time.thread_time() - start)
    return {label: (min(t), t) for label, t in times.items()}


def run(cell="lstm", repeats=3, warmup=1, samples=2048, clock="wall"):
    timer = interleaved_best_cpu if clock == "cpu" else interleaved_median
    x, y = sequence_data(samples)
    torch = import_torch()
    kmodel = keras_model(cell)
    tmodel, topt = torch_model(torch, cell, kmodel)
    trainer = TorchTrainer(torch, tmodel, topt, x, y, BATCH)
    limit_threads()
    same = np.abs(kmodel.predict(x[:64], verbose=0) -
                  trainer.predict(x[:64], 64)).max()
    fit = timer({
        "minikeras": lambda: kmodel.fit(x, y, batch_size=BATCH, epochs=1, verbose=0,
                                        shuffle=False),
        "torch": trainer.fit_epoch}, repeats=repeats, warmup=warmup)
    pred = timer({
        "minikeras": lambda: kmodel.predict(x, batch_size=PREDICT_BATCH, verbose=0),
        "torch": lambda: trainer.predict(x, PREDICT_BATCH)}, repeats=repeats, warmup=warmup)
    fit_sps = {k: samples / v[0] for k, v in fit.items()}
    pred_sps = {k: samples / v[0] for k, v in pred.items()}
    return {"cell": cell, "samples": samples, "clock": clock, "threads": THREADS,
            "initial_predictions_max_abs_diff": float(same),
            "fit_sps": fit_sps, "fit_ratio": fit_sps["minikeras"] / fit_sps["torch"],
            "predict_sps": pred_sps,
            "predict_ratio": pred_sps["minikeras"] / pred_sps["torch"]}


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
