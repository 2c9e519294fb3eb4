"""F-scores, R², RMSE, cosine similarity and the loss-wrapping metrics' options."""
import warnings

import numpy as np
import pytest

from minikeras import metrics

F_T = [[1., 1., 1.], [1., 0., 0.], [1., 1., 0.]]
F_P = [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]


def f1(average=None, threshold=0.5, y_true=F_T, y_pred=F_P, sample_weight=None):
    m = metrics.F1Score(average=average, threshold=threshold)
    m.update_state(np.array(y_true), np.array(y_pred), sample_weight=sample_weight)
    return m.result()


def test_f1_per_class_and_averages():
    # per class (see test_metrics_values): F1 = [.5, .8, 2/3]; supports [3, 2, 1]
    np.testing.assert_allclose(f1(), [0.5, 0.8, 2 / 3], atol=1e-6)
    assert float(f1("macro")) == pytest.approx((0.5 + 0.8 + 2 / 3) / 3, abs=1e-6)
    assert float(f1("weighted")) == pytest.approx((3 * 0.5 + 2 * 0.8 + 2 / 3) / 6, abs=1e-6)
    # micro: TP 4, FP 2, FN 2 -> P = R = 2/3 -> F1 = 2/3
    assert float(f1("micro")) == pytest.approx(2 / 3, abs=1e-6)


def test_f1_without_threshold_takes_the_row_argmax_and_keeps_zero_rows_empty():
    # row 0 predicts class 2; row 1 ties (.6, .6) so classes 1 and 2 are both >= the max;
    # the all-zero row 2 predicts nothing
    y_true = [[0., 0., 1.], [0., 1., 0.], [0., 0., 0.]]
    y_pred = [[0.1, 0.2, 0.7], [0.2, 0.6, 0.6], [0.0, 0.0, 0.0]]
    # class 1: TP 1 -> F1 1; class 2: TP 1 (row 0), FP 1 (row 1) -> P .5 R 1 -> 2/3
    # class 0: nothing -> 0
    np.testing.assert_allclose(f1(threshold=None, y_true=y_true, y_pred=y_pred),
                               [0.0, 1.0, 2 / 3], atol=1e-6)


def test_fbeta_arguments_are_checked_and_shapes_named():
    for kwargs in ({"average": "mean"}, {"beta": 0.0}, {"threshold": 1.5}, {"threshold": 0}):
        with pytest.raises(ValueError):
            metrics.FBetaScore(**kwargs)
    with pytest.raises(ValueError, match=r"2D inputs.*\(3,\)"):
        metrics.F1Score().update_state([1., 0., 1.], [0.2, 0.3, 0.9])
    m = metrics.F1Score()
    m.update_state(np.array(F_T), np.array(F_P))
    with pytest.raises(ValueError, match=r"\(3, 3\).*\(3, 2\)"):
        m.update_state(np.array(F_T), np.array(F_P)[:, :2])
    assert "beta" not in metrics.F1Score().get_config()
    assert metrics.FBetaScore(beta=2.0).get_config()["beta"] == 2.0


@pytest.mark.parametrize("kwargs, message", [
    ({"average": "samples"}, "Invalid `average` argument value. Expected one of: {None, "
                             "'micro', 'macro', 'weighted'}. Received: average=samples"),
    ({"beta": 0.0}, "Invalid `beta` argument value. It should be > 0. Received: beta=0.0"),
    ({"beta": "2"}, "Invalid `beta` argument value. It should be a Python float. "
                    "Received: beta=2 of type '<class 'str'>'"),
])
def test_fbeta_argument_errors_in_keras_words(kwargs, message):
    with pytest.raises(ValueError) as error:
        metrics.FBetaScore(**kwargs)
    assert str(error.value) == message


def test_r2_aggregations_and_adjusted_score():
    y_true = np.array([[1., 2.], [4., 2.], [3., 5.]])
    y_pred = np.array([[2., 2.], [4., 3.], [4., 5.]])
    # column 0: 4/7 (see test_metrics_values); column 1: mean 3, SS_tot 1+1+4 = 6, SS_res 1
    # -> 5/6
    raw = [4 / 7, 5 / 6]

    def r2(**kwargs):
        m = metrics.R2Score(**kwargs)
        m.update_state(y_true, y_pred)
        return m.result()

    np.testing.assert_allclose(r2(class_aggregation=None), raw, atol=1e-6)
    assert float(r2()) == pytest.approx(np.mean(raw), abs=1e-6)
    # variance weighted: (42/9 · 4/7 + 6 · 5/6) / (42/9 + 6)
    vw = (42 / 9 * 4 / 7 + 6 * 5 / 6) / (42 / 9 + 6)
    assert float(r2(class_aggregation="variance_weighted_average")) == pytest.approx(vw, abs=1e-6)
    # adjusted with p = 1 regressor, n = 6 label entries: 1 - (1 - R²)·5/4
    adjusted = 1 - (1 - np.mean(raw)) * 5 / 4
    assert float(r2(num_regressors=1)) == pytest.approx(adjusted, abs=1e-6)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert float(r2(num_regressors=10)) == pytest.approx(np.mean(raw), abs=1e-6)
    assert "More independent predictors" in str(caught[0].message)


