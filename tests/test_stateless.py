"""keras.StatelessScope, keras.SymbolicScope and the stateless APIs built on them
(Layer/Model.stateless_call, Optimizer.stateless_apply, Metric.stateless_*).

Expected numbers are derived by hand in the comments (SGD: w - lr * g; Mean: total / count;
BatchNormalization's moving mean with Keras's momentum 0.99)."""
import numpy as np
import pytest

import minikeras as keras
from minikeras.autodiff import Tensor, grad


def _np(x):
    return np.asarray(x.data if hasattr(x, "data") else x)


# ---- StatelessScope ---------------------------------------------------------------------
def test_reads_see_mapped_values_and_assignments_are_not_applied():
    v = keras.Variable(np.array([1.0, 2.0], "float32"))
    w = keras.Variable(np.array(5.0, "float32"))
    with keras.StatelessScope([(v, np.array([10.0, 20.0]))]) as scope:
        np.testing.assert_allclose(_np(v * 2.0), [20.0, 40.0])  # reads the mapped value
        v.assign_add(np.array([1.0, 1.0]))
        np.testing.assert_allclose(_np(v), [11.0, 21.0])  # later reads see the update
        w.assign(7.0)
        w.assign_sub(2.0)
        np.testing.assert_allclose(_np(scope.get_current_value(v)), [11.0, 21.0])
    np.testing.assert_allclose(v.numpy(), [1.0, 2.0])  # nothing applied
    assert float(w.numpy()) == 5.0
    np.testing.assert_allclose(_np(scope.get_current_value(v)), [11.0, 21.0])
    assert float(_np(scope.get_current_value(w))) == 5.0  # 7 - 2
    assert scope.get_current_value(keras.Variable(1.0)) is None
    assert scope.get_current_value(v).dtype == np.float32


def test_mapped_value_is_cast_to_the_variable_dtype():
    v = keras.Variable(np.zeros(2, "float32"))
    with keras.StatelessScope([(v, np.array([1, 2], "int64"))]):
        assert v.dtype == "float32"
        np.testing.assert_allclose(v.numpy(), [1.0, 2.0])


def test_nested_scopes_restore_in_turn():
    v = keras.Variable(np.array(1.0, "float32"))
    with keras.StatelessScope([(v, 2.0)]) as outer:
        with keras.StatelessScope([(v, 3.0)]) as inner:
            v.assign(4.0)
        assert float(v.numpy()) == 2.0
        assert float(_np(inner.get_current_value(v))) == 4.0
    assert float(v.numpy()) == 1.0 and float(_np(outer.get_current_value(v))) == 2.0


def test_collect_losses():
    class Penalized(keras.layers.Layer):
        def call(self, x):
            self.add_loss(keras.ops.sum(x))
            return x

    layer = Penalized()
    with keras.StatelessScope(collect_losses=True) as scope:
        layer(np.array([1.0, 2.0], "float32"))
    assert [float(_np(x)) for x in scope.losses] == [3.0]
    with keras.StatelessScope() as quiet:
        layer(np.array([1.0, 2.0], "float32"))
    assert quiet.losses == []


def test_variable_creation_rules():
    with keras.StatelessScope():
        made = keras.Variable("zeros", shape=(2,))  # from an initializer: allowed
        with pytest.raises(ValueError, match="create a variable .* from a value while in a "
                                             "stateless scope"):
            keras.Variable(np.ones(2))
    np.testing.assert_allclose(made.numpy(), [0.0, 0.0])
    with keras.StatelessScope(initialize_variables=False):
        with pytest.raises(ValueError, match="initialize_variables=False"):
            keras.Variable("ones", shape=(1,))


def test_stateless_scope_bad_input():
    v = keras.Variable(np.zeros(2, "float32"))
    with pytest.raises(ValueError, match="must be Variable instances.*Received instead"):
        keras.StatelessScope([(np.zeros(2), np.ones(2))])
    with pytest.raises(ValueError, match=r"shape \(2,\), received a value of shape \(3,\)"):
        keras.StatelessScope([(v, np.ones(3))])
    with pytest.raises(ValueError, match="list of \\(variable, value\\) pairs"):
        keras.StatelessScope([v])
    with pytest.raises(ValueError, match="`collect_losses` must be a bool"):
        keras.StatelessScope(collect_losses="yes")


