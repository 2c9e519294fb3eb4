"""keras.random.beta / binomial / categorical / gamma: shapes, dtypes, seeding, and sample
moments against the distributions' known mean and variance (hand-derived formulas)."""
import numpy as np
import pytest

import minikeras as keras

N = 20000


def moments(t):
    x = np.asarray(keras.ops.convert_to_numpy(t), np.float64)
    return x.mean(), x.var()


def test_gamma_moments_shape_and_dtype():
    x = keras.random.gamma((N,), alpha=3.0, seed=1)
    assert x.shape == (N,) and x.dtype == np.float32
    mean, var = moments(x)                      # Gamma(k, 1): mean k, variance k
    assert abs(mean - 3.0) < 0.05 and abs(var - 3.0) < 0.15


def test_beta_moments():
    mean, var = moments(keras.random.beta((N,), 2.0, 5.0, seed=2))
    # Beta(a, b): mean a / (a + b), variance ab / ((a + b)^2 (a + b + 1))
    assert abs(mean - 2 / 7) < 0.01 and abs(var - 10 / (49 * 8)) < 0.003


def test_binomial_moments_and_broadcasting():
    x = keras.random.binomial((N, 2), counts=np.array([10, 4]), probabilities=0.25, seed=3)
    assert x.shape == (N, 2) and x.dtype == np.float32
    data = np.asarray(keras.ops.convert_to_numpy(x))
    np.testing.assert_allclose(data.mean(0), [2.5, 1.0], atol=0.05)       # n p
    np.testing.assert_allclose(data.var(0), [1.875, 0.75], atol=0.08)     # n p (1 - p)


def test_categorical_frequencies_follow_softmax():
    logits = np.log(np.array([[0.2, 0.5, 0.3], [0.9, 0.05, 0.05]]))
    x = keras.random.categorical(logits, N, seed=4)
    assert x.shape == (2, N) and x.dtype == np.int32
    data = np.asarray(keras.ops.convert_to_numpy(x))
    freq = np.stack([np.bincount(row, minlength=3) / N for row in data])
    np.testing.assert_allclose(freq, [[0.2, 0.5, 0.3], [0.9, 0.05, 0.05]], atol=0.015)


def test_same_seed_same_samples_and_seed_generator_advances():
    a = keras.random.gamma((5,), 2.0, seed=7)
    b = keras.random.gamma((5,), 2.0, seed=7)
    np.testing.assert_array_equal(a.data, b.data)
    gen = keras.random.SeedGenerator(7)
    first, second = (keras.random.beta((5,), 1.0, 1.0, seed=gen) for _ in range(2))
    assert not np.array_equal(first.data, second.data)


def test_seed_generator_state_counts_draws_and_rewinds():
    gen = keras.random.SeedGenerator(11, name="noise")
    assert gen.state.path == "noise/seed_generator_state" and gen.state.dtype == "int32"
    assert gen.state.numpy().tolist() == [11, 0] and not gen.state.trainable
    first = keras.random.normal((4,), seed=gen).numpy()
    keras.random.uniform((2,), seed=gen)
    assert gen.state.numpy().tolist() == [11, 2]
    assert gen.next().numpy().tolist() == [11, 2] and gen.state.numpy().tolist() == [11, 3]
    gen.state.assign([11, 0])                       # the state decides the numbers
    np.testing.assert_array_equal(keras.random.normal((4,), seed=gen).numpy(), first)
    with pytest.raises(ValueError, match=r"shape \(3,\) to variable 'noise/seed_generator_"
                                         r"state' of shape \(2,\)"):
        gen.state.assign([1, 2, 3])


def test_seed_generator_needs_an_int_seed_and_draws_one_for_none():
    with pytest.raises(ValueError, match="Argument `seed` must be an integer. Received: "
                                         "seed=1.5"):
        keras.random.SeedGenerator(1.5)
    keras.utils.set_random_seed(3)
    a = keras.random.SeedGenerator().state.numpy()
    keras.utils.set_random_seed(3)
    b = keras.random.SeedGenerator().state.numpy()
    assert a.tolist() == b.tolist() and a[1] == 0


@pytest.mark.parametrize("call, message", [
    (lambda: keras.random.categorical(np.zeros(3), 2), r"2-D tensor .* logits.shape=\(3,\)"),
    (lambda: keras.random.gamma((2,), alpha=0.0), r"`alpha` must be positive. Received: "
                                                  r"alpha=0.0"),
    (lambda: keras.random.beta((2,), 1.0, -1.0), "`beta` must be positive"),
    (lambda: keras.random.binomial((2,), 3, 1.5), r"\[0, 1\]. Received: probabilities=1.5"),
    (lambda: keras.random.binomial((2,), 2.5, 0.5), "non-negative whole numbers"),
])
def test_bad_parameters_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_layers_seed_state_is_a_variable_counting_its_draws():
    """A Dropout's state is a Variable of the layer (not a weight); a training call counts
    one draw and restoring a snapshot (a rematerialized call) puts the count back; a layer
    made inside a StatelessScope (a call making layers) gets its state too."""
    from minikeras.random import generator_states, restore_generator_states
    from minikeras.variables import StatelessScope, Variable
    layer = keras.layers.Dropout(0.5, seed=4)
    state = layer.seed_generator.state
    assert isinstance(state, Variable) and layer.variables == [state] and layer.weights == []
    snapshot = generator_states()
    first = layer(np.ones((3, 5), "float32"), training=True).numpy()
    assert state.numpy().tolist() == [4, 1]
    restore_generator_states(snapshot)
    assert state.numpy().tolist() == [4, 0]
    np.testing.assert_array_equal(layer(np.ones((3, 5), "float32"), training=True).numpy(),
                                  first)
    with StatelessScope():
        made = keras.layers.GaussianNoise(0.1, seed=2)
    assert made.seed_generator.state.numpy().tolist() == [2, 0]
