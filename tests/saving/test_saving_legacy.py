"""Files written by Keras 2 and Keras 3, built by hand from KERAS_REFERENCE 9.2 / 9.3, load here."""
import json

import h5py
import numpy as np
import pytest
from saving_helpers import X

import minikeras as keras
from minikeras import layers

KERNEL = np.arange(12, dtype=np.float32).reshape(3, 4) / 10
BIAS = np.array([0.1, -0.2, 0.3, -0.4], np.float32)
KERNEL_1 = np.arange(8, dtype=np.float32).reshape(4, 2) / -10
BIAS_1 = np.array([0.5, -0.5], np.float32)


def keras2_weights_file(path, split_layer_names=False):
    """9.3 "Verified: a hand-built Keras-2-style file": fixed-length byte attributes,
    datasets at `dense/kernel:0`-style names, an empty `weight_names` for dropout."""
    with h5py.File(path, "w") as f:
        names = np.array([b"dense", b"dropout", b"dense_1"])  # dtype |S7
        if split_layer_names:
            f.attrs["layer_names0"], f.attrs["layer_names1"] = names[:2], names[2:]
        else:
            f.attrs["layer_names"] = names
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.15.0"
        for layer, kernel, bias in (("dense", KERNEL, BIAS), ("dense_1", KERNEL_1, BIAS_1)):
            g = f.create_group(layer)
            g.attrs["weight_names"] = np.array([f"{layer}/kernel:0".encode(),
                                                f"{layer}/bias:0".encode()])
            g[f"{layer}/kernel:0"] = kernel
            g[f"{layer}/bias:0"] = bias
        f.create_group("dropout").attrs["weight_names"] = np.array([], dtype="S1")


def model(names=("dense", "dropout", "dense_1")):
    return keras.Sequential([keras.Input((3,)), layers.Dense(4, name=names[0]),
                             layers.Dropout(0.5, name=names[1]),
                             layers.Dense(2, name=names[2])])


def assert_loaded(m):
    np.testing.assert_array_equal(m.layers[0].kernel.numpy(), KERNEL)
    np.testing.assert_array_equal(m.layers[0].bias.numpy(), BIAS)
    np.testing.assert_array_equal(m.layers[2].kernel.numpy(), KERNEL_1)
    np.testing.assert_array_equal(m.layers[2].bias.numpy(), BIAS_1)


def test_keras2_weights_load_positionally_into_other_names(tmp_path):
    keras2_weights_file(tmp_path / "w.h5")
    m = model(("p", "q", "r"))
    m.load_weights(tmp_path / "w.h5")
    assert_loaded(m)


def test_keras2_weights_load_by_name(tmp_path):
    keras2_weights_file(tmp_path / "w.h5")
    m = keras.Sequential([keras.Input((3,)), layers.Dense(4, name="dense"),
                          layers.Dense(7, name="extra"), layers.Dense(2, name="dense_1")])
    with pytest.raises(ValueError, match="Layer count mismatch"):  # 3 layers vs 2 saved
        m.load_weights(tmp_path / "w.h5")
    by_name = model()
    by_name.load_weights(tmp_path / "w.h5", by_name=True)
    assert_loaded(by_name)
    # a layer the file does not name keeps its weights
    partial = keras.Sequential([keras.Input((3,)), layers.Dense(4, name="dense"),
                                layers.Dense(2, name="unnamed")])
    before = partial.layers[1].kernel.numpy()
    partial.load_weights(tmp_path / "w.h5", by_name=True)
    np.testing.assert_array_equal(partial.layers[0].kernel.numpy(), KERNEL)
    np.testing.assert_array_equal(partial.layers[1].kernel.numpy(), before)


def test_split_layer_names_attribute(tmp_path):
    keras2_weights_file(tmp_path / "w.h5", split_layer_names=True)
    m = model()
    m.load_weights(tmp_path / "w.h5")
    assert_loaded(m)


