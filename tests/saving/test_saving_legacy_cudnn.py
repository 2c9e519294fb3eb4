"""Keras 2 `.h5` files with CuDNNLSTM / CuDNNGRU load into LSTM / GRU(reset_after=True).

The fixtures (tools/make_keras2_cudnn_fixture.py) are laid out as Keras 2.15 saved them,
from cuDNN parameters kept in keras2_cudnn_params.npz. The expected outputs come from the
cuDNN equations below (NVIDIA's cudnnRNNMode_t documentation), computed in numpy from those
parameters: they do not use the weight conversion under test.
"""
import json
import pathlib
import shutil

import h5py
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "rnn"
PARAMS = np.load(FIXTURES / "keras2_cudnn_params.npz")
X = PARAMS["x"].astype(np.float64)


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def params(prefix):
    return [PARAMS[f"{prefix}/{k}"].astype(np.float64) for k in ("W", "R", "bW", "bR")]


def cudnn_lstm(x, prefix):
    """i, f, o = σ(W x + R h + bW + bR) per gate; c' = tanh(...); c = f c + i c'; h = o tanh(c)."""
    W, R, bW, bR = params(prefix)
    h = np.zeros((x.shape[0], R.shape[1]))
    c = np.zeros_like(h)
    outputs = []
    for t in range(x.shape[1]):
        gate = [x[:, t] @ W[g].T + h @ R[g].T + bW[g] + bR[g] for g in range(4)]
        i, f, o = sigmoid(gate[0]), sigmoid(gate[1]), sigmoid(gate[3])
        c = f * c + i * np.tanh(gate[2])
        h = o * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, 1)


def cudnn_gru(x, prefix):
    """z, r = σ(W x + bW + R h + bR); h' = tanh(W_h x + bW_h + r (R_h h + bR_h));
    h = (1 - z) h' + z h (the gate blocks in Keras's order z, r, h)."""
    W, R, bW, bR = params(prefix)
    h = np.zeros((x.shape[0], R.shape[1]))
    outputs = []
    for t in range(x.shape[1]):
        z = sigmoid(x[:, t] @ W[0].T + bW[0] + h @ R[0].T + bR[0])
        r = sigmoid(x[:, t] @ W[1].T + bW[1] + h @ R[1].T + bR[1])
        candidate = np.tanh(x[:, t] @ W[2].T + bW[2] + r * (h @ R[2].T + bR[2]))
        h = (1 - z) * candidate + z * h
        outputs.append(h)
    return np.stack(outputs, 1)


def load(name):
    with pytest.warns(UserWarning) as record:
        model = keras.models.load_model(FIXTURES / name, compile=False)
    messages = " ".join(str(w.message) for w in record)
    assert "cuDNN" in messages and "time_major" in messages
    return model


def test_cudnn_lstm_and_gru_load_as_lstm_and_gru():
    model = load("keras2_cudnn_stack.h5")
    lstm, gru = model.layers
    assert (type(lstm).__name__, type(gru).__name__) == ("LSTM", "GRU")
    assert lstm.name == "cu_dnnlstm" and gru.name == "cu_dnngru"
    assert gru.reset_after and gru.cell.bias.shape == (2, 9)
    assert lstm.cell.bias.shape == (16,)
    for layer in (lstm, gru):
        assert layer.activation.__name__ == "tanh"
        assert layer.recurrent_activation.__name__ == "sigmoid"
    expected = cudnn_gru(cudnn_lstm(X, "stack_lstm"), "stack_gru")
    np.testing.assert_allclose(model.predict(PARAMS["x"], verbose=0), expected, atol=2e-6)


def test_one_step_by_hand():
    # t = 0 from zero states, first sample, first unit of the LSTM: the stored bias is the
    # input biases then the recurrent biases (8 * 4 values); the LSTM's is their sum.
    model = load("keras2_cudnn_stack.h5")
    W, _, bW, bR = params("stack_lstm")
    x0 = X[0, 0]
    pre = {g: W[g][0] @ x0 + bW[g][0] + bR[g][0] for g in range(4)}
    c = sigmoid(pre[0]) * np.tanh(pre[2])
    h = sigmoid(pre[3]) * np.tanh(c)
    out = model.layers[0](PARAMS["x"][:1, :1]).numpy()
    assert out[0, 0, 0] == pytest.approx(h, abs=1e-6)
    bias = model.layers[0].cell.bias.numpy()
    np.testing.assert_allclose(bias, (bW + bR).reshape(-1), atol=1e-7)


def test_cudnn_layers_inside_bidirectional():
    model = load("keras2_cudnn_bidirectional.h5")
    first, second = model.layers
    assert type(first.forward_layer).__name__ == "LSTM"
    assert type(second.backward_layer).__name__ == "GRU"
    reverse = lambda a: a[:, ::-1]  # noqa: E731
    lstm = np.concatenate([cudnn_lstm(X, "bi_lstm_fw"),
                           reverse(cudnn_lstm(reverse(X), "bi_lstm_bw"))], axis=-1)
    expected = cudnn_gru(lstm, "bi_gru_fw")[:, -1] + cudnn_gru(reverse(lstm), "bi_gru_bw")[:, -1]
    np.testing.assert_allclose(model.predict(PARAMS["x"], verbose=0), expected, atol=2e-6)


