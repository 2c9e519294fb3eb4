"""Gradients of gradients: ``grad(..., create_graph=True)`` and each primitive's ``vjp``.

Every primitive with a differentiable gradient is a row of ``CASES``, checked in float64
against central differences of its first gradient (``gradgradcheck``; at every element of
an input of up to 96, of a larger one at every index of every axis and 96 in all:
minikeras.autodiff.gradcheck.probe_coordinates); a few to third order. Linear primitives are checked inside a
square (``curved``), so that their gradient's graph and its own gradient both take part. A primitive without one raises, naming itself.
"""
import functools

import numpy as np
import pytest

from minikeras import activations, losses
from minikeras.autodiff import (attention, conv, elementwise, fourier, linalg, linear, no_grad,
                                normalization, recurrence, reductions, shape,
                                softmax_crossentropy, special)
from minikeras.autodiff import primitives as P
from minikeras.autodiff.function import Function, SecondOrderUnsupported
from minikeras.autodiff.gradcheck import gradgradcheck, numerical_grad
from minikeras.autodiff.tensor import FREED, Tensor, grad

sampled_gradgradcheck = functools.partial(gradgradcheck, probes=96)
rng = np.random.default_rng(1)
VJP_MODULES = (attention, conv, elementwise, fourier, linalg, linear, normalization,
               recurrence, reductions, shape, softmax_crossentropy, special)


def r(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, shape)


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape)


def away_from_zero(*shape):
    return rng.choice([-1, 1], shape) * rng.uniform(0.3, 2.0, shape)


def distinct(*shape):
    """Values with no ties, so max/min/maximum have a unique winner."""
    return rng.permutation(np.arange(int(np.prod(shape)), dtype=float)).reshape(shape) * 0.37 - 1


def well_conditioned(*shape):
    """Square matrices near 3 I: far from singular."""
    return r(*shape, low=-1, high=1) + 3 * np.eye(shape[-1])


def symmetric(m):
    """The symmetric part of ``m`` (finite differences then move both entries of a pair)."""
    return P.multiply(P.add(m, P.transpose(m, (0, 2, 1) if m.ndim == 3 else (1, 0))), 0.5)


def curved(fn):
    """``fn``'s output squared: a linear primitive's second derivative is then not zero."""
    return lambda *xs: P.square(fn(*xs))


