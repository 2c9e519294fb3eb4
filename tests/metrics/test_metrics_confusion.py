"""Confusion-matrix metrics and AUC: thresholds, top_k, class_id, curves, multi-label."""
import numpy as np
import pytest

from minikeras import metrics
from minikeras.metrics import confusion_utils


def slow_counts(y_true, y_pred, thresholds, weights=None):
    """Obvious reference: loop over thresholds and entries."""
    y_true, y_pred = np.ravel(y_true), np.ravel(y_pred)
    weights = np.ones_like(y_pred) if weights is None else np.ravel(weights)
    out = {k: [] for k in ("tp", "fp", "tn", "fn")}
    for t in thresholds:
        c = dict.fromkeys(out, 0.0)
        for y, p, w in zip(y_true, y_pred, weights):
            key = ("t" if (p > t) == (y != 0) else "f") + ("p" if p > t else "n")
            c[key] += w
        for k in out:
            out[k].append(c[k])
    return {k: np.array(v) for k, v in out.items()}


def test_thresholds_list_gives_one_value_per_threshold():
    # t=.3: positives at .5 (label 0), .8, .6 (labels 1) -> TP 2 FP 1; t=.7: .8 -> TP 1 FP 0
    m = metrics.Precision(thresholds=[0.3, 0.7])
    m.update_state([0, 1, 1, 1], [0.5, 0.2, 0.8, 0.6])
    np.testing.assert_allclose(m.result(), [2 / 3, 1.0])
    r = metrics.Recall(thresholds=[0.3, 0.7])
    r.update_state([0, 1, 1, 1], [0.5, 0.2, 0.8, 0.6])
    np.testing.assert_allclose(r.result(), [2 / 3, 1 / 3])


def test_evenly_spaced_thresholds_use_strict_comparison_at_bucket_edges():
    # thresholds [0, .5, 1]: a prediction equal to a threshold is not above it
    y_true, y_pred = [0, 1, 1, 1], [0.0, 0.5, 0.7, 1.0]
    tp = metrics.TruePositives(thresholds=[0.0, 0.5, 1.0])
    fn = metrics.FalseNegatives(thresholds=[0.0, 0.5, 1.0])
    tn = metrics.TrueNegatives(thresholds=[0.0, 0.5, 1.0])
    for m in (tp, fn, tn):
        m.update_state(y_true, y_pred)
    np.testing.assert_array_equal(tp.result(), [3.0, 2.0, 0.0])
    np.testing.assert_array_equal(fn.result(), [0.0, 1.0, 3.0])
    np.testing.assert_array_equal(tn.result(), [1.0, 1.0, 1.0])


def test_bucketed_and_direct_counts_agree_with_a_slow_reference():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 2, size=(40, 3)).astype("float32")
    y_pred = rng.random((40, 3)).astype("float32")
    weights = rng.random(40).astype("float32")
    thresholds = [i / 10 for i in range(11)]  # evenly spaced: bucket algorithm
    expected = slow_counts(y_true, y_pred, thresholds, np.repeat(weights, 3))
    for evenly in (True, False):
        got = {k: metrics.Metric(name="holder").add_variable((11,), "zeros", name=k)
               for k in ("tp", "fp", "tn", "fn")}
        confusion_utils.update_confusion_matrix(got, y_true, y_pred, thresholds,
                                                sample_weight=weights,
                                                evenly_distributed=evenly)
        for k in got:
            np.testing.assert_allclose(got[k].numpy(), expected[k], rtol=1e-5, err_msg=k)


def test_class_id_restricts_to_one_column():
    y_true = [[0, 0, 1], [0, 1, 0], [0, 0, 1]]
    y_pred = [[0.1, 0.2, 0.7], [0.1, 0.2, 0.6], [0.5, 0.4, 0.1]]
    # column 2: labels [1,0,1], predictions > .5: [1,1,0] -> TP 1, FP 1, FN 1
    p, r = metrics.Precision(class_id=2), metrics.Recall(class_id=2)
    p.update_state(y_true, y_pred)
    r.update_state(y_true, y_pred)
    assert float(p.result()) == 0.5 and float(r.result()) == 0.5
    with pytest.raises(ValueError, match="class_id=3 is out of range"):
        metrics.Precision(class_id=3).update_state(y_true, y_pred)


