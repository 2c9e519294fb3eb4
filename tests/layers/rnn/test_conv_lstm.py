"""ConvLSTM1D/2D/3D: hand-derived numbers, a slow numpy reference, files and numbers written
by real Keras 3.15.1 (tests/fixtures/rnn/make_convlstm_fixture.py), float64 gradients,
errors, and a small model that learns."""
import json
from pathlib import Path

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops
from minikeras.autodiff import grad
from minikeras.autodiff.tensor import Tensor
from minikeras.autodiff.gradcheck import finite_differences, probe_coordinates
from tests.saving.saving_helpers import listing

FIXTURES = Path(__file__).parents[2] / "fixtures" / "rnn"
EXPECTED = np.load(FIXTURES / "convlstm_expected.npz")


def sig(a):
    return 1 / (1 + np.exp(-a))


# ---- numbers by hand and from a slow reference ------------------------------------------
def test_two_steps_of_a_1x1_convlstm_by_hand():
    """ConvLSTM2D(1, 1x1) on a 1x1 image: each convolution is a product, so the layer is an
    LSTM(1) whose gates come in the order i, f, c, o."""
    w, u, b = [0.5, -0.4, 0.9, 0.3], [0.2, 0.6, -0.5, 0.1], [0.1, -0.2, 0.05, 0.3]
    layer = layers.ConvLSTM2D(1, 1, return_sequences=True, return_state=True)
    layer.build((None, 2, 1, 1, 1))
    layer.set_weights([np.array(w, "float32").reshape(1, 1, 1, 4),
                       np.array(u, "float32").reshape(1, 1, 1, 4), np.array(b, "float32")])
    out, h, c = layer(np.array([1.5, -2.0], "float32").reshape(1, 2, 1, 1, 1))
    h_t = c_t = 0.0
    want = []
    for x in (1.5, -2.0):
        a_i, a_f, a_c, a_o = (x * w[k] + h_t * u[k] + b[k] for k in range(4))
        c_t = sig(a_f) * c_t + sig(a_i) * np.tanh(a_c)
        h_t = sig(a_o) * np.tanh(c_t)
        want.append(h_t)
    np.testing.assert_allclose(out.numpy().ravel(), want, rtol=1e-6)
    assert h.numpy().item() == pytest.approx(h_t, rel=1e-6)
    assert c.numpy().item() == pytest.approx(c_t, rel=1e-6)


def reference_conv(x, w, strides, padding):
    """Slow 2-D cross-correlation of x (n, rows, cols, c) with w (kh, kw, c, f), TensorFlow's
    padding: for "same" the total pad max((out-1)*s + k - n, 0) is split floor-half first."""
    pads, outs = [], []
    for n, k, s in zip(x.shape[1:3], w.shape[:2], strides):
        out = -(-n // s) if padding == "same" else (n - k) // s + 1
        total = max((out - 1) * s + k - n, 0) if padding == "same" else 0
        pads.append((total // 2, total - total // 2))
        outs.append(out)
    xp = np.pad(x, [(0, 0), *pads, (0, 0)])
    y = np.zeros((x.shape[0], *outs, w.shape[-1]))
    for r in range(outs[0]):
        for q in range(outs[1]):
            patch = xp[:, r * strides[0]:r * strides[0] + w.shape[0],
                       q * strides[1]:q * strides[1] + w.shape[1]]
            y[:, r, q] = np.einsum("nabc,abcf->nf", patch, w)
    return y


def reference_conv_lstm2d(x, kernel, recurrent, bias, strides, padding, mask, go_backwards):
    """Keras's documented ConvLSTM step, written out with the slow convolution."""
    f = kernel.shape[-1] // 4
    steps = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    h = c = None
    outputs = []
    for t in steps:
        a = reference_conv(x[:, t], kernel, strides, padding) + bias
        if h is None:
            h = c = out = np.zeros(a.shape[:-1] + (f,))
        a = a + reference_conv(h, recurrent, (1, 1), "same")
        i, fg, g, o = (a[..., k * f:(k + 1) * f] for k in range(4))
        c_new = sig(fg) * c + sig(i) * np.tanh(g)
        h_new = sig(o) * np.tanh(c_new)
        keep = mask[:, t, None, None, None]
        h, c = np.where(keep, h_new, h), np.where(keep, c_new, c)
        out = np.where(keep, h_new, out)
        outputs.append(out)
    return np.stack(outputs, 1), h, c


@pytest.mark.parametrize("padding,strides,go_backwards", [
    ("same", (2, 1), False), ("valid", (1, 2), True), ("same", (1, 1), True)])
def test_matches_a_slow_numpy_reference(padding, strides, go_backwards):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 4, 5, 6, 2))
    mask = np.array([[1, 0, 1, 1], [1, 1, 1, 0]], bool)
    layer = layers.ConvLSTM2D(3, (3, 2), strides=strides, padding=padding,
                              go_backwards=go_backwards, return_sequences=True,
                              return_state=True, dtype="float64")
    layer.build(x.shape)
    weights = [rng.normal(scale=0.4, size=w.shape) for w in layer.get_weights()]
    layer.set_weights(weights)
    got = layer(Tensor(x), mask=mask)  # a Tensor: a numpy input is cast to float32 at the edge
    want = reference_conv_lstm2d(x, *weights, strides, padding, mask, go_backwards)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-10, atol=1e-12)


