"""Run under `mpiexec -n N` (or alone, with --single): train a small model on fixed data
with keras.distribution.DataParallel and write this rank's weights, history, evaluate
result and predictions to OUT/rank<r>.npz."""
import json
import sys

import numpy as np

import minikeras as keras
from minikeras.distribution.world import world

out, mode = sys.argv[1], sys.argv[2]  # mode: "distributed" or "single"
if mode == "distributed":
    keras.distribution.set_distribution(keras.distribution.DataParallel())
keras.utils.set_random_seed(7)
rng = np.random.default_rng(0)
x = rng.normal(size=(203, 6)).astype("float32")   # 203: the last batch of 32 splits unevenly
y = (x[:, 0] + x[:, 1] > 0).astype("int64") + (x[:, 2] > 1).astype("int64")
model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="tanh"),
                          keras.layers.Dense(3, activation="softmax")])
model.compile(optimizer=keras.optimizers.Adam(0.02), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
callbacks = [keras.callbacks.ModelCheckpoint(f"{out}/checkpoint.weights.h5",
                                             save_weights_only=True),
             keras.callbacks.CSVLogger(f"{out}/log.csv")]
history = model.fit(x, y, batch_size=32, epochs=3, validation_split=0.2, verbose=2,
                    callbacks=callbacks)
evaluation = model.evaluate(x, y, batch_size=50, verbose=0)
prediction = model.predict(x, batch_size=64, verbose=0)
rank = world().rank
np.savez(f"{out}/rank{rank}.npz", prediction=prediction, evaluation=np.array(evaluation),
         *[w for w in model.get_weights()])
with open(f"{out}/history{rank}.json", "w") as f:
    json.dump(history.history, f)
