"""Dropout in SimpleRNN, LSTM and GRU follows Keras 3's cells (keras/src/layers/rnn/*.py).

Keras 3: masks are drawn once per call and reused at every timestep; LSTM and GRU share one
input mask across the gates with ``implementation=2`` (the default), and draw one input and
one recurrent mask per gate with ``implementation=1``, which any ``recurrent_dropout`` forces;
they apply a rate only when 0 < rate < 1, SimpleRNN any rate > 0. The expected outputs
below are those formulas in numpy, fed with the masks the layer drew (recorded).
"""
import numpy as np
import pytest

from minikeras import layers
from minikeras.autodiff.tensor import grad

RNG = np.random.default_rng(3)
X = RNG.normal(size=(3, 4, 5)).astype(np.float32)


def sig(a):
    return 1 / (1 + np.exp(-a))


def run_recording_masks(layer, x):
    """The training output of ``layer`` and the (input, recurrent) masks it drew."""
    cell = layer.cell
    seen = {}
    original = cell.reset_dropout_mask, cell.reset_recurrent_dropout_mask

    def keep_input():
        seen["dp"] = cell._dropout_mask
        original[0]()

    def keep_recurrent():
        seen["rdp"] = cell._recurrent_dropout_mask
        original[1]()
    cell.reset_dropout_mask, cell.reset_recurrent_dropout_mask = keep_input, keep_recurrent
    try:
        out = layer(x, training=True).numpy()
    finally:
        del cell.reset_dropout_mask, cell.reset_recurrent_dropout_mask
    return out, seen.get("dp"), seen.get("rdp")


def per_gate(mask, gates):
    """Keras's masks as a list of one mask per gate (a shared mask repeated), ones for None."""
    if mask is None:
        return [1.0] * gates
    return list(mask) if isinstance(mask, list) else [mask] * gates


def weights(layer, gates):
    kernel, recurrent, *bias = [w.astype(np.float64) for w in layer.get_weights()]
    split = lambda w: np.split(w, gates, axis=-1)  # noqa: E731
    return split(kernel), split(recurrent), [split(b) for b in bias]


def lstm_reference(layer, x, dp, rdp):
    (K, U, (b,)), u = weights(layer, 4), layer.units
    h = c = np.zeros((x.shape[0], u))
    dp, rdp = per_gate(dp, 4), per_gate(rdp, 4)
    out = []
    for t in range(x.shape[1]):
        a = [(x[:, t] * dp[g]) @ K[g] + b[g] + (h * rdp[g]) @ U[g] for g in range(4)]
        c = sig(a[1]) * c + sig(a[0]) * np.tanh(a[2])
        h = sig(a[3]) * np.tanh(c)
        out.append(h)
    return np.stack(out, 1)


def gru_reference(layer, x, dp, rdp):
    (K, U, bias), u = weights(layer, 3), layer.units
    if layer.reset_after:
        b_in = [bias[0][g][0] for g in range(3)]
        b_rec = [bias[0][g][1] for g in range(3)]
    else:
        b_in, b_rec = bias[0], [0.0] * 3
    h = np.zeros((x.shape[0], u))
    dp, rdp = per_gate(dp, 3), per_gate(rdp, 3)
    out = []
    for t in range(x.shape[1]):
        xg = [(x[:, t] * dp[g]) @ K[g] + b_in[g] for g in range(3)]
        z = sig(xg[0] + (h * rdp[0]) @ U[0] + b_rec[0])
        r = sig(xg[1] + (h * rdp[1]) @ U[1] + b_rec[1])
        if layer.reset_after:
            hh = np.tanh(xg[2] + r * ((h * rdp[2]) @ U[2] + b_rec[2]))
        else:
            hh = np.tanh(xg[2] + (r * h * rdp[2]) @ U[2])
        h = z * h + (1 - z) * hh
        out.append(h)
    return np.stack(out, 1)


def simple_rnn_reference(layer, x, dp, rdp):
    kernel, recurrent, bias = [w.astype(np.float64) for w in layer.get_weights()]
    h = np.zeros((x.shape[0], layer.units))
    out = []
    for t in range(x.shape[1]):
        h = np.tanh((x[:, t] * (1 if dp is None else dp)) @ kernel + bias
                    + (h * (1 if rdp is None else rdp)) @ recurrent)
        out.append(h)
    return np.stack(out, 1)


def built(cls, **kwargs):
    layer = cls(3, return_sequences=True, seed=5, **kwargs)
    layer.build((None, 4, 5))
    layer.set_weights([RNG.normal(scale=0.5, size=w.shape).astype(np.float32)
                       for w in layer.get_weights()])
    return layer


