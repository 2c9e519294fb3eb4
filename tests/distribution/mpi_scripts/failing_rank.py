"""Under `mpiexec -n 2`: rank 1 raises in its second epoch; every rank must stop."""
import numpy as np

import minikeras as keras
from minikeras.distribution.world import world

keras.distribution.set_distribution(keras.distribution.DataParallel())


class FailOnRankOne(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 1 and world().rank == 1:
            raise RuntimeError("rank 1 fails on purpose")


x = np.ones((64, 3), "float32")
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
model.compile("sgd", "mse")
model.fit(x, x[:, :1], batch_size=16, epochs=50, verbose=0, callbacks=[FailOnRankOne()])
