"""SimpleRNN, LSTM, GRU, RNN(cell) and StackedRNNCells: hand-derived numbers, options, errors."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops
from minikeras.autodiff.gradcheck import gradcheck


def sig(a):
    return 1 / (1 + np.exp(-a))


def one_step_lstm(kernel, bias, h0=0.0, c0=0.0, recurrent=None):
    """LSTM(1) on one timestep of x = 1 with the given (1, 4) kernel."""
    lstm = layers.LSTM(1, return_state=True)
    lstm.build((None, 1, 1))
    lstm.set_weights([np.array([kernel], "float32"),
                      np.array([recurrent or [0, 0, 0, 0]], "float32"),
                      np.array(bias, "float32")])
    init = [np.full((1, 1), h0, "float32"), np.full((1, 1), c0, "float32")]
    return [t.numpy().item() for t in lstm(np.ones((1, 1, 1), "float32"), initial_state=init)]


def test_lstm_gate_order_is_i_f_c_o():
    a_i, a_f, a_c, a_o = 0.3, -0.7, 1.1, 0.5
    c0, h0, u = 2.0, 0.4, [0.2, -0.1, 0.3, 0.6]
    out, h, c = one_step_lstm([a_i, a_f, a_c, a_o], [0.05, 0.1, -0.2, 0.15], h0, c0, u)
    a = np.array([a_i + 0.05, a_f + 0.1, a_c - 0.2, a_o + 0.15]) + h0 * np.array(u)
    c_want = sig(a[1]) * c0 + sig(a[0]) * np.tanh(a[2])
    h_want = sig(a[3]) * np.tanh(c_want)
    assert c == pytest.approx(c_want, rel=1e-6)
    assert h == pytest.approx(h_want, rel=1e-6) and out == h


def test_lstm_unit_forget_bias_initializes_forget_gate_to_one():
    lstm = layers.LSTM(3)
    lstm.build((None, 2, 4))
    np.testing.assert_array_equal(lstm.cell.bias.numpy(), [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    assert layers.LSTM(3, unit_forget_bias=False)(np.zeros((1, 2, 4))).shape == (1, 3)


def test_gru_bias_rows_are_input_then_recurrent():
    """GRU(1), reset_after, one step of x = 0 from h0: only the biases and U act."""
    b_in, b_rec, U, h0 = [0.2, -0.3, 0.4], [0.1, 0.5, -0.6], [0.7, -0.2, 0.9], 0.8
    gru = layers.GRU(1)
    gru.build((None, 1, 1))
    assert gru.cell.bias.shape == (2, 3)
    gru.set_weights([np.zeros((1, 3), "float32"), np.array([U], "float32"),
                     np.array([b_in, b_rec], "float32")])
    h = gru(np.zeros((1, 1, 1), "float32"), initial_state=[np.full((1, 1), h0, "float32")])
    m = h0 * np.array(U) + b_rec
    z, r = sig(b_in[0] + m[0]), sig(b_in[1] + m[1])
    hh = np.tanh(b_in[2] + r * m[2])
    assert h.numpy().item() == pytest.approx(z * h0 + (1 - z) * hh, rel=1e-6)


def test_gru_without_reset_after_has_a_flat_bias_added_to_the_inputs():
    b, U, h0 = [0.2, -0.3, 0.4], [0.7, -0.2, 0.9], 0.8
    gru = layers.GRU(1, reset_after=False)
    gru.build((None, 1, 1))
    assert gru.cell.bias.shape == (3,)
    gru.set_weights([np.zeros((1, 3), "float32"), np.array([U], "float32"),
                     np.array(b, "float32")])
    h = gru(np.zeros((1, 1, 1), "float32"), initial_state=[np.full((1, 1), h0, "float32")])
    z, r = sig(b[0] + h0 * U[0]), sig(b[1] + h0 * U[1])
    hh = np.tanh(b[2] + r * h0 * U[2])
    assert h.numpy().item() == pytest.approx(z * h0 + (1 - z) * hh, rel=1e-6)


def test_simple_rnn_two_steps_by_hand():
    rnn = layers.SimpleRNN(1, return_sequences=True)
    rnn.build((None, 2, 1))
    rnn.set_weights([np.array([[0.5]], "float32"), np.array([[-0.8]], "float32"),
                     np.array([0.1], "float32")])
    y = rnn(np.array([[[1.0], [2.0]]], "float32")).numpy().ravel()
    h1 = np.tanh(0.5 + 0.1)
    np.testing.assert_allclose(y, [h1, np.tanh(1.0 + 0.1 - 0.8 * h1)], rtol=1e-6)


def test_go_backwards_runs_the_reversed_sequence():
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    fwd = layers.GRU(4, return_sequences=True)
    fwd(x)
    back = layers.GRU(4, return_sequences=True, go_backwards=True)
    back(x)
    back.set_weights(fwd.get_weights())
    np.testing.assert_allclose(back(x).numpy(), fwd(x[:, ::-1]).numpy(), rtol=1e-6)


LAYER_CLASSES = [layers.SimpleRNN, layers.LSTM, layers.GRU]


@pytest.mark.parametrize("cls", LAYER_CLASSES)
@pytest.mark.parametrize("sequences,zero_output", [(True, False), (False, False), (False, True),
                                                   (True, True)])
def test_fused_path_equals_stepping_the_cell(cls, sequences, zero_output):
    """The layer's fused recurrence against RNN(cell) stepping the same cell with ops (the
    fused form keeps only the last output without return_sequences)."""
    x = np.random.default_rng(1).normal(size=(3, 4, 2)).astype("float32")
    mask = np.array([[1, 0, 1, 1], [1, 1, 1, 1], [0, 0, 1, 0]], bool)
    options = dict(return_sequences=sequences, return_state=True, go_backwards=True,
                   zero_output_for_mask=zero_output)
    layer = cls(3, **options)
    fused = layer(x, mask=mask)

    class Plain(keras.layers.Layer):  # hides `recurrence`, so RNN steps the cell
        def __init__(self, cell):
            super().__init__()
            self.inner, self.state_size = cell, cell.state_size

        def call(self, inputs, states):
            return self.inner(inputs, states)

    stepped = layers.RNN(Plain(layer.cell), **options)(x, mask=mask)
    for a, b in zip(fused, stepped):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


class MinimalRNNCell(keras.layers.Layer):
    """The user cell of Keras's RNN documentation: h = x W + h U (no gradient code)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        prev_output = states[0]
        output = ops.matmul(inputs, self.kernel) + ops.matmul(prev_output, self.recurrent_kernel)
        return output, [output]


