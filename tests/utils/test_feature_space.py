"""keras.utils.FeatureSpace.

Expected numbers: tests/fixtures/keras_feature_space{.keras,_io.npz} made with real Keras
3.15.1 (tools/make_feature_space_fixture.py: float, float_rescaled, float_normalized and
float_discretized features, the ones whose layers run without TensorFlow); the widths of
Keras's own feature_space_test.py (152 and 195); and hand derivations (vocabulary order,
one-hot positions, mean/variance) written next to each test.
"""
import io
import json
import zipfile

import h5py
import numpy as np
import pytest

import minikeras as keras
from minikeras.utils import FeatureSpace
from minikeras.utils.dataset import Dataset

FIXTURES = "tests/fixtures/"


# ---- Keras parity (fixture) ------------------------------------------------------------------
@pytest.fixture(scope="module")
def keras_io():
    return np.load(FIXTURES + "keras_feature_space_io.npz")


def float_space():
    """The FeatureSpace of tools/make_feature_space_fixture.py."""
    return FeatureSpace({"d": FeatureSpace.float_discretized(num_bins=4, name="d"),
                         "c": "float_normalized", "a": "float",
                         "b": FeatureSpace.float_rescaled(scale=2.0, offset=1.0, name="b")})


def columns(io_, prefix):
    return {k: io_[f"{prefix}_{k}"] for k in "abcd"}


def test_adapt_and_encoding_match_keras(keras_io):
    fs = float_space()
    fs.adapt(columns(keras_io, "train"), verbose=0)  # 300 rows: 9 batches of 32, one of 12
    np.testing.assert_array_equal(fs.preprocessors["d"].bin_boundaries,
                                  keras_io["bin_boundaries"])
    # Keras's statistics have the broadcast shape (1, 1) too
    np.testing.assert_allclose(fs.preprocessors["c"].mean, keras_io["mean"], rtol=1e-6)
    np.testing.assert_allclose(fs.preprocessors["c"].variance, keras_io["variance"], rtol=1e-5)
    encoded = fs(columns(keras_io, "test"))
    assert encoded.shape == (6, 7)  # a, b, c (one each), d (4 bins): sorted names
    np.testing.assert_allclose(encoded.numpy(), keras_io["encoded"], atol=1e-6)


def test_file_written_by_keras_loads_and_encodes_the_same(keras_io):
    fs = keras.saving.load_model(FIXTURES + "keras_feature_space.keras")
    assert isinstance(fs, FeatureSpace)
    np.testing.assert_allclose(fs(columns(keras_io, "test")).numpy(), keras_io["encoded"],
                               atol=1e-6)
    assert isinstance(fs.preprocessors["a"], keras.layers.Identity)  # Keras's TFDIdentity


def test_config_has_keras_keys_and_object_names(keras_io):
    ours = float_space().get_config()
    theirs = json.loads(str(keras_io["config"]))
    assert ours.keys() == theirs.keys()
    assert list(ours["features"]) == list(theirs["features"])
    for name, feature in ours["features"].items():
        keras_feature = theirs["features"][name]
        for key in ("module", "class_name", "registered_name"):
            assert feature[key] == keras_feature[key]
        assert feature["config"].keys() == keras_feature["config"].keys()
        assert feature["config"]["dtype"] == keras_feature["config"]["dtype"]
        assert feature["config"]["output_mode"] == keras_feature["config"]["output_mode"]
    assert ours["crosses"] == theirs["crosses"] == []


def weight_groups(path):
    """{group path: number of arrays} of the weights inside a .keras file."""
    with zipfile.ZipFile(path) as archive:
        f = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
        found = {}
        f.visititems(lambda name, obj: found.__setitem__(name, len(obj))
                     if isinstance(obj, h5py.Group) and name.endswith("vars") and len(obj)
                     else None)
        return found


def test_saved_file_stores_weights_where_keras_does(keras_io, tmp_path):
    fs = float_space()
    fs.adapt(columns(keras_io, "train"), verbose=0)
    fs.save(tmp_path / "fs.keras")
    assert weight_groups(tmp_path / "fs.keras") == weight_groups(
        FIXTURES + "keras_feature_space.keras") == {"preprocessors/normalization/vars": 3}