def test_load_weights_into_a_model_built_in_code():
    model = keras.Sequential([keras.Input((5, 3)), layers.LSTM(4, return_sequences=True),
                              layers.GRU(3, return_sequences=True)])
    model.load_weights(FIXTURES / "keras2_cudnn_stack.h5")
    expected = cudnn_gru(cudnn_lstm(X, "stack_lstm"), "stack_gru")
    np.testing.assert_allclose(model.predict(PARAMS["x"], verbose=0), expected, atol=2e-6)
    by_name = keras.Sequential([keras.Input((5, 3)),
                                layers.LSTM(4, return_sequences=True, name="cu_dnnlstm")])
    by_name.load_weights(FIXTURES / "keras2_cudnn_stack.h5", by_name=True)
    np.testing.assert_allclose(by_name.predict(PARAMS["x"], verbose=0),
                               cudnn_lstm(X, "stack_lstm"), atol=2e-6)


def test_cudnn_gru_into_gru_without_reset_after_is_refused():
    model = keras.Sequential([keras.Input((5, 3)), layers.LSTM(4, return_sequences=True),
                              layers.GRU(3, reset_after=False, return_sequences=True)])
    with pytest.raises(ValueError, match="reset_after=False.*GRU\\(\\.\\.\\., reset_after=True"):
        model.load_weights(FIXTURES / "keras2_cudnn_stack.h5")


def test_time_major_true_in_a_keras2_config_is_refused(tmp_path):
    path = tmp_path / "tm.h5"
    shutil.copy(FIXTURES / "keras2_cudnn_stack.h5", path)
    with h5py.File(path, "a") as f:
        config = json.loads(f.attrs["model_config"])
        config["config"]["layers"][2]["config"]["time_major"] = True
        f.attrs["model_config"] = json.dumps(config).encode()
    with pytest.raises(ValueError, match="'cu_dnngru'.*time_major=True.*\\(batch, time, featu"):
        keras.models.load_model(path, compile=False)


def test_keras2_lstm_config_with_implementation_and_time_major():
    # Keras 2.15's LSTM.get_config() carries "implementation" and "time_major"
    from minikeras.saving.legacy_rnn import translate_legacy_rnn_configs
    entry = {"class_name": "LSTM", "config": {
        "name": "lstm", "units": 2, "return_sequences": False, "time_major": False,
        "implementation": 1, "unroll": False, "activation": "tanh",
        "recurrent_activation": "sigmoid", "dropout": 0.2, "recurrent_dropout": 0.0}}
    with pytest.warns(UserWarning, match="time_major=False.*dropped for: lstm"):
        translated = translate_legacy_rnn_configs({"layers": [entry]})["layers"][0]
    assert "time_major" not in translated["config"] and "time_major" in entry["config"]
    layer = layers.deserialize(translated)
    assert layer.cell.implementation == 1 and layer.cell.dropout_mask_count == 4


def test_cudnn_weights_inside_time_distributed(tmp_path):
    # a Keras 2 weights file whose TimeDistributed layer wraps a CuDNNLSTM (as Keras 2's
    # loader allowed): the datasets of the fixture's cu_dnnlstm group, renamed
    path = tmp_path / "td.h5"
    with h5py.File(FIXTURES / "keras2_cudnn_stack.h5", "r") as src, h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([b"time_distributed"])
        f.attrs["keras_version"], f.attrs["backend"] = b"2.15.0", b"tensorflow"
        group = f.create_group("time_distributed")
        names = [n.decode().replace("cu_dnnlstm/", "time_distributed/cu_dnnlstm/")
                 for n in src["model_weights/cu_dnnlstm"].attrs["weight_names"]]
        group.attrs["weight_names"] = np.array([n.encode() for n in names])
        for name, old in zip(names, src["model_weights/cu_dnnlstm"].attrs["weight_names"]):
            group[name] = src["model_weights/cu_dnnlstm"][old.decode()][()]
    model = keras.Sequential([keras.Input((2, 5, 3)), layers.TimeDistributed(layers.LSTM(4))])
    model.load_weights(path)
    x = np.stack([PARAMS["x"], PARAMS["x"][::-1]], axis=1)  # (4, 2, 5, 3)
    expected = np.stack([cudnn_lstm(x[:, k].astype(np.float64), "stack_lstm")[:, -1]
                         for k in range(2)], axis=1)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=2e-6)


def test_keras2_json_with_cudnn_and_time_major():
    with h5py.File(FIXTURES / "keras2_cudnn_stack.h5", "r") as f:
        text = f.attrs["model_config"]
    with pytest.warns(UserWarning) as record:
        model = keras.models.model_from_json(text)
    messages = " ".join(str(w.message) for w in record)
    assert "cu_dnngru (CuDNNGRU -> GRU)" in messages and "time_major=False" in messages
    assert [type(l).__name__ for l in model.layers] == ["LSTM", "GRU"]
