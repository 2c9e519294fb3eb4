"""Before/after CPU time of keras.applications predict, both checkouts in ONE process.

    python benchmarks/applications_ab.py BEFORE_ROOT [AFTER_ROOT] [--rounds 3]
        [--jobs ResNet50:32 ResNet50:1 MobileNetV2:32 MobileNetV2:1]

Each checkout's ``minikeras`` is imported under its own name (``ab_cpu_time.copy_renamed``),
the same weights are loaded into both models, and the PyTorch replay of the graph
(``applications.TorchReplay``) joins the alternation. One BLAS / numpy / torch thread, so
``time.process_time`` is the work done, which machine load moves far less than wall time.
Prints, per job, the best CPU seconds of each and the ratios after/before and
PyTorch/after, and each output's largest gap to "before" relative to its largest logit.
"""
import argparse
import gc
import importlib
import os
import sys
import tempfile
import time

os.environ["MINIKERAS_BENCH_THREADS"] = "1"   # read by common, before numpy loads
import common  # noqa: E402
from ab_cpu_time import copy_renamed  # noqa: E402
from applications import TorchReplay, images  # noqa: E402

import numpy as np  # noqa: E402


def cpu_seconds(fn):
    gc.collect()
    start = time.process_time()
    fn()
    return time.process_time() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="checkout whose minikeras is 'before'")
    parser.add_argument("after", nargs="?", default=common.REPO,
                        help="checkout whose minikeras is 'after' (default: this one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", nargs="+", default=["ResNet50:32", "ResNet50:1",
                                                      "MobileNetV2:32", "MobileNetV2:1"])
    args = parser.parse_args(argv)
    torch = common.import_torch(1)
    packages = tempfile.mkdtemp()
    sys.path.insert(0, packages)
    versions = {}
    for label, root in (("before", args.before), ("after", args.after)):
        copy_renamed(os.path.abspath(root), f"mk_{label}", packages)
        versions[label] = importlib.import_module(f"mk_{label}")
    for job in args.jobs:
        name, batch = job.split(":")
        batch = int(batch)
        models = {}
        for label, keras in versions.items():
            keras.utils.set_random_seed(0)
            models[label] = getattr(keras.applications, name)(weights=None,
                                                              classifier_activation=None)
        models["after"].set_weights(models["before"].get_weights())
        replay = TorchReplay(torch, models["after"])
        x = images(batch)
        runs = {label: (lambda m=model: m.predict(x, batch_size=batch, verbose=0))
                for label, model in models.items()}
        runs["torch"] = lambda: replay(x)
        outputs = {label: np.asarray(run()) for label, run in runs.items()}   # also warm-up
        scale = np.abs(outputs["before"]).max()
        gaps = {label: float(np.abs(out - outputs["before"]).max() / scale)
                for label, out in outputs.items() if label != "before"}
        times = {label: [] for label in runs}
        for _ in range(args.rounds):       # alternating, so drift hits every version alike
            for label, run in runs.items():
                times[label].append(cpu_seconds(run))
        best = {label: min(seconds) for label, seconds in times.items()}
        print(f"{name} batch {batch}: best CPU s " +
              ", ".join(f"{label} {seconds:.3f}" for label, seconds in best.items()) +
              f"; after/before {best['after'] / best['before']:.3f}, "
              f"PyTorch/after {best['torch'] / best['after']:.3f}; gaps to before "
              + ", ".join(f"{label} {gap:.1e}" for label, gap in gaps.items()), flush=True)


if __name__ == "__main__":
    main()
