"""Round trips: weights, predictions, compile settings and optimizer state survive save + load."""
import json
import warnings

import numpy as np
import pytest
from saving_helpers import X, Y, dense_model, reference_model, weights_of

import minikeras as keras
from minikeras import layers


def assert_same_weights(a, b):
    wa, wb = weights_of(a), weights_of(b)
    assert len(wa) == len(wb)
    for x, y in zip(wa, wb):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("name", ["m.keras", "m.h5", "m.hdf5"])
def test_load_model_restores_weights_predictions_and_optimizer(tmp_path, name):
    model = reference_model()
    model.save(tmp_path / name)
    loaded = keras.models.load_model(tmp_path / name)
    assert type(loaded) is keras.Sequential and loaded.name == "seq"
    assert [l.name for l in loaded.layers] == ["dense", "batch_normalization", "dropout",
                                               "dense_1"]
    assert_same_weights(model, loaded)
    np.testing.assert_array_equal(model.predict(X, verbose=0), loaded.predict(X, verbose=0))
    assert isinstance(loaded.optimizer, keras.optimizers.Adam)
    assert float(loaded.optimizer.learning_rate) == pytest.approx(0.01)
    assert int(loaded.optimizer.iterations.numpy()) == 1  # one epoch of one batch
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert loaded.evaluate(X, Y, verbose=0) == model.evaluate(X, Y, verbose=0)


@pytest.mark.parametrize("how", ["m.keras", "m.h5", "weights"])
def test_training_continues_identically_after_a_round_trip(tmp_path, how):
    model = reference_model(dropout=0.0)  # no dropout: both runs see the same numbers
    if how == "weights":
        model.save_weights(tmp_path / "m.weights.h5")
        loaded = reference_model(dropout=0.0, trained=False)  # compiled, optimizer unbuilt
        # as in Keras, the optimizer's state loads only into a built optimizer
        loaded.optimizer.build(loaded.trainable_variables)
        loaded.load_weights(tmp_path / "m.weights.h5")
    else:
        model.save(tmp_path / how)
        loaded = keras.models.load_model(tmp_path / how)
    for m in (model, loaded):
        m.fit(X, Y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    assert_same_weights(model, loaded)
    assert int(loaded.optimizer.iterations.numpy()) == 1 + 4


def test_compile_false_gives_an_uncompiled_model(tmp_path):
    reference_model().save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", compile=False)
    assert not getattr(loaded, "compiled", False)
    loaded.predict(X, verbose=0)


def test_saving_h5_does_not_mutate_the_compile_config(tmp_path):
    # KERAS_REFERENCE 11.5: Keras pops the optimizer from the compile config when saving .h5,
    # so a later .keras file reloads with RMSprop. minikeras must not.
    model = reference_model()
    model.save(tmp_path / "m.h5")
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(loaded.optimizer, keras.optimizers.Adam)
    assert json.loads(model.to_json())["compile_config"]["optimizer"]["class_name"] == "Adam"


def test_weights_round_trip_into_differently_named_layers(tmp_path):
    source = dense_model(names=("a", "b"))
    source.save_weights(tmp_path / "w.weights.h5")
    target = dense_model(name="other", names=("x", "y"))
    target.load_weights(tmp_path / "w.weights.h5")
    assert_same_weights(source, target)


def test_legacy_weights_round_trip_positionally_and_by_name(tmp_path):
    source = reference_model(compiled=False)
    source.save(tmp_path / "m.h5")
    target = reference_model(compiled=False)
    target.load_weights(tmp_path / "m.h5")
    assert_same_weights(source, target)
    by_name = reference_model(compiled=False)
    by_name.load_weights(tmp_path / "m.h5", by_name=True)
    assert_same_weights(source, by_name)


def test_weights_only_load_keeps_an_uncompiled_model_uncompiled(tmp_path):
    reference_model().save_weights(tmp_path / "m.weights.h5")
    target = reference_model(compiled=False)
    target.load_weights(tmp_path / "m.weights.h5")  # the file's optimizer group is ignored
    assert not getattr(target, "compiled", False)


def test_load_weights_from_a_keras_file(tmp_path):
    model = reference_model()
    model.save(tmp_path / "m.keras")
    target = reference_model(compiled=False)
    target.load_weights(tmp_path / "m.keras")
    assert_same_weights(model, target)


def test_unzipped_keras_folder_round_trip(tmp_path):
    model = reference_model()
    model.save(tmp_path / "m.keras", zipped=False)
    assert (tmp_path / "m.keras").is_dir()
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert_same_weights(model, loaded)


def test_sharded_weights_round_trip(tmp_path):
    model = keras.Sequential([keras.Input((3,)), layers.Dense(400), layers.Dense(300),
                              layers.Dense(2)])
    model.save_weights(tmp_path / "sh.weights.json", max_shard_size=0.00045)
    target = keras.Sequential([keras.Input((3,)), layers.Dense(400), layers.Dense(300),
                               layers.Dense(2)])
    target.load_weights(tmp_path / "sh.weights.json")
    assert_same_weights(model, target)


def test_to_json_and_model_from_json(tmp_path):
    model = reference_model()
    text = model.to_json()
    config = json.loads(text)
    assert (config["module"], config["class_name"]) == ("keras", "Sequential")
    rebuilt = keras.models.model_from_json(text)
    assert [type(l).__name__ for l in rebuilt.layers] == ["Dense", "BatchNormalization",
                                                          "Dropout", "Dense"]
    assert rebuilt.layers[0].get_config() == model.layers[0].get_config()
    assert isinstance(rebuilt.optimizer, keras.optimizers.Adam)  # compile_config is applied
    assert json.loads(model.to_json(indent=2)) == config


def test_model_from_json_reads_keras2_json():
    keras2 = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "Dense", "config": {
            "name": "dense", "trainable": True, "dtype": "float32", "batch_input_shape": [None, 3],
            "units": 4, "activation": "relu", "use_bias": True,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
            "kernel_constraint": None, "bias_constraint": None}}]},
        "keras_version": "2.15.0", "backend": "tensorflow"}
    model = keras.models.model_from_json(json.dumps(keras2))
    assert model.built and model.input_shape == (None, 3)
    assert model.layers[0].kernel.shape == (3, 4)