CASES = [
    (layers.LSTM, {"dropout": 0.4}, lstm_reference, None, None),
    (layers.LSTM, {"dropout": 0.4, "recurrent_dropout": 0.3}, lstm_reference, 4, 4),
    (layers.LSTM, {"dropout": 0.4, "implementation": 1}, lstm_reference, 4, None),
    (layers.GRU, {"dropout": 0.4}, gru_reference, None, None),
    (layers.GRU, {"dropout": 0.4, "recurrent_dropout": 0.3}, gru_reference, 3, 3),
    (layers.GRU, {"recurrent_dropout": 0.3, "reset_after": False}, gru_reference, None, 3),
    (layers.SimpleRNN, {"dropout": 0.4, "recurrent_dropout": 0.3}, simple_rnn_reference,
     1, 1),
]


@pytest.mark.parametrize("cls, options, reference, input_masks, recurrent_masks", CASES)
def test_masks_per_gate_reused_at_every_timestep(cls, options, reference, input_masks,
                                                 recurrent_masks):
    layer = built(cls, **options)
    out, dp, rdp = run_recording_masks(layer, X)
    # how many masks, and of which shapes: (batch, features) for the inputs,
    # (batch, units) for the previous hidden state
    for mask, count, shape in ((dp, input_masks, X[:, 0].shape),
                               (rdp, recurrent_masks, (3, 3))):
        if options.get("dropout" if mask is dp else "recurrent_dropout", 0) == 0:
            assert mask is None
            continue
        masks = mask if isinstance(mask, list) else [mask]
        assert len(masks) == (count or 1) and isinstance(mask, list) == (count not in (None, 1))
        for m in masks:
            assert m.shape == shape and set(np.unique(m)) <= {0, np.float32(1 / (1 - (
                options["dropout"] if mask is dp else options["recurrent_dropout"])))}
        if len(masks) > 1:
            assert any(not np.array_equal(masks[0], m) for m in masks[1:])
    # the same masks at each of the 4 timesteps, on the tensors Keras masks
    np.testing.assert_allclose(out, reference(layer, X.astype(np.float64), dp, rdp),
                               atol=2e-6)
    # inference draws nothing and drops nothing
    np.testing.assert_allclose(layer(X, training=False).numpy(),
                               reference(layer, X.astype(np.float64), None, None), atol=2e-6)


def test_a_new_mask_each_call_and_seeded_layers_repeat():
    first, second = built(layers.LSTM, dropout=0.5), built(layers.LSTM, dropout=0.5)
    second.set_weights(first.get_weights())
    out_1, dp_1, _ = run_recording_masks(first, X)
    out_2, dp_2, _ = run_recording_masks(first, X)
    assert not np.array_equal(dp_1, dp_2)  # drawn again for the next batch
    again, dp_again, _ = run_recording_masks(second, X)  # same seed: same draws
    np.testing.assert_array_equal(dp_again, dp_1)
    np.testing.assert_array_equal(again, out_1)


def test_implementation_follows_keras():
    assert layers.LSTM(2).cell.implementation == 2
    assert layers.LSTM(2, recurrent_dropout=0.1, implementation=2).cell.implementation == 1
    assert layers.GRU(2, implementation=1).cell.dropout_mask_count == 3
    assert layers.GRU(2).cell.dropout_mask_count is None
    assert "implementation" not in layers.LSTM(2, implementation=1).get_config()  # as Keras
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to SimpleRNN"):
        layers.SimpleRNN(2, implementation=1)


def test_rate_one():
    # LSTM and GRU apply a rate only below 1; SimpleRNN drops everything at rate 1.
    lstm = built(layers.LSTM, dropout=1.0, recurrent_dropout=1.0)
    np.testing.assert_array_equal(lstm(X, training=True).numpy(), lstm(X).numpy())
    rnn = built(layers.SimpleRNN, dropout=1.0)
    np.testing.assert_allclose(rnn(X, training=True).numpy(), rnn(np.zeros_like(X)).numpy(),
                               atol=1e-7)


@pytest.mark.parametrize("cls, options", [(layers.LSTM, {"recurrent_dropout": 0.3}),
                                          (layers.LSTM, {"implementation": 1, "dropout": 0.4}),
                                          (layers.GRU, {"recurrent_dropout": 0.3}),
                                          (layers.GRU, {"recurrent_dropout": 0.3,
                                                        "reset_after": False})])
def test_per_gate_masks_run_the_fused_recurrence_and_train(cls, options, monkeypatch):
    """Per-gate masks go into the fused primitive (the cell is never stepped), and the
    training step's gradients reach every weight."""
    def stepped(*args, **kwargs):
        raise AssertionError("the layer stepped its cell")
    monkeypatch.setattr(layers.RNN, "_step_loop", stepped)
    layer = built(cls, **options)
    out = layer(X, training=True)
    grads = grad(out, layer.trainable_weights, np.ones(out.shape, np.float32))
    assert len(grads) == len(layer.trainable_weights)
    assert all(np.abs(g).sum() > 0 for g in grads)
