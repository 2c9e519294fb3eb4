"""MultiOptimizer / OptimizerMap: each variable updated by the optimizer its path selects."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import optimizers
from minikeras.autodiff import grad

X = np.linspace(-1, 1, 24, dtype="float32").reshape(8, 3)
Y = X.sum(1, keepdims=True)


def _model():
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4, name="encoder")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1, name="head")(hidden))
    model.set_weights([np.arange(w.size, dtype="float32").reshape(w.shape) / 10
                       for w in model.get_weights()])
    return model


def _adam_encoder_sgd_rest():
    optimizer_map = optimizers.OptimizerMap(default_optimizer=optimizers.SGD(0.1))
    optimizer_map["encoder/.*"] = optimizers.Adam(0.01)
    return optimizers.MultiOptimizer(optimizer_map)


def test_fit_updates_each_variable_with_its_optimizer_as_keras_does():
    keras.utils.clear_session()  # automatic names start again: "adam", "sgd"
    model = _model()
    optimizer = _adam_encoder_sgd_rest()
    model.compile(optimizer, "mse")
    history = model.fit(X, Y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    # Keras 3.15 (jax backend), same model, weights, data and optimizers
    np.testing.assert_allclose(history.history["loss"], [0.827341616, 0.065954871], rtol=1e-5)
    expected = [
        [[0.017618001, 0.132248998, 0.231317997, 0.330882996],
         [0.416887999, 0.532042027, 0.631247997, 0.730859995],
         [0.816111028, 0.931694984, 1.031087041, 1.130766034]],
        [-0.002757000, 0.071828000, 0.171509996, 0.271548003],
        [[0.186453998], [0.310651988], [0.432289988], [0.553851008]],
        [-0.307549000]]
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert int(optimizer.iterations) == 4
    assert [int(o.iterations) for o in optimizer.optimizers] == [4, 4]
    assert [(v.path, v.shape) for v in optimizer.variables] == [
        ("multi_optimizer/iteration", ()), ("multi_optimizer/learning_rate", ()),
        ("adam/iteration", ()), ("adam/learning_rate", ()),
        ("adam/encoder_kernel_momentum", (3, 4)), ("adam/encoder_kernel_velocity", (3, 4)),
        ("adam/encoder_bias_momentum", (4,)), ("adam/encoder_bias_velocity", (4,)),
        ("sgd/iteration", ()), ("sgd/learning_rate", ())]


def test_gradients_given_out_of_place_and_a_callable_map_give_the_same_step():
    in_place, handed = _model(), _model()
    in_place.compile(_adam_encoder_sgd_rest(), "mse")
    in_place.train_on_batch(X, Y)
    adam, sgd = optimizers.Adam(0.01), optimizers.SGD(0.1)
    by_path = optimizers.MultiOptimizer(lambda v: adam if v.path.startswith("encoder/") else sgd)
    variables = handed.trainable_variables
    loss = keras.ops.mean(keras.ops.square(handed(X, training=True) - Y))
    by_path.apply([np.array(g) for g in grad(loss, variables)], variables)
    for a, b in zip(in_place.get_weights(), handed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert by_path.optimizers == [adam, sgd]


def test_saved_model_restores_the_map_and_every_slot(tmp_path):
    model = _model()
    model.compile(_adam_encoder_sgd_rest(), "mse")
    model.fit(X, Y, epochs=1, batch_size=4, verbose=0)
    path = tmp_path / "multi.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    optimizer = restored.optimizer
    assert type(optimizer).__name__ == "MultiOptimizer"
    assert [type(o).__name__ for o in optimizer.optimizers] == ["Adam", "SGD"]
    assert optimizer.get_config() == model.optimizer.get_config()
    for a, b in zip(model.optimizer.variables, optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_map_lookup_exact_key_then_full_pattern_match_then_default():
    adam, sgd, rmsprop = optimizers.Adam(), optimizers.SGD(), optimizers.RMSprop()
    optimizer_map = optimizers.OptimizerMap(default_optimizer=rmsprop)
    optimizer_map["encoder/layer_0/dense"] = adam
    optimizer_map["encoder/.*"] = sgd
    optimizer_map["decoder"] = adam
    assert optimizer_map["encoder/layer_0/dense"] is adam
    assert optimizer_map["encoder/layer_0/attention"] is sgd
    assert optimizer_map["decoder"] is adam
    assert optimizer_map["decoder/dense"] is rmsprop  # "decoder" must match in full
    assert len(optimizer_map) == 3 and list(optimizer_map)[0] == "encoder/layer_0/dense"
    del optimizer_map["decoder"]
    assert optimizer_map["decoder"] is rmsprop
    optimizer_map["enc.*"] = adam
    with pytest.raises(ValueError, match="Multiple optimizers assigned to variable encoder/x"):
        optimizer_map["encoder/x"]


def test_bad_maps_and_inner_optimizers_are_refused():
    with pytest.raises(TypeError, match="default_optimizer must be a Keras Optimizer"):
        optimizers.OptimizerMap("adam")
    with pytest.raises(TypeError, match="optimizer_map must be a dictionary"):
        optimizers.OptimizerMap(optimizers.SGD(), [("a", optimizers.SGD())])
    optimizer_map = optimizers.OptimizerMap(optimizers.SGD())
    optimizer_map["a"] = optimizers.Adam()
    with pytest.raises(ValueError, match="'a' already exists in the OptimizerMap"):
        optimizer_map["a"] = optimizers.Adam()
    with pytest.raises(ValueError, match="key must be a string"):
        optimizer_map[3] = optimizers.Adam()
    with pytest.raises(ValueError, match="cannot be a LossScaleOptimizer"):
        optimizer_map["b"] = optimizers.LossScaleOptimizer(optimizers.Adam())
    with pytest.raises(TypeError, match="optimizer_map must be an OptimizerMap or a callable"):
        optimizers.MultiOptimizer({"a": optimizers.Adam()})
    model = _model()
    with pytest.raises(ValueError, match="The optimizer for variable 'encoder/kernel' must be"):
        optimizers.MultiOptimizer(lambda v: "adam").build(model.trainable_variables)


def test_learning_rate_lives_on_the_inner_optimizers_and_loss_scale_reaches_them():
    optimizer = _adam_encoder_sgd_rest()
    with pytest.raises(AttributeError, match="cannot be accessed on a MultiOptimizer"):
        optimizer.learning_rate
    with pytest.raises(AttributeError, match="cannot be set on a MultiOptimizer"):
        optimizer.learning_rate = 0.1
    optimizer.loss_scale_factor = 4.0
    assert [o.loss_scale_factor for o in optimizer.optimizers] == [4.0, 4.0]


def test_apply_needs_one_gradient_per_variable():
    optimizer = _adam_encoder_sgd_rest()
    variables = _model().trainable_variables
    with pytest.raises(ValueError, match="Received 1 gradients and 4 variables"):
        optimizer.apply([np.zeros((3, 4), "float32")], variables)
