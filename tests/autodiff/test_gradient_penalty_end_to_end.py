"""A WGAN-GP gradient penalty (keras-io's: the critic's gradient for interpolated images, its
norm pushed to 1) through a critic built of the layers whose primitives gained a recorded
gradient: Conv2DTranspose, DepthwiseConv2D, MultiHeadAttention (the fused attention) and LSTM
(the fused recurrence). The penalty's gradient for the critic's weights, taken through
``grad(..., create_graph=True)``, must match float64 finite differences, and a few steps
on it must lower it.
"""
import numpy as np
import pytest

import minikeras as keras
from minikeras.autodiff import Tensor, grad
from minikeras.autodiff.attention import Attention
from minikeras.autodiff.conv import Conv, ConvTranspose
from minikeras.autodiff.recurrence import LSTMRecurrence


@pytest.fixture
def float64():
    before = keras.backend.floatx()
    keras.backend.set_floatx("float64")
    yield
    keras.backend.set_floatx(before)


def critic_model():
    """(2, 3, 3, 1) images -> one score each."""
    keras.utils.set_random_seed(3)
    images = keras.Input((3, 3, 1))
    x = keras.layers.Conv2DTranspose(2, 2, strides=2, padding="same")(images)    # (6, 6, 2)
    x = keras.layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=1,
                                     activation="tanh")(x)                         # (3, 3, 2)
    x = keras.layers.Reshape((9, 2))(x)
    x = keras.layers.MultiHeadAttention(num_heads=2, key_dim=2)(x, x)              # (9, 2)
    x = keras.layers.LSTM(3)(x)
    return keras.Model(images, keras.layers.Dense(1)(x))


def interpolated_images():
    rng = np.random.default_rng(0)
    real, fake = rng.random((2, 3, 3, 1)), rng.standard_normal((2, 3, 3, 1))
    alpha = rng.random((2, 1, 1, 1))
    return real + alpha * (fake - real)


def penalty(critic, images, create_graph):
    """mean((|d critic / d images| - 1)^2) per image, as keras-io's ``gradient_penalty``."""
    interpolated = Tensor(images, requires_grad=True)              # gp_tape.watch(...)
    (grads,) = grad(critic(interpolated), [interpolated], create_graph=create_graph)
    norm = keras.ops.sqrt(keras.ops.sum(keras.ops.square(grads), axis=[1, 2, 3]))
    return keras.ops.mean((norm - 1.0) ** 2)


def primitives_of(tensor):
    """The Function classes in ``tensor``'s graph."""
    walked, stack = set(), [tensor]
    while stack:
        creator = stack.pop().creator
        if creator is not None and creator not in walked:
            walked.add(creator)
            stack.extend(creator.inputs)
    return {type(creator) for creator in walked}


def test_penalty_gradient_matches_finite_differences(float64):
    critic, images = critic_model(), interpolated_images()
    weights = critic.trainable_variables
    scores = critic(Tensor(images, requires_grad=True))
    assert {ConvTranspose, Conv, Attention, LSTMRecurrence} <= primitives_of(scores)
    # (the last bias moves every score alike: its gradient is zero)
    got = grad(penalty(critic, images, create_graph=True), weights,
               unconnected_gradients="zero")
    eps = 1e-6
    for variable, analytic in zip(weights, got):
        numeric = np.zeros(variable.shape)
        flat = variable.data.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            up = float(penalty(critic, images, create_graph=False))
            flat[i] = old - eps
            down = float(penalty(critic, images, create_graph=False))
            flat[i] = old
            numeric.reshape(-1)[i] = (up - down) / (2 * eps)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8,
                                   err_msg=variable.path)


def test_training_on_the_penalty_lowers_it(float64):
    """The critic's step with the penalty weighted 10, as WGAN-GP's discriminator step."""
    critic, images = critic_model(), interpolated_images()
    optimizer = keras.optimizers.SGD(learning_rate=0.01)
    weights = critic.trainable_variables
    first = float(penalty(critic, images, create_graph=False))
    for _ in range(5):
        loss = 10.0 * penalty(critic, images, create_graph=True)
        optimizer.apply_gradients(zip(grad(loss, weights, unconnected_gradients="zero"),
                                      weights))
    assert float(penalty(critic, images, create_graph=False)) < first
