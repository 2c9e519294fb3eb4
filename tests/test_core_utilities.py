"""backend settings, seeding, the registry, automatic names and Variables."""
import json

import numpy as np
import pytest

import minikeras as keras
from minikeras import backend, naming
from minikeras.registry import Registry, register_keras_serializable
from minikeras.utils.progbar import format_eta, format_time_per_unit, format_value


def test_backend_defaults_and_setters():
    assert backend.floatx() == "float32" and backend.epsilon() == 1e-7
    assert backend.image_data_format() == "channels_last"
    backend.set_floatx("float64")
    try:
        assert keras.config.floatx() == "float64"
        assert keras.layers.Dense(2)(np.ones((1, 3))).dtype == np.float64
    finally:
        backend.set_floatx("float32")
    with pytest.raises(ValueError, match="Unknown `floatx` value"):
        backend.set_floatx("float8")
    with pytest.raises(ValueError, match="channels_first"):
        backend.set_image_data_format("channels_middle")


@pytest.mark.parametrize("seed", [1.5, "3", None, True])
def test_set_random_seed_needs_an_int(seed):
    with pytest.raises(ValueError, match="integer"):
        keras.utils.set_random_seed(seed)


def test_set_random_seed_repeats_initial_weights():
    weights = []
    for _ in range(2):
        keras.utils.set_random_seed(3)
        weights.append(keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)]).get_weights())
    np.testing.assert_array_equal(weights[0][0], weights[1][0])


def test_registry_lookup_errors_name_the_family_and_close_matches():
    reg = Registry("widget")
    reg.add(object(), "sparkle", "Sparkle")
    with pytest.raises(ValueError, match=r"widget identifier: sparkel\..*'sparkle'"):
        reg.lookup("sparkel")
    with pytest.raises(ValueError, match="Known names: Sparkle, sparkle"):
        reg.lookup("zzz")


def test_registry_refuses_to_rebind_a_name():
    reg = Registry("widget")
    reg.add(int, "x")
    with pytest.raises(ValueError, match="already registered"):
        reg.add(float, "x")


def test_custom_objects_resolve_through_every_family():
    @register_keras_serializable(package="Tests")
    def my_doubling_activation(x):
        return keras.ops.multiply(x, 2.0)

    layer = keras.layers.Dense(2, activation="my_doubling_activation")
    assert layer.activation is my_doubling_activation


def test_custom_objects_win_over_a_built_in_name():
    """As Keras: a user's class named like a built-in one (keras-io PointNet's
    OrthogonalRegularizer) is the one a config with that name loads."""
    class OrthogonalRegularizer(keras.regularizers.Regularizer):
        def __init__(self, num_features):
            self.num_features = num_features

        def __call__(self, x):
            return keras.ops.sum(x) * 0.0

        def get_config(self):
            return {"num_features": self.num_features}

    config = {"module": "user", "class_name": "OrthogonalRegularizer",
              "config": {"num_features": 3}, "registered_name": "OrthogonalRegularizer"}
    loaded = keras.regularizers.deserialize(
        config, custom_objects={"OrthogonalRegularizer": OrthogonalRegularizer})
    assert isinstance(loaded, OrthogonalRegularizer) and loaded.num_features == 3
    built_in = keras.regularizers.deserialize(
        {**config, "config": {"factor": 0.1, "mode": "rows"}})
    assert type(built_in) is keras.regularizers.OrthogonalRegularizer


@pytest.mark.parametrize("name,snake", [("Dense", "dense"), ("RMSprop", "rm_sprop"),
                                        ("AdamW", "adam_w"), ("L1L2", "l1l2"), ("IoU", "io_u"),
                                        ("FBetaScore", "f_beta_score"), ("AUC", "auc"),
                                        ("ScheduleFreeAdamW", "schedule_free_adam_w")])
def test_snake_case_follows_keras(name, snake):
    assert naming.to_snake_case(name) == snake


def test_auto_names_count_up_and_clear_session_resets_them():
    keras.backend.clear_session()
    names = [keras.layers.Dense(1).name for _ in range(3)]
    assert names == ["dense", "dense_1", "dense_2"]
    keras.backend.clear_session()
    assert keras.layers.Dense(1).name == "dense"