# name -> (function of tensors, input arrays)
CASES = {
    "add": (curved(P.add), [r(3, 4), r(4)]),
    "subtract": (curved(P.subtract), [r(3, 1), r(1, 4)]),
    "multiply": (P.multiply, [r(2, 3, 4), r(3, 1)]),
    "divide": (P.divide, [r(3, 4), away_from_zero(4)]),
    "power": (P.power, [positive(3, 4), r(3, 4)]),
    "maximum": (curved(P.maximum), [distinct(3, 4), distinct(3, 1) + 0.11]),
    "minimum": (curved(P.minimum), [distinct(3, 4), distinct(3, 4) + 0.11]),
    "where": (curved(lambda c, a, b: P.where(c, a, b)), [rng.random((3, 4)) > 0.5, r(3, 4),
                                                          r(4)]),
    "negative": (curved(P.negative), [r(3, 4)]),
    "exp": (P.exp, [r(3, 4)]),
    "log": (P.log, [positive(3, 4)]),
    "log1p": (P.log1p, [positive(3, 4)]),
    "sqrt": (P.sqrt, [positive(3, 4)]),
    "square": (P.square, [r(3, 4)]),
    "abs": (curved(P.abs), [away_from_zero(3, 4)]),
    "sign": (lambda x: P.multiply(P.sign(x), P.square(x)), [away_from_zero(3, 4)]),
    "clip": (curved(lambda x: P.clip(x, -1.0, 1.0)), [np.array([-1.7, -0.5, 0.2, 0.9, 1.4])]),
    "clip_strict": (curved(lambda x: P.clip_strict(x, -1.0, 1.0)),
                    [np.array([-1.7, -0.5, 0.2, 0.9, 1.4])]),
    "tanh": (P.tanh, [r(3, 4)]),
    "sigmoid": (P.sigmoid, [r(3, 4, low=-6, high=6)]),
    "relu": (curved(P.relu), [away_from_zero(3, 4)]),
    "leaky_relu": (curved(lambda x: P.leaky_relu(x, 0.2)), [away_from_zero(3, 4)]),
    "masked_scale": (curved(lambda x: P.masked_scale(x, np.array([[True], [False], [True]]),
                                                     1.25)), [r(3, 4)]),
    "drawn_masked_scale": (curved(lambda x: P.drawn_masked_scale(
        x, lambda: np.random.default_rng(5), (3, 1), 2**31, np.float64(1.25))), [r(3, 4)]),
    "drawn_gaussian_noise": (curved(lambda x: P.drawn_gaussian_noise(
        x, lambda: np.random.default_rng(5), 1.0, 0.5, True)), [r(3, 4)]),
    "drawn_alpha_dropout": (curved(lambda x: P.drawn_alpha_dropout(
        x, lambda: np.random.default_rng(5), (3, 1), 0.6, 1.5, -1.75, 0.25)), [r(3, 4)]),
    "rescale": (curved(lambda x: P.rescale(x, "float64", np.array([0.5, 2.0, 1.0, -1.0]),
                                           0.25)), [r(3, 4)]),
    "softplus": (P.softplus, [r(3, 4, low=-6, high=6)]),
    "erf": (P.erf, [r(3, 4, low=-2, high=2)]),
    "sin": (P.sin, [r(3, 4)]),
    "cos": (P.cos, [r(3, 4)]),
    "arcsin": (P.arcsin, [r(3, 4, low=-0.9, high=0.9)]),
    "arctan": (P.arctan, [r(3, 4)]),
    "arctan2": (P.arctan2, [r(3, 4), r(4)]),
    "cast": (curved(lambda x: P.cast(x, "float64")), [r(3, 4)]),
    "sum": (curved(lambda x: P.sum(x, axis=(0, 2))), [r(2, 3, 4)]),
    "sum_over_count": (curved(lambda x: P.sum_over_count(x, 24)), [r(2, 3, 4)]),
    "mean": (curved(lambda x: P.mean(x, axis=1, keepdims=True)), [r(2, 3, 4)]),
    "max": (curved(lambda x: P.max(x, axis=-1)), [distinct(3, 4)]),
    "min": (curved(lambda x: P.min(x, axis=0, keepdims=True)), [distinct(3, 4)]),
    "logsumexp": (lambda x: P.logsumexp(x, axis=1), [r(3, 4)]),
    "reshape": (curved(lambda x: P.reshape(x, (4, -1))), [r(2, 3, 4)]),
    "transpose": (curved(lambda x: P.transpose(x, (2, 0, 1))), [r(2, 3, 4)]),
    "broadcast_to": (curved(lambda x: P.broadcast_to(x, (2, 3, 4))), [r(3, 1)]),
    "sum_to": (curved(lambda x: P.sum_to(x, (3, 1))), [r(2, 3, 4)]),
    "concatenate": (curved(lambda a, b: P.concatenate([a, b], axis=1)), [r(2, 3), r(2, 2)]),
    "stack": (curved(lambda a, b: P.stack([a, b], axis=1)), [r(2, 3), r(2, 3)]),
    "pad_constant": (curved(lambda x: P.pad_constant(x, [(1, 0), (0, 0), (2, 1)], 0.5)),
                     [r(2, 3, 2)]),
    "getitem": (curved(lambda x: P.getitem(x, (slice(None), [0, 2, 2]))), [r(3, 4)]),
    "getitem_gradient": (curved(lambda x: P.getitem_gradient(x, (3, 4), (slice(1, 3), 2))),
                         [r(2)]),
    "take": (curved(lambda x: P.add(P.sum(P.take(x, np.array([[0, 2], [1, 1]]), axis=1)),
                                    P.sum(P.take(x, np.array([5, 0, 5]))))), [r(3, 4)]),
    "matmul": (curved(P.matmul), [r(2, 3, 4), r(4, 5)]),
    "dense": (curved(P.dense), [r(2, 5, 3), r(3, 4), r(4)]),
    "softmax": (lambda x: P.softmax(x, axis=-1), [r(3, 4)]),
    "log_softmax": (lambda x: P.log_softmax(x, axis=0), [r(3, 4)]),
    "softmax_cross_entropy": (P.softmax_cross_entropy, [rng.dirichlet(np.ones(4), size=3),
                                                        r(3, 4)]),
    "sigmoid_cross_entropy": (P.sigmoid_cross_entropy, [rng.random((3, 4)),
                                                        r(3, 4, low=-5, high=5)]),
    # the WGAN-GP critic's convolution: strides 2, "same"; with a bias
    "conv": (curved(lambda x, w, b: P.conv(x, w, b, strides=2, padding="same")),
             [r(2, 5, 5, 2), r(3, 3, 2, 3), r(3)]),
    "conv_input_gradient": (curved(lambda g, w: P.conv_input_gradient(g, w, (2, 5, 4, 3), 2,
                                                                      "same")),
                            [r(2, 3, 2, 4), r(3, 2, 3, 4)]),
    "max_pool": (curved(lambda x: P.max_pool(x, (2, 3), (2, 1), "same")),
                 [distinct(2, 5, 5, 3)]),
    "average_pool": (curved(lambda x: P.average_pool(x, 3, 2, "same")), [r(2, 5, 6, 2)]),
    "average_pool_gradient": (curved(lambda g: P.average_pool_gradient(g, (2, 5, 6, 2), 3, 2,
                                                                       "same")),
                              [r(2, 3, 3, 2)]),
    # the fused normalizations (their vjp: the recorded gradient of the composed formula)
    "batch_norm_training": (lambda x, g, b: P.batch_norm_training(x, g, b, 1e-3)[0],
                            [r(4, 3, 5), positive(5), r(5)]),
    "layer_norm": (curved(lambda x, g, b: P.layer_norm(x, g, b, 1e-3)),
                   [r(4, 3, 5), positive(5), r(5)]),
    # a depthwise convolution (depth multiplier 2) and one in two groups of two channels
    "conv, depthwise": (curved(lambda x, w, b: P.conv(x, w, b, strides=2, padding="same")),
                        [r(2, 5, 5, 3), r(3, 3, 1, 6), r(6)]),
    "conv, grouped": (curved(lambda x, w: P.conv(x, w, padding="valid", dilation_rate=2)),
                      [r(2, 6, 5, 4), r(2, 2, 2, 4)]),
    # the DCGAN generator's upsampling: strides 2, "same"
    "conv_transpose": (curved(lambda x, w, b: P.conv_transpose(x, w, b, strides=2,
                                                               padding="same")),
                       [r(2, 3, 4, 3), r(3, 3, 2, 3), r(2)]),
    "attention": (P.attention, [r(2, 3, 2, 4), r(2, 5, 2, 4), r(2, 5, 2, 3)]),
    # the fused recurrences (their vjp: the recorded gradient of the per-step formula)
    "simple_rnn_recurrence": (P.simple_rnn_recurrence, [r(2, 3, 3), r(3, 2), r(2, 2), r(2),
                                                        r(2, 2)]),
    "lstm_recurrence": (P.lstm_recurrence, [r(2, 3, 3), r(3, 8), r(2, 8), r(8), r(2, 2),
                                            r(2, 2)]),
    "gru_recurrence": (P.gru_recurrence, [r(2, 3, 3), r(3, 6), r(2, 6), r(6), r(6), r(2, 2)]),
    # the transforms (linear: squared)
    "fft_pair": (curved(lambda a, b: P.fft_pair(a, b, axes=(0, 2))), [r(2, 3, 4), r(2, 3, 4)]),
    "rfft_pair": (curved(lambda x: P.rfft_pair(x, 7)), [r(2, 6)]),
    "irfft": (curved(lambda a, b: P.irfft(a, b, 5)), [r(2, 4), r(2, 4)]),
    # linear algebra, batched over a leading axis (the symmetric decompositions of a
    # symmetric part: they read one triangle)
    "inv": (P.inv, [well_conditioned(2, 3, 3)]),
    "det": (P.det, [well_conditioned(2, 3, 3)]),
    "log_abs_det": (P.log_abs_det, [well_conditioned(2, 3, 3) * np.array([[[1]], [[-1]]])]),
    "solve": (P.solve, [well_conditioned(2, 3, 3), r(2, 3, 2)]),
    "cholesky": (lambda m: P.cholesky(P.add(P.matmul(symmetric(m), symmetric(m)),
                                            3 * np.eye(3))), [r(2, 3, 3)]),
    "eigh": (lambda m: P.eigh(symmetric(m)), [np.diag([1.0, 2.5, 4.0]) + r(3, 3, low=-0.3,
                                                                            high=0.3)]),
    "qr": (P.qr, [r(2, 4, 3) + np.eye(4, 3) * 3]),
    "singular_values": (P.singular_values, [r(2, 4, 3) + np.eye(4, 3) * np.array([4.0, 2.0,
                                                                                  1.0])]),
    "erfc": (P.erfc, [r(3, 4, low=-3, high=3)]),
    "erfinv": (P.erfinv, [r(3, 4, low=-0.9, high=0.9)]),
    "conv_kernel_gradient": (curved(lambda x, g: P.conv_kernel_gradient(x, g, (2, 2, 3, 4), 1,
                                                                        "valid", 2)),
                             [r(2, 5, 4, 3), r(2, 3, 2, 4)]),
}


