"""Merge layers: values (hand-derived), output shapes, shape errors, gradients, configs."""
import json

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.autodiff.gradcheck import gradcheck

A = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], "float32")
B = np.array([[2.0, 1.0, -1.0], [0.5, -3.0, 2.0]], "float32")
C = np.array([[0.0, 5.0, 1.0], [1.0, 1.0, 1.0]], "float32")

# name -> (layer kwargs, inputs, expected output written out by hand)
ROWS = {
    "Add": ({}, [A, B, C], [[3.0, 4.0, 3.0], [2.0, 2.0, 2.0]]),
    "Subtract": ({}, [A, B], [[-1.0, -3.0, 4.0], [0.0, 7.0, -3.0]]),
    "Multiply": ({}, [A, B], [[2.0, -2.0, -3.0], [0.25, -12.0, -2.0]]),
    "Average": ({}, [A, B], [[1.5, -0.5, 1.0], [0.5, 0.5, 0.5]]),
    "Maximum": ({}, [A, B, C], [[2.0, 5.0, 3.0], [1.0, 4.0, 2.0]]),
    "Minimum": ({}, [A, B, C], [[0.0, -2.0, -1.0], [0.5, -3.0, -1.0]]),
    "Concatenate": ({}, [A, B[:, :2]], [[1.0, -2.0, 3.0, 2.0, 1.0],
                                         [0.5, 4.0, -1.0, 0.5, -3.0]]),
    "Dot": ({"axes": 1}, [A, B], [[-3.0], [-13.75]]),  # 2 - 2 - 3; 0.25 - 12 - 2
}


@pytest.mark.parametrize("name", sorted(ROWS))
def test_values_shape_and_config(name):
    kwargs, inputs, expected = ROWS[name]
    layer = layers.LAYERS.lookup(name)(**kwargs)
    out = layer(inputs)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    assert out.dtype == np.float32
    assert layer.compute_output_shape([x.shape for x in inputs]) == out.shape
    symbolic = layer([keras.Input(x.shape[1:]) for x in inputs])
    assert symbolic.shape == (None,) + out.shape[1:]
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert type(rebuilt) is type(layer) and rebuilt.get_config() == layer.get_config()
    np.testing.assert_allclose(rebuilt(inputs).numpy(), expected, rtol=1e-6)


def test_functional_forms_build_the_layer():
    a, b = keras.Input((3,)), keras.Input((3,))
    forms = {"add": layers.add, "subtract": layers.subtract, "multiply": layers.multiply,
             "average": layers.average, "maximum": layers.maximum, "minimum": layers.minimum,
             "concatenate": layers.concatenate}
    for name, fn in forms.items():
        out = fn([a, b])
        assert type(out._keras_history[0]).__name__.lower() == name
    assert layers.concatenate([a, b]).shape == (None, 6)
    assert layers.dot([a, b], axes=1).shape == (None, 1)
    np.testing.assert_allclose(layers.add([A, B]).numpy(), A + B)


def test_add_of_mismatched_shapes_names_both_shapes():
    with pytest.raises(ValueError, match=r"Received shapes \(3,\) and \(4,\)"):
        layers.Add()([keras.Input((3,)), keras.Input((4,))])
    with pytest.raises(ValueError, match=r"Received shapes \(3,\) and \(4,\)"):  # as Keras
        layers.Add()([np.zeros((2, 3)), np.zeros((2, 4))])


