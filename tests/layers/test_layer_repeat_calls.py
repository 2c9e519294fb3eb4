"""Repeated eager calls of a built layer (the path every training step takes) keep every
rule of the first call: input_spec checks when the shape changes, masks made by the layer,
the training flag, add_loss and activity penalties of the latest pass only, strings refused.

Every expected number is worked out by hand in the comments.
"""
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops
from minikeras.autodiff.tensor import Tensor

X3 = np.array([[1.0, 2.0, 3.0]], "float32")


def ones_dense(units, **kwargs):
    return layers.Dense(units, kernel_initializer="ones", bias_initializer="zeros", **kwargs)


def test_a_new_input_shape_is_checked_again():
    dense = ones_dense(2)
    dense(X3)
    np.testing.assert_allclose(dense(Tensor(X3)).numpy(), [[6.0, 6.0]])  # 1 + 2 + 3
    with pytest.raises(ValueError, match="Input 0 with name 'None' of layer 'dense.*' is incompatible"):
        dense(np.ones((1, 4), "float32"))
    np.testing.assert_allclose(dense(2 * X3).numpy(), [[12.0, 12.0]])


def test_masks_made_by_the_layer_on_every_call():
    embedding = layers.Embedding(input_dim=5, output_dim=2, mask_zero=True)
    for ids, kept in (([[1, 0]], [[True, False]]), ([[0, 3]], [[False, True]])):
        np.testing.assert_array_equal(np.asarray(embedding(np.array(ids))._keras_mask), kept)
    masking = layers.Masking()
    masking(np.zeros((1, 2, 1), "float32"))
    out = masking(np.array([[[0.0], [5.0]]], "float32"))
    np.testing.assert_array_equal(np.asarray(out._keras_mask), [[False, True]])


def test_an_input_mask_still_reaches_a_built_layer():
    dense = ones_dense(1)
    dense(X3)
    x = Tensor(X3)
    x.mask = np.array([True])
    assert dense(x)._keras_mask is not None  # Dense passes its input's mask on
    assert dense(X3)._keras_mask is None


class Recorder(layers.Layer):
    def call(self, inputs, training=None):
        self.training = training
        return inputs


def test_training_flag_on_repeated_calls():
    inner = Recorder()
    inner(X3)
    assert inner.training is None
    inner(X3, training=True)
    assert inner.training is True

    model = keras.Sequential([keras.Input((3,)), inner])
    for flag in (True, False, True):
        model(X3, training=flag)
        assert inner.training is flag


class Penalized(layers.Layer):
    """add_loss(sum(inputs)) on every call."""

    def call(self, inputs):
        self.add_loss(ops.sum(inputs))
        return inputs


def test_added_and_activity_losses_are_those_of_the_latest_call():
    model = keras.Sequential([keras.Input((3,)), Penalized(),
                              ones_dense(2, activity_regularizer=keras.regularizers.L1(0.5))])
    for scale in (1.0, 2.0):
        model(scale * X3)
        # add_loss: sum(x) = 6 * scale; activity: 0.5 * |6 s| * 2 units / batch 1 = 6 * scale
        np.testing.assert_allclose([float(l.numpy()) for l in model.losses],
                                   [6.0 * scale, 6.0 * scale])


def test_a_built_layer_still_refuses_strings():
    dense = ones_dense(1)
    dense(X3)
    with pytest.raises(ValueError, match="string"):
        dense(Tensor(np.array([["a", "b", "c"]])))


def test_a_built_layer_autocasts_a_float64_tensor_on_every_call():
    # Keras autocasts a floating input of another dtype to the layer's: a float32 Dense
    # given float64 computes and returns float32 (the first call and every later one)
    dense = ones_dense(2)
    for _ in range(2):
        out = dense(Tensor(X3.astype("float64")))
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out.numpy(), [[6.0, 6.0]])  # 1 + 2 + 3


class PenalizedWhenAsked(layers.Layer):
    """add_loss(sum(inputs)) while ``penalize`` is set."""

    penalize = True

    def call(self, inputs):
        if self.penalize:
            self.add_loss(ops.sum(inputs))
        return inputs


def test_a_pass_without_add_loss_drops_the_previous_pass_penalty():
    layer = PenalizedWhenAsked()
    model = keras.Sequential([keras.Input((3,)), layer])
    model(X3)
    np.testing.assert_allclose([float(l.numpy()) for l in model.losses], [6.0])  # 1 + 2 + 3
    layer.penalize = False
    model(X3)
    assert model.losses == []


def test_a_models_pass_expires_penalties_without_walking_its_layers(monkeypatch):
    # the layers inside a model come from its training plan at each new pass; a layer added
    # later is in the next plan, so its penalty of the previous pass is dropped too
    model = keras.Sequential([keras.Input((3,)), Penalized(), ones_dense(2)])
    model(X3)
    model.add(PenalizedWhenAsked())  # sum of the two outputs 6 + 6
    model(X3)
    np.testing.assert_allclose([float(l.numpy()) for l in model.losses], [6.0, 12.0])
    walks = []
    original = layers.Layer._attributes_of_type
    monkeypatch.setattr(layers.Layer, "_attributes_of_type",
                        lambda self, kind: walks.append(self) or original(self, kind))
    for scale in (2.0, 3.0):
        model(scale * X3)
    assert walks == []
    np.testing.assert_allclose([float(l.numpy()) for l in model.losses], [18.0, 36.0])