def test_a_variables_dtype_is_kerass_name_and_ops_read_it_as_a_tensors():
    # Keras gives a variable's dtype as a str on every backend: it prints in a list, keys a
    # dict and goes into JSON as the name
    v = keras.Variable(np.array([[0.5, 2.0], [1.5, 3.0]]))
    assert isinstance(v.dtype, str) and [v.dtype] == ["float64"]
    assert {"float64": "double"}[v.dtype] == "double" and json.dumps(v.dtype) == '"float64"'
    assert keras.ops.dtype(v) == "float64"
    # ops given the variable compute as they do given its value: in its dtype
    t = keras.ops.convert_to_tensor(v.numpy())
    for op in (keras.ops.sigmoid, keras.ops.prod, keras.ops.nansum, keras.ops.angle,
               keras.activations.relu, lambda x: keras.ops.eig(x)[0], lambda x: x * 2.0):
        got, expected = op(v), op(t)
        assert got.dtype == expected.dtype and got.dtype in (np.float64, np.complex128)
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(got),
                                      keras.ops.convert_to_numpy(expected))
    assert [keras.Variable(x).dtype for x in (3, [1, 2], 2.5, [True])] == [
        "int32", "int32", "float32", "bool"]
    flags = keras.Variable(np.array([True, False, True]))
    assert flags.dtype == "bool"
    assert keras.ops.cumsum(flags).dtype == keras.ops.square(flags).dtype == np.int32


def test_variable_api():
    v = keras.Variable(np.array([1.0, 2.0], np.float32), name="w")
    assert (v.shape, v.dtype, v.name, v.trainable) == ((2,), "float32", "w", True)
    v.assign([3.0, 4.0])
    v.assign_add(np.ones(2))
    v.assign_sub([0.5, 0.5])
    np.testing.assert_array_equal(v.numpy(), [3.5, 4.5])
    copy = v.numpy()
    copy[0] = 99
    assert v.value[0] == 3.5  # numpy() is a copy, value is the storage
    with pytest.raises(ValueError, match=r"shape \(3,\).*'w' of shape \(2,\)"):
        v.assign(np.zeros(3))
    v.trainable = False
    assert not v.requires_grad


def test_variable_from_an_initializer_name_needs_a_shape():
    assert keras.Variable("ones", shape=(2, 2)).numpy().sum() == 4
    with pytest.raises(ValueError, match="`shape` argument must be specified"):
        keras.Variable("ones")


@pytest.mark.parametrize("value,text", [(0.12345, "0.1235"), (-0.5, "-0.5000"),
                                        (0.0001234, "1.2340e-04"), (0.0, "0.0000e+00")])
def test_progress_value_format(value, text):
    assert format_value(value) == text


def test_progress_time_formats():
    assert format_time_per_unit(0.0042) == "4ms/step"
    assert format_time_per_unit(0.0000042) == "4us/step"
    assert format_time_per_unit(2.4) == "2s/step"
    assert (format_eta(42), format_eta(75), format_eta(3725)) == ("42s", "1:15", "1:02:05")


def test_registering_a_custom_object_again_replaces_it():
    @register_keras_serializable(package="A", name="twice_registered")
    def first(x):
        return x

    @register_keras_serializable(package="B", name="twice_registered")
    def second(x):
        return x

    assert keras.activations.get("twice_registered") is second
    assert keras.activations.get("A>twice_registered") is first


def test_keras_random_sampling_functions():
    r = keras.random
    a, b = r.normal((500,), seed=4), r.normal((500,), seed=4)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.dtype == np.float32 and abs(float(a.numpy().mean())) < 0.2
    gen = r.SeedGenerator(5)
    assert not np.array_equal(r.uniform((4,), seed=gen).numpy(), r.uniform((4,), seed=gen).numpy())
    u = r.uniform((1000,), minval=2.0, maxval=3.0, seed=1).numpy()
    assert u.min() >= 2.0 and u.max() < 3.0
    assert np.abs(r.truncated_normal((2000,), stddev=0.5, seed=1).numpy()).max() <= 1.0
    ints = r.randint((1000,), 3, 7, seed=1).numpy()
    assert ints.dtype == np.int32 and set(np.unique(ints)) == {3, 4, 5, 6}
    assert sorted(r.shuffle(np.arange(6), seed=1).numpy()) == list(range(6))
    dropped = r.dropout(np.ones((100, 100), "float32"), 0.25, seed=1).numpy()
    assert set(np.unique(dropped)) == {0.0, np.float32(1 / 0.75)}
    assert keras.backend.backend() == keras.config.backend() == "numpy"


def test_custom_objects_given_to_deserialize_reach_nested_configs():
    def unregistered_activation(x):
        return x

    config = keras.layers.serialize(keras.layers.Dense(2, activation=unregistered_activation))
    with pytest.raises(ValueError, match="unregistered_activation"):
        keras.layers.deserialize(config)
    layer = keras.layers.deserialize(
        config, custom_objects={"unregistered_activation": unregistered_activation})
    assert layer.activation is unregistered_activation