def test_weights_have_keras_shapes_and_forget_bias_ones():
    layer = layers.ConvLSTM2D(3, (3, 2), name="conv_lstm2d")
    layer.build((None, 4, 6, 5, 2))
    assert [tuple(w.shape) for w in layer.weights] == [(3, 2, 2, 12), (3, 2, 3, 12), (12,)]
    np.testing.assert_array_equal(layer.cell.bias.numpy(), [0] * 3 + [1] * 3 + [0] * 6)
    assert [w.path for w in layer.weights] == [
        "conv_lstm2d/conv_lstm_cell/kernel", "conv_lstm2d/conv_lstm_cell/recurrent_kernel",
        "conv_lstm2d/conv_lstm_cell/bias"]
    assert layer.filters == 3 and layer.kernel_size == (3, 2) and layer.padding == "valid"
    assert layers.ConvLSTM1D(2, 3, unit_forget_bias=False)(np.ones((1, 2, 5, 1))).shape == (
        1, 3, 2)


def test_regularizers_and_constraints_reach_the_cell_weights():
    model = keras.Sequential([keras.Input((3, 4, 4, 1)),
                              layers.ConvLSTM2D(2, 2, kernel_regularizer="l2",
                                                recurrent_constraint="non_neg")])
    layer = model.layers[0]
    assert layer.recurrent_constraint is layer.cell.recurrent_constraint
    kernel = layer.cell.kernel.numpy()
    assert float(model.losses[0].numpy()) == pytest.approx(0.01 * np.sum(kernel ** 2), rel=1e-5)
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 3, 4, 4, 1)), np.ones((4, 3, 3, 2)), verbose=0)
    assert layer.cell.recurrent_kernel.numpy().min() >= 0


# ---- real Keras: files and numbers --------------------------------------------------------
def keras_model():
    """The fixture's architecture, with the names the fresh Keras session gave its layers."""
    return keras.Sequential([
        keras.Input((4, 6, 5, 2)),
        layers.ConvLSTM2D(3, (3, 2), padding="same", return_sequences=True, name="conv_lstm2d"),
        layers.ConvLSTM2D(2, 3, strides=2, go_backwards=True, name="conv_lstm2d_1"),
        layers.Flatten(name="flatten"), layers.Dense(3, name="dense")], name="convlstm")


def test_keras_written_model_file_predicts_the_same():
    model = keras.models.load_model(FIXTURES / "convlstm.keras", compile=False)
    np.testing.assert_allclose(model.predict(EXPECTED["x"], verbose=0), EXPECTED["pred"],
                               atol=1e-5)