def test_symbolic_scope_marks_the_symbolic_stage():
    seen = []

    class Probe(keras.Operation):
        def call(self, x):
            seen.append(keras.backend.in_symbolic_scope())
            return x

    assert not keras.backend.in_symbolic_scope()
    with keras.SymbolicScope() as scope:
        assert keras.backend.in_symbolic_scope() and keras.backend.get_symbolic_scope() is scope
    assert keras.backend.get_symbolic_scope() is None
    Probe()(keras.Input((2,)))  # output spec: the symbolic stage
    Probe()(np.ones((1, 2), "float32"))
    assert seen == [True, False]


# ---- Layer / Model.stateless_call --------------------------------------------------------
def test_layer_stateless_call_uses_given_weights():
    layer = keras.layers.Dense(2, kernel_initializer="ones")
    x = np.array([[1.0, 2.0, 3.0]], "float32")
    layer(x)
    kernel = np.arange(6, dtype="float32").reshape(3, 2)
    out, non_trainable = layer.stateless_call([kernel, np.array([1.0, -1.0], "float32")], [],
                                              x)
    np.testing.assert_allclose(_np(out), x @ kernel + [1.0, -1.0])  # [[17, 21]]
    assert non_trainable == []
    np.testing.assert_allclose(layer.kernel.numpy(), np.ones((3, 2)))


def test_model_stateless_call_returns_new_moving_statistics_and_losses():
    model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(2, kernel_initializer="identity",
                           kernel_regularizer=keras.regularizers.L2(0.5)),
        keras.layers.BatchNormalization()])
    x = np.array([[1.0, 2.0], [3.0, 6.0]], "float32")
    trainable = [v.numpy() for v in model.trainable_variables]
    non_trainable = [v.numpy() for v in model.non_trainable_variables]
    names = [v.name for v in model.non_trainable_variables]
    out, new_non_trainable, losses = model.stateless_call(
        trainable, non_trainable, x, training=True, return_losses=True)
    # batch mean (2, 4): moving_mean = 0.99 * 0 + 0.01 * mean
    moving_mean = new_non_trainable[names.index("moving_mean")]
    np.testing.assert_allclose(_np(moving_mean), [0.02, 0.04], rtol=1e-5)
    np.testing.assert_allclose(model.non_trainable_variables[names.index("moving_mean")].numpy(),
                               [0.0, 0.0])
    # L2(0.5) of the identity kernel: 0.5 * 2 = 1
    np.testing.assert_allclose([float(_np(l)) for l in losses], [1.0])
    # normalized batch: (x - mean) / sqrt(var + 1e-3), var = (1, 4)
    np.testing.assert_allclose(_np(out), [[-1 / np.sqrt(1.001), -2 / np.sqrt(4.001)],
                                          [1 / np.sqrt(1.001), 2 / np.sqrt(4.001)]], rtol=1e-5)


def test_gradients_through_a_stateless_call_use_the_given_values():
    """The call's graph reads the values given (not the layer's own weights, which are back
    in place when the gradient is taken): y = sum((x K) V) with K = 2 W (a value computed
    in its own graph) and V given as an array; d/dW = 2 x^T (1 V^T), d/dx = 1 (K V)^T."""
    first = keras.layers.Dense(2, use_bias=False)
    second = keras.layers.Dense(1, use_bias=False)
    model = keras.Sequential([keras.Input((3,)), first, second])
    w = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    v = np.array([[1.0], [-2.0]])
    x = Tensor(np.array([[1.0, 0.0, 2.0]]), requires_grad=True)
    out, _ = model.stateless_call([keras.ops.multiply(w, 2.0), v], [], x)
    g_w, g_x = grad(keras.ops.sum(out), [w, x])
    ones_v = np.ones((1, 1)) @ v.T  # the gradient arriving at the first layer's output
    np.testing.assert_allclose(np.asarray(g_w), 2 * x.numpy().T @ ones_v, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(g_x), (2 * w.numpy() @ v).T, rtol=1e-6)


def test_a_stateless_call_on_an_earlier_calls_output_leaves_that_call_reading_the_weights():
    """h = layer(x) with the layer's own kernel K, then the stateless call with 3 K on h:
    d sum(h (3K)) / dK through the first call only (the given value is an array) is
    x^T (1 (3K)^T)."""
    layer = keras.layers.Dense(2, use_bias=False, kernel_initializer="ones")
    x = np.array([[1.0, 2.0]], "float32")
    h = layer(x)
    three_k = 3 * layer.kernel.numpy()
    out, _ = layer.stateless_call([three_k], [], h)
    (g_kernel,) = grad(keras.ops.sum(out), [layer.kernel])
    np.testing.assert_allclose(np.asarray(g_kernel), x.T @ (np.ones((1, 2)) @ three_k.T))


