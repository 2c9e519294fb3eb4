"""Under `mpiexec -n 2`: a horovod.keras-style script (each rank its own data shard)."""
import sys

import numpy as np

import minikeras as keras
import minikeras.horovod as hvd

out = sys.argv[1]
hvd.init()
keras.utils.set_random_seed(100 + hvd.rank())      # different seeds: the broadcast must fix it
rng = np.random.default_rng(0)
x = rng.normal(size=(128, 4)).astype("float32")
y = x @ np.array([[1.0], [-2.0], [0.5], [0.0]], "float32")
shard = slice(hvd.rank() * 64, (hvd.rank() + 1) * 64)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
model.compile(hvd.DistributedOptimizer(keras.optimizers.SGD(0.05 * hvd.size())), "mse")
callbacks = [hvd.callbacks.BroadcastGlobalVariablesCallback(0),
             hvd.callbacks.MetricAverageCallback(),
             hvd.callbacks.LearningRateWarmupCallback(initial_lr=0.05 * hvd.size(),
                                                      warmup_epochs=2, steps_per_epoch=4)]
history = model.fit(x[shard], y[shard], batch_size=16, epochs=3, shuffle=False,
                    verbose=1 if hvd.rank() == 0 else 0, callbacks=callbacks)
np.savez(f"{out}/hvd{hvd.rank()}.npz", *model.get_weights(),
         loss=np.array(history.history["loss"]), lr=np.array(history.history["learning_rate"]))
