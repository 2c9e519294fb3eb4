"""Workload 4: where a minikeras training step goes (the workload-1 MLP, the overhead
stacks, or Keras's mnist_convnet).

Method: the pieces ``Trainer.train_step`` is made of are wrapped with ``perf_counter``
timers (no profiler, so Python-heavy parts are not inflated), then one epoch is fitted
(after a warm-up epoch) and each piece's share of the whole ``fit`` wall time is reported:

* forward   - ``model(x, training=True)`` (the model's ``__call__``, via a throw-away subclass);
  in a replayed step, the recorded program's run (``replay.Program.run``), loss included
* loss      - ``model.compute_loss`` (compiled loss + regularization penalties) in an eager
  step
* backward  - the ``grad`` function the trainer module calls (``minikeras.models.trainer.grad``)
* optimizer - ``model.optimizer.apply``
* metrics   - ``model._update_metrics`` and the per-step ``model._logs``
* other     - the rest: batching, callbacks, fit set-up, wrapper cost

A piece whose hook is missing in the current code is reported as ``None`` and lands in
"other". The same split is measured for the PyTorch loop (timers between its statements).

``--primitives`` instead reports, for minikeras alone, the CPU time (``process_time``: all
threads, so run it with MINIKERAS_BENCH_THREADS=1 on a loaded machine) of each autodiff
primitive's forward and backward per step over one epoch, and the step's minor page faults.

Run alone:  python benchmarks/breakdown.py [--epochs 3] [--workload mlp|overhead|overhead0|cnn]
            python benchmarks/breakdown.py --workload cnn --primitives
"""
import argparse
import collections
import functools
import json
import resource
import statistics
import sys
import time

import common  # noqa: F401
from common import (TorchTrainer, classification_data, glorot_dense_weights, import_torch,
                    keras_dense_stack, keras_mnist_convnet, limit_threads, torch_dense_stack,
                    torch_mnist_convnet)
from mlp import BATCH, CLASSES, FEATURES, build_pair

PHASES = ("forward", "loss", "backward", "optimizer", "metrics")


def _timed(fn, acc, phase, clock=time.perf_counter):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        start = clock()
        try:
            return fn(*args, **kwargs)
        finally:
            acc[phase] += clock() - start
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
    replay = sys.modules.get("minikeras.autodiff.replay")
    if replay is not None:  # a replayed step runs its forward pass and loss as one program
        original_run = replay.Program.run
        replay.Program.run = _timed(original_run, acc, "forward")
        restore.append(lambda: setattr(replay.Program, "run", original_run))
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


def shares(acc, total, steps):
    """Each phase as a share of ``total`` and as µs per step (keys ``<phase>_us``)."""
    known = sum(v for v in acc.values() if v is not None)
    out = {p: (None if v is None else v / total) for p, v in acc.items()}
    out["other"] = (total - known) / total
    for p, v in list(acc.items()) + [("other", total - known), ("step", total)]:
        out[p + "_us"] = None if v is None else v / steps * 1e6
    return out


WORKLOADS = {
    # name: (samples, features, hidden, classes, dropout, batch)
    "mlp": (10240, FEATURES, (512, 512), CLASSES, 0.2, BATCH),
    "overhead": (4096, 32, (32,) * 9, 10, None, 32),
    "overhead0": (4096, 32, (), 10, None, 32),
    "cnn": (3840, 28 * 28, None, 10, 0.5, 128),  # Keras's mnist_convnet on 28x28x1 images
}


