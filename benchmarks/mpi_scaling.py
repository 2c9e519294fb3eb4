"""Data-parallel scaling over MPI: the MLP workload (784-512-Dropout-512-10, Adam, global
batch 128) trained by keras.distribution.DataParallel.

Runs, each in fresh processes, interleaved over --repeats rounds (medians reported):

* 1 process, 1 BLAS thread      (the baseline for the scaling target)
* 1 process, 2 BLAS threads     (what one process gets from this 2-core machine)
* 2 processes (mpiexec -n 2), 1 BLAS thread each, 64 rows per rank: the sharded update
  (Reduce-scatter, each rank steps half of the weights, Allgather; the default for Adam),
  through shared memory (the default on one node) and through MPI's collectives
* the same with the replicated update (Allreduce, every rank steps all the weights)
* 1 process, 1 BLAS thread, batch 64: one rank's share of the work, alone on the machine
  (with the 2-process compute: does the forward/backward itself scale?)

Each run reports a per-phase profile of the training step (rank 0; wall clock and CPU
time): the optimizer's ``apply`` split into communication (every collective inside it)
and the update itself, and the rest of the step (forward, loss, metrics, backward:
"compute"). The CPU times and the bytes each step sends give the projection to 8 and 64
ranks printed at the end (see ``project``).

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
# label: (processes, BLAS threads, global batch, update path)
KINDS = {"1 process, 1 thread": (1, 1, BATCH, None),
         "1 process, 2 threads": (1, 2, BATCH, None),
         "2 processes, sharded update": (2, 1, BATCH, "sharded"),
         "2 processes, sharded update, MPI collectives": (2, 1, BATCH, "collectives"),
         "2 processes, replicated update": (2, 1, BATCH, "replicated"),
         "1 process, 1 thread, batch 64": (1, 1, BATCH // 2, None)}
BASELINE, SHARDED, HALF_BATCH = "1 process, 1 thread", "2 processes, sharded update", \
    "1 process, 1 thread, batch 64"
PROBE_SIZES = (16, 4096, 65536)  # float32 buffers: 64 B, 16 KiB, 256 KiB
# Interconnects for the projection: (name, bytes/s, latency per message in seconds).
NETWORKS = (("10 Gb/s Ethernet", 1.25e9, 20e-6), ("100 Gb/s InfiniBand", 12.5e9, 3e-6))


class PhaseClock:
    """Seconds (wall clock, and CPU time of this thread) spent in the optimizer's ``apply``
    and in the collectives it calls: arrays ``[wall, cpu]``."""

    def __init__(self):
        self.apply, self.comm = [0.0, 0.0], [0.0, 0.0]
        self._inside = False

    @staticmethod
    def _timed(function, total, when=lambda: True):
        def timed(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.thread_time()
            counted = when()
            try:
                return function(*args, **kwargs)
            finally:
                if counted:
                    total[0] += time.perf_counter() - wall
                    total[1] += time.thread_time() - cpu
        return timed

    def wrap_apply(self, optimizer):
        def apply(*args, **kwargs):
            self._inside = True
            try:
                return original(*args, **kwargs)
            finally:
                self._inside = False
        original = optimizer.apply
        optimizer.apply = self._timed(apply, self.apply)

    def wrap_collectives(self, group):
        """Time the Allreduce of ``group`` (the replicated update, the sharded update's few
        sums) and both exchanges of the sharded update."""
        from minikeras.distribution import sharded_update
        group.allreduce_sum = self._timed(group.allreduce_sum, self.comm, lambda: self._inside)
        for exchange in (sharded_update.CollectiveExchange, sharded_update.NodeExchange):
            for name in ("reduce_scatter", "allgather"):
                setattr(exchange, name, self._timed(getattr(exchange, name), self.comm,
                                                    lambda: self._inside))


def best_collective_ms(group, size, update, rounds=30):
    """Best-of-``rounds`` wall time of one step's gradient/weight exchange on a buffer of
    ``size`` float32 (a Reduce-scatter and an Allgather, through shared memory or MPI's
    collectives, or one Allreduce): the transfer itself, without the waits for a slower
    rank that the in-step timing includes."""
    import numpy as np
    from minikeras.distribution.sharded_update import (CollectiveExchange, NodeExchange,
                                                       shard_bounds)
    ranges = shard_bounds(size, group.size)
    if update == "sharded":
        exchange = NodeExchange(group, size, np.float32, ranges)
        gradient, weights = exchange.gradients[group.rank], exchange.weights[group.rank]
    else:
        exchange = CollectiveExchange(group, [hi - lo for lo, hi in ranges])
        gradient, weights = np.ones(size, np.float32), np.ones(size, np.float32)
    best = float("inf")
    for _ in range(rounds):
        group.allreduce_sum(np.zeros(1))  # start together
        start = time.perf_counter()
        if update == "replicated":
            group.allreduce_sum(gradient)
        else:
            exchange.reduce_scatter(gradient)
            exchange.allgather(weights)
        best = min(best, time.perf_counter() - start)
    return 1e3 * best


def force_replicated_update():
    """Give elementwise optimizers the Allreduce path too (to compare the two)."""
    from minikeras.distribution import data_parallel
    original = data_parallel.ReplicaGroup.start_training

    def start_training(self, model, batch_size, sample):
        original(self, model, batch_size, sample)
        model.optimizer.update_shard = None
        model.optimizer.gradient_reducer = self._reduce_gradients
    data_parallel.ReplicaGroup.start_training = start_training


def worker(samples, epochs, batch, update):
    sys.path.insert(0, str(HERE))
    import common  # noqa: F401  (thread limits before numpy)
    import numpy as np
    import minikeras as keras
    from common import classification_data, keras_dense_stack
    from minikeras.distribution import world as world_module

    distributed = update is not None
    if distributed:
        keras.distribution.set_distribution(keras.distribution.DataParallel())
    if update == "replicated":
        force_replicated_update()
    group = world_module.world()
    keras.utils.set_random_seed(0)
    x, y = classification_data(samples, FEATURES, CLASSES)
    model = keras_dense_stack(keras, FEATURES, HIDDEN, CLASSES, dropout=0.2)
    clock = PhaseClock()
    clock.wrap_apply(model.optimizer)
    if distributed:
        clock.wrap_collectives(group)
    model.fit(x[:batch * 4], y[:batch * 4], batch_size=batch, epochs=1, verbose=0)  # warm-up
    clock.apply[:] = clock.comm[:] = [0.0, 0.0]
    start, cpu_start = time.perf_counter(), time.thread_time()
    model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0, shuffle=False)
    seconds, cpu_seconds = time.perf_counter() - start, time.thread_time() - cpu_start
    steps = epochs * -(-samples // batch)
    gradient_floats = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    best_comm_ms = best_collective_ms(group, gradient_floats, update) if distributed else 0.0
    # latency or bandwidth? the same exchange on buffers from 64 bytes to the whole gradient
    by_size = {n: best_collective_ms(group, n, update) for n in PROBE_SIZES} \
        if distributed else {}
    if group.rank == 0:
        print(json.dumps({"samples_per_s": epochs * samples / seconds,
                          "step_ms": 1e3 * seconds / steps,
                          "cpu_ms": 1e3 * cpu_seconds / steps,
                          "compute_ms": 1e3 * (seconds - clock.apply[0]) / steps,
                          "update_ms": 1e3 * (clock.apply[0] - clock.comm[0]) / steps,
                          "comm_ms": 1e3 * clock.comm[0] / steps,
                          "comm_share": clock.comm[0] / seconds,
                          "comm_best_ms": best_comm_ms,
                          **{f"comm_best_ms_{n}": ms for n, ms in by_size.items()},
                          "compute_cpu_ms": 1e3 * (cpu_seconds - clock.apply[1]) / steps,
                          "update_cpu_ms": 1e3 * (clock.apply[1] - clock.comm[1]) / steps,
                          "gradient_bytes": 4 * gradient_floats}))


def launch(kind, samples, epochs):
    processes, threads, batch, update = KINDS[kind]
    env = dict(os.environ)
    env.update(MINIKERAS_BENCH_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
               PYTHONPATH=str(HERE.parent))
    command = [sys.executable, __file__, "--worker", "--samples", str(samples),
               "--epochs", str(epochs), "--batch", str(batch)]
    if processes > 1:
        mpiexec = pathlib.Path(sys.executable).parent / "mpiexec"
        command = [str(mpiexec), "-n", str(processes)] + command + ["--update", update]
        env["MINIKERAS_MPI_SHARED_MEMORY"] = "0" if update == "collectives" else "1"
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def project(one, two, ranks, bandwidth, latency):
    """Step time (ms) and communication share of ``ranks`` processes, 64 rows each, with the
    sharded update, from CPU times (which the machine's load inflates far less than wall
    clock) of the 1-process and 2-process profiles.

    Per rank and step: the forward/backward of 64 rows beside other ranks
    (``two["compute_cpu_ms"]``), 1/N of the whole update (``one["update_cpu_ms"]``,
    measured on all the weights), and a ring Reduce-scatter + Allgather of the gradient /
    weight buffer of B bytes: each rank sends and receives ``2 (N-1)/N * B`` bytes in
    ``2 (N-1)`` messages.
    """
    data = two["gradient_bytes"]
    comm_ms = 1e3 * (2 * (ranks - 1) / ranks * data / bandwidth + 2 * (ranks - 1) * latency)
    step_ms = two["compute_cpu_ms"] + one["update_cpu_ms"] / ranks + comm_ms
    return step_ms, comm_ms / step_ms


def report(median):
    base = median[BASELINE]["samples_per_s"]
    print("Wall clock per step (rank 0), split into compute (forward, loss, metrics, backward), "
          "the update (the optimizer's apply without its collectives) and communication; "
          "then the CPU time of rank 0's main thread per step and of its compute and update.\n")
    print("| configuration | samples/s | vs 1 process 1 thread | step (ms) | compute | update | "
          "communication | comm. share | CPU: step | compute | update |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind in KINDS:
        m = median[kind]
        comm = f"{m['comm_ms']:.2f} | {100 * m['comm_share']:.1f}%" \
            if KINDS[kind][0] > 1 else "- | -"
        print(f"| {kind} | {m['samples_per_s']:,.0f} | {m['samples_per_s'] / base:.2f}x | "
              f"{m['step_ms']:.2f} | {m['compute_ms']:.2f} | {m['update_ms']:.2f} | {comm} | "
              f"{m['cpu_ms']:.2f} | {m['compute_cpu_ms']:.2f} | {m['update_cpu_ms']:.2f} |")
    one, two, half = median[BASELINE], median[SHARDED], median[HALF_BATCH]
    replicated = median["2 processes, replicated update"]
    print(f"\nCompute (CPU time of the forward/backward per step): {one['compute_cpu_ms']:.2f} ms "
          f"for 128 rows, {half['compute_cpu_ms']:.2f} ms for 64 rows alone, "
          f"{two['compute_cpu_ms']:.2f} ms for 64 rows on each of 2 concurrent ranks: halving "
          f"the batch keeps {100 * half['compute_cpu_ms'] / one['compute_cpu_ms']:.0f}% of "
          f"the work, and running beside another rank costs "
          f"{100 * (two['compute_cpu_ms'] / half['compute_cpu_ms'] - 1):+.0f}%.")
    for name, m in (("sharded update through shared memory", two),
                    ("sharded update through MPI collectives",
                     median["2 processes, sharded update, MPI collectives"]),
                    ("replicated update", replicated)):
        work = m["compute_cpu_ms"] + m["update_cpu_ms"]
        print(f"2 ranks, {name}, from CPU times: {one['cpu_ms'] / work:.2f}x one process "
              f"if communication took no time; {one['cpu_ms'] / (work + m['comm_best_ms']):.2f}x "
              f"with its best-of-30 time alone ({m['comm_best_ms']:.2f} ms per step); "
              "the same exchange on " + ", ".join(
                  f"{4 * n} bytes: {m[f'comm_best_ms_{n}'] * 1e3:.0f} us"
                  for n in PROBE_SIZES) + ".")
    data = two["gradient_bytes"]
    print(f"\nPer step: {data / 2**20:.2f} MiB reduce-scattered (gradient) and the same "
          "allgathered (weights); a ring sends 2 (N-1)/N of it per rank: "
          + ", ".join(f"{2 * (n - 1) / n * data / 2**20:.2f} MiB at N={n}" for n in (2, 8, 64)))
    print("\nProjection, 64 rows per rank, sharded update, from the CPU times above "
          "(``project``):\n")
    print("| interconnect | N | step (ms) | samples/s | vs 1 process 1 thread (CPU) | "
          "communication share |")
    print("|---|---:|---:|---:|---:|---:|")
    base_cpu = BATCH / one["cpu_ms"] * 1e3
    for name, bandwidth, latency in NETWORKS:
        for ranks in (8, 64):
            step_ms, share = project(one, two, ranks, bandwidth, latency)
            rate = BATCH // 2 * ranks / step_ms * 1e3
            print(f"| {name} | {ranks} | {step_ms:.2f} | {rate:,.0f} | {rate / base_cpu:.1f}x | "
                  f"{100 * share:.0f}% |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=6144)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=BATCH, help=argparse.SUPPRESS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--update", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.samples, args.epochs, args.batch, args.update)
    load_before = os.getloadavg()
    runs = {kind: [] for kind in KINDS}
    for _ in range(args.repeats):
        for kind in KINDS:
            runs[kind].append(launch(kind, args.samples, args.epochs))
    median = {kind: {key: statistics.median(r[key] for r in results)
                     for key in results[0]} for kind, results in runs.items()}
    print("load average (1, 5, 15 min) before: " + ", ".join(f"{v:.1f}" for v in load_before)
          + "; after: " + ", ".join(f"{v:.1f}" for v in os.getloadavg()))
    report(median)


if __name__ == "__main__":
    main()