# the central differences of a function and its inputs, kept for a later test that checks
# the very same ones (gradgradcheck's ``cache``): a case's name -> its cache
KEPT = {}


def kept(name):
    return KEPT.setdefault(name, {})


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_derivative_matches_finite_differences(name):
    fn, inputs = CASES[name]
    assert sampled_gradgradcheck(fn, *inputs, cache=kept(name))


@pytest.mark.parametrize("name, fn, inputs", [
    ("tanh", P.tanh, [r(3, 4)]),
    ("multiply then log", lambda a, b: P.log(P.multiply(a, b)), [positive(3, 4), positive(4)]),
    ("dense, tanh fused", lambda x, w, b: P.dense(x, w, b, activation="tanh"),
     [r(4, 3), r(3, 2), r(2)]),
    ("conv, then a square", curved(lambda x, w: P.conv(x, w, strides=1, padding="same")),
     [r(1, 4, 4, 1), r(3, 3, 1, 2)]),
    ("layer_norm", lambda x, g, b: P.layer_norm(x, g, b, 1e-3), [r(2, 5), positive(5), r(5)]),
    ("depthwise conv, tanh fused", lambda x, w: P.conv(x, w, padding="same",
                                                       activation="tanh"),
     [r(1, 4, 4, 2), r(3, 3, 1, 2)]),
    ("attention", P.attention, [r(1, 2, 1, 2), r(1, 3, 1, 2), r(1, 3, 1, 2)]),
    ("lstm_recurrence", lambda x, k, u: P.lstm_recurrence(x, k, u, None, np.zeros((1, 1)),
                                                          np.zeros((1, 1))),
     [r(1, 2, 2), r(2, 4), r(1, 4)]),
    ("rfft_pair, irfft, then tanh", lambda x: P.tanh(P.irfft(*P.rfft_pair(x), n=5)),
     [r(1, 5)]),
    ("inv", P.inv, [well_conditioned(2, 2)]),
    ("cholesky", lambda m: P.cholesky(symmetric(m)), [well_conditioned(2, 2)]),
    ("singular_values", P.singular_values, [r(3, 2) + np.eye(3, 2) * np.array([3.0, 1.0])]),
    ("erfinv", P.erfinv, [r(3, low=-0.9, high=0.9)]),
    ("conv_transpose, then tanh", lambda x, w: P.tanh(P.conv_transpose(x, w, strides=2,
                                                                       padding="same")),
     [r(1, 3, 3, 2), r(3, 3, 2, 2)]),
])
def test_third_derivative_matches_finite_differences(name, fn, inputs):
    assert sampled_gradgradcheck(fn, *inputs, order=3)