def test_keras_written_weights_load_and_files_written_here_have_keras_layout(tmp_path):
    model = keras_model()
    model.load_weights(FIXTURES / "convlstm.weights.h5")
    np.testing.assert_allclose(model.predict(EXPECTED["x"], verbose=0), EXPECTED["pred"],
                               atol=1e-5)
    model.save_weights(tmp_path / "w.weights.h5")
    assert listing(tmp_path / "w.weights.h5") == listing(FIXTURES / "convlstm.weights.h5")
    keras_paths = json.loads((FIXTURES / "convlstm_weight_paths.json").read_text())
    assert [w.path for w in model.weights] == keras_paths


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_round_trip_through_model_files(ext, tmp_path):
    model = keras_model()
    model.load_weights(FIXTURES / "convlstm.weights.h5")
    model.save(tmp_path / f"m{ext}")
    again = keras.models.load_model(tmp_path / f"m{ext}", compile=False)
    np.testing.assert_allclose(again.predict(EXPECTED["x"], verbose=0), EXPECTED["pred"],
                               atol=1e-5)


def test_config_has_keras_keys_and_values():
    keras_configs = json.loads((FIXTURES / "convlstm_layer_configs.json").read_text())
    model = keras.models.load_model(FIXTURES / "convlstm.keras", compile=False)
    for want, layer in zip(keras_configs, model.layers):
        assert json.loads(json.dumps(layer.get_config())) == want


def keras_layer(cls, prefix, x, **kwargs):
    layer = cls(**kwargs)
    layer.build(x.shape)
    count = len([k for k in EXPECTED if k.startswith(f"{prefix}/w")])
    layer.set_weights([EXPECTED[f"{prefix}/w{k}"] for k in range(count)])
    return layer


def assert_like_keras(outputs, prefix):
    outputs = outputs if isinstance(outputs, list) else [outputs]
    assert len(outputs) == len([k for k in EXPECTED if k.startswith(f"{prefix}/out")])
    for k, out in enumerate(outputs):
        np.testing.assert_allclose(out.numpy(), EXPECTED[f"{prefix}/out{k}"], atol=1e-5)


MASKED_2D = dict(filters=3, kernel_size=(3, 2), padding="same", return_sequences=True,
                 return_state=True)


def test_mask_and_return_state_match_keras():
    layer = keras_layer(layers.ConvLSTM2D, "masked2d", EXPECTED["x"], **MASKED_2D)
    assert_like_keras(layer(EXPECTED["x"], mask=EXPECTED["mask"]), "masked2d")


def test_initial_state_matches_keras():
    layer = keras_layer(layers.ConvLSTM2D, "masked2d", EXPECTED["x"], **MASKED_2D)
    out = layer(EXPECTED["x"], initial_state=[EXPECTED["h0"], EXPECTED["c0"]])
    assert_like_keras(out, "init2d")


def test_conv_lstm1d_dilated_backwards_with_other_activations_matches_keras():
    x = EXPECTED["x1"]
    layer = keras_layer(layers.ConvLSTM1D, "dilated1d", x, filters=2, kernel_size=3,
                        dilation_rate=2, return_sequences=True, go_backwards=True,
                        activation="relu", recurrent_activation="hard_sigmoid")
    assert_like_keras(layer(x), "dilated1d")


def test_conv_lstm3d_strided_matches_keras():
    x = EXPECTED["x3"]
    layer = keras_layer(layers.ConvLSTM3D, "strided3d", x, filters=2, kernel_size=(2, 1, 3),
                        strides=(2, 1, 2), padding="same", return_state=True)
    assert_like_keras(layer(x), "strided3d")


def test_channels_first_without_bias_matches_keras():
    x = EXPECTED["x_channels_first"]
    layer = keras_layer(layers.ConvLSTM2D, "channels_first2d", x, filters=2, kernel_size=2,
                        data_format="channels_first", use_bias=False, return_sequences=True)
    assert [w.shape for w in layer.get_weights()] == [(2, 2, 2, 8), (2, 2, 2, 8)]
    assert_like_keras(layer(x), "channels_first2d")