# ---- shapes and numbers from Keras's tests and by hand ---------------------------------------
def keras_test_data(strings=True):
    """The data of Keras's feature_space_test.py."""
    floats = np.arange(10) / 10
    data = {"float_1": floats, "float_2": floats, "float_3": floats,
            "int_1": np.arange(10), "int_2": np.arange(10), "int_3": np.arange(10)}
    if strings:
        data["string_1"] = data["string_2"] = np.array(list("0123456789"))
    return data


def test_widths_of_keras_basic_usage():
    # floats 1 + 1, float_discretized 32 bins, integer_categorical 10 ids + OOV = 11 twice,
    # hashed 32, two crosses 32 each: 152; strings add 11 (categorical) + 32 (hashed): 195.
    fs = FeatureSpace(
        {"float_1": "float", "float_2": "float_normalized", "float_3": "float_discretized",
         "string_1": "string_categorical", "string_2": "string_hashed",
         "int_1": "integer_categorical", "int_2": "integer_hashed",
         "int_3": "integer_categorical"},
        crosses=[("float_3", "string_1"), ("string_2", "int_2")])
    data = keras_test_data()
    fs.adapt(Dataset.from_tensor_slices(data), verbose=0)   # unbatched
    fs.adapt(Dataset.from_tensor_slices(data).batch(4), verbose=0)  # batched
    assert fs(data).shape == (10, 195)
    one = fs({k: v[0] for k, v in data.items()})
    assert one.shape == (195,)
    np.testing.assert_array_equal(one.numpy(), fs(data).numpy()[0])
    fs = FeatureSpace({"float_1": "float", "float_2": "float_normalized",
                       "float_3": "float_discretized", "int_1": "integer_categorical",
                       "int_2": "integer_hashed", "int_3": "integer_categorical"},
                      crosses=[("int_1", "int_2"), ("int_2", "int_3")])
    fs.adapt(keras_test_data(strings=False), verbose=0)
    assert fs(keras_test_data(strings=False)).shape == (10, 152)


def test_dict_mode_widths_and_int_outputs():
    data = keras_test_data(strings=False)
    fs = FeatureSpace({"float_1": "float", "int_1": "integer_categorical",
                       "int_2": "integer_hashed"},
                      crosses=[("int_1", "int_2")], output_mode="dict")
    data = {k: data[k] for k in ("float_1", "int_1", "int_2")}
    fs.adapt(data, verbose=0)
    out = fs(data)
    assert sorted(out) == ["float_1", "int_1", "int_1_X_int_2", "int_2"]
    assert out["int_2"].shape == out["int_1_X_int_2"].shape == (10, 32)
    assert out["int_1"].shape == (10, 11) and out["float_1"].shape == (10, 1)
    assert fs({k: v[0] for k, v in data.items()})["int_2"].shape == (32,)
    cls = FeatureSpace
    fs = FeatureSpace({"int_1": cls.integer_categorical(output_mode="int"),
                       "int_2": cls.integer_hashed(num_bins=32, output_mode="int")},
                      crosses=[cls.cross(("int_1", "int_2"), crossing_dim=32,
                                         output_mode="int")], output_mode="dict")
    fs.adapt(data, verbose=0)
    out = fs({k: v[0] for k, v in data.items() if k != "float_1"})
    assert out["int_2"].shape == out["int_1_X_int_2"].shape == (1,)
    assert str(out["int_2"].dtype).startswith("int") and str(
        out["int_1_X_int_2"].dtype).startswith("int")


def small_space(**kwargs):
    return FeatureSpace({"s": "string_categorical", "i": "integer_categorical",
                         "f": FeatureSpace.float_rescaled(scale=2.0),
                         "n": "float_normalized"}, **kwargs)


SMALL = {"s": np.array(["b", "a", "b", "c", "b", "a"]), "i": np.array([5, 5, 7, 9, 7, 5]),
         "f": np.zeros(6), "n": np.array([1.0, 2.0, 3.0, 4.0, 2.5, 2.5])}


