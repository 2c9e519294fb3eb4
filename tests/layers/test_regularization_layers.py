"""Regularization layers: ActivityRegularization, and the noise layers GaussianNoise,
GaussianDropout, AlphaDropout, SpatialDropout1D/2D/3D (training only,
noise statistics against their formulas, determinism under set_random_seed, configs, errors)."""
import math

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.autodiff import grad
from minikeras.autodiff.tensor import Tensor

# SELU constants (Klambauer et al. 2017), used to derive AlphaDropout's expected values
ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946

NOISE = [lambda: layers.GaussianNoise(0.5), lambda: layers.GaussianDropout(0.3),
         lambda: layers.AlphaDropout(0.3), lambda: layers.SpatialDropout1D(0.5)]


@pytest.mark.parametrize("make", NOISE)
def test_identity_at_inference(make):
    x = Tensor(np.random.default_rng(0).standard_normal((4, 5, 3)).astype("float32"))
    layer = make()
    assert layer(x) is x
    assert layer(x, training=False) is x
    assert not np.array_equal(layer(x, training=True).numpy(), x.numpy())


@pytest.mark.parametrize("make", NOISE)
def test_repeatable_under_set_random_seed(make):
    x = np.ones((8, 6, 3), "float32")
    keras.utils.set_random_seed(7)
    first = make()(x, training=True).numpy()
    keras.utils.set_random_seed(7)
    layer = make()
    second = layer(x, training=True).numpy()
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(second, layer(x, training=True).numpy())  # fresh noise per call


def test_explicit_seed_gives_the_same_noise():
    x = np.zeros((3, 4), "float32")
    a = layers.GaussianNoise(0.2, seed=11)(x, training=True).numpy()
    b = layers.GaussianNoise(0.2, seed=11)(x, training=True).numpy()
    np.testing.assert_array_equal(a, b)


def test_gaussian_noise_statistics_and_gradient():
    x = np.full((500, 200), 3.0, "float32")
    out = layers.GaussianNoise(0.25, seed=0)(x, training=True).numpy()
    assert abs(out.mean() - 3.0) < 0.005          # std of the mean: 0.25/sqrt(1e5) ≈ 0.0008
    assert out.std() == pytest.approx(0.25, rel=0.02)
    t = Tensor(x[:2, :3], requires_grad=True)
    (g,) = grad(layers.GaussianNoise(0.25)(t, training=True), [t], np.ones((2, 3), "float32"))
    np.testing.assert_array_equal(g, np.ones((2, 3)))  # additive noise: d out / d x = 1


def test_gaussian_dropout_statistics_and_gradient():
    rate = 0.2
    x = np.ones((500, 200), "float32")
    out = layers.GaussianDropout(rate, seed=0)(x, training=True).numpy()
    assert abs(out.mean() - 1.0) < 0.005
    assert out.std() == pytest.approx(math.sqrt(rate / (1 - rate)), rel=0.02)  # 0.5
    t = Tensor(np.full((2, 3), 2.0, "float32"), requires_grad=True)
    y = layers.GaussianDropout(rate, seed=1)(t, training=True)
    (g,) = grad(y, [t], np.ones((2, 3), "float32"))
    np.testing.assert_allclose(g, y.numpy() / 2.0, rtol=1e-6)  # d (x·n) / dx = n


def test_alpha_dropout_values_by_formula():
    rate = 0.25
    a = ((1 - rate) * (1 + rate * ALPHA_P ** 2)) ** -0.5
    b = -a * ALPHA_P * rate
    x = np.random.default_rng(1).standard_normal((400, 250)).astype("float32")
    out = layers.AlphaDropout(rate, seed=3)(x, training=True).numpy()
    dropped = np.isclose(out, a * ALPHA_P + b, atol=1e-6) & ~np.isclose(out, a * x + b)
    kept = np.isclose(out, a * x + b, rtol=1e-5, atol=1e-6)
    assert np.all(dropped | kept)
    assert dropped.mean() == pytest.approx(rate, abs=0.01)
    # self-normalizing: zero-mean unit-variance inputs keep mean 0 and variance 1
    assert abs(out.mean()) < 0.02
    assert out.std() == pytest.approx(1.0, abs=0.02)


def test_alpha_dropout_noise_shape_broadcasts():
    x = np.ones((50, 6, 4), "float32")
    out = layers.AlphaDropout(0.5, noise_shape=(None, 1, 4), seed=2)(x, training=True).numpy()
    assert np.all(out == out[:, :1, :])            # one decision per (sample, feature)
    assert len(np.unique(out)) == 2
    with pytest.raises(ValueError, match="noise_shape"):
        layers.AlphaDropout(0.5, noise_shape=(None, 1))(x, training=True)


