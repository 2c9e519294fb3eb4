"""EinsumDense, MultiHeadAttention, Attention, AdditiveAttention: Keras's numbers and files,
numpy references, gradients, a Transformer block that trains, and bad input."""
import warnings
from pathlib import Path

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.autodiff.gradcheck import gradcheck
from minikeras.ops.tensor_contraction import contract
from tests.saving.saving_helpers import listing

FIXTURES = Path(__file__).parents[2] / "fixtures" / "rnn"
E = np.load(FIXTURES / "sequence_expected.npz")
Q, V = E["mha_q"], E["mha_v"]
rng = np.random.default_rng(0)


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def keras_mha():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4)
    mha(Q, V)
    names = ["query/kernel", "query/bias", "key/kernel", "key/bias", "value/kernel",
             "value/bias", "attention_output/kernel", "attention_output/bias"]
    mha.set_weights([E[f"mha_w/multi_head_attention/{n}"] for n in names])
    return mha


def test_mha_matches_keras_outputs_scores_and_masks():
    mha = keras_mha()
    out, scores = mha(Q, V, return_attention_scores=True)
    np.testing.assert_allclose(out.numpy(), E["mha_out"], atol=1e-5)
    np.testing.assert_allclose(scores.numpy(), E["mha_scores"], atol=1e-5)
    np.testing.assert_allclose(mha(Q, V, attention_mask=E["mha_mask"]).numpy(),
                               E["mha_masked_out"], atol=1e-5)
    np.testing.assert_allclose(mha(Q, Q, use_causal_mask=True).numpy(), E["mha_causal_out"],
                               atol=1e-5)


def test_mha_weight_shapes_follow_keras_einsum_dense_layout():
    mha = keras_mha()
    shapes = [tuple(w.shape) for w in mha.weights]
    assert shapes == [(6, 2, 3), (2, 3), (6, 2, 3), (2, 3), (6, 2, 4), (2, 4), (2, 4, 6), (6,)]
    assert mha.query_dense.equation == "abc,cde->abde"
    assert mha.output_dense.equation == "abcd,cde->abe"


def test_mha_against_a_per_head_numpy_reference():
    mha = keras_mha()
    w = [x.numpy() for x in mha.weights]
    q = np.einsum("btd,dnh->btnh", Q, w[0]) + w[1]
    k = np.einsum("bsd,dnh->bsnh", V, w[2]) + w[3]
    v = np.einsum("bsd,dnh->bsnh", V, w[4]) + w[5]
    heads = []
    for n in range(2):
        a = softmax(q[:, :, n] @ k[:, :, n].transpose(0, 2, 1) / np.sqrt(3))
        heads.append(a @ v[:, :, n])                     # (B, T, value_dim)
    want = np.einsum("bnth,nho->bto", np.stack(heads, 1), w[6]) + w[7]
    np.testing.assert_allclose(mha(Q, V).numpy(), want, rtol=1e-5, atol=1e-6)


def test_mha_attention_axes_over_two_axes():
    x = rng.normal(size=(2, 3, 4, 5)).astype("float32")
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=(1, 2))
    out, scores = mha(x, x, return_attention_scores=True)
    assert out.shape == x.shape and scores.shape == (2, 2, 3, 4, 3, 4)
    np.testing.assert_allclose(scores.numpy().sum(axis=(-2, -1)), 1, rtol=1e-5)
    assert mha.attention_axes == (1, 2)


def test_mha_attention_axes_property_resolves_at_build():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=2)
    assert mha.attention_axes is None  # Keras 3.15.1: None until built, then (1,)
    mha(np.ones((1, 3, 5), "float32"), np.ones((1, 3, 5), "float32"))
    assert mha.attention_axes == (1,)


def test_mha_gradient_in_float64():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=2, dtype="float64")
    q, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4))
    mha(q, v)
    mask = rng.random((2, 3, 5)) > 0.3
    mask[..., 0] = True
    assert gradcheck(lambda q, v: mha(q, v, attention_mask=mask), q, v)


def test_contract_matches_numpy_einsum_with_gradients():
    for eq, sa, sb in [("abc,cde->abde", (2, 3, 4), (4, 2, 5)),
                       ("aecd,abcd->acbe", (2, 3, 4, 5), (2, 6, 4, 5)),
                       ("...b,bc->...c", (2, 3, 4), (4, 5)), ("abc,cd->ad", (2, 3, 4), (4, 5))]:
        a, b = rng.normal(size=sa), rng.normal(size=sb)
        np.testing.assert_allclose(contract(eq, a, b).numpy(), np.einsum(eq, a, b), rtol=1e-12)
        assert gradcheck(lambda x, y, eq=eq: contract(eq, x, y), a, b)