@keras.saving.register_keras_serializable(package="SavingTests")
class ScaleBy(keras.layers.Layer):
    """A custom layer with a weight and a config argument."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_registered_custom_layer_round_trip(tmp_path):
    model = keras.Sequential([keras.Input((3,)), ScaleBy(3.0, name="scale"), layers.Dense(2)])
    model.layers[0].w.assign(np.array([1.0, 2.0, 3.0], np.float32))
    model.save(tmp_path / "c.keras")
    loaded = keras.models.load_model(tmp_path / "c.keras")
    assert isinstance(loaded.layers[0], ScaleBy) and loaded.layers[0].factor == 3.0
    np.testing.assert_array_equal(loaded.layers[0].w.numpy(), [1.0, 2.0, 3.0])
    model.save(tmp_path / "c.h5")
    with pytest.warns(UserWarning, match="No training configuration"):
        assert isinstance(keras.models.load_model(tmp_path / "c.h5").layers[0], ScaleBy)


class Shift(keras.layers.Layer):
    """An unregistered custom layer: it loads only through `custom_objects`."""

    def call(self, x):
        return x + 1.0


def test_unregistered_custom_layer_loads_with_custom_objects(tmp_path):
    model = keras.Sequential([keras.Input((3,)), Shift(name="shift"), layers.Dense(2)])
    model.save(tmp_path / "s.keras")
    with pytest.raises(TypeError, match="Could not locate class 'Shift'"):
        keras.models.load_model(tmp_path / "s.keras")
    loaded = keras.models.load_model(tmp_path / "s.keras", custom_objects={"Shift": Shift})
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    assert "Shift" not in keras.saving.get_custom_objects()  # the scope was undone


def test_serialize_and_deserialize_keras_object():
    ser = keras.saving.serialize_keras_object
    de = keras.saving.deserialize_keras_object
    opt = de(ser(keras.optimizers.SGD(0.5, momentum=0.25)))
    assert isinstance(opt, keras.optimizers.SGD) and opt.momentum == 0.25
    dense = de(ser(layers.Dense(3, activation="tanh")))
    assert isinstance(dense, layers.Dense) and dense.units == 3
    loss = de(ser(keras.losses.Huber(delta=2.0)))
    assert isinstance(loss, keras.losses.Huber)
    array = de(ser(np.arange(3, dtype=np.float32)))
    np.testing.assert_array_equal(array, [0, 1, 2]) and array.dtype == np.float32
    assert ser([1, "a", None, (2.5,)]) == [1, "a", None, [2.5]]
    assert keras.saving.get_registered_object("SavingTests>ScaleBy") is ScaleBy
    assert keras.saving.get_registered_name(ScaleBy) == "SavingTests>ScaleBy"


def test_unbuilt_model_saves_with_a_warning_and_loads_unbuilt(tmp_path):
    model = keras.Sequential([layers.Dense(2)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.save(tmp_path / "u.keras")
    assert any("not yet been built" in str(w.message) for w in caught)
    loaded = keras.models.load_model(tmp_path / "u.keras")
    assert not loaded.built and len(loaded.layers) == 1


@pytest.mark.parametrize("name", ["c.keras", "c.h5"])
def test_conv_pooling_and_normalization_layers_round_trip(tmp_path, name):
    model = keras.Sequential([
        keras.Input((6, 6, 2)), layers.Conv2D(3, 3, padding="same", activation="relu"),
        layers.BatchNormalization(), layers.MaxPooling2D(), layers.Flatten(),
        layers.LayerNormalization(), layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    x = np.linspace(0, 1, 4 * 6 * 6 * 2, dtype=np.float32).reshape(4, 6, 6, 2)
    model.fit(x, np.arange(4) % 3, verbose=0)
    model.save(tmp_path / name)
    loaded = keras.models.load_model(tmp_path / name)
    assert [type(l).__name__ for l in loaded.layers] == [type(l).__name__ for l in model.layers]
    assert_same_weights(model, loaded)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
