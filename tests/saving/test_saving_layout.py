"""The files minikeras writes have exactly the layouts of KERAS_REFERENCE 9.2, 9.3 and 9.4.

Every expected structure below is transcribed from the reference's verified listings
(Keras 3.15.1), not from minikeras's own output.
"""
import io
import json
import re
import zipfile

from saving_helpers import listing, reference_model

import minikeras as keras
from minikeras import layers

F32, I32 = "float32", "int32"


def group(**attrs):
    return ("group", attrs)


def ds(*shape, dtype=F32):
    return ("dataset", tuple(shape), dtype)


# KERAS_REFERENCE 9.2, "Verified listing" (seq model, Adam(0.01), trained one epoch).
EXPECTED_9_2 = {
    "ROOT": group(),
    "/layers": group(),
    "/layers/batch_normalization": group(),
    "/layers/batch_normalization/vars": group(name="batch_normalization"),
    **{f"/layers/batch_normalization/vars/{i}": ds(4) for i in range(4)},
    "/layers/dense": group(),
    "/layers/dense/vars": group(name="dense"),
    "/layers/dense/vars/0": ds(3, 4), "/layers/dense/vars/1": ds(4),
    "/layers/dense_1": group(),
    "/layers/dense_1/vars": group(name="dense_1"),
    "/layers/dense_1/vars/0": ds(4, 2), "/layers/dense_1/vars/1": ds(2),
    "/layers/dropout": group(),
    "/layers/dropout/vars": group(name="dropout"),
    "/optimizer": group(),
    "/optimizer/vars": group(name="adam"),
    "/optimizer/vars/0": ds(dtype=I32), "/optimizer/vars/1": ds(),
    "/optimizer/vars/2": ds(3, 4), "/optimizer/vars/3": ds(3, 4),
    **{f"/optimizer/vars/{i}": ds(4) for i in range(4, 10)},
    "/optimizer/vars/10": ds(4, 2), "/optimizer/vars/11": ds(4, 2),
    "/optimizer/vars/12": ds(2), "/optimizer/vars/13": ds(2),
    "/vars": group(name="seq"),
}


def test_weights_h5_matches_the_verified_keras_listing(tmp_path):
    path = tmp_path / "seq.weights.h5"
    reference_model().save_weights(path)
    assert listing(path) == EXPECTED_9_2


def test_uncompiled_conv_model_matches_the_second_verified_listing(tmp_path):
    # 9.2 "Second verified file": custom names c1/bn/f/out, model "net", no /optimizer.
    model = keras.Sequential([keras.Input((6, 6, 2)), layers.Conv2D(3, 3, name="c1"),
                              layers.BatchNormalization(name="bn"), layers.Flatten(name="f"),
                              layers.Dense(2, name="out")], name="net")
    path = tmp_path / "net.weights.h5"
    model.save_weights(path)
    got = listing(path)
    assert got["/layers/conv2d/vars"] == group(name="c1")
    assert got["/layers/conv2d/vars/0"] == ds(3, 3, 2, 3)
    assert got["/layers/conv2d/vars/1"] == ds(3)
    assert got["/layers/batch_normalization/vars"] == group(name="bn")
    assert got["/layers/flatten/vars"] == group(name="f")
    assert got["/layers/dense/vars"] == group(name="out")
    assert got["/vars"] == group(name="net")
    assert not any(key.startswith("/optimizer") for key in got)


def test_sgd_momentum_slots_skip_non_trainable_statistics(tmp_path):
    # 9.2: SGD(momentum=0.9) -> 0 iteration, 1 learning_rate, 2..7 momentum of the six
    # trainable variables (c1 kernel, c1 bias, bn gamma, bn beta, out kernel, out bias).
    model = keras.Sequential([keras.Input((6, 6, 2)), layers.Conv2D(3, 3, name="c1"),
                              layers.BatchNormalization(name="bn"), layers.Flatten(name="f"),
                              layers.Dense(2, name="out")], name="net")
    model.compile(keras.optimizers.SGD(0.01, momentum=0.9), "mse")
    import numpy as np
    model.fit(np.zeros((4, 6, 6, 2), np.float32), np.zeros((4, 2), np.float32), verbose=0)
    path = tmp_path / "net.weights.h5"
    model.save_weights(path)
    got = {k: v for k, v in listing(path).items() if k.startswith("/optimizer/vars/")}
    assert got == {"/optimizer/vars/0": ds(dtype=I32), "/optimizer/vars/1": ds(),
                   "/optimizer/vars/2": ds(3, 3, 2, 3), "/optimizer/vars/3": ds(3),
                   "/optimizer/vars/4": ds(3), "/optimizer/vars/5": ds(3),
                   "/optimizer/vars/6": ds(48, 2), "/optimizer/vars/7": ds(2)}


def test_keras_zip_entries_metadata_config_and_weights(tmp_path):
    path = tmp_path / "seq.keras"
    reference_model().save(path)
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["metadata.json", "config.json", "model.weights.h5"]
        assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
        metadata = json.loads(archive.read("metadata.json"))
        config = json.loads(archive.read("config.json"))
        weights = io.BytesIO(archive.read("model.weights.h5"))
    assert metadata["keras_version"] == "3.15.1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d", metadata["date_saved"])
    assert metadata["minikeras_version"] == keras.__version__
    assert list(config)[:5] == ["module", "class_name", "config", "registered_name",
                                "build_config"]
    assert (config["module"], config["class_name"], config["registered_name"]) == \
        ("keras", "Sequential", None)
    assert config["build_config"] == {"input_shape": [None, 3]}
    compile_config = config["compile_config"]
    assert list(compile_config) == ["optimizer", "loss", "loss_weights", "metrics",
                                    "weighted_metrics", "run_eagerly", "steps_per_execution",
                                    "jit_compile"]
    assert compile_config["optimizer"]["class_name"] == "Adam"
    assert compile_config["optimizer"]["config"]["learning_rate"] == 0.009999999776482582
    assert compile_config["loss"] == "categorical_crossentropy"
    assert compile_config["metrics"] == ["accuracy"]
    entries = config["config"]["layers"]
    assert entries[0]["class_name"] == "InputLayer"  # 6.1: the InputLayer is in `layers`
    assert entries[0]["config"]["batch_shape"] == [None, 3]
    assert all(e["module"] == "keras.layers" and e["registered_name"] is None for e in entries)
    assert entries[1]["build_config"] == {"input_shape": [None, 3]}
    assert config["config"]["build_input_shape"] == [None, 3]
    assert listing(weights) == EXPECTED_9_2  # 9.4: "exactly the 9.2 listing"