def test_top_k_keeps_only_the_k_highest_predictions():
    # all scores tie: the first two entries are the top 2 (labels 0, 0) -> precision 0
    m = metrics.Precision(top_k=2)
    m.update_state([0, 0, 1, 1], [1.0, 1.0, 1.0, 1.0])
    assert float(m.result()) == 0.0
    m = metrics.Precision(top_k=4)
    m.update_state([0, 0, 1, 1], [1.0, 1.0, 1.0, 1.0])
    assert float(m.result()) == 0.5
    # per row: top 1 of [.1,.6,.3] is class 1 (label 1: TP); of [.5,.2,.3] class 0 (FP);
    # recall: labels at (0,1), (1,2): one of two found
    y_true, y_pred = [[0, 1, 0], [0, 0, 1]], [[0.1, 0.6, 0.3], [0.5, 0.2, 0.3]]
    p, r = metrics.Precision(top_k=1), metrics.Recall(top_k=1)
    p.update_state(y_true, y_pred)
    r.update_state(y_true, y_pred)
    assert float(p.result()) == 0.5 and float(r.result()) == 0.5
    with pytest.raises(ValueError, match="top_k=4 is larger"):
        metrics.Precision(top_k=4).update_state(y_true, y_pred)


def test_threshold_values_are_checked():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.Precision(thresholds=1.5)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.TruePositives(thresholds=[0.2, -0.1])


def test_confusion_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(4,\).*\(3,\)"):
        metrics.Precision().update_state([0, 1, 1, 0], [0.2, 0.8, 0.9])


# ---- AUC --------------------------------------------------------------------------------

Y4, P4 = [0, 0, 1, 1], [0.0, 0.5, 0.3, 0.9]


@pytest.mark.parametrize("curve, summation, expected", [
    # ROC points (fpr, tpr) at thresholds [-eps, .5, 1+eps]: (1,1), (0,.5), (0,0)
    ("ROC", "minoring", 0.5),      # 1·min(1, .5) + 0
    ("ROC", "majoring", 1.0),      # 1·max(1, .5) + 0
    # PR points (recall, precision): (1, .5), (.5, 1), (0, 0)
    ("PR", "minoring", 0.25),      # .5·min(.5, 1) + .5·min(1, 0)
    ("PR", "majoring", 1.0),       # .5·1 + .5·1
    # interpolation: tp=[2,1,0], P=tp+fp=[4,1,0]; slopes [1/3, 1], intercepts [2/3, 0];
    # increments [(1/3)(1 + (2/3)·ln 4)/2, 1·1/2]
    ("PR", "interpolation", (1 + 2 / 3 * np.log(4)) / 6 + 0.5),
    # PRGAIN points (recall gain, precision gain), P/N = 1 at every threshold:
    # (1 - 0/2, 1 - 2/2) = (1, 0), (1 - 1/1, 1 - 0/1) = (0, 1), and (0, 1) where TP = 0
    ("PRGAIN", "interpolation", 0.5),
    ("PRGAIN", "minoring", 0.0),
    ("PRGAIN", "majoring", 1.0),
])
def test_auc_curves_and_summations(curve, summation, expected):
    m = metrics.AUC(num_thresholds=3, curve=curve, summation_method=summation)
    m.update_state(Y4, P4)
    assert float(m.result()) == pytest.approx(expected, abs=1e-6)