def test_stateless_call_bad_input():
    layer = keras.layers.Dense(2)
    with pytest.raises(ValueError, match="must be built"):
        layer.stateless_call([], [], np.ones((1, 3), "float32"))
    layer.build((None, 3))
    with pytest.raises(ValueError, match="`trainable_variables` must be a list of tensors "
                                         "corresponding 1:1 to Dense\\(\\).trainable_variables"
                                         ". Received list with length 1, but expected 2"):
        layer.stateless_call([np.ones((3, 2))], [], np.ones((1, 3), "float32"))
    with pytest.raises(ValueError, match="`non_trainable_variables`"):
        layer.stateless_call([v.numpy() for v in layer.trainable_variables], [np.ones(1)],
                             np.ones((1, 3), "float32"))


# ---- Optimizer.stateless_apply -------------------------------------------------------------
def test_optimizer_stateless_apply_sgd_momentum():
    w = keras.Variable(np.array([1.0, 2.0], "float32"), name="w")
    opt = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    opt.build([w])
    state = [v.numpy() for v in opt.variables]
    grads = [np.array([1.0, -2.0], "float32")]
    new_w, new_state = opt.stateless_apply(state, grads, [np.array([3.0, 4.0], "float32")])
    # m = 0.9 * 0 - 0.1 * g = (-0.1, 0.2); w = (3, 4) + m
    np.testing.assert_allclose(_np(new_w[0]), [2.9, 4.2], rtol=1e-6)
    names = [v.name for v in opt.variables]
    assert int(_np(new_state[names.index("iteration")])) == 1
    np.testing.assert_allclose(w.numpy(), [1.0, 2.0])  # nothing applied
    assert int(opt.iterations.numpy()) == 0
    # a second step from the returned state: m = 0.9 * m - 0.1 * g = (-0.19, 0.38)
    new_w2, _ = opt.stateless_apply(new_state, grads, new_w)
    np.testing.assert_allclose(_np(new_w2[0]), [2.9 - 0.19, 4.2 + 0.38], rtol=1e-6)


def test_optimizer_stateless_apply_bad_input():
    w = keras.Variable(np.zeros(2, "float32"))
    opt = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="must be built"):
        opt.stateless_apply([], [np.zeros(2)], [np.zeros(2)])
    opt.build([w])
    with pytest.raises(ValueError, match="`optimizer_variables` must be a list of tensors "
                                         "corresponding 1:1 to Adam\\(\\).variables"):
        opt.stateless_apply([], [np.zeros(2)], [np.zeros(2)])
    with pytest.raises(ValueError, match="`trainable_variables`.*built with"):
        opt.stateless_apply([v.numpy() for v in opt.variables], [np.zeros(2)], [])


# ---- Metric.stateless_* ---------------------------------------------------------------------
def test_metric_stateless_update_result_reset():
    metric = keras.metrics.Mean()
    state = metric.stateless_reset_state()
    assert [float(_np(s)) for s in state] == [0.0, 0.0]
    state = metric.stateless_update_state(state, np.array([1.0, 3.0], "float32"))
    state = metric.stateless_update_state(state, np.array([5.0], "float32"))
    assert [float(_np(s)) for s in state] == [9.0, 3.0]  # total, count
    assert float(_np(metric.stateless_result(state))) == 3.0  # 9 / 3
    assert float(metric.result()) == 0.0 and [v.numpy() for v in metric.variables] == [0, 0]
    metric.update_state(np.array([10.0], "float32"))
    assert [float(_np(s)) for s in metric.stateless_reset_state()] == [0.0, 0.0]
    assert float(metric.result()) == 10.0  # reset left the real state alone


def test_metric_stateless_bad_input():
    metric = keras.metrics.Mean()
    with pytest.raises(ValueError, match="`metric_variables` must be a list of tensors "
                                         "corresponding 1:1 to Mean\\(\\).variables. Received "
                                         "list with length 1, but expected 2"):
        metric.stateless_update_state([0.0], np.ones(2))
    with pytest.raises(ValueError, match="`metric_variables`"):
        metric.stateless_result([])


def test_scopes_are_per_thread():
    import threading

    v = keras.Variable(np.array(1.0, "float32"))
    with keras.StatelessScope():
        worker = threading.Thread(target=lambda: v.assign(5.0))  # outside any scope there
        worker.start()
        worker.join()
        assert not keras.backend.in_symbolic_scope()
    assert float(v.numpy()) == 5.0
