"""BatchNormalization, LayerNormalization, UnitNormalization, GroupNormalization and
RMSNormalization: hand-derived values, real-Keras numbers (fixture), moving statistics,
gradients."""
import json
import math
import os

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops
from minikeras.autodiff import grad, parallel
from minikeras.autodiff import primitives as P
from minikeras.autodiff.gradcheck import gradcheck

rng = np.random.default_rng(3)


def call_with(layer, names, **kwargs):
    """The layer's call as a function of (inputs, *weights), for gradcheck."""
    def fn(x, *weights):
        for name, w in zip(names, weights):
            setattr(layer, name, w)
        return layer.call(x, **kwargs)
    return fn


# ---- BatchNormalization by hand ------------------------------------------------------------------

def test_training_uses_batch_statistics_and_updates_moving_ones():
    # one feature, batch [0, 4]: mean 2, biased variance 4
    bn = layers.BatchNormalization()
    x = np.array([[0.0], [4.0]], "float32")
    out = bn(x, training=True).numpy().ravel()
    np.testing.assert_allclose(out, [-2 / math.sqrt(4.001), 2 / math.sqrt(4.001)], rtol=1e-6)
    # moving = 0.99 * moving + 0.01 * batch statistic (no n/(n-1) correction)
    np.testing.assert_allclose(bn.moving_mean.numpy(), [0.02], rtol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), [0.99 + 0.04], rtol=1e-6)
    # inference uses the moving statistics
    out = bn(x).numpy().ravel()
    np.testing.assert_allclose(out, (np.array([0.0, 4.0]) - 0.02) / math.sqrt(1.03 + 0.001),
                               rtol=1e-6)
    np.testing.assert_allclose(bn.moving_mean.numpy(), [0.02], rtol=1e-6)  # not updated


def test_two_training_steps_compound_the_moving_averages():
    bn = layers.BatchNormalization(momentum=0.5)
    bn(np.array([[1.0], [3.0]], "float32"), training=True)   # mean 2, var 1
    bn(np.array([[5.0], [5.0]], "float32"), training=True)   # mean 5, var 0
    np.testing.assert_allclose(bn.moving_mean.numpy(), [(0 * .5 + 2 * .5) * .5 + 5 * .5])
    np.testing.assert_allclose(bn.moving_variance.numpy(), [(1 * .5 + 1 * .5) * .5 + 0 * .5])


def test_gamma_beta_and_statistics_are_per_channel_over_all_other_axes():
    x = rng.standard_normal((3, 4, 5, 2)).astype("float32") * [1.0, 3.0] + [0.0, 10.0]
    bn = layers.BatchNormalization(epsilon=0.01)
    bn.build(x.shape)
    gamma, beta = np.array([2.0, 0.5]), np.array([1.0, -1.0])
    bn.set_weights([gamma, beta, np.zeros(2), np.ones(2)])
    mean, var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))
    np.testing.assert_allclose(bn(x, training=True).numpy(),
                               (x - mean) / np.sqrt(var + 0.01) * gamma + beta, atol=2e-5)


def test_frozen_layer_always_runs_in_inference_mode():
    bn = layers.BatchNormalization(trainable=False)
    x = np.array([[0.0], [4.0]], "float32")
    out = bn(x, training=True).numpy().ravel()
    np.testing.assert_allclose(out, [0.0, 4.0 / math.sqrt(1.001)], rtol=1e-6)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), [0.0])
    assert bn.trainable_weights == [] and len(bn.non_trainable_weights) == 4


