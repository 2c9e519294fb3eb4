"""TerminateOnNaN, LambdaCallback and SwapEMAWeights."""
import difflib
import math

from .callback import _HOOKS, CALLBACKS, Callback
from .monitor import warn_user

_LAMBDA_HOOKS = _HOOKS + ("on_batch_begin", "on_batch_end")


@CALLBACKS.register("TerminateOnNaN")
class TerminateOnNaN(Callback):
    """Stop training as soon as the running loss is NaN or infinite.

    Checked at every training batch end (``on_batch_end``).

    Args:
        raise_error: False (default): print ``Batch N: Invalid loss, terminating training``
            and set ``model.stop_training`` (training ends after this batch and the other
            callbacks' ``on_train_end`` still run). True: raise a RuntimeError at once.
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(float(loss)):
            return
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. "
                               f"Loss value: {loss}. Terminating training immediately.")
        print(f"Batch {batch}: Invalid loss, terminating training", flush=True)
        self.model.stop_training = True


@CALLBACKS.register("LambdaCallback")
class LambdaCallback(Callback):
    """A callback made of plain functions, each replacing the hook of the same name.

    ``on_epoch_begin/end`` are called as ``f(epoch, logs)``, ``on_train_begin/end`` as
    ``f(logs)``, ``on_train_batch_begin/end`` as ``f(batch, logs)``. Any other hook can be
    given by keyword (e.g. ``on_batch_end=``, ``on_test_end=``); every extra keyword is
    set as an attribute, as in Keras.

    Args:
        on_epoch_begin, on_epoch_end, on_train_begin, on_train_end, on_train_batch_begin,
        on_train_batch_end: functions, or None to keep the default (do nothing).
        **kwargs: more hooks (or attributes).
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        for name, value in kwargs.items():
            if name not in _LAMBDA_HOOKS:
                close = difflib.get_close_matches(name, _LAMBDA_HOOKS, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                warn_user(f"LambdaCallback: {name!r} is not a callback hook, so it is only set "
                          f"as an attribute and never called by fit/evaluate/predict.{hint}")
            elif value is not None and not callable(value):
                raise TypeError(f"LambdaCallback: `{name}` must be a function. "
                                f"Received: {value!r}")
        self.__dict__.update(kwargs)
        given = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end,
                 "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end}
        for name, fn in given.items():
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(f"LambdaCallback: `{name}` must be a function. Received: {fn!r}")
            setattr(self, name, fn)


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
