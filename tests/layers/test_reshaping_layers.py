"""Permute, RepeatVector, ZeroPadding1D/2D/3D, UpSampling1D/2D/3D and Cropping1D/2D/3D."""
import json
import re

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.autodiff import grad
from minikeras.autodiff.gradcheck import gradcheck
from minikeras.autodiff.tensor import Tensor

X = np.arange(4, dtype="float32").reshape(1, 2, 2, 1)   # [[0, 1], [2, 3]]


def test_zero_padding_2d_values_and_shape():
    layer = layers.ZeroPadding2D(((1, 0), (0, 2)))
    out = layer(X).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(out, [[0, 0, 0, 0], [0, 1, 0, 0], [2, 3, 0, 0]])
    assert layer.compute_output_shape((None, 2, 2, 1)) == (None, 3, 4, 1)
    assert layers.ZeroPadding2D()(X).shape == (1, 4, 4, 1)
    assert layers.ZeroPadding2D((1, 2), data_format="channels_first")(
        np.zeros((1, 3, 2, 2), "float32")).shape == (1, 3, 4, 6)
    assert layers.ZeroPadding1D(2)(np.ones((1, 3, 2), "float32")).numpy()[0, :, 0].tolist() \
        == [0, 0, 1, 1, 1, 0, 0]
    assert layers.ZeroPadding3D(1)(np.ones((1, 1, 2, 3, 1), "float32")).shape == (1, 3, 4, 5, 1)


def test_up_sampling_repeats_nearest_neighbours():
    out = layers.UpSampling2D((2, 3))(X).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(out, [[0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 1],
                                        [2, 2, 2, 3, 3, 3], [2, 2, 2, 3, 3, 3]])
    first = layers.UpSampling2D(data_format="channels_first")
    np.testing.assert_array_equal(first(X.transpose(0, 3, 1, 2)).numpy()[0, 0],
                                  [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]])
    np.testing.assert_array_equal(
        layers.UpSampling1D(3)(np.array([[[1.0], [2.0]]], "float32")).numpy().ravel(),
        [1, 1, 1, 2, 2, 2])
    assert layers.UpSampling3D()(np.ones((1, 1, 2, 3, 2), "float32")).shape == (1, 2, 4, 6, 2)
    with pytest.raises(ValueError, match=r"Expected one of \['nearest'\]"):
        layers.UpSampling3D(interpolation="bilinear")  # only UpSampling2D resizes


def test_permute_and_repeat_vector():
    x = np.arange(6, dtype="float32").reshape(1, 2, 3)
    np.testing.assert_array_equal(layers.Permute((2, 1))(x).numpy(), x.transpose(0, 2, 1))
    assert layers.Permute((2, 1)).compute_output_shape((None, 2, 3)) == (None, 3, 2)
    out = layers.RepeatVector(3)(np.array([[1.0, 2.0]], "float32")).numpy()
    np.testing.assert_array_equal(out, [[[1, 2], [1, 2], [1, 2]]])
    with pytest.raises(ValueError, match="dims"):
        layers.Permute((1, 3))
    with pytest.raises(ValueError, match="`n` should be a positive integer. Received: n=0"):
        layers.RepeatVector(0)
    with pytest.raises(TypeError, match="integer value for `n`"):
        layers.RepeatVector(2.0)


@pytest.mark.parametrize("layer,shape", [
    (layers.ZeroPadding2D(((1, 0), (2, 1)), dtype="float64"), (1, 2, 3, 2)),
    (layers.UpSampling2D((2, 1), dtype="float64"), (1, 2, 3, 2)),
    (layers.UpSampling1D(2, dtype="float64"), (2, 3, 2)),
    (layers.RepeatVector(2, dtype="float64"), (2, 3)),
    (layers.Permute((3, 1, 2), dtype="float64"), (1, 2, 3, 2)),
], ids=lambda v: type(v).__name__ if not isinstance(v, tuple) else str(v))
def test_gradients(layer, shape):
    layer.build((None,) + shape[1:])
    assert gradcheck(layer.call, np.random.default_rng(0).standard_normal(shape))


