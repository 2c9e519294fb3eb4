"""DepthwiseConv1D/2D and SeparableConv1D/2D against per-channel convolutions, gradients, config."""
import json

import numpy as np
import pytest

from minikeras import layers, ops
from minikeras.autodiff.gradcheck import gradcheck

rng = np.random.default_rng(13)


def run(layer, x):
    return layer(ops.convert_to_tensor(x)).numpy()


def test_depthwise_conv2d_is_one_convolution_per_channel():
    x = rng.standard_normal((2, 6, 5, 3))
    layer = layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2,
                                   dtype="float64")
    layer.build(x.shape)
    kernel, bias = rng.standard_normal((3, 3, 3, 2)), rng.standard_normal(6)
    layer.set_weights([kernel, bias])
    out = run(layer, x)
    assert out.shape == (2, 3, 3, 6) == layer.compute_output_shape(x.shape)
    for c in range(3):
        for m in range(2):
            # a plain Conv2D on channel c alone with kernel[..., c, m] (checked elsewhere
            # against a loop reference)
            alone = ops.conv(x[..., c:c + 1], kernel[:, :, c:c + 1, m:m + 1], strides=2,
                             padding="same").numpy()[..., 0] + bias[c * 2 + m]
            np.testing.assert_allclose(out[..., c * 2 + m], alone, atol=1e-12)


def test_separable_conv2d_is_depthwise_then_pointwise():
    x = rng.standard_normal((1, 5, 5, 2))
    layer = layers.SeparableConv2D(4, 3, padding="same", depth_multiplier=3, dtype="float64")
    layer.build(x.shape)
    depthwise, pointwise = rng.standard_normal((3, 3, 2, 3)), rng.standard_normal((1, 1, 6, 4))
    bias = rng.standard_normal(4)
    layer.set_weights([depthwise, pointwise, bias])
    assert [w.name for w in layer.weights] == ["depthwise_kernel", "pointwise_kernel", "bias"]
    inner = ops.depthwise_conv(x, depthwise, padding="same").numpy()
    np.testing.assert_allclose(run(layer, x), inner @ pointwise[0, 0] + bias, atol=1e-12)


def test_1d_versions_and_channels_first():
    x = rng.standard_normal((2, 7, 3)).astype("float32")
    dw = layers.DepthwiseConv1D(3, padding="same")
    assert dw(x).shape == (2, 7, 3)
    sep = layers.SeparableConv1D(5, 2, strides=2)
    assert sep(x).shape == (2, 3, 5) == sep.compute_output_shape((2, 7, 3))
    first = layers.DepthwiseConv2D(2, data_format="channels_first")
    assert first(np.zeros((1, 3, 4, 4), "float32")).shape == (1, 3, 3, 3)


@pytest.mark.parametrize("cls,names,kwargs", [
    (layers.DepthwiseConv2D, ["kernel", "bias"], dict(kernel_size=2, depth_multiplier=2)),
    (layers.SeparableConv2D, ["depthwise_kernel", "pointwise_kernel", "bias"],
     dict(filters=3, kernel_size=2, strides=2, padding="same")),
])
def test_gradients_wrt_inputs_and_weights(cls, names, kwargs):
    layer = cls(dtype="float64", **kwargs)
    x = rng.standard_normal((1, 4, 5, 2))
    layer.build(x.shape)
    weights = [rng.standard_normal(getattr(layer, n).shape) for n in names]

    def fn(inputs, *ws):
        for name, w in zip(names, ws):
            setattr(layer, name, w)
        return layer.call(inputs)
    assert gradcheck(fn, x, *weights)


@pytest.mark.parametrize("layer", [
    layers.DepthwiseConv2D(3, depth_multiplier=2, depthwise_regularizer="l2"),
    layers.SeparableConv2D(8, 3, strides=2, padding="same", pointwise_initializer="he_normal"),
    layers.SeparableConv1D(4, 3, activation="relu"),
], ids=lambda layer: type(layer).__name__)
def test_config_round_trip(layer):
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert type(rebuilt) is type(layer) and rebuilt.get_config() == layer.get_config()


def test_names_and_errors():
    assert layers.LAYERS.lookup("SeparableConvolution2D") is layers.SeparableConv2D
    assert layers.LAYERS.lookup("DepthwiseConv2D") is layers.DepthwiseConv2D
    with pytest.raises(ValueError, match="depth_multiplier"):
        layers.DepthwiseConv2D(3, depth_multiplier=0)
    with pytest.raises(ValueError, match=r"Received: causal \(only Conv1D takes causal padding\)"):
        layers.SeparableConv1D(2, 3, padding="causal")
