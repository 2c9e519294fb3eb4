"""A layer's config against the one Keras 3 wrote for the same arguments (a fixture entry)."""
import json


def assert_keras_config(layer, keras_json, ours_only=("name", "dtype")):
    """Every key of Keras's config (stored without name and dtype) has Keras's value,
    minikeras adds no key beyond ``ours_only``, and Keras's config builds the same layer."""
    expected = json.loads(str(keras_json))
    config = json.loads(json.dumps(layer.get_config()))  # as saved: tuples are lists there
    assert {k: config.get(k, "<missing>") for k in expected} == expected
    assert set(config) - set(expected) == set(ours_only)
    rebuilt = json.loads(json.dumps(type(layer).from_config(expected).get_config()))
    assert {k: rebuilt[k] for k in expected} == expected
