"""Regression with EarlyStopping: stop when the validation loss stops improving and keep
the best weights seen.

The data are generated: y = sin(3 x1) + 0.5 x2^2 + noise, so the best possible mean
absolute error is the noise's, about 0.08.
"""
import numpy as np

import minikeras as keras

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.uniform(-1, 1, size=(1200, 2)).astype("float32")
y = (np.sin(3 * x[:, 0]) + 0.5 * x[:, 1] ** 2 + rng.normal(0, 0.1, 1200)).astype("float32")
x_train, y_train, x_test, y_test = x[:1000], y[:1000], x[1000:], y[1000:]

model = keras.Sequential([
    keras.Input(shape=(2,)),
    keras.layers.Dense(64, activation="tanh"),
    keras.layers.Dense(64, activation="tanh"),
    keras.layers.Dense(1),
])
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])

stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
history = model.fit(x_train, y_train, batch_size=32, epochs=200, validation_split=0.2,
                    callbacks=[stop], verbose=0)

best = int(np.argmin(history.history["val_loss"]))
print(f"Trained {len(history.history['loss'])} of 200 epochs; best epoch {best + 1} "
      f"(val_loss {history.history['val_loss'][best]:.4f}); its weights were restored.")
test_loss, test_mae = model.evaluate(x_test, y_test, verbose=0)
print(f"Test MAE: {test_mae:.4f} (noise alone gives about 0.08)")
