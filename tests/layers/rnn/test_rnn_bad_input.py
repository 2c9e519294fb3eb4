"""Bad input to the sequence layers: each a clear error naming what was expected and given.

Where Keras 3.15 has a behaviour the tests pin it (checked with the scratch Keras install):
``time_major`` is an unrecognized keyword, ``use_cudnn`` takes "auto" / True / False and only
LSTM and GRU take it, a stateful RNN after an Input without a batch size fails when the
Sequential model is built, and MultiHeadAttention has no divisibility rule (``key_dim`` is
per head).
"""
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops

X = np.zeros((2, 4, 3), "float32")


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_time_major_is_not_a_keras_3_argument(cls):
    for value in (True, False):
        with pytest.raises(ValueError, match=f"Unrecognized keyword arguments passed to "
                                             f"{cls.__name__}: {{'time_major': {value}}}"):
            cls(2, time_major=value)
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to RNN"):
        layers.RNN(layers.GRUCell(2), time_major=False)


def test_use_cudnn():
    with pytest.raises(ValueError, match=r"Expected one of \{'auto', True, False\}. "
                                         r"Received: use_cudnn='yes'"):
        layers.GRU(2, use_cudnn="yes")
    with pytest.raises(ValueError, match="use_cudnn=True was specified.*use_cudnn='auto'"):
        layers.LSTM(2, use_cudnn=True)(X)
    assert layers.LSTM(2, use_cudnn=False)(X).shape == (2, 2)
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to SimpleRNN"):
        layers.SimpleRNN(2, use_cudnn="auto")


# Keras 3.15's message, then the layer's name and the fix
STATIC_BATCH = (r"^When using `stateful=True` in a RNN, the batch size must be static. Found "
                r"dynamic batch size: sequence.shape=\(None, 4, 3\). Layer '\w+' needs a fixed "
                r"batch size: keras.Input\(batch_size=...\)")


def test_stateful_in_a_sequential_model_needs_a_batch_size():
    with pytest.raises(ValueError, match=STATIC_BATCH):
        keras.Sequential([keras.Input((4, 3)), layers.LSTM(2, stateful=True)])
    with pytest.raises(ValueError, match=STATIC_BATCH):
        keras.Sequential([layers.GRU(2, stateful=True, input_shape=(4, 3))])
    with pytest.raises(ValueError, match=STATIC_BATCH.replace("\\w+", "forward_lstm\\w*")):
        keras.Sequential([keras.Input((4, 3)), layers.Bidirectional(
            layers.LSTM(2, stateful=True))])
    with pytest.raises(ValueError, match=STATIC_BATCH):  # the functional path says the same
        layers.LSTM(2, stateful=True)(keras.Input((4, 3)))
    with pytest.raises(ValueError, match=STATIC_BATCH.replace("\\w+", "forward_gru\\w*")):
        layers.Bidirectional(layers.GRU(3, stateful=True))(keras.Input((4, 3)))


@pytest.mark.parametrize("first", [
    lambda: [keras.Input((4, 3), batch_size=2), layers.LSTM(2, stateful=True)],
    lambda: [layers.LSTM(2, stateful=True, batch_input_shape=(2, 4, 3))],  # Keras 2 style
    lambda: [layers.LSTM(2, stateful=True, input_shape=(4, 3), batch_size=2)],
])
def test_stateful_sequential_with_a_fixed_batch_size(first):
    model = keras.Sequential(first())
    assert model.input_shape == (2, 4, 3)
    x = np.ones((2, 4, 3), "float32")
    once, twice = model.predict(x, verbose=0), model.predict(x, verbose=0)
    assert not np.allclose(once, twice)  # the states carried over
    model.layers[0].reset_states()
    np.testing.assert_allclose(model.predict(x, verbose=0), once, rtol=1e-6)


