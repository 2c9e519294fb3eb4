"""Rescaling: values, config (arrays as __numpy__), gradients and bad input."""
import json

import numpy as np
import pytest

from minikeras import layers
from minikeras.autodiff.gradcheck import gradcheck

def test_rescaling_values():
    pixels = np.array([[0, 51, 255]], "uint8")
    out = layers.Rescaling(1 / 255)(pixels)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), [[0.0, 0.2, 1.0]], rtol=1e-6)
    out = layers.Rescaling(1 / 127.5, offset=-1)(pixels)
    np.testing.assert_allclose(out.numpy(), [[-1.0, -0.6, 1.0]], rtol=1e-6, atol=1e-7)
    per_channel = layers.Rescaling(np.array([1.0, 10.0]), offset=np.array([0.0, 1.0]))
    np.testing.assert_allclose(per_channel(np.ones((1, 2, 2), "float32")).numpy()[0, 0], [1, 11])


def test_rescaling_config_and_gradcheck():
    layer = layers.Rescaling(np.array([2.0, 3.0], "float32"), offset=0.5)
    config = json.loads(json.dumps(layers.serialize(layer)))
    assert config["config"]["scale"]["class_name"] == "__numpy__"
    assert config["config"]["offset"] == 0.5
    rebuilt = layers.deserialize(config)
    np.testing.assert_array_equal(rebuilt.scale, [2.0, 3.0])
    assert layers.Rescaling(0.5).get_config()["scale"] == 0.5
    gradcheck(lambda t: layers.Rescaling(3.0, 1.0, dtype="float64")(t),
              np.random.default_rng(1).standard_normal((2, 3)))
    with pytest.raises(TypeError, match="scale"):
        layers.Rescaling("x")
    with pytest.raises(TypeError, match="offset"):
        layers.Rescaling(1.0, offset=None)
