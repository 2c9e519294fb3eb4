"""keras.Function (a callable graph) and keras.Operation (the base of ops and layers).

Expected values: numpy references written here (sigmoid, matmul) and hand-derived shapes;
the names and messages follow Keras 3.15's ops/function.py and ops/operation.py."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import ops


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def test_function_on_bare_keras_tensors_as_in_keras_docs():
    a = keras.KerasTensor(shape=(None, 2, 3))
    b = keras.KerasTensor(shape=(None, 2, 3))
    fn = keras.Function(inputs=[a, b], outputs=ops.sigmoid(a + b))
    rng = np.random.default_rng(0)
    va, vb = rng.random((4, 2, 3), dtype=np.float32), rng.random((4, 2, 3), dtype=np.float32)
    out = fn([va, vb])
    np.testing.assert_allclose(np.asarray(out), _sigmoid(va + vb), rtol=1e-6)
    assert fn.inputs == [a, b] and len(fn.outputs) == 1
    assert isinstance(fn, keras.Operation)


def test_function_runs_layers_with_their_current_weights():
    x = keras.Input((3,), name="x_in")
    dense = keras.layers.Dense(2, kernel_initializer="ones", bias_initializer="zeros",
                               name="d")
    y = dense(x)
    fn = keras.Function(x, [y, ops.relu(y - 4.0)], name="two")
    value = np.array([[1.0, 2.0, 3.0]], "float32")
    first, second = fn(value)
    np.testing.assert_allclose(np.asarray(first), [[6.0, 6.0]])
    np.testing.assert_allclose(np.asarray(second), [[2.0, 2.0]])
    kernel = np.arange(6, dtype="float32").reshape(3, 2)
    dense.set_weights([kernel, np.zeros(2, "float32")])
    np.testing.assert_allclose(np.asarray(fn(value)[0]), value @ kernel)
    assert fn.name == "two"
    assert [op.name for op in fn.operations][:2] == ["x_in", "d"]


def test_function_with_dict_structures():
    inputs = {"p": keras.Input((2,)), "q": keras.Input((2,))}
    fn = keras.Function(inputs, {"sum": inputs["p"] + inputs["q"],
                                 "prod": inputs["p"] * inputs["q"]})
    p, q = np.array([[1.0, 2.0]], "float32"), np.array([[3.0, 5.0]], "float32")
    out = fn({"p": p, "q": q})
    np.testing.assert_allclose(np.asarray(out["sum"]), [[4.0, 7.0]])
    np.testing.assert_allclose(np.asarray(out["prod"]), [[3.0, 10.0]])


def test_function_called_on_keras_tensors_is_a_node_of_a_model():
    inner_in = keras.Input((4,))
    fn = keras.Function(inner_in, ops.tanh(inner_in) * 2.0)
    x = keras.Input((4,))
    y = fn(x)
    assert keras.backend.is_keras_tensor(y) and y.shape == (None, 4)
    model = keras.Model(x, keras.layers.Dense(1, kernel_initializer="ones")(y))
    value = np.array([[0.1, -0.2, 0.3, 0.0]], "float32")
    np.testing.assert_allclose(np.asarray(model(value)),
                               [[np.sum(2.0 * np.tanh(value))]], rtol=1e-6)
    # training=True is given to the layers of a model, not to a Function node
    np.testing.assert_allclose(np.asarray(model(value, training=True)),
                               [[np.sum(2.0 * np.tanh(value))]], rtol=1e-6)


def test_a_model_with_a_function_node_lists_and_trains_only_its_layers():
    # Keras 3.15 (jax), probed: model.layers is [InputLayer, Dense] and the weights are the
    # Dense's, also when the Function's own graph holds a layer; fit trains
    inner_in = keras.Input((4,))
    fn = keras.Function(inner_in, ops.tanh(keras.layers.Dense(4)(inner_in)) * 0.0
                        + ops.tanh(inner_in) * 2.0)
    x = keras.Input((4,))
    model = keras.Model(x, keras.layers.Dense(1, kernel_initializer="ones", name="out")(fn(x)))
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Dense"]
    assert [w.path for w in model.weights] == ["out/kernel", "out/bias"]
    assert model.trainable_weights == model.weights and model.losses == []
    model.compile(keras.optimizers.SGD(0.01), "mse")
    history = model.fit(np.ones((4, 4), "float32"), np.ones((4, 1), "float32"), epochs=2,
                        batch_size=4, verbose=0)
    # h = 2 tanh(1) = 1.523188 on each of 4 features: y = 4h = 6.092753, loss (y - 1)^2 =
    # 25.936136; SGD: kernel -= 0.01 * 2 (y - 1) h = 0.155144 each, bias -= 0.101855:
    # y = 4 * 0.844856 h - 0.101855 = 5.045641, loss 16.367214
    np.testing.assert_allclose(history.history["loss"], [25.936136, 16.367214], rtol=1e-5)


def test_function_bad_inputs():
    x = keras.Input((2,))
    with pytest.raises(ValueError, match="`inputs` argument cannot be empty"):
        keras.Function([], x)
    with pytest.raises(ValueError, match="must be KerasTensors"):
        keras.Function(np.ones((1, 2)), x)
    with pytest.raises(ValueError, match="`outputs` argument cannot be empty"):
        keras.Function(x, [])
    other = keras.Input((2,))
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Function(x, x + other)
    bare = keras.KerasTensor((None, 2))
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Function(x, x + bare)
    fn = keras.Function([x, other], x + other)
    with pytest.raises(ValueError, match="invalid input structure"):
        fn(np.ones((1, 2), "float32"))
    with pytest.raises(ValueError, match=r"expected shape \(None, 2\).*\(1, 3\)"):
        fn([np.ones((1, 2), "float32"), np.ones((1, 3), "float32")])


class ScaledSum(keras.Operation):
    """sum(x * factor) over the last axis, keeping it: (..., n) -> (..., 1)."""

    def __init__(self, factor=2.0, name=None):
        super().__init__(name=name)
        self.factor = factor

    def call(self, x):
        return ops.sum(x * self.factor, axis=-1, keepdims=True)


def test_operation_call_symbolic_call_and_output_spec():
    op = ScaledSum(3.0)
    assert op.name.startswith("scaled_sum")
    np.testing.assert_allclose(np.asarray(op(np.array([[1.0, 2.0]], "float32"))), [[9.0]])
    x = keras.Input((None, 5))  # an unknown axis: found by running two sizes
    y = op(x)
    assert y.shape == (None, None, 1) and y.dtype == "float32"
    assert op.input is x and op.output is y
    spec = op.compute_output_spec(keras.KerasTensor((7, 5)))
    assert spec.shape == (7, 1) and len(op._inbound_nodes) == 1  # no node recorded
    model = keras.Model(x, y)
    np.testing.assert_allclose(np.asarray(model(np.ones((2, 4, 5), "float32"))),
                               np.full((2, 4, 1), 15.0))


def test_operation_config_round_trip():
    op = ScaledSum(factor=0.5, name="half")
    assert op.get_config() == {"name": "half", "factor": 0.5}
    again = ScaledSum.from_config(op.get_config())
    assert again.name == "half" and again.factor == 0.5
    with pytest.raises(TypeError, match="Error when deserializing class 'ScaledSum'"):
        ScaledSum.from_config({"name": "x", "scale": 1.0})


def test_operation_base_behaviour_and_bad_input():
    assert isinstance(keras.layers.Dense(1), keras.Operation)
    with pytest.raises(NotImplementedError, match="must implement `call\\(\\)`"):
        keras.Operation()(np.ones(2))
    with pytest.raises(ValueError, match="cannot contain character `/`"):
        ScaledSum(name="a/b")
    with pytest.raises(AttributeError, match="never been called on KerasTensors"):
        ScaledSum().output
    with pytest.raises(NotImplementedError, match="not plain values"):
        ScaledSum(factor=np.float32).get_config()


class CountingOp(keras.Operation):
    """Adds one to a counter variable on every call (a side effect)."""

    def __init__(self):
        super().__init__()
        self.count = keras.Variable(0.0, trainable=False)

    def call(self, x):
        self.count.assign_add(1.0)
        return x * 1.0


def test_output_spec_changes_no_variable():
    op = CountingOp()
    op(keras.Input((3,)))  # compute_output_spec runs call in a StatelessScope
    assert float(op.count.numpy()) == 0.0
    op(np.ones((1, 3), "float32"))
    assert float(op.count.numpy()) == 1.0


def test_operation_unknown_shape_that_cannot_run():
    class Broken(keras.Operation):
        def call(self, x):
            raise RuntimeError("boom")

    # Keras's advice before the call's own error, whose type stays
    advice = (r"Could not automatically infer the output shape / dtype of 'broken(_\d+)?' "
              r"\(of type Broken\)\. Either the `Broken.call\(\)` method is incorrect, or you "
              r"need to implement the `Broken.compute_output_spec\(\) / compute_output_shape"
              r"\(\)` method\. Error encountered:\n\nboom")
    with pytest.raises(RuntimeError, match=advice):
        Broken()(keras.Input((3,)))
    with pytest.raises(RuntimeError, match=advice):
        Broken()(keras.Input((None,)))


def test_a_layers_own_compute_output_spec_gives_its_symbolic_output():
    class FirstRows(keras.layers.Layer):
        """Keeps the rows whose first entry is positive: a data-dependent output size, so
        only compute_output_spec can say the shape."""

        def call(self, x):
            return x[np.asarray(x)[:, 0] > 0]

        def compute_output_spec(self, x):
            return keras.KerasTensor((None, x.shape[1]), dtype=x.dtype)

    x = keras.Input((3,), batch_size=4)
    y = FirstRows()(x)
    assert y.shape == (None, 3)
    model = keras.Model(x, y)
    out = model(np.array([[1, 0, 0], [-1, 0, 0], [2, 0, 0], [0, 0, 0]], "float32"))
    np.testing.assert_array_equal(np.asarray(out), [[1, 0, 0], [2, 0, 0]])


def test_keras_tensor_reshape_is_recorded_as_an_op():
    inputs = keras.Input((3, 4))
    model = keras.Model(inputs, inputs.reshape((-1, 12)))
    assert model.output.shape == (None, 12)
    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    np.testing.assert_array_equal(model.predict(x, verbose=0), x.reshape(2, 12))
