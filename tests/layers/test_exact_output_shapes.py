"""Layers that declare ``_exact_output_shape`` are built in the functional API from
``compute_output_shape`` alone (no run on a sample of zeros). For each, the shape it
declares must equal the shape of a real call, over padding, strides, dilation, data
formats and the other options that change the output."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers

L = layers
CASES = [
    (L.Conv1D(3, 3), (9, 2)),
    (L.Conv1D(3, 3, padding="same", strides=2), (9, 2)),
    (L.Conv1D(3, 3, padding="causal", dilation_rate=2), (9, 2)),
    (L.Conv1D(3, 2, data_format="channels_first"), (2, 9)),
    (L.Conv2D(4, (3, 2), strides=(2, 1)), (9, 8, 3)),
    (L.Conv2D(4, 3, padding="same", strides=2), (9, 8, 3)),
    (L.Conv2D(4, 3, dilation_rate=2), (9, 8, 3)),
    (L.Conv2D(4, 3, data_format="channels_first", padding="same"), (3, 9, 8)),
    (L.Conv2D(6, 1, groups=3), (5, 5, 3)),
    (L.Conv3D(2, 2, strides=2), (5, 6, 7, 2)),
    (L.DepthwiseConv2D(3, depth_multiplier=2), (9, 8, 3)),
    (L.DepthwiseConv2D(3, strides=2, padding="same"), (9, 8, 3)),
    (L.DepthwiseConv1D(2, depth_multiplier=3), (7, 2)),
    (L.SeparableConv2D(5, 3, padding="same", strides=2), (9, 8, 3)),
    (L.SeparableConv1D(5, 3, dilation_rate=2), (11, 2)),
    (L.Conv2DTranspose(4, 3, strides=2), (5, 4, 3)),
    (L.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=1), (5, 4, 3)),
    (L.Conv1DTranspose(2, 4, strides=3), (5, 2)),
    (L.Conv3DTranspose(2, 2, strides=2), (3, 3, 3, 1)),
    (L.MaxPooling1D(2), (9, 3)),
    (L.MaxPooling2D(3, strides=2, padding="same"), (9, 8, 3)),
    (L.MaxPooling2D(2, data_format="channels_first"), (3, 9, 8)),
    (L.AveragePooling2D((2, 3)), (9, 8, 3)),
    (L.AveragePooling3D(2, padding="same"), (3, 5, 4, 2)),
    (L.MaxPooling3D(2), (4, 5, 4, 2)),
    (L.GlobalAveragePooling2D(), (9, 8, 3)),
    (L.GlobalMaxPooling2D(keepdims=True), (9, 8, 3)),
    (L.GlobalAveragePooling1D(data_format="channels_first"), (3, 9)),
    (L.GlobalMaxPooling3D(), (3, 4, 5, 2)),
]


@pytest.mark.parametrize("layer, shape", CASES, ids=lambda c: getattr(c, "name", str(c)))
def test_declared_output_shape_is_the_real_one(layer, shape):
    assert type(layer)._exact_output_shape
    symbolic = layer(keras.Input(shape))
    real = layer(np.random.default_rng(0).random((2,) + shape).astype(np.float32))
    assert symbolic.shape == (None,) + tuple(real.shape[1:])
    assert symbolic.dtype == str(real.dtype)


def test_a_layer_of_another_dtype_is_still_run_on_a_sample():
    layer = L.Conv2D(2, 3, dtype="float64")
    out = layer(keras.Input((6, 6, 1)))  # float32 input: the sample run decides the dtype
    real = L.Conv2D(2, 3, dtype="float64")(np.zeros((1, 6, 6, 1), np.float32))
    assert out.dtype == str(real.dtype)


def test_a_masked_input_is_still_run_on_a_sample():
    inputs = keras.Input((5,))
    x = L.Embedding(10, 4, mask_zero=True)(inputs)
    out = L.GlobalAveragePooling1D()(x)  # averages over the unmasked steps only
    model = keras.Model(inputs, out)
    assert model.output_shape == (None, 4)
    tokens = np.array([[1, 2, 0, 0, 0]])
    table = model.layers[1].embeddings.numpy()
    np.testing.assert_allclose(model.predict(tokens, verbose=0)[0], table[[1, 2]].mean(0),
                               rtol=1e-6)
