"""A custom layer: build() makes the weights, call() is only the math, get_config() lets
the model be saved and loaded.

RBF computes, for each of its `units` learned centres c_j, exp(-gamma * |x - c_j|^2): how
close the input is to that centre. No gradient code is written: minikeras derives it from
the keras.ops calls in call().
"""
import os
import tempfile

import numpy as np

import minikeras as keras
from minikeras import ops


@keras.saving.register_keras_serializable(package="examples")
class RBF(keras.layers.Layer):
    def __init__(self, units, gamma=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.gamma = units, gamma

    def build(self, input_shape):
        self.centres = self.add_weight(shape=(self.units, input_shape[-1]),
                                       initializer="random_uniform", name="centres")

    def call(self, x):
        # |x - c|^2 = |x|^2 - 2 x.c + |c|^2, for a batch (n, d) against centres (units, d)
        squared = (ops.sum(x * x, axis=1, keepdims=True) - 2 * ops.matmul(x, ops.transpose(self.centres))
                   + ops.sum(self.centres * self.centres, axis=1))          # (n, units)
        return ops.exp(-self.gamma * squared)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "gamma": self.gamma}


# Two rings: class 1 inside radius 0.5, class 0 between 0.7 and 1.0. No straight line
# separates them; distances to a few learned centres do.
keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
radius = np.concatenate([rng.uniform(0, 0.5, 400), rng.uniform(0.7, 1.0, 400)])
angle = rng.uniform(0, 2 * np.pi, 800)
x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1).astype("float32")
y = (radius < 0.6).astype("float32")

model = keras.Sequential([keras.Input(shape=(2,)), RBF(8, gamma=2.0),
                          keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy",
              metrics=["accuracy"])
model.fit(x, y, batch_size=32, epochs=30, verbose=0)
loss, accuracy = model.evaluate(x, y, verbose=0)
print(f"Accuracy on the two rings: {accuracy:.3f}")

path = os.path.join(tempfile.mkdtemp(), "rbf.keras")
model.save(path)
restored = keras.models.load_model(path)   # finds RBF through its registered name
same = np.allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0))
print(f"Saved and reloaded; predictions identical: {same}")