def test_weights_order_shapes_and_trainability():
    bn = layers.BatchNormalization()
    bn.build((None, 6, 3))
    assert [w.name for w in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert all(w.shape == (3,) for w in bn.weights)
    assert [w.name for w in bn.trainable_weights] == ["gamma", "beta"]
    without = layers.BatchNormalization(center=False, scale=False)
    without.build((None, 3))
    assert [w.name for w in without.weights] == ["moving_mean", "moving_variance"]
    np.testing.assert_allclose(without(np.array([[1.0, 2, 3], [3, 2, 1]], "float32"),
                                       training=True).numpy(),
                               [[-1 / math.sqrt(1.001), 0, 1 / math.sqrt(1.001)],
                                [1 / math.sqrt(1.001), 0, -1 / math.sqrt(1.001)]], rtol=1e-5)


@pytest.mark.parametrize("block_elements", [None, 10])
def test_fused_training_primitive_equals_the_composed_version(block_elements, monkeypatch):
    # 15 rows of 5: in one block, or in blocks of 2 rows with a short last one
    if block_elements is not None:
        monkeypatch.setattr(parallel, "BLOCK_ELEMENTS", block_elements)
    x = rng.standard_normal((5, 3, 5))
    gamma, beta = rng.uniform(0.5, 2, 5), rng.standard_normal(5)
    cot = rng.standard_normal(x.shape)
    ts = [keras.ops.convert_to_tensor(a) for a in (x, gamma, beta)]
    for t in ts:
        t.requires_grad = True
    fused, mean, var = P.batch_norm_training(*ts, epsilon=1e-3)
    m, v = ops.moments(ts[0], (0, 1))
    composed = ops.batch_normalization(ts[0], m, v, -1, offset=ts[2], scale=ts[1], epsilon=1e-3)
    np.testing.assert_allclose(fused.numpy(), composed.numpy(), atol=1e-12)
    np.testing.assert_allclose(mean.numpy(), m.numpy(), atol=1e-12)
    np.testing.assert_allclose(var.numpy(), v.numpy(), atol=1e-12)
    for a, b in zip(grad(fused, ts, cot), grad(composed, ts, cot)):
        np.testing.assert_allclose(a, b, atol=1e-10)


def test_channels_first_axis_matches_channels_last():
    x = rng.standard_normal((2, 3, 4, 3)).astype("float32")
    last, first = layers.BatchNormalization(), layers.BatchNormalization(axis=1)
    out_last = last(x, training=True).numpy()
    out_first = first(x.transpose(0, 3, 1, 2), training=True).numpy()
    np.testing.assert_allclose(out_first, out_last.transpose(0, 3, 1, 2), atol=1e-5)
    np.testing.assert_allclose(first.moving_variance.numpy(), last.moving_variance.numpy(),
                               rtol=1e-5)


@pytest.mark.parametrize("axis,training", [(-1, True), (1, True), (-1, False)])
def test_batch_normalization_gradients(axis, training):
    bn = layers.BatchNormalization(axis=axis, dtype="float64")
    x = rng.standard_normal((4, 3, 2))
    bn.build(x.shape)
    gamma, beta = rng.uniform(0.5, 2, x.shape[axis]), rng.standard_normal(x.shape[axis])
    assert gradcheck(call_with(bn, ["gamma", "beta"], training=training), x, gamma, beta)


def test_batch_normalization_config_round_trip():
    bn = layers.BatchNormalization(axis=1, momentum=0.9, epsilon=1e-5, center=False,
                                   gamma_regularizer="l2", moving_variance_initializer="zeros")
    config = layers.serialize(bn)["config"]
    for key in ("axis", "momentum", "epsilon", "center", "scale", "beta_initializer",
                "gamma_initializer", "moving_mean_initializer", "moving_variance_initializer",
                "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint",
                "synchronized"):
        assert key in config
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(bn))))
    assert rebuilt.get_config() == bn.get_config()


def test_batch_normalization_bad_arguments():
    with pytest.raises(ValueError, match="rmax should be greater than rmin.*rmax=0.5, rmin=1"):
        layers.BatchNormalization(renorm=True, renorm_clipping={"rmax": 0.5, "rmin": 1.0})
    with pytest.raises(ValueError, match="axis"):
        layers.BatchNormalization(axis=[1, 2])
    with pytest.raises(ValueError, match="out of range"):
        layers.BatchNormalization(axis=3)(np.zeros((2, 3), "float32"))


# ---- LayerNormalization --------------------------------------------------------------------------