def test_initial_state_and_mask_errors_in_a_functional_graph_name_the_symbolic_shapes():
    with pytest.raises(ValueError, match=r"initial state 0 must have shape \(batch, units\) = "
                                         r"\(None, 3\); received \(None, 5\)"):
        layers.GRU(3)(keras.Input((4, 2)), initial_state=[keras.Input((5,))])
    with pytest.raises(ValueError, match=r"expects 2 initial state tensor\(s\) \(state sizes "
                                         r"\[3, 3\]\), but received 1"):
        layers.LSTM(3)(keras.Input((4, 2)), initial_state=[keras.Input((3,))])
    with pytest.raises(ValueError, match=r"mask must have shape \(batch, timesteps\) = "
                                         r"\(None, 4\); received a mask of shape \(None, 5\)"):
        layers.LSTM(2)(keras.Input((4, 3)), mask=keras.Input((5,), dtype="bool"))


class Cell(layers.Layer):
    """A user cell whose state_size does not match what it returns."""

    def __init__(self, state_size, **kwargs):
        super().__init__(**kwargs)
        self.state_size = state_size

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], 3))

    def call(self, inputs, states):
        h = ops.matmul(inputs, self.kernel)
        return h, [h]


def test_a_cell_must_return_the_states_its_state_size_declares():
    with pytest.raises(ValueError, match=r"returned 1 state\(s\), but its state_size \[3, 3\] "
                                         "expects 2"):
        layers.RNN(Cell([3, 3]))(X)
    with pytest.raises(ValueError, match=r"returned state 0 of shape \(2, 3\), but its "
                                         r"state_size 4 expects \(batch, units\) = \(2, 4\)"):
        layers.RNN(Cell(4))(X)
    assert layers.RNN(Cell(3))(X).shape == (2, 3)


def test_multi_head_attention_shapes():
    with pytest.raises(ValueError, match=r"`query` and `value` must have the same rank.*"
                                         r"query_shape=\(2, 4, 5\) and value_shape="
                                         r"\(2, 5\)"):
        layers.MultiHeadAttention(2, 3)(np.zeros((2, 4, 5), "float32"),
                                        np.zeros((2, 5), "float32"))
    # 3 heads over 5 features: no divisibility rule in Keras, key_dim is the size per head
    mha = layers.MultiHeadAttention(num_heads=3, key_dim=2)
    q = np.zeros((2, 4, 5), "float32")
    assert mha(q, q).shape == (2, 4, 5)
    assert tuple(mha.query_dense.kernel.shape) == (5, 3, 2)


# ---- Keras 3.15's words (tests/fixtures/keras_examples21_recurrent.json) -------------------
def test_a_cell_without_state_size_is_refused_in_keras_words():
    with pytest.raises(ValueError, match=r"^The RNN cell should have a `state_size` attribute "
                                         r"\(single integer or list of integers, one integer "
                                         r"per RNN state\). Received: cell=<Dense name=\w+, "
                                         r"built=False>$"):
        layers.RNN(layers.Dense(3))


def test_a_stateful_batch_change_is_refused_in_keras_words():
    layer = layers.GRU(3, stateful=True)
    layer(X + 1.0)  # the states it holds are not zero
    with pytest.raises(ValueError, match=r"^If an RNN is stateful, the batch size of the input "
                                         r"sequences must be the same as the batch size of the "
                                         r"initial state. \n- Expected batch size: 2\n"
                                         r"- Received batch size: 1$"):
        layer(X[:1])


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_another_feature_size_after_building_names_the_axis(cls):
    """Keras fails inside the matrix product (TypeError on jax, RuntimeError on torch)."""
    layer = cls(2)
    layer(X)
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 3, "
                                         r"but received input with shape \(2, 4, 5\)"):
        layer(np.zeros((2, 4, 5), "float32"))


def test_bidirectional_rank_error_names_the_wrapper():
    with pytest.raises(ValueError, match=r"^Input 0 with name 'None' of layer "
                                         r"'bidirectional\w*' is incompatible with the layer: "
                                         r"expected ndim=3, found ndim=2"):
        layers.Bidirectional(layers.GRU(3))(np.zeros((2, 3), "float32"))


def test_bidirectional_same_direction_is_refused_in_keras_words():
    with pytest.raises(ValueError, match=r"Received: forward_layer.go_backwards True, "
                                         r"backward_layer.go_backwards=True$"):
        layers.Bidirectional(layers.GRU(2, go_backwards=True))
