"""Data-parallel scaling over MPI: the MLP workload (784-512-Dropout-512-10, Adam, global
batch 128) trained by keras.distribution.DataParallel.

Runs, each in fresh processes, interleaved over --repeats rounds (medians reported):

* 1 process, 1 BLAS thread      (the baseline for the scaling target)
* 1 process, 2 BLAS threads     (what one process gets from this 2-core machine)
* 2 processes (mpiexec -n 2), 1 BLAS thread each, global batch 128 = 64 per rank

For the 2-process run it also reports the time spent in the gradient Allreduce as a share
of the step, and the bytes each step sends, from which the note projects 8 and 64 ranks.

Needs the mpi extra (pip install "minikeras[mpi]").
Run:  python benchmarks/mpi_scaling.py [--repeats 3] [--samples 6144] [--epochs 2]
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
BATCH, HIDDEN, FEATURES, CLASSES = 128, (512, 512), 784, 10


def worker(samples, epochs, distributed):
    sys.path.insert(0, str(HERE))
    import common  # noqa: F401  (thread limits before numpy)
    import numpy as np
    import minikeras as keras
    from common import classification_data, keras_dense_stack
    from minikeras.distribution import world as world_module

    if distributed:
        keras.distribution.set_distribution(keras.distribution.DataParallel())
    group = world_module.world()
    reduce_seconds = [0.0]
    if distributed:
        original = group.allreduce_sum

        def timed(buffer):
            start = time.perf_counter()
            original(buffer)
            if buffer.size > 1000:  # the gradient buffer, not the metric sums
                reduce_seconds[0] += time.perf_counter() - start
            return buffer
        group.allreduce_sum = timed
    keras.utils.set_random_seed(0)
    x, y = classification_data(samples, FEATURES, CLASSES)
    model = keras_dense_stack(keras, FEATURES, HIDDEN, CLASSES, dropout=0.2)
    model.fit(x[:BATCH * 4], y[:BATCH * 4], batch_size=BATCH, epochs=1, verbose=0)  # warm-up
    reduce_seconds[0] = 0.0
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0, shuffle=False)
    seconds = time.perf_counter() - start
    steps = epochs * -(-samples // BATCH)
    if group.rank == 0:
        gradient_floats = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
        print(json.dumps({"samples_per_s": epochs * samples / seconds,
                          "step_ms": 1e3 * seconds / steps,
                          "allreduce_share": reduce_seconds[0] / seconds,
                          "gradient_bytes": 4 * gradient_floats}))


def launch(kind, samples, epochs):
    env = dict(os.environ)
    threads = "2" if kind == "1 process, 2 threads" else "1"
    env.update(MINIKERAS_BENCH_THREADS=threads, OPENBLAS_NUM_THREADS=threads,
               OMP_NUM_THREADS=threads, MKL_NUM_THREADS=threads,
               PYTHONPATH=str(HERE.parent))
    command = [sys.executable, __file__, "--worker", "--samples", str(samples),
               "--epochs", str(epochs)]
    if kind == "2 processes, 1 thread each":
        mpiexec = pathlib.Path(sys.executable).parent / "mpiexec"
        command = [str(mpiexec), "-n", "2"] + command + ["--distributed"]
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


KINDS = ("1 process, 1 thread", "1 process, 2 threads", "2 processes, 1 thread each")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=6144)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--distributed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.samples, args.epochs, args.distributed)
    runs = {kind: [] for kind in KINDS}
    for _ in range(args.repeats):
        for kind in KINDS:
            runs[kind].append(launch(kind, args.samples, args.epochs))
    median = {kind: {key: statistics.median(r[key] for r in results)
                     for key in results[0]} for kind, results in runs.items()}
    base = median[KINDS[0]]["samples_per_s"]
    print("| configuration | samples/s | step (ms) | vs 1 process 1 thread | Allreduce share |")
    print("|---|---:|---:|---:|---:|")
    for kind in KINDS:
        m = median[kind]
        share = f"{100 * m['allreduce_share']:.1f}%" if kind == KINDS[2] else "-"
        print(f"| {kind} | {m['samples_per_s']:,.0f} | {m['step_ms']:.2f} | "
              f"{m['samples_per_s'] / base:.2f}x | {share} |")
    print(f"\ngradient buffer per step: {median[KINDS[2]]['gradient_bytes'] / 2**20:.2f} MiB")


if __name__ == "__main__":
    main()