@pytest.mark.parametrize("layer", [
    layers.ZeroPadding2D(((1, 0), (2, 1))), layers.ZeroPadding1D(3), layers.UpSampling2D(3),
    layers.UpSampling1D(4), layers.Permute((2, 1)), layers.RepeatVector(5),
], ids=lambda layer: type(layer).__name__)
def test_config_round_trip(layer):
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert type(rebuilt) is type(layer) and rebuilt.get_config() == layer.get_config()


def test_cropping1d_values_and_defaults():
    x = np.arange(10.0, dtype="float32").reshape(1, 5, 2)
    np.testing.assert_array_equal(layers.Cropping1D()(x).numpy(), x[:, 1:4])
    np.testing.assert_array_equal(layers.Cropping1D((2, 0))(x).numpy(), x[:, 2:])
    np.testing.assert_array_equal(layers.Cropping1D(2)(x).numpy(), x[:, 2:3])
    assert layers.Cropping1D((1, 2)).compute_output_shape((None, None, 7)) == (None, None, 7)
    assert layers.Cropping1D((1, 2)).compute_output_shape((None, 9, 7)) == (None, 6, 7)
    assert layers.Cropping1D((0, 1)).get_config()["cropping"] == (0, 1)


def test_cropping2d_and_3d_values():
    x = np.arange(16.0, dtype="float32").reshape(1, 4, 4, 1)
    out = layers.Cropping2D(((1, 0), (0, 2)))(x).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(out, [[4, 5], [8, 9], [12, 13]])
    first = layers.Cropping2D(1, data_format="channels_first")
    np.testing.assert_array_equal(first(x.reshape(1, 1, 4, 4)).numpy()[0, 0], [[5, 6], [9, 10]])
    assert first.compute_output_shape((None, 3, 8, 6)) == (None, 3, 6, 4)
    assert layers.Cropping2D((1, 2)).cropping == ((1, 1), (2, 2))
    v = np.arange(64.0, dtype="float32").reshape(1, 4, 4, 4, 1)
    np.testing.assert_array_equal(layers.Cropping3D()(v).numpy(), v[:, 1:3, 1:3, 1:3])
    assert layers.Cropping3D().compute_output_shape((None, 5, 6, 7, 2)) == (None, 3, 4, 5, 2)


def test_cropping_gradcheck():
    rng = np.random.default_rng(3)
    gradcheck(lambda t: layers.Cropping2D(((1, 0), (1, 1)), dtype="float64")(t),
              rng.standard_normal((2, 3, 4, 2)))
    # the gradient is one where an element survives the crop, zero where it was cut
    t = Tensor(np.ones((1, 4, 1), "float32"), requires_grad=True)
    (g,) = grad(layers.Cropping1D((1, 2))(t), [t], np.ones((1, 1, 1), "float32"))
    np.testing.assert_array_equal(g[0, :, 0], [0, 1, 0, 0])


@pytest.mark.parametrize("cls, bad", [(layers.Cropping1D, (1,)), (layers.Cropping1D, (1, 2, 3)),
                                      (layers.Cropping1D, "1"), (layers.Cropping1D, -1),
                                      (layers.Cropping2D, (1, 2, 3)),
                                      (layers.Cropping2D, ((1, 2, 3), 1)),
                                      (layers.Cropping2D, ((1, -1), 0)),
                                      (layers.Cropping3D, 1.5)])
def test_cropping_bad_argument(cls, bad):
    with pytest.raises(ValueError, match="cropping"):
        cls(bad)