def test_encoding_by_hand():
    fs = small_space()
    fs.adapt(SMALL, verbose=0)
    # counts: s b:3 a:2 c:1 -> ["[UNK]", "b", "a", "c"]; i 5:3 7:2 9:1 -> [-1, 5, 7, 9]
    assert fs.preprocessors["s"].get_vocabulary() == ["[UNK]", "b", "a", "c"]
    assert fs.preprocessors["i"].get_vocabulary() == [-1, 5, 7, 9]
    # n: mean 2.5, variance (2.25 + 0.25 + 0.25 + 2.25 + 0 + 0) / 6 = 0.8333
    out = fs({"s": np.array(["a", "zzz"]), "i": np.array([7, 4]), "f": np.array([1.5, -1.0]),
              "n": np.array([2.5 + np.sqrt(5 / 6), 2.5])})
    # sorted: f (x * 2), i (one-hot of 4), n, s (one-hot of 4); unknown values -> OOV index 0
    expected = [[3.0, 0, 0, 1, 0, 1.0, 0, 0, 1, 0],
                [-2.0, 1, 0, 0, 0, 0.0, 1, 0, 0, 0]]
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-6)


def test_categories_without_oov_index():
    # keras-io's second FeatureSpace: num_oov_indices=0, so indices start at 0 -
    # i: 5, 7, 9 -> 0, 1, 2 and s: b, a, c -> 0, 1, 2; widths 3 + 3 + a cross of 64
    fs = FeatureSpace({"s": FeatureSpace.string_categorical(num_oov_indices=0),
                       "i": FeatureSpace.integer_categorical(num_oov_indices=0)},
                      crosses=[FeatureSpace.cross(feature_names=("s", "i"), crossing_dim=64)])
    fs.adapt({"s": SMALL["s"], "i": SMALL["i"]}, verbose=0)
    out = fs({"s": ["c"], "i": [5]}).numpy()
    assert out.shape == (1, 70)
    np.testing.assert_array_equal(out[0, :6], [1, 0, 0, 0, 0, 1])


def test_cross_is_hashed_crossing_of_the_indices():
    fs = small_space(crosses=[("s", "i")], crossing_dim=8)
    fs.adapt(SMALL, verbose=0)
    out = fs(SMALL).numpy()
    s_idx = np.array([[1], [2], [1], [3], [1], [2]])  # vocabulary positions, as above
    i_idx = np.array([[1], [1], [2], [3], [2], [1]])
    bins = keras.layers.HashedCrossing(8)([s_idx, i_idx]).numpy()[:, 0]
    np.testing.assert_array_equal(out[:, -8:], np.eye(8)[bins])  # crosses come last
    assert fs.crossers["s_X_i"].num_bins == 8


def test_string_shortcuts_use_the_space_defaults():
    fs = FeatureSpace({"a": "float_discretized", "b": "string_hashed", "c": "integer_hashed"},
                      hashing_dim=5, num_discretization_bins=3)
    assert fs.preprocessors["a"].num_bins == 3 and fs.preprocessors["a"].name == "a_preprocessor"
    assert fs.preprocessors["b"].num_bins == fs.preprocessors["c"].num_bins == 5
    assert fs.features["b"].dtype == "string" and fs.features["c"].dtype == "int32"
    with pytest.raises(ValueError, match="adapt"):
        fs.get_inputs()
    fs = FeatureSpace({"b": "string_hashed", "c": "integer_hashed", "r": "float_rescaled"},
                      hashing_dim=5)
    assert fs.get_inputs()["b"].dtype == "string"  # nothing to adapt: usable at once
    assert fs({"b": ["x"], "c": [3], "r": [0.5]}).shape == (1, 11)


def test_preprocessors_given_their_state_are_not_adapted():
    lookup = keras.layers.StringLookup(vocabulary=["x", "y"])
    norm = keras.layers.Normalization(mean=1.0, variance=4.0)
    fs = FeatureSpace({"s": FeatureSpace.feature(dtype="string", preprocessor=lookup,
                                                 output_mode="one_hot"),
                       "n": FeatureSpace.feature(dtype="float32", preprocessor=norm,
                                                 output_mode="float"),
                       "m": "float_normalized"})
    fs.adapt({"s": ["z", "z"], "n": [0.0, 0.0], "m": [0.0, 2.0]}, verbose=0)
    assert lookup.get_vocabulary() == ["[UNK]", "x", "y"]
    np.testing.assert_allclose(fs({"s": ["y"], "n": [3.0], "m": [2.0]}).numpy(),
                               [[1.0, 1.0, 0, 0, 1]])  # m, n, s: (3-1)/2, (2-1)/1