@pytest.mark.parametrize("strides, padding, dilation", [(1, "same", 1), (1, "valid", 1),
                                                        (2, "same", 1), (2, "valid", 1),
                                                        (1, "same", 2)])
@pytest.mark.parametrize("activation", [None, "relu", "tanh"])
def test_conv_second_derivative_each_geometry_and_activation(strides, padding, dilation,
                                                             activation):
    # 5 rows under 3 taps: "same" pads (1, 1) at stride 1 and 2, (2, 2) dilated; 4 columns
    # under 2 taps: (0, 1) at stride 1, (1, 1) dilated, none at stride 2, every column read
    # "valid" at stride 2; 80 elements, all probed
    x = away_from_zero(2, 5, 4, 2)
    assert sampled_gradgradcheck(curved(lambda x, w, b: P.conv(
        x, w, b, strides=strides, padding=padding, dilation_rate=dilation,
        activation=activation)), x, r(3, 2, 2, 3), r(3))


@pytest.mark.parametrize("pool_size, strides, padding", [((2, 3), (2, 1), "same"),
                                                        (2, 2, "valid"), (3, 1, "same"),
                                                        (1, 2, "valid")])
def test_pooling_second_derivatives(pool_size, strides, padding):
    """Max pooling routes to the winners (a constant choice), average pooling is linear:
    inside a square both have second derivatives. The first geometry's max pooling is
    CASES["max_pool"] (its inputs and central differences are taken from there)."""
    if (pool_size, strides, padding) == ((2, 3), (2, 1), "same"):
        inputs, cache = CASES["max_pool"][1], kept("max_pool")
    else:
        inputs, cache = [distinct(2, 5, 5, 3)], None
    assert sampled_gradgradcheck(curved(lambda x: P.max_pool(x, pool_size, strides, padding)),
                                 *inputs, cache=cache)
    assert sampled_gradgradcheck(curved(lambda x: P.average_pool(x, pool_size, strides, padding)),
                         r(2, 5, 5, 3))