def test_layer_normalization_by_hand():
    # row [1, 2, 3]: mean 2, biased variance 2/3; epsilon is 1e-3 (not 1e-5)
    out = layers.LayerNormalization()(np.array([[1.0, 2.0, 3.0]], "float32")).numpy()
    d = math.sqrt(2 / 3 + 1e-3)
    np.testing.assert_allclose(out, [[-1 / d, 0, 1 / d]], rtol=1e-5)


def test_layer_normalization_multiple_axes_and_scale_shift():
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    ln = layers.LayerNormalization(axis=[1, 2])
    ln.build(x.shape)
    gamma, beta = rng.uniform(0.5, 2, (3, 4)), rng.standard_normal((3, 4))
    ln.set_weights([gamma, beta])
    mean = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(ln(x).numpy(), (x - mean) / np.sqrt(var + 1e-3) * gamma + beta,
                               atol=1e-5)
    assert [w.shape for w in ln.weights] == [(3, 4), (3, 4)]


def test_layer_normalization_sorts_its_axes_and_gamma_follows_them():
    # Keras 3.15 (probed): axis=[2, 1] builds gamma of shape (3, 4) and reports axis [1, 2]
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    ln = layers.LayerNormalization(axis=[2, 1], center=False)
    ln.build(x.shape)
    assert ln.gamma.shape == (3, 4) and ln.get_config()["axis"] == [1, 2]
    gamma = rng.uniform(0.5, 2, (3, 4))
    ln.set_weights([gamma])
    normed = (x - x.mean(axis=(1, 2), keepdims=True)) / np.sqrt(
        x.var(axis=(1, 2), keepdims=True) + 1e-3)
    np.testing.assert_allclose(ln(x).numpy(), normed * gamma, atol=1e-5)


def test_layer_normalization_rms_scaling_divides_by_the_variance_without_centring():
    # Keras 3 keeps the deprecated flag: y = x / sqrt(var + eps) * gamma, gamma always made,
    # no beta (probed: weights ['gamma'] even with scale=False, center=True ignored)
    x = rng.standard_normal((3, 5)).astype("float32")
    with pytest.warns(UserWarning, match="rms_scaling=True.*deprecated.*RMSNormalization"):
        ln = layers.LayerNormalization(rms_scaling=True, scale=False)
    ln.build(x.shape)
    assert [w.path.split("/")[-1] for w in ln.weights] == ["gamma"]
    gamma = rng.uniform(0.5, 2, (5,))
    ln.set_weights([gamma])
    expected = x / np.sqrt(x.var(axis=-1, keepdims=True) + 1e-3) * gamma
    np.testing.assert_allclose(ln(x).numpy(), expected, rtol=1e-5, atol=1e-6)
    config = ln.get_config()
    assert config["rms_scaling"] is True
    assert layers.LayerNormalization.from_config(config).rms_scaling


def test_normalization_of_a_one_dimensional_input():
    # a rank-1 input is built on its whole shape (Keras 3.15 probed): LayerNormalization
    # normalizes the vector; BatchNormalization's feature axis is the only axis
    x = np.arange(4, dtype="float32")
    ln = layers.LayerNormalization()
    np.testing.assert_allclose(ln(x).numpy(), (x - 1.5) / np.sqrt(1.25 + 1e-3), rtol=1e-6)
    assert ln.gamma.shape == (4,)
    bn = layers.BatchNormalization()
    np.testing.assert_allclose(bn(x).numpy(), x / np.sqrt(1 + 1e-3), rtol=1e-6)
    np.testing.assert_allclose(bn(x, training=True).numpy(), np.zeros(4), atol=1e-6)


@pytest.mark.parametrize("axis", [-1, [1, 2]])
def test_layer_normalization_gradients(axis):
    ln = layers.LayerNormalization(axis=axis, dtype="float64")
    x = rng.standard_normal((2, 3, 4))
    ln.build(x.shape)
    shape = ln.gamma.shape
    assert gradcheck(call_with(ln, ["gamma", "beta"]), x, rng.uniform(0.5, 2, shape),
                     rng.standard_normal(shape))


