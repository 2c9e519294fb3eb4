"""Run once with real Keras 3 (torch backend): numbers from keras-io keras_recipes / vision scripts.

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_recipes_fidelity_fixture.py

Writes tests/fixtures/keras_recipes_fidelity.npz, read by
tests/compat/test_script_fidelity_recipes.py (which never imports Keras). Each case is a
small, shrunken form of the script's model on fixed random data.
"""
import os

import keras
import numpy as np
from keras import layers, ops

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures",
                   "keras_recipes_fidelity.npz")
rng = np.random.default_rng(7)
arrays = {}


# keras-io subclassing_conv_layers: a Conv2D whose convolution_op (or call through it)
# standardizes the kernel.
class StandardizedConv2DWithOverride(layers.Conv2D):
    def convolution_op(self, inputs, kernel):
        mean, var = ops.moments(kernel, axes=[0, 1, 2], keepdims=True)
        return ops.conv(inputs, (kernel - mean) / ops.sqrt(var + 1e-10), padding="valid",
                        strides=list(self.strides))


class StandardizedConv2DWithCall(layers.Conv2D):
    def call(self, inputs):
        mean, var = ops.moments(self.kernel, axes=[0, 1, 2], keepdims=True)
        result = self.convolution_op(inputs, (self.kernel - mean) / ops.sqrt(var + 1e-10))
        if self.use_bias:
            result = result + self.bias
        return result


def standardized_conv_case():
    x = rng.random((4, 8, 8, 2)).astype("float32")
    y = rng.normal(size=(4, 3)).astype("float32")
    model = keras.Sequential([
        keras.Input((8, 8, 2)),
        StandardizedConv2DWithCall(3, 3, activation="relu"),
        StandardizedConv2DWithOverride(4, 3, strides=2, activation="tanh"),
        layers.Flatten(),
        layers.Dense(3),
    ])
    weights = [rng.normal(scale=0.3, size=w.shape).astype("float32") for w in model.weights]
    model.set_weights(weights)
    arrays["conv_x"], arrays["conv_y"] = x, y
    for i, w in enumerate(weights):
        arrays[f"conv_w{i}"] = w
    arrays["conv_out"] = model.predict(x, verbose=0)
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(0.1))
    arrays["conv_loss"] = np.float32(model.train_on_batch(x, y))
    for i, w in enumerate(model.get_weights()):
        arrays[f"conv_trained_w{i}"] = w


standardized_conv_case()
np.savez(OUT, **arrays)
print("wrote", OUT, sorted(arrays))
