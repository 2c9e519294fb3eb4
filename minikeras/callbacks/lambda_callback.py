"""LambdaCallback: a callback made of plain functions."""
import difflib

from .callback import _ALL_HOOKS, CALLBACKS, Callback
from ..arguments import warn_user



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
            if name not in _ALL_HOOKS:
                close = difflib.get_close_matches(name, _ALL_HOOKS, n=1)
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
