"""Differences found by running keras-io keras_recipes and small vision examples beside Keras 3.15.

Expected numbers come from tests/fixtures/keras_recipes_fidelity.npz, written once with real
Keras 3.15 (torch backend) by tools/make_recipes_fidelity_fixture.py.
"""
import os

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "keras_recipes_fidelity.npz")


@pytest.fixture(scope="module")
def expected():
    with np.load(FIXTURE) as data:
        return dict(data)


def _standardized(kernel):
    mean, var = ops.moments(kernel, axes=[0, 1, 2], keepdims=True)
    return (kernel - mean) / ops.sqrt(var + 1e-10)


class ConvOverridingItsOp(layers.Conv2D):
    def convolution_op(self, inputs, kernel):
        return ops.conv(inputs, _standardized(kernel), padding="valid",
                        strides=list(self.strides))


class ConvCallingItsOp(layers.Conv2D):
    def call(self, inputs):
        result = self.convolution_op(inputs, _standardized(self.kernel))
        if self.use_bias:
            result = result + self.bias
        return result


def test_conv_convolution_op_is_the_hook_of_subclassing_conv_layers(expected):
    """keras-io subclassing_conv_layers: Conv2D.convolution_op existed nowhere (AttributeError);
    overriding it changes what call convolves, bias and activation still applied."""
    model = keras.Sequential([
        keras.Input((8, 8, 2)),
        ConvCallingItsOp(3, 3, activation="relu"),
        ConvOverridingItsOp(4, 3, strides=2, activation="tanh"),
        layers.Flatten(),
        layers.Dense(3),
    ])
    model.set_weights([expected[f"conv_w{i}"] for i in range(6)])
    x, y = expected["conv_x"], expected["conv_y"]
    np.testing.assert_allclose(model.predict(x, verbose=0), expected["conv_out"],
                               rtol=1e-5, atol=1e-6)
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(0.1))
    np.testing.assert_allclose(model.train_on_batch(x, y), expected["conv_loss"], rtol=1e-5)
    for i, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(w, expected[f"conv_trained_w{i}"], rtol=1e-4, atol=1e-6)


def test_plain_conv_convolution_op_is_its_convolution():
    """The base hook is the layer's own convolution (no bias, no activation), channels first too."""
    layer = layers.Conv2D(2, 3, strides=2, padding="same", data_format="channels_first",
                          activation="relu", bias_initializer="ones")
    x = np.random.default_rng(0).normal(size=(2, 3, 7, 7)).astype("float32")
    out = ops.convert_to_numpy(layer(x))
    raw = ops.convert_to_numpy(layer.convolution_op(x, layer.kernel))
    np.testing.assert_allclose(out, np.maximum(raw + 1.0, 0.0), rtol=1e-6, atol=1e-6)


class ConvThroughItsOp(layers.Conv2D):
    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, kernel)


def test_a_convolution_op_override_keeps_bias_and_activation_channels_first():
    args = dict(filters=2, kernel_size=3, padding="same", data_format="channels_first",
                activation="relu", bias_initializer="random_normal")
    plain, through = layers.Conv2D(**args), ConvThroughItsOp(**args)
    x = np.random.default_rng(1).normal(size=(2, 3, 5, 5)).astype("float32")
    plain.build(x.shape)
    through.build(x.shape)
    through.set_weights(plain.get_weights())
    np.testing.assert_allclose(ops.convert_to_numpy(through(x)), ops.convert_to_numpy(plain(x)),
                               rtol=1e-6, atol=1e-6)