def _pair(workload, samples=None):
    n, features, hidden, classes, dropout, batch = WORKLOADS[workload]
    n = samples or n
    x, y = classification_data(n, features, classes)
    if workload == "mlp":
        kmodel, trainer = build_pair(x, y)
    elif workload == "cnn":
        import minikeras as keras
        x = x.reshape(n, 28, 28, 1)
        kmodel = keras_mnist_convnet(keras)
        tmodel, topt = torch_mnist_convnet(import_torch(), kmodel.get_weights())
        trainer = TorchTrainer(import_torch(), tmodel, topt, x, y, batch)
    else:
        import minikeras as keras
        torch = import_torch()
        weights = glorot_dense_weights((features,) + hidden + (classes,))
        kmodel = keras_dense_stack(keras, features, hidden, classes, dropout, weights)
        tmodel, topt = torch_dense_stack(torch, features, hidden, classes, dropout, weights)
        trainer = TorchTrainer(torch, tmodel, topt, x, y, batch)
    return kmodel, trainer, x, y, batch


def run(epochs=3, samples=None, workload="mlp"):
    """Median over ``epochs`` instrumented epochs of each phase's share of fit time and of
    its time per step (µs), for minikeras and for the PyTorch loop."""
    kmodel, trainer, x, y, batch = _pair(workload, samples)
    limit_threads()
    steps = -(-len(x) // batch)
    kmodel.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)  # warm-up
    trainer.fit_epoch()

    k_runs, t_runs = [], []
    for _ in range(epochs):
        acc, undo = instrument(kmodel)
        start = time.perf_counter()
        kmodel.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
        total = time.perf_counter() - start
        undo()
        k_runs.append(shares(acc, total, steps))

        start = time.perf_counter()
        trainer.fit_epoch(instrument=True)
        total = time.perf_counter() - start
        t_runs.append(shares(trainer.phase_times, total, steps))

    def med(runs):
        return {k: (None if runs[0][k] is None else statistics.median(r[k] for r in runs))
                for k in runs[0]}
    return {"minikeras": med(k_runs), "torch": med(t_runs), "epochs": epochs,
            "workload": workload, "steps": steps}


def _function_classes():
    from minikeras.autodiff.function import Function
    found, todo = [], [Function]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


def primitive_times(samples=None, workload="cnn"):
    """CPU µs per step of each primitive's forward and backward (minikeras, one epoch after
    a warm-up epoch), plus "step" (the whole fit) and "page_faults" per step."""
    kmodel, _, x, y, batch = _pair(workload, samples)
    limit_threads()
    steps = -(-len(x) // batch)
    kmodel.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)  # warm-up
    acc, restore = collections.defaultdict(float), []
    for cls in _function_classes():
        for name in ("forward", "backward"):
            if name in cls.__dict__:
                restore.append((cls, name, cls.__dict__[name]))
                setattr(cls, name, _timed(cls.__dict__[name], acc, f"{cls.__name__}.{name}",
                                          time.process_time))
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    start = time.process_time()
    try:
        kmodel.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
    finally:
        total = time.process_time() - start
        for cls, name, fn in restore:
            setattr(cls, name, fn)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    out = {k: v / steps * 1e6 for k, v in sorted(acc.items(), key=lambda kv: -kv[1])}
    return {"step": total / steps * 1e6, "page_faults": faults / steps, **out}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--workload", default="mlp", choices=sorted(WORKLOADS))
    parser.add_argument("--primitives", action="store_true",
                        help="CPU time per primitive (minikeras only) instead of the phases")
    args = parser.parse_args(argv)
    if args.primitives:
        times = primitive_times(args.samples, args.workload)
        for key, value in times.items():
            print(f"{key:<32} {value:>10.0f}")
        print(json.dumps(times))
        return
    result = run(args.epochs, args.samples, args.workload)
    print(f"{'phase':<10} {'minikeras %':>12} {'µs/step':>9} {'PyTorch %':>10} {'µs/step':>9}")
    for phase in PHASES + ("other", "step"):
        row = [result[fw].get(phase) for fw in ("minikeras", "torch")]
        us = [result[fw].get(phase + "_us") for fw in ("minikeras", "torch")]
        pct = ["n/a" if v is None else f"{100 * v:.1f}" for v in row]
        print(f"{phase:<10} {pct[0]:>12} {us[0] or 0:>9.0f} {pct[1]:>10} {us[1] or 0:>9.0f}")
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
