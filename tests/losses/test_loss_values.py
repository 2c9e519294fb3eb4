"""Keras parity of every loss and option: golden numbers from KERAS_REFERENCE.md 1.5 (real
Keras 3.15.1 outputs), the seeds' worked examples, and hand derivations."""
import itertools
import math

import numpy as np
import pytest

from minikeras import losses
from minikeras.autodiff import Tensor


def value(x):
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def close(actual, expected, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(value(actual), np.asarray(expected, dtype=np.float64),
                               rtol=rtol, atol=atol)


# The reference's examples.
Y_BIN, P_BIN = [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]
X_BIN = [[-18.6, 0.51], [2.94, -12.8]]
Y_CAT, P_CAT = [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
Y_REG = np.array([[1, 2], [3, 5]], np.float32)
P_REG = np.array([[1.5, 1], [2, 7]], np.float32)


# ---- seeds (000): cross-entropy of a one-hot label ------------------------------------

@pytest.mark.parametrize("probs, expected", [
    ([0.4, 0.3, 0.05, 0.05, 0.2], -math.log(0.4)),     # ~0.916
    ([0.98, 0.01, 0.0, 0.0, 0.01], -math.log(0.98)),   # ~0.02
])
def test_seed_crossentropy_examples(probs, expected):
    one_hot = [[1, 0, 0, 0, 0]]
    close(losses.categorical_crossentropy(one_hot, [probs]), [expected])
    close(losses.CategoricalCrossentropy()(one_hot, [probs]), expected)
    close(losses.sparse_categorical_crossentropy([0], [probs]), [expected])
    assert round(expected, 3) in (0.916, 0.02)


# ---- golden table -----------------------------------------------------------------------

@pytest.mark.parametrize("fn, expected", [
    (losses.mean_squared_error, [0.625, 2.5]),
    (losses.mean_absolute_error, [0.75, 1.5]),
    (losses.mean_absolute_percentage_error, [50.0, 36.666668]),
    (losses.mean_squared_logarithmic_error, [0.1070975, 0.082761]),
    (losses.log_cosh, [0.2769477, 0.8793918]),
    (losses.huber, [0.3125, 1.0]),
    (losses.poisson, [1.0472673, -1.4044964]),
    (losses.cosine_similarity, [-0.8682431, -0.9658428]),
])
def test_regression_golden(fn, expected):
    close(fn(Y_REG, P_REG), expected)


@pytest.mark.parametrize("cls, expected", [
    (losses.MeanSquaredError, [0.625, 2.5]),
    (losses.MeanAbsoluteError, [0.75, 1.5]),
    (losses.MeanAbsolutePercentageError, [50.0, 36.666668]),
    (losses.MeanSquaredLogarithmicError, [0.1070975, 0.082761]),
    (losses.LogCosh, [0.2769477, 0.8793918]),
    (losses.Huber, [0.3125, 1.0]),
    (losses.Poisson, [1.0472673, -1.4044964]),
    (losses.CosineSimilarity, [-0.8682431, -0.9658428]),
])
def test_regression_classes_golden(cls, expected):
    close(cls(reduction=None)(Y_REG, P_REG), expected)
    close(cls()(Y_REG, P_REG), np.mean(expected))
    close(cls(reduction="sum")(Y_REG, P_REG), np.sum(expected))


def test_huber_delta():
    close(losses.huber(Y_REG, P_REG, delta=0.5), [0.25, 0.625])
    close(losses.Huber(delta=0.5, reduction=None)(Y_REG, P_REG), [0.25, 0.625])


def test_binary_crossentropy_golden():
    close(losses.binary_crossentropy(Y_BIN, P_BIN), [0.9162908, 0.7135582])
    close(losses.BinaryCrossentropy()(Y_BIN, P_BIN), 0.8149245)
    close(losses.BinaryCrossentropy(reduction="sum")(Y_BIN, P_BIN), 1.629849)
    close(losses.BinaryCrossentropy()(Y_BIN, P_BIN, sample_weight=[1, 0]), 0.4581454)
    close(losses.BinaryCrossentropy(reduction="mean_with_sample_weight")(
        Y_BIN, P_BIN, sample_weight=[1, 0]), 0.9162908)
    close(losses.BinaryCrossentropy(label_smoothing=0.2)(Y_BIN, P_BIN), 0.7946512)
    close(losses.BinaryCrossentropy(from_logits=True)(Y_BIN, X_BIN), 0.865458)
    # by hand, softplus(-x) for y=1 and softplus(x) for y=0 (Keras docstring: [0.235, 1.496])
    softplus = lambda v: math.log1p(math.exp(v))  # noqa: E731
    close(losses.binary_crossentropy(Y_BIN, X_BIN, from_logits=True),
          [(softplus(-18.6) + softplus(-0.51)) / 2, (softplus(2.94) + softplus(-12.8)) / 2])


def test_binary_crossentropy_axis():
    # mean over axis 0 instead of -1: columns [0,0]/[.6,.4] and [1,0]/[.4,.6]
    col0 = -(math.log(0.4) + math.log(0.6)) / 2
    col1 = -(math.log(0.4) + math.log(0.4)) / 2
    close(losses.binary_crossentropy(Y_BIN, P_BIN, axis=0), [col0, col1])


def test_binary_crossentropy_clipping_constants_float32():
    # float32: p clipped to [1e-7, 0.99999988] -> 16.1181 (y=1, p=0) and 15.9424 (y=0, p=1)
    out = losses.BinaryCrossentropy(reduction=None)([[1.0], [0.0]], [[0.0], [1.0]])
    close(out, [16.1181, 15.9424], rtol=1e-4)


def test_categorical_crossentropy_golden():
    close(losses.categorical_crossentropy(Y_CAT, P_CAT), [0.0512933, 2.3025851])
    close(losses.CategoricalCrossentropy()(Y_CAT, P_CAT), 1.1769392)
    close(losses.CategoricalCrossentropy(label_smoothing=0.1)(Y_CAT, P_CAT), 1.4591359)
    close(losses.CategoricalCrossentropy(reduction="sum")(Y_CAT, P_CAT), 2.354, rtol=1e-3)
    close(losses.CategoricalCrossentropy()(Y_CAT, P_CAT, sample_weight=[0.3, 0.7]), 0.814,
          rtol=1e-3)


def test_categorical_crossentropy_renormalises_probabilities():
    close(losses.categorical_crossentropy([[0, 1]], [[1, 3]]), [-math.log(0.75)])


def test_categorical_crossentropy_from_logits_and_axis():
    logits = np.array([[1.0, 2.0, 3.0]])
    expected = -(3.0 - math.log(math.exp(1) + math.exp(2) + math.exp(3)))
    close(losses.categorical_crossentropy([[0, 0, 1]], logits, from_logits=True), [expected])
    close(losses.CategoricalCrossentropy(from_logits=True, axis=0)(
        np.array([[0.0], [0.0], [1.0]]), logits.T), expected)


def test_sparse_categorical_crossentropy_golden():
    close(losses.sparse_categorical_crossentropy([1, 2], P_CAT), [0.0512933, 2.3025851])
    close(losses.SparseCategoricalCrossentropy()([1, 2], P_CAT), 1.1769392)
    close(losses.SparseCategoricalCrossentropy()([[1], [2]], P_CAT), 1.1769392)
    close(losses.SparseCategoricalCrossentropy(ignore_class=2)([1, 2], P_CAT), 0.0512933)
    close(losses.SparseCategoricalCrossentropy(from_logits=True)([1, 2], [[1, 2, 3]] * 2),
          0.9076059)


def test_sparse_ignore_class_values_and_void_label():
    out = losses.sparse_categorical_crossentropy([1, 255], P_CAT, ignore_class=255)
    close(out, [-math.log(0.95), 0.0])
    assert value(losses.get_loss_mask(out)).tolist() == [True, False]
    close(losses.SparseCategoricalCrossentropy(ignore_class=-1, reduction="sum")(
        [-1, 2], P_CAT), -math.log(0.1))


def test_loss_mask_lives_on_the_tensor_under_keras_name():
    out = losses.sparse_categorical_crossentropy([1, 255], P_CAT, ignore_class=255)
    assert out.mask is out._keras_mask
    assert out.mask.tolist() == [True, False]


def test_keras_mask_on_y_pred_leaves_entries_out_of_the_average():
    # squared errors 1 and 9; with the second masked out the mean is over the first only
    y_pred = Tensor(np.array([[1.0], [3.0]], np.float32))
    y_pred._keras_mask = np.array([True, False])
    close(losses.MeanSquaredError()(np.zeros((2, 1), np.float32), y_pred), 1.0)
    y_pred._keras_mask = None
    close(losses.MeanSquaredError()(np.zeros((2, 1), np.float32), y_pred), 5.0)


def test_sparse_axis_and_segmentation_shapes():
    probs = np.array(P_CAT, np.float32)                   # (2, 3)
    close(losses.sparse_categorical_crossentropy([1, 2], probs.T, axis=0),
          [-math.log(0.95), -math.log(0.1)])
    images = np.stack([probs, probs])                     # (2, 2, 3): per-pixel classes
    out = losses.SparseCategoricalCrossentropy(reduction=None)([[1, 2], [1, 2]], images)
    close(out, [[-math.log(0.95), -math.log(0.1)]] * 2)


def test_binary_focal_golden():
    close(losses.BinaryFocalCrossentropy(gamma=2)(Y_BIN, P_BIN), 0.2678315)
    close(losses.BinaryFocalCrossentropy(gamma=2, apply_class_balancing=True)(Y_BIN, P_BIN),
          0.1596406)
    close(losses.binary_focal_crossentropy(Y_BIN, P_BIN, gamma=2), [0.330, 0.206], rtol=3e-3)


def test_binary_focal_from_logits_and_gamma_zero():
    # Keras docstring examples (from_logits): 0.691 (gamma=2), 0.51 balanced
    x, y = [-18.6, 0.51, 2.94, -12.8], [0, 1, 0, 0]
    close(losses.BinaryFocalCrossentropy(gamma=2, from_logits=True)(y, x), 0.691, rtol=2e-3)
    close(losses.BinaryFocalCrossentropy(gamma=2, from_logits=True,
                                         apply_class_balancing=True)(y, x), 0.51, rtol=1e-2)
    # gamma=0 is plain BCE; label smoothing as in BCE
    close(losses.BinaryFocalCrossentropy(gamma=0, label_smoothing=0.2)(Y_BIN, P_BIN), 0.7946512)


def test_categorical_focal_golden():
    close(losses.CategoricalFocalCrossentropy()(Y_CAT, P_CAT), 0.2331528)
    close(losses.CategoricalFocalCrossentropy(reduction=None)(Y_CAT, P_CAT),
          [3.2058331e-05, 4.6627346e-01])
    # alpha per class: only the true class's alpha matters for one-hot targets
    out = losses.categorical_focal_crossentropy(Y_CAT, P_CAT, alpha=[1.0, 0.5, 2.0], gamma=0.0)
    close(out, [0.5 * -math.log(0.95), 2.0 * -math.log(0.1)])
    logits = np.log(np.array([[0.2, 0.3, 0.5]]))
    close(losses.categorical_focal_crossentropy([[0, 0, 1]], logits, from_logits=True),
          [0.25 * 0.5 ** 2 * -math.log(0.5)])
    smoothed = [0.1 / 3, 0.1 / 3, 0.9 + 0.1 / 3]
    expected = sum(0.25 * (1 - p) ** 2 * -y * math.log(p) for y, p in zip(smoothed,
                                                                          [0.2, 0.3, 0.5]))
    close(losses.categorical_focal_crossentropy([[0, 0, 1]], [[0.2, 0.3, 0.5]],
                                                label_smoothing=0.1), [expected])


def test_kl_divergence_and_poisson():
    close(losses.KLDivergence()([[0, 1]], [[0.5, 0.5]]), 0.6931456)
    close(losses.kl_divergence([[0.5, 0.5]], [[0.25, 0.75]]),
          [0.5 * math.log(2) + 0.5 * math.log(0.5 / 0.75)])
    close(losses.poisson([[2.0]], [[1.0]]), [1.0 - 2.0 * math.log(1.0 + 1e-7)])


def test_negative_values_follow_keras_clipping():
    # msle and kld replace values below eps by eps; poisson's log(p + eps) gives NaN below -eps
    close(losses.mean_squared_logarithmic_error([[-3.0]], [[2.0]]),
          [(math.log(3.0) - math.log(1 + 1e-7)) ** 2], rtol=1e-6)
    close(losses.kl_divergence([[-1.0, 1.0]], [[0.5, -2.0]]),
          [1e-7 * math.log(1e-7 / 0.5) + math.log(1 / 1e-7)], rtol=1e-6)
    with np.errstate(invalid="ignore"):
        assert np.isnan(value(losses.poisson([[1.0]], [[-1.0]]))).all()


def test_mape_zero_target_is_huge_not_inf():
    close(losses.mean_absolute_percentage_error([[0.0]], [[1.0]]), [1e9], rtol=1e-6)


@pytest.mark.parametrize("fn", [losses.hinge, losses.squared_hinge])
def test_hinge_label_mapping(fn):
    power = 1 if fn is losses.hinge else 2
    # 0/1 labels are mapped to -1/+1: [0,1] with [.3,.8] -> max(1+.3,0), max(1-.8,0)
    close(fn([[0, 1]], [[0.3, 0.8]]), [(1.3 ** power + 0.2 ** power) / 2])
    # already signed labels are used as they are
    close(fn([[-1, 1]], [[0.3, 0.8]]), [(1.3 ** power + 0.2 ** power) / 2])
    # labels not all in {0, 1} are not mapped: y=2 -> max(1-2*.8,0)=0, y=0 -> 1
    close(fn([[2, 0]], [[0.8, 0.5]]), [(0.0 + 1.0) / 2])


def test_hinge_golden_and_categorical_hinge():
    close(losses.Hinge()([[0, 1]], [[0.3, 0.8]]), 0.75)
    # pos = .6, neg = max(.3, .1) -> 1 + .3 - .6 = .7 ; second row pos=.9 neg=.05 -> .15
    close(losses.categorical_hinge([[0, 1, 0], [1, 0, 0]], [[0.3, 0.6, 0.1], [0.9, 0.05, 0.05]]),
          [0.7, 0.15])


def test_dice_and_tversky():
    close(losses.Dice()(Y_BIN, P_BIN), 0.7333333)
    close(losses.Tversky(alpha=0.3, beta=0.7)(Y_BIN, P_BIN), 0.7647059)
    close(losses.tversky(Y_BIN, P_BIN), 0.7333333)  # alpha = beta = 0.5 is Dice
    # Keras docstring example with axis=(1, 2, 3)
    y = [[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]]
    p = [[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]]
    close(losses.dice(y, p, axis=(1, 2, 3)), [0.5, 0.75757575])
    close(losses.dice(y, p), 0.6164384)
    close(losses.Dice(axis=(1, 2, 3), reduction=None)(y, p), [0.5, 0.75757575])


def test_generalized_cross_entropy():
    p = [[0.7, 0.3], [0.2, 0.8]]
    close(losses.categorical_generalized_cross_entropy([0, 1], p, q=0.5),
          [(1 - 0.7 ** 0.5) / 0.5, (1 - 0.8 ** 0.5) / 0.5])
    close(losses.CategoricalGeneralizedCrossEntropy(q=0.1)([[0], [1]], p),
          ((1 - 0.7 ** 0.1) + (1 - 0.8 ** 0.1)) / 0.1 / 2)


def test_circle_hand_derived():
    # unit vectors a=[1,0], b=[.6,.8], c=[.8,-.6]; labels a,b: 0 and c: 1.
    # distances: ab .4, ac .2, bc 1.  Row a: pos score 0, neg score 80*1.2*.4 = 38.4;
    # row b: pos score 0, neg score 80*.4*(-.4) = -12.8; row c has no positive -> 0, masked.
    emb = np.array([[1.0, 0.0], [0.6, 0.8], [0.8, -0.6]])
    expected = [math.log1p(math.exp(38.4)), math.log1p(math.exp(-12.8)), 0.0]
    close(losses.circle([0, 0, 1], emb), expected, rtol=1e-6, atol=1e-9)
    close(losses.Circle(reduction=None)([0, 0, 1], emb), expected, rtol=1e-6, atol=1e-9)
    close(losses.Circle()([0, 0, 1], emb), (expected[0] + expected[1]) / 2, rtol=1e-6)
    close(losses.Circle(reduction="sum")([0, 0, 1], emb), sum(expected), rtol=1e-6)
    # gamma=1, margin=0.4: row a -> softplus(0.48); row b -> softplus(-0.16)
    close(losses.circle([0, 0, 1], emb, gamma=1.0),
          [math.log1p(math.exp(0.48)), math.log1p(math.exp(-0.16)), 0.0], rtol=1e-6)


def _ctc_brute_force(labels, logits):
    """-log of the summed probability of every frame path that collapses to ``labels``."""
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    frames, classes = probs.shape
    total = 0.0
    for path in itertools.product(range(classes), repeat=frames):
        collapsed = [c for i, c in enumerate(path) if c != 0 and (i == 0 or c != path[i - 1])]
        if collapsed == list(labels):
            total += np.prod([probs[t, c] for t, c in enumerate(path)])
    return -math.log(total)


def test_ctc_against_enumerated_alignments():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((3, 4, 3))
    labels = np.array([[1, 2], [1, 1], [2, 0]])  # 0 pads the last sequence
    expected = [_ctc_brute_force([1, 2], logits[0]), _ctc_brute_force([1, 1], logits[1]),
                _ctc_brute_force([2], logits[2])]
    close(losses.ctc(labels, logits), expected, rtol=1e-10)
    close(losses.CTC()(labels, logits), np.mean(expected), rtol=1e-5)


def test_ctc_matches_keras_on_its_own_correctness_case():
    # Keras's CTCTest.test_correctness expects 2.448645; per sample (Keras 3.15.1, torch)
    # [2.4429314, 2.4543595]. Row [1, 2, 0, 2] has label length 3 (non-zero entries), so
    # its label is its first 3 entries [1, 2, 0]: the 0 there sits at a label position.
    logits = (np.arange(24).reshape((2, 4, 3)).astype("float32") - 12) / 100
    labels = np.array([[1, 2, 1, 0], [1, 2, 0, 2]])
    close(losses.ctc(labels, logits), [2.4429314, 2.4543595], rtol=1e-5)
    close(losses.CTC()(labels, logits), 2.448645, rtol=1e-5)


def test_ctc_hand_case_and_impossible_alignment():
    # uniform frames over 2 classes, one frame, label [1]: P = 1/2
    close(losses.ctc([[1]], np.zeros((1, 1, 2))), [math.log(2)])
    # label [1, 1] needs a blank between: 3 frames at least; with 2 frames -> inf
    assert np.isinf(value(losses.ctc([[1, 1]], np.zeros((1, 2, 2))))).all()


# ---- every registered name (aliases, Keras 2 names, classes) against an expected number -

CTC_LABELS = np.array([[1, 2]])
CTC_LOGITS = np.log(np.array([[[0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]]]))
# by hand: alignments of [1, 2] in 3 frames: 0 1 2, 1 0 2, 1 1 2, 1 2 2, 1 2 0
CTC_EXPECTED = -math.log(0.5 * 0.6 * 0.6 + 0.3 * 0.1 * 0.6 + 0.3 * 0.6 * 0.6
                         + 0.3 * 0.3 * 0.6 + 0.3 * 0.3 * 0.2)
EMB = np.array([[1.0, 0.0], [0.6, 0.8], [0.8, -0.6]])
CIRCLE = [math.log1p(math.exp(38.4)), math.log1p(math.exp(-12.8)), 0.0]

# function name -> (y_true, y_pred, per-sample values, value of the default class instance)
BY_FUNCTION = {
    "mean_squared_error": (Y_REG, P_REG, [0.625, 2.5], None),
    "mean_absolute_error": (Y_REG, P_REG, [0.75, 1.5], None),
    "mean_absolute_percentage_error": (Y_REG, P_REG, [50.0, 36.666668], None),
    "mean_squared_logarithmic_error": (Y_REG, P_REG, [0.1070975, 0.082761], None),
    "log_cosh": (Y_REG, P_REG, [0.2769477, 0.8793918], None),
    "huber": (Y_REG, P_REG, [0.3125, 1.0], None),
    "poisson": (Y_REG, P_REG, [1.0472673, -1.4044964], None),
    "cosine_similarity": (Y_REG, P_REG, [-0.8682431, -0.9658428], None),
    "kl_divergence": ([[0, 1]], [[0.5, 0.5]], [0.6931456], None),
    "hinge": ([[0, 1]], [[0.3, 0.8]], [0.75], None),
    "squared_hinge": ([[0, 1]], [[0.3, 0.8]], [(1.3 ** 2 + 0.2 ** 2) / 2], None),
    "categorical_hinge": ([[0, 1, 0]], [[0.3, 0.6, 0.1]], [0.7], None),
    "binary_crossentropy": (Y_BIN, P_BIN, [0.9162908, 0.7135582], None),
    "binary_focal_crossentropy": (Y_BIN, P_BIN, [0.330, 0.206], 0.2678315),
    "categorical_crossentropy": (Y_CAT, P_CAT, [0.0512933, 2.3025851], None),
    "categorical_focal_crossentropy": (Y_CAT, P_CAT, [3.2058331e-05, 4.6627346e-01], None),
    "sparse_categorical_crossentropy": ([1, 2], P_CAT, [0.0512933, 2.3025851], None),
    "categorical_generalized_cross_entropy": ([0], [[0.64, 0.36]], [(1 - 0.8) / 0.5], None),
    "dice": (Y_BIN, P_BIN, 0.7333333, None),
    "tversky": (Y_BIN, P_BIN, 0.7333333, None),
    "circle": ([0, 0, 1], EMB, CIRCLE, (CIRCLE[0] + CIRCLE[1]) / 2),
    "ctc": (CTC_LABELS, CTC_LOGITS, [CTC_EXPECTED], None),
}
NAMED = sorted(n for n, obj in losses.LOSSES.items()
               if obj not in (losses.Loss, losses.LossFunctionWrapper))


def test_every_registered_name_has_an_expected_number():
    functions = {(obj().fn if isinstance(obj, type) else obj).__name__
                 for obj in map(losses.LOSSES.lookup, NAMED)}
    assert functions == set(BY_FUNCTION)


@pytest.mark.parametrize("name", NAMED)
def test_expected_number_by_name(name):
    resolved = losses.get(name)
    if isinstance(resolved, losses.Loss):
        y, p, per_sample, mean = BY_FUNCTION[resolved.fn.__name__]
        expected = np.mean(per_sample) if mean is None else mean
        close(resolved(y, p), expected, rtol=3e-3 if name == "BinaryFocalCrossentropy" else 1e-5)
    else:
        y, p, per_sample, _ = BY_FUNCTION[resolved.__name__]
        rtol = 3e-3 if name == "binary_focal_crossentropy" else 1e-5
        close(resolved(y, p), per_sample, rtol=rtol, atol=1e-7)


# ---- remaining options -------------------------------------------------------------------

def test_cosine_similarity_axis():
    y, p = [[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0], [0.0, 1.0]]
    # columns: [1,0].[1,0] -> 1 ; [0,1].[1,1] -> 1/sqrt(2)
    close(losses.cosine_similarity(y, p, axis=0), [-1.0, -1 / math.sqrt(2)])
    close(losses.CosineSimilarity(axis=0)(y, p), (-1.0 - 1 / math.sqrt(2)) / 2)
    close(losses.cosine_similarity([[0.0, 0.0]], [[1.0, 2.0]]), [0.0])  # zero vector


def test_tversky_axis_and_options():
    y = [[1.0, 0.0], [1.0, 1.0]]
    p = [[0.5, 0.5], [1.0, 0.0]]
    # row 1: TP .5, FP (1-.5)*1 = .5, FN .5*1 = .5 ; row 2: TP 1, FP 1, FN 0
    close(losses.tversky(y, p, alpha=0.2, beta=0.8, axis=1),
          [1 - 0.5 / (0.5 + 0.1 + 0.4 + 1e-7), 1 - 1 / (1 + 0.2 + 1e-7)])
    close(losses.Tversky(alpha=0.2, beta=0.8, axis=1, reduction="sum")(y, p),
          2 - 0.5 / 1.0 - 1 / 1.2)


def test_binary_focal_alpha_and_axis():
    y, p = [[1.0, 0.0]], [[0.8, 0.4]]
    # p_t = .8, .6 ; focal factors .04, .16 ; weights alpha=.6 for class 1, .4 for class 0
    expected = (0.6 * 0.04 * -math.log(0.8) + 0.4 * 0.16 * -math.log(0.6)) / 2
    close(losses.binary_focal_crossentropy(y, p, apply_class_balancing=True, alpha=0.6),
          [expected])
    close(losses.binary_focal_crossentropy(np.transpose(y), np.transpose(p), axis=0,
                                           apply_class_balancing=True, alpha=0.6), [expected])


def test_categorical_focal_axis():
    y, p = np.array([[0.0, 1.0]]), np.array([[0.25, 0.75]])
    expected = 0.25 * 0.25 ** 2 * -math.log(0.75)
    close(losses.categorical_focal_crossentropy(y.T, p.T, axis=0), [expected])


def test_circle_margin_and_remove_diagonal():
    # margin .2, gamma 1: row a -> pos .6 * .2 = .12, neg 1.0 * .6 = .6 ; row b -> .12, -.04
    close(losses.circle([0, 0, 1], EMB, gamma=1.0, margin=0.2),
          [math.log1p(math.exp(0.72)), math.log1p(math.exp(0.08)), 0.0], rtol=1e-6)
    # keeping the diagonal adds a self-pair at distance 0 with score -80 * .4 * .4 = -12.8
    lse = lambda *v: math.log(sum(math.exp(x) for x in v))  # noqa: E731
    softplus = lambda v: math.log1p(math.exp(v))  # noqa: E731
    close(losses.Circle(remove_diagonal=False, reduction=None)([0, 0, 1], EMB),
          [softplus(lse(-12.8, 0.0) + 38.4), softplus(lse(-12.8, 0.0) - 12.8),
           softplus(-12.8 + lse(38.4, -12.8))], rtol=1e-5)
