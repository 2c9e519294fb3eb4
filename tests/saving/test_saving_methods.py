"""The methods saving talks to objects through (Keras's names): build configs, compile
configs and the children whose variables a file stores."""
import numpy as np

import minikeras as keras
from minikeras import layers


def test_layer_build_config_round_trip():
    dense = layers.Dense(2)
    assert dense.get_build_config() is None
    dense(np.ones((4, 3), "float32"))
    # Keras 3.15 builds on the first call's whole shape, batch included (probed)
    assert dense.get_build_config() == {"input_shape": (4, 3)}
    fresh = layers.Dense(2)
    fresh.build_from_config(dense.get_build_config())
    assert fresh.built and fresh.kernel.shape == (3, 2)
    unbuilt = layers.Dense(2)
    unbuilt.build_from_config(None)
    unbuilt.build_from_config({"input_shape": None})
    assert not unbuilt.built


def test_sequential_and_subclassed_models_build_from_config():
    seq = keras.Sequential([layers.Dense(2)])
    seq.build_from_config({"input_shape": [None, 5]})
    assert seq.built and seq.layers[0].kernel.shape == (5, 2)

    class Tiny(keras.Model):
        def __init__(self):
            super().__init__()
            self.head = layers.Dense(1)

        def call(self, x):
            return self.head(x)

    tiny = Tiny()
    tiny.build_from_config({"input_shape": [None, 4]})
    assert tiny.head.kernel.shape == (4, 1)
    # Keras 3.15 gives back the list it was built from; minikeras a tuple (the same JSON)
    assert list(tiny.get_build_config()["input_shape"]) == [None, 4]


def test_compile_config_round_trip():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    assert model.get_compile_config() == {}  # not compiled yet (Keras 3.15 returns {})
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    config = model.get_compile_config()
    assert config["loss"] == "mse" and config["metrics"] == ["mae"]
    assert config["optimizer"]["class_name"] == "Adam"
    other = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    other.compile_from_config(config)
    assert other.compiled and type(other.optimizer) is keras.optimizers.Adam
    assert np.isclose(float(other.optimizer.learning_rate), 0.01)
    assert other.get_compile_config() == config


def test_saveable_children_in_keras_order():
    class Block(layers.Layer):
        def __init__(self):
            super().__init__()
            self.second = layers.Dense(1)
            self.first = layers.Dense(1)
            self._hidden = [layers.Dense(1), "not a layer"]
            self.number = 3

    block = Block()
    assert [name for name, _ in block._saveable_children()] == ["first", "second", "_hidden"]
    seq = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    seq.compile(optimizer="sgd", loss="mse")
    names = [name for name, _ in seq._saveable_children()]
    assert names[0] == "layers" and "optimizer" in names
    assert keras.layers.InputLayer(shape=(2,))._saved_as_child is False
