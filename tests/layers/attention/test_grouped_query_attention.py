"""GroupQueryAttention: Keras's numbers and file (fixture made by
tools/make_layers_coverage_fixture.py), a numpy reference, gradients and bad input."""
from pathlib import Path

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.autodiff.gradcheck import gradcheck
from tests.layers.keras_configs import assert_keras_config

FIXTURES = Path(__file__).parents[2] / "fixtures"
E = np.load(FIXTURES / "keras_layers_coverage.npz")
Q, V = E["gqa_q"], E["gqa_v"]


def keras_gqa():
    q_in, v_in = keras.Input((3, 5)), keras.Input((4, 5))
    gqa = layers.GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=2,
                                     use_gate=True, name="grouped_query_attention")
    model = keras.Model([q_in, v_in], gqa(q_in, v_in))
    model.load_weights(FIXTURES / "keras_group_query_attention.weights.h5")
    return gqa, model


def test_outputs_scores_and_masks_match_keras():
    gqa, model = keras_gqa()
    assert [w.path for w in gqa.weights] == list(E["gqa_weight_paths"])
    out, scores = gqa(Q, V, return_attention_scores=True)
    np.testing.assert_allclose(out.numpy(), E["gqa_out"], atol=1e-5)
    np.testing.assert_allclose(scores.numpy(), E["gqa_scores"], atol=1e-6)
    np.testing.assert_allclose(model.predict([Q, V], verbose=0), E["gqa_out"], atol=1e-5)
    np.testing.assert_allclose(gqa(Q, V, attention_mask=E["gqa_mask"]).numpy(),
                               E["gqa_masked_out"], atol=1e-5)
    np.testing.assert_allclose(gqa(Q, Q, use_causal_mask=True).numpy(), E["gqa_causal_out"],
                               atol=1e-5)


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_query_heads_share_their_groups_key_and_value_heads():
    gqa = layers.GroupQueryAttention(head_dim=3, num_query_heads=6, num_key_value_heads=2,
                                     use_bias=False)
    rng = np.random.default_rng(1)
    q, v = rng.standard_normal((2, 4, 5)), rng.standard_normal((2, 3, 5))
    out, scores = gqa(q, v, return_attention_scores=True)
    wq, wk, wv, wo = (w.numpy() for w in gqa.weights)
    qh = np.einsum("btm,mhd->bthd", q, wq) / np.sqrt(3)
    kh, vh = np.einsum("bsm,mgd->bsgd", v, wk), np.einsum("bsm,mgd->bsgd", v, wv)
    group = np.arange(6) // 3                        # query head h uses kv head h // 3
    a = softmax(np.einsum("bthd,bshd->bhts", qh, kh[:, :, group]))
    expected = np.einsum("bthd,hdm->btm", np.einsum("bhts,bshd->bthd", a, vh[:, :, group]), wo)
    np.testing.assert_allclose(scores.numpy(), a, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-4, atol=1e-5)


def test_sliding_window_key_value_masks_and_config():
    gqa = layers.GroupQueryAttention(2, 2, 1, sliding_window=2)
    x = np.random.default_rng(2).standard_normal((1, 4, 3)).astype("float32")
    scores = gqa(x, x, return_attention_scores=True)[1].numpy()
    band = np.abs(np.arange(4)[:, None] - np.arange(4)[None]) < 2
    assert np.all(scores[0, :, ~band] == 0) and np.all(scores[0, :, band] > 0)
    value_mask = np.array([[1, 1, 0, 1]], bool)
    scores = gqa(x, x, value_mask=value_mask, return_attention_scores=True)[1].numpy()
    assert np.all(scores[..., 2] == 0)
    assert_keras_config(keras_gqa()[0], E["gqa_config"], ours_only=("dtype",))
    assert type(layers.deserialize(layers.serialize(gqa))) is layers.GroupQueryAttention


def test_gradients_float64():
    gqa = layers.GroupQueryAttention(2, 4, 2, use_gate=True, dtype="float64")
    rng = np.random.default_rng(3)
    q, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 2, 4))
    gqa(q, v)
    assert gradcheck(lambda a, b: gqa(a, b, use_causal_mask=False), q, v)


def test_bad_arguments():
    with pytest.raises(ValueError, match="`num_query_heads` must be divisible"):
        layers.GroupQueryAttention(2, 3, 2)
    with pytest.raises(ValueError, match=r"`head_dim`.*positive integer.*0"):
        layers.GroupQueryAttention(0, 2, 1)
    with pytest.raises(ValueError, match=r"`sliding_window`.*Received: sliding_window=-1"):
        layers.GroupQueryAttention(2, 2, 1, sliding_window=-1)
    with pytest.raises(ValueError, match=r"`dropout` must be in \[0, 1\)"):
        layers.GroupQueryAttention(2, 2, 1, dropout=1.5)
    with pytest.raises(NotImplementedError, match="flash-attention"):
        layers.GroupQueryAttention(2, 2, 1, flash_attention=True)
    gqa = layers.GroupQueryAttention(2, 2, 1)
    with pytest.raises(TypeError, match="missing a required argument: 'value'"):
        gqa(np.ones((1, 2, 3)))
    with pytest.raises(ValueError, match="must have rank 3"):
        gqa(np.ones((1, 2, 2, 3)), np.ones((1, 2, 2, 3)))


def test_default_name_and_saved_class_name_are_keras_ones():
    gqa = layers.GroupQueryAttention(2, 2, 1)
    assert gqa.name.startswith("grouped_query_attention")
    assert layers.serialize(gqa)["class_name"] == "GroupQueryAttention"


def test_a_value_of_another_size_is_refused_at_the_symbolic_call():
    layer = keras.layers.GroupQueryAttention(head_dim=3, num_query_heads=2,
                                             num_key_value_heads=1)
    with pytest.raises(ValueError, match=r"must be equal, but are 6, 4\. Received: "
                                         r"query_shape=\(None, 3, 6\), value_shape=\(None, 5, 4\)"):
        layer(keras.Input((3, 6)), keras.Input((5, 4)))
