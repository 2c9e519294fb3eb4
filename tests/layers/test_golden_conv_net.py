"""End-to-end golden run G4 of KERAS_REFERENCE.md Appendix C: Keras's own numbers, to 1e-5.

Conv2D(same, relu) + BatchNormalization + MaxPooling2D + Flatten + Dense(softmax), trained
with SGD(0.05, momentum=0.9) on sparse categorical crossentropy.
"""
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers


def det(shape, scale, offset):
    """The reference's deterministic array: sin(1.7 k + offset) * scale, row-major."""
    k = np.arange(int(np.prod(shape)), dtype=np.float64)
    return (np.sin(1.7 * k + offset) * scale).reshape(shape).astype("float32")


def g4_inputs():
    n, h, w = np.meshgrid(np.arange(2), np.arange(5), np.arange(5), indexing="ij")
    return (((25 * n + 5 * h + w) % 9) / 9).astype("float32")[..., None]  # (2, 5, 5, 1)


# In get_weights order: conv kernel, conv bias, gamma, beta, moving_mean, moving_variance,
# dense kernel, dense bias.
G4_WEIGHTS = [det((3, 3, 1, 2), .5, 0), np.zeros(2), np.ones(2), np.zeros(2), np.zeros(2),
              np.ones(2), det((8, 2), .5, 1.3), np.zeros(2)]


def g4_model():
    return keras.Sequential([
        keras.Input((5, 5, 1)), layers.Conv2D(2, 3, padding="same", activation="relu"),
        layers.BatchNormalization(), layers.MaxPooling2D(), layers.Flatten(),
        layers.Dense(2, activation="softmax")])


def test_g4_conv_batchnorm_maxpool_sgd_momentum():
    x, y = g4_inputs(), np.array([0, 1])
    assert x[0, 1, :, 0].tolist() == pytest.approx([5 / 9, 6 / 9, 7 / 9, 8 / 9, 0.0])
    model = g4_model()
    model.set_weights(G4_WEIGHTS)
    model.compile(keras.optimizers.SGD(0.05, momentum=0.9), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], [0.5931735635, 0.2092820108], atol=1e-5)
    np.testing.assert_allclose(history.history["accuracy"], [0.5, 1.0], atol=1e-5)
    bn = model.layers[1]
    np.testing.assert_allclose(bn.moving_mean.numpy(), [0.0018839908, 0.0019540358], atol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), [0.9805394411, 0.9805054665],
                               atol=1e-5)
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               [[0.4240373373, 0.5759626627], [0.2545015514, 0.7454984784]],
                               atol=1e-5)


def test_g4_shapes():
    model = g4_model()
    shapes, shape = [], (None, 5, 5, 1)
    for layer in model.layers:
        shape = layer.compute_output_shape(shape)
        shapes.append(shape)
    assert shapes == [(None, 5, 5, 2), (None, 5, 5, 2), (None, 2, 2, 2), (None, 8), (None, 2)]
    assert model.output_shape == (None, 2)
    assert model.count_params() == 20 + 8 + 18


def test_model_weights_follow_keras_per_layer_order():
    model = g4_model()
    assert [w.path.split("/")[-1] for w in model.weights] == [
        "kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance", "kernel", "bias"]
    assert [w.path.split("/")[-1] for w in model.trainable_weights] == [
        "kernel", "bias", "gamma", "beta", "kernel", "bias"]
