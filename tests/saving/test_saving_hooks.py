"""Saving hooks of custom objects, from Keras's "Customizing saving and serialization" guide:
save_own_variables / load_own_variables, save_assets / load_assets, get_build_config /
build_from_config, get_compile_config / compile_from_config, and
serialize_keras_object / deserialize_keras_object with custom objects and registered names.
"""
import os
import zipfile

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops
from minikeras.registry import CUSTOM_OBJECTS


class OffsetDense(layers.Dense):
    """Dense plus an offset kept outside the weights, saved under its own key."""

    def __init__(self, units, **kwargs):
        kwargs.setdefault("kernel_initializer", "ones")
        super().__init__(units, **kwargs)
        self.offset = np.zeros((units,), "float32")

    def call(self, inputs):
        return super().call(inputs) + self.offset

    def save_own_variables(self, store):
        super().save_own_variables(store)
        store["offset"] = self.offset

    def load_own_variables(self, store):
        self.offset = np.asarray(store["offset"])
        for i, variable in enumerate(self.weights):
            variable.assign(store[str(i)])


def _offset_model():
    inputs = keras.Input((2,))
    return keras.Model(inputs, OffsetDense(2, name="offset_dense")(inputs))


@pytest.mark.parametrize("suffix", [".keras", ".weights.h5"])
def test_save_and_load_own_variables_are_called(tmp_path, suffix):
    model = _offset_model()
    model.layers[1].offset = np.array([10.0, 20.0], "float32")
    model.layers[1].bias.assign([1.0, 2.0])
    path = os.fspath(tmp_path / f"m{suffix}")
    x = np.array([[1.0, 2.0]], "float32")
    # kernel of ones: [3, 3] + bias [1, 2] + offset [10, 20] = [14, 25]
    np.testing.assert_allclose(model(x).numpy(), [[14.0, 25.0]])
    custom = {"OffsetDense": OffsetDense}
    if suffix == ".keras":
        model.save(path)
        loaded = keras.saving.load_model(path, custom_objects=custom)
    else:
        model.save_weights(path)
        loaded = _offset_model()
        loaded.load_weights(path)
    np.testing.assert_allclose(loaded(x).numpy(), [[14.0, 25.0]])


class VocabDense(layers.Dense):
    """The guide's layer with a vocabulary file as an asset."""

    def __init__(self, units, vocab="", **kwargs):
        super().__init__(units, **kwargs)
        self.vocab = vocab

    def save_assets(self, dir_path):
        with open(os.path.join(dir_path, "vocabulary.txt"), "w") as f:
            f.write(self.vocab)

    def load_assets(self, dir_path):
        with open(os.path.join(dir_path, "vocabulary.txt")) as f:
            self.vocab = f.read().replace("<unk>", "little")

    def get_config(self):
        return {**super().get_config(), "vocab": ""}  # the vocabulary travels as an asset


@pytest.mark.parametrize("zipped", [True, False])
def test_assets_are_stored_in_the_archive_and_handed_back(tmp_path, zipped):
    inputs = keras.Input((2,))
    model = keras.Model(inputs, VocabDense(1, vocab="a <unk> lamb", name="vocab_dense")(inputs))
    path = os.fspath(tmp_path / "assets.keras")
    model.save(path, zipped=zipped)
    if zipped:
        with zipfile.ZipFile(path) as archive:
            assert "assets/layers/vocab_dense/vocabulary.txt" in archive.namelist()
    loaded = keras.saving.load_model(path, custom_objects={"VocabDense": VocabDense})
    assert loaded.layers[1].vocab == "a little lamb"