def test_user_cell_matches_a_linear_simple_rnn_and_trains():
    x = np.random.default_rng(2).normal(size=(8, 5, 3)).astype("float32")
    rnn = layers.RNN(MinimalRNNCell(4))
    y = rnn(x)
    ref = layers.SimpleRNN(4, activation=None, use_bias=False)
    ref(x)
    ref.set_weights(rnn.get_weights())
    np.testing.assert_allclose(y.numpy(), ref(x).numpy(), rtol=1e-5, atol=1e-6)
    model = keras.Sequential([keras.Input((5, 3)), layers.RNN(MinimalRNNCell(4)),
                              layers.Dense(1)])
    model.compile("adam", "mse")
    target = x.sum(axis=(1, 2))[:, None]
    before = model.evaluate(x, target, verbose=0)
    model.fit(x, target, epochs=30, verbose=0)
    assert model.evaluate(x, target, verbose=0) < before


def test_user_cell_gradient_through_autodiff_in_float64():
    cell = MinimalRNNCell(2, dtype="float64")
    rnn = layers.RNN(cell, return_sequences=True, dtype="float64")  # else autocast to float32
    x0 = np.random.default_rng(3).normal(size=(2, 3, 2))
    rnn.build((None, 3, 2))
    kernel = cell.kernel

    def fn(x, w):
        kernel.data[...] = w.data
        return rnn(x)

    assert gradcheck(fn, x0, kernel.numpy().copy(), wrt=[0])


