"""One row per registered metric class: hand-derived values, unweighted and weighted.

Every row is also used for: accumulation over two updates == one update on the
concatenation, reset_state, and the config round trip. A registered class with
no row fails ``test_every_registered_metric_has_a_value_row``.
"""
import json

import numpy as np
import pytest

from minikeras import metrics
from minikeras.registry import register_keras_serializable


@register_keras_serializable("metrics_tests")
def abs_error(y_true, y_pred):
    return np.abs(np.asarray(y_true, "float32") - np.asarray(y_pred, "float32"))


# Shared inputs ---------------------------------------------------------------------------
# Regression: y=[[1,2],[3,5]], p=[[1.5,1],[2,7]]; per-sample losses are the golden values of
# KERAS_REFERENCE 1.5 (mse [0.625, 2.5], mae [0.75, 1.5], mape [50, 36.666668],
# msle [0.1070975, 0.082761], log_cosh [0.2769477, 0.8793918], poisson [1.0472673, -1.4044964]).
# With weights [1, 3] the metric is (v0 + 3·v1) / 4.
REG_T, REG_P, REG_W = [[1., 2.], [3., 5.]], [[1.5, 1.], [2., 7.]], [1., 3.]
# Binary: BCE golden per sample [0.9162908, 0.7135582] (reference 1.5).
BIN_T, BIN_P = [[0., 1.], [0., 0.]], [[0.6, 0.4], [0.4, 0.6]]
# Categorical: CCE golden per sample [0.0512933, 2.3025851] (reference 1.5).
CAT_T, CAT_P = [[0., 1., 0.], [0., 0., 1.]], [[0.05, 0.95, 0.], [0.1, 0.8, 0.1]]
# Confusion: labels / scores used by several threshold metrics.
CONF_T, CONF_P = [0, 1, 1, 1], [1., 0., 1., 1.]
SENS_T, SENS_P = [0, 0, 0, 1, 1], [0., 0.3, 0.8, 0.3, 0.8]
# F-score: binarised at 0.5 the predictions are [[0,1,1],[0,1,1],[1,1,0]], giving per class
# TP/FP/FN = (1,0,2), (2,1,0), (1,1,0): precision (1, 2/3, 1/2), recall (1/3, 1, 1).
F_T = [[1., 1., 1.], [1., 0., 0.], [1., 1., 0.]]
F_P = [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]
# Hinge: labels {0,1} -> {-1,+1}. Sample 0: margins 1.3, 0.2; sample 1 (p=[.6,-.4]): 0.4, 0.6.
H_T, H_P = [[0., 1.], [1., 0.]], [[0.3, 0.8], [0.6, -0.4]]
# Correlation: sample 0 has y_pred = 0.8·y_true + 0.1 exactly; sample 1 is hand-computed.
C_T, C_P = [[0., 1., 0.5], [1., 1., 0.2]], [[0.1, 0.9, 0.5], [1., 0.9, 0.2]]
# One-hot IoU (Keras OneHotIoU docstring inputs).
ONEHOT_T = [[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]]
ONEHOT_P = [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]]

