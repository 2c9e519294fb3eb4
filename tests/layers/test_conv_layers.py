"""Conv1D / Conv2D / Conv3D: Keras's verified values, a slow loop reference, gradients, errors."""
import itertools
import json

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.autodiff.gradcheck import gradcheck

rng = np.random.default_rng(7)


# ---- a slow, obvious reference (channels_last, any rank) ------------------------------------

def ref_pads(n, k, s, d, padding):
    """TF padding placement: P = max((out-1)s + d(k-1) + 1 - n, 0), floor(P/2) before."""
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return d * (k - 1), 0
    out = -(-n // s)
    total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def ref_conv(x, w, b, strides, dilation, padding, groups=1):
    """y[n, o, f] = sum over kernel offsets a and group channels c, by explicit loops."""
    rank = x.ndim - 2
    pads = [ref_pads(x.shape[1 + i], w.shape[i], strides[i], dilation[i], padding)
            for i in range(rank)]
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    out = [(xp.shape[1 + i] - dilation[i] * (w.shape[i] - 1) - 1) // strides[i] + 1
           for i in range(rank)]
    cg, filters = w.shape[-2], w.shape[-1]
    y = np.zeros([x.shape[0]] + out + [filters])
    for n in range(x.shape[0]):
        for o in itertools.product(*(range(m) for m in out)):
            for f in range(filters):
                group = f // (filters // groups)
                total = b[f]
                for a in itertools.product(*(range(k) for k in w.shape[:rank])):
                    pos = tuple(o[i] * strides[i] + a[i] * dilation[i] for i in range(rank))
                    for c in range(cg):
                        total += xp[(n,) + pos + (group * cg + c,)] * w[a + (c, f)]
                y[(n,) + o + (f,)] = total
    return y


def run(layer, x):
    """Call a float64 layer on float64 data (a Tensor, so the float32 edge cast is skipped)."""
    return layer(keras.ops.convert_to_tensor(x)).numpy()


def conv_layer(cls, x, w, b, **kwargs):
    layer = cls(w.shape[-1], w.shape[:-2], dtype="float64", **kwargs)
    layer.build((None,) + x.shape[1:])
    layer.set_weights([w, b])
    return layer


# ---- Keras's verified values ------------------------------------------------------------------

def test_same_padding_with_stride_puts_the_odd_pixel_after():
    x = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
    layer = layers.Conv2D(1, 2, strides=2, padding="same", kernel_initializer="ones")
    np.testing.assert_array_equal(layer(x).numpy()[0, :, :, 0], [[8, 7], [13, 8]])


def test_same_padding_3x3_of_ones():
    layer = layers.Conv2D(1, 3, padding="same", kernel_initializer="ones")
    out = layer(np.ones((1, 4, 4, 1), "float32")).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(out, [[4, 6, 6, 4], [6, 9, 9, 6], [6, 9, 9, 6], [4, 6, 6, 4]])


def test_causal_conv1d_sees_only_the_past():
    # kernel [1, 10] with dilation 2: y[t] = 1 * x[t - 2] + 10 * x[t]  (x[<0] = 0)
    layer = layers.Conv1D(1, 2, padding="causal", dilation_rate=2, use_bias=False)
    layer.build((None, 5, 1))
    layer.set_weights([np.array([[[1.0]], [[10.0]]])])
    out = layer(np.arange(1, 6, dtype="float32").reshape(1, 5, 1)).numpy().ravel()
    np.testing.assert_array_equal(out, [10, 20, 31, 42, 53])


# ---- differential tests against the loop reference ----------------------------------------------

CASES_2D = [  # strides, dilation, padding, groups
    ((1, 1), (1, 1), "valid", 1), ((2, 2), (1, 1), "valid", 1), ((2, 3), (1, 1), "same", 1),
    ((1, 1), (2, 2), "same", 1), ((1, 1), (1, 2), "valid", 1), ((3, 1), (1, 1), "same", 2),
    ((1, 1), (2, 1), "same", 2),
]


@pytest.mark.parametrize("strides,dilation,padding,groups", CASES_2D)
def test_conv2d_matches_loop_reference(strides, dilation, padding, groups):
    x = rng.standard_normal((2, 7, 6, 4))
    w, b = rng.standard_normal((3, 2, 4 // groups, 4)), rng.standard_normal(4)
    layer = conv_layer(layers.Conv2D, x, w, b, strides=strides, dilation_rate=dilation,
                       padding=padding, groups=groups)
    expected = ref_conv(x, w, b, strides, dilation, padding, groups)
    out = run(layer, x)
    assert out.shape == expected.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(out, expected, atol=1e-10)


@pytest.mark.parametrize("strides,dilation,padding", [
    (1, 1, "valid"), (2, 1, "same"), (1, 3, "causal"), (3, 1, "valid"), (1, 2, "same")])
def test_conv1d_matches_loop_reference(strides, dilation, padding):
    x = rng.standard_normal((2, 9, 3))
    w, b = rng.standard_normal((3, 3, 2)), rng.standard_normal(2)
    layer = conv_layer(layers.Conv1D, x, w, b, strides=strides, dilation_rate=dilation,
                       padding=padding)
    np.testing.assert_allclose(run(layer, x),
                               ref_conv(x, w, b, (strides,), (dilation,), padding), atol=1e-10)


def test_conv3d_matches_loop_reference():
    x = rng.standard_normal((1, 4, 5, 3, 2))
    w, b = rng.standard_normal((2, 3, 2, 2, 3)), rng.standard_normal(3)
    layer = conv_layer(layers.Conv3D, x, w, b, strides=(1, 2, 1), padding="same")
    np.testing.assert_allclose(run(layer, x),
                               ref_conv(x, w, b, (1, 2, 1), (1, 1, 1), "same"), atol=1e-10)


def test_channels_first_equals_transposed_channels_last():
    x = rng.standard_normal((2, 6, 5, 3))
    w, b = rng.standard_normal((3, 3, 3, 4)), rng.standard_normal(4)
    last = conv_layer(layers.Conv2D, x, w, b, strides=2, padding="same")
    first = conv_layer(layers.Conv2D, x.transpose(0, 3, 1, 2), w, b, strides=2, padding="same",
                       data_format="channels_first")
    out = run(first, x.transpose(0, 3, 1, 2))
    assert out.shape == (2, 4, 3, 3)
    np.testing.assert_allclose(out, run(last, x).transpose(0, 3, 1, 2), atol=1e-12)
    assert first.compute_output_shape((None, 3, 6, 5)) == (None, 4, 3, 3)


# ---- output-size rules -------------------------------------------------------------------------

@pytest.mark.parametrize("n,k,s,d,padding,expected", [
    (7, 3, 2, 1, "valid", 3), (7, 3, 2, 1, "same", 4), (10, 3, 1, 2, "valid", 6),
    (10, 3, 1, 2, "same", 10), (5, 2, 3, 1, "same", 2), (5, 5, 1, 1, "valid", 1),
    (8, 4, 3, 1, "valid", 2), (9, 3, 1, 4, "causal", 9), (9, 2, 4, 1, "causal", 3)])
def test_output_length_rule(n, k, s, d, padding, expected):
    layer = layers.Conv1D(2, k, strides=s, dilation_rate=d, padding=padding)
    assert layer.compute_output_shape((None, n, 3)) == (None, expected, 2)
    assert layer(np.zeros((1, n, 3), "float32")).shape == (1, expected, 2)


def test_kernel_and_bias_shapes_follow_keras():
    layer = layers.Conv2D(6, (3, 2), groups=3)
    layer.build((None, 8, 8, 9))
    assert [w.shape for w in layer.weights] == [(3, 2, 3, 6), (6,)]
    assert [w.path for w in layer.weights] == [f"{layer.name}/kernel", f"{layer.name}/bias"]
    assert layer.count_params() == 3 * 2 * 3 * 6 + 6


# ---- gradients of the layer's call ---------------------------------------------------------------

def call_with(layer, names):
    """The layer's call as a function of (inputs, *weights), for gradcheck."""
    def fn(x, *weights):
        for name, w in zip(names, weights):
            setattr(layer, name, w)
        return layer.call(x)
    return fn


@pytest.mark.parametrize("cls,x_shape,kwargs", [
    (layers.Conv2D, (2, 5, 4, 2), dict(strides=2, padding="same", activation="tanh")),
    (layers.Conv2D, (1, 6, 5, 4), dict(dilation_rate=2, groups=2, padding="same")),
    (layers.Conv2D, (1, 2, 5, 4), dict(data_format="channels_first", padding="valid")),
    (layers.Conv1D, (2, 7, 2), dict(padding="causal", dilation_rate=2)),
    (layers.Conv3D, (1, 3, 4, 3, 2), dict(strides=(1, 2, 1), padding="same")),
])
def test_layer_gradients_wrt_inputs_and_weights(cls, x_shape, kwargs):
    rank = len(x_shape) - 2
    layer = cls(4, 3 if rank < 3 else 2, dtype="float64", **kwargs)
    layer.build((None,) + x_shape[1:])
    x = rng.standard_normal(x_shape)
    w, b = rng.standard_normal(layer.kernel.shape), rng.standard_normal(4)
    assert gradcheck(call_with(layer, ["kernel", "bias"]), x, w, b)


def test_training_reduces_the_loss():
    x = rng.standard_normal((16, 6, 6, 1)).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 0).astype("float32")
    model = keras.Sequential([keras.Input((6, 6, 1)), layers.Conv2D(4, 3, activation="relu"),
                              layers.Flatten(), layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.SGD(0.1), "binary_crossentropy")
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0, shuffle=False)
    assert history.history["loss"][-1] < history.history["loss"][0]


# ---- config -------------------------------------------------------------------------------------

@pytest.mark.parametrize("layer", [
    layers.Conv1D(3, 2, padding="causal", dilation_rate=2, activation="relu"),
    layers.Conv2D(4, (3, 2), strides=(2, 1), padding="same", use_bias=False,
                  kernel_regularizer="l2", data_format="channels_first"),
    layers.Conv3D(2, 2, groups=2, kernel_initializer="he_normal"),
], ids=lambda layer: type(layer).__name__)
def test_config_round_trip_through_json(layer):
    config = layers.serialize(layer)
    assert config["class_name"] == type(layer).__name__
    rebuilt = layers.deserialize(json.loads(json.dumps(config)))
    assert type(rebuilt) is type(layer)
    assert rebuilt.get_config() == layer.get_config()


def test_config_has_keras_keys():
    config = layers.Conv2D(8, 3).get_config()
    assert {"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
            "groups", "activation", "use_bias", "kernel_initializer", "bias_initializer",
            "kernel_regularizer", "bias_regularizer", "kernel_constraint",
            "bias_constraint"} <= set(config)
    assert config["kernel_size"] == (3, 3) and config["strides"] == (1, 1)
    assert config["data_format"] == "channels_last" and config["padding"] == "valid"


def test_names_and_aliases_are_registered():
    assert layers.Convolution2D is layers.Conv2D
    for name, cls in [("Conv1D", layers.Conv1D), ("Convolution1D", layers.Conv1D),
                      ("Conv2D", layers.Conv2D), ("Convolution2D", layers.Conv2D),
                      ("Conv3D", layers.Conv3D), ("Convolution3D", layers.Conv3D)]:
        assert layers.LAYERS.lookup(name) is cls
    assert layers.Conv2D(1, 1).name.startswith("conv2d")


# ---- bad input ----------------------------------------------------------------------------------

def test_strides_with_dilation_raises():
    with pytest.raises(ValueError, match="dilation_rate > 1"):
        layers.Conv2D(2, 3, strides=2, dilation_rate=2)


def test_non_positive_output_size_names_the_layer_and_shapes():
    layer = layers.Conv2D(2, 5, name="too_big")
    with pytest.raises(ValueError, match=r"shape=\(1, 3, 3, 1\).*\(5, 5, 1, 2\).*too_big"):
        layer(np.zeros((1, 3, 3, 1), "float32"))
    with pytest.raises(ValueError, match="would be zero or negative"):
        layers.Conv1D(1, 3, dilation_rate=3).compute_output_shape((None, 6, 1))


def test_wrong_input_rank_raises():
    with pytest.raises(ValueError, match=r"expected min_ndim=4.*found ndim=3.*\(2, 5, 5\)"):
        layers.Conv2D(2, 3)(np.zeros((2, 5, 5), "float32"))
    layer = layers.Conv1D(2, 3)
    layer(np.zeros((1, 5, 3), "float32"))
    with pytest.raises(ValueError, match="axis -1 of input shape to have value 3"):
        layer(np.zeros((1, 5, 4), "float32"))


@pytest.mark.parametrize("kwargs,match", [
    (dict(filters=0, kernel_size=3), "filters"),
    (dict(filters=4, kernel_size=0), "kernel_size"),
    (dict(filters=4, kernel_size=3, strides=(1, 0)), "strides"),
    (dict(filters=3, kernel_size=3, groups=2), "divisible by the number of groups"),
    (dict(filters=4, kernel_size=3, padding="causal"), "causal"),
    (dict(filters=4, kernel_size=3, padding="full"), "padding"),
    (dict(filters=4, kernel_size=(3, 3, 3)), "kernel_size"),
    (dict(filters=4, kernel_size=3, data_format="nhwc"), "data_format"),
])
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.Conv2D(**kwargs)


@pytest.mark.parametrize("make,message", [
    (lambda: layers.Conv2D(0, 3), "Invalid value for argument `filters`. Expected a strictly "
                                  "positive value. Received filters=0."),
    (lambda: layers.Conv1DTranspose(-1, 3), "Invalid value for argument `filters`. Expected a "
                                            "strictly positive value. Received filters=-1."),
    (lambda: layers.SeparableConv1D(0, 3), "Invalid value for argument `filters`. Expected a "
                                           "strictly positive value. Received filters=0."),
    (lambda: layers.DepthwiseConv1D(3, depth_multiplier=0),
     "Invalid value for argument `depth_multiplier`. Expected a strictly positive value. "
     "Received depth_multiplier=0."),
    (lambda: layers.Conv2D(4, 3, groups=0),
     "The number of groups must be a positive integer. Received: groups=0."),
    (lambda: layers.Conv1D(4, 3, strides=2, dilation_rate=2),
     "`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
     "strides=(2,) and dilation_rate=(2,)"),
])
def test_bad_counts_and_strides_with_dilation_raise_keras_words(make, message):
    """Keras 3.15's messages (tests/fixtures/keras_examples21_convnorm.json), a hint after
    them at most."""
    with pytest.raises(ValueError) as raised:
        make()
    assert str(raised.value).startswith(message)


def test_input_channels_not_divisible_by_groups():
    with pytest.raises(ValueError, match="input channels"):
        layers.Conv2D(4, 3, groups=2)(np.zeros((1, 5, 5, 3), "float32"))


def test_integer_images_are_cast_to_the_layer_dtype():
    x = np.arange(9, dtype="uint8").reshape(1, 3, 3, 1)
    out = layers.Conv2D(1, 2, kernel_initializer="ones")(x)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy()[0, :, :, 0], [[8, 12], [20, 24]])