def test_auc_with_default_thresholds_matches_the_rank_statistic():
    # no two scores share a bucket, so the trapezoid ROC area is exact: positives
    # {.35, .8} vs negatives {.1, .4}: 3 of 4 pairs ordered -> 0.75
    m = metrics.AUC()
    m.update_state([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert float(m.result()) == pytest.approx(0.75, abs=1e-6)
    perfect = metrics.AUC()
    perfect.update_state([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    assert float(perfect.result()) == pytest.approx(1.0)
    assert len(m.thresholds) == 200 and m.thresholds[0] < 0 and m.thresholds[-1] > 1


def test_auc_from_logits_applies_a_sigmoid():
    logits = [-3.0, 0.0, -1.0, 2.0]  # sigmoid keeps the order of P4-like scores
    a = metrics.AUC(from_logits=True)
    a.update_state(Y4, logits)
    b = metrics.AUC()
    b.update_state(Y4, 1 / (1 + np.exp(-np.array(logits))))
    assert float(a.result()) == pytest.approx(float(b.result()))


def test_auc_multi_label_averages_per_label_aucs():
    y_true = np.array([[0, 1], [0, 0], [1, 1], [1, 0]])
    y_pred = np.array([[0.1, 0.9], [0.4, 0.2], [0.35, 0.3], [0.8, 0.6]])
    # label 0: positives {.35, .8} vs negatives {.1, .4} -> 3/4
    # label 1: positives {.9, .3} vs negatives {.2, .6}: .9>.2, .9>.6, .3>.2 (not .3>.6) -> 3/4
    m = metrics.AUC(multi_label=True)
    m.update_state(y_true, y_pred)
    assert float(m.result()) == pytest.approx(0.75, abs=1e-6)
    assert m.true_positives.shape == (200, 2)
    # label weights weight the label AUCs: use a label that is perfect
    y_pred2 = y_pred.copy()
    y_pred2[:, 1] = [0.9, 0.1, 0.8, 0.2]  # label 1 now perfectly separated (AUC 1)
    w = metrics.AUC(multi_label=True, num_labels=2, label_weights=[1.0, 3.0])
    w.update_state(y_true, y_pred2)
    assert float(w.result()) == pytest.approx((0.75 + 3 * 1.0) / 4, abs=1e-6)


def test_auc_explicit_thresholds_and_config():
    m = metrics.AUC(thresholds=[0.5, 0.25, 0.75])  # sorted; -eps and 1+eps added
    assert m.num_thresholds == 5
    assert m.get_config()["thresholds"] == [0.25, 0.5, 0.75]
    clone = metrics.AUC.from_config(m.get_config())
    assert clone.thresholds == m.thresholds
    m.update_state(Y4, P4)
    clone.update_state(Y4, P4)
    assert float(m.result()) == float(clone.result())
    # uneven thresholds use the direct comparison: ROC points at [-eps, .4, 1+eps]:
    # (1,1), (fpr 1/2, tpr 1/2), (0,0) -> .5·.75 + .5·.25 = .5
    uneven = metrics.AUC(thresholds=[0.4])
    uneven.update_state(Y4, P4)
    assert float(uneven.result()) == pytest.approx(0.5)


def test_auc_bad_arguments():
    with pytest.raises(ValueError) as curve:
        metrics.AUC(curve="XY")
    assert str(curve.value) == \
        'Invalid AUC curve value: "XY". Expected values are ["PR", "ROC", "PRGAIN"]'
    with pytest.raises(ValueError) as summation:
        metrics.AUC(summation_method="trapezoid")
    assert str(summation.value) == ('Invalid AUC summation method value: "trapezoid". '
                                    'Expected values are ["interpolation", "majoring", '
                                    '"minoring"]')
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="num_labels"):
        metrics.AUC(num_labels=3)
    with pytest.raises(ValueError, match="rank 2"):
        metrics.AUC(multi_label=True).update_state([1, 0], [0.3, 0.2])


def test_at_metrics_validate_their_target_value():
    with pytest.raises(ValueError, match="recall"):
        metrics.PrecisionAtRecall(1.5)
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.SensitivityAtSpecificity(0.5, num_thresholds=0)
    m = metrics.RecallAtPrecision(0.8, num_thresholds=50, class_id=1)
    assert m.get_config()["precision"] == 0.8 and m.get_config()["num_thresholds"] == 50
