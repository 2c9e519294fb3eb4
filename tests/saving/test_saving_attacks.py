"""Crafted files: nothing outside the file is read, nothing is read before it is checked,
a failed load changes nothing, and every malformed input ends in a documented error."""
import functools
import io
import json
import os
import tracemalloc
import warnings
import zipfile

import h5py
import numpy as np
import pytest
from hardening_helpers import DOCUMENTED, small_model, state

import minikeras as keras
from minikeras.saving import serialization, stored_arrays
from minikeras.saving.load_plan import LoadPlan
from minikeras.saving.stored_arrays import UnsafeFileError

KERNEL = "layers/dense/vars/0"  # the first Dense kernel, shape (3, 4)


def saved_weights(tmp_path, compiled=False):
    path = str(tmp_path / "w.weights.h5")
    small_model(compiled=compiled, seed=1).save_weights(path)
    return path


def replace_kernel(path, make):
    """Delete the first kernel of the file at ``path`` and put ``make(file)`` in its place."""
    with h5py.File(path, "a") as f:
        del f[KERNEL]
        make(f)


def secret_file(tmp_path):
    secret = str(tmp_path / "secret.h5")
    with h5py.File(secret, "w") as f:
        f["data"] = np.full((3, 4), 7.0, np.float32)
    return secret


def external_link(tmp_path, f):
    f[KERNEL] = h5py.ExternalLink(secret_file(tmp_path), "/data")


def soft_link(tmp_path, f):
    f["elsewhere"] = np.full((3, 4), 7.0, np.float32)
    f[KERNEL] = h5py.SoftLink("/elsewhere")


def external_storage(tmp_path, f):
    raw = tmp_path / "raw.bin"
    raw.write_bytes(np.full((3, 4), 7.0, np.float32).tobytes())
    f.create_dataset(KERNEL, shape=(3, 4), dtype="<f4", external=[(str(raw), 0, 48)])


def virtual_dataset(tmp_path, f):
    layout = h5py.VirtualLayout(shape=(3, 4), dtype="f4")
    layout[:] = h5py.VirtualSource(secret_file(tmp_path), "data", shape=(3, 4))
    f[KERNEL.rsplit("/", 1)[0]].create_virtual_dataset("0", layout)


@pytest.mark.parametrize("attack", [external_link, soft_link, external_storage, virtual_dataset])
def test_data_outside_the_file_is_refused_naming_the_path(tmp_path, attack):
    path = saved_weights(tmp_path)
    replace_kernel(path, lambda f: attack(tmp_path, f))
    model = small_model(compiled=False, seed=2)
    before = state(model)
    with pytest.raises(UnsafeFileError, match=KERNEL):
        model.load_weights(path)
    assert state(model) == before


def test_links_in_a_legacy_file_are_refused(tmp_path):
    path = str(tmp_path / "w.h5")
    model = small_model(compiled=False, seed=1)
    model.save(path)
    with h5py.File(path, "a") as f:
        group = f["model_weights"][model.layers[0].name]
        name = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]][0]
        del group[name]
        group[name] = h5py.ExternalLink(secret_file(tmp_path), "/data")
    with pytest.raises(UnsafeFileError, match="ExternalLink"):
        keras.models.load_model(path)


def test_shard_names_cannot_leave_the_folder(tmp_path):
    path = str(tmp_path / "w.weights.json")
    small_model(compiled=False, seed=1).save_weights(path, max_shard_size=0.001)
    sharding = json.loads(open(path).read())
    first = next(iter(sharding["weight_map"]))
    sharding["weight_map"][first] = ["../../etc/passwd"]
    with open(path, "w") as f:
        json.dump(sharding, f)
    with pytest.raises(UnsafeFileError, match="plain file name"):
        small_model(compiled=False).load_weights(path)


# ---- shape bombs: headers are checked before data is read --------------------------------
def declare_huge(f, name, shape):
    group, key = name.rsplit("/", 1)
    del f[name]
    f[group].create_dataset(key, shape=shape, dtype="f4", chunks=(64, 64))  # no data written


def peak_bytes(call):
    tracemalloc.start()
    try:
        call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_layer_shape_bomb_is_refused_without_reading(tmp_path):
    path = saved_weights(tmp_path)
    with h5py.File(path, "a") as f:
        declare_huge(f, KERNEL, (4000, 4000))  # 64 MB if it were read
    model = small_model(compiled=False)

    def load():
        with pytest.raises(ValueError, match="4000, 4000"):
            model.load_weights(path)
    assert peak_bytes(load) < 8 * 2 ** 20


