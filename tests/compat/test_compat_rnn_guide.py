"""Keras guide "Working with RNNs", run side by side with Keras 3.15 (torch backend)."""
import numpy as np

import minikeras as keras
from minikeras import layers


def _encoder_decoder():
    encoder_input = layers.Input(shape=(None,))
    embedded = layers.Embedding(input_dim=20, output_dim=4)(encoder_input)
    _, state_h, state_c = layers.LSTM(3, return_state=True, name="encoder")(embedded)
    decoder_input = layers.Input(shape=(None,))
    decoder_embedded = layers.Embedding(input_dim=30, output_dim=4, name="dec_emb")(
        decoder_input)
    decoder_output = layers.LSTM(3, name="decoder")(decoder_embedded,
                                                   initial_state=[state_h, state_c])
    return keras.Model([encoder_input, decoder_input], layers.Dense(2)(decoder_output))


def _history(tensor_entry):
    return tensor_entry["config"]["keras_history"]


def test_initial_state_is_recorded_as_a_keyword_argument_as_keras_does():
    # The guide's encoder-decoder: Keras 3.15's config of the decoder node is
    # {"args": [sequences], "kwargs": {"initial_state": [state_h, state_c]}}. minikeras
    # wrote args [[sequences, state_h, state_c]], a file Keras cannot load
    # ("Cannot convert '([None, 3], 12)' to a shape").
    model = _encoder_decoder()
    decoder = next(e for e in model.get_config()["layers"] if e["name"] == "decoder")
    (node,) = decoder["inbound_nodes"]
    assert [_history(a) for a in node["args"]] == [["dec_emb", 0, 0]]
    assert list(node["kwargs"]) == ["initial_state"]
    assert [_history(s) for s in node["kwargs"]["initial_state"]] == [
        ["encoder", 0, 1], ["encoder", 0, 2]]


def test_the_encoder_decoder_round_trips_through_a_file(tmp_path):
    model = _encoder_decoder()
    rng = np.random.default_rng(0)
    x = [rng.integers(0, 20, (2, 5)), rng.integers(0, 30, (2, 4))]
    path = str(tmp_path / "seq2seq.keras")
    model.save(path)
    np.testing.assert_allclose(keras.saving.load_model(path).predict(x, verbose=0),
                               model.predict(x, verbose=0), rtol=1e-6, atol=1e-7)


def test_stateful_states_are_variables_outside_the_weights():
    # The guide reuses `lstm_layer.states` as another layer's initial_state. In Keras 3.15
    # they are Variables (path "lstm/rnn_state", not among `weights`); minikeras held numpy
    # arrays.
    lstm = layers.LSTM(3, stateful=True, name="lstm")
    x = np.linspace(-1, 1, 40, dtype="float32").reshape(2, 4, 5)
    out = lstm(x)
    assert [type(s) for s in lstm.states] == [keras.Variable, keras.Variable]
    assert [s.path for s in lstm.states] == ["lstm/rnn_state", "lstm/rnn_state"]
    assert [w.name for w in lstm.weights] == ["kernel", "recurrent_kernel", "bias"]
    np.testing.assert_array_equal(lstm.states[0].numpy(), np.asarray(out))  # h = output
    follow = layers.LSTM(3, name="follow")
    follow(x, initial_state=lstm.states)
    follow.set_weights(lstm.get_weights())
    np.testing.assert_allclose(np.asarray(follow(x, initial_state=lstm.states)),
                               np.asarray(lstm(x)), rtol=1e-6)
    lstm.reset_states()
    assert not lstm.states[0].numpy().any() and not lstm.states[1].numpy().any()