@pytest.mark.parametrize("cls, shape, channel_axis, data_format", [
    (layers.SpatialDropout1D, (40, 7, 30), 2, None),
    (layers.SpatialDropout2D, (40, 3, 4, 30), 3, None),
    (layers.SpatialDropout2D, (40, 30, 3, 4), 1, "channels_first"),
    (layers.SpatialDropout3D, (40, 2, 2, 3, 30), 4, "channels_last"),
    (layers.SpatialDropout3D, (40, 30, 2, 2, 3), 1, "channels_first"),
])
def test_spatial_dropout_drops_whole_channels(cls, shape, channel_axis, data_format):
    rate = 0.4
    kwargs = {} if data_format is None else {"data_format": data_format}
    x = np.random.default_rng(0).uniform(1, 2, shape).astype("float32")
    out = cls(rate, seed=5, **kwargs)(x, training=True).numpy()
    ratio = out / x                                  # 0 (dropped) or 1/(1-rate) (kept)
    assert np.all(np.isclose(ratio, 0) | np.isclose(ratio, 1 / (1 - rate)))
    spatial = tuple(a for a in range(1, len(shape)) if a != channel_axis)
    zero = out == 0
    np.testing.assert_array_equal(zero.all(axis=spatial), zero.any(axis=spatial))  # whole maps
    assert zero.all(axis=spatial).mean() == pytest.approx(rate, abs=0.06)   # 1200 channels


def test_spatial_dropout_config_matches_keras_keys():
    config = layers.SpatialDropout2D(0.3, seed=4, name="sd").get_config()
    assert config == {"rate": 0.3, "seed": 4, "name": "sd", "dtype": "float32",
                      "data_format": "channels_last"}
    assert set(layers.SpatialDropout1D(0.1).get_config()) == {"rate", "seed", "name", "dtype"}
    rebuilt = layers.SpatialDropout3D.from_config(
        layers.SpatialDropout3D(0.2, data_format="channels_first").get_config())
    assert rebuilt.data_format == "channels_first" and rebuilt.noise_shape == (None, None, 1, 1, 1)


def test_noise_configs():
    assert layers.GaussianNoise(0.1, seed=2).get_config()["stddev"] == 0.1
    config = layers.AlphaDropout(0.1, noise_shape=(None, 1, 3), seed=1).get_config()
    assert (config["rate"], config["noise_shape"], config["seed"]) == (0.1, (None, 1, 3), 1)
    assert layers.GaussianDropout.from_config(
        layers.GaussianDropout(0.3, seed=9).get_config()).seed == 9


@pytest.mark.parametrize("cls, arg", [(layers.GaussianNoise, "stddev"),
                                      (layers.GaussianDropout, "rate"),
                                      (layers.AlphaDropout, "rate"),
                                      (layers.SpatialDropout2D, "rate")])
@pytest.mark.parametrize("bad", [-0.1, 1.5, "0.5", True, None])
def test_bad_rates(cls, arg, bad):
    with pytest.raises(ValueError, match=arg):
        cls(bad)


@pytest.mark.parametrize("cls", [layers.GaussianDropout, layers.AlphaDropout])
def test_rate_one_is_refused_at_training_time(cls):
    layer = cls(1.0)
    x = np.ones((2, 2), "float32")
    assert layer(x).shape == (2, 2)                 # inference is still the identity
    with pytest.raises(ValueError, match="below 1"):
        layer(x, training=True)


def test_spatial_dropout_wrong_rank():
    with pytest.raises(ValueError, match="expected ndim=4"):
        layers.SpatialDropout2D(0.5)(np.ones((2, 3, 4), "float32"))
    with pytest.raises(ValueError, match="data_format"):
        layers.SpatialDropout2D(0.5, data_format="channels_middle")


def test_activity_regularization_penalty_by_hand():
    x = np.array([[1.0, -2.0], [3.0, 0.0]], "float32")
    layer = layers.ActivityRegularization(l1=0.5, l2=1.0)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    # (0.5·Σ|x| + 1.0·Σx²) / batch = (0.5·6 + 14) / 2
    assert [float(v) for v in layer.losses] == [pytest.approx(8.5)]
    model = keras.Sequential([keras.Input((2,)), layers.ActivityRegularization(l1=0.5, l2=1.0)])
    model.compile(loss="mse", optimizer="sgd")
    assert model.evaluate(x, x, verbose=0) == pytest.approx(8.5)  # mse 0 + penalty


def test_activity_regularization_config_and_errors():
    config = layers.ActivityRegularization(l1=0.1).get_config()
    assert config["l1"] == 0.1 and config["l2"] == 0.0 and "activity_regularizer" not in config
    assert layers.ActivityRegularization.from_config(config).activity_regularizer.l1 == 0.1
    with pytest.raises(ValueError):
        layers.ActivityRegularization(l1=-1.0)