def test_an_optimizer_shape_bomb_is_skipped_without_reading(tmp_path):
    path = saved_weights(tmp_path, compiled=True)
    with h5py.File(path, "a") as f:
        declare_huge(f, "optimizer/vars/2", (4000, 4000))
    model = small_model(compiled=True, seed=3)
    before = state(model)

    def load():
        with pytest.warns(UserWarning, match="optimizer"):
            model.load_weights(path)
    assert peak_bytes(load) < 8 * 2 ** 20
    after = state(model)
    layers = len(model.weights)
    assert after[:layers] != before[:layers]  # the layers loaded
    assert after[layers:] == before[layers:]  # the optimizer was skipped


# ---- dtypes --------------------------------------------------------------------------------
@pytest.mark.parametrize("data", [np.arange(12, dtype=np.int32).reshape(3, 4),
                                  np.ones((3, 4), bool),
                                  np.array([["ab"] * 4] * 3, dtype="S2")],
                         ids=["int", "bool", "bytes"])
def test_non_float_data_for_a_float_variable_is_refused(tmp_path, data):
    path = saved_weights(tmp_path)
    replace_kernel(path, lambda f: f.create_dataset(KERNEL, data=data))
    model = small_model(compiled=False, seed=2)
    before = state(model)
    with pytest.raises(ValueError, match="needs float data"):
        model.load_weights(path)
    assert state(model) == before