# (id, factory, y_true, y_pred, sample_weight, expected unweighted, expected weighted, atol)
CASES = [
    # values [1,3,5,7]: mean 4; weights [1,1,0,0]: (1+3)/2 = 2
    ("Mean", metrics.Mean, None, [1., 3., 5., 7.], [1., 1., 0., 0.], 4.0, 2.0, 1e-6),
    # sum 16; weighted 1+3 = 4
    ("Sum", metrics.Sum, None, [1., 3., 5., 7.], [1., 1., 0., 0.], 16.0, 4.0, 1e-6),
    # |y-p| = [[0,1],[2,3]], per sample [0.5, 2.5] -> 1.5; weights [1,3]: (0.5 + 7.5)/4 = 2
    ("MeanMetricWrapper", lambda: metrics.MeanMetricWrapper(abs_error),
     [[1., 2.], [3., 4.]], [[1., 1.], [1., 1.]], [1., 3.], 1.5, 2.0, 1e-6),
    # matches [0,1,1,1] -> 0.75; weights [1,1,0,0] -> 1/2
    ("Accuracy", metrics.Accuracy, [[1], [2], [3], [4]], [[0], [2], [3], [4]],
     [1., 1., 0., 0.], 0.75, 0.5, 1e-6),
    # y_pred > 0.5: [1,1,0,1] vs [1,1,0,0] -> 0.75; weights [1,0,0,1] -> (1+0)/2
    ("BinaryAccuracy", metrics.BinaryAccuracy, [[1], [1], [0], [0]],
     [[0.98], [1.], [0.], [0.6]], [1., 0., 0., 1.], 0.75, 0.5, 1e-6),
    # argmax true [2,1], pred [1,1] -> [0,1]: 0.5; weights [.7,.3] -> 0.3
    ("CategoricalAccuracy", metrics.CategoricalAccuracy, [[0, 0, 1], [0, 1, 0]],
     [[0.1, 0.9, 0.8], [0.05, 0.95, 0.]], [0.7, 0.3], 0.5, 0.3, 1e-6),
    ("SparseCategoricalAccuracy", metrics.SparseCategoricalAccuracy, [[2], [1]],
     [[0.1, 0.6, 0.3], [0.05, 0.95, 0.]], [0.7, 0.3], 0.5, 0.3, 1e-6),
    # k=2: row 0's top two are classes 1 and 2 (label 2: hit); row 1's are 1 and 0, label 2
    # scores 0 < 0.05 (miss) -> 0.5; weights [.7,.3] -> .7
    ("TopKCategoricalAccuracy", lambda: metrics.TopKCategoricalAccuracy(k=2),
     [[0, 0, 1], [0, 0, 1]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0.]], [0.7, 0.3], 0.5, 0.7, 1e-6),
    ("SparseTopKCategoricalAccuracy", lambda: metrics.SparseTopKCategoricalAccuracy(k=1),
     [2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0.]], [0.7, 0.3], 0.5, 0.3, 1e-6),
    # predictions > 0.5: [1,0,1,1]; labels [0,1,1,1]: TP=2 (idx 2,3); weight only idx 2 -> 1
    ("TruePositives", metrics.TruePositives, CONF_T, CONF_P, [0., 0., 1., 0.], 2.0, 1.0, 1e-6),
    # FP: label 0 with pred 1 at idx 0 -> 1; weight only idx 2 -> 0
    ("FalsePositives", metrics.FalsePositives, CONF_T, CONF_P, [0., 0., 1., 0.], 1.0, 0.0, 1e-6),
    # TN: label 0 and pred <= .5 at idx 2, 3 -> 2; weight only idx 2 -> 1
    ("TrueNegatives", metrics.TrueNegatives, [0, 1, 0, 0], [1., 1., 0., 0.], [0., 0., 1., 0.],
     2.0, 1.0, 1e-6),
    # FN: label 1 with pred 0 at idx 1 -> 1; weight only idx 1 -> 1
    ("FalseNegatives", metrics.FalseNegatives, CONF_T, CONF_P, [0., 1., 0., 0.], 1.0, 1.0, 1e-6),
    # TP=2, FP=1 -> 2/3; weight on idx 2 only: TP=1, FP=0 -> 1
    ("Precision", metrics.Precision, CONF_T, CONF_P, [0., 0., 1., 0.], 2 / 3, 1.0, 1e-6),
    # TP=2, FN=1 -> 2/3; weight on idx 1 only: TP=0, FN=1 -> 0
    ("Recall", metrics.Recall, CONF_T, CONF_P, [0., 1., 0., 0.], 2 / 3, 0.0, 1e-6),
    # thresholds [-eps, .5, 1+eps]: tp=[2,1,0] fp=[2,0,0] fn=[0,1,2] tn=[0,2,2];
    # tpr=[1,.5,0], fpr=[1,0,0]: area = (1-0)(1+.5)/2 + 0 = 0.75.
    # weights [1,0,0,1] keep (0, neg) and (.9, pos): perfectly separated -> 1.0
    ("AUC", lambda: metrics.AUC(num_thresholds=3), [0, 0, 1, 1], [0., 0.5, 0.3, 0.9],
     [1., 0., 0., 1.], 0.75, 1.0, 1e-6),
    # t<.3: TP2 FP2 TN1 FN0 (spec 1/3); .3<=t<.8: TP1 FP1 TN2 FN1 (spec 2/3, sens .5);
    # t>=.8: sens 0. Weighted [1,1,2,2,1]: middle band TP1 FN2 FP2 TN2 -> spec .5, sens 1/3
    ("SensitivityAtSpecificity", lambda: metrics.SensitivityAtSpecificity(0.5), SENS_T, SENS_P,
     [1., 1., 2., 2., 1.], 0.5, 1 / 3, 1e-6),
    # sens >= .5 bands: t<.3 (spec 1/3), middle (spec 2/3) -> 2/3;
    # weighted [1,1,2,2,2]: t<.3 spec 1/4; middle TP2 FN2 FP2 TN2 -> spec .5
    ("SpecificityAtSensitivity", lambda: metrics.SpecificityAtSensitivity(0.5), SENS_T, SENS_P,
     [1., 1., 2., 2., 2.], 2 / 3, 0.5, 1e-6),
    # recall >= .5: t<.3 prec 2/4, middle prec 1/2 -> .5; weighted [2,2,2,1,1]:
    # t<.3 TP2 FP4 -> 1/3, middle TP1 FP2 -> 1/3
    ("PrecisionAtRecall", lambda: metrics.PrecisionAtRecall(0.5), SENS_T, SENS_P,
     [2., 2., 2., 1., 1.], 0.5, 1 / 3, 1e-6),
    # precision >= .8 only for .5<=t<.9 (TP1 FP0): recall 1/2; weighted [1,0,0,1]: t<.3
    # has TP1 FP0 FN0 -> recall 1
    ("RecallAtPrecision", lambda: metrics.RecallAtPrecision(0.8), [0, 0, 1, 1],
     [0., 0.5, 0.3, 0.9], [1., 0., 0., 1.], 0.5, 1.0, 1e-6),
    # per class F1 = 2PR/(P+R): (1·1/3)·2/(4/3) = .5, (2/3)·2/(5/3) = .8, (1/2)·2/(3/2) = 2/3;
    # macro mean = 0.655556. Weighted samples [1,0,0] keep row 0 only: binarised [0,1,1]
    # vs [1,1,1]: F1 per class (0, 1, 1) -> macro 2/3
    ("F1Score", lambda: metrics.F1Score(average="macro", threshold=0.5), F_T, F_P,
     [1., 0., 0.], (0.5 + 0.8 + 2 / 3) / 3, 2 / 3, 1e-5),
    # beta=2: (1+4)PR/(4P+R): 5/13, 10/11, 2.5/3; micro on row 0 only: TP2 FP0 FN1 ->
    # P=1, R=2/3: 5·(2/3)/(4+2/3) = 5/7
    ("FBetaScore", lambda: metrics.FBetaScore(average=None, beta=2.0, threshold=0.5), F_T, F_P,
     None, [5 / 13, 10 / 11, 2.5 / 3], None, 1e-5),
    ("MeanSquaredError", metrics.MeanSquaredError, REG_T, REG_P, REG_W,
     (0.625 + 2.5) / 2, (0.625 + 3 * 2.5) / 4, 1e-6),
    ("MeanAbsoluteError", metrics.MeanAbsoluteError, REG_T, REG_P, REG_W,
     (0.75 + 1.5) / 2, (0.75 + 3 * 1.5) / 4, 1e-6),
    ("MeanAbsolutePercentageError", metrics.MeanAbsolutePercentageError, REG_T, REG_P, REG_W,
     (50.0 + 36.666668) / 2, (50.0 + 3 * 36.666668) / 4, 1e-4),
    ("MeanSquaredLogarithmicError", metrics.MeanSquaredLogarithmicError, REG_T, REG_P, REG_W,
     (0.1070975 + 0.082761) / 2, (0.1070975 + 3 * 0.082761) / 4, 1e-6),
    ("LogCoshError", metrics.LogCoshError, REG_T, REG_P, REG_W,
     (0.2769477 + 0.8793918) / 2, (0.2769477 + 3 * 0.8793918) / 4, 1e-6),
    ("Poisson", metrics.Poisson, REG_T, REG_P, REG_W,
     (1.0472673 - 1.4044964) / 2, (1.0472673 - 3 * 1.4044964) / 4, 1e-5),
    # sqrt of the weighted mean of per-sample MSE: sqrt(1.5625) = 1.25, sqrt(2.03125)
    ("RootMeanSquaredError", metrics.RootMeanSquaredError, REG_T, REG_P, REG_W,
     1.25, 2.03125 ** 0.5, 1e-6),
    # cos([0,1],[1,0]) = 0, cos([1,1],[1,1]) = 1: mean .5; weights [.3,.7] -> .7
    ("CosineSimilarity", metrics.CosineSimilarity, [[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]],
     [0.3, 0.7], 0.5, 0.7, 1e-6),
    # mean(y)=8/3, SS_tot=42/9, SS_res=2 -> 1 - 18/42 = 4/7; weights [1,2,1]: weighted mean 3,
    # SS_tot = 4+2+0 = 6, SS_res = 1+0+1 = 2 -> 2/3
    ("R2Score", metrics.R2Score, [[1.], [4.], [3.]], [[2.], [4.], [4.]], [1., 2., 1.],
     4 / 7, 2 / 3, 1e-6),
    # sample 0 is perfectly correlated (1); sample 1: Σab/sqrt(Σa²Σb²) = .4/sqrt(.42667·.38)
    ("PearsonCorrelation", metrics.PearsonCorrelation, C_T, C_P, [1., 3.],
     (1.0 + 0.9933993) / 2, (1.0 + 3 * 0.9933993) / 4, 2e-5),
    # sample 0: 2·(.8/6)/(1/6 + .64/6) = .97561; sample 1: 2·(.4/3)/(.42667/3 + .38/3 + 1/900)
    ("ConcordanceCorrelation", metrics.ConcordanceCorrelation, C_T, C_P, [1., 3.],
     (0.9756098 + 0.9876543) / 2, (0.9756098 + 3 * 0.9876543) / 4, 2e-5),
    # BCE per sample [0.9162908, 0.7135582]; weights [1, 0] keep sample 0
    ("BinaryCrossentropy", metrics.BinaryCrossentropy, BIN_T, BIN_P, [1., 0.],
     0.8149245, 0.9162908, 1e-5),
    # CCE per sample [0.0512933, 2.3025851]; weights [.3,.7]
    ("CategoricalCrossentropy", metrics.CategoricalCrossentropy, CAT_T, CAT_P, [0.3, 0.7],
     1.1769392, 0.3 * 0.0512933 + 0.7 * 2.3025851, 1e-5),
    ("SparseCategoricalCrossentropy", metrics.SparseCategoricalCrossentropy, [1, 2], CAT_P,
     [0.3, 0.7], 1.1769392, 0.3 * 0.0512933 + 0.7 * 2.3025851, 1e-5),
    # KLD: [0,1]||[.5,.5] = 0.6931456 (golden); [1,0]||[.25,.75] = log 4 + 1e-7·log(1e-7/.75)
    ("KLDivergence", metrics.KLDivergence, [[0., 1.], [1., 0.]], [[0.5, 0.5], [0.25, 0.75]],
     [3., 1.], (0.6931456 + 1.3862927) / 2, (3 * 0.6931456 + 1.3862927) / 4, 1e-5),
    # margins: sample 0 mean(1.3, 0.2) = .75, sample 1 mean(.4, .6) = .5
    ("Hinge", metrics.Hinge, H_T, H_P, [1., 3.], 0.625, (0.75 + 1.5) / 4, 1e-6),
    # squares: (1.69+.04)/2 = .865, (.16+.36)/2 = .26
    ("SquaredHinge", metrics.SquaredHinge, H_T, H_P, [1., 3.], 0.5625, (0.865 + 0.78) / 4, 1e-6),
    # max(neg - pos + 1, 0): sample 0 max(.3-.8+1) = .5; sample 1 neg = max(0, -.4) = 0 -> .4
    ("CategoricalHinge", metrics.CategoricalHinge, H_T, H_P, [1., 3.], 0.45, (0.5 + 1.2) / 4,
     1e-6),
    # IoU family: Keras docstring examples (keras.metrics.IoU / MeanIoU / BinaryIoU /
    # OneHotIoU / OneHotMeanIoU). cm[true, pred] = [[1, 1], [1, 1]] -> iou 1/3 per class;
    # weighted cm = [[.3, .3], [.3, .1]] -> iou [1/3, 1/7]. dtype="float32": Keras 3.15's
    # default int32 matrix truncates these weights to 0 (tests/compat/
    # test_script_fidelity_examples3.py), its float32 one gives the docstring values.
    ("IoU", lambda: metrics.IoU(num_classes=2, target_class_ids=[0], dtype="float32"),
     [0, 0, 1, 1],
     [0, 1, 0, 1], [0.3, 0.3, 0.3, 0.1], 0.33333334, 0.33333334, 1e-6),
    ("MeanIoU", lambda: metrics.MeanIoU(num_classes=2, dtype="float32"), [0, 0, 1, 1],
     [0, 1, 0, 1],
     [0.3, 0.3, 0.3, 0.1], 0.33333334, 0.23809525, 1e-6),
    # >= 0.3 gives predictions [0, 0, 1, 1]; weighted cm = [[.2, .4], [.3, .1]]
    ("BinaryIoU", lambda: metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.3,
                                            dtype="float32"),
     [0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7], [0.2, 0.3, 0.4, 0.1], 0.33333334, 0.17361112, 1e-6),
    # argmax true [2, 0, 1, 0], pred [2, 2, 0, 2]: cm = [[0, 0, 2], [1, 0, 0], [0, 0, 1]]
    # -> iou [0, 0, 1/3]; weighted cm = [[0, 0, .6], [.3, 0, 0], [0, 0, .1]] -> iou
    # [0, 0, 1/7] (Keras prints 0.071 for classes [0, 2] and 0.048 for the mean of 3).
    ("OneHotIoU", lambda: metrics.OneHotIoU(num_classes=3, target_class_ids=[0, 2],
                                            dtype="float32"),
     ONEHOT_T, ONEHOT_P, [0.1, 0.2, 0.3, 0.4], 1 / 6, 1 / 14, 1e-6),
    ("OneHotMeanIoU", lambda: metrics.OneHotMeanIoU(num_classes=3, dtype="float32"),
     ONEHOT_T, ONEHOT_P,
     [0.1, 0.2, 0.3, 0.4], 1 / 9, 1 / 21, 1e-6),
]
CASE_IDS = [case[0] for case in CASES]


