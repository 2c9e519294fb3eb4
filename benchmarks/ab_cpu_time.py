"""Before/after CPU time of a `fit` step with both checkouts in ONE process (alternating).

    python benchmarks/ab_cpu_time.py BEFORE_ROOT [AFTER_ROOT] [--workload tiny|mlp] [--rounds 12]

On a loaded machine even CPU time drifts between processes (caches and the memory bus are
shared), so `step_cpu_time.py` run in alternating processes resolves only large changes.
Here each checkout's ``minikeras`` package is copied into a temporary directory under its own
name (``mk_before``, ``mk_after``: every "minikeras" in its sources renamed), both are
imported, and their one-epoch fits alternate round by round in the same process, so drift
hits both alike. Prints, per version, the min and median CPU us per step (``time.thread_time``,
1 BLAS thread) and the paired median of after / before. Swap the two checkouts to see the
placement bias of the run (the model built first got ~2% lower minimums in MLP runs).
With ``--torch``, a PyTorch eager epoch of the same stack (one intra-op thread, same weights
and batches, ``common.TorchTrainer``) joins the alternation, and the CPU-time ratio
PyTorch / after is printed: a ratio to PyTorch that machine load does not move much.
"""
import argparse
import functools
import gc
import importlib
import os
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def copy_renamed(root, name, into):
    """Copy ``root``/minikeras to ``into``/``name`` with every "minikeras" renamed ``name``."""
    target = os.path.join(into, name)
    shutil.copytree(os.path.join(root, "minikeras"), target,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for folder, _, files in os.walk(target):
        for file in files:
            if file.endswith(".py"):
                path = os.path.join(folder, file)
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text.replace("minikeras", name))


def epoch_step_us(epoch, steps):
    """Thread CPU us per step of ``epoch()`` (one training epoch of ``steps`` batches)."""
    gc.collect()
    start = time.thread_time()
    epoch()
    return (time.thread_time() - start) / steps * 1e6


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="checkout whose minikeras is 'before'")
    parser.add_argument("after", nargs="?", default=os.path.dirname(HERE),
                        help="checkout whose minikeras is 'after' (default: this one)")
    parser.add_argument("--workload", choices=("tiny", "mlp"), default="tiny")
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--torch", action="store_true",
                        help="also time PyTorch eager (1 thread) and print its ratio to after")
    args = parser.parse_args(argv)
    from common import (TorchTrainer, classification_data, glorot_dense_weights, import_torch,
                        keras_dense_stack, limit_threads, torch_dense_stack)
    from step_cpu_time import WORKLOADS
    limit_threads(1)
    samples, features, hidden, classes, dropout, batch = WORKLOADS[args.workload]
    x, y = classification_data(samples, features, classes)
    weights = glorot_dense_weights((features,) + hidden + (classes,))
    models = {}
    with tempfile.TemporaryDirectory() as packages:
        for label, keras in import_checkouts(args.before, args.after, packages):
            model = keras_dense_stack(keras, features, hidden, classes, dropout, weights)
            model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)  # warm-up
            models[label] = model
        epochs = {label: functools.partial(model.fit, x, y, batch_size=batch, epochs=1,
                                           verbose=0, shuffle=False)
                  for label, model in models.items()}
        if args.torch:
            torch = import_torch(1)
            trainer = TorchTrainer(torch, *torch_dense_stack(torch, features, hidden, classes,
                                                             dropout, weights), x, y, batch)
            trainer.fit_epoch()  # warm-up
            epochs["torch"] = trainer.fit_epoch
        times = alternate(epochs, args.rounds, len(x) // batch)
    report(args.workload, times)


def import_checkouts(before, after, packages):
    """Yield ("before", module), ("after", module): each checkout's minikeras copied into
    the directory ``packages`` (put on sys.path) under its own name, then imported."""
    sys.path.insert(0, packages)
    for label, root in (("before", before), ("after", after)):
        copy_renamed(os.path.abspath(root), f"mk_{label}", packages)
        yield label, importlib.import_module(f"mk_{label}")


def alternate(epochs, rounds, steps):
    """{label: [CPU us per step of each round]}: the ``epochs`` (label -> one-epoch callable)
    run in turn, ``rounds`` times."""
    times = {label: [] for label in epochs}
    for _ in range(rounds):
        for label, epoch in epochs.items():
            times[label].append(epoch_step_us(epoch, steps))
    return times


def report(workload, times):
    """Print each label's min and median, after / before, and PyTorch / after when timed."""
    for label, values in times.items():
        print(f"{workload} {label}: us per step min {min(values):.0f}, "
              f"median {statistics.median(values):.0f}")
    paired = statistics.median(a / b for a, b in zip(times["after"], times["before"]))
    print(f"after / before: paired median {paired:.3f}, "
          f"of mins {min(times['after']) / min(times['before']):.3f}")
    if "torch" in times:
        vs_torch = statistics.median(t / a for t, a in zip(times["torch"], times["after"]))
        print(f"PyTorch / after (CPU time; >1: minikeras faster): paired median "
              f"{vs_torch:.2f}, of mins {min(times['torch']) / min(times['after']):.2f}")


if __name__ == "__main__":
    sys.exit(main())