def test_variable_length_string_attributes(tmp_path):
    # Keras 3 writes variable-length UTF-8 strings; the same file with str attributes loads.
    with h5py.File(tmp_path / "w.hdf5", "w") as f:
        f.attrs["layer_names"] = ["dense", "dropout", "dense_1"]
        for layer, kernel, bias in (("dense", KERNEL, BIAS), ("dense_1", KERNEL_1, BIAS_1)):
            g = f.create_group(layer)
            g.attrs["weight_names"] = [f"seq/{layer}/kernel", f"seq/{layer}/bias"]
            g[f"seq/{layer}/kernel"], g[f"seq/{layer}/bias"] = kernel, bias
        f.create_group("dropout").attrs["weight_names"] = []
    m = model(("x", "y", "z"))
    m.load_weights(tmp_path / "w.hdf5")
    assert_loaded(m)


def test_keras3_weights_file_with_renamed_layer_loads_by_path(tmp_path):
    # 9.2: a Dense(name="out") is stored under /layers/dense with attribute name="out",
    # and such a file loads into a model whose layers have different names.
    with h5py.File(tmp_path / "w.weights.h5", "w") as f:
        f.create_group("vars").attrs["name"] = "net"
        g = f.create_group("layers/dense/vars")
        g.attrs["name"] = "out"
        g["0"], g["1"] = KERNEL_1[:3], BIAS_1
    m = keras.Sequential([keras.Input((3,)), layers.Dense(2, name="something_else")])
    m.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_array_equal(m.layers[0].kernel.numpy(), KERNEL_1[:3])
    np.testing.assert_array_equal(m.layers[0].bias.numpy(), BIAS_1)


def test_keras2_model_file_loads_and_compiles(tmp_path):
    """A Keras 2.15 `model.save("m.h5")`: no `module` keys, `batch_input_shape` on the first
    layer, `Custom>Adam` with Keras 2 keys, MeanMetricWrapper metrics, Keras 2 optimizer
    weights (which are not loaded, with a warning)."""
    model_config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 3],
                                                "dtype": "float32", "sparse": False,
                                                "ragged": False, "name": "dense_input"}},
        {"class_name": "Dense", "config": {
            "name": "dense", "trainable": True, "dtype": "float32",
            "batch_input_shape": [None, 3], "units": 4, "activation": "relu", "use_bias": True,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None, "bias_regularizer": None,
            "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}},
        {"class_name": "Dropout", "config": {"name": "dropout", "trainable": True,
                                             "dtype": "float32", "rate": 0.5,
                                             "noise_shape": None, "seed": None}},
        {"class_name": "Dense", "config": {
            "name": "dense_1", "trainable": True, "dtype": "float32", "units": 2,
            "activation": "softmax", "use_bias": True,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None, "bias_regularizer": None,
            "activity_regularizer": None, "kernel_constraint": None,
            "bias_constraint": None}}]}}
    training_config = {
        "loss": "categorical_crossentropy",
        "metrics": [[{"class_name": "MeanMetricWrapper",
                      "config": {"name": "accuracy", "dtype": "float32",
                                 "fn": "categorical_accuracy"}}]],
        "weighted_metrics": None, "loss_weights": None,
        "optimizer_config": {"class_name": "Custom>Adam", "config": {
            "name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
            "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
            "ema_overwrite_frequency": None, "jit_compile": True, "is_legacy_optimizer": False,
            "learning_rate": 0.004999999888241291, "beta_1": 0.9, "beta_2": 0.999,
            "epsilon": 1e-07, "amsgrad": False}}}
    path = tmp_path / "m.h5"
    with h5py.File(path, "w") as f:
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.15.0"
        f.attrs["model_config"] = json.dumps(model_config).encode()
        f.attrs["training_config"] = json.dumps(training_config).encode()
    keras2_weights_file_group(path)
    with pytest.warns(UserWarning, match="Keras 2.15.0"):
        loaded = keras.models.load_model(path)
    assert [type(l).__name__ for l in loaded.layers] == ["Dense", "Dropout", "Dense"]
    assert loaded.input_shape == (None, 3)
    assert_loaded(loaded)
    assert isinstance(loaded.optimizer, keras.optimizers.Adam)
    assert float(loaded.optimizer.learning_rate) == pytest.approx(0.005)
    assert int(loaded.optimizer.iterations.numpy()) == 0  # Keras 2 state is not reused
    loaded.fit(X, np.eye(2, dtype=np.float32)[np.arange(16) % 2], verbose=0)
    assert "accuracy" in loaded.history.history


