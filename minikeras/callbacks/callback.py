"""Callback base, CallbackList, History and ProgbarLogger."""
import numpy as np

from ..config import is_interactive_logging_enabled
from ..registry import Registry
from ..tree import flatten
from ..utils.progbar import Progbar
from ..io_utils import print_msg

CALLBACKS = Registry("callback")

_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
          "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
          "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
          "on_predict_batch_begin", "on_predict_batch_end")
# with Keras 2's batch hooks (a LambdaCallback takes them, a CallbackList calls them)
_ALL_HOOKS = _HOOKS + ("on_batch_begin", "on_batch_end")


@CALLBACKS.register("Callback")
class Callback:
    """Base class: override any ``on_*`` hook; ``self.model`` and ``self.params`` are set by fit."""

    writes_files = False  # True for callbacks that write files: only rank 0 runs them
    # when keras.distribution trains on several MPI ranks

    def __init__(self):
        self.model = None
        self.params = {}

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self.model = model

    def wants_batch_logs(self):
        """Whether this callback reads the running logs after each training batch.

        fit() computes those logs (a result() of every metric) only if some callback does.
        """
        return _overrides(self, "on_train_batch_end") or _overrides(self, "on_batch_end")

    def runs_on_train_batches(self):
        """Whether a hook of this callback runs before or after each training batch (fit
        does not call the batch hooks of a list where none does)."""
        return any(_overrides(self, hook) for hook in (
            "on_train_batch_begin", "on_batch_begin", "on_train_batch_end", "on_batch_end"))

    def on_batch_begin(self, batch, logs=None):
        """Keras 2 name; called by the default ``on_train_batch_begin``."""

    def on_batch_end(self, batch, logs=None):
        """Keras 2 name; called by the default ``on_train_batch_end``."""

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass


def flat_logs(logs):
    """Logs as Keras's ``pythonify_logs`` lays them out: keys sorted, and a nested dict (a
    custom step's ``{m.name: m.result() for m in self.metrics}`` holds "compile_metrics")
    spread in its place, sorted the same way. Keras applies it once to fit's logs (a custom
    step's "compile_metrics" entries come before "loss") and twice to evaluate's."""
    flat = {}
    for key, value in sorted(logs.items()):
        if isinstance(value, dict):
            flat.update(flat_logs(value))
        else:
            flat[key] = _python_number(value)
    return flat


def _python_number(value):
    """``value`` as a Python float when it is one number (a numpy scalar, a one-element
    array or tensor, an int), as Keras's ``pythonify_logs`` gives the callbacks; anything
    else (predict's outputs, text) as it is."""
    if type(value) is float:
        return value
    try:
        array = np.asarray(value)
    except Exception:  # noqa: BLE001 - not array-like: kept, as Keras keeps it
        return value
    if array.size != 1 or array.dtype.kind not in "biuf":
        return value
    return float(array.reshape(()))


def _overrides(callback, hook):
    return hook in vars(callback) or getattr(type(callback), hook) is not getattr(Callback, hook)


