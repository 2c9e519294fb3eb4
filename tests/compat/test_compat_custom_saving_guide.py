"""Keras guide "Customizing saving and serialization", run side by side with Keras 3.15
(torch backend). The fixture comes from tools/make_attribute_variables_fixture.py."""
import os

import numpy as np

import minikeras as keras

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")


class OffsetLinear(keras.layers.Layer):
    """A Variable set as an attribute in __init__, before build adds the kernel."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.offset = keras.Variable(np.zeros(units), name="offset", dtype="float32")

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")

    def call(self, x):
        return keras.ops.matmul(x, self.kernel) + self.offset

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class DenseWithOffset(keras.layers.Dense):
    """The guide's LayerWithCustomVariables pattern: a Dense subclass with its own Variable."""

    def __init__(self, units, **kwargs):
        super().__init__(units, **kwargs)
        self.offset = keras.Variable(np.full(units, 0.5), name="offset", dtype="float32")

    def call(self, x):
        return super().call(x) + self.offset


CUSTOM = {"guide>OffsetLinear": OffsetLinear, "guide>DenseWithOffset": DenseWithOffset}


def test_weights_are_in_creation_order_as_keras_tracks_them():
    # Keras 3.15: ['offset', 'linear/kernel'] (the attribute Variable was made first);
    # minikeras listed add_weight's weights first.
    layer = OffsetLinear(2, name="linear")
    layer.build((None, 3))
    assert [w.path for w in layer.weights] == ["offset", "linear/kernel"]
    store = {}
    layer.save_own_variables(store)
    assert [store[k].shape for k in sorted(store)] == [(2,), (3, 2)]


def test_dense_saves_only_its_kernel_and_bias():
    # Keras's Dense stores its named weights only: store keys ["0", "1"]; the subclass's
    # own Variable is in `weights` (first) but not in the file.
    layer = DenseWithOffset(2)
    layer.build((None, 3))
    assert [w.name for w in layer.weights] == ["offset", "kernel", "bias"]
    store = {}
    layer.save_own_variables(store)
    assert sorted(store) == ["0", "1"]
    assert [store["0"].shape, store["1"].shape] == [(3, 2), (2,)]


def test_a_keras_file_with_attribute_variables_loads_with_its_numbers():
    # Before: the plain layer's file entries went to the wrong weights (shape error), and
    # the Dense subclass expected 3 entries where Keras wrote 2.
    model = keras.saving.load_model(os.path.join(FIXTURES, "keras_attribute_variables.keras"),
                                    custom_objects=CUSTOM)
    io = np.load(os.path.join(FIXTURES, "keras_attribute_variables_io.npz"))
    np.testing.assert_allclose(model.predict(io["x"], verbose=0), io["y"], rtol=1e-6)
    np.testing.assert_array_equal(model.layers[0].offset.numpy(), [1.0, 2.0])


@keras.saving.register_keras_serializable(package="guide_test")
def small_square_sum_loss(y_true, y_pred):
    return keras.ops.sum(keras.ops.square(y_pred - y_true) / 10.0, axis=1)


@keras.saving.register_keras_serializable(package="guide_test")
def mean_pred(y_true, y_pred):
    return keras.ops.mean(y_pred)


@keras.saving.register_keras_serializable(package="guide_test")
class ModelWithCustomCompile(keras.Model):
    """The guide's model whose get_compile_config returns the objects compile was given."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(4, activation="softmax")

    def call(self, inputs):
        return self.dense(inputs)

    def compile(self, optimizer, loss_fn, metrics):
        super().compile(optimizer=optimizer, loss=loss_fn, metrics=metrics)
        self.model_optimizer, self.loss_fn, self.loss_metrics = optimizer, loss_fn, metrics

    def get_compile_config(self):
        return {"model_optimizer": self.model_optimizer, "loss_fn": self.loss_fn,
                "metric": self.loss_metrics}

    def compile_from_config(self, config):
        self.compile(optimizer=keras.utils.deserialize_keras_object(config["model_optimizer"]),
                     loss_fn=keras.utils.deserialize_keras_object(config["loss_fn"]),
                     metrics=keras.utils.deserialize_keras_object(config["metric"]))


def test_an_overridden_compile_config_is_serialized_as_keras_does(tmp_path):
    # Keras 3.15 serializes what get_compile_config returns (minikeras stored it as it was,
    # and a function in it could not be written: "Cannot store <function ...> in a JSON
    # config"). Keras's compile_config for the guide's model:
    function = {"module": "builtins", "class_name": "function", "registered_name": "function"}
    expected = {"model_optimizer": "SGD",
                "loss_fn": {**function, "config": "guide_test>small_square_sum_loss"},
                "metric": ["accuracy", {**function, "config": "guide_test>mean_pred"}]}
    model = ModelWithCustomCompile()
    model.compile(optimizer="SGD", loss_fn=small_square_sum_loss, metrics=["accuracy", mean_pred])
    x = np.linspace(0, 1, 32, dtype="float32").reshape(4, 8)
    model(x)
    assert keras.saving.serialize_keras_object(model)["compile_config"] == expected
    path = str(tmp_path / "custom_compile_model.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    assert restored.model_optimizer == "SGD" and restored.loss_fn is small_square_sum_loss
    assert restored.loss_metrics == ["accuracy", mean_pred]


class LayerWithCustomAssets(keras.layers.Dense):
    """The guide's Dense subclass with an extra constructor argument it keeps in an asset."""

    def __init__(self, vocab=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.vocab = vocab


def test_a_dense_subclass_without_get_config_has_dense_s_config():
    # Keras 3.15 generates a config from the constructor's arguments only when get_config
    # is the default one; the subclass inherits Dense's, so `vocab` is not in it (the guide
    # restores it from its asset). minikeras added {"vocab": ...} first.
    layer = LayerWithCustomAssets(vocab="Mary had a <unk> lamb.", units=5, name="assets")
    config = layer.get_config()
    assert list(config) == list(keras.layers.Dense(5, name="assets").get_config())
    assert config["units"] == 5


def test_layers_keras_builds_at_init_save_no_build_config():
    # Keras 3.15 builds Reshape (like Dropout, pooling and activation layers) in __init__,
    # so its entry in a functional config has no "build_config"; minikeras wrote one for
    # Reshape.
    inputs = keras.Input((4, 4, 2))
    x = keras.layers.Dropout(0.3)(keras.layers.MaxPooling2D()(inputs))
    outputs = keras.layers.Dense(2)(keras.layers.Reshape((8,))(x))
    entries = keras.Model(inputs, outputs).get_config()["layers"]
    assert {e["class_name"]: e.get("build_config") for e in entries} == {
        "InputLayer": None, "MaxPooling2D": None, "Dropout": None, "Reshape": None,
        "Dense": {"input_shape": (None, 8)}}