def test_einsum_dense_matches_keras():
    ed = layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 4), bias_axes="de")
    ed.build((None, 5, 6))
    ed.set_weights([E["ed_kernel"], E["ed_bias"]])
    np.testing.assert_allclose(ed(Q).numpy(), E["ed_out"], atol=1e-5)
    # Keras 3.15 keeps the None given for the shared axis 'b' (its summary shows
    # (None, None, 2, 4)); the eager output has the input's 5 there
    assert ed.compute_output_shape((None, 5, 6)) == (None, None, 2, 4)
    assert ed(keras.Input((5, 6))).shape == (None, None, 2, 4)
    assert layers.EinsumDense("abc,cde->abde", output_shape=(5, 2, 4)).compute_output_shape(
        (None, 5, 6)) == (None, 5, 2, 4)
    again = layers.EinsumDense.from_config(ed.get_config())
    assert again.get_config() == ed.get_config()


def test_einsum_dense_ellipsis_and_activation():
    ed = layers.EinsumDense("...b,bc->...c", output_shape=3, bias_axes="c", activation="relu")
    x = rng.normal(size=(2, 4, 5)).astype("float32")
    y = ed(x).numpy()
    want = np.maximum(x @ ed.kernel.numpy() + ed.bias.numpy(), 0)
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-6)


def test_attention_and_additive_attention_match_keras():
    att = layers.Attention(use_scale=True, score_mode="concat")
    att([Q, V])
    att.set_weights(list(E["att_weights"]))
    np.testing.assert_allclose(att([Q, V]).numpy(), E["att_out"], atol=1e-5)
    add = layers.AdditiveAttention()
    add([Q, V])
    add.set_weights([E["add_scale"]])
    np.testing.assert_allclose(add([Q, V]).numpy(), E["add_out"], atol=1e-5)


def test_dot_attention_by_hand_with_masks():
    q, v = rng.normal(size=(2, 3, 4)).astype("float32"), rng.normal(size=(2, 5, 4)).astype(
        "float32")
    q_mask = np.array([[1, 1, 0], [1, 1, 1]], bool)
    v_mask = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)
    out, weights = layers.Attention()([q, v], mask=[q_mask, v_mask],
                                      return_attention_scores=True)
    scores = q @ v.transpose(0, 2, 1) - 1e9 * ~v_mask[:, None, :]
    w = softmax(scores)
    np.testing.assert_allclose(weights.numpy(), w, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(out.numpy(), (w @ v) * q_mask[..., None], rtol=1e-5, atol=1e-6)
    causal = layers.Attention()([v, v], use_causal_mask=True, return_attention_scores=True)[1]
    np.testing.assert_array_equal(np.triu(causal.numpy()[0], 1), 0)


@pytest.mark.parametrize("layer", [layers.Attention, layers.AdditiveAttention])
def test_masked_query_rows_are_positive_zeros_as_keras_sets_them(layer):
    # Keras writes where(query_mask, output, 0): +0.0 in masked rows, where a product with
    # the mask gives -0.0 under negative outputs (printed "-0." in a learner's output)
    v = -np.ones((1, 2, 3), "float32")               # every output is negative
    out = layer()([v, v], mask=[np.array([[True, False]]), None]).numpy()
    np.testing.assert_array_equal(out[0, 0], [-1, -1, -1])
    assert not np.signbit(out[0, 1]).any() and not out[0, 1].any()


def test_attention_model_written_by_keras_loads_and_saves_in_its_layout(tmp_path):
    expected = np.load(FIXTURES / "attention_expected.npz")
    model = keras.models.load_model(FIXTURES / "attention.keras", compile=False)
    np.testing.assert_allclose(model.predict(expected["x"], verbose=0), expected["pred"],
                               atol=1e-5)
    model.save_weights(tmp_path / "w.weights.h5")
    # same groups and datasets (group "name" attributes hold session-dependent auto names)
    ours, theirs = listing(tmp_path / "w.weights.h5"), listing(FIXTURES / "attention.weights.h5")
    layer_keys = [k for k in theirs if k.startswith("/layers/") and "input_layer" not in k]
    assert len(layer_keys) > 30 and all(k in ours for k in layer_keys)
    assert all(ours[k] == theirs[k] for k in layer_keys if theirs[k][0] == "dataset")
    again = keras.models.load_model(FIXTURES / "attention.keras", compile=False)
    again.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_allclose(again.predict(expected["x"], verbose=0), expected["pred"],
                               atol=1e-5)


def transformer_block(x, heads, dim, ff):
    attended = layers.MultiHeadAttention(num_heads=heads, key_dim=dim // heads)(x, x)
    x = layers.LayerNormalization()(layers.Add()([x, attended]))
    hidden = layers.Dense(dim)(layers.Dense(ff, activation="relu")(x))
    return layers.LayerNormalization()(layers.Add()([x, hidden]))


def test_transformer_encoder_block_trains():
    """Which of the 8 positions holds the largest first feature? >= 90% after 12 epochs (it
    passes 90% by the third epoch on each of four other draws of the data, and 99% by 12)."""
    keras.utils.set_random_seed(0)
    x = rng.normal(size=(256, 8, 8)).astype("float32")
    y = np.eye(8, dtype="float32")[x[:, :, 0].argmax(axis=1)]
    inputs = keras.Input((8, 8))
    h = transformer_block(layers.Dense(16)(inputs), heads=2, dim=16, ff=32)
    logits = layers.Dense(1)(h)
    outputs = layers.Softmax()(layers.Reshape((8,))(logits))
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.Adam(0.01), "categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=12, batch_size=32, verbose=0)
    assert model.evaluate(x, y, verbose=0)[1] >= 0.9


@pytest.mark.parametrize("layer", [
    layers.MultiHeadAttention(2, 3, dropout=0.1, output_shape=4), layers.Attention(),
    layers.AdditiveAttention(use_scale=False)])
def test_config_round_trip(layer):
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_bad_input():
    with pytest.raises(ValueError, match="num_heads"):
        layers.MultiHeadAttention(0, 3)
    with pytest.raises(ValueError, match=r"attention_mask.*\(2, 5, 4\).*\(2, 4, 5\)"):
        keras_mha()(Q, V, attention_mask=np.ones((2, 4, 5), bool))
    with pytest.raises(TypeError, match="missing a required argument: 'value'"):
        layers.MultiHeadAttention(2, 3)(Q)
    with pytest.raises(ValueError, match=r"list of inputs, namely \[query, value\]"):
        layers.Attention()(Q)
    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="add")
    with pytest.raises(ValueError, match="Invalid einsum equation"):
        layers.EinsumDense("ab->b", 3)
    with pytest.raises(ValueError, match="Bias dimension 'x'"):
        layers.EinsumDense("ab,bc->ac", 3, bias_axes="x")(np.ones((2, 4), "float32"))


@pytest.mark.parametrize("make", [lambda: layers.Attention(use_scale=True),
                                  lambda: layers.Attention(score_mode="concat"),
                                  lambda: layers.AdditiveAttention()])
def test_attention_batches_extra_leading_axes(make):
    # Keras 3.15 runs (B, H, T, dim) inputs as B*H independent (T, dim) attentions (its
    # matmul / broadcasting batches the leading axes): each slice must equal a rank-3 call
    q, v = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(2, 3, 6, 5))
    value_mask = rng.uniform(size=(2, 3, 6)) > 0.3
    value_mask[..., 0] = True
    four, three = make(), make()
    out = four([q, v], mask=[None, value_mask], use_causal_mask=True).numpy()
    three([q[:, 0], v[:, 0]])
    three.set_weights(four.get_weights())
    for h in range(3):
        expected = three([q[:, h], v[:, h]], mask=[None, value_mask[:, h]],
                         use_causal_mask=True).numpy()
        np.testing.assert_allclose(out[:, h], expected, rtol=1e-6)


