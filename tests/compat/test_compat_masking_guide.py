"""Keras guide "Understanding masking & padding", run side by side with Keras 3.15 (torch
backend); the behaviours below are what Keras did with the guide's code."""
import warnings

import numpy as np

import minikeras as keras
from minikeras import layers, ops


def test_an_op_on_a_masked_tensor_drops_the_mask_without_warning():
    # Keras's ops are Operations, not Layers: on a masked KerasTensor they give an unmasked
    # result and warn nothing, symbolically and when the model runs. minikeras's op nodes
    # warned "Layer 'exp' (of type OpCall) was passed an input with a mask attached to it"
    # each time the model ran (a Keras-written file with mask op nodes did the same).
    inputs = keras.Input((None,), dtype="int32")
    embedded = layers.Embedding(10, 3, mask_zero=True)(inputs)
    model = keras.Model(inputs, [ops.exp(embedded), embedded * 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outputs = model(np.array([[1, 2, 0]]))
    assert [o._keras_mask for o in outputs] == [None, None]


def test_a_layer_that_cannot_pass_a_mask_still_warns():
    class Plain(layers.Layer):  # no supports_masking: Keras warns that the mask is dropped
        def call(self, x):
            return x

    inputs = keras.Input((None,), dtype="int32")
    model = keras.Model(inputs, Plain(name="plain")(layers.Embedding(10, 3, mask_zero=True)(inputs)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model(np.array([[1, 0]]))
    assert any("Layer 'plain' (of type Plain) was passed an input with a mask" in str(w.message)
               for w in caught)
