"""keras.remat and keras.RematScope: same values and gradients as without (float64 finite
differences, and the plain call as the reference), intermediates not kept between the
forward and backward passes, randomness and variable updates not repeated by the
recomputation."""
import gc
import weakref

import numpy as np
import pytest

import minikeras as keras
from minikeras import ops
from minikeras.autodiff import grad, no_grad
from minikeras.autodiff.gradcheck import gradcheck, numerical_grad
from minikeras.autodiff.tensor import Tensor


def test_gradcheck_through_a_rematerialized_function():
    rng = np.random.default_rng(0)
    f = keras.remat(lambda x, y: ops.tanh(ops.matmul(x, y)) * ops.sum(x))
    assert gradcheck(f, rng.normal(size=(2, 3)), rng.normal(size=(3, 4)))


def test_gradcheck_with_several_outputs_and_keyword_arguments():
    rng = np.random.default_rng(1)

    def pair(x, scale=None):
        return {"a": ops.sin(x) * scale, "b": ops.matmul(x, ops.transpose(x))}

    rematerialized = keras.remat(pair)

    def f(x, s):
        out = rematerialized(x, scale=s)
        return ops.sum(out["a"]) + out["b"] * 0.5

    assert gradcheck(f, rng.normal(size=(3, 2)), rng.normal(size=(2,)))


def test_variables_read_inside_get_their_gradients():
    rng = np.random.default_rng(2)
    w = Tensor(rng.normal(size=(3, 2)), requires_grad=True)  # a weight the function closes over
    x = rng.normal(size=(4, 3))

    def f(x):
        return ops.sum(ops.square(ops.relu(ops.matmul(x, w))))

    loss = keras.remat(f)(Tensor(x))
    (analytic,) = grad(loss, [w])
    weights = [w.data]
    numeric = numerical_grad(lambda a: float(f(Tensor(x)).data) if a is weights[0] else None,
                             weights, 0)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-6)


def test_intermediates_are_not_kept_and_are_recomputed():
    kept, runs = [], []

    def f(x):
        runs.append(1)
        hidden = ops.exp(x) * 3.0
        kept.append(weakref.ref(hidden))
        return ops.sum(hidden)

    x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    plain = f(x)
    gc.collect()
    assert kept[-1]() is not None  # held by the graph until the backward pass
    loss = keras.remat(f)(x)
    gc.collect()
    assert kept[-1]() is None and len(runs) == 2  # dropped after the forward run
    (gx,) = grad(loss, [x])
    assert len(runs) == 3  # run again for the backward pass
    np.testing.assert_allclose(gx, 3.0 * np.exp([0.0, 1.0]))
    np.testing.assert_allclose(gx, grad(plain, [x])[0])


def test_without_gradient_recording_it_is_a_plain_call():
    runs = []

    def f(x):
        runs.append(1)
        return x * 2.0

    with no_grad():
        out = keras.remat(f)(Tensor(np.ones(2)))
    np.testing.assert_allclose(out.data, [2.0, 2.0])
    assert len(runs) == 1


def test_dropout_draws_the_same_mask_when_recomputed():
    dropout = keras.layers.Dropout(0.5, seed=3)
    w = Tensor(np.arange(1.0, 9.0).reshape(8), requires_grad=True)
    x = Tensor(np.ones(8), requires_grad=True)
    y = keras.remat(lambda v: dropout(v, training=True) * w)(x)
    gx, gw = grad(ops.sum(y), [x, w])
    kept = y.data != 0  # the forward's mask; the backward must use the same one
    assert 0 < kept.sum() < 8
    np.testing.assert_allclose(gx, kept * 2.0 * w.data)  # scale 1 / (1 - 0.5)
    np.testing.assert_allclose(gw, kept * 2.0)


def test_variable_updates_happen_once():
    norm = keras.layers.BatchNormalization()
    norm.build((None, 2))
    x = Tensor(np.array([[1.0, 2.0], [3.0, 6.0]], "float32"), requires_grad=True)
    y = keras.remat(lambda v: norm(v, training=True))(x)
    grad(ops.sum(ops.square(y)), [x])
    # one update: 0.99 * 0 + 0.01 * batch mean (2, 4), not two
    np.testing.assert_allclose(norm.moving_mean.numpy(), [0.02, 0.04], rtol=1e-5)