def test_cropping_more_than_available_and_wrong_rank():
    # Keras 3.15's words (tests/fixtures/keras_examples21_convnorm.json): the call names
    # inputs.shape, compute_output_shape input_shape
    with pytest.raises(ValueError, match=re.escape(
            "`cropping` parameter of `Cropping1D` layer must be smaller than the input length. "
            "Received: inputs.shape=(1, 5, 2), cropping=(3, 3)")):
        layers.Cropping1D((3, 3))(np.ones((1, 5, 2), "float32"))
    too_much = ("Values in `cropping` argument should be smaller than the corresponding "
                "spatial dimension of the input. Received: ")
    with pytest.raises(ValueError, match=re.escape(
            too_much + "input_shape=(None, 4, 4, 1), cropping=((2, 2), (2, 2))")):
        layers.Cropping2D(2).compute_output_shape((None, 4, 4, 1))
    with pytest.raises(ValueError, match=re.escape(too_much)):
        keras.Sequential([keras.Input((4, 4, 1)), layers.Cropping2D(2)])
    with pytest.raises(ValueError, match="expected ndim=4"):
        layers.Cropping2D(1)(np.ones((1, 5, 2), "float32"))


def test_upsampling2d_interpolations_match_keras():
    import os
    fixture = np.load(os.path.join(os.path.dirname(__file__), "..", "fixtures",
                                   "keras_image_preprocessing.npz"))
    img = fixture["img"]
    for method in ("bilinear", "bicubic"):
        out = layers.UpSampling2D((2, 3), interpolation=method)(img)
        np.testing.assert_allclose(out.numpy(), fixture[f"upsample_{method}"], rtol=1e-5,
                                   atol=2e-3)
    first = layers.UpSampling2D(2, data_format="channels_first", interpolation="bilinear")
    np.testing.assert_allclose(
        np.transpose(first(np.transpose(img, (0, 3, 1, 2))).numpy(), (0, 2, 3, 1)),
        layers.UpSampling2D(2, interpolation="bilinear")(img).numpy(), rtol=1e-6)
    layer = layers.UpSampling2D(interpolation="Bilinear")
    assert layer.get_config()["interpolation"] == "bilinear"
    with pytest.raises(ValueError, match="Expected one of.*Received: interpolation='cubic'"):
        layers.UpSampling2D(interpolation="cubic")


def test_zero_padding1d_before_after_pair_matches_keras():
    import os
    fixture = np.load(os.path.join(os.path.dirname(__file__), "..", "fixtures",
                                   "keras_image_preprocessing.npz"))
    x = fixture["img"][..., 0]
    layer = layers.ZeroPadding1D((1, 2))
    np.testing.assert_array_equal(layer(x).numpy(), fixture["zeropad1d_out"])
    assert layer.compute_output_shape((None, 7, 9)) == (None, 10, 9)
    assert layer.get_config()["padding"] == (1, 2)
    rebuilt = layers.ZeroPadding1D.from_config(layer.get_config())
    assert rebuilt.padding == ((1, 2),)
    with pytest.raises(ValueError, match="non-negative"):
        layers.ZeroPadding1D((1, -2))


def test_reshape_with_an_unknown_input_axis_leaves_the_minus_one_axis_unknown():
    # (None, None, 4) -> target (-1, 2): the -1 axis is only known per batch, so Keras
    # 3.15 reports None there (never the literal -1)
    layer = layers.Reshape((-1, 2))
    assert layer.compute_output_shape((None, None, 4)) == (None, None, 2)
    assert layer(keras.Input((None, 4))).shape == (None, None, 2)
    assert layer(np.zeros((1, 3, 4), "float32")).shape == (1, 6, 2)
    assert layers.Reshape((-1, 2)).compute_output_shape((None, 3, 4)) == (None, 6, 2)


def test_flatten_on_a_batch_of_zero_samples():
    """(0, 2, 3) -> (0, 6), as Keras 3.15 (numpy cannot infer a -1 beside a 0)."""
    out = layers.Flatten()(np.zeros((0, 2, 3), "float32"))
    assert out.shape == (0, 6)


@pytest.mark.parametrize("cls, padding, message", [
    (layers.ZeroPadding2D, (1, 1, 1), "`padding` should have two elements. Received: "
                                      "padding=(1, 1, 1)."),
    (layers.ZeroPadding3D, (1, 1), "`padding` should have 3 elements. Received: (1, 1)."),
])
def test_zero_padding_of_another_length_than_the_axes_has_keras_words(cls, padding, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        cls(padding)
