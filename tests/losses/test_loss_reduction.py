"""The Loss base: reductions, sample weights, masks, the rank fix, empty batches, the wrapper,
custom losses and dtypes (golden values from KERAS_REFERENCE.md 1.3 or by hand)."""
import numpy as np
import pytest

from minikeras import losses, ops
from minikeras.autodiff import Tensor, grad
from minikeras.losses import LOSSES

Y = np.ones((2, 3, 4), np.float32)
P = (np.arange(24).reshape(2, 3, 4) / 24).astype(np.float32)
W = [[1, 0, 0], [1, 1, 1]]


def value(x):
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def close(actual, expected, rtol=1e-5, atol=1e-7):
    np.testing.assert_allclose(value(actual), expected, rtol=rtol, atol=atol)


# ---- reductions (golden, reference 1.3) -------------------------------------------------

def test_reduction_golden_values():
    mse = losses.MeanSquaredError
    assert value(mse(reduction="none")(Y, P)).shape == (2, 3)
    assert value(mse(reduction=None)(Y, P)).shape == (2, 3)
    close(mse()(Y, P), 0.354456)
    close(mse(reduction="mean")(Y, P), 0.354456)
    close(mse(reduction="sum")(Y, P), 2.1267359)
    close(mse()(Y, P, sample_weight=W), 0.1938657)                      # divided by 6
    close(mse(reduction="mean_with_sample_weight")(Y, P, sample_weight=W), 0.2907986)  # by 4
    close(mse(reduction="mean_with_sample_weight")(Y, P), 0.354456)  # no weight: like mean
    close(mse()(Y, P, sample_weight=2.0), 2 * 0.354456)


def test_keras2_auto_reduction_and_reduction_constants():
    loss = losses.MeanSquaredError(reduction="auto")
    assert loss.reduction == "sum_over_batch_size"
    close(loss(Y, P), 0.354456)
    assert loss.get_config()["reduction"] == "sum_over_batch_size"
    R = losses.Reduction
    assert (R.AUTO, R.NONE, R.SUM, R.SUM_OVER_BATCH_SIZE) == (
        "auto", "none", "sum", "sum_over_batch_size")
    assert losses.MeanSquaredError(reduction=R.SUM).reduction == "sum"
    assert set(R.all()) >= {"auto", "none", "sum", "sum_over_batch_size", "mean"}


