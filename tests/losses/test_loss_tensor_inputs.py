"""A loss called on Tensors already in its dtype (what a training step passes) gives the
numbers it gives on arrays: golden values from KERAS_REFERENCE.md 1.3, gradients by hand."""
import numpy as np

from minikeras import losses
from minikeras.autodiff import Tensor, grad

Y = np.ones((2, 3, 4), np.float32)
P = (np.arange(24).reshape(2, 3, 4) / 24).astype(np.float32)


def test_tensor_inputs_give_the_golden_values_and_gradient():
    pred = Tensor(P, requires_grad=True)
    for reduction, expected in (("sum_over_batch_size", 0.354456), ("sum", 2.1267359),
                                ("mean", 0.354456)):
        loss = losses.MeanSquaredError(reduction=reduction)(Tensor(Y), pred)
        np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-5)
    assert losses.MeanSquaredError(reduction="none")(Tensor(Y), pred).shape == (2, 3)
    # mean over 4 features, then over 6 rows: d/dp = 2 (p - y) / 24
    (g,) = grad(losses.MeanSquaredError()(Tensor(Y), pred), [pred])
    np.testing.assert_allclose(g, 2 * (P - Y) / 24, rtol=1e-6)


class FirstRowOnly(losses.Loss):
    """Per-row absolute error whose values carry a mask keeping row 0 only."""

    def call(self, y_true, y_pred):
        values = abs(y_pred - y_true)[:, 0]
        values.mask = np.array([True, False])
        return values


def test_a_mask_on_the_values_still_averages_over_kept_entries():
    y_pred = Tensor(np.array([[3.0], [10.0]], np.float32))
    # only |3 - 1| = 2 counts, averaged over the one kept entry
    np.testing.assert_allclose(FirstRowOnly()(Tensor(np.ones((2, 1), np.float32)),
                                              y_pred).numpy(), 2.0)


def test_float64_tensors_are_cast_to_the_loss_dtype():
    loss = losses.MeanSquaredError()(Tensor(Y.astype(np.float64)), Tensor(P.astype(np.float64)))
    assert loss.dtype == np.float32
    np.testing.assert_allclose(loss.numpy(), 0.354456, rtol=1e-5)
