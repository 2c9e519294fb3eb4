"""Model.get_state_tree / set_state_tree: every variable by path, in Keras 3.15's layout
(tests/fixtures/keras_state_tree.json, recorded once from Keras by
tools/make_state_tree_fixture.py)."""
import numpy as np
import pytest

import minikeras as keras
from minikeras.autodiff.tensor import Tensor
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("state_tree_cases", "keras_state_tree.json")


def test_the_tree_has_keras_groups_paths_shapes_and_dtypes():
    tree = cases.fitted_model(keras).get_state_tree()
    assert cases.layout(tree) == KERAS["layout"]


def test_leaves_are_copies_of_the_values_as_tensors_or_numpy_arrays():
    model = cases.fitted_model(keras)
    kernel = model.get_layer("d1").kernel
    as_tensors = model.get_state_tree()
    as_arrays = model.get_state_tree(value_format="numpy_array")
    leaf = as_tensors["trainable_variables"]["seq"]["d1"]["kernel"]
    array = as_arrays["trainable_variables"]["seq"]["d1"]["kernel"]
    assert isinstance(leaf, Tensor) and type(array) is np.ndarray
    np.testing.assert_array_equal(leaf.numpy(), kernel.numpy())
    np.testing.assert_array_equal(array, kernel.numpy())
    kernel.assign(np.zeros((3, 2), "float32"))
    assert np.any(array != 0)                                # not a view of the variable
    assert as_arrays["optimizer_variables"]["adam"]["iteration"] == 1


def test_set_state_tree_assigns_by_path_and_round_trips():
    source, target = cases.fitted_model(keras), cases.fitted_model(keras)
    source.fit(np.ones((4, 3)), np.zeros((4, 1)), verbose=0, epochs=2)   # now differs
    target.set_state_tree(source.get_state_tree(value_format="numpy_array"))
    for group in ("trainable_variables", "non_trainable_variables", "metrics_variables"):
        for a, b in zip(getattr(source, group), getattr(target, group)):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    for a, b in zip(source.optimizer.variables, target.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_set_state_tree_takes_a_subset_and_skips_unknown_paths():
    model = cases.fitted_model(keras)
    before = model.get_layer("d2").kernel.numpy().copy()
    model.set_state_tree({"trainable_variables": {"seq": {
        "d1": {"bias": np.array([5.0, 6.0], "float32")}, "elsewhere": {"w": np.ones(3)}}}})
    np.testing.assert_array_equal(model.get_layer("d1").bias.numpy(), [5.0, 6.0])
    np.testing.assert_array_equal(model.get_layer("d2").kernel.numpy(), before)


def test_bad_value_format_names_the_choices():
    with pytest.raises(ValueError, match="'backend_tensor' or 'numpy_array'.*value_format='jax'"):
        cases.fitted_model(keras).get_state_tree(value_format="jax")


def test_a_bad_tree_changes_nothing():
    model = cases.fitted_model(keras)
    weights = [w.copy() for w in model.get_weights()]
    bad_shape = {"trainable_variables": {"seq": {
        "d1": {"bias": np.array([5.0, 6.0], "float32")},        # fine, but must not land
        "d2": {"kernel": np.ones((3, 3), "float32")}}}}         # (2, 1) expected
    with pytest.raises(ValueError, match=r"'seq/d2/kernel' has shape \(3, 3\).*\(2, 1\)"):
        model.set_state_tree(bad_shape)
    with pytest.raises(ValueError, match="unknown group 'weights'"):
        model.set_state_tree({"weights": {}})
    for before, after in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(before, after)


def test_two_variables_with_one_path_are_refused():
    class Twins(keras.Model):
        def __init__(self):
            super().__init__(name="twins")
            self.a = keras.layers.Dense(1, name="same")
            self.b = keras.layers.Dense(1, name="same")

        def call(self, x):
            return self.a(x) + self.b(x)

    model = Twins()
    model(np.ones((1, 2), "float32"))
    with pytest.raises(ValueError, match="'twins/same/kernel' is found twice"):
        model.get_state_tree()