def test_bidirectional_with_a_mask_matches_keras():
    """Bidirectional zeroes the masked outputs of both directions before summing them."""
    layer = keras_layer(layers.Bidirectional, "bidirectional2d", EXPECTED["x"],
                        layer=layers.ConvLSTM2D(2, 2, return_sequences=True), merge_mode="sum")
    assert_like_keras(layer(EXPECTED["x"], mask=EXPECTED["mask"]), "bidirectional2d")
    assert not layer(EXPECTED["x"], mask=EXPECTED["mask"]).numpy()[~EXPECTED["mask"]].any()


# ---- float64 gradients --------------------------------------------------------------------
def outputs_of(layer, x, **call_kwargs):
    outs = layer(x, **call_kwargs)
    return outs if isinstance(outs, list) else [outs]


def check_gradients(layer, x, **call_kwargs):
    """Autodiff gradients of every output (against random cotangents) with respect to the
    inputs and every weight, against central differences: of a buffer of up to 32 elements
    (the bias) everywhere, of a larger one at every index of every axis (each sample, step,
    pixel row and column, kernel tap, channel and gate column) and 32 in all
    (minikeras.autodiff.gradcheck.probe_coordinates): each probe is two calls of the whole layer."""
    outputs_of(layer, x, **call_kwargs)  # build
    weights = list(layer.trainable_weights)
    inputs = Tensor(x, requires_grad=True)
    outs = outputs_of(layer, inputs, **call_kwargs)
    assert all(o.dtype == np.float64 for o in outs)
    rng = np.random.default_rng(2)
    cotangents = [rng.standard_normal(o.shape) for o in outs]
    total = ops.sum(ops.multiply(outs[0], cotangents[0]))
    for o, c in zip(outs[1:], cotangents[1:]):
        total = ops.add(total, ops.sum(ops.multiply(o, c)))
    analytic = grad(total, [inputs] + weights)

    def scalar(*_):
        return float(sum(np.sum(o.numpy() * c)
                         for o, c in zip(outputs_of(layer, Tensor(x), **call_kwargs),
                                         cotangents)))

    buffers = [x] + [w.data for w in weights]
    for i, expected in enumerate(analytic):
        coords = probe_coordinates(buffers[i].shape, 32, seed=i)
        numeric = finite_differences(scalar, buffers, i, coords)  # perturbs the buffer in place
        np.testing.assert_allclose(np.asarray(expected).reshape(-1)[coords], numeric,
                                   atol=1e-7, rtol=1e-5, err_msg=f"gradient of target {i}")


def small_weights(layer, x, seed=0):
    layer.build(x.shape)
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(scale=0.5, size=w.shape) for w in layer.get_weights()])
    return layer


def test_float64_gradients_go_backwards_return_state_and_mask():
    x = np.random.default_rng(1).normal(size=(2, 3, 3, 4, 2))
    layer = small_weights(layers.ConvLSTM2D(2, 2, padding="same", go_backwards=True,
                                            return_sequences=True, return_state=True,
                                            dtype="float64"), x)
    check_gradients(layer, x, mask=np.array([[1, 0, 1], [1, 1, 1]], bool))


def test_float64_gradients_strided_channels_first_1d_from_an_initial_state():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 2, 2, 5))                      # (batch, time, channels, rows)
    layer = small_weights(layers.ConvLSTM1D(2, 3, strides=2, data_format="channels_first",
                                            return_state=True, dtype="float64"), x)
    h0, c0 = rng.normal(size=(2, 2, 2, 2))                 # (batch, filters, out rows)
    check_gradients(layer, x, initial_state=[h0, c0])