def test_stacked_cells_and_a_list_of_cells():
    x = np.random.default_rng(4).normal(size=(2, 4, 3)).astype("float32")
    rnn = layers.RNN([layers.LSTMCell(5), layers.GRUCell(2)], return_state=True)
    out, (h1, c1), [h2] = rnn(x)  # a built-in cell's states come as a list, as in Keras
    assert out.shape == (2, 2) and h1.shape == c1.shape == (2, 5)
    np.testing.assert_allclose(out.numpy(), h2.numpy())
    lstm, gru = layers.LSTM(5, return_sequences=True), layers.GRU(2)
    lstm(x)
    gru(lstm(x))
    lstm.set_weights(rnn.cell.cells[0].get_weights())
    gru.set_weights(rnn.cell.cells[1].get_weights())
    np.testing.assert_allclose(out.numpy(), gru(lstm(x)).numpy(), rtol=1e-5, atol=1e-6)


def test_cell_called_directly():
    cell = layers.LSTMCell(3)
    h, (h2, c) = cell(np.ones((2, 4), "float32"), [np.zeros((2, 3), "float32")] * 2)
    assert h.shape == c.shape == (2, 3) and h is h2


def test_stateful_carries_states_and_reset_states_clears_them():
    x = np.random.default_rng(5).normal(size=(2, 3, 2)).astype("float32")
    lstm = layers.LSTM(3, stateful=True)
    first = lstm(x).numpy()
    second = lstm(x).numpy()
    assert not np.allclose(first, second)
    lstm.reset_states()
    np.testing.assert_allclose(lstm(x).numpy(), first, rtol=1e-6)
    with pytest.raises(ValueError, match="Expected batch size: 2"):
        lstm(np.zeros((3, 3, 2), "float32"))


