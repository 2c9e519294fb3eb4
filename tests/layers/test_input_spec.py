"""InputSpec: Keras 3's arguments, attributes, repr and config, and the errors a layer raises
for an input that does not fit (the sentences are Keras 3.15.1's, seen in a scratch run)."""
import numpy as np
import pytest

import minikeras as keras
from minikeras.layers import InputSpec


class Echo(keras.layers.Layer):
    """Returns its first input; its spec is the one given."""

    def __init__(self, spec, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = spec

    def call(self, inputs):
        return inputs[0] if isinstance(inputs, (list, tuple)) else inputs


def test_arguments_become_attributes_and_shape_fixes_the_rank():
    spec = InputSpec(dtype="float32", shape=[None, 3], max_ndim=4, axes={"-1": 3}, name="x",
                     allow_last_axis_squeeze=True, optional=True)
    assert (spec.dtype, spec.shape, spec.ndim, spec.max_ndim, spec.min_ndim) == (
        "float32", (None, 3), 2, 4, None)
    assert spec.axes == {-1: 3} and spec.name == "x" and spec.optional
    assert spec.allow_last_axis_squeeze
    assert repr(spec) == "InputSpec(dtype=float32, shape=(None, 3), ndim=2, max_ndim=4, axes={-1: 3})"


def test_config_round_trip():
    spec = InputSpec(shape=(None, 2), axes={1: 2}, optional=True)
    config = spec.get_config()
    assert config == {"dtype": None, "shape": (None, 2), "ndim": 2, "max_ndim": None,
                      "min_ndim": None, "axes": {1: 2}, "optional": True}
    again = InputSpec.from_config(config)
    assert again.get_config() == config and keras.InputSpec is InputSpec


@pytest.mark.parametrize("kwargs, error, message", [
    ({"ndim": 2, "axes": {3: 4}}, ValueError,
     "Axis 3 is greater than the maximum allowed value: 1"),
    ({"max_ndim": 3, "axes": {5: 1}}, ValueError,
     "Axis 5 is greater than the maximum allowed value: 2"),
    ({"axes": {"a": 4}}, TypeError,
     "Argument `axes` must be a dict with integer keys. Received: axes={'a': 4}"),
])
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error) as info:
        InputSpec(**kwargs)
    assert str(info.value) == message


@pytest.mark.parametrize("spec, x, problem", [
    (InputSpec(dtype="int32"), np.ones((2, 3), "float32"),
     "expected dtype=int32, found dtype=float32"),
    (InputSpec(max_ndim=2), np.ones((2, 3, 4), "float32"),
     "expected max_ndim=2, found ndim=3"),
    (InputSpec(shape=(None, 3, 1), allow_last_axis_squeeze=True), np.ones((2, 4), "float32"),
     "expected shape=(None, 3, 1), found shape=(2, 4)"),
    (InputSpec(shape=(None, 3)), np.ones((2, 4), "float32"),
     "expected shape=(None, 3), found shape=(2, 4)"),
    (InputSpec(min_ndim=3), np.ones((2, 4), "float32"),
     "expected min_ndim=3, found ndim=2. Full shape received: (2, 4)"),
])
def test_an_input_that_does_not_fit_names_what_was_expected_and_found(spec, x, problem):
    layer = Echo(spec, name="echo")
    with pytest.raises(ValueError) as info:
        layer(x)
    assert str(info.value) == ("Input 0 with name 'None' of layer 'echo' is incompatible with "
                               f"the layer: {problem}")


def test_fitting_inputs_pass_and_the_squeeze_allows_a_trailing_one():
    layer = Echo(InputSpec(dtype="int32", shape=(None, 3, 1), allow_last_axis_squeeze=True))
    assert layer(np.ones((2, 3), "int32")).shape == (2, 3)
    assert layer(np.ones((2, 3, 1), "int32")).shape == (2, 3, 1)
    assert Echo(InputSpec(shape=(None, 3)))(keras.Input((3,))).shape == (None, 3)


def test_a_dtype_spec_is_checked_on_every_call_not_only_for_a_new_shape():
    layer = Echo(InputSpec(dtype="int32"))
    layer(np.ones((2, 3), "int32"))
    with pytest.raises(ValueError, match="expected dtype=int32, found dtype=float32"):
        layer(np.ones((2, 3), "float32"))


def test_one_spec_per_input_of_a_list():
    layer = Echo([InputSpec(ndim=2), InputSpec(ndim=3)], name="pair")
    assert layer([np.ones((2, 3)), np.ones((2, 3, 1))]).shape == (2, 3)
    with pytest.raises(ValueError) as info:
        layer([np.ones((2, 3)), np.ones((2, 3))])
    assert str(info.value) == ("Input 1 with name 'None' of layer 'pair' is incompatible with "
                               "the layer: expected ndim=3, found ndim=2. Full shape received: "
                               "(2, 3)")
    with pytest.raises(ValueError, match='^Layer "pair" expects 2 input\\(s\\), but it received '
                                         '1 input tensors'):
        layer([np.ones((2, 3))])
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        layer([keras.Input((3,)), keras.Input((3,))])


def test_named_specs_take_a_dict_in_their_order_and_name_a_missing_key():
    layer = Echo([InputSpec(ndim=2, name="a"), InputSpec(ndim=3, name="b")], name="named")
    layer({"b": np.ones((2, 3, 1)), "a": np.ones((2, 3))})
    with pytest.raises(ValueError) as info:
        layer({"a": np.ones((2, 3)), "c": np.ones((2, 3, 1))})
    assert str(info.value) == ('Missing data for input "b". You passed a data dictionary with '
                               "keys ['a', 'c']. Expected the following keys: ['a', 'b']")
    with pytest.raises(ValueError) as info:
        layer([np.ones((2, 3))])
    assert str(info.value) == ('Layer "named" expects 2 named input(s) with keys [\'a\', \'b\'], '
                               "but it received 1 input tensors. Pass inputs as a dict, e.g. "
                               "`layer({'a': ..., 'b': ...})`.")


def test_an_optional_input_may_be_none_and_an_empty_spec_checks_nothing():
    layer = Echo([InputSpec(ndim=2), InputSpec(ndim=2, optional=True)])
    assert layer([np.ones((2, 3)), None]).shape == (2, 3)
    assert Echo([])(np.ones((2,))).shape == (2,)