def test_an_asset_path_leaving_its_folder_is_refused(tmp_path):
    inputs = keras.Input((2,))
    model = keras.Model(inputs, VocabDense(1, vocab="x", name="vocab_dense")(inputs))
    path = os.fspath(tmp_path / "bad.keras")
    model.save(path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("assets/layers/vocab_dense/../../../escape.txt", "no")
    with pytest.raises(OSError, match="leaves its folder"):
        keras.saving.load_model(path, custom_objects={"VocabDense": VocabDense})
    assert not (tmp_path / "escape.txt").exists()


class InitBuild(layers.Layer):
    """The guide's layer whose build needs an extra argument, recorded in its build config."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape, layer_init="zeros"):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer=layer_init)
        self.layer_init = layer_init

    def call(self, inputs):
        return ops.matmul(inputs, self.w)

    def get_config(self):
        return {**super().get_config(), "units": self.units}

    def get_build_config(self):
        return {"layer_init": self.layer_init, "input_shape": [None, 2]}

    def build_from_config(self, config):
        self.build(config["input_shape"], config["layer_init"])


def test_build_config_hooks_are_honoured(tmp_path):
    layer = InitBuild()
    layer.build((None, 2), "ones")
    model = keras.Sequential([keras.Input((2,)), layer])
    path = os.fspath(tmp_path / "build.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, custom_objects={"InitBuild": InitBuild})
    assert loaded.layers[0].layer_init == "ones"
    # ones kernel: [1 + 2] in each of 3 units
    np.testing.assert_allclose(loaded(np.array([[1.0, 2.0]])).numpy(), [[3.0, 3.0, 3.0]])


class CustomCompile(keras.Model):
    """The guide's model whose compile takes other arguments than Model.compile."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(2)

    def call(self, x):
        return self.dense(x)

    def compile(self, optimizer, loss_fn):
        super().compile(optimizer=optimizer, loss=loss_fn)
        self.model_optimizer, self.loss_fn = optimizer, loss_fn

    def get_compile_config(self):
        return {"model_optimizer": keras.saving.serialize_keras_object(self.model_optimizer),
                "loss_fn": keras.saving.serialize_keras_object(self.loss_fn)}

    def compile_from_config(self, config):
        self.compile(keras.saving.deserialize_keras_object(config["model_optimizer"]),
                     keras.saving.deserialize_keras_object(config["loss_fn"]))


def test_compile_config_hooks_are_honoured(tmp_path):
    model = CustomCompile()
    model(np.ones((1, 3)))
    model.compile(keras.optimizers.SGD(0.25), keras.losses.MeanAbsoluteError())
    path = os.fspath(tmp_path / "compile.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, custom_objects={"CustomCompile": CustomCompile})
    assert isinstance(loaded.loss_fn, keras.losses.MeanAbsoluteError)
    assert float(loaded.model_optimizer.learning_rate) == 0.25


@keras.saving.register_keras_serializable(package="hooks_test")
class Halve(layers.Layer):
    def call(self, inputs):
        return inputs * 0.5


@pytest.fixture(autouse=True)
def keep_halve_registered():
    # other tests may clear the custom objects; this module's test reads the registration
    CUSTOM_OBJECTS.add(Halve, "hooks_test>Halve", "Halve", replace=True)


class Third(layers.Layer):  # not registered
    def call(self, inputs):
        return inputs / 3.0


def test_serialize_and_deserialize_custom_objects_and_registered_names():
    config = keras.saving.serialize_keras_object(Halve(name="halve"))
    assert config["registered_name"] == "hooks_test>Halve"
    layer = keras.saving.deserialize_keras_object(config)
    assert isinstance(layer, Halve) and layer.name == "halve"
    np.testing.assert_allclose(layer(np.array([[4.0]])).numpy(), [[2.0]])
    config = keras.saving.serialize_keras_object(Third(name="third"))
    with pytest.raises(TypeError, match="Could not locate class 'Third'"):
        keras.saving.deserialize_keras_object(config)
    again = keras.saving.deserialize_keras_object(config, custom_objects={"Third": Third})
    np.testing.assert_allclose(again(np.array([[6.0]])).numpy(), [[2.0]])
