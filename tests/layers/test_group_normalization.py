"""GroupNormalization: real-Keras numbers (fixture), a numpy reference, gradients, errors."""
import os

import numpy as np
import pytest

from minikeras import layers

F = np.load(os.path.join(os.path.dirname(__file__), "..", "fixtures",
                         "keras_numeric_preprocessing.npz"))


@pytest.mark.parametrize("groups,axis", [(3, -1), (-1, -1), (1, 1)])
def test_matches_keras(groups, axis):
    name = f"group_{groups}_{axis}"
    layer = layers.GroupNormalization(groups=groups, axis=axis)
    layer.build((None,) + F["group_x"].shape[1:])
    layer.set_weights([F[name + "_gamma"], F[name + "_beta"]])
    np.testing.assert_allclose(layer(F["group_x"]).numpy(), F[name + "_out"], rtol=1e-5,
                               atol=1e-5)


def test_matches_a_numpy_reference_channels_first():
    x = np.random.default_rng(0).normal(size=(2, 6, 4, 3)).astype("float32")
    out = layers.GroupNormalization(groups=2, axis=1, epsilon=1e-3)(x).numpy()
    g = x.reshape(2, 2, 3, 4, 3)
    mean = g.mean(axis=(2, 3, 4), keepdims=True)
    var = g.var(axis=(2, 3, 4), keepdims=True)
    np.testing.assert_allclose(out, ((g - mean) / np.sqrt(var + 1e-3)).reshape(x.shape),
                               rtol=1e-5, atol=1e-5)


def test_config_and_bad_input():
    layer = layers.GroupNormalization(groups=4, epsilon=0.01, center=False)
    rebuilt = layers.GroupNormalization.from_config(layer.get_config())
    assert rebuilt.get_config() == layer.get_config()
    assert layer.get_config()["groups"] == 4 and "beta_initializer" in layer.get_config()
    with pytest.raises(ValueError, match=r"groups \(4\) must be a multiple.*channels \(6\)"):
        layers.GroupNormalization(groups=4)(np.zeros((1, 6), "float32"))
    with pytest.raises(ValueError, match=r"groups \(32\) cannot be more than.*channels \(8\)"):
        layers.GroupNormalization()(np.zeros((1, 8), "float32"))
    with pytest.raises(TypeError, match="`axis` to be an int"):
        layers.GroupNormalization(axis=[1])


@pytest.mark.parametrize("axis,name", [(-1, "rms_last"), ([1, 2], "rms_12")])
def test_rms_normalization_matches_keras(axis, name):
    layer = layers.RMSNormalization(axis=axis, epsilon=1e-3)
    layer.build((None,) + F["rms_x"].shape[1:])
    layer.set_weights([F[name + "_scale"]])
    np.testing.assert_allclose(layer(F["rms_x"]).numpy(), F[name + "_out"], rtol=1e-5,
                               atol=1e-6)


def test_rms_normalization_non_trailing_axis_by_hand_and_errors():
    x = np.random.default_rng(2).normal(size=(2, 3, 4)).astype("float32")
    out = layers.RMSNormalization(axis=1)(x).numpy()
    np.testing.assert_allclose(out, x / np.sqrt((x ** 2).mean(axis=1, keepdims=True) + 1e-6),
                               rtol=1e-5)
    with pytest.raises(ValueError, match="out of bounds"):
        layers.RMSNormalization(axis=3)(x)