def test_multi_head_attention_takes_the_masks_off_its_inputs_as_keras_does():
    # Keras 3.15 (torch): no warning from the projections, the query's mask taken off
    # the input (None afterwards) and set on the output: [[True, True, False]].
    x = keras.layers.Embedding(10, 4, mask_zero=True)(np.array([[1, 2, 0]]))
    mha = keras.layers.MultiHeadAttention(num_heads=1, key_dim=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = mha(x, x)
    assert x._keras_mask is None
    np.testing.assert_array_equal(np.asarray(out._keras_mask), [[True, True, False]])


class _LocalitySelfAttention(keras.layers.MultiHeadAttention):
    """keras-io's vit_small_ds: a trainable temperature in Keras's _compute_attention hook."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.tau = keras.Variable(np.sqrt(float(self._key_dim)), trainable=True)

    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_attention_scores=False):
        query = keras.ops.multiply(query, 1.0 / self.tau)
        scores = keras.ops.einsum(self._dot_product_equation, key, query)
        scores = self._masked_softmax(scores, attention_mask)
        out = keras.ops.einsum(self._combine_equation,
                               self._dropout_layer(scores, training=training), value)
        return out, scores


def test_a_subclass_overriding_compute_attention_with_a_variable_attribute():
    # Keras 3.15 (torch), same weights: the attribute Variable is tracked first, the
    # constant mask is a node argument, outputs and the trained temperature as printed
    # (in a fresh session: unnamed variables are numbered variable, variable_1, ...).
    keras.backend.clear_session()
    x = np.arange(12, dtype="float32").reshape(1, 3, 4) / 10
    mask = keras.ops.cast([1 - keras.ops.eye(3)], "int8")
    inputs = keras.Input((3, 4))
    model = keras.Model(inputs, _LocalitySelfAttention(num_heads=1, key_dim=2, name="lsa")(
        inputs, inputs, attention_mask=mask))
    assert [w.path for w in model.weights] == [
        "variable", "lsa/query/kernel", "lsa/query/bias", "lsa/key/kernel", "lsa/key/bias",
        "lsa/value/kernel", "lsa/value/bias", "lsa/attention_output/kernel",
        "lsa/attention_output/bias"]
    rng = np.random.RandomState(0)
    model.set_weights([rng.uniform(-1, 1, w.shape).astype("float32") if w.shape
                       else np.float32(1.5) for w in model.get_weights()])
    np.testing.assert_allclose(model.predict(x, verbose=0), [[
        [-0.285696, 0.358293, 0.125375, 0.14402],
        [0.151967, 0.309025, -0.002868, 0.040658],
        [0.449836, 0.275494, -0.09015, -0.02969]]], atol=2e-6)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.train_on_batch(x, np.zeros((1, 3, 4), "float32"))
    np.testing.assert_allclose(float(model.layers[1].tau), 1.4998987913131714, rtol=1e-6)


def test_multi_head_attention_takes_the_querys_own_mask_over_a_given_query_mask():
    """Keras 3.15's rule (checked with it): MultiHeadAttention replaces a given
    ``query_mask`` by the query's own mask, none for a plain array; GroupQueryAttention
    keeps the given one."""
    rng = np.random.default_rng(0)
    q = rng.normal(size=(2, 3, 4)).astype("float32")
    v = rng.normal(size=(2, 5, 4)).astype("float32")
    rows = np.array([[True, False, True], [True, True, False]])
    as_attention_mask = np.broadcast_to(rows[:, :, None], (2, 3, 5))
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=2)
    plain = mha(q, v).numpy()
    np.testing.assert_array_equal(mha(q, v, query_mask=rows).numpy(), plain)
    masked_query = layers.Masking(0.0)(np.where(rows[..., None], q, 0.0))  # mask: rows
    np.testing.assert_allclose(
        mha(masked_query, v, query_mask=np.ones((2, 3), bool)).numpy(),
        mha(np.where(rows[..., None], q, 0.0), v, attention_mask=as_attention_mask).numpy(),
        rtol=1e-6, atol=1e-7)
    grouped = layers.GroupQueryAttention(head_dim=2, num_query_heads=2, num_key_value_heads=1)
    kept = grouped(q, v, query_mask=rows).numpy()
    np.testing.assert_allclose(kept, grouped(q, v, attention_mask=as_attention_mask).numpy(),
                               rtol=1e-6, atol=1e-7)
    assert np.abs(kept - grouped(q, v).numpy()).max() > 1e-3


# ---- outputs with scores (round 20's layer sweep) ----------------------------------------

def test_attention_with_scores_returns_a_tuple_whose_scores_carry_no_mask():
    query, value = np.ones((2, 3, 4), "float32"), np.ones((2, 5, 4), "float32")
    q_mask = np.array([[True, True, False], [True, False, True]])
    out = layers.Attention()([query, value], mask=[q_mask, None], return_attention_scores=True)
    assert isinstance(out, tuple) and len(out) == 2
    np.testing.assert_array_equal(np.asarray(out[0]._keras_mask), q_mask)
    assert out[1]._keras_mask is None
    symbolic = layers.Attention()([keras.Input((3, 4)), keras.Input((5, 4))],
                                  return_attention_scores=True)
    assert isinstance(symbolic, tuple) and tuple(symbolic[1].shape) == (None, 3, 5)


@pytest.mark.parametrize("inputs, message", [
    ("one", r"^Attention layer accepts inputs list of length 2 or 3, namely \[query, value\] "
            r"or \[query, value, key\]\. Received length: 1\.$"),
    ("array", r"^Attention layer must be called on a list of inputs, namely \[query, value\] "
              r"or \[query, value, key\]\. Received: inputs=\(2, 3, 4\)\.$"),
])
def test_attention_words_a_wrong_input_list_as_keras(inputs, message):
    query = np.ones((2, 3, 4), "float32")
    with pytest.raises(ValueError, match=message):
        layers.Attention()([query] if inputs == "one" else query)


def test_multi_head_attention_keeps_output_shape_as_a_tuple_and_returns_a_tuple():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, output_shape=7)
    assert layer.get_config()["output_shape"] == (7,)
    out = layer(np.ones((2, 3, 6), "float32"), np.ones((2, 5, 4), "float32"),
                return_attention_scores=True)
    assert isinstance(out, tuple)
    assert tuple(out[0].shape) == (2, 3, 7) and tuple(out[1].shape) == (2, 2, 3, 5)
    with pytest.raises(ValueError, match="Invalid `output_shape`: 1.5"):
        layers.MultiHeadAttention(num_heads=2, key_dim=3, output_shape=1.5)
