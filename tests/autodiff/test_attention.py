"""The fused attention primitive against the same attention composed of primitives (products,
softmax, masks), float64 gradient checks of its masked forms, and MultiHeadAttention's fused
path against its composed one. (Its parts on the threads: test_owned_threads.py.)"""
import numpy as np
import pytest

import minikeras as keras
from minikeras.autodiff import attention, grad, parallel
from minikeras.autodiff import primitives as P
from minikeras.autodiff.gradcheck import gradcheck
from minikeras.autodiff.tensor import Tensor

rng = np.random.default_rng(5)
B, T, S, N, H, HV = 3, 4, 5, 2, 3, 2


def inputs(dtype="float64"):
    return [rng.standard_normal(shape).astype(dtype)
            for shape in ((B, T, N, H), (B, S, N, H), (B, S, N, HV))]


def a_mask():
    keep = rng.random((B, 1, T, S)) > 0.3
    keep[0, 0, 1] = False          # query 1 of sample 0 may attend to no key
    return keep


def composed(q, k, v, keep, dropped=None, scale=None):
    """softmax(q kᵀ) v as the Softmax layer masks it (-1e9 before, times keep after), then
    as the Dropout layer drops it (``masked_scale``)."""
    scores = P.matmul(P.transpose(q, (0, 2, 1, 3)), P.transpose(k, (0, 2, 3, 1)))
    if keep is not None:
        scores = P.add(scores, np.where(keep, 0.0, -1e9).astype(scores.dtype))
    weights = P.softmax(scores, -1)
    if keep is not None:
        weights = P.multiply(weights, keep.astype(weights.dtype))
    if dropped is not None:
        weights = P.masked_scale(weights, dropped, np.asarray(scale, weights.dtype))
    return P.transpose(P.matmul(weights, P.transpose(v, (0, 2, 1, 3))), (0, 2, 1, 3))


DROPPED = rng.random((B, N, T, S)) > 0.25   # a dropout's kept entries


