"""keras.legacy.saving (= keras.utils.legacy) serialize/deserialize_keras_object: Keras 2's
config format. The configs and rebuilt objects of tests/fixtures/legacy_serialization_cases.py
are compared with Keras 3.15's (made once by tools/make_legacy_serialization_fixture.py)."""
import json

import pytest

import minikeras as keras
from minikeras.legacy.saving import deserialize_keras_object, serialize_keras_object
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("legacy_serialization_cases", "keras_legacy_serialization.json")


@pytest.fixture(scope="module")
def serialized():
    return cases.serialize_cases(keras)


def as_json(value):
    return json.loads(json.dumps(value))  # tuples as lists, as in the fixture


@pytest.mark.parametrize("name", sorted(KERAS["serialize"]))
def test_serialized_config_is_kerass(serialized, name):
    assert as_json(serialized[name]) == KERAS["serialize"][name]


def test_deserialized_objects_are_kerass():
    got = as_json(cases.deserialize_cases(keras))
    for name, expected in KERAS["deserialize"].items():
        assert got[name] == expected, name


def test_the_keras_2_format_has_no_module_and_flags_nested_objects(serialized):
    config = serialized["custom_layer"]
    assert set(config) == {"class_name", "config"}
    assert config["class_name"] == f"{cases.PACKAGE}>ScaleLayer"
    assert config["config"]["init"] == {"class_name": "Ones", "config": {},
                                        "__passive_serialization__": True}
    assert config["config"]["fn"] == f"{cases.PACKAGE}>scaled_tanh"
    # a Keras 3 layer's own config already holds Keras 3 dicts: they are kept as they are
    assert serialized["dense"]["config"]["kernel_initializer"]["module"] == "keras.initializers"
    assert serialized["relu"] == "relu" and serialized["none"] is None


def test_both_namespaces_hold_the_same_functions():
    assert keras.utils.legacy.serialize_keras_object is serialize_keras_object
    assert keras.utils.legacy.deserialize_keras_object is deserialize_keras_object
    assert keras.legacy.saving.deserialize_keras_object is deserialize_keras_object


def test_a_round_trip_rebuilds_the_layer():
    dense = keras.layers.Dense(4, activation="sigmoid", use_bias=False, name="rt")
    again = deserialize_keras_object(serialize_keras_object(dense),
                                     module_objects={"Dense": keras.layers.Dense})
    assert isinstance(again, keras.layers.Dense) and again is not dense
    assert again.get_config() == dense.get_config()


def test_names_resolve_through_module_objects_and_registered_objects():
    # Keras 3.15 raises AttributeError on these two (it reads a registry attribute it no
    # longer has); the lookup Keras 2 did is what the function documents.
    assert deserialize_keras_object("relu", module_objects={"relu": keras.activations.relu}) \
        is keras.activations.relu
    fn = cases.custom_objects(keras)["scaled_tanh"]
    assert deserialize_keras_object(f"{cases.PACKAGE}>scaled_tanh") is fn
    assert deserialize_keras_object(fn) is fn and deserialize_keras_object(None) is None


def test_the_callers_config_is_left_unchanged():
    config = {"class_name": "Recipe", "config": {"amount": f"{cases.PACKAGE}>scaled_tanh"}}
    deserialize_keras_object(config, custom_objects={"Recipe": cases.custom_objects(keras)[
        "Recipe"]})
    assert config["config"]["amount"] == f"{cases.PACKAGE}>scaled_tanh"


def test_custom_objects_reach_from_config_and_the_constructor():
    seen = {}

    class Holder:
        def __init__(self, fn):
            self.fn = fn

        @classmethod
        def from_config(cls, config, custom_objects=None):
            seen.update(custom_objects)
            return cls(config["fn"])  # the name "twice" was already replaced by the function

    def double(x):
        return 2 * x

    holder = deserialize_keras_object({"class_name": "Holder", "config": {"fn": "twice"}},
                                      custom_objects={"Holder": Holder, "twice": double})
    assert holder.fn is double and seen["Holder"] is Holder


def test_unserializable_input():
    with pytest.raises(ValueError, match=r"Cannot serialize 3 \(of type int\) because it "
                                         r"doesn't implement `get_config\(\)`"):
        serialize_keras_object(3)


@pytest.mark.parametrize("identifier, kwargs, message", [
    ({"class_name": "Foo", "config": {}}, {"printable_module_name": "layer"},
     "Unknown layer: 'Foo'. Please ensure"),
    ({"class_name": "Dense", "config": {}}, {}, "Unknown object: 'Dense'"),
    ("no_such_fn", {"module_objects": {}, "printable_module_name": "activation"},
     "Unknown activation: 'no_such_fn'"),
    ({"config": {}}, {}, r"Improper config format for \{'config': \{\}\}: expected a dict "
                         r"with `class_name` and `config` keys"),
    (3, {}, "Could not interpret serialized object: 3. Expected a"),
    ([1], {"printable_module_name": "loss"}, r"Could not interpret serialized loss: \[1\]"),
])
def test_bad_identifiers(identifier, kwargs, message):
    with pytest.raises(ValueError, match=message):
        deserialize_keras_object(identifier, **kwargs)
