"""A custom loss: any function (y_true, y_pred) -> per-sample loss, written with keras.ops.

The pinball (quantile) loss for quantile q penalises under-prediction by q and
over-prediction by 1 - q. Trained with q = 0.9, the model predicts the value that 90% of
targets fall below, not the mean. minikeras differentiates it for you.
"""
import numpy as np

import minikeras as keras
from minikeras import ops


def pinball_loss(q):
    def loss(y_true, y_pred):
        error = y_true - y_pred
        return ops.mean(ops.maximum(q * error, (q - 1) * error), axis=-1)
    loss.__name__ = f"pinball_{q}"
    return loss


keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.uniform(0, 1, size=(2000, 1)).astype("float32")
y = (2 * x + rng.normal(0, 0.5, size=(2000, 1))).astype("float32")   # noise sd 0.5

for q in (0.5, 0.9):
    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=pinball_loss(q))
    model.fit(x, y, batch_size=64, epochs=20, verbose=0)
    below = float(np.mean(y < model.predict(x, verbose=0)))
    print(f"q={q}: {below:.1%} of the targets lie below the prediction")
# for normal noise, the 0.9 quantile sits 1.28 sd = 0.64 above the mean