class CallbackList:
    """Calls each hook on every callback, in order.

    Args:
        callbacks: A list of callbacks (nested lists are flattened).
        add_history: Append a ``History`` unless the list holds one; it becomes the
            model's ``history``.
        add_progbar: Append a ``ProgbarLogger`` unless the list holds one.
        model: Given to every callback's ``set_model``.
        **params: When any, given to every callback's ``set_params`` (``verbose``,
            ``epochs``, ``steps``), as a custom training loop passes them.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        self.callbacks = _one_progbar(flatten(callbacks) if callbacks else [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(
                    f"Expected every callback to be a keras.callbacks.Callback instance. "
                    f"Received: {cb!r} (of type {type(cb).__name__})")
        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if add_progbar and not any(isinstance(cb, ProgbarLogger) for cb in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        self.model = None
        self.set_model(model)
        self.set_params(params)
        self.wants_batch_logs = any(cb.wants_batch_logs() for cb in self.callbacks)
        self.runs_on_train_batches = any(cb.runs_on_train_batches() for cb in self.callbacks)

    def set_model(self, model):
        """Give ``model`` to every callback (a History becomes its ``history``); None
        changes nothing."""
        if model is None:
            return
        self.model = model
        if self._history is not None:
            model.history = self._history
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params):
        """Keep ``params`` and, when there are any, give them to every callback."""
        self.params = params
        if params:
            for cb in self.callbacks:
                cb.set_params(params)

    def __getattr__(self, hook):
        if hook not in _ALL_HOOKS:
            raise AttributeError(hook)

        # Like Keras, always pass `logs` (a dict, {} when there are none), so hooks written
        # as `def on_epoch_begin(self, epoch, logs)` or `lambda epoch, logs: ...` work. The
        # callbacks share one copy laid out by flat_logs (Keras's pythonify_logs): what one adds
        # (ReduceLROnPlateau's learning_rate) the next ones see, the caller's dict is unchanged.
        n_args = 2 if hook.startswith("on_epoch") or "_batch_" in hook else 1

        def call_all(*args, logs=None):
            if len(args) == n_args:
                args, logs = args[:-1], args[-1]
            args = args + (flat_logs(logs) if logs else {},)
            for cb in self.callbacks:
                getattr(cb, hook)(*args)
        setattr(self, hook, call_all)  # later calls skip __getattr__
        return call_all


def _one_progbar(callbacks):
    """``callbacks`` without the ProgbarLoggers after the first: as in Keras, a ProgbarLogger
    the user passes takes the place of the one fit / evaluate / predict add at the end."""
    first = next((cb for cb in callbacks if isinstance(cb, ProgbarLogger)), None)
    return [cb for cb in callbacks if cb is first or not isinstance(cb, ProgbarLogger)]


@CALLBACKS.register("History")
class History(Callback):
    """Records the epoch logs: ``history[name]`` is a list with one value per epoch."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(value)
        if self.model is not None:
            self.model.history = self


@CALLBACKS.register("ProgbarLogger")
class ProgbarLogger(Callback):
    """Prints ``Epoch i/N`` and a progress line per epoch (fit), or one bar (evaluate/predict)."""

    def __init__(self):
        super().__init__()
        self.progbar = None
        self.epochs = 1
        self.verbose = 1

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def wants_batch_logs(self):
        return self.verbose == 1 and is_interactive_logging_enabled()

    def _new_bar(self, target):
        self.progbar = Progbar(target=target, verbose=self.verbose,
                               stateful_metrics=())

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")
        self._new_bar(self.target)

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch + 1, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.target is None:  # unknown length (a generator): learned from the first epoch
            self.target = self.progbar._seen
        self._update(self.progbar._seen, logs, finalize=True)

    def on_test_begin(self, logs=None):
        if self.model is None or not getattr(self.model, "_in_fit", False):
            self._new_bar(self.params.get("steps"))

    def on_test_batch_end(self, batch, logs=None):
        if not getattr(self.model, "_in_fit", False):
            self._update(batch + 1, logs)

    def on_test_end(self, logs=None):
        if not getattr(self.model, "_in_fit", False):
            self._update(self.progbar._seen, logs, finalize=True)

    def on_predict_begin(self, logs=None):
        self._new_bar(self.params.get("steps"))

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch + 1, None)

    def on_predict_end(self, logs=None):
        self._update(self.progbar._seen, None, finalize=True)

    def _update(self, step, logs, finalize=False):
        if finalize:
            if self.progbar.target is None:  # as Keras: the count seen is the total
                self.progbar.target = step
            step = self.progbar.target  # Keras ends at the target, also after an epoch cut short
        # as Keras: the bar takes batch logs at verbose 1 only (the first ones set its key
        # order); at verbose 2 the final logs do
        shown = logs if finalize or self.verbose == 1 else None
        values = [(k, v if isinstance(v, float) else float(np.mean(v)))  # an array: its mean
                  for k, v in (shown or {}).items()]
        self.progbar.stateful_metrics = {k for k, _ in values}
        self.progbar.update(step, values, finalize=finalize)
