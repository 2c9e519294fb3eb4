"""API sweep over the convolution, pooling, normalization, embedding and reshaping layers:
every registered class has a row; each row builds, runs forward and backward, reports its
output shape correctly and survives a JSON config round trip."""
import json

import numpy as np
import pytest

from minikeras import layers
from minikeras.autodiff import grad
from minikeras.autodiff.tensor import Tensor

MODULES = ("convolutional", "convolutional_depthwise", "convolutional_transpose", "pooling",
           "normalization", "embedding", "reshaping_extra")

# class name -> (constructor kwargs, per-sample input shape)
ROWS = {
    "Conv1D": (dict(filters=3, kernel_size=2), (6, 2)),
    "Conv2D": (dict(filters=3, kernel_size=3, padding="same"), (5, 5, 2)),
    "Conv3D": (dict(filters=2, kernel_size=2), (3, 3, 3, 1)),
    "DepthwiseConv1D": (dict(kernel_size=3), (6, 2)),
    "DepthwiseConv2D": (dict(kernel_size=2, depth_multiplier=2), (4, 4, 2)),
    "SeparableConv1D": (dict(filters=3, kernel_size=2), (5, 2)),
    "SeparableConv2D": (dict(filters=3, kernel_size=3), (5, 5, 2)),
    "Conv1DTranspose": (dict(filters=2, kernel_size=3, strides=2), (4, 2)),
    "Conv2DTranspose": (dict(filters=2, kernel_size=3, strides=2, padding="same"), (3, 3, 2)),
    "Conv3DTranspose": (dict(filters=1, kernel_size=2), (2, 2, 2, 1)),
    "MaxPooling1D": (dict(), (6, 2)),
    "MaxPooling2D": (dict(), (4, 4, 2)),
    "MaxPooling3D": (dict(), (2, 4, 2, 1)),
    "AveragePooling1D": (dict(pool_size=2), (6, 2)),
    "AveragePooling2D": (dict(pool_size=2, padding="same"), (5, 5, 2)),
    "AveragePooling3D": (dict(pool_size=2), (2, 2, 4, 1)),
    "GlobalAveragePooling1D": (dict(), (5, 3)),
    "GlobalAveragePooling2D": (dict(), (3, 3, 2)),
    "GlobalAveragePooling3D": (dict(keepdims=True), (2, 2, 2, 2)),
    "GlobalMaxPooling1D": (dict(), (5, 3)),
    "GlobalMaxPooling2D": (dict(keepdims=True), (3, 3, 2)),
    "GlobalMaxPooling3D": (dict(), (2, 2, 2, 2)),
    "BatchNormalization": (dict(), (4, 3)),
    "LayerNormalization": (dict(), (4, 3)),
    "GroupNormalization": (dict(groups=2), (3, 3, 4)),
    "RMSNormalization": (dict(axis=[1, 2]), (3, 4)),
    "Embedding": (dict(input_dim=10, output_dim=4), (5,)),
    "Permute": (dict(dims=(2, 1)), (3, 4)),
    "RepeatVector": (dict(n=3), (4,)),
    "ZeroPadding1D": (dict(), (3, 2)),
    "ZeroPadding2D": (dict(), (3, 3, 2)),
    "ZeroPadding3D": (dict(), (1, 2, 2, 1)),
    "UpSampling1D": (dict(), (3, 2)),
    "UpSampling2D": (dict(), (2, 3, 2)),
    "UpSampling3D": (dict(), (1, 2, 2, 1)),
}


def our_classes():
    return {cls.__name__ for _, cls in layers.LAYERS.items()
            if cls.__module__.rsplit(".", 1)[-1] in MODULES}


def test_every_layer_in_these_modules_has_a_row():
    assert our_classes() == set(ROWS)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_build_forward_backward_shape_and_config(name):
    kwargs, sample = ROWS[name]
    layer = layers.LAYERS.lookup(name)(**kwargs)
    rng = np.random.default_rng(0)
    if name == "Embedding":
        x = Tensor(rng.integers(0, 10, (2,) + sample))
    else:
        x = Tensor(rng.standard_normal((2,) + sample).astype("float32"), requires_grad=True)
    y = layer(x, training=True) if name == "BatchNormalization" else layer(x)
    assert y.shape == layer.compute_output_shape((2,) + sample)
    assert y.dtype == np.float32
    targets = layer.trainable_weights + ([x] if x.requires_grad else [])
    grads = grad(y, targets, np.ones(y.shape, "float32"))
    assert all(g.shape == t.shape and np.all(np.isfinite(g)) for g, t in zip(grads, targets))
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert type(rebuilt) is type(layer) and rebuilt.get_config() == layer.get_config()
    rebuilt.build((None,) + sample)
    assert [w.shape for w in rebuilt.weights] == [w.shape for w in layer.weights]
