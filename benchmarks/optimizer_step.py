"""Microseconds per optimizer.apply(), flat path against the per-variable fallback.

Two variable sets: the 20 variables of a 9 x Dense(32) network (overhead-bound) and the
6 of the 784-512-512-10 MLP (memory-bound, 670k floats). "flat": the gradients are in the
optimizer's buffer already (what the trainer's backward pass does), so the step runs on
cache-sized blocks of whole buffers. "per variable": one extra variable gets no gradient,
so decay, step and constraints run variable by variable (same numbers).
Run: python benchmarks/optimizer_step.py
"""
import time

import common  # noqa: F401  (thread limits and the repo on sys.path, before numpy loads)
import numpy as np

from minikeras import optimizers
from minikeras.variables import Variable

NETWORKS = {"9 x Dense(32)": [32] + [32] * 9 + [10], "MLP 784-512-512-10": [784, 512, 512, 10]}


def dense_stack(sizes, seed=0):
    rng = np.random.default_rng(seed)
    variables = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        variables.append(Variable(rng.normal(size=(n_in, n_out)).astype("float32") * 0.05,
                                  name=f"dense_{i}/kernel"))
        variables.append(Variable(np.zeros(n_out, "float32"), name=f"dense_{i}/bias"))
    grads = [rng.normal(size=v.shape).astype("float32") * 1e-2 for v in variables]
    return variables, grads


def time_apply(make_optimizer, sizes, per_variable, seconds=0.5, rounds=7):
    variables, grads = dense_stack(sizes)
    opt = make_optimizer()
    if per_variable:
        variables = variables + [Variable(np.zeros(3, "float32"), name="no_gradient")]
        grads = grads + [None]
        import warnings
        warnings.simplefilter("ignore", UserWarning)
    else:
        buffers = opt.gradient_buffers(variables)
        for buffer, g in zip(buffers, grads):
            buffer[...] = g
        grads = buffers
    opt.apply(grads, variables)
    start = time.perf_counter()
    opt.apply(grads, variables)
    repeats = max(1, int(seconds / rounds / (time.perf_counter() - start)))
    best = float("inf")  # the best round: the least disturbed by other processes
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeats):
            opt.apply(grads, variables)
        best = min(best, (time.perf_counter() - start) / repeats)
    return best * 1e6


def main():
    cases = [("Adam", optimizers.Adam), ("SGD", optimizers.SGD),
             ("SGD momentum", lambda: optimizers.SGD(momentum=0.9)),
             ("RMSprop", optimizers.RMSprop),
             ("AdamW + clipnorm", lambda: optimizers.AdamW(clipnorm=1.0))]
    for network, sizes in NETWORKS.items():
        print(f"\n{network}")
        print(f"{'optimizer':<20}{'flat us':>12}{'per-variable us':>18}{'speed-up':>10}")
        for label, make in cases:
            flat, each = time_apply(make, sizes, False), time_apply(make, sizes, True)
            print(f"{label:<20}{flat:>12.1f}{each:>18.1f}{each / flat:>9.1f}x")


if __name__ == "__main__":
    main()
