"""Embedding: row lookup, scatter-add gradient, masks, Keras 2 arguments, errors."""
import json

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.autodiff import grad

TABLE = np.arange(12, dtype="float32").reshape(4, 3)  # row i = [3i, 3i+1, 3i+2]


def embedding(**kwargs):
    layer = layers.Embedding(4, 3, **kwargs)
    layer.build((None, None))
    layer.set_weights([TABLE])
    return layer


def test_lookup_gathers_rows():
    out = embedding()(np.array([[0, 2], [3, 3]])).numpy()
    np.testing.assert_array_equal(out, [[[0, 1, 2], [6, 7, 8]], [[9, 10, 11], [9, 10, 11]]])


def test_float_indices_are_cast_to_int():
    out = embedding()(np.array([[1.0, 2.0]], "float32")).numpy()
    np.testing.assert_array_equal(out, [[[3, 4, 5], [6, 7, 8]]])


def test_gradient_scatter_adds_into_looked_up_rows():
    layer = embedding()
    out = layer(np.array([[0, 2, 0]]))
    cotangent = np.arange(9, dtype="float32").reshape(1, 3, 3)
    (g,) = grad(out, [layer.embeddings], cotangent)
    # row 0 is used twice (positions 0 and 2): its gradient is the sum of both cotangents
    np.testing.assert_array_equal(g, [[6, 8, 10], [0, 0, 0], [3, 4, 5], [0, 0, 0]])


def test_shapes_and_default_initializer():
    layer = layers.Embedding(10, 5)
    out = layer(np.zeros((2, 7), "int32"))
    assert out.shape == (2, 7, 5) == layer.compute_output_shape((2, 7))
    table = layer.embeddings.numpy()
    assert table.shape == (10, 5) and np.abs(table).max() <= 0.05  # RandomUniform(-0.05, 0.05)
    assert layer.weights[0].name == "embeddings"


def test_input_length_is_accepted_with_a_warning():
    with pytest.warns(UserWarning, match="input_length"):
        layer = layers.Embedding(4, 3, input_length=10)
    assert "input_length" not in layer.get_config()


def test_weights_argument_sets_the_table():
    layer = layers.Embedding(4, 3, weights=[TABLE])
    np.testing.assert_array_equal(layer.get_weights()[0], TABLE)
    np.testing.assert_array_equal(layer(np.array([[1]])).numpy(), [[[3, 4, 5]]])


def test_mask_zero():
    layer = embedding(mask_zero=True)
    np.testing.assert_array_equal(layer.compute_mask(np.array([[0, 1, 0, 3]])),
                                  [[False, True, False, True]])
    assert embedding().compute_mask(np.array([[0, 1]])) is None


def test_out_of_range_indices_raise_naming_the_layer():
    with pytest.raises(ValueError, match=r"vocab.*index 4.*\[0, 4\)"):
        embedding(name="vocab")(np.array([[1, 4]]))
    with pytest.raises(ValueError, match="index -1"):
        embedding()(np.array([[-1]]))


@pytest.mark.parametrize("kwargs", [dict(input_dim=0, output_dim=3),
                                    dict(input_dim=4, output_dim=2.5)])
def test_bad_dimensions_raise(kwargs):
    with pytest.raises(ValueError, match="positive integer"):
        layers.Embedding(**kwargs)


def test_config_round_trip():
    layer = layers.Embedding(7, 2, mask_zero=True, embeddings_regularizer="l1")
    config = layers.serialize(layer)
    assert {"input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer",
            "embeddings_constraint", "mask_zero"} <= set(config["config"])
    rebuilt = layers.deserialize(json.loads(json.dumps(config)))
    assert rebuilt.get_config() == layer.get_config()
    assert layers.LAYERS.lookup("Embedding") is layers.Embedding


def test_trains_inside_a_sequential_model():
    x = np.array([[1, 2, 0], [3, 3, 1], [2, 1, 1], [3, 0, 0]])
    y = np.array([0, 1, 0, 1], "float32")
    model = keras.Sequential([keras.Input((3,), dtype="int32"), layers.Embedding(4, 2),
                              layers.GlobalAveragePooling1D(),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.SGD(0.5), "binary_crossentropy")
    before = model.layers[0].get_weights()[0].copy()
    history = model.fit(x, y, epochs=3, batch_size=4, verbose=0, shuffle=False)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert not np.allclose(model.layers[0].get_weights()[0], before)
