"""keras.utils.is_keras_tensor / get_source_inputs and keras.backend.get_uid / is_int_dtype
(Keras 3.15 probed: sources ['a', 'b'] for the graph below, uids 1, 2 then 1)."""
import numpy as np

import minikeras as keras


def test_source_inputs_of_a_functional_graph():
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    c = keras.layers.Add()([a, b])
    d = keras.layers.Dense(2)(c)
    e = keras.layers.Concatenate()([d, b])
    assert [t.name for t in keras.utils.get_source_inputs(e)] == ["a", "b"]
    assert keras.utils.get_source_inputs(a) == [a]
    assert keras.utils.is_keras_tensor(e) and not keras.utils.is_keras_tensor(np.ones(3))


def test_get_uid_counts_per_prefix_until_clear_session():
    keras.backend.clear_session()
    assert [keras.backend.get_uid("dense"), keras.backend.get_uid("dense"),
            keras.backend.get_uid("x")] == [1, 2, 1]
    keras.backend.clear_session()
    assert keras.backend.get_uid("dense") == 1


def test_is_int_dtype():
    assert keras.backend.is_int_dtype("int32") and keras.backend.is_int_dtype("uint8")
    assert not keras.backend.is_int_dtype("bool") and not keras.backend.is_int_dtype("float32")
