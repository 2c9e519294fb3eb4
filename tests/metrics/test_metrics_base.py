"""The Metric base class, the reducers' weighting rules and MeanMetricWrapper."""
import numpy as np
import pytest

from minikeras import losses, metrics
from minikeras.autodiff.tensor import Tensor
from minikeras.variables import Variable


class Counter(metrics.Metric):
    """A user-written metric: counts positive values."""

    def __init__(self, name="counter", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.count = self.add_variable((), "zeros", name="count")

    def update_state(self, values):
        self.count.assign_add(np.sum(np.asarray(values) > 0))

    def result(self):
        return self.count.numpy()


def test_user_metric_state_lives_in_non_trainable_variables():
    m = Counter()
    assert m([1, -2, 3]) == 2
    assert m([5]) == 3  # accumulates
    (v,) = m.variables
    assert isinstance(v, Variable) and not v.trainable and v.path == "counter/count"
    m.reset_state()
    assert m.result() == 0


def test_forgetting_super_init_is_a_clear_error():
    class Broken(metrics.Metric):
        def __init__(self):
            self.total = self.add_variable((), "zeros", name="total")

    with pytest.raises(RuntimeError, match="super\\(\\).__init__"):
        Broken()


def test_add_weight_defaults_to_a_zero_scalar_and_sub_metrics_are_tracked():
    class Pair(metrics.Metric):
        def __init__(self):
            super().__init__(name="pair")
            self.extra = self.add_weight(name="extra")
            self.inner = metrics.Mean(name="inner")

    m = Pair()
    names = [v.path for v in m.variables]
    assert names == ["pair/extra", "inner/total", "inner/count"]
    assert m.extra.shape == () and float(m.extra.numpy()) == 0.0
    m.inner.update_state([2.0, 4.0])
    m.reset_state()  # zeros the sub-metric's state too
    assert float(m.inner.result()) == 0.0


def test_default_names_are_snake_case_and_unique():
    a, b = metrics.AUC(), metrics.AUC()
    assert a.name.startswith("auc") and b.name.startswith("auc") and a.name != b.name
    assert metrics.Mean().name == "mean"  # an explicit default name is not made unique
    assert metrics.MeanMetricWrapper(metrics.binary_accuracy).name.startswith(
        "mean_metric_wrapper")


def test_result_is_a_float32_tensor_used_as_keras_documents_it():
    # Keras's results are backend tensors: its docstrings call m.result().numpy()
    m = metrics.Mean()
    m.update_state([1.0, 2.0])
    result = m.result()
    assert isinstance(result, Tensor) and result.dtype == np.float32 and result.shape == ()
    assert result.numpy() == 1.5 and float(result) == 1.5
    assert f"{result:.3f}" == "1.500" and round(result, 1) == 1.5
    # Keras: a float64 mean keeps float64 sums and divides them into float32; a Sum is
    # its float64 total
    mean = metrics.Mean(dtype="float64")
    assert mean([1.0]).dtype == np.float32
    assert [v.dtype for v in mean.variables] == ["float64", "float64"]
    assert metrics.Sum(dtype="float64")([1.0]).dtype == np.float64


def test_inputs_may_be_tensors_variables_arrays_or_lists():
    expected = 0.5
    for wrap in (list, np.asarray, Tensor, lambda x: Variable(x, trainable=False)):
        m = metrics.BinaryAccuracy()
        m.update_state(wrap(np.array([[1.0], [0.0]], "float32")),
                       wrap(np.array([[0.9], [0.7]], "float32")))
        assert float(m.result()) == expected


def test_empty_mean_is_zero_not_nan():
    assert float(metrics.Mean().result()) == 0.0
    m = metrics.Mean()
    m.update_state([1.0, 2.0], sample_weight=[0.0, 0.0])
    assert float(m.result()) == 0.0


def test_mean_of_two_dimensional_values_averages_each_sample_first():
    # values [[1,3],[5,7]]: per-sample means [2, 6]; count is the batch size (2)
    m = metrics.Mean()
    m.update_state([[1.0, 3.0], [5.0, 7.0]])
    assert float(m.result()) == 4.0
    assert float(m.count.numpy()) == 2.0


def test_sample_weight_shapes_follow_keras():
    values = [[1.0, 3.0], [5.0, 7.0]]
    # (n, 1) weight is squeezed to (n,): (2·1 + 6·3) / 4 = 5
    m = metrics.Mean()
    m.update_state(values, sample_weight=[[1.0], [3.0]])
    assert float(m.result()) == 5.0
    # element-wise weight: total Σ mean_j(v·w) = (0 + 3)/2 + (5 + 0)/2 = 4,
    # count Σ mean_j(w) = 0.5 + 0.5 = 1
    m = metrics.Mean()
    m.update_state(values, sample_weight=[[0.0, 1.0], [1.0, 0.0]])
    assert float(m.result()) == 4.0
    # a scalar weight scales total and count alike: the batch mean (4) is unchanged
    m = metrics.Mean()
    m.update_state(values, sample_weight=2.0)
    assert float(m.result()) == 4.0
    # Sum with weights: 1·1 + 3·1 + 5·0 + 7·2 = 18
    s = metrics.Sum()
    s.update_state([[1.0, 3.0], [5.0, 7.0]], sample_weight=[[1.0, 1.0], [0.0, 2.0]])
    assert float(s.result()) == 18.0


def test_sample_weight_that_does_not_broadcast_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        metrics.Mean().update_state([1.0, 2.0], sample_weight=[1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        metrics.MeanSquaredError().update_state([[1.0], [2.0]], [[1.0], [2.0]],
                                                sample_weight=[1.0, 1.0, 1.0])


def test_wrapper_passes_kwargs_and_serializes_the_function_by_name():
    m = metrics.MeanMetricWrapper(metrics.binary_accuracy, name="acc_at_0.8", threshold=0.8)
    m.update_state([[1.0], [1.0]], [[0.9], [0.7]])  # 0.9 > 0.8 hit, 0.7 miss
    assert float(m.result()) == 0.5
    config = m.get_config()
    assert config["threshold"] == 0.8 and config["fn"]["config"] == "binary_accuracy"
    clone = metrics.MeanMetricWrapper.from_config(config)
    assert clone._fn is metrics.binary_accuracy and clone.name == "acc_at_0.8"
    # a loss function by name, too
    cfg = metrics.MeanMetricWrapper(losses.mean_squared_error).get_config()
    assert metrics.MeanMetricWrapper.from_config(cfg)._fn is losses.mean_squared_error


def test_wrapper_rejects_a_non_callable():
    with pytest.raises(TypeError, match="callable"):
        metrics.MeanMetricWrapper("mse")


def test_wrapper_does_not_record_a_graph():
    y_pred = Tensor(np.array([[0.5, 0.5]], "float32"), requires_grad=True)
    m = metrics.MeanMetricWrapper(losses.mean_squared_error)
    m.update_state(np.array([[0.0, 1.0]], "float32"), y_pred)
    assert float(m.result()) == pytest.approx(0.25)
    assert y_pred.grad is None


@pytest.mark.parametrize("factory, direction", [
    (metrics.Accuracy, "up"), (metrics.BinaryAccuracy, "up"), (metrics.AUC, "up"),
    (metrics.Precision, "up"), (metrics.Recall, "up"), (metrics.F1Score, "up"),
    (metrics.R2Score, "up"), (metrics.CosineSimilarity, "up"),
    (metrics.MeanSquaredError, "down"), (metrics.RootMeanSquaredError, "down"),
    (metrics.BinaryCrossentropy, "down"), (metrics.KLDivergence, "down"),
    (metrics.Hinge, "down"), (metrics.FalsePositives, "down"), (metrics.TruePositives, "up"),
    (lambda: metrics.MeanMetricWrapper(losses.mean_absolute_error), "down"),
    (lambda: metrics.MeanMetricWrapper(metrics.binary_accuracy), None),
    (metrics.Mean, None),
])
def test_direction(factory, direction):
    assert factory()._direction == direction


def test_base_config():
    m = metrics.Mean(name="running", dtype="float64")
    assert m.get_config() == {"name": "running", "dtype": "float64"}
    assert metrics.Mean.from_config(m.get_config()).dtype == "float64"
    assert repr(m) == "<Mean name=running>"


def test_mean_of_per_sample_arrays_and_weighted_scalars():
    mean = metrics.Mean()
    mean.update_state(np.array([1.0, 2.0, 3.0], "float32"))  # total 6, count 3
    assert float(mean.result()) == 2.0
    mean.update_state(4.0, sample_weight=3)  # total 6 + 12 = 18, count 6
    assert float(mean.result()) == 3.0
    mean.update_state(np.array(0.0, "float32"))  # total 18, count 7
    np.testing.assert_allclose(float(mean.result()), 18 / 7, rtol=1e-6)