def test_float64_gradients_through_per_gate_dropout_masks(monkeypatch):
    """With the dropout masks held fixed, training mode is differentiable too; every gate
    gets its own mask on the inputs and on the previous hidden state. Two steps: the second
    reads the first's masked hidden state (each probe runs 8 convolutions a step)."""
    x = np.random.default_rng(5).normal(size=(2, 2, 3, 3, 1))
    layer = small_weights(layers.ConvLSTM2D(2, 2, dropout=0.5, recurrent_dropout=0.3,
                                            return_sequences=True, dtype="float64"), x)
    shapes = []

    def fixed_mask(shape, rate, dtype):
        shapes.append(tuple(shape))
        keep = np.random.default_rng(len(shape)).random(shape) >= rate
        return (keep / (1 - rate)).astype(dtype)
    monkeypatch.setattr(layer.cell, "_keep_mask",
                        lambda shape, rate, dtype: fixed_mask((4,) + tuple(shape), rate, dtype))
    check_gradients(layer, x, training=True)
    assert set(shapes) == {(4, 2, 3, 3, 1), (4, 2, 2, 2, 2)}  # per gate: input, then h


def test_dropout_acts_in_training_only():
    x = np.random.default_rng(6).normal(size=(2, 3, 4, 4, 1)).astype("float32")
    layer = layers.ConvLSTM2D(2, 2, dropout=0.5, recurrent_dropout=0.5, seed=1)
    plain = layers.ConvLSTM2D(2, 2)
    plain(x)
    layer(x)
    plain.set_weights(layer.get_weights())
    np.testing.assert_array_equal(layer(x).numpy(), plain(x).numpy())
    assert not np.allclose(layer(x, training=True).numpy(), plain(x).numpy())


# ---- shapes, masks, state ---------------------------------------------------------------------
def test_output_shapes_symbolic_and_eager():
    inputs = keras.Input((5, 8, 7, 3))
    layer = layers.ConvLSTM2D(4, 3, strides=2, return_sequences=True, return_state=True)
    out, h, c = layer(inputs)
    assert out.shape == (None, 5, 3, 3, 4) and h.shape == c.shape == (None, 3, 3, 4)
    model = keras.Model(inputs, [out, h])
    got = model.predict(np.zeros((2, 5, 8, 7, 3), "float32"), verbose=0)
    assert got[0].shape == (2, 5, 3, 3, 4) and got[1].shape == (2, 3, 3, 4)
    x3 = np.zeros((1, 2, 4, 4, 4, 1), "float32")
    assert layers.ConvLSTM3D(2, 3, padding="same")(x3).shape == (1, 4, 4, 4, 2)


def test_mask_passes_on_only_with_return_sequences():
    x = np.ones((2, 3, 4, 4, 1), "float32")
    mask = np.array([[1, 1, 0], [1, 0, 0]], bool)
    seq = layers.ConvLSTM2D(2, 2, return_sequences=True)
    seq(x, mask=mask)
    np.testing.assert_array_equal(seq.compute_mask(x, mask), mask)
    assert layers.ConvLSTM2D(2, 2).compute_mask(x, mask) is None
    masks = layers.ConvLSTM2D(2, 2, return_state=True).compute_mask(x, mask)
    assert masks == [None, None, None]


def test_zero_output_for_mask_zeroes_the_masked_steps():
    x = np.random.default_rng(7).normal(size=(2, 3, 4, 4, 1)).astype("float32")
    mask = np.array([[1, 0, 1], [1, 1, 0]], bool)
    out = layers.ConvLSTM2D(2, 2, return_sequences=True, zero_output_for_mask=True)(
        x, mask=mask).numpy()
    assert not out[~mask].any() and np.abs(out[mask]).min() > 0


