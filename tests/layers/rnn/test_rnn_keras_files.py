"""Models with LSTM, GRU and SimpleRNN written by real Keras 3.15.1 load here and predict the
same numbers; files written here have Keras's layout (fixtures: tests/fixtures/rnn/README.md)."""
from pathlib import Path

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from tests.saving.saving_helpers import listing

FIXTURES = Path(__file__).parents[2] / "fixtures" / "rnn"
EXPECTED = np.load(FIXTURES / "sequence_expected.npz")
X = EXPECTED["x"]


# Layer names as the fresh Keras session that wrote the fixtures named them.
def rnn_stack():
    return keras.Sequential([keras.Input((6, 3)), layers.LSTM(4, return_sequences=True,
                                                               name="lstm"),
                             layers.GRU(3, name="gru"), layers.Dense(2, name="dense")],
                            name="rnn_stack")


def rnn_variants():
    return keras.Sequential([
        keras.Input((6, 3)),
        layers.SimpleRNN(4, return_sequences=True, go_backwards=True, name="simple_rnn"),
        layers.GRU(2, reset_after=False, return_sequences=True, name="gru_1")],
        name="rnn_variants")


MODELS = {"rnn_stack": (rnn_stack, "m1_pred"), "rnn_variants": (rnn_variants, "m2_pred")}


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_keras_written_model_predicts_the_same(name, ext):
    model = keras.models.load_model(FIXTURES / f"{name}{ext}", compile=False)
    np.testing.assert_allclose(model.predict(X, verbose=0), EXPECTED[MODELS[name][1]],
                               atol=1e-5)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_keras_written_weights_load_into_the_same_architecture(name):
    build, key = MODELS[name]
    model = build()
    model.load_weights(FIXTURES / f"{name}.weights.h5")
    np.testing.assert_allclose(model.predict(X, verbose=0), EXPECTED[key], atol=1e-5)


def loaded_stack():
    model = rnn_stack()
    model.load_weights(FIXTURES / "rnn_stack.weights.h5")
    return model


def test_lstm_with_an_explicit_mask_and_return_state_matches_keras():
    lstm = layers.LSTM(4, return_sequences=True, return_state=True)
    lstm.build((None, 6, 3))
    lstm.set_weights(loaded_stack().layers[0].get_weights())
    out, h, c = lstm(X, mask=EXPECTED["mask"])
    for got, key in ((out, "out"), (h, "h"), (c, "c")):
        np.testing.assert_allclose(got.numpy(), EXPECTED[f"lstm_masked_{key}"], atol=1e-5)


def test_lstm_with_an_initial_state_matches_keras():
    lstm = layers.LSTM(4, return_sequences=True, return_state=True)
    lstm.build((None, 6, 3))
    lstm.set_weights(loaded_stack().layers[0].get_weights())
    out, h, c = lstm(X, initial_state=[EXPECTED["h0"], EXPECTED["c0"]])
    for got, key in ((out, "out"), (h, "h"), (c, "c")):
        np.testing.assert_allclose(got.numpy(), EXPECTED[f"lstm_init_{key}"], atol=1e-5)


def test_gru_go_backwards_with_a_mask_matches_keras():
    gru = layers.GRU(3, go_backwards=True, return_sequences=True)
    gru.build((None, 6, 4))
    gru.set_weights(loaded_stack().layers[1].get_weights())
    np.testing.assert_allclose(gru(EXPECTED["x4"], mask=EXPECTED["mask"]).numpy(),
                               EXPECTED["gru_back_masked"], atol=1e-5)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_weights_file_written_here_has_keras_layout(name, tmp_path):
    build, _ = MODELS[name]
    model = build()
    model.load_weights(FIXTURES / f"{name}.weights.h5")
    model.save_weights(tmp_path / "w.weights.h5")
    assert listing(tmp_path / "w.weights.h5") == listing(FIXTURES / f"{name}.weights.h5")


@pytest.mark.parametrize("ext", [".keras", ".h5", ".weights.h5"])
def test_round_trip_in_every_format(ext, tmp_path):
    model = loaded_stack()
    path = tmp_path / f"m{ext}"
    if ext == ".weights.h5":
        model.save_weights(path)
        again = rnn_stack()
        again.load_weights(path)
    else:
        model.save(path)
        again = keras.models.load_model(path, compile=False)
    np.testing.assert_allclose(again.predict(X, verbose=0), EXPECTED["m1_pred"], atol=1e-5)
    for got, want in zip(again.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)