def test_custom_text_feature_from_keras_docstring():
    # Keras's docstring: a TextVectorization(output_mode="tf_idf") feature, adapted by adapt
    data = {"text": np.array(["1st string", "2nd string", "3rd string"])}
    fs = FeatureSpace({"text": FeatureSpace.feature(
        preprocessor=keras.layers.TextVectorization(output_mode="tf_idf"), dtype="string",
        output_mode="float")})
    fs.adapt(data, verbose=0)
    # vocabulary [UNK], string (3 documents), then 3rd, 2nd, 1st; idf = log(1 + 3 / (1 + df))
    assert fs.preprocessors["text"].get_vocabulary() == ["[UNK]", "string", "3rd", "2nd", "1st"]
    idf_string, idf_once = np.log(1 + 3 / 4), np.log(1 + 3 / 2)
    np.testing.assert_allclose(fs(data).numpy()[0], [0, idf_string, 0, 0, idf_once],
                               rtol=1e-6)
    given = keras.layers.TextVectorization(vocabulary=["a", "b"], output_mode="multi_hot")
    fs = FeatureSpace({"text": FeatureSpace.feature("string", given, "float")})
    fs.adapt(data, verbose=0)  # given its vocabulary: not adapted
    assert given.get_vocabulary() == ["[UNK]", "a", "b"]


def test_adapt_again_rebuilds_the_encoding_for_the_new_vocabulary():
    fs = FeatureSpace({"s": "string_categorical"})
    fs.adapt({"s": ["a", "b"]}, verbose=0)
    assert fs.get_encoded_features().shape == (None, 3)
    fs.adapt({"s": ["a", "b", "c", "d"]}, verbose=0)
    assert fs.get_encoded_features().shape == (None, 5) and fs({"s": ["d"]}).shape == (1, 5)


# ---- what adapt accepts ----------------------------------------------------------------------
def boundaries_after(data):
    fs = FeatureSpace({"x": FeatureSpace.float_discretized(num_bins=5), "k": "string_categorical"})
    fs.adapt(data, verbose=0)
    return fs.preprocessors["x"].bin_boundaries, fs.preprocessors["k"].get_vocabulary()


TABLE = {"x": np.random.default_rng(3).gamma(2.0, 1.0, 70).astype("float32"),
         "k": np.array(list("abcdefg") * 10)}


def test_adapt_sources_batched_by_32_agree():
    expected = boundaries_after(TABLE)
    labels = np.arange(70)
    assert boundaries_after(Dataset.from_tensor_slices(TABLE)) == expected
    assert boundaries_after(Dataset.from_tensor_slices(TABLE).batch(32)) == expected
    assert boundaries_after(Dataset.from_tensor_slices((TABLE, labels))) == expected
    assert boundaries_after(
        Dataset.from_tensor_slices((TABLE, labels)).batch(32).map(lambda x, y: x)) == expected
    samples = ({k: v[i] for k, v in TABLE.items()} for i in range(70))
    assert boundaries_after(samples) == expected  # a generator of single samples

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return {k: v[32 * i:32 * (i + 1)] for k, v in TABLE.items()}, labels[:1]
    assert boundaries_after(Batches()) == expected


def test_adapt_progress_bar(capsys):
    fs = FeatureSpace({"k": "string_categorical"})
    fs.adapt(TABLE, verbose=1)  # 70 rows: 3 batches of up to 32
    assert "3/3" in capsys.readouterr().out
    fs.adapt({"k": TABLE["k"]})  # Keras 3.15's adapt prints nothing (3.16 adds the bar)
    assert capsys.readouterr().out == ""


# ---- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize("features, crosses, message", [
    ({"a": "float_normalised"}, None, "Invalid feature type for feature 'a': 'float_normalised'"),
    ({"a": 3}, None, "Invalid feature type"),
    ({}, None, "cannot be None or empty"),
    ({"a": "integer_categorical"}, [("a", "b")], r"unknown features \['b'\]"),
    ({"a": "integer_categorical"}, [FeatureSpace.cross(("c", "a"), 4)], r"unknown features \['c'\]"),
])
def test_bad_construction(features, crosses, message):
    with pytest.raises(ValueError, match=message):
        FeatureSpace(features, crosses=crosses)