def test_stateful_needs_a_static_batch_size_in_a_functional_model():
    with pytest.raises(ValueError, match="batch size must be static"):
        layers.LSTM(3, stateful=True)(keras.Input((3, 2)))
    inputs = keras.Input(batch_shape=(2, 3, 2))
    model = keras.Model(inputs, layers.GRU(3, stateful=True)(inputs))
    x = np.ones((2, 3, 2), "float32")
    assert not np.allclose(model.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("cls", LAYER_CLASSES)
def test_training_on_a_sequence_task_reaches_accuracy(cls):
    """Is the sum of the first feature over 12 timesteps positive? >= 93% after 10 epochs."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 12, 2)).astype("float32")
    y = (x[:, :, 0].sum(axis=1) > 0).astype("float32")
    model = keras.Sequential([keras.Input((12, 2)), cls(16), layers.Dense(1, "sigmoid")])
    model.compile(keras.optimizers.Adam(0.02), "binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=10, batch_size=32, verbose=0)
    assert model.evaluate(x, y, verbose=0)[1] >= 0.93


@pytest.mark.parametrize("cls", LAYER_CLASSES)
def test_config_round_trip(cls):
    layer = cls(3, dropout=0.1, return_sequences=True, go_backwards=True, name="r")
    config = layer.get_config()
    again = cls.from_config(config)
    assert again.get_config() == config
    assert config["units"] == 3 and config["go_backwards"] is True and "cell" not in config
    restored = layers.deserialize(layers.serialize(layers.RNN(layers.GRUCell(2))))
    assert isinstance(restored.cell, layers.GRUCell) and restored.cell.units == 2


def test_keras_defaults():
    lstm, gru = layers.LSTM(2), layers.GRU(2)
    assert (lstm.activation.__name__, lstm.recurrent_activation.__name__) == ("tanh", "sigmoid")
    assert gru.reset_after is True and lstm.unit_forget_bias is True
    config = lstm.get_config()
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert config["recurrent_initializer"]["class_name"] == "Orthogonal"
    assert config["bias_initializer"]["class_name"] == "Zeros"


def test_non_default_activation_uses_the_stepped_cell():
    x = np.random.default_rng(6).normal(size=(2, 3, 2)).astype("float32")
    layer = layers.LSTM(2, activation="relu", recurrent_activation="hard_sigmoid")
    y = layer(x)
    assert layer.cell.recurrence(ops.convert_to_tensor(x), layer.get_initial_state(2)) is None
    assert y.shape == (2, 2) and np.all(np.isfinite(y.numpy()))


# ---- bad input -------------------------------------------------------------------------------
def test_wrong_rank():
    # LSTM / GRU / SimpleRNN have Keras's InputSpec(ndim=3) and its message; RNN(cell) has none
    with pytest.raises(ValueError, match=r"layer 'lstm.*expected ndim=3, found ndim=2. "
                                         r"Full shape received: \(2, 3\)"):
        layers.LSTM(2)(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"rank 3 \(batch, timesteps, features\).*\(2, 3\)"):
        layers.RNN(layers.LSTMCell(2))(np.zeros((2, 3), "float32"))


def test_cell_without_state_size():
    class NoState(keras.layers.Layer):
        def call(self, inputs, states):
            return inputs, states

    with pytest.raises(ValueError, match="state_size"):
        layers.RNN(NoState())


def test_initial_state_wrong_count_and_shape():
    x = np.zeros((2, 3, 4), "float32")
    with pytest.raises(ValueError, match="expects 2 initial state tensor"):
        layers.LSTM(5)(x, initial_state=[np.zeros((2, 5))])
    with pytest.raises(ValueError, match=r"\(2, 5\); received \(2, 4\)"):
        layers.GRU(5)(x, initial_state=[np.zeros((2, 4))])


def test_mask_wrong_shape():
    with pytest.raises(ValueError, match=r"mask must have shape \(batch, timesteps\) = \(2, 3\)"):
        layers.GRU(2)(np.zeros((2, 3, 4), "float32"), mask=np.ones((2, 4), bool))


def test_bad_units():
    with pytest.raises(ValueError, match="positive integer"):
        layers.LSTM(0)


def test_seq2seq_with_initial_state_from_an_encoder_trains_and_saves(tmp_path):
    """Keras's seq2seq pattern: the decoder starts from the encoder's states (functional)."""
    rng = np.random.default_rng(7)
    enc_in, dec_in = keras.Input((5, 3)), keras.Input((4, 2))
    _, h, c = layers.LSTM(6, return_state=True)(enc_in)
    dec = layers.LSTM(6, return_sequences=True)(dec_in, initial_state=[h, c])
    model = keras.Model([enc_in, dec_in], layers.TimeDistributed(layers.Dense(1))(dec))
    model.compile("adam", "mse")
    x1, x2 = rng.random((16, 5, 3), dtype=np.float32), rng.random((16, 4, 2), dtype=np.float32)
    y = np.repeat(x1.sum(axis=(1, 2))[:, None, None], 4, axis=1) / 5
    before = model.evaluate([x1, x2], y, verbose=0)
    model.fit([x1, x2], y, epochs=20, verbose=0)
    assert model.evaluate([x1, x2], y, verbose=0) < before
    model.save(tmp_path / "s2s.keras")
    again = keras.models.load_model(tmp_path / "s2s.keras")
    np.testing.assert_allclose(again.predict([x1, x2], verbose=0),
                               model.predict([x1, x2], verbose=0), rtol=1e-6)
    # the decoder depends on the encoder's states
    other = model.predict([x1[::-1].copy(), x2], verbose=0)
    assert not np.allclose(other, model.predict([x1, x2], verbose=0))


@pytest.mark.parametrize("make", [lambda: layers.SimpleRNN(3, seed=1), lambda: layers.LSTM(3),
                                  lambda: layers.GRU(3)])
def test_integer_sequences_compute_in_the_layers_float_dtype(make):
    # Keras promotes integer steps to the kernel's float dtype (int64 @ float32 is float32)
    layer = make()
    ints = np.arange(24).reshape(2, 3, 4) % 5
    out = layer(ints)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), layer(ints.astype(np.float32)).numpy())


class _BareStateCell(layers.Layer):
    """A cell with an int state_size and no get_initial_state: h_t = x_t @ ones + h_{t-1}."""

    state_size = 2
    output_size = 2

    def call(self, inputs, states):
        h = ops.sum(inputs, axis=-1, keepdims=True) * ops.ones((1, 2)) + states[0]
        return h, [h]


def test_stacked_cells_return_each_cells_states_as_keras_does():
    """Keras 3.15 (tests/fixtures/keras_examples21_recurrent.json, RNN/custom_stacked/state
    and RNN/list/state): a built-in cell's states come as a list, one state too; a cell
    without get_initial_state returns its single state bare."""
    x = np.ones((1, 3, 2), "float32")
    rnn = layers.RNN([_BareStateCell(), layers.SimpleRNNCell(2)], return_state=True)
    out, h_bare, simple_states = rnn(x)
    np.testing.assert_allclose(h_bare.numpy(), [[6.0, 6.0]])  # 2 per step, summed over 3
    assert isinstance(simple_states, list) and len(simple_states) == 1
    np.testing.assert_allclose(simple_states[0].numpy(), out.numpy())
    # compute_output_shape keeps state_size's nesting (no list for a single state)
    assert rnn.compute_output_shape((1, 3, 2)) == [(1, 2), (1, 2), (1, 2)]


def test_simple_rnn_takes_activity_regularizer_and_applies_none_as_keras():
    """Keras 3.15's SimpleRNN does not pass activity_regularizer on: its config writes null
    and its losses are the weights' alone (SimpleRNN/regularizers in the round-21 fixture)."""
    layer = layers.SimpleRNN(2, kernel_regularizer="l2", activity_regularizer="l1")
    layer(np.ones((1, 3, 2), "float32"))
    assert layer.get_config()["activity_regularizer"] is None
    assert len(layer.losses) == 1
    lstm = layers.LSTM(2, activity_regularizer="l1")
    lstm(np.ones((1, 3, 2), "float32"))
    assert lstm.get_config()["activity_regularizer"]["class_name"] == "L1"
    assert len(lstm.losses) == 1


def test_a_concrete_mask_given_to_a_symbolic_call_is_taken():
    """LSTM(...)(keras.Input(...), mask=<array>): the mask's batch is the data's, not the
    placeholder's (Keras's symbolic call takes it)."""
    layer = layers.LSTM(2, return_sequences=True)
    out = layer(keras.Input((4, 3)), mask=np.array([[True, True, False, False]] * 2))
    assert out.shape == (None, 4, 2)


def test_get_initial_state_nests_per_stacked_cell_as_keras():
    """Keras 3.15 (get_initial_state/RNN_stacked in the round-21 fixture): one list per cell."""
    rnn = layers.RNN(layers.StackedRNNCells([layers.LSTMCell(2), layers.SimpleRNNCell(3)]))
    rnn(np.ones((1, 4, 3), "float32"))
    (h, c), [s] = rnn.get_initial_state(batch_size=3)
    assert h.shape == c.shape == (3, 2) and s.shape == (3, 3)
    assert not any(np.any(t.numpy()) for t in (h, c, s))


def test_bidirectional_compute_mask_lists_the_outputs_masks_only():
    """Keras 3.15 (compute_mask/Bidirectional_none_state): with return_state the states
    that follow the outputs get no entry."""
    layer = layers.Bidirectional(layers.LSTM(2, return_sequences=True, return_state=True),
                                 merge_mode=None)
    x = np.ones((2, 4, 3), "float32")
    layer(x)
    mask = np.array([[True, True, False, False]] * 2)
    masks = layer.compute_mask(x, mask)
    assert len(masks) == 2 and all(np.array_equal(m, mask) for m in masks)
