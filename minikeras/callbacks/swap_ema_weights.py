"""SwapEMAWeights: evaluate and predict with the optimizer's moving average of the weights."""
from .callback import CALLBACKS, Callback


@CALLBACKS.register("SwapEMAWeights")
class SwapEMAWeights(Callback):
    """Evaluate and predict with the optimizer's moving average of the weights.

    Needs an optimizer made with ``use_ema=True``. Before each evaluation (including the
    validation inside ``fit``) and prediction the averages are copied into the model's
    trainable weights, and the trained weights are put back afterwards.

    Args:
        swap_on_epoch: also hold the averages in the model from each epoch end to the
            next epoch start, so later callbacks (e.g. ModelCheckpoint) save the averages.
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._backup = None  # the trained weights while the averages are in the model
        self._swapped_for_run = False

    def _pairs(self):
        optimizer = self.model.optimizer
        if not getattr(optimizer, "use_ema", False):
            raise ValueError("SwapEMAWeights must be used when `use_ema=True` is set on the "
                             f"optimizer. Received: {type(optimizer).__name__} with use_ema=False")
        averages = getattr(optimizer, "_averages", None)
        if averages is None:
            return []  # not built yet: there is no average to swap in
        return list(zip(optimizer._trainable_variables, averages))

    # The averages are copied in and the weights kept aside (rather than exchanged), so if
    # training ends while the averages are in the model, fit's final "copy the averages
    # into the weights" still finds the averages in the optimizer.
    def _swap_in(self):
        if self._backup is None:
            pairs = self._pairs()
            self._backup = [variable.data.copy() for variable, _ in pairs]
            for variable, average in pairs:
                variable.data[...] = average.data  # in place: weights may view one buffer

    def _swap_out(self):
        if self._backup is not None:
            for (variable, _), weights in zip(self._pairs(), self._backup):
                variable.data[...] = weights
            self._backup = None

    def on_train_begin(self, logs=None):
        self._backup = None

    def on_train_end(self, logs=None):
        self._backup = None  # fit has just put the final (averaged) weights in the model

    def on_epoch_begin(self, epoch, logs=None):
        self._swap_out()

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._swap_in()

    def on_test_begin(self, logs=None):
        self._swapped_for_run = self._backup is None
        self._swap_in()

    def on_test_end(self, logs=None):
        if self._swapped_for_run:
            self._swap_out()

    on_predict_begin = on_test_begin
    on_predict_end = on_test_end
