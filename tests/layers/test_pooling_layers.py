"""Max / average pooling (1-D, 2-D, 3-D) and global pooling."""
import itertools
import json

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.autodiff import grad
from minikeras.autodiff.gradcheck import gradcheck

rng = np.random.default_rng(11)


def as_tensor(x):
    return keras.ops.convert_to_tensor(x)


def ref_pool(x, pool, strides, padding, reduce):
    """Loop reference, channels_last: reduce over the real elements of each TF-placed window."""
    rank = x.ndim - 2
    spatial = x.shape[1:-1]
    if padding == "valid":
        out = [(n - k) // s + 1 for n, k, s in zip(spatial, pool, strides)]
        before = [0] * rank
    else:
        out = [-(-n // s) for n, s in zip(spatial, strides)]
        before = [max((o - 1) * s + k - n, 0) // 2
                  for o, n, k, s in zip(out, spatial, pool, strides)]
    y = np.zeros([x.shape[0]] + out + [x.shape[-1]])
    for n in range(x.shape[0]):
        for o in itertools.product(*(range(m) for m in out)):
            for c in range(x.shape[-1]):
                values = []
                for a in itertools.product(*(range(k) for k in pool)):
                    pos = tuple(o[i] * strides[i] + a[i] - before[i] for i in range(rank))
                    if all(0 <= p < m for p, m in zip(pos, spatial)):
                        values.append(x[(n,) + pos + (c,)])
                y[(n,) + o + (c,)] = reduce(values)
    return y


# ---- Keras's verified values --------------------------------------------------------------------

def test_average_pooling_1d_same_averages_only_real_elements():
    x = np.array([0, 1, 2, 3], "float32").reshape(1, 4, 1)
    out = layers.AveragePooling1D(4, strides=1, padding="same")(x).numpy().ravel()
    np.testing.assert_allclose(out, [1.0, 1.5, 2.0, 2.5])  # TF/JAX/NumPy, not torch


def test_average_pooling_2d_same_on_5x5():
    x = np.arange(25, dtype="float32").reshape(1, 5, 5, 1)
    out = layers.AvgPool2D(2, padding="same")(x).numpy()[0, :, :, 0]
    np.testing.assert_allclose(out, [[3, 5, 6.5], [13, 15, 16.5], [20.5, 22.5, 24]])


def test_max_pooling_2d_default_is_2x2_stride_2():
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    out = layers.MaxPooling2D()(x).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(out, [[5, 7], [13, 15]])


def test_max_pooling_same_never_picks_the_padding():
    x = -np.arange(1, 6, dtype="float32").reshape(1, 5, 1)  # all negative: zeros would win
    out = layers.MaxPooling1D(2, padding="same")(x).numpy().ravel()
    np.testing.assert_array_equal(out, [-1, -3, -5])


# ---- differential tests --------------------------------------------------------------------------

POOL_CASES = [((2, 2), None, "valid"), ((3, 3), (2, 2), "valid"), ((3, 2), (1, 2), "same"),
              ((2, 3), (3, 1), "same"), ((4, 4), (2, 3), "same")]


@pytest.mark.parametrize("pool,strides,padding", POOL_CASES)
@pytest.mark.parametrize("kind", ["max", "average"])
def test_pooling_2d_matches_loop_reference(kind, pool, strides, padding):
    x = rng.standard_normal((2, 7, 6, 3))
    cls = layers.MaxPooling2D if kind == "max" else layers.AveragePooling2D
    layer = cls(pool, strides=strides, padding=padding, dtype="float64")
    expected = ref_pool(x, pool, strides or pool, padding, max if kind == "max" else np.mean)
    out = layer(as_tensor(x)).numpy()
    assert out.shape == expected.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(out, expected, atol=1e-12)


@pytest.mark.parametrize("cls,reduce", [(layers.MaxPooling1D, max),
                                        (layers.AveragePooling1D, np.mean)])
def test_pooling_1d_matches_loop_reference(cls, reduce):
    x = rng.standard_normal((2, 9, 2))
    out = cls(3, strides=2, padding="same", dtype="float64")(as_tensor(x)).numpy()
    np.testing.assert_allclose(out, ref_pool(x, (3,), (2,), "same", reduce), atol=1e-12)


@pytest.mark.parametrize("cls,reduce", [(layers.MaxPooling3D, max),
                                        (layers.AveragePooling3D, np.mean)])
def test_pooling_3d_matches_loop_reference(cls, reduce):
    x = rng.standard_normal((1, 4, 5, 3, 2))
    out = cls((2, 2, 2), padding="same", dtype="float64")(as_tensor(x)).numpy()
    np.testing.assert_allclose(out, ref_pool(x, (2, 2, 2), (2, 2, 2), "same", reduce),
                               atol=1e-12)


@pytest.mark.parametrize("cls", [layers.MaxPooling2D, layers.AveragePooling2D])
def test_channels_first_equals_transposed_channels_last(cls):
    x = rng.standard_normal((2, 5, 7, 3)).astype("float32")
    last = cls((2, 3), strides=(2, 2), padding="same")(x).numpy()
    first = cls((2, 3), strides=(2, 2), padding="same", data_format="channels_first")
    np.testing.assert_allclose(first(x.transpose(0, 3, 1, 2)).numpy(),
                               last.transpose(0, 3, 1, 2), atol=1e-6)
    assert first.compute_output_shape((None, 3, 5, 7)) == (None, 3, 3, 4)


# ---- gradients -----------------------------------------------------------------------------------

def distinct(*shape):
    """No ties, so each window has a unique maximum."""
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1


@pytest.mark.parametrize("layer", [
    layers.MaxPooling2D((2, 3), strides=(1, 2), padding="same", dtype="float64"),
    layers.MaxPooling1D(3, strides=2, dtype="float64"),
    layers.AveragePooling2D((3, 3), strides=2, padding="same", dtype="float64"),
    layers.AveragePooling1D(2, padding="same", dtype="float64"),
    layers.GlobalAveragePooling2D(dtype="float64"),
    layers.GlobalMaxPooling1D(keepdims=True, dtype="float64"),
], ids=lambda layer: type(layer).__name__)
def test_gradients_wrt_inputs(layer):
    rank = 2 if "2D" in type(layer).__name__ else 1
    x = distinct(2, *(5, 4)[:rank], 3)
    assert gradcheck(layer.call, x)


def test_max_pool_gradient_goes_to_the_maximum_only():
    x = keras.ops.convert_to_tensor(np.array([[1, 5], [3, 2]], "float32").reshape(1, 2, 2, 1))
    x.requires_grad = True
    y = layers.MaxPooling2D()(x)
    (g,) = grad(y, [x])
    np.testing.assert_array_equal(g[0, :, :, 0], [[0, 1], [0, 0]])


def test_max_pool_tie_gives_the_gradient_to_the_first_maximum():
    # TensorFlow and PyTorch route a tied window's gradient to its first maximum (row-major)
    x = keras.ops.convert_to_tensor(np.array([[1, 4], [4, 4]], "float32").reshape(1, 2, 2, 1))
    x.requires_grad = True
    (g,) = grad(layers.MaxPooling2D()(x), [x])
    np.testing.assert_array_equal(g[0, :, :, 0], [[0, 1], [0, 0]])


# ---- global pooling ------------------------------------------------------------------------------

def test_global_pooling_values_and_shapes():
    x = np.arange(24, dtype="float32").reshape(2, 3, 2, 2)
    np.testing.assert_allclose(layers.GlobalAveragePooling2D()(x).numpy(),
                               [[5, 6], [17, 18]])
    np.testing.assert_allclose(layers.GlobalMaxPool2D()(x).numpy(), [[10, 11], [22, 23]])
    kept = layers.GlobalAvgPool2D(keepdims=True)
    assert kept(x).shape == (2, 1, 1, 2) == kept.compute_output_shape((2, 3, 2, 2))
    first = layers.GlobalMaxPooling2D(data_format="channels_first")
    np.testing.assert_allclose(first(x).numpy(), x.max(axis=(2, 3)))
    assert layers.GlobalAveragePooling1D().compute_output_shape((None, 7, 4)) == (None, 4)


def test_global_average_pooling_1d_honours_a_mask():
    x = np.array([[[1.0], [3.0], [100.0]]], "float32")
    mask = np.array([[True, True, False]])
    out = layers.GlobalAveragePooling1D()(x, mask=mask).numpy()
    np.testing.assert_allclose(out, [[2.0]])


# ---- config, names, errors -----------------------------------------------------------------------

@pytest.mark.parametrize("layer", [
    layers.MaxPooling2D((3, 2), strides=1, padding="same"),
    layers.AveragePooling1D(4, strides=2),
    layers.AveragePooling3D(2, data_format="channels_first"),
    layers.GlobalAveragePooling2D(keepdims=True),
    layers.GlobalMaxPooling1D(),
], ids=lambda layer: type(layer).__name__)
def test_config_round_trip_through_json(layer):
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert type(rebuilt) is type(layer) and rebuilt.get_config() == layer.get_config()


def test_pooling_config_keys():
    config = layers.MaxPooling2D().get_config()
    assert config["pool_size"] == (2, 2) and config["strides"] == (2, 2)
    assert config["padding"] == "valid" and config["data_format"] == "channels_last"


def test_names_and_aliases_are_registered():
    pairs = {"MaxPooling1D": "MaxPool1D", "MaxPooling2D": "MaxPool2D", "MaxPooling3D": "MaxPool3D",
             "AveragePooling1D": "AvgPool1D", "AveragePooling2D": "AvgPool2D",
             "AveragePooling3D": "AvgPool3D", "GlobalAveragePooling1D": "GlobalAvgPool1D",
             "GlobalAveragePooling2D": "GlobalAvgPool2D", "GlobalMaxPooling2D": "GlobalMaxPool2D",
             "GlobalMaxPooling3D": "GlobalMaxPool3D"}
    for name, alias in pairs.items():
        assert layers.LAYERS.lookup(name) is layers.LAYERS.lookup(alias) is getattr(layers, name)
        assert getattr(layers, alias) is getattr(layers, name)


def test_average_pooling_2d_requires_pool_size_and_says_what_to_pass():
    with pytest.raises(TypeError, match=r"pool_size=\(2, 2\)") as raised:
        layers.AveragePooling2D()
    # Python's words for Keras 3.15's required argument come first
    assert str(raised.value).startswith(
        "AveragePooling2D.__init__() missing 1 required positional argument: 'pool_size'. ")


@pytest.mark.parametrize("padding", ["causal", "full"])
def test_a_pooling_padding_other_than_valid_or_same_gets_keras_words(padding):
    """Keras 3.15 on jax: "Invalid padding 'causal', must be 'same' or 'valid'." (its
    layers take any padding and fail in the call)."""
    with pytest.raises(ValueError, match=f"^Invalid padding '{padding}', must be 'same' or "
                                         f"'valid'.$"):
        layers.MaxPooling1D(2, padding=padding.upper())


def test_non_positive_output_size_names_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"shape=\[1 2 2 1\]`, `pool_size=\[3 3\].*'tiny'"):
        layers.MaxPooling2D(3, name="tiny")(np.zeros((1, 2, 2, 1), "float32"))


def test_wrong_input_rank_raises():
    with pytest.raises(ValueError, match="expected ndim=4"):
        layers.MaxPooling2D()(np.zeros((2, 4, 4), "float32"))
    with pytest.raises(ValueError, match="expected ndim=3"):
        layers.GlobalAveragePooling1D()(np.zeros((2, 4, 4, 1), "float32"))


@pytest.mark.parametrize("kwargs,match", [(dict(pool_size=0), "pool_size"),
                                          (dict(padding="causal"), "padding"),
                                          (dict(strides=(1, 2, 3)), "strides")])
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.MaxPooling2D(**kwargs)


def test_a_float_pool_size_gets_keras_error():
    with pytest.raises(ValueError, match=r"The `pool_size` argument must be a tuple of 2 "
                                         r"integers\. Received pool_size=2\.0"):
        layers.MaxPooling2D(pool_size=2.0)


@pytest.mark.parametrize("cls", [layers.AveragePooling1D, layers.AveragePooling2D])
def test_average_pooling_of_integers_is_float32(cls):
    """Keras 3.15 on jax averages an int32 input in float32 (the round-21 fixture)."""
    x = np.arange(2 * 4 * 4 * 3, dtype="int32").reshape((2, 4, 4, 3) if cls.rank == 2
                                                        else (2, 16, 3)) % 7
    y = cls(2)(x)
    assert keras.backend.standardize_dtype(y.dtype) == "float32"
    np.testing.assert_allclose(y.numpy(), cls(2)(x.astype("float32")).numpy())
