"""Microseconds per optimizer.apply() for Adam on the 18 variables of a 9 x Dense(32) network.

Compares variables packed into one flat buffer (minikeras.variables.pack, what the
trainer does) with plain separate variables. Run: python benchmarks/optimizer_step.py
"""
import time

import common  # noqa: F401  (thread limits and the repo on sys.path, before numpy loads)
import numpy as np

from minikeras import optimizers
from minikeras.variables import Variable, pack


def dense_stack(layers=9, units=32, seed=0):
    rng = np.random.default_rng(seed)
    variables = []
    for i in range(layers):
        variables.append(Variable(rng.normal(size=(units, units)).astype("float32"),
                                  name=f"dense_{i}/kernel"))
        variables.append(Variable(np.zeros(units, "float32"), name=f"dense_{i}/bias"))
    grads = [rng.normal(size=v.shape).astype("float32") * 1e-2 for v in variables]
    return variables, grads


def time_apply(make_optimizer, packed, repeats=200, rounds=40):
    variables, grads = dense_stack()
    if packed:
        pack(variables)
    opt = make_optimizer()
    opt.build(variables)
    for _ in range(50):  # warm up
        opt.apply(grads, variables)
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
    print(f"{'optimizer':<20}{'packed us':>12}{'unpacked us':>14}{'speed-up':>10}")
    for label, make in cases:
        packed, unpacked = time_apply(make, True), time_apply(make, False)
        print(f"{label:<20}{packed:>12.1f}{unpacked:>14.1f}{unpacked / packed:>9.1f}x")


if __name__ == "__main__":
    main()
