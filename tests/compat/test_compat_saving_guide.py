"""Keras guide "Save, serialize, and export models", with minikeras.

Keras 3 facts used: a custom layer that does not override ``get_config`` is saved with the
plain-valued arguments it was constructed with (and raises NotImplementedError when they
are not plain); ``keras.models.clone_model`` rebuilds the layers from their configs with new
weights; a subclassed model holding its layers in a list saves and reloads them.
"""
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops


class Scale(layers.Layer):
    """A custom layer with no get_config of its own."""

    def __init__(self, factor=2.0, units=3, **kwargs):
        super().__init__(**kwargs)
        self.factor, self.units = factor, units

    def call(self, inputs):
        return inputs * self.factor


def test_custom_layer_without_get_config_round_trips_its_arguments(tmp_path):
    model = keras.Sequential([keras.Input((4,)), Scale(3.0, units=5, name="scale"),
                              layers.Dense(1)])
    config = model.layers[0].get_config()
    assert config["factor"] == 3.0 and config["units"] == 5 and config["name"] == "scale"
    model.compile(optimizer="adam", loss="mse")
    path = str(tmp_path / "scale.keras")
    model.save(path)
    loaded = keras.models.load_model(path, custom_objects={"Scale": Scale})
    assert loaded.layers[0].factor == 3.0 and loaded.layers[0].units == 5
    x = np.arange(8, dtype="float32").reshape(2, 4)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_custom_layer_with_non_plain_arguments_needs_get_config():
    class Wrapper(layers.Layer):
        def __init__(self, inner, **kwargs):
            super().__init__(**kwargs)
            self.inner = inner

    with pytest.raises(NotImplementedError, match="get_config"):
        Wrapper(layers.Dense(2)).get_config()


class CustomModel(keras.Model):
    """The guide's subclassed model: a list of Dense layers and a hand-written config."""

    def __init__(self, hidden_units, **kwargs):
        super().__init__(**kwargs)
        self.hidden_units = hidden_units
        self.dense_layers = [layers.Dense(u) for u in hidden_units]

    def call(self, inputs):
        x = inputs
        for layer in self.dense_layers:
            x = layer(x)
        return x

    def get_config(self):
        return {"hidden_units": self.hidden_units}


def test_subclassed_model_with_a_list_of_layers_saves_and_loads(tmp_path):
    model = CustomModel([16, 16, 10])
    x = np.linspace(-1, 1, 5, dtype="float32").reshape(1, 5)
    outputs = model(x).numpy()
    assert len(model.weights) == 6  # three kernels and three biases
    path = str(tmp_path / "custom_model.keras")
    model.save(path)
    loaded = keras.models.load_model(path, custom_objects={"CustomModel": CustomModel})
    np.testing.assert_allclose(loaded(x).numpy(), outputs, rtol=1e-6)


def test_clone_model_copies_architecture_not_weights():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="relu", name="a"),
                              layers.Dense(2, name="b")], name="orig")
    clone = keras.models.clone_model(model)
    assert clone is not model and clone.name == "orig"
    assert [l.name for l in clone.layers] == ["a", "b"]
    assert clone.layers[0] is not model.layers[0]
    assert clone.input_shape == (None, 3) and clone.output_shape == (None, 2)
    assert clone.layers[0].get_config()["activation"] == "relu"
    assert not np.array_equal(clone.layers[0].get_weights()[0], model.layers[0].get_weights()[0])


def test_clone_model_with_clone_function_and_subclassed_model():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4), layers.Dropout(0.5)])
    clone = keras.models.clone_model(
        model, clone_function=lambda l: layers.Dropout(0.1) if isinstance(l, layers.Dropout)
        else l.__class__.from_config(l.get_config()))
    assert clone.layers[1].rate == 0.1
    sub = keras.models.clone_model(CustomModel([2, 3]))
    assert isinstance(sub, CustomModel) and sub.hidden_units == [2, 3]


def test_weights_transfer_between_sequential_and_subclassed_models():
    seq = keras.Sequential([keras.Input((6,)), layers.Dense(4, activation="relu"),
                            layers.Dropout(0.5), layers.Dense(2)])

    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.d1, self.d2 = layers.Dense(4, activation="relu"), layers.Dense(2)

        def call(self, inputs):
            return self.d2(self.d1(inputs))

    sub = Sub()
    sub(np.ones((1, 6), "float32"))
    sub.set_weights(seq.get_weights())
    x = np.linspace(0, 1, 12, dtype="float32").reshape(2, 6)
    np.testing.assert_allclose(sub.predict(x, verbose=0), seq.predict(x, verbose=0), rtol=1e-6)


def test_registered_custom_function_activation_round_trips(tmp_path):
    @keras.saving.register_keras_serializable(package="compat_guide", name="tanh_sq")
    def tanh_squared(x):
        return ops.tanh(x) ** 2

    model = keras.Sequential([keras.Input((3,)), layers.Dense(2),
                              layers.Activation(tanh_squared)])
    path = str(tmp_path / "fn.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    x = np.ones((1, 3), "float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
