"""Under `mpiexec -n 2`: each setup mistake named in argv[1:] (one after the other, each
with its own model) must fail on every rank with its message."""
import sys

import numpy as np

import minikeras as keras
from minikeras.distribution.world import world

keras.distribution.set_distribution(keras.distribution.DataParallel())


class RankLogs(keras.Sequential):
    """A train_step whose logs have a name only rank 1 returns."""

    def train_step(self, data):
        logs = {"loss": 1.0}
        if world().rank == 1:
            logs["extra"] = 2.0
        return logs


def fit_with(mistake):
    units = 5 if mistake == "different_models" and world().rank == 1 else 4
    kind = RankLogs if mistake == "different_logs" else keras.Sequential
    model = kind([keras.Input((3,)), keras.layers.Dense(units), keras.layers.Dense(1)])
    optimizer = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD()) \
        if mistake == "loss_scale" else "sgd"
    model.compile(optimizer, "mse")
    x = np.ones((40, 3), "float32")
    try:
        model.fit(x, x[:, :1], batch_size=9 if mistake == "odd_batch" else 8, verbose=0)
    except ValueError as error:
        print(f"{mistake}: rank {world().rank}: ValueError: {error}", flush=True)


for mistake in sys.argv[1:]:
    fit_with(mistake)