def test_remat_of_a_layer_matches_the_layer():
    layer = keras.layers.Dense(3, activation="relu")
    x = Tensor(np.random.default_rng(4).normal(size=(5, 2)).astype("float32"))
    plain = layer(x)
    grads = grad(ops.sum(plain), layer.trainable_variables)
    again = keras.remat(layer)(x)
    np.testing.assert_array_equal(again.data, plain.data)
    for a, b in zip(grad(ops.sum(again), layer.trainable_variables), grads):
        np.testing.assert_allclose(a, b, rtol=1e-6)


class Counting(keras.layers.Layer):
    """x * w with a (2,) weight; counts its calls."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
        self.calls = 0

    def call(self, x):
        self.calls += 1
        return x * self.w


def _one_step(make_layers):
    keras.utils.set_random_seed(0)
    layers = make_layers()
    model = keras.Sequential([keras.Input((4,)), *layers, keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.arange(8, dtype="float32").reshape(2, 4) / 8
    model.evaluate(x, np.ones((2, 1), "float32"), verbose=0)  # the first run after compile
    for layer in layers:                                      # (Keras's symbolic build)
        layer.calls = 0  # count the training step's calls only
    model.fit(x, np.ones((2, 1), "float32"), epochs=1, batch_size=2, verbose=0)
    return layers, [w.numpy() for w in model.weights]


@pytest.mark.parametrize("scope_args,recomputed", [
    ({"mode": "full"}, [True, True]),
    ({"mode": "list_of_layers", "layer_names": ["second"]}, [False, True]),
    ({"mode": "larger_than", "output_size_threshold": 7}, [True, True]),  # 2 x 4 = 8 > 7
    ({"mode": "larger_than", "output_size_threshold": 8}, [False, False]),
    ({"mode": None}, [False, False]),
])
def test_remat_scope_modes(scope_args, recomputed):
    _, reference = _one_step(lambda: [Counting(name="first"), Counting(name="second")])

    def made_in_scope():
        with keras.RematScope(**scope_args):
            return [Counting(name="first"), Counting(name="second")]

    layers, weights = _one_step(made_in_scope)
    # fit's training step: one forward call, plus one recomputation when rematerialized
    assert [layer.calls == 2 for layer in layers] == recomputed
    for got, want in zip(weights, reference):
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_remat_scope_activations_mode():
    calls = []

    def counted_tanh(x):
        calls.append(1)
        return ops.tanh(x)

    with keras.RematScope(mode="activations"):
        dense = keras.layers.Dense(2, activation=counted_tanh)
    x = Tensor(np.ones((1, 3), "float32"))
    out = dense(x)
    grad(ops.sum(out), dense.trainable_variables)
    assert len(calls) == 2 and dense.activation is counted_tanh


def test_bad_input():
    with pytest.raises(TypeError, match="`remat` expects a callable"):
        keras.remat(3)
    with pytest.raises(ValueError, match="Invalid mode 'some'. Supported modes are"):
        keras.RematScope(mode="some")
    with pytest.raises(ValueError, match="`output_size_threshold` must be an int"):
        keras.RematScope(mode="larger_than", output_size_threshold="big")
    with pytest.raises(ValueError, match="`layer_names` must be a list"):
        keras.RematScope(mode="list_of_layers", layer_names="dense")
    mixed = keras.remat(lambda x: [x * 2.0, ops.cast(x, "float32") * 2.0])
    with pytest.raises(TypeError, match="must share one dtype"):
        mixed(Tensor(np.ones(2), requires_grad=True))


def test_remat_scope_covers_operations():
    class Twice(keras.Operation):
        def call(self, x):
            runs.append(1)
            return ops.exp(x) * 2.0

    runs = []
    with keras.RematScope(mode="larger_than", output_size_threshold=3):
        big = Twice()
    x = Tensor(np.zeros((1, 4)), requires_grad=True)
    out = big(x)  # 4 entries > 3: the output size is found by one run, then one remat run
    (gx,) = grad(ops.sum(out), [x])
    np.testing.assert_allclose(gx, np.full((1, 4), 2.0))
    assert len(runs) == 3  # size, forward, recomputation
    runs.clear()
    small = Twice()
    grad(ops.sum(small(x)), [x])
    assert len(runs) == 1


def test_an_argument_returned_unchanged_keeps_its_gradient():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    h = x * 1.0  # a non-leaf argument
    same, product = keras.remat(lambda a, b: (a, a * b))(h, y)
    assert same is h
    gx, gy = grad(ops.sum(same) + ops.sum(product), [x, y])
    np.testing.assert_allclose(gx, 1.0 + y.data)  # d/dx [x + x*y]
    np.testing.assert_allclose(gy, x.data)
    leaf_back, = [keras.remat(lambda a: [a])(x)]
    assert leaf_back[0] is x