def test_layer_normalization_config_and_errors():
    ln = layers.LayerNormalization(axis=[1, 2], epsilon=1e-5, scale=False)
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(ln))))
    assert rebuilt.get_config() == ln.get_config() and rebuilt.axis == [1, 2]
    assert layers.LayerNormalization().get_config()["epsilon"] == 1e-3
    with pytest.raises(TypeError, match="axis"):
        layers.LayerNormalization(axis="last")


def test_names_are_registered():
    assert layers.LAYERS.lookup("BatchNormalization") is layers.BatchNormalization
    assert layers.LAYERS.lookup("LayerNormalization") is layers.LayerNormalization


def test_unit_normalization_values():
    out = layers.UnitNormalization()(np.array([[3.0, 4.0], [0.0, 0.0]], "float32"))
    np.testing.assert_allclose(out.numpy(), [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
    x = np.array([[[1.0, 1.0], [1.0, 1.0]]], "float32")
    np.testing.assert_allclose(layers.UnitNormalization(axis=[1, 2])(x).numpy(), x / 2)
    gradcheck(lambda t: layers.UnitNormalization(dtype="float64")(t),
              np.random.default_rng(2).standard_normal((2, 3)))
    with pytest.raises(TypeError, match="axis"):
        layers.UnitNormalization(axis="last")
    with pytest.raises(ValueError, match="out of range"):
        layers.UnitNormalization(axis=3)(np.ones((2, 3), "float32"))


# GroupNormalization and RMSNormalization against real Keras 3.15.1
# (tools/make_numeric_fixture.py)
KERAS_NUMBERS = np.load(os.path.join(os.path.dirname(__file__), "..", "fixtures",
                                     "keras_numeric_preprocessing.npz"))


@pytest.mark.parametrize("groups,axis", [(3, -1), (-1, -1), (1, 1)])
def test_group_normalization_matches_keras(groups, axis):
    name = f"group_{groups}_{axis}"
    layer = layers.GroupNormalization(groups=groups, axis=axis)
    layer.build((None,) + KERAS_NUMBERS["group_x"].shape[1:])
    layer.set_weights([KERAS_NUMBERS[name + "_gamma"], KERAS_NUMBERS[name + "_beta"]])
    np.testing.assert_allclose(layer(KERAS_NUMBERS["group_x"]).numpy(), KERAS_NUMBERS[name + "_out"], rtol=1e-5,
                               atol=1e-5)


def test_group_normalization_matches_a_numpy_reference_channels_first():
    x = np.random.default_rng(0).normal(size=(2, 6, 4, 3)).astype("float32")
    out = layers.GroupNormalization(groups=2, axis=1, epsilon=1e-3)(x).numpy()
    g = x.reshape(2, 2, 3, 4, 3)
    mean = g.mean(axis=(2, 3, 4), keepdims=True)
    var = g.var(axis=(2, 3, 4), keepdims=True)
    np.testing.assert_allclose(out, ((g - mean) / np.sqrt(var + 1e-3)).reshape(x.shape),
                               rtol=1e-5, atol=1e-5)


def test_group_normalization_config_and_bad_input():
    layer = layers.GroupNormalization(groups=4, epsilon=0.01, center=False)
    rebuilt = layers.GroupNormalization.from_config(layer.get_config())
    assert rebuilt.get_config() == layer.get_config()
    assert layer.get_config()["groups"] == 4 and "beta_initializer" in layer.get_config()
    with pytest.raises(ValueError, match=r"groups \(4\) must be a multiple.*channels \(6\)"):
        layers.GroupNormalization(groups=4)(np.zeros((1, 6), "float32"))
    with pytest.raises(ValueError, match=r"groups \(32\) cannot be more than.*channels \(8\)"):
        layers.GroupNormalization()(np.zeros((1, 8), "float32"))
    with pytest.raises(TypeError, match="`axis` to be an int"):
        layers.GroupNormalization(axis=[1])


@pytest.mark.parametrize("axis,name", [(-1, "rms_last"), ([1, 2], "rms_12")])
def test_rms_normalization_matches_keras(axis, name):
    layer = layers.RMSNormalization(axis=axis, epsilon=1e-3)
    layer.build((None,) + KERAS_NUMBERS["rms_x"].shape[1:])
    layer.set_weights([KERAS_NUMBERS[name + "_scale"]])
    np.testing.assert_allclose(layer(KERAS_NUMBERS["rms_x"]).numpy(), KERAS_NUMBERS[name + "_out"], rtol=1e-5,
                               atol=1e-6)


def test_rms_normalization_non_trailing_axis_by_hand_and_errors():
    x = np.random.default_rng(2).normal(size=(2, 3, 4)).astype("float32")
    out = layers.RMSNormalization(axis=1)(x).numpy()
    np.testing.assert_allclose(out, x / np.sqrt((x ** 2).mean(axis=1, keepdims=True) + 1e-6),
                               rtol=1e-5)
    with pytest.raises(ValueError, match="out of bounds"):
        layers.RMSNormalization(axis=3)(x)


def composed_layer_norm(x, gamma, beta, epsilon=1e-3):
    """Keras's LayerNormalization formula over the last axis, from ops."""
    mean, variance = ops.moments(x, [x.ndim - 1], keepdims=True)
    inv = P.divide(1.0, P.sqrt(P.add(variance, epsilon)))
    if gamma is not None:
        inv = P.multiply(inv, gamma)
    shift = P.negative(P.multiply(mean, inv))
    if beta is not None:
        shift = P.add(shift, beta)
    return P.add(P.multiply(x, inv), shift)


@pytest.mark.parametrize("block_elements", [None, 12])
@pytest.mark.parametrize("center, scale", [(True, True), (False, True), (True, False),
                                           (False, False)])
def test_fused_layer_norm_equals_the_composed_formula(center, scale, block_elements,
                                                      monkeypatch):
    # 15 rows of 5: in one block, or in blocks of 2 rows with a short last one
    if block_elements is not None:
        monkeypatch.setattr(parallel, "BLOCK_ELEMENTS", block_elements)
    x = rng.standard_normal((5, 3, 5)) * 3 + 2
    weights = [rng.uniform(0.5, 2, 5) if scale else None, rng.standard_normal(5) if center else None]
    tensors = [keras.ops.convert_to_tensor(a) for a in [x] + weights if a is not None]
    for t in tensors:
        t.requires_grad = True
    it = iter(tensors[1:])
    gamma, beta = (next(it) if w is not None else None for w in weights)
    fused = P.layer_norm(tensors[0], gamma, beta)
    composed = composed_layer_norm(tensors[0], gamma, beta)
    np.testing.assert_allclose(fused.numpy(), composed.numpy(), rtol=1e-12, atol=1e-12)
    cotangent = rng.standard_normal(x.shape)
    for a, b in zip(grad(fused, tensors, cotangent), grad(composed, tensors, cotangent)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_layer_normalization_takes_the_fused_path_for_the_last_axis_only():
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    last, middle = layers.LayerNormalization(), layers.LayerNormalization(axis=1)
    assert type(last(x).creator).__name__ == "LayerNormLastAxis"
    assert type(middle(x).creator).__name__ != "LayerNormLastAxis"


def test_batch_normalization_trained_on_no_rows_gets_nan_moving_statistics():
    """A training call on a batch of 0: the output is empty and the batch moments are means
    over no values (0 / 0, NaN), which the moving averages take on, as in Keras 3.15
    (tests/fixtures/keras_examples20_edgeshapes.json, layer_batchnorm_train_0x3)."""
    layer = layers.BatchNormalization()
    out = layer(np.zeros((0, 3), "float32"), training=True)
    assert out.shape == (0, 3)
    assert np.isnan(layer.moving_mean.numpy()).all()
    assert np.isnan(layer.moving_variance.numpy()).all()
