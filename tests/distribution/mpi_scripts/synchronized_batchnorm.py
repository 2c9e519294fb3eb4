"""Under `mpiexec -n 2` (or alone, with "single"): BatchNormalization(synchronized=True)
trained with DataParallel; writes this rank's weights to OUT/sync<rank>.npz."""
import sys

import numpy as np

import minikeras as keras
from minikeras.distribution.world import world

out, mode = sys.argv[1], sys.argv[2]
if mode == "distributed":
    keras.distribution.set_distribution(keras.distribution.DataParallel())
keras.utils.set_random_seed(5)
rng = np.random.default_rng(1)
x = (rng.normal(size=(100, 5)) * [1, 2, 3, 4, 5] + [0, 1, -1, 2, 0]).astype("float32")
y = x[:, :1] - x[:, 1:2] + 0.5 * x[:, 4:5]
model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(6),
                          keras.layers.BatchNormalization(synchronized=True),
                          keras.layers.Dense(1)])
model.compile(keras.optimizers.SGD(0.05), "mse")
model.fit(x, y, batch_size=20, epochs=3, shuffle=False, verbose=0)
np.savez(f"{out}/sync{world().rank}.npz", *model.get_weights())
