"""Differences found by running keras-io guides and examples side by side with Keras 3.15.

Each expected string or number below was read off the same lines run under Keras 3.15
(torch and jax backends gave the same output).
"""
import numpy as np

import minikeras as keras


def test_scalar_variable_repr_shows_a_python_number():
    # Keras: <Variable path=a, shape=(), dtype=float32, value=0.0010000000474974513>
    assert repr(keras.Variable(np.float32(0.001), name="a")) == (
        "<Variable path=a, shape=(), dtype=float32, value=0.0010000000474974513>")
    assert repr(keras.Variable(np.array([0.001, 0.1], "float32"), name="c")) == (
        "<Variable path=c, shape=(2,), dtype=float32, value=[0.001 0.1  ]>")


def test_settable_learning_rate_prints_as_its_variable():
    # The "Writing your own callbacks" guide prints model.optimizer.learning_rate.
    optimizer = keras.optimizers.SGD(0.1, name="sgd")
    expected = "<Variable path=sgd/learning_rate, shape=(), dtype=float32, value=0.10000000149011612>"
    assert str(optimizer.learning_rate) == f"{optimizer.learning_rate}" == expected
    assert repr(optimizer.learning_rate) == expected
    optimizer.learning_rate = 0.5
    assert str(optimizer.learning_rate) == (
        "<Variable path=sgd/learning_rate, shape=(), dtype=float32, value=0.5>")
    # It stays a number for arithmetic and float().
    assert float(optimizer.learning_rate) == 0.5
    assert optimizer.learning_rate * 2 == 1.0


def _constant_first_model():
    ops = keras.ops
    x = keras.Input((3,), name="x")
    y = 2.0 - x
    z = -0.5 * ops.mean(y, axis=1, keepdims=True)
    w = keras.layers.Dense(2, kernel_initializer="ones")(z)
    return keras.Model(x, [y, z, w])


def test_op_with_a_number_first_on_keras_tensors():
    # The subclassing guide's `-0.5 * ops.mean(...)` on KerasTensors; `2.0 - x` likewise.
    model = _constant_first_model()
    assert [tuple(t.shape) for t in model.outputs] == [(None, 3), (None, 1), (None, 2)]
    y, z, w = model.predict(np.arange(6, dtype="float32").reshape(2, 3), verbose=0)
    # Keras 3.15: [[2, 1, 0], [-1, -2, -3]], [[-0.5], [1]], [[-0.5, -0.5], [1, 1]]
    np.testing.assert_array_equal(y, [[2, 1, 0], [-1, -2, -3]])
    np.testing.assert_array_equal(z, [[-0.5], [1.0]])
    np.testing.assert_array_equal(w, [[-0.5, -0.5], [1.0, 1.0]])
    entry = model.get_config()["layers"][1]
    # Keras 3.15 writes the number as the node's first argument
    assert entry["inbound_nodes"][0]["args"][0] == 2.0
    loaded = keras.Model.from_config(model.get_config())
    np.testing.assert_array_equal(loaded.predict(np.ones((1, 3), "float32"), verbose=0)[1],
                                  [[-0.5]])


def test_op_nodes_name_the_keras_module_of_their_class():
    ops = keras.ops
    x = keras.Input((4,))
    model = keras.Model(x, [ops.relu(x), ops.logsumexp(x, axis=1), ops.cast(x, "float16"),
                            ops.norm(x, axis=1), x[:, 0], ops.sum(x, axis=1), x * 2])
    modules = [(e["class_name"], e["module"]) for e in model.get_config()["layers"][1:]]
    # read off Keras 3.15's get_config() of the same model
    assert modules == [("Relu", "keras.src.ops.nn"), ("Logsumexp", "keras.src.ops.math"),
                       ("Cast", "keras.src.ops.core"), ("Norm", "keras.src.ops.linalg"),
                       ("GetItem", "keras.src.ops.numpy"), ("Sum", "keras.src.ops.numpy"),
                       ("Multiply", "keras.src.ops.numpy")]


def test_summary_of_a_chain_with_outputs_along_it_has_no_connected_to_column():
    lines = []
    _constant_first_model().summary(print_fn=lines.append)
    text = "\n".join(lines)
    # Keras 3.15 prints this model as a chain: three columns
    assert "Connected to" not in text
    assert "┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃" in text
    rows = [line for line in text.splitlines() if line.startswith("│")]
    assert len(rows) == 5 and all(row.count("│") == 4 for row in rows)
