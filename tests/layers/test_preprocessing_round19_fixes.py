"""Round 19's preprocessing fixes (the option sweep against Keras 3.15,
tests/compat/test_script_fidelity_examples19_preprocessing.py), each pinned by hand."""
import numpy as np
import pytest

import minikeras as keras


@pytest.mark.parametrize("mode, shape, expected", [
    ("int", (6,), (6,)), ("one_hot", (6,), (6, 4)), ("one_hot", (2, 3, 1), (2, 3, 4)),
    ("multi_hot", (6,), (4,)), ("count", (2, 3), (2, 4)), ("one_hot", (2, 3), (2, 3, 4))])
def test_discretization_output_shape_counts_the_bins(mode, shape, expected):
    layer = keras.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0], output_mode=mode)
    assert tuple(layer.compute_output_shape(shape)) == expected
    x = np.linspace(-1, 3, int(np.prod(shape))).reshape(shape).astype("float32")
    assert tuple(layer(x).shape) == expected


def test_discretization_output_shape_from_num_bins():
    layer = keras.layers.Discretization(num_bins=5, output_mode="count")
    assert tuple(layer.compute_output_shape((2, 3))) == (2, 5)


def test_random_grayscale_config_has_no_seed():
    config = keras.layers.RandomGrayscale(factor=0.3, seed=4).get_config()
    assert "seed" not in config and config["factor"] == 0.3


def test_rescaling_config_holds_a_list_scale_as_given():
    layer = keras.layers.Rescaling(scale=[0.5, 1.0, 2.0], offset=-1.0)
    config = layer.get_config()
    assert config["scale"] == [0.5, 1.0, 2.0] and config["offset"] == -1.0
    x = np.ones((1, 3), "float32")
    again = keras.layers.Rescaling.from_config(config)
    np.testing.assert_allclose(np.asarray(again(x)), [[-0.5, 0.0, 1.0]])