def keras2_weights_file_group(path):
    """Add /model_weights (Keras 2 layout) and Keras 2 /optimizer_weights to a model file."""
    keras2_weights_file(path.with_suffix(".tmp.h5"))
    with h5py.File(path.with_suffix(".tmp.h5"), "r") as src, h5py.File(path, "a") as dst:
        group = dst.create_group("model_weights")
        for key, value in src.attrs.items():
            group.attrs[key] = value
        for name in src:
            src.copy(src[name], group, name)
        opt = dst.create_group("optimizer_weights")
        opt.attrs["weight_names"] = np.array([b"Adam/iter:0"])
        opt["Adam/iter:0"] = np.int64(7)


def test_keras_2_13_weights_file_with_layer_checkpoint_dependencies(tmp_path):
    # Keras 2.13-2.15 wrote the new layout with `_layer_checkpoint_dependencies` for `layers`.
    with h5py.File(tmp_path / "w.weights.h5", "w") as f:
        f.create_group("vars")
        for key, kernel, bias in (("dense", KERNEL, BIAS), ("dense_1", KERNEL_1, BIAS_1)):
            g = f.create_group(f"_layer_checkpoint_dependencies/{key}/vars")
            g["0"], g["1"] = kernel, bias
    m = model(("x", "y", "z"))
    m.load_weights(tmp_path / "w.weights.h5")
    assert_loaded(m)


def test_keras_2_2_model_config_is_a_list_of_layers(tmp_path):
    layers_config = [{"class_name": "Dense", "config": {
        "name": "dense", "units": 4, "batch_input_shape": [None, 3], "activation": "linear"}},
        {"class_name": "Dense", "config": {"name": "dense_1", "units": 2}}]
    with h5py.File(tmp_path / "old.h5", "w") as f:
        f.attrs["keras_version"] = b"2.2.4"
        f.attrs["model_config"] = json.dumps({"class_name": "Sequential",
                                              "config": layers_config}).encode()
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = np.array([b"dense", b"dense_1"])
        for layer, kernel, bias in (("dense", KERNEL, BIAS), ("dense_1", KERNEL_1, BIAS_1)):
            g = group.create_group(layer)
            g.attrs["weight_names"] = np.array([f"{layer}/kernel:0".encode(),
                                                f"{layer}/bias:0".encode()])
            g[f"{layer}/kernel:0"], g[f"{layer}/bias:0"] = kernel, bias
    with pytest.warns(UserWarning, match="No training configuration"):
        loaded = keras.models.load_model(tmp_path / "old.h5")
    np.testing.assert_array_equal(loaded.layers[1].kernel.numpy(), KERNEL_1)


def test_long_string_lists_are_split_like_keras(tmp_path):
    # 9.3: attributes larger than 64512 bytes become name0, name1, ...
    from minikeras.saving.files import read_string_list, write_string_list
    names = [f"layer_{i:04d}" + "x" * 40 for i in range(400)]  # 400 * 50 chars * 4 bytes
    with h5py.File(tmp_path / "a.h5", "w") as f:
        write_string_list(f, "layer_names", names)
        assert sorted(f.attrs) == ["layer_names0", "layer_names1"]
        assert read_string_list(f, "layer_names") == names