def test_stateful_layer_continues_from_its_last_states():
    x = np.random.default_rng(8).normal(size=(2, 4, 3, 3, 1)).astype("float32")
    whole = layers.ConvLSTM2D(2, 2, padding="same", return_sequences=True)
    parts = layers.ConvLSTM2D(2, 2, padding="same", return_sequences=True, stateful=True)
    whole(x)
    parts(x[:, :2])
    parts.reset_states()
    parts.set_weights(whole.get_weights())
    joined = np.concatenate([parts(x[:, :2]).numpy(), parts(x[:, 2:]).numpy()], axis=1)
    np.testing.assert_allclose(joined, whole(x).numpy(), rtol=1e-5, atol=1e-6)
    assert parts.states[0].shape == (2, 3, 3, 2)
    parts.reset_states()
    np.testing.assert_allclose(parts(x[:, :2]).numpy(), whole(x[:, :2]).numpy(), atol=1e-6)


def test_stateful_layer_in_a_model_needs_and_keeps_a_fixed_batch():
    model = keras.Sequential([keras.Input((3, 4, 4, 1), batch_size=2),
                              layers.ConvLSTM2D(2, 2, stateful=True)])
    x = np.ones((2, 3, 4, 4, 1), "float32")
    first = model.predict(x, verbose=0)
    assert not np.allclose(model.predict(x, verbose=0), first)  # the states carried over
    model.layers[0].reset_states()
    np.testing.assert_allclose(model.predict(x, verbose=0), first, rtol=1e-6)
    with pytest.raises(ValueError, match="batch size must be static"):
        keras.Sequential([keras.Input((3, 4, 4, 1)), layers.ConvLSTM2D(2, 2, stateful=True)])


def test_the_cell_steps_one_timestep_like_the_layer():
    x = np.random.default_rng(9).normal(size=(2, 2, 3, 5, 4)).astype("float32")
    layer = layers.ConvLSTM2D(2, 3, data_format="channels_first", return_state=True)
    out, h, c = layer(x)
    states = layer.cell.get_initial_state(batch_size=2)
    for t in range(2):
        step_out, states = layer.cell(x[:, t], states)
    np.testing.assert_allclose(step_out.numpy(), out.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(states[1].numpy(), c.numpy(), rtol=1e-5, atol=1e-6)


# ---- bad inputs ---------------------------------------------------------------------------------
def test_wrong_input_rank_is_refused_by_the_input_spec_as_keras():
    """Keras 3.15's message (tests/fixtures/keras_examples21_recurrent.json,
    conv_error/ConvLSTM2D_rank4)."""
    with pytest.raises(ValueError, match=r"of layer 'conv_lstm2d\w*' is incompatible with the "
                                         r"layer: expected ndim=5, found ndim=4. Full shape "
                                         r"received: \(2, 4, 4, 1\)"):
        layers.ConvLSTM2D(2, 2)(np.zeros((2, 4, 4, 1), "float32"))
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        layers.ConvLSTM1D(2, 2, data_format="channels_first")(np.zeros((2, 4, 4), "float32"))
    with pytest.raises(ValueError, match="expected ndim=6, found ndim=5"):
        layers.ConvLSTM3D(2, 2)(keras.Input((3, 4, 4, 1)))


def test_strides_with_dilation_are_refused_in_keras_words():
    with pytest.raises(ValueError, match=r"^Specifying `strides > 1` is not compatible with "
                                         r"`dilation_rate > 1`. Please provide `strides=1` or "
                                         r"`dilation_rate=1`. Received: strides=\(2, 2\) and "
                                         r"dilation_rate=\(2, 2\)$"):
        layers.ConvLSTM2D(2, 2, strides=2, dilation_rate=2)


def test_initial_state_count_and_shape_are_checked():
    x = np.zeros((2, 3, 5, 5, 1), "float32")
    layer = layers.ConvLSTM2D(4, 3)
    h = np.zeros((2, 3, 3, 4), "float32")
    with pytest.raises(ValueError, match=r"expects 2 initial state tensor\(s\) \(state sizes "
                                         r"\[4, 4\]\), but received 1"):
        layer(x, initial_state=[h])
    with pytest.raises(ValueError, match=r"initial state 1 must have shape \(batch, rows, cols, "
                                         r"filters\) = \(2, 3, 3, 4\); received \(2, 5, 5, 4\)"):
        layer(x, initial_state=[h, np.zeros((2, 5, 5, 4), "float32")])
    with pytest.raises(ValueError, match=r"initial state 0 must have shape \(batch, filters, "
                                         r"rows\) = \(None, 4, 3\); received \(None, 3, 4\)"):
        layers.ConvLSTM1D(4, 3, data_format="channels_first")(
            keras.Input((3, 1, 5)), initial_state=[keras.Input((3, 4)), keras.Input((4, 3))])


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"`padding` argument must be a list/tuple or one of "
                                         r"\{'valid', 'same'\}. Received: full"):
        layers.ConvLSTM2D(2, 3, padding="full")
    with pytest.raises(ValueError, match="padding 'valid' or 'same'.*received padding='causal'"):
        layers.ConvLSTM1D(2, 3, padding="causal")
    with pytest.raises(ValueError, match=r"`kernel_size` argument must be a tuple of 2 "
                                         r"integers. Received kernel_size=\(3, 3, 3\)"):
        layers.ConvLSTM2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="`filters`.*Received: filters=0"):
        layers.ConvLSTM2D(0, 3)


