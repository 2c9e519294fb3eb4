"""Under `mpiexec -n 2` with a short MINIKERAS_MPI_TIMEOUT: rank 1 stalls in the middle of
its third training step (in a layer's forward pass); rank 0 must give up waiting in the
sharded update's exchange and stop both ranks with the reason."""
import time

import numpy as np

import minikeras as keras
from minikeras.distribution.world import world

keras.distribution.set_distribution(keras.distribution.DataParallel())


class StallOnRankOne(keras.layers.Layer):
    calls = 0

    def call(self, x, training=False):
        if training:
            StallOnRankOne.calls += 1
            if StallOnRankOne.calls == 3 and world().rank == 1:
                time.sleep(60)
        return x


x = np.ones((64, 3), "float32")
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), StallOnRankOne(),
                          keras.layers.Dense(1)])
model.compile("adam", "mse")
world().comm.Barrier()  # no deadline: the ranks start fit together, whatever their start-up
model.fit(x, x[:, :1], batch_size=16, epochs=5, verbose=0)
