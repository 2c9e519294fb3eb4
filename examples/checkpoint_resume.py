"""Save, load and resume: ModelCheckpoint writes the model every epoch; training stops
(as if the machine went down); load_model brings back the weights, the optimizer state and
the compile settings, and fit(initial_epoch=...) carries on where it stopped.
"""
import os
import tempfile

import numpy as np

import minikeras as keras

keras.utils.set_random_seed(0)
(x, y), _ = keras.datasets.digits.load_data()
x = x.reshape(len(x), 64).astype("float32") / 16.0
folder = tempfile.mkdtemp()
checkpoint = os.path.join(folder, "digits.keras")

model = keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(32, activation="relu"),
                          keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=3, batch_size=64, verbose=0,
          callbacks=[keras.callbacks.ModelCheckpoint(checkpoint)])
print("Stopped after 3 epochs; checkpoint:", os.path.basename(checkpoint))

resumed = keras.models.load_model(checkpoint)
print("Restored weights equal:",
      all(np.array_equal(a, b) for a, b in zip(model.get_weights(), resumed.get_weights())))
print("Optimizer steps restored:", int(resumed.optimizer.iterations), "(3 epochs x 23 batches)")
history = resumed.fit(x, y, epochs=6, initial_epoch=3, batch_size=64, verbose=2)
print(f"Epochs run after resuming: {history.epoch}; accuracy {history.history['accuracy'][-1]:.3f}")