# Keras 3.15 (jax and torch backends) gives these names; read off a scratch install.
@pytest.mark.parametrize("given, name", [
    (None, "float32"), ("float32", "float32"), (np.float64, "float64"), ("int", "int32"),
    (int, "int32"), (float, "float32"), (bool, "bool"), (complex, "complex64"),
    (str, "string"), ("string", "string"), (np.dtype("int64"), "int64"), ("uint8", "uint8")])
def test_standardize_dtype_names_as_keras_does(given, name):
    assert keras.utils.standardize_dtype(given) == name
    assert keras.backend.standardize_dtype(given) == name


@pytest.mark.parametrize("given", ["foo", "object", object, "bfloat16"])
def test_standardize_dtype_refuses_what_numpy_cannot_hold(given):
    with pytest.raises(ValueError, match="Invalid dtype: "):
        keras.utils.standardize_dtype(given)


def test_config_reads_and_writes_values_as_attributes_and_keys():
    config = keras.utils.Config(learning_rate=0.1, momentum=0.9)
    config.seed = 123
    config["use_ema"] = True
    assert config.seed == config["seed"] == 123
    assert config.learning_rate == 0.1 and config.get("missing", 7) == 7
    assert list(config) == ["learning_rate", "momentum", "seed", "use_ema"]
    assert len(config) == 4 and "seed" in config
    assert config.to_json() == ('{"learning_rate": 0.1, "momentum": 0.9, "seed": 123, '
                                '"use_ema": true}')
    assert config.pop("use_ema") is True
    config.update({"a": 1}, b=2)
    exported = config.as_dict()
    exported["a"] = 99  # a copy: the config keeps its own value
    assert config.a == 1 and config.b == 2
    assert repr(keras.utils.Config(x=1)) == "<Config {'x': 1}>"


def test_config_names_a_close_match_for_an_unknown_attribute():
    config = keras.utils.Config(learning_rate=0.1)
    with pytest.raises(AttributeError, match="Unknown attribute: 'learning_rat'. "
                                             "Did you mean 'learning_rate'?"):
        config.learning_rat
    with pytest.raises(AttributeError, match="Unknown attribute: 'seed'.$"):
        config.seed
    with pytest.raises(AttributeError, match="read-only"):
        config.frozen = True


def test_frozen_config_refuses_every_change_until_unfrozen():
    config = keras.utils.Config(a=1)
    config.freeze()
    assert config.frozen
    for change in (lambda: setattr(config, "b", 2), lambda: config.__setitem__("a", 2),
                   lambda: config.pop("a"), lambda: config.update(a=3),
                   lambda: config.__delitem__("a")):
        with pytest.raises(ValueError, match="frozen"):
            change()
    assert config.as_dict() == {"a": 1}
    config.unfreeze()
    config.b = 2
    assert config.as_dict() == {"a": 1, "b": 2}


def test_name_scope_prefixes_the_paths_of_variables_made_inside():
    # the paths Keras 3.15 gives the same code
    with keras.name_scope("outer"):
        dense = keras.layers.Dense(2, name="d")
        dense.build((None, 3))
        v = keras.Variable(np.ones(2), name="v")
        with keras.name_scope("inner"):
            v2 = keras.Variable(np.ones(2), name="v2")
    assert [w.path for w in dense.weights] == ["outer/d/kernel", "outer/d/bias"]
    assert (v.path, v2.path, dense.name) == ("outer/v", "outer/inner/v2", "d")
    after = keras.layers.Dense(2, name="e")
    after.build((None, 3))
    assert [w.path for w in after.weights] == ["e/kernel", "e/bias"]


def test_name_scope_override_parent_and_deduplicated_reentry():
    owner = object()
    with keras.name_scope("a"):
        with keras.name_scope("b", override_parent="x/y"):
            assert keras.Variable(1.0, name="v").path == "x/y/b/v"
        with keras.name_scope("c", caller=owner):
            with keras.name_scope("c", caller=owner):  # the same caller's scope: not twice
                assert keras.Variable(1.0, name="v").path == "a/c/v"
    with pytest.raises(ValueError, match="cannot contain character `/`. Received: name='a/b'"):
        keras.name_scope("a/b")


def test_device_runs_on_the_cpu_and_says_so_for_accelerators():
    with keras.device("cpu:0"):
        assert keras.ops.ones((2,)).shape == (2,)
    with pytest.warns(UserWarning, match="computes on the CPU only.*'gpu:0'"):
        with keras.device("gpu:0"):
            pass
    for bad in ("foo", "gpu:x", 3):
        with pytest.raises(ValueError, match="expected a device such as 'cpu'"):
            with keras.device(bad):
                pass