@pytest.mark.parametrize("dropout", [False, True])
@pytest.mark.parametrize("one_head_a_block", [False, True])
@pytest.mark.parametrize("keep", [None, a_mask()], ids=["unmasked", "masked"])
def test_fused_equals_composed_values_and_gradients(keep, one_head_a_block, dropout,
                                                    monkeypatch):
    if one_head_a_block:  # a sample's heads in groups of one
        monkeypatch.setattr(attention, "BLOCK_SCORES", 1)
    dropped, scale = (DROPPED, 1 / 0.75) if dropout else (None, None)
    tensors = [Tensor(a, requires_grad=True) for a in inputs()]
    fused = P.attention(*tensors, keep=keep, dropped=dropped, dropout_scale=scale)
    reference = composed(*tensors, keep, dropped, scale)
    np.testing.assert_allclose(fused.numpy(), reference.numpy(), rtol=1e-12, atol=1e-12)
    cotangent = rng.standard_normal(fused.shape)
    for got, want in zip(grad(fused, tensors, cotangent), grad(reference, tensors, cotangent)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_rows_masked_everywhere_are_zero_or_uniform():
    q, k, v = inputs()
    keep = a_mask()
    zero = P.attention(q, k, v, keep=keep).numpy()
    uniform = P.attention(q, k, v, keep=keep, all_masked_uniform=True).numpy()
    np.testing.assert_array_equal(zero[0, 1], 0.0)
    np.testing.assert_allclose(uniform[0, 1], v[0].mean(axis=0), rtol=1e-12)  # 1/S each
    other = np.ones(zero.shape[:2], bool)
    other[0, 1] = False
    np.testing.assert_array_equal(uniform[other], zero[other])


@pytest.mark.parametrize("uniform", [False, True])
def test_masked_forms_pass_gradcheck(uniform):
    keep = a_mask()
    assert gradcheck(lambda q, k, v: P.attention(q, k, v, keep=keep, all_masked_uniform=uniform),
                     *inputs())


def test_dropped_form_passes_gradcheck():
    keep = a_mask()
    assert gradcheck(lambda q, k, v: P.attention(q, k, v, keep=keep, dropped=DROPPED,
                                                 dropout_scale=1 / 0.75), *inputs())


def test_without_a_backward_the_dropped_form_gives_the_same_values():
    q, k, v = inputs()
    recorded = P.attention(*[Tensor(a, requires_grad=True) for a in (q, k, v)],
                           dropped=DROPPED, dropout_scale=1 / 0.75)
    plain = P.attention(q, k, v, dropped=DROPPED, dropout_scale=1 / 0.75)
    np.testing.assert_array_equal(plain.numpy(), recorded.numpy())


def test_multi_head_attention_dropout_in_training_draws_the_composed_path_numbers():
    query = rng.standard_normal((3, 5, 6)).astype("float32")
    outputs = []
    for scores in (False, True):       # fused; composed (scores asked for)
        keras.utils.set_random_seed(4)
        layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.4, seed=9)
        x = Tensor(query, requires_grad=True)
        out = layer(x, x, training=True, return_attention_scores=scores)
        out = out[0] if scores else out
        outputs.append([out.numpy(), grad(out, [x], np.ones(out.shape, "float32"))[0]])
        second = layer(query, query, training=True, return_attention_scores=scores)
        outputs[-1].append((second[0] if scores else second).numpy())   # the next draw too
    for fused, composed_value in zip(*outputs):
        np.testing.assert_allclose(fused, composed_value, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("masked", [False, True])
def test_multi_head_attention_fused_path_equals_its_composed_path(masked):
    keras.utils.set_random_seed(2)
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)
    query = rng.standard_normal((3, 5, 6)).astype("float32")
    value = rng.standard_normal((3, 7, 6)).astype("float32")
    mask = rng.random((3, 5, 7)) > 0.4 if masked else None
    if masked:
        mask[1, 2] = False
    fused = layer(query, value, attention_mask=mask)
    composed_out, _ = layer(query, value, attention_mask=mask, return_attention_scores=True)
    # the composed path (scores asked for) gives 0 on query rows masked everywhere, where
    # Keras's fused kernel gives uniform weights: compare the other rows
    rows = np.ones((3, 5), bool)
    if masked:
        rows[1, 2] = False
    np.testing.assert_allclose(fused.numpy()[rows], composed_out.numpy()[rows], rtol=1e-5,
                               atol=1e-6)


def test_softmax_in_row_blocks_gives_the_bits_of_whole_passes(monkeypatch):
    x = rng.standard_normal((6, 5, 7)).astype("float32")
    cotangent = rng.standard_normal(x.shape).astype("float32")
    results = []
    for block in (10 ** 9, 12):        # whole passes; blocks of one row (7 wide) over 30 rows
        monkeypatch.setattr(parallel, "BLOCK_ELEMENTS", block)
        t = Tensor(x, requires_grad=True)
        y = P.softmax(t, -1)
        results.append((y.numpy(), grad(y, [t], cotangent)[0]))
    for whole, blocks in zip(*results):
        np.testing.assert_array_equal(blocks, whole)



@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_grouped_query_attention_fused_path_equals_its_composed_path(dropout):
    query = rng.standard_normal((3, 5, 8)).astype("float32")
    value = rng.standard_normal((3, 6, 8)).astype("float32")
    mask = rng.random((3, 5, 6)) > 0.3
    mask[:, :, 0] = True                   # every query sees a key: both paths agree there
    outputs = []
    for scores in (False, True):          # fused; composed (scores asked for)
        keras.utils.set_random_seed(6)
        layer = keras.layers.GroupQueryAttention(head_dim=4, num_query_heads=4,
                                                 num_key_value_heads=2, dropout=dropout, seed=3)
        q = Tensor(query, requires_grad=True)
        out = layer(q, value, attention_mask=mask, training=True,
                    return_attention_scores=scores)
        out = out[0] if scores else out
        outputs.append([out.numpy(), grad(out, [q], np.ones(out.shape, "float32"))[0]])
    for fused, composed_value in zip(*outputs):
        np.testing.assert_allclose(fused, composed_value, rtol=1e-5, atol=1e-6)