def run(metric, y_true, y_pred, sample_weight=None):
    if y_true is None:
        metric.update_state(y_pred, sample_weight=sample_weight)
    else:
        metric.update_state(y_true, y_pred, sample_weight=sample_weight)
    return np.asarray(metric.result())


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_value(case):
    _, factory, y_true, y_pred, _, expected, _, atol = case
    np.testing.assert_allclose(run(factory(), y_true, y_pred), expected, atol=atol, rtol=1e-6)


@pytest.mark.parametrize("case", [c for c in CASES if c[4] is not None],
                         ids=[c[0] for c in CASES if c[4] is not None])
def test_weighted_value(case):
    _, factory, y_true, y_pred, weight, _, expected, atol = case
    np.testing.assert_allclose(run(factory(), y_true, y_pred, weight), expected,
                               atol=atol, rtol=1e-6)


def _split(x, at):
    return None if x is None else (x[:at], x[at:])


SPLITS = [(case, weighted) for case in CASES for weighted in (False, True)
          if not weighted or case[4] is not None]


@pytest.mark.parametrize("case, weighted", SPLITS,
                         ids=[f"{c[0]}-{'weighted' if w else 'plain'}" for c, w in SPLITS])
def test_two_updates_equal_one_update_on_the_concatenation(case, weighted):
    _, factory, y_true, y_pred, weight, _, _, atol = case
    weight = weight if weighted else None
    at = 1
    whole = run(factory(), y_true, y_pred, weight)
    split = factory()
    for part in range(2):
        yt = None if y_true is None else _split(y_true, at)[part]
        w = None if weight is None else _split(weight, at)[part]
        run(split, yt, _split(y_pred, at)[part], w)
    np.testing.assert_allclose(np.asarray(split.result()), whole, atol=atol, rtol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_reset_state_zeros_every_variable_and_starts_over(case):
    _, factory, y_true, y_pred, weight, expected, _, atol = case
    metric = factory()
    run(metric, y_true, y_pred, weight)
    metric.reset_state()
    assert metric.variables, "a metric with state must expose its variables"
    for v in metric.variables:
        assert not np.any(v.numpy()), v.path
    np.testing.assert_allclose(run(metric, y_true, y_pred), expected, atol=atol, rtol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_call_updates_then_returns_the_result(case):
    _, factory, y_true, y_pred, _, expected, _, atol = case
    metric = factory()
    args = (y_pred,) if y_true is None else (y_true, y_pred)
    np.testing.assert_allclose(np.asarray(metric(*args)), expected, atol=atol, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(metric.result()), expected, atol=atol, rtol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_config_round_trip_keeps_the_numbers(case):
    _, factory, y_true, y_pred, _, expected, _, atol = case
    metric = factory()
    config = json.loads(json.dumps(metrics.serialize(metric)))  # plain JSON values only
    clone = metrics.deserialize(config)
    assert type(clone) is type(metric)
    assert clone.get_config() == metric.get_config()
    np.testing.assert_allclose(run(clone, y_true, y_pred), expected, atol=atol, rtol=1e-6)


def test_every_registered_metric_has_a_value_row():
    covered = {type(case[1]()) for case in CASES}
    registered = {obj for _, obj in metrics.METRICS.items()} - {metrics.Metric}
    missing = sorted(cls.__name__ for cls in registered - covered)
    assert not missing, f"registered metrics without a value row in CASES: {missing}"
