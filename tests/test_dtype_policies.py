"""keras.dtype_policies, keras.config.set_dtype_policy and keras.mixed_precision; expected
values are Keras 3.15's (probed with a scratch install: names, reprs, configs, errors)."""
import json
import warnings

import numpy as np
import pytest

import minikeras as keras
from minikeras import dtype_policies


@pytest.fixture(autouse=True)
def restore_global_policy():
    yield
    dtype_policies._GLOBAL[0] = None


def test_the_default_policy_follows_floatx():
    policy = keras.config.dtype_policy()
    assert repr(policy) == '<DTypePolicy "float32">' and policy.name == "float32"
    assert keras.DTypePolicy().name == "float32"


def test_a_named_policy_and_its_config():
    policy = keras.DTypePolicy("float16")
    assert (policy.name, policy.compute_dtype, policy.variable_dtype) == \
        ("float16", "float16", "float16")
    assert policy.get_config() == {"name": "float16"}
    assert keras.dtype_policies.serialize(policy) == {
        "module": "keras", "class_name": "DTypePolicy", "config": {"name": "float16"},
        "registered_name": None}
    assert keras.dtype_policies.deserialize(keras.dtype_policies.serialize(policy)) == policy
    assert keras.dtype_policies.get("float16") == policy
    mixed = keras.DTypePolicy("mixed_float16")
    assert (mixed.compute_dtype, mixed.variable_dtype) == ("float16", "float32")


def test_set_dtype_policy_makes_new_layers_compute_in_it():
    keras.config.set_dtype_policy("float64")
    dense = keras.layers.Dense(2)
    y = dense(np.ones((1, 3), "float32"))
    assert (dense.dtype, dense.compute_dtype, dense.variable_dtype) == ("float64",) * 3
    assert dense.dtype_policy == keras.DTypePolicy("float64")
    assert dense.kernel.dtype == "float64" and y.dtype == "float64"
    assert dense.get_config()["dtype"]["config"] == {"name": "float64"}
    assert keras.Input((3,)).dtype == "float32"          # inputs keep floatx
    assert keras.metrics.Mean().dtype == "float32"        # and so do metrics
    assert keras.mixed_precision.global_policy().name == "float64"


def test_a_layer_takes_a_policy_object_or_its_dict():
    assert keras.layers.Dense(2, dtype=keras.DTypePolicy("float64")).dtype == "float64"
    config = json.loads(json.dumps(keras.layers.Dense(2, dtype="float16").get_config()))
    assert keras.layers.Dense.from_config(config).compute_dtype == "float16"


def test_a_mixed_policy_runs_in_its_variable_dtype_with_one_warning():
    dtype_policies._WARNED.clear()
    with pytest.warns(UserWarning, match="mixed policy 'mixed_float16' runs in its variable "
                                         "dtype, float32"):
        keras.mixed_precision.set_global_policy("mixed_float16")
        dense = keras.layers.Dense(2)
    dense.build((None, 3))
    assert dense.compute_dtype == "float32" and dense.kernel.dtype == "float32"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        keras.layers.Dense(2)                              # warned once only


def test_bad_policies_name_what_was_given():
    with pytest.raises(ValueError, match="Cannot convert 'float17' to a mixed precision DTypePolicy"):
        keras.DTypePolicy("float17")
    with pytest.raises(ValueError, match="numpy has no bfloat16"):
        keras.DTypePolicy("bfloat16")
    with pytest.raises(TypeError, match=r"'name' must be a string.*name=3"):
        keras.DTypePolicy(3)
    with pytest.raises(ValueError, match=r"Invalid `policy` argument.*policy=3"):
        keras.config.set_dtype_policy(3)
    with pytest.raises(ValueError, match="Expected a serialized DTypePolicy"):
        keras.dtype_policies.deserialize({"class_name": "Dense"})
    with pytest.raises(ValueError, match="Cannot interpret `dtype` argument"):
        keras.dtype_policies.get(3.5)


def test_serialize_keras_object_writes_a_policy_as_keras_writes_it():
    # what Keras 3.15 writes for a policy, also inside a layer's config
    assert keras.saving.serialize_keras_object(keras.dtype_policies.DTypePolicy(
        "mixed_float16")) == {"module": "keras", "class_name": "DTypePolicy",
                              "config": {"name": "mixed_float16"}, "registered_name": None}


def test_deserialize_keras_object_gives_the_policy_back():
    config = keras.saving.serialize_keras_object(keras.dtype_policies.DTypePolicy("float16"))
    policy = keras.saving.deserialize_keras_object(config)
    assert isinstance(policy, keras.dtype_policies.DTypePolicy) and policy.name == "float16"
