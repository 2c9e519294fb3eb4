"""Adaptive average / max pooling: Keras's numbers (fixture made by
tools/make_layers_coverage_fixture.py), windows by hand, gradients, bad input."""
import json
from pathlib import Path

import numpy as np
import pytest

from minikeras import layers
from minikeras.autodiff.gradcheck import gradcheck

E = np.load(Path(__file__).parents[1] / "fixtures" / "keras_layers_coverage.npz")
SIZES = {1: 4, 2: (3, 2), 3: (2, 3, 4)}


@pytest.mark.parametrize("kind", ["Average", "Max"])
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_outputs_match_keras(kind, rank):
    layer = getattr(layers, f"Adaptive{kind}Pooling{rank}D")(SIZES[rank])
    np.testing.assert_allclose(layer(E[f"pool{rank}_x"]).numpy(), E[f"{kind}{rank}_out"],
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kind", ["Average", "Max"])
def test_channels_first_and_config_match_keras(kind):
    layer = getattr(layers, f"Adaptive{kind}Pooling2D")((3, 2), data_format="channels_first")
    x = E["pool2_x"]
    out = layer(x)
    np.testing.assert_allclose(out.numpy(), E[f"{kind}2_first_out"], rtol=1e-6, atol=1e-6)
    assert layer.compute_output_shape(x.shape) == out.shape == (2, 7, 3, 2)
    expected = json.loads(str(E[f"{kind}2_config"]))
    expected.pop("name")
    config = layers.deserialize(json.loads(json.dumps(layers.serialize(layer)))).get_config()
    assert {k: list(config[k]) if k == "output_size" else config[k] for k in expected} == \
        expected


def test_windows_by_hand():
    # 5 -> 3: [0, 2), [1, 4), [3, 5) (overlapping); 7 -> 3: [0, 3), [2, 5), [4, 7)
    ramp = np.arange(7, dtype="float32").reshape(1, 7, 1)
    np.testing.assert_allclose(layers.AdaptiveAveragePooling1D(3)(ramp).numpy().ravel(),
                               [1, 3, 5], rtol=1e-6)
    x = np.array([0, 4, 1, 3, 2], "float32").reshape(1, 5, 1)
    np.testing.assert_allclose(layers.AdaptiveAveragePooling1D(3)(x).numpy().ravel(),
                               [2.0, 8 / 3, 2.5], rtol=1e-6)
    np.testing.assert_array_equal(layers.AdaptiveMaxPooling1D(3)(x).numpy().ravel(), [4, 4, 3])
    # growing: 2 -> 4 repeats each position twice
    np.testing.assert_array_equal(
        layers.AdaptiveMaxPooling1D(4)(np.array([[[1.0], [2.0]]])).numpy().ravel(), [1, 1, 2, 2])


@pytest.mark.parametrize("kind", ["Average", "Max"])
def test_gradients_float64(kind):
    layer = getattr(layers, f"Adaptive{kind}Pooling2D")((2, 3), dtype="float64")
    x = np.random.default_rng(0).permutation(2 * 5 * 4 * 2).reshape(2, 5, 4, 2) / 7.0
    assert gradcheck(layer, x)


def test_bad_arguments():
    with pytest.raises(TypeError, match=r"\(height, width\) tuple.*Received: \(2, 3, 4\)"):
        layers.AdaptiveAveragePooling2D((2, 3, 4))
    with pytest.raises(ValueError, match=r"`output_size` must be positive.*Received: 0"):
        layers.AdaptiveMaxPooling1D(0)
    with pytest.raises(ValueError, match=r"For 1D input, `output_size` tuple must have "
                                         r"length 1. Received: \(2, 3\)"):
        layers.AdaptiveMaxPooling1D((2, 3))
    with pytest.raises(TypeError, match=r"must be an integer or tuple of 1 integer. "
                                        r"Received: 2.5 of type <class 'float'>"):
        layers.AdaptiveAveragePooling1D(2.5)
    with pytest.raises(ValueError, match="Invalid data_format|data_format"):
        layers.AdaptiveMaxPooling3D(2, data_format="channels_middle")
    with pytest.raises(ValueError, match="expected ndim=4"):
        layers.AdaptiveMaxPooling2D(2)(np.ones((1, 4, 3), "float32"))
