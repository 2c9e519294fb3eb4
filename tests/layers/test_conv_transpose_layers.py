"""Conv1DTranspose / Conv2DTranspose / Conv3DTranspose against an independent reference."""
import itertools
import json

import numpy as np
import pytest

from minikeras import layers, ops
from minikeras.autodiff.gradcheck import gradcheck

rng = np.random.default_rng(17)


def lhs_pads(k, s, d, padding, output_padding):
    """Keras's padding for the "dilate the input by the stride, pad, correlate with the
    flipped kernel" formulation of a transposed convolution (its JAX/torch backends)."""
    k_eff = (k - 1) * d + 1
    if padding == "valid":
        extra = max(k_eff, s) - k_eff if output_padding is None else output_padding
        return k_eff - 1, k_eff - 1 + extra
    pad_len = (s + k_eff - 2 if output_padding is None
               else k_eff + k_eff % 2 - 2 + output_padding)
    left = min(pad_len // 2 + pad_len % 2, k_eff - 1)
    return left, pad_len - left


def ref_conv_transpose(x, w, b, strides, dilation, padding, output_padding=None):
    """Dilate x by the strides, pad, and correlate with the spatially flipped kernel, by loops."""
    rank = x.ndim - 2
    output_padding = output_padding or (None,) * rank
    dilated_shape = [x.shape[0]] + [(n - 1) * s + 1 for n, s in zip(x.shape[1:-1], strides)] \
        + [x.shape[-1]]
    xd = np.zeros(dilated_shape)
    xd[(slice(None),) + tuple(slice(None, None, s) for s in strides)] = x
    pads = [lhs_pads(w.shape[i], strides[i], dilation[i], padding, output_padding[i])
            for i in range(rank)]
    xd = np.pad(xd, [(0, 0)] + pads + [(0, 0)])
    out = [xd.shape[1 + i] - dilation[i] * (w.shape[i] - 1) for i in range(rank)]
    y = np.zeros([x.shape[0]] + out + [w.shape[-2]]) + b
    for n in range(x.shape[0]):
        for o in itertools.product(*(range(m) for m in out)):
            for a in itertools.product(*(range(k) for k in w.shape[:rank])):
                pos = tuple(o[i] + a[i] * dilation[i] for i in range(rank))
                flipped = tuple(w.shape[i] - 1 - a[i] for i in range(rank))
                y[(n,) + o] += w[flipped] @ xd[(n,) + pos]
    return y


def run(layer, x):
    return layer(ops.convert_to_tensor(x)).numpy()


@pytest.mark.parametrize("kernel,strides,dilation,padding,output_padding", [
    ((3, 3), (2, 2), (1, 1), "same", None), ((3, 3), (2, 2), (1, 1), "valid", None),
    ((4, 3), (2, 1), (1, 1), "same", None), ((2, 2), (3, 3), (1, 1), "valid", None),
    ((3, 2), (1, 1), (2, 2), "same", None), ((3, 3), (2, 2), (1, 1), "same", (1, 1)),
    ((4, 3), (3, 2), (1, 1), "valid", (2, 0)), ((1, 1), (2, 2), (1, 1), "same", None),
])
def test_conv2d_transpose_matches_reference(kernel, strides, dilation, padding, output_padding):
    x = rng.standard_normal((2, 3, 4, 3))
    w, b = rng.standard_normal(kernel + (2, 3)), rng.standard_normal(2)
    layer = layers.Conv2DTranspose(2, kernel, strides=strides, dilation_rate=dilation,
                                   padding=padding, output_padding=output_padding,
                                   dtype="float64")
    layer.build(x.shape)
    layer.set_weights([w, b])
    expected = ref_conv_transpose(x, w, b, strides, dilation, padding, output_padding)
    out = run(layer, x)
    assert out.shape == expected.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(out, expected, atol=1e-10)


def test_output_size_rule():
    # valid: n*s + max(k - s, 0); same: n*s; with output_padding: (n-1)s + k - 2*(k//2) + p
    assert layers.Conv2DTranspose(1, 3, strides=2).compute_output_shape((None, 5, 5, 1)) == \
        (None, 11, 11, 1)
    assert layers.Conv2DTranspose(1, 2, strides=3).compute_output_shape((None, 5, 4, 1)) == \
        (None, 15, 12, 1)
    assert layers.Conv2DTranspose(4, 3, strides=2, padding="same").compute_output_shape(
        (None, 5, 6, 1)) == (None, 10, 12, 4)
    assert layers.Conv1DTranspose(1, 3, strides=2, padding="same", output_padding=0) \
        .compute_output_shape((None, 5, 1)) == (None, 9, 1)


def test_transpose_is_the_adjoint_of_the_convolution():
    # <conv_transpose(x, w), z> == <x, conv(z, w)> when conv maps z's shape back to x's
    x, z = rng.standard_normal((2, 4, 5, 3)), rng.standard_normal((2, 8, 10, 2))
    w = rng.standard_normal((3, 3, 2, 3))
    left = np.sum(ops.conv_transpose(x, w, strides=2, padding="same").numpy() * z)
    right = np.sum(x * ops.conv(z, w, strides=2, padding="same").numpy())
    assert left == pytest.approx(right, rel=1e-10)


def test_1d_3d_and_channels_first():
    x = rng.standard_normal((1, 5, 2)).astype("float32")
    assert layers.Conv1DTranspose(3, 3, strides=2)(x).shape == (1, 11, 3)
    assert layers.Conv3DTranspose(2, 2, strides=2)(np.zeros((1, 2, 3, 2, 1), "float32")).shape \
        == (1, 4, 6, 4, 2)
    x2 = rng.standard_normal((2, 4, 3, 3))
    w, b = rng.standard_normal((3, 2, 5, 3)), rng.standard_normal(5)
    last = layers.Conv2DTranspose(5, (3, 2), strides=2, padding="same", dtype="float64")
    first = layers.Conv2DTranspose(5, (3, 2), strides=2, padding="same", dtype="float64",
                                   data_format="channels_first")
    last.build(x2.shape)
    first.build(x2.transpose(0, 3, 1, 2).shape)
    last.set_weights([w, b])
    first.set_weights([w, b])
    np.testing.assert_allclose(run(first, x2.transpose(0, 3, 1, 2)),
                               run(last, x2).transpose(0, 3, 1, 2), atol=1e-12)


@pytest.mark.parametrize("cls,shape,kwargs", [
    (layers.Conv2DTranspose, (1, 3, 2, 2), dict(strides=2, padding="same")),
    (layers.Conv2DTranspose, (1, 2, 3, 2), dict(strides=(2, 1), output_padding=(1, 0))),
    (layers.Conv1DTranspose, (2, 4, 2), dict(dilation_rate=2, padding="same")),
])
def test_gradients_wrt_inputs_and_weights(cls, shape, kwargs):
    layer = cls(3, 3, dtype="float64", **kwargs)
    layer.build(shape)
    x, w, b = rng.standard_normal(shape), rng.standard_normal(layer.kernel.shape), \
        rng.standard_normal(3)

    def fn(inputs, kernel, bias):
        layer.kernel, layer.bias = kernel, bias
        return layer.call(inputs)
    assert gradcheck(fn, x, w, b)


def test_config_names_and_errors():
    layer = layers.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=1)
    config = layers.serialize(layer)
    assert config["config"]["output_padding"] == (1, 1)
    rebuilt = layers.deserialize(json.loads(json.dumps(config)))
    assert rebuilt.get_config() == layer.get_config()
    assert layers.LAYERS.lookup("Convolution2DTranspose") is layers.Conv2DTranspose
    layer.build((None, 4, 4, 6))
    assert layer.kernel.shape == (3, 3, 4, 6)   # (kh, kw, filters, in_channels)
    with pytest.raises(ValueError, match="`output_padding` must be strictly less than `strides`"):
        layers.Conv2DTranspose(1, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="padding"):
        layers.Conv1DTranspose(1, 3, padding="causal")
