"""Forecast the next value of a noisy seasonal series from the previous 30 with a GRU.

The series is generated: two sines (periods 24 and 60) plus noise. The script prints the
model's test mean absolute error next to the naive "tomorrow = today" forecast's.
This is an ordinary Keras script; only the import line differs.
"""
import numpy as np

import minikeras as keras
from minikeras import layers

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
WINDOW = 30

t = np.arange(1600)
series = (np.sin(2 * np.pi * t / 24) + 0.5 * np.sin(2 * np.pi * t / 60)
          + 0.1 * rng.normal(size=t.size)).astype("float32")
x = np.stack([series[i:i + WINDOW] for i in range(len(series) - WINDOW)])[..., None]
y = series[WINDOW:]
split = int(0.8 * len(x))
x_train, y_train, x_test, y_test = x[:split], y[:split], x[split:], y[split:]

model = keras.Sequential([
    keras.Input(shape=(WINDOW, 1)),
    layers.GRU(32),
    layers.Dense(1),
])
model.compile(optimizer=keras.optimizers.Adam(0.005), loss="mse", metrics=["mae"])
model.fit(x_train, y_train, batch_size=64, epochs=5, validation_split=0.1, verbose=2)

_, mae = model.evaluate(x_test, y_test, verbose=0)
naive = float(np.mean(np.abs(x_test[:, -1, 0] - y_test)))
print(f"Test MAE: {mae:.4f} (naive last-value forecast: {naive:.4f})")