def test_legacy_h5_model_file_layout(tmp_path):
    # KERAS_REFERENCE 9.3, "Keras 3 model.save("x.h5")" listing of the same model.
    path = tmp_path / "seq.h5"
    reference_model().save(path)
    got = listing(path)
    root = got.pop("ROOT")[1]
    assert root["backend"] == "numpy" and root["keras_version"] == "3.15.1"
    assert root["minikeras_version"] == keras.__version__
    model_config = json.loads(root["model_config"])
    assert model_config["class_name"] == "Sequential"
    for entry in model_config["config"]["layers"]:
        assert set(entry) == {"class_name", "config"}  # legacy form: no "module"
    dense = model_config["config"]["layers"][1]["config"]
    assert dense["kernel_initializer"]["module"] == "keras.initializers"
    training = json.loads(root["training_config"])
    assert list(training) == ["loss", "loss_weights", "metrics", "weighted_metrics",
                              "run_eagerly", "steps_per_execution", "jit_compile",
                              "optimizer_config"]
    assert training["loss"] == "categorical_crossentropy" and training["metrics"] == ["accuracy"]
    assert training["optimizer_config"]["class_name"] == "Adam"
    assert set(training["optimizer_config"]) == {"class_name", "config"}
    weights = got.pop("/model_weights")[1]
    assert weights["layer_names"] == ["dense", "batch_normalization", "dropout", "dense_1"]
    assert weights["backend"] == "numpy" and weights["keras_version"] == "3.15.1"
    bn = [f"seq/batch_normalization/{n}" for n in ("gamma", "beta", "moving_mean",
                                                    "moving_variance")]
    assert got["/model_weights/batch_normalization"][1]["weight_names"] == bn
    for name in bn:
        assert got["/model_weights/batch_normalization/" + name] == ds(4)
    assert got["/model_weights/dense"][1]["weight_names"] == ["seq/dense/kernel", "seq/dense/bias"]
    assert got["/model_weights/dense/seq/dense/kernel"] == ds(3, 4)
    assert got["/model_weights/dense/seq/dense/bias"] == ds(4)
    assert got["/model_weights/dense_1"][1]["weight_names"] == ["seq/dense_1/kernel",
                                                                  "seq/dense_1/bias"]
    assert list(got["/model_weights/dropout"][1]["weight_names"]) == []
    assert list(got["/model_weights/top_level_model_weights"][1]["weight_names"]) == []
    slots = [f"adam/seq_{v}_{s}" for v in ("dense_kernel", "dense_bias",
                                           "batch_normalization_gamma",
                                           "batch_normalization_beta", "dense_1_kernel",
                                           "dense_1_bias") for s in ("momentum", "velocity")]
    names = got["/optimizer_weights"][1]["weight_names"]
    assert names == ["adam/iteration", "adam/learning_rate"] + slots
    assert got["/optimizer_weights/adam/iteration"] == ds(dtype=I32)
    assert got["/optimizer_weights/adam/learning_rate"] == ds()
    assert got["/optimizer_weights/adam/seq_dense_kernel_momentum"] == ds(3, 4)


def test_h5_string_attributes_are_variable_length_utf8(tmp_path):
    import h5py
    path = tmp_path / "seq.h5"
    reference_model(compiled=False).save(path)
    with h5py.File(path, "r") as f:
        assert h5py.check_string_dtype(f["model_weights"].attrs["layer_names"].dtype).encoding \
            == "utf-8"
        assert isinstance(f.attrs["keras_version"], str)


def test_sharded_weights_layout(tmp_path):
    # Keras 3.15: x.weights.json {"metadata": {"total_size"}, "weight_map": {group: [shards]}}
    model = keras.Sequential([keras.Input((3,)), layers.Dense(400, name="a"),
                              layers.Dense(300, name="b"), layers.Dense(2, name="c")], name="s")
    model.save_weights(tmp_path / "sh.weights.json", max_shard_size=0.00045)  # 483183 bytes
    index = json.loads((tmp_path / "sh.weights.json").read_text())
    assert index["metadata"]["total_size"] == float(4 * (3 * 400 + 400 + 400 * 300 + 300 +
                                                         300 * 2 + 2))
    assert index["weight_map"] == {"/layers/dense/vars": ["sh_00000.weights.h5"],
                                   "/layers/dense_1/vars": ["sh_00001.weights.h5"],
                                   "/layers/dense_2/vars": ["sh_00002.weights.h5"]}
    first = listing(tmp_path / "sh_00000.weights.h5")
    assert first["/layers/dense_1/vars"] == group(name="b")  # started here, filled in shard 1
    assert "/layers/dense_1/vars/0" not in first
    second = listing(tmp_path / "sh_00001.weights.h5")
    assert second["/layers/dense_1/vars"] == group()
    assert second["/layers/dense_1/vars/0"] == ds(400, 300)