def test_r2_constant_column_scores_zero_and_bad_input_is_named():
    m = metrics.R2Score(class_aggregation=None)
    m.update_state([[1.0], [1.0]], [[2.0], [0.0]])  # SS_tot = 0 -> -inf -> 0
    np.testing.assert_array_equal(m.result(), [0.0])
    with pytest.raises(ValueError, match=r"2D inputs.*\(2, 2, 1\)"):
        metrics.R2Score().update_state(np.zeros((2, 2, 1)), np.zeros((2, 2, 1)))
    with pytest.raises(ValueError, match="class_aggregation"):
        metrics.R2Score(class_aggregation="median")


def test_rmse_rank_fix_and_cosine_of_zero_vector():
    m = metrics.RootMeanSquaredError()
    m.update_state([1.0, 2.0], [[1.0], [4.0]])  # (n,) vs (n,1): errors 0, 4 -> sqrt(2)
    assert float(m.result()) == pytest.approx(np.sqrt(2.0))
    c = metrics.CosineSimilarity()
    c.update_state([[0.0, 0.0]], [[1.0, 2.0]])  # a zero vector gives 0, not NaN
    assert float(c.result()) == 0.0
    c = metrics.CosineSimilarity()
    c.update_state([[1.0, 1.0]], [[-2.0, -2.0]])  # opposite directions: -1 (positive sign)
    assert float(c.result()) == pytest.approx(-1.0, abs=1e-6)


def test_crossentropy_options_reach_the_loss():
    # from_logits: logits [[-18.6, .51], [2.94, -12.8]] with BCE -> 0.865458 (reference 1.5)
    m = metrics.BinaryCrossentropy(from_logits=True)
    m.update_state([[0., 1.], [0., 0.]], [[-18.6, 0.51], [2.94, -12.8]])
    assert float(m.result()) == pytest.approx(0.865458, abs=1e-5)
    # label_smoothing 0.2 on the BCE example -> 0.7946512 (reference 1.5)
    m = metrics.BinaryCrossentropy(label_smoothing=0.2)
    m.update_state([[0., 1.], [0., 0.]], [[0.6, 0.4], [0.4, 0.6]])
    assert float(m.result()) == pytest.approx(0.7946512, abs=1e-5)
    # CCE label_smoothing 0.1 -> 1.4591359; SCCE from logits [[1,2,3]]*2, labels [1,2] ->
    # 0.9076059 (reference 1.5)
    m = metrics.CategoricalCrossentropy(label_smoothing=0.1)
    m.update_state([[0., 1., 0.], [0., 0., 1.]], [[0.05, 0.95, 0.], [0.1, 0.8, 0.1]])
    assert float(m.result()) == pytest.approx(1.4591359, abs=1e-5)
    m = metrics.SparseCategoricalCrossentropy(from_logits=True)
    m.update_state([1, 2], [[1., 2., 3.], [1., 2., 3.]])
    assert float(m.result()) == pytest.approx(0.9076059, abs=1e-5)


def test_sparse_crossentropy_metric_ignore_class_counts_ignored_entries_as_zero():
    # Keras 3.15.1 (torch): the loss is 0 at the ignored label and, without a sample
    # weight, the metric's mean still counts it: (0.0512933 + 0) / 2 = 0.0256467
    m = metrics.SparseCategoricalCrossentropy(ignore_class=2)
    m.update_state([1, 2], [[0.05, 0.95, 0.], [0.1, 0.8, 0.1]])
    assert float(m.result()) == pytest.approx(0.025646653, abs=1e-6)
    assert float(m.count.numpy()) == 2.0
    assert metrics.SparseCategoricalCrossentropy.from_config(
        m.get_config()).ignore_class == 2


def test_sparse_crossentropy_metric_ignore_class_with_sample_weight_matches_keras():
    # Keras 3.15.1 (torch) on these inputs: 1.3710321 without weights (ignored entries
    # count as 0: 8.226 / 6) and 2.4152400 with per-entry weights (masked: 31.398 / 13)
    y = np.array([[0, 1, -1], [2, -1, 1]])
    p = np.random.default_rng(0).random((2, 3, 3)).astype("float32")
    p /= p.sum(-1, keepdims=True)
    m = metrics.SparseCategoricalCrossentropy(ignore_class=-1)
    m.update_state(y, p)
    assert float(m.result()) == pytest.approx(1.3710321, rel=1e-5)
    m = metrics.SparseCategoricalCrossentropy(ignore_class=-1)
    m.update_state(y, p, sample_weight=np.array([[1., 2., 3.], [4., 5., 6.]]))
    assert float(m.result()) == pytest.approx(2.4152400, rel=1e-5)