def test_bad_modes():
    with pytest.raises(ValueError, match="Expected one of .*Received: output_mode='flat'"):
        FeatureSpace({"a": "float"}, output_mode="flat")
    with pytest.raises(ValueError, match="output_mode='float'"):
        FeatureSpace.cross(("a", "b"), 4, output_mode="float")
    with pytest.raises(ValueError, match="output_mode='multi_hot'"):
        FeatureSpace.integer_categorical(output_mode="multi_hot")
    with pytest.raises(ValueError, match="at least two features"):
        FeatureSpace.cross("ab", 4)
    with pytest.raises(TypeError, match="must be a dict"):
        FeatureSpace(["a"])
    with pytest.raises(ValueError, match="Both `num_bins` and `bin_boundaries` should not be set"):
        FeatureSpace.float_discretized(num_bins=3, bin_boundaries=[0.0, 1.0])  # as in Keras
    with pytest.raises(ValueError, match="`crossing_dim` .* should be specified"):
        FeatureSpace({"a": "integer_hashed", "b": "integer_hashed"}, crosses=[("a", "b")],
                     crossing_dim=None)


def test_use_before_adapt():
    fs = small_space()
    for use in (lambda: fs(SMALL), fs.get_inputs, fs.get_encoded_features):
        with pytest.raises(ValueError, match=r"call `.adapt\(dataset\)` on the FeatureSpace"):
            use()


def test_call_with_missing_or_unknown_columns():
    fs = small_space()
    fs.adapt(SMALL, verbose=0)
    with pytest.raises(ValueError, match=r"missing: \['n'\], unknown: \[\]"):
        fs({k: v for k, v in SMALL.items() if k != "n"})
    with pytest.raises(ValueError, match=r"unknown: \['target'\]"):
        fs({**SMALL, "target": np.zeros(6)})
    with pytest.raises(ValueError, match="only be called with a dict.*ndarray"):
        fs(np.zeros((6, 4)))


@pytest.mark.parametrize("data, message", [
    (np.zeros((4, 2)), "Received: ndarray"),
    (3, "Received: int"),
    ("s,i", "Received: str"),
    ([np.zeros(3), np.zeros(3)], "elements that are dicts.*Received an element of type ndarray"),
    ({"s": ["a"], "i": [1], "f": [0.0]}, "has no feature 'n'"),
    (iter([]), "received no data"),
])
def test_adapt_on_wrong_data(data, message):
    with pytest.raises(ValueError, match=message):
        small_space().adapt(data, verbose=0)


def test_encodings_that_cannot_be_made():
    fs = FeatureSpace({"a": FeatureSpace.integer_categorical(output_mode="int")})
    with pytest.raises(ValueError, match="Cannot concatenate features because feature 'a'"):
        fs.adapt({"a": [1, 2]}, verbose=0)
    fs = FeatureSpace({"a": FeatureSpace.feature("float32", keras.layers.Rescaling(2.0),
                                                 "one_hot")})
    with pytest.raises(ValueError, match="should return an integer dtype.*float32"):
        fs.get_encoded_features()
    fs = FeatureSpace({"a": FeatureSpace.feature("int32", keras.layers.Identity(), "one_hot")})
    with pytest.raises(ValueError, match="cannot be one-hot encoded. Try using `output_mode='int'`"):
        fs.get_encoded_features()
    with pytest.raises(TypeError, match="`preprocessor` must be a layer"):
        FeatureSpace.feature("int32", "lookup", "int")


def test_save_needs_a_keras_file_name(tmp_path):
    with pytest.raises(ValueError, match="expected a `.keras` extension. Received"):
        small_space().save(tmp_path / "fs.h5")


# ---- config and files ------------------------------------------------------------------------
def test_config_round_trip():
    fs = small_space(crosses=[("s", "i")], crossing_dim=8, output_mode="dict")
    config = json.loads(json.dumps(fs.get_config()))
    rebuilt = FeatureSpace.from_config(config)
    assert rebuilt.get_config() == fs.get_config()
    assert rebuilt.crosses[0].crossing_dim == 8 and rebuilt.output_mode == "dict"
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(fs))
    assert isinstance(again, FeatureSpace) and again.get_config() == fs.get_config()


