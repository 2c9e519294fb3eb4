"""Workload 4: where a minikeras training step goes, on the workload-1 MLP.

Method: the pieces ``Trainer.train_step`` is made of are wrapped with ``perf_counter``
timers (no profiler, so Python-heavy parts are not inflated), then one epoch is fitted
(after a warm-up epoch) and each piece's share of the whole ``fit`` wall time is reported:

* forward   - ``model(x, training=True)`` (the model's ``__call__``, via a throw-away subclass)
* loss      - ``model.compute_loss`` (compiled loss + regularization penalties)
* backward  - the ``grad`` function the trainer module calls (``minikeras.models.trainer.grad``)
* optimizer - ``model.optimizer.apply``
* metrics   - ``model._update_metrics`` and the per-step ``model._logs``
* other     - the rest: batching, callbacks, fit set-up, wrapper cost

A piece whose hook is missing in the current code is reported as ``None`` and lands in
"other". The same split is measured for the PyTorch loop (timers between its statements).

Run alone:  python benchmarks/breakdown.py [--epochs 3]
"""
import argparse
import functools
import json
import statistics
import sys
import time

import common  # noqa: F401
from common import classification_data, limit_threads
from mlp import BATCH, CLASSES, FEATURES, build_pair

PHASES = ("forward", "loss", "backward", "optimizer", "metrics")


def _timed(fn, acc, phase):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            acc[phase] += time.perf_counter() - start
    return wrapper


def instrument(model):
    """Install timers on ``model``; returns (accumulator dict, restore function)."""
    import minikeras.models.trainer as trainer_module
    acc = {p: 0.0 for p in PHASES}
    hooked = set()
    restore = []

    base = type(model)
    timed_call = _timed(base.__call__, acc, "forward")
    model.__class__ = type(base.__name__, (base,), {"__call__": timed_call})
    restore.append(lambda: setattr(model, "__class__", base))
    hooked.add("forward")

    for obj, name, phase in ((model, "compute_loss", "loss"),
                             (model.optimizer, "apply", "optimizer"),
                             (model, "_update_metrics", "metrics"),
                             (model, "_logs", "metrics")):
        if callable(getattr(obj, name, None)):
            setattr(obj, name, _timed(getattr(obj, name), acc, phase))
            restore.append(lambda o=obj, n=name: o.__dict__.pop(n, None))
            hooked.add(phase)
    if callable(getattr(trainer_module, "grad", None)):
        original = trainer_module.grad
        trainer_module.grad = _timed(original, acc, "backward")
        restore.append(lambda: setattr(trainer_module, "grad", original))
        hooked.add("backward")
    for phase in PHASES:
        if phase not in hooked:
            acc[phase] = None

    def undo():
        for fn in reversed(restore):
            fn()
    return acc, undo


def shares(acc, total):
    known = sum(v for v in acc.values() if v is not None)
    out = {p: (None if v is None else v / total) for p, v in acc.items()}
    out["other"] = (total - known) / total
    return out


def run(epochs=3, samples=10240):
    x, y = classification_data(samples, FEATURES, CLASSES)
    kmodel, trainer = build_pair(x, y)
    limit_threads()
    kmodel.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)  # warm-up
    trainer.fit_epoch()

    k_runs, t_runs = [], []
    for _ in range(epochs):
        acc, undo = instrument(kmodel)
        start = time.perf_counter()
        kmodel.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
        total = time.perf_counter() - start
        undo()
        k_runs.append(shares(acc, total))

        start = time.perf_counter()
        trainer.fit_epoch(instrument=True)
        total = time.perf_counter() - start
        t_runs.append(shares(trainer.phase_times, total))

    def med(runs):
        return {k: (None if runs[0][k] is None else statistics.median(r[k] for r in runs))
                for k in runs[0]}
    return {"minikeras": med(k_runs), "torch": med(t_runs), "epochs": epochs}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=10240)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.epochs, args.samples), indent=1))


if __name__ == "__main__":
    sys.exit(main())
