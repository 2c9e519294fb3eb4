"""Workload 2: framework overhead - 9 x Dense(32, relu) + Dense(10, softmax) at batch 32.

At width 32 the arithmetic is tiny, so the time per step is almost all framework
(Python) overhead. Measured for minikeras and eager PyTorch side by side in one process:

* fit throughput (samples/s) of the deep model (input 32 features, 10 classes, Adam,
  categorical crossentropy, accuracy metric, shuffle off);
* time per step of the deep model (9 hidden layers) and of the same model with 0 hidden
  layers (just the final Dense(10, softmax));
* overhead per layer per step = (step time, 9 hidden - step time, 0 hidden) / 9 in
  microseconds: the cost one Dense(32)+relu adds to a full training step (forward,
  backward, Adam update of its 2 variables, bookkeeping). Everything a step does once
  (loss, metrics, batching, callbacks) cancels in the difference.

Run alone:  python benchmarks/overhead.py [--repeats 5] [--samples 4096]
"""
import argparse
import json
import sys

import common  # noqa: F401  (sets thread limits before numpy loads)
from common import (TorchTrainer, classification_data, glorot_dense_weights, import_torch,
                    interleaved_median, keras_dense_stack, limit_threads, median_time,
                    torch_dense_stack)

FEATURES, WIDTH, CLASSES, BATCH, DEPTH = 32, 32, 10, 32, 9


def _pair(keras, torch, x, y, depth):
    hidden = (WIDTH,) * depth
    weights = glorot_dense_weights((FEATURES,) + hidden + (CLASSES,), seed=depth)
    kmodel = keras_dense_stack(keras, FEATURES, hidden, CLASSES, None, weights)
    tmodel, topt = torch_dense_stack(torch, FEATURES, hidden, CLASSES, None, weights)
    return kmodel, TorchTrainer(torch, tmodel, topt, x, y, BATCH)


def run(repeats=5, warmup=1, samples=4096):
    import minikeras as keras
    torch = import_torch()
    limit_threads()
    x, y = classification_data(samples, FEATURES, CLASSES, seed=2)
    steps = -(-samples // BATCH)
    per_step, best_step, check, fit_sps, fit_times = {}, {}, {}, {}, {}
    for depth in (DEPTH, 0):
        kmodel, trainer = _pair(keras, torch, x, y, depth)
        # Same weights, no dropout, same batches: the first-epoch losses should agree closely
        # (only Adam's epsilon placement and float32 round-off differ).
        k_loss = kmodel.fit(x, y, batch_size=BATCH, epochs=1, verbose=0,
                            shuffle=False).history["loss"][-1]
        t_loss = trainer.fit_epoch()["loss"]
        check[f"depth{depth}_first_epoch_loss"] = {"minikeras": float(k_loss),
                                                   "torch": float(t_loss)}
        timed = interleaved_median({
            "minikeras": lambda: kmodel.fit(x, y, batch_size=BATCH, epochs=1, verbose=0,
                                            shuffle=False),
            "torch": trainer.fit_epoch,
        }, repeats=repeats, warmup=warmup)
        per_step[depth] = {k: v[0] / steps for k, v in timed.items()}
        # Reference: PyTorch with one intra-op thread, its best case for 32-wide layers
        # (no OpenMP barriers to wait on when the machine is busy).
        torch.set_num_threads(1)
        one, _ = median_time(trainer.fit_epoch, repeats=repeats, warmup=warmup)
        torch.set_num_threads(common.THREADS)
        per_step[depth]["torch_1thread"] = one / steps
        best_step[depth] = {k: min(v[1]) / steps for k, v in timed.items()}
        if depth == DEPTH:
            fit_sps = {k: samples / (v * steps) for k, v in per_step[depth].items()}
            fit_times = {k: v[1] for k, v in timed.items()}
    overhead_us = {fw: (per_step[DEPTH][fw] - per_step[0][fw]) / DEPTH * 1e6
                   for fw in ("minikeras", "torch", "torch_1thread")}
    return {
        "samples": samples, "steps": steps,
        "fit_sps": fit_sps,
        "step_us": {str(d): {k: v * 1e6 for k, v in s.items()} for d, s in per_step.items()},
        "per_layer_us": overhead_us,
        "fit_times": fit_times,
        "best_step_us": {str(d): {k: v * 1e6 for k, v in s.items()} for d, s in best_step.items()},
        "best_per_layer_us": {fw: (best_step[DEPTH][fw] - best_step[0][fw]) / DEPTH * 1e6
                              for fw in ("minikeras", "torch")},
        "check": check,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--samples", type=int, default=4096)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.repeats, args.warmup, args.samples), indent=1))


if __name__ == "__main__":
    sys.exit(main())