def test_invalid_reduction_raises():
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`"):
        losses.MeanSquaredError(reduction="average")


def test_sample_weight_shapes_and_rank_fix():
    y, p = [[0.0], [1.0], [2.0]], [[1.0], [1.0], [4.0]]   # per-sample mse: 1, 0, 4
    mse = losses.MeanSquaredError()
    close(mse(y, p, sample_weight=[1, 2, 3]), (1 + 0 + 12) / 3)
    close(mse(y, p, sample_weight=[[1], [2], [3]]), (1 + 0 + 12) / 3)   # (n,1) squeezed
    close(mse(y, p, sample_weight=np.float32(0.5)), 5 / 3 * 0.5)
    # per-timestep weights broadcast against (batch, steps) values
    close(mse(Y, P, sample_weight=[[1, 0, 0]]), value(mse(Y, P, sample_weight=[[1, 0, 0]] * 2)))
    with pytest.raises(ValueError, match=r"sample_weight of shape \(2,\)"):
        mse(y, p, sample_weight=[1, 2])
    # per-sample weights for (batch, steps) values need shape (batch, 1), as in Keras 3
    with pytest.raises(ValueError, match=r"one weight per sample with shape \(2, 1\)"):
        mse(Y, P, sample_weight=[1.0, 2.0])
    close(mse(Y, P, sample_weight=[[1.0], [0.0]]),
          value(mse(Y, P, sample_weight=[[1, 1, 1], [0, 0, 0]])))


def test_mean_with_sample_weight_zero_weights_is_zero_not_nan():
    loss = losses.MeanSquaredError(reduction="mean_with_sample_weight")
    close(loss([[1.0]], [[3.0]], sample_weight=[0.0]), 0.0)


def test_rank_fix_never_broadcasts_to_n_by_n():
    y, p = np.array([0.0, 1.0, 2.0]), np.array([[1.0], [1.0], [4.0]])
    close(losses.MeanSquaredError(reduction=None)(y, p), [1.0, 0.0, 4.0])
    close(losses.mean_squared_error(y, p), [1.0, 0.0, 4.0])
    close(losses.BinaryCrossentropy(reduction=None)([1.0, 0.0], [[0.5], [0.5]]),
          [np.log(2)] * 2)
    a, b = losses.squeeze_or_expand_to_same_rank(ops.ones((3,)), ops.ones((3, 1)))
    assert a.shape == (3, 1) and b.shape == (3, 1)
    a, b = losses.squeeze_or_expand_to_same_rank(ops.ones((3, 2, 1)), ops.ones((3, 2)))
    assert a.shape == (3, 2) and b.shape == (3, 2)
    a, b = losses.squeeze_or_expand_to_same_rank(ops.ones((3, 2)), ops.ones((3, 2, 5)))
    assert a.shape == (3, 2) and b.shape == (3, 2, 5)


def test_mask_weights_average_over_valid_entries_and_combine_with_sample_weight():
    probs = [[0.5, 0.5], [0.25, 0.75], [0.9, 0.1]]
    labels = [0, 9, 1]                                    # 9 ignored
    a, b = -np.log(0.5), -np.log(0.1)
    sparse = losses.SparseCategoricalCrossentropy
    close(sparse(ignore_class=9)(labels, probs), (a + b) / 2)
    close(sparse(ignore_class=9, reduction="sum")(labels, probs), a + b)
    close(sparse(ignore_class=9)(labels, probs, sample_weight=[2, 5, 1]), (2 * a + b) / 2)
    close(sparse(ignore_class=9, reduction="mean_with_sample_weight")(
        labels, probs, sample_weight=[2, 5, 1]), (2 * a + b) / 3)
    close(sparse(ignore_class=9)([9, 9, 9], probs), 0.0)   # nothing valid: 0, not NaN


# ---- empty batches ------------------------------------------------------------------------

EMPTY_INPUTS = {
    "categorical": (np.zeros((0, 3)), np.zeros((0, 3))),
    "sparse": (np.zeros((0,)), np.zeros((0, 3))),
    "ctc": (np.zeros((0, 2)), np.zeros((0, 4, 3))),
    "circle": (np.zeros((0,)), np.zeros((0, 2))),
}
SPARSE_CLASSES = ("SparseCategoricalCrossentropy", "CategoricalGeneralizedCrossEntropy")


def _empty_case(name):
    if name in SPARSE_CLASSES:
        return EMPTY_INPUTS["sparse"]
    return EMPTY_INPUTS.get(name.lower(), EMPTY_INPUTS["categorical"])


LOSS_CLASSES = sorted(n for n, obj in LOSSES.items()
                      if isinstance(obj, type) and obj not in (losses.Loss,
                                                               losses.LossFunctionWrapper))


@pytest.mark.parametrize("name", LOSS_CLASSES)
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight"])
def test_empty_batch_gives_zero_without_nan(name, reduction):
    y, p = _empty_case(name)
    with np.errstate(all="raise"):
        out = LOSSES.lookup(name)(reduction=reduction)(y, p)
    assert value(out).shape == () and value(out) == 0.0


@pytest.mark.parametrize("fn", [losses.mean_squared_error, losses.binary_crossentropy,
                                losses.categorical_crossentropy, losses.kl_divergence])
def test_empty_batch_functions_return_empty_per_sample_values(fn):
    with np.errstate(all="raise"):
        assert value(fn(np.zeros((0, 3)), np.zeros((0, 3)))).shape == (0,)
    close(losses.reduce_values(fn(np.zeros((0, 3)), np.zeros((0, 3)))), 0.0)


# ---- the wrapper and custom losses --------------------------------------------------------

def test_loss_function_wrapper_names_kwargs_and_config():
    wrapped = losses.LossFunctionWrapper(losses.huber, reduction="sum", name="h", delta=0.5)
    close(wrapped([[1, 2], [3, 5]], [[1.5, 1], [2, 7]]), 0.25 + 0.625)
    assert losses.LossFunctionWrapper(losses.mean_squared_error).name == "mean_squared_error"
    config = wrapped.get_config()
    assert config == {"name": "h", "reduction": "sum", "delta": 0.5,
                      "fn": {"module": "builtins", "class_name": "function",
                             "config": "huber", "registered_name": "function"}}
    rebuilt = losses.LossFunctionWrapper.from_config(config)
    assert rebuilt.fn is losses.huber and rebuilt.delta == 0.5
    by_name = losses.LossFunctionWrapper("mse", name="mse")
    close(by_name([[0.0]], [[2.0]]), 4.0)


def test_builtin_class_options_are_attributes():
    bce = losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1)
    assert bce.from_logits is True and bce.label_smoothing == 0.1 and bce.axis == -1
    with pytest.raises(AttributeError):
        bce.no_such_option  # noqa: B018


def test_custom_function_with_ops_is_wrapped_and_differentiable():
    def scaled_abs(y_true, y_pred):
        return ops.mean(ops.abs(y_true - y_pred) * 3.0, axis=-1)

    loss = losses.LossFunctionWrapper(scaled_abs)
    assert loss.name == "scaled_abs"
    p = Tensor(np.array([[1.0, 2.0]], np.float32), requires_grad=True)
    out = loss([[0.0, 4.0]], p)
    close(out, 3 * (1 + 2) / 2)
    close(grad(out, [p])[0], [[1.5, -1.5]])
    assert losses.get(scaled_abs) is scaled_abs


class DoubledSquare(losses.Loss):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred), axis=-1) * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_custom_loss_subclass_call_reduction_and_serialization():
    loss = DoubledSquare(factor=3.0, reduction="sum")
    assert loss.name == "doubled_square"
    close(loss([[0.0], [1.0]], [[1.0], [3.0]]), 3 * (1 + 4))
    config = losses.serialize(loss)
    assert config["class_name"] == "DoubledSquare"
    rebuilt = losses.deserialize(config, custom_objects={"DoubledSquare": DoubledSquare})
    assert isinstance(rebuilt, DoubledSquare) and rebuilt.factor == 3.0
    assert rebuilt.reduction == "sum"
    with pytest.raises(NotImplementedError):
        losses.Loss()([[0.0]], [[1.0]])


# ---- dtypes ---------------------------------------------------------------------------------

def test_classes_cast_to_floatx_and_functions_keep_float64():
    y64, p64 = np.array([[0.0, 1.0]]), np.array([[0.5, 0.25]])
    assert value(losses.MeanSquaredError()(y64, p64)).dtype == np.float32
    assert value(losses.MeanSquaredError(dtype="float64")(y64, p64)).dtype == np.float64
    assert value(losses.mean_squared_error(y64, p64)).dtype == np.float64
    assert value(losses.mean_squared_error([[0, 1]], [[1, 1]])).dtype == np.float32
    assert value(losses.binary_crossentropy([[0, 1]], [[0.5, 0.5]])).dtype == np.float32
    assert losses.MeanSquaredError().dtype == "float32"


def test_class_call_is_differentiable_wrt_y_pred():
    p = Tensor(np.array([[0.6, 0.4], [0.4, 0.6]], np.float32), requires_grad=True)
    out = losses.BinaryCrossentropy()([[0, 1], [0, 0]], p)
    g = grad(out, [p])[0]
    # d/dp of mean over 4 elements of -(y log p + (1-y) log(1-p)) = (p - y) / (p (1-p)) / 4
    yy, pp = np.array([[0, 1], [0, 0]]), p.data.astype(np.float64)
    close(g, (pp - yy) / (pp * (1 - pp)) / 4, rtol=1e-5)