def test_merge_needs_a_list():
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Add()(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract()([A, B, C])


def test_broadcasting_of_size_one_axes():
    out = layers.Add()([A, np.array([[10.0], [20.0]], "float32")])
    np.testing.assert_allclose(out.numpy(), A + [[10.0], [20.0]])
    assert layers.Multiply().compute_output_shape([(None, 3), (None, 1)]) == (None, 3)


def test_concatenate_shape_errors_and_axis():
    with pytest.raises(ValueError, match="matching shapes except for the concatenation axis"):
        layers.Concatenate(axis=-1)([keras.Input((2, 3)), keras.Input((4, 5))])
    out = layers.Concatenate(axis=1)([np.ones((2, 1, 3)), np.zeros((2, 2, 3))])
    assert out.shape == (2, 3, 3) and out.numpy()[:, 0].sum() == 6.0
    assert layers.Concatenate(axis=1).compute_output_shape([(None, 1, 3), (None, None, 3)]) == \
        (None, None, 3)


def test_dot_axes_normalize_and_errors():
    x = np.arange(10, dtype="float32").reshape(1, 5, 2)
    y = np.arange(10, 20, dtype="float32").reshape(1, 2, 5)
    out = layers.Dot(axes=(1, 2))([x, y])
    np.testing.assert_allclose(out.numpy()[0], x[0].T @ y[0].T)  # sum_k x[k, i] * y[j, k]
    assert out.shape == (1, 2, 2)
    cos = layers.Dot(axes=1, normalize=True)([A, B]).numpy()
    expected = np.sum(A * B, 1) / np.linalg.norm(A, axis=1) / np.linalg.norm(B, axis=1)
    np.testing.assert_allclose(cos[:, 0], expected, rtol=1e-6)
    with pytest.raises(ValueError, match=r"axis values 3 \(at axis 1\) != 4"):
        layers.Dot(axes=1)([keras.Input((3,)), keras.Input((4,))])
    with pytest.raises(TypeError, match="axes"):
        layers.Dot(axes="1")


def test_gradcheck_through_a_functional_graph_of_merges():
    # float64 layers: a float32 layer would autocast the float64 check to float32 (Keras)
    a, b = keras.Input((3,), dtype="float64"), keras.Input((3,), dtype="float64")
    f64 = dict(dtype="float64")
    mixed = layers.multiply([layers.add([a, b], **f64), layers.subtract([a, b], **f64)],
                            **f64)  # a² - b²
    out = layers.Dot(axes=1, normalize=True, **f64)([
        layers.concatenate([mixed, a], **f64),
        layers.concatenate([b, layers.average([a, b], **f64)], **f64)])
    model = keras.Model([a, b], out)
    gradcheck(lambda x, y: model([x, y]), A, B)


# ---- masked inputs and Keras's messages (round 20's layer sweep) -------------------------

def _masked(array, mask):
    tensor = keras.ops.convert_to_tensor(np.asarray(array, "float32"))
    tensor._keras_mask = keras.ops.convert_to_tensor(np.asarray(mask))
    return tensor


def test_multiply_counts_a_masked_out_step_as_one_and_zeroes_steps_no_input_keeps():
    a = np.array([[[2.0], [3.0], [5.0]]])
    b = np.array([[[7.0], [11.0], [13.0]]])
    one_masked = keras.layers.Multiply()([_masked(a, [[True, False, True]]), b])
    np.testing.assert_allclose(np.asarray(one_masked), [[[14.0], [11.0], [65.0]]])
    both = keras.layers.Multiply()([_masked(a, [[True, False, False]]),
                                    _masked(b, [[False, False, True]])])
    np.testing.assert_allclose(np.asarray(both), [[[2.0], [0.0], [13.0]]])


@pytest.mark.parametrize("cls, expected", [("Maximum", [[[7.0], [3.0], [13.0]]]),
                                           ("Minimum", [[[2.0], [3.0], [5.0]]])])
def test_maximum_and_minimum_take_the_other_input_where_one_is_masked_out(cls, expected):
    a = np.array([[[2.0], [3.0], [5.0]]])
    b = np.array([[[7.0], [1.0], [13.0]]])
    out = getattr(keras.layers, cls)()([a, _masked(b, [[True, False, True]])])
    np.testing.assert_allclose(np.asarray(out), expected)


def test_concatenate_joins_along_the_batch_axis_and_names_an_axis_out_of_range():
    out = keras.layers.Concatenate(axis=0)([np.ones((2, 3), "float32"),
                                           np.zeros((1, 3), "float32")])
    assert tuple(out.shape) == (3, 3)
    with pytest.raises(ValueError, match=r"axis=3 is out of range for inputs of rank 3"):
        keras.layers.Concatenate(axis=3)([np.ones((2, 3, 4), "float32")] * 2)
    with pytest.raises(ValueError, match=r"matching shapes except for the concatenation axis\. "
                                         r"Received: input_shape=\[\(2, 3, 4\), \(2, 4\)\]"):
        keras.layers.Concatenate()([np.ones((2, 3, 4), "float32"), np.ones((2, 4), "float32")])


def test_subtract_and_dot_word_their_errors_as_keras():
    with pytest.raises(ValueError, match=r"exactly 2 inputs\. Received: input_shape="
                                         r"\[\(None, 4\)\]$"):
        keras.layers.Subtract().build([(None, 4)])
    with pytest.raises(ValueError, match=r"^Cannot perform batch_dot over axis 0\."):
        keras.layers.Dot(axes=0)([np.ones((2, 4), "float32")] * 2)