@pytest.mark.parametrize("output_mode", ["concat", "dict"])
def test_save_and_load_model_round_trip(tmp_path, output_mode):
    fs = FeatureSpace(
        {"s": "string_categorical", "i": "integer_categorical", "n": "float_normalized",
         "d": FeatureSpace.float_discretized(num_bins=3), "h": "string_hashed",
         "r": FeatureSpace.float_rescaled(scale=0.5, offset=1.0)},
        crosses=[("s", "i"), FeatureSpace.cross(("d", "h"), 16, output_mode="int")
                 if output_mode == "dict" else ("d", "h")], output_mode=output_mode)
    data = {**SMALL, "d": SMALL["n"] * 3, "h": SMALL["s"], "r": SMALL["n"]}
    del data["f"]
    fs.adapt(data, verbose=0)
    fs.save(tmp_path / "fs.keras")
    loaded = keras.saving.load_model(tmp_path / "fs.keras")
    assert loaded.get_config() == fs.get_config()
    probe = {k: v[::-1] for k, v in data.items()}
    ours, theirs = keras.tree.flatten(fs(probe)), keras.tree.flatten(loaded(probe))
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_unadapted_file_still_needs_adapt(tmp_path):
    small_space().save(tmp_path / "fs.keras")
    with pytest.raises(ValueError, match="call `.adapt"):
        keras.saving.load_model(tmp_path / "fs.keras")(SMALL)


# ---- models and pipelines --------------------------------------------------------------------
def test_parallel_map_encodes_as_the_serial_one():
    # keras-io maps the space over the batches with num_parallel_calls (threads here)
    fs = small_space(crosses=[("s", "i")])
    fs.adapt(SMALL, verbose=0)
    ds = Dataset.from_tensor_slices(SMALL).repeat(20).batch(4)
    serial = [x.numpy() for x in ds.map(fs)]
    parallel = [x.numpy() for x in ds.map(fs, num_parallel_calls=4)]
    assert len(serial) == 30
    for a, b in zip(serial, parallel):
        np.testing.assert_array_equal(a, b)


def tabular(n, seed):
    """x: a number, city: one of 4 strings, level: 0..4; y = [x + effect(city) + level/2 > 1]."""
    rng = np.random.default_rng(seed)
    table = {"x": rng.normal(0, 1, n), "city": rng.choice(np.array(list("pqrs")), n),
             "level": rng.integers(0, 5, n)}
    effect = {"p": -1.5, "q": -0.5, "r": 0.5, "s": 1.5}
    y = table["x"] + np.vectorize(effect.get)(table["city"]) + table["level"] / 2 > 1
    return table, y.astype("float32")


def test_model_on_encoded_features_learns_a_tabular_rule(tmp_path):
    keras.utils.set_random_seed(1)
    train, y_train = tabular(800, 0)
    test, y_test = tabular(300, 1)
    fs = FeatureSpace({"x": "float_normalized", "city": "string_categorical",
                       "level": "integer_categorical"}, crosses=[("city", "level")])
    fs.adapt(Dataset.from_tensor_slices((train, y_train)).batch(64), verbose=0)
    ds = Dataset.from_tensor_slices((train, y_train)).batch(32).map(lambda x, y: (fs(x), y))
    encoded = fs.get_encoded_features()
    outputs = keras.layers.Dense(1, activation="sigmoid")(
        keras.layers.Dense(16, activation="relu")(encoded))
    training_model = keras.Model(inputs=encoded, outputs=outputs)
    training_model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy",
                           metrics=["accuracy"])
    training_model.fit(ds, epochs=8, verbose=0)  # 0.97 on the test rows (seeds 1-3)
    inference_model = keras.Model(inputs=fs.get_inputs(), outputs=outputs)
    columns = {k: v[:, None] for k, v in test.items()}
    accuracy = np.mean((inference_model.predict(columns, verbose=0)[:, 0] > 0.5) == y_test)
    assert accuracy >= 0.95  # the rule is linear in the encoded features
    inference_model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(columns, verbose=0),
                               inference_model.predict(columns, verbose=0), atol=1e-6)