def test_max_pooling_of_a_relu_convolution_second_derivative():
    """The first-order walk hands the pooled gradient to the Conv (``PooledGrad``); the
    recorded walk does not, and must give the same numbers. (4x4 inputs: "same" pads
    (1, 1), the pooling's windows tile the output, no row dropped; 64 elements, all
    probed.)"""
    assert sampled_gradgradcheck(curved(lambda x, w: P.max_pool(
        P.conv(x, w, padding="same", activation="relu"), 2, 2, "valid")),
        r(2, 4, 4, 2), r(3, 3, 2, 3))


@pytest.mark.parametrize("has_gamma, has_beta", [(False, False), (True, False), (False, True)])
def test_layer_norm_second_derivative_without_its_weights(has_gamma, has_beta):
    gamma, beta = positive(5) if has_gamma else None, r(5) if has_beta else None
    weights = [w for w in (gamma, beta) if w is not None]

    def fn(x, *given):
        given = iter(given)
        return P.square(P.layer_norm(x, next(given) if has_gamma else None,
                                     next(given) if has_beta else None, 1e-3))

    assert sampled_gradgradcheck(fn, r(4, 5), *weights)


@pytest.mark.parametrize("groups, multiplier", [(3, 1), (3, 2), (2, 1)])
@pytest.mark.parametrize("activation", [None, "relu", "tanh"])
def test_grouped_conv_second_derivative_each_activation(groups, multiplier, activation):
    """Depthwise (one input channel per group, ``multiplier`` filters each) and grouped
    (two channels per group)."""
    channels = 3 if groups == 3 else 4
    kernel = r(3, 2, channels // groups, groups * multiplier)
    assert sampled_gradgradcheck(curved(lambda x, w, b: P.conv(x, w, b, strides=(2, 1),
                                                       padding="same", groups=groups,
                                                       activation=activation)),
                         away_from_zero(2, 5, 4, channels), kernel, r(groups * multiplier))


def test_separable_conv_second_derivative():
    """A depthwise convolution, then a pointwise one (ops.separable_conv's two primitives)."""
    assert sampled_gradgradcheck(curved(lambda x, d, p: P.conv(P.conv(x, d, padding="same"), p)),
                         r(2, 4, 4, 2), r(3, 3, 1, 4), r(1, 1, 4, 3))


@pytest.mark.parametrize("strides, padding, output_padding, dilation", [
    (2, "same", None, 1), (2, "valid", None, 1), (3, "valid", None, 1), (1, "same", None, 1),
    (2, "same", 1, 1), (2, "valid", 1, 1), (1, "same", None, 2), (1, "valid", None, 2)])
def test_conv_transpose_second_derivative_each_geometry(strides, padding, output_padding,
                                                        dilation):
    """Strides 2, "same", no output padding, no dilation is CASES["conv_transpose"] (its
    inputs and central differences are taken from there); the 1D check depends on the
    strides and padding alone (the cases that share them share its inputs and central
    differences)."""
    if (strides, padding, output_padding, dilation) == (2, "same", None, 1):
        inputs, cache = CASES["conv_transpose"][1], kept("conv_transpose")
    else:
        inputs, cache = [r(2, 3, 4, 3), r(3, 3, 2, 3), r(2)], None
    assert sampled_gradgradcheck(curved(lambda x, w, b: P.conv_transpose(
        x, w, b, strides=strides, padding=padding, output_padding=output_padding,
        dilation_rate=dilation)), *inputs, cache=cache)
    one_d = kept(("conv_transpose 1D", strides, padding))
    if "arrays" not in one_d:
        one_d["arrays"] = [r(2, 5, 3), r(3, 2, 3)]
    assert sampled_gradgradcheck(curved(lambda x, w: P.conv_transpose(x, w, strides=strides,
                                                                      padding=padding)),
                                 *one_d["arrays"], cache=one_d)


@pytest.mark.parametrize("all_masked_uniform", [False, True])
@pytest.mark.parametrize("dropout", [False, True])
def test_attention_second_derivative_masked_and_dropped(all_masked_uniform, dropout):
    """A key mask with one query row masked everywhere, and a dropout on the weights."""
    keep = rng.random((2, 1, 3, 5)) > 0.4
    keep[0, 0, 1] = False
    dropped = rng.random((2, 2, 3, 5)) > 0.3 if dropout else None
    assert sampled_gradgradcheck(lambda q, k, v: P.attention(
        q, k, v, keep=keep, all_masked_uniform=all_masked_uniform, dropped=dropped,
        dropout_scale=1 / 0.7 if dropout else None), r(2, 3, 2, 4), r(2, 5, 2, 4),
        r(2, 5, 2, 3))


RECURRENCE_MASK = np.array([[True, False, True], [False, True, True]])


def _recurrence(cell, options):
    """(function of tensors, input arrays) of a recurrence over (2, 3, 3) inputs, 2 units,
    with ``options`` (``dropout``: None, "shared" (one recurrent mask) or "per gate"
    (recurrent and input masks for each gate))."""
    options = dict(options)
    gates = {"simple_rnn": 1, "lstm": 4, "gru": 3, "gru, reset_after=False": 3}[cell]
    dropout = options.pop("dropout")
    if dropout is not None:
        options["recurrent_dropout_mask"] = (rng.random(
            (2, 2) if dropout == "shared" else (gates, 2, 2)) > 0.3) / 0.7
    if dropout == "per gate":
        options["dropout_masks"] = (rng.random((gates, 2, 3)) > 0.3) / 0.7
    weights = [r(2, 3, 3), r(3, gates * 2), r(2, gates * 2), r(gates * 2)]
    if cell == "simple_rnn":
        return (lambda x, k, u, b, h: P.simple_rnn_recurrence(x, k, u, b, h, **options),
                weights + [r(2, 2)])
    if cell == "lstm":
        return (lambda x, k, u, b, h, c: P.lstm_recurrence(x, k, u, b, h, c, **options),
                weights + [r(2, 2), r(2, 2)])
    if cell == "gru":
        return (lambda x, k, u, b, rb, h: P.gru_recurrence(x, k, u, b, rb, h, **options),
                weights + [r(6), r(2, 2)])
    return (lambda x, k, u, b, h: P.gru_recurrence(x, k, u, b, None, h, reset_after=False,
                                                   **options), weights + [r(2, 2)])


@pytest.mark.parametrize("cell, options", [
    ("simple_rnn", dict(activation="relu", go_backwards=True, dropout="shared")),
    ("simple_rnn", dict(activation="linear", mask=RECURRENCE_MASK, return_sequences=False,
                        dropout=None)),
    ("lstm", dict(go_backwards=True, mask=RECURRENCE_MASK, dropout="shared")),
    ("lstm", dict(return_sequences=False, dropout="per gate")),
    ("gru", dict(mask=RECURRENCE_MASK, dropout="per gate")),
    ("gru", dict(go_backwards=True, return_sequences=False, dropout="shared")),
    ("gru, reset_after=False", dict(mask=RECURRENCE_MASK, go_backwards=True, dropout="per gate")),
    ("gru, reset_after=False", dict(dropout=None)),
])
def test_recurrence_second_derivative_with_each_option(cell, options):
    """Masks, backwards runs, the last output only, recurrent and per-gate dropout: the
    per-step formula the vjp records must be the fused recurrence's (its recorded first
    gradient equals the fused backward's) and its own gradient match finite differences."""
    fn, inputs = _recurrence(cell, options)
    assert sampled_gradgradcheck(fn, *inputs)


@pytest.mark.parametrize("axes, inverse", [((-1,), False), ((-1,), True), ((1, 2), True)])
def test_fft_pair_second_derivative(axes, inverse):
    assert sampled_gradgradcheck(curved(lambda a, b: P.fft_pair(a, b, axes, inverse)), r(2, 3, 4),
                         r(2, 3, 4))


@pytest.mark.parametrize("n", [None, 3, 6, 9])
def test_rfft_pair_and_irfft_second_derivative_each_length(n):
    """Cut and zero-padded signals, even and odd lengths."""
    assert sampled_gradgradcheck(curved(lambda x: P.rfft_pair(x, n)), r(2, 6))
    assert sampled_gradgradcheck(curved(lambda a, b: P.irfft(a, b, n)), r(2, 4), r(2, 4))


@pytest.mark.parametrize("lower", [True, False])
def test_triangular_solve_second_derivative(lower):
    """Only A's triangle is read, and only it gets a gradient, to every order."""
    assert sampled_gradgradcheck(lambda a, b: P.solve(a, b, lower=lower), well_conditioned(2, 3, 3),
                         r(2, 3, 2))


def test_singular_values_of_a_wide_matrix_second_derivative():
    assert sampled_gradgradcheck(P.singular_values,
                                 r(3, 4) + np.eye(3, 4) * np.array([[4.0], [2.0], [1.0]]))


@pytest.mark.parametrize("activation", [None, "relu", "tanh"])
def test_conv_second_derivative_without_a_bias(activation):
    assert sampled_gradgradcheck(curved(lambda x, w: P.conv(x, w, strides=2, padding="same",
                                                    activation=activation)),
                         away_from_zero(2, 5, 4, 2), r(3, 3, 2, 2))


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_dense_second_derivative_with_fused_activation(activation):
    assert sampled_gradgradcheck(curved(lambda x, w, b: P.dense(x, w, b, activation=activation)),
                         away_from_zero(4, 3), r(3, 5), r(5))
    assert sampled_gradgradcheck(curved(lambda x, w: P.dense(x, w, activation=activation)),
                         away_from_zero(2, 4, 3), r(3, 5))


@pytest.mark.parametrize("a, b", [(r(4), r(4, 3)), (r(2, 4), r(4)), (r(4), r(4)),
                                  (r(3, 2, 4), r(1, 4, 2))])
def test_matmul_second_derivative_vectors_and_broadcast_stacks(a, b):
    assert sampled_gradgradcheck(curved(P.matmul), a, b)


def test_every_vjp_is_checked_by_a_case():
    """Each Function class that defines a vjp appears in the graph of some case."""
    with_vjp = {name for module in VJP_MODULES for name, cls in vars(module).items()
                if isinstance(cls, type) and issubclass(cls, Function)
                and cls.__module__ == module.__name__ and not name.startswith("_")
                and cls.vjp is not Function.vjp}
    assert len(with_vjp) > 50
    seen = set()
    for fn, inputs in CASES.values():
        stack = [fn(*[Tensor(a, requires_grad=a.dtype.kind == "f") for a in inputs])]
        while stack:
            creator = stack.pop().creator
            if creator is not None:
                seen.add(type(creator).__name__)
                stack.extend(creator.inputs)
    assert with_vjp - seen == set()


def test_gradgradcheck_detects_a_wrong_second_derivative():
    class WrongTanh(elementwise.Tanh):
        def vjp(self, gy):
            return (gy * (1 - self.inputs[0] * self.inputs[0]),)  # 1 - x^2, not 1 - tanh^2

    with pytest.raises(AssertionError, match="differs from the plain one"):
        gradgradcheck(lambda x: WrongTanh()(x), r(3))


def test_gradgradcheck_detects_a_wrong_gradient_of_a_linear_primitive():
    class WrongTranspose(shape.Transpose):
        def vjp(self, gy):
            return (P.transpose(gy, self.axes),)  # the permutation, not its inverse

    with pytest.raises(AssertionError, match="differs from the plain one"):
        gradgradcheck(lambda x: WrongTranspose((1, 2, 0))(x), r(2, 3, 4))


def test_gradgradcheck_cache_reuses_the_finite_differences_of_the_same_inputs_only():
    calls = []

    def fn(x):
        calls.append(1)
        return P.tanh(x)

    x, cache = r(2, 3), {}
    assert gradgradcheck(fn, x, cache=cache)
    first = len(calls)
    assert gradgradcheck(fn, x, cache=cache)   # only the autodiff side runs again
    assert len(calls) - first == 4              # shape, recorded and plain first, analytic
    assert first - 4 == 2 * x.size              # two evaluations a probe
    assert gradgradcheck(fn, x, order=3, cache=cache)  # another order: its own
    assert len(calls) - first - 4 == 4 + 2 * x.size

    class WrongTanh(elementwise.Tanh):
        def vjp(self, gy):  # the right values, but its own gradient is wrong
            (x,) = self.inputs
            return (gy * (1 - P.tanh(x) * P.tanh(x)) + 0.1 * (x - x.data),)

    with pytest.raises(AssertionError, match="Order-2 gradient mismatch for input 0"):
        gradgradcheck(lambda x: WrongTanh()(x), x, cache=cache)
    with pytest.raises(ValueError, match="gradgradcheck's `cache` holds the finite "
                                         "differences of other inputs"):
        gradgradcheck(fn, x + 1.0, cache=cache)


def test_gradgradcheck_order_below_two_is_an_error():
    with pytest.raises(ValueError, match="order 2 or more.*Received order=1"):
        gradgradcheck(P.tanh, r(3), order=1)


def test_recorded_gradients_are_tensors_of_the_plain_values():
    x, w = Tensor(r(3, 4), requires_grad=True), Tensor(r(4, 2), requires_grad=True)
    loss = P.sum(P.tanh(P.matmul(x, w)))
    recorded = grad(loss, [x, w], create_graph=True)
    plain = grad(P.sum(P.tanh(P.matmul(x, w))), [x, w])
    for got, expected in zip(recorded, plain):
        assert isinstance(got, Tensor) and got.requires_grad
        assert isinstance(expected, np.ndarray)
        np.testing.assert_allclose(got.data, expected, rtol=1e-14)


def test_plain_grad_frees_the_graph_and_create_graph_keeps_it():
    x = Tensor(np.array(2.0), requires_grad=True)
    y = x * x
    grad(y, [x], create_graph=True)
    assert y.creator is not None and y.creator.inputs
    grad(y, [x])
    assert y.creator is FREED


def test_a_gradient_for_a_computed_tensor_records_through_what_follows_it():
    """The gradient penalty's shape: the critic's gradient for images a generator made,
    squared, differentiated for the critic's weights. The recorded walk stays between the
    critic's output and those images (the generator's custom gradient, which has no vjp,
    is not walked)."""
    z, w = Tensor(r(2, 3, low=-0.9, high=0.9), requires_grad=True), \
        Tensor(r(3, 3), requires_grad=True)
    made = P.custom_gradient_call(lambda v: (P.tanh(v), lambda g: g), z)
    critic = Tensor(r(3, 1), requires_grad=True)
    score = P.sum(P.tanh(P.matmul(P.matmul(made, w), critic)))
    (for_made,) = grad(score, [made], create_graph=True)
    got = grad(P.sum(P.square(for_made)), [critic])[0]

    def penalty(c):  # the same penalty for a critic's weights c, made a leaf
        images = Tensor(made.data, requires_grad=True)
        out = P.sum(P.tanh(P.matmul(P.matmul(images, w.data), c)))
        return float(np.sum(grad(out, [images])[0] ** 2))

    np.testing.assert_allclose(got, numerical_grad(penalty, [critic.data.copy()], 0),
                               rtol=1e-6, atol=1e-9)


def test_create_graph_records_inside_no_grad():
    x = Tensor(np.array(3.0), requires_grad=True)
    y = x * x * x
    with no_grad():
        (first,) = grad(y, [x], create_graph=True)
    assert first.requires_grad and grad(first, [x])[0] == 18.0


def test_an_unreached_input_gets_none_or_zeros_that_record_nothing():
    x, other = Tensor(r(2), requires_grad=True), Tensor(r(3), requires_grad=True)
    assert grad(P.sum(P.square(x)), [x, other], create_graph=True)[1] is None
    got = grad(P.sum(P.square(x)), [x, other], create_graph=True,
               unconnected_gradients="zero")[1]
    assert isinstance(got, Tensor) and not got.requires_grad
    np.testing.assert_array_equal(got.data, np.zeros(3))


def test_a_primitive_without_a_vjp_is_named():
    """A custom gradient's forward runs unrecorded: its grad_fn's closures are constants."""
    x = Tensor(r(2, 3), requires_grad=True)
    y = P.custom_gradient_call(lambda v: (P.square(v), lambda g: g * 2 * v), x)
    with pytest.raises(SecondOrderUnsupported,
                       match="second-order gradient of CustomGradient is not supported"):
        grad(P.sum(y), [x], create_graph=True)


def test_create_graph_with_out_arrays_is_an_error():
    x = Tensor(r(2), requires_grad=True)
    with pytest.raises(ValueError, match="cannot write into `out` arrays"):
        grad(P.sum(x), [x], out=[np.zeros(2)], create_graph=True)


# Every registered activation and a loss of each kind, squared (curved) where piecewise
# linear, at points away from their kinks: their second derivatives come from the primitives
# they are built of.
KINKED_AWAY = np.array([[-1.7, -0.6, 0.4, 1.3], [2.2, -2.4, 0.7, -0.35], [1.1, -1.2, 0.55, 3.1]])


ACTIVATION_ARGUMENTS = {"threshold": {"threshold": 0.5, "default_value": -1.0}}


@pytest.mark.parametrize("name", activations.ACTIVATIONS.names())
def test_every_activation_has_second_derivatives(name):
    kwargs = ACTIVATION_ARGUMENTS.get(name, {})
    assert sampled_gradgradcheck(curved(lambda x: activations.get(name)(x, **kwargs)), KINKED_AWAY)


@pytest.mark.parametrize("name", ["mean_squared_error", "mean_absolute_error", "huber",
                                  "log_cosh", "hinge", "binary_crossentropy",
                                  "categorical_crossentropy", "kl_divergence", "poisson"])
def test_losses_have_second_derivatives(name):
    labels = rng.random((3, 4))
    assert sampled_gradgradcheck(lambda p: losses.get(name)(labels, p),
                         np.abs(KINKED_AWAY) / 4 + 0.1, atol=1e-4)