def test_a_narrowing_float_conversion_warns_once_naming_the_variable(tmp_path):
    path = saved_weights(tmp_path)
    wide = np.linspace(0, 1, 12).reshape(3, 4)  # float64
    replace_kernel(path, lambda f: f.create_dataset(KERNEL, data=wide))
    model = small_model(compiled=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.load_weights(path)
    narrowing = [w for w in caught if "narrows" in str(w.message)]
    assert len(narrowing) == 1 and \
        f"{model.layers[0].name}/kernel" in str(narrowing[0].message)
    np.testing.assert_array_equal(model.layers[0].kernel.numpy(), wide.astype(np.float32))


def test_a_widening_float16_load_is_exact_and_silent(tmp_path):
    path = saved_weights(tmp_path)
    half = np.linspace(0, 1, 12).reshape(3, 4).astype(np.float16)
    replace_kernel(path, lambda f: f.create_dataset(KERNEL, data=half))
    model = small_model(compiled=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.load_weights(path)
    np.testing.assert_array_equal(model.layers[0].kernel.numpy(), half.astype(np.float32))


# ---- all or nothing: a failure injected at every step leaves the model bit-identical -----
def _fail(*args, **kwargs):
    raise ValueError("injected failure")


def _fail_on_third_read(monkeypatch):
    calls = {"n": 0}
    real = stored_arrays.StoredArray.read

    def read(self):
        calls["n"] += 1
        if calls["n"] == 3:
            raise UnsafeFileError("injected failure")
        return real(self)
    monkeypatch.setattr(stored_arrays.StoredArray, "read", read)


def _fail_on_last_cast(monkeypatch):
    calls = {"n": 0}
    real = stored_arrays.cast_for
    import minikeras.saving.load_plan as load_plan

    def cast(dtype, array, where):
        calls["n"] += 1
        if calls["n"] == 12:  # the last optimizer slot
            raise UnsafeFileError("injected failure")
        return real(dtype, array, where)
    monkeypatch.setattr(load_plan, "cast_for", cast)


STEPS = {
    "open a dataset": lambda mp: mp.setattr(
        "minikeras.saving.weights_h5.stored_dataset", _fail),
    "read the 3rd array": _fail_on_third_read,
    "convert the optimizer's last slot": _fail_on_last_cast,
    "size check": lambda mp: mp.setattr("minikeras.saving.load_plan.check_size", _fail),
    "check the plan": lambda mp: mp.setattr(LoadPlan, "check", _fail),
}


@pytest.fixture(scope="module")
def saved_sources(tmp_path_factory):
    """{format: (path, state)} of the trained seed-1 model saved once in each format (the
    tests only read the files)."""
    folder, source, out = tmp_path_factory.mktemp("sources"), small_model(seed=1), {}
    for fmt in ("weights.h5", "keras"):
        path = str(folder / f"m.{fmt}")
        source.save(path) if fmt == "keras" else source.save_weights(path)
        out[fmt] = path, state(source)
    return out


@pytest.mark.parametrize("step", sorted(STEPS))
@pytest.mark.parametrize("fmt", ["weights.h5", "keras"])
def test_a_failure_at_any_step_leaves_the_model_bit_identical(saved_sources, monkeypatch, step,
                                                              fmt):
    path, source_state = saved_sources[fmt]
    model = small_model(compiled=True, seed=2)
    before = state(model)
    STEPS[step](monkeypatch)
    with pytest.raises(ValueError, match="injected failure"):
        model.load_weights(path)
    assert state(model) == before
    monkeypatch.undo()
    model.load_weights(path)  # without the failure everything loads
    assert state(model) == source_state


# ---- size caps -------------------------------------------------------------------------------
@pytest.fixture
def small_cap():
    old = keras.config.max_load_bytes()
    keras.config.set_max_load_bytes(64 * 1024)
    yield
    keras.config.set_max_load_bytes(old)


def test_the_cap_has_a_documented_default_and_checks_its_argument():
    assert keras.config.max_load_bytes() == 2 ** 34
    for bad in (0, -1, 1.5, "1", True):
        with pytest.raises(ValueError, match="positive int"):
            keras.config.set_max_load_bytes(bad)


def test_a_config_declaring_huge_weights_is_refused_before_allocating(small_cap):
    config = json.loads(small_model(compiled=False).to_json())
    config["config"]["layers"][1]["config"]["units"] = 20000  # kernel 3 x 20000 float32
    for layer in config["config"]["layers"]:  # the layers after it follow the new width
        layer.pop("build_config", None)
    with pytest.raises(ValueError, match="load limit"):
        keras.models.model_from_json(json.dumps(config))
    keras.config.set_max_load_bytes(2 ** 34)
    assert keras.models.model_from_json(json.dumps(config)).layers[0].units == 20000


def test_zip_members_are_checked_by_declared_size_before_reading(tmp_path, small_cap,
                                                                 monkeypatch):
    path = str(tmp_path / "big.keras")
    model = small_model(compiled=False)
    keras.config.set_max_load_bytes(2 ** 34)
    model.save(path)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    config = json.loads(members["config.json"])
    config["padding"] = " " * 5000  # a config.json larger than the text cap below
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    keras.config.set_max_load_bytes(64 * 64)  # text cap: 64 bytes
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open",
                        lambda self, name, *a, **k: opened.append(getattr(name, "filename", name))
                        or real_open(self, name, *a, **k))
    with pytest.raises(ValueError, match="config.json.*declared size"):
        keras.models.load_model(path)
    assert "config.json" not in opened


# ---- documented errors -------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def functional_json():
    inputs = keras.Input((3,), name="x")
    outputs = keras.layers.Dense(2, name="out")(inputs)
    return keras.Model(inputs, outputs).to_json()


def functional_config():
    """A fresh config dict of one small functional model (built once)."""
    return json.loads(functional_json())


def _set(path, value):
    def mutate(config):
        node = config
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return mutate


CONFIG_MUTATIONS = {
    "output_layers as a flat list": _set(["config", "output_layers"], ["out", 0]),
    "module is a number": _set(["config", "layers", 1, "module"], 3),
    "layers is a number": _set(["config", "layers"], 5),
    "layer config is a list": _set(["config", "layers", 1, "config"], [1, 2]),
    "inbound node of numbers": _set(["config", "layers", 1, "inbound_nodes"], [[[1, 2]]]),
    "class_name is a dict": _set(["config", "layers", 1, "class_name"], {"a": 1}),
    "input_layers empty": _set(["config", "input_layers"], []),
}


@pytest.mark.parametrize("name", sorted(CONFIG_MUTATIONS))
def test_malformed_configs_end_in_documented_errors(name):
    config = functional_config()
    CONFIG_MUTATIONS[name](config)
    with pytest.raises(DOCUMENTED):
        keras.models.model_from_json(json.dumps(config))


@pytest.mark.parametrize("text", [b"\xff\xfe\x00", "[" * 100000, "{}", "[1, 2]", "3", "null"])
def test_model_from_json_of_junk_is_a_value_error(text):
    with pytest.raises(ValueError):
        keras.models.model_from_json(text)


def test_a_config_nested_too_deep_is_a_clear_error(tmp_path):
    opening = '{"class_name": "Sequential", "config": {"name": "s", "layers": ['
    text = opening * 1000 + "]}}" * 1000  # 3000 levels of JSON
    with pytest.raises(ValueError, match="nested more than"):
        keras.models.model_from_json(text)


def nested_sequential_config(depth):
    """The config of a Sequential nested ``depth`` deep, written directly: building so many
    levels by calls is slow."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    config = json.loads(model.to_json())
    for _ in range(depth - 1):
        config = {"module": "keras", "class_name": "Sequential",
                  "config": {"name": "s", "layers": [
                      {"module": "keras.layers", "class_name": "InputLayer",
                       "config": {"batch_shape": [None, 2], "dtype": "float32", "name": "i"}},
                      config]}}
    return config


def test_a_sequential_nested_250_deep_round_trips():
    rebuilt = keras.models.model_from_json(json.dumps(nested_sequential_config(250)))
    depth, layer = 0, rebuilt
    while isinstance(layer, keras.Sequential):
        depth, layer = depth + 1, layer.layers[0]
    assert depth == 250
    assert [tuple(w.shape) for w in rebuilt.weights] == [(2, 2), (2,)]
    assert json.loads(rebuilt.to_json())["class_name"] == "Sequential"


def test_a_nested_config_is_checked_once_per_load(monkeypatch):
    """Classes are looked up once per object to check the config and once to build it,
    so twice the depth takes twice the lookups (each level checking what it holds again made
    a deep load quadratic)."""
    lookups = []
    locate = serialization.locate
    monkeypatch.setattr(serialization, "locate", lambda *a, **k: lookups.append(1) or locate(
        *a, **k))

    def lookups_to_load(depth):
        lookups.clear()
        keras.models.model_from_json(json.dumps(nested_sequential_config(depth)))
        return len(lookups)

    assert lookups_to_load(40) <= 2.1 * lookups_to_load(20)


def test_a_damaged_sharded_map_is_a_documented_error(tmp_path):
    path = str(tmp_path / "w.weights.json")
    small_model(compiled=False).save_weights(path, max_shard_size=0.001)
    for junk in ('{"weight_map": [1, 2]}', '{"weight_map": {"/vars": 3}}', '[]', '{"a": 1}'):
        with open(path, "w") as f:
            f.write(junk)
        with pytest.raises(ValueError, match="sharded weights map"):
            small_model(compiled=False).load_weights(path)


def test_unreadable_h5_internals_are_documented_errors(tmp_path):
    path = saved_weights(tmp_path)
    with h5py.File(path, "a") as f:  # a dataset where a group should be
        del f["layers/dense"]
        f["layers/dense"] = np.zeros(3)
    with pytest.raises(DOCUMENTED):
        small_model(compiled=False).load_weights(path)


def test_stale_temporaries_of_the_same_target_are_removed(tmp_path):
    path = tmp_path / "w.weights.h5"
    stale = tmp_path / ".w.weights.h5.abc123.tmp"
    stale.write_bytes(b"\0" * 1000)
    other = tmp_path / ".other.weights.h5.abc123.tmp"
    other.write_bytes(b"keep")
    stale_dir = tmp_path / ".m.keras.xyz.tmpdir"
    stale_dir.mkdir()
    (stale_dir / "config.json").write_text("{}")
    model = small_model(compiled=False)
    model.save_weights(str(path))
    model.save(str(tmp_path / "m.keras"), zipped=False)
    assert not stale.exists() and not stale_dir.exists()
    assert other.exists()
    assert sorted(os.listdir(tmp_path)) == [".other.weights.h5.abc123.tmp", "m.keras",
                                            "w.weights.h5"]


def test_a_sharded_map_detects_a_shard_from_another_save(tmp_path):
    path = str(tmp_path / "w.weights.json")
    small_model(compiled=False, seed=1).save_weights(path, max_shard_size=0.0000005)
    old_map = open(path).read()
    small_model(compiled=False, seed=2).save_weights(path, max_shard_size=0.0000005)
    with open(path, "w") as f:  # as if the second save died before writing its map
        f.write(old_map)
    model = small_model(compiled=False, seed=3)
    before = state(model)
    with pytest.raises(ValueError, match="SHA-256"):
        model.load_weights(path)
    assert state(model) == before


def test_in_memory_h5_sources_name_the_keras_file(tmp_path):
    path = str(tmp_path / "m.keras")
    small_model(compiled=False).save(path)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    buffer = io.BytesIO(members["model.weights.h5"])
    with h5py.File(buffer, "a") as f:
        replace = f[KERNEL][()]
        del f[KERNEL]
        f[KERNEL] = replace.astype(np.int64)
    members["model.weights.h5"] = buffer.getvalue()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    with pytest.raises(ValueError, match="m.keras"):
        keras.models.load_model(path)
