"""MultiHeadAttention's use_gate, sliding_window and flash_attention against Keras 3.15.

Expected numbers and files: tests/fixtures/rnn/mha_options_expected.npz, mha_gate.keras and
mha_gate.weights.h5, written by real Keras (tools/make_mha_options_fixture.py).
"""
from pathlib import Path

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.autodiff.gradcheck import gradcheck
from tests.saving.saving_helpers import listing

FIXTURES = Path(__file__).parents[2] / "fixtures" / "rnn"
E = np.load(FIXTURES / "mha_options_expected.npz")
Q, V = E["q"], E["v"]


def with_keras_weights(layer, prefix, query, value):
    layer(query, value)
    count = len(layer.weights)
    layer.set_weights([E[f"{prefix}_w{i}"] for i in range(count)])
    return layer


def test_gate_and_sliding_window_match_keras():
    mha = with_keras_weights(layers.MultiHeadAttention(
        num_heads=2, key_dim=3, value_dim=4, use_gate=True, sliding_window=2, name="gated"),
        "gated", Q, V)
    assert [w.path for w in mha.weights] == list(E["gated_paths"])
    out, scores = mha(Q, V, return_attention_scores=True)
    np.testing.assert_allclose(out.numpy(), E["gated_out"], atol=1e-5)
    np.testing.assert_allclose(scores.numpy(), E["gated_scores"], atol=1e-6)
    np.testing.assert_allclose(mha(Q, Q, use_causal_mask=True).numpy(), E["gated_causal"],
                               atol=1e-5)


def test_sliding_window_alone_and_with_a_causal_mask():
    mha = with_keras_weights(layers.MultiHeadAttention(num_heads=2, key_dim=3,
                                                       sliding_window=3), "window", Q, Q)
    np.testing.assert_allclose(mha(Q, Q).numpy(), E["window_self"], atol=1e-5)
    np.testing.assert_allclose(mha(Q, Q, use_causal_mask=True).numpy(), E["window_causal"],
                               atol=1e-5)
    # by hand: with a window of 3, query 0 attends to keys 0..2 only
    _, scores = mha(Q, Q, return_attention_scores=True)
    assert np.all(scores.numpy()[:, :, 0, 3:] == 0) and np.all(scores.numpy()[:, :, 4, :2] == 0)


def test_gated_model_file_from_keras_loads_and_saves_in_its_layout(tmp_path):
    model = keras.models.load_model(FIXTURES / "mha_gate.keras", compile=False)
    np.testing.assert_allclose(model.predict(Q, verbose=0), E["model_pred"], atol=1e-5)
    assert [w.path for w in model.weights] == list(E["model_paths"])
    model.save_weights(tmp_path / "w.weights.h5")
    ours, theirs = listing(tmp_path / "w.weights.h5"), listing(FIXTURES / "mha_gate.weights.h5")
    datasets = [k for k in theirs if k.startswith("/layers/") and theirs[k][0] == "dataset"]
    assert len(datasets) == 10 and all(ours.get(k) == theirs[k] for k in datasets)


def test_gated_windowed_gradient_in_float64():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=2, use_gate=True, sliding_window=2,
                                    dtype="float64")
    rng = np.random.default_rng(4)
    q, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 3, 4))
    mha(q, v)
    assert gradcheck(lambda q, v: mha(q, v, use_causal_mask=True), q, v)


@pytest.mark.parametrize("suffix", [".keras", ".weights.h5", ".h5"])
def test_gated_model_round_trip_in_three_formats(suffix, tmp_path):
    inp = keras.Input((5, 6))
    model = keras.Model(inp, layers.MultiHeadAttention(
        num_heads=2, key_dim=3, use_gate=True, sliding_window=2)(inp, inp))
    path = tmp_path / f"m{suffix}"
    if suffix == ".weights.h5":
        model.save_weights(path)
        again = keras.Model.from_config(model.get_config())
        again.load_weights(path)
    else:
        model.save(path)
        again = keras.models.load_model(path, compile=False)
    np.testing.assert_array_equal(again.predict(Q, verbose=0), model.predict(Q, verbose=0))


def test_config_round_trip_keeps_the_options():
    layer = layers.MultiHeadAttention(2, 3, use_gate=True, sliding_window=4)
    config = layer.get_config()
    assert config["use_gate"] is True and config["sliding_window"] == 4
    assert layers.MultiHeadAttention.from_config(config).get_config() == config


def test_bad_options():
    with pytest.raises(NotImplementedError, match="flash_attention=True"):
        layers.MultiHeadAttention(2, 3, flash_attention=True)
    layers.MultiHeadAttention(2, 3, flash_attention=False)  # the default path
    with pytest.raises(ValueError, match="`sliding_window` must be `None` or a positive "
                                         "integer. Received: sliding_window=0"):
        layers.MultiHeadAttention(2, 3, sliding_window=0)
    with pytest.raises(ValueError, match="value_dim.*Received: value_dim=-1"):
        layers.MultiHeadAttention(2, 3, value_dim=-1)


def test_projections_answer_to_keras_attribute_names_too():
    """keras-hub's cached attention subclass calls ``self._query_dense(...)`` and the rest
    (Keras's attributes, whose public properties are ``query_dense`` ...)."""
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, name="mha")
    mha(Q, V)
    for name in ("query_dense", "key_dense", "value_dense", "output_dense"):
        assert getattr(mha, "_" + name) is getattr(mha, name)
    replacement = layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), name="q2")
    mha._query_dense = replacement
    assert mha.query_dense is replacement


def test_a_mask_with_the_heads_axis_matches_the_same_mask_without_it():
    """Keras takes an attention_mask of shape (batch, 1 or heads, T, S) as well."""
    layer = layers.MultiHeadAttention(2, 3)
    x = np.sin(np.arange(2 * 4 * 3, dtype="float32")).reshape(2, 4, 3)
    keep = np.array([[1, 1, 0, 0], [1, 1, 1, 0]], bool)
    plain = layer(x, x, attention_mask=keep[:, None, :])
    np.testing.assert_allclose(layer(x, x, attention_mask=keep[:, None, None, :]), plain)
    per_head = np.repeat(keep[:, None, None, :], 2, axis=1)
    np.testing.assert_allclose(layer(x, x, attention_mask=per_head, use_causal_mask=True),
                               layer(x, x, attention_mask=keep[:, None, :],
                                     use_causal_mask=True))
    with pytest.raises(ValueError, match=r"\(2, 2, 4, 4\).*received \(2, 3, 1, 4\)"):
        layer(x, x, attention_mask=np.ones((2, 3, 1, 4), bool))