def test_a_per_pixel_mask_is_rejected_with_the_shape_it_needs():
    """Masking on image sequences masks pixels, (batch, time, rows, cols); Keras 3.15 fails on
    it too (a broadcasting error inside its loop)."""
    x = np.ones((2, 3, 4, 4, 1), "float32")
    with pytest.raises(ValueError, match=r"mask must have shape \(batch, timesteps\) = "
                                         r"\(2, 3\); received a mask of shape \(2, 3, 4, 4\)"):
        layers.ConvLSTM2D(2, 2)(x, mask=np.ones((2, 3, 4, 4), bool))


def test_inputs_that_do_not_fit_the_built_layer_are_rejected():
    layer = layers.ConvLSTM2D(2, 3)
    layer(np.zeros((1, 2, 5, 5, 1), "float32"))
    with pytest.raises(ValueError, match="expected axis 4 of input shape to have value 1"):
        layer(np.zeros((1, 2, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match="expected axis 2 of input shape to have value 5"):
        layer(np.zeros((1, 2, 6, 5, 1), "float32"))
    with pytest.raises(ValueError, match=r"output size would be zero or negative.*spatial output "
                                         r"\(0, 0\)"):
        layers.ConvLSTM2D(2, 4)(np.zeros((1, 2, 3, 3, 1), "float32"))
    with pytest.raises(ValueError, match="static spatial sizes"):
        layers.ConvLSTM2D(2, 3)(keras.Input((2, None, 5, 1)))


# ---- training ---------------------------------------------------------------------------------
def moving_dots(n, rng):
    """A dot moving one pixel per frame across a 6x6 image, right (label 1) or left (0)."""
    x = np.zeros((n, 4, 6, 6, 1), "float32")
    y = rng.integers(0, 2, n)
    for k in range(n):
        row, start = rng.integers(0, 6), rng.integers(1, 3)
        for t in range(4):
            x[k, t, row, start + t if y[k] else start + 3 - t, 0] = 1.0
    return x, y


def test_a_small_convlstm_model_learns_the_direction_of_motion():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x, y = moving_dots(96, rng)
    model = keras.Sequential([keras.Input((4, 6, 6, 1)),
                              layers.ConvLSTM2D(4, 3, padding="same"),
                              layers.GlobalMaxPooling2D(), layers.Dense(2)])
    model.compile(keras.optimizers.Adam(0.02),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    before = model.evaluate(x, y, verbose=0)[0]
    model.fit(x, y, epochs=10, batch_size=16, verbose=0)  # the loss falls 56x here (15: 214x)
    loss, accuracy = model.evaluate(x, y, verbose=0)
    x_new, y_new = moving_dots(64, rng)
    assert loss < before / 5
    assert accuracy == 1.0 and model.evaluate(x_new, y_new, verbose=0)[1] >= 0.95
