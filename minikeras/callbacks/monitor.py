"""What the monitoring callbacks share: the `mode` rule, the improvement test, argument checks.

EarlyStopping, ModelCheckpoint and ReduceLROnPlateau watch one logs value
(``monitor``, e.g. ``"val_loss"``) and ask after each epoch whether it improved.

Mode rule (Keras 3): ``"min"`` / ``"max"`` are taken as given. ``"auto"`` strips a
leading ``val_``; ``loss`` is minimised; any other name is looked up among the
compiled metrics and follows that metric's ``_direction`` (``"up"``: maximise,
``"down"``: minimise). A name that cannot be resolved raises a ValueError asking for
``mode``. The lookup happens at the first epoch end, once the metrics are built.

Improvement, with ``d = |min_delta|``:

    min mode:  current - (-d) < best      i.e.  current < best - d
    max mode:  current - d    > best      i.e.  current > best + d

and ``best = None`` (nothing seen yet) always counts as an improvement.
"""

import numpy as np

from ..arguments import check_number, warn_user
from .callback import Callback

MODES = ("auto", "min", "max")


def compiled_metrics(model):
    """The model's compiled metric objects (empty before the first batch built them)."""
    compiled = getattr(model, "_compile_metrics", None)
    return compiled.metric_objects if compiled is not None else []


class MonitorCallback(Callback):
    """Base of the callbacks that watch one logs value and test it for improvement.

    Args:
        monitor: the logs key to watch, e.g. ``"val_loss"``.
        mode: ``"auto"``, ``"min"`` or ``"max"``; anything else warns and becomes ``"auto"``.
        baseline: initial ``best`` value (None: the first value seen improves).
        min_delta: smallest change that counts as an improvement (its sign is ignored).
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        owner = type(self).__name__
        if not isinstance(monitor, str):
            raise TypeError(f"{owner}: `monitor` must be the name of a logs key, such as "
                            f"'val_loss' or 'accuracy'. Received: monitor={monitor!r}")
        if mode not in MODES:
            warn_user(f"{owner} mode '{mode}' is unknown, fallback to auto mode.")
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = check_number(owner, "baseline", baseline, allow_none=True)
        self.min_delta = abs(check_number(owner, "min_delta", min_delta))
        self.monitor_op = None

    def _set_monitor_op(self):
        """Resolve the direction (see the module docstring); make ``min_delta`` signed."""
        direction = {"min": "down", "max": "up"}.get(self.mode)
        if direction is None:
            name = self.monitor[4:] if self.monitor.startswith("val_") else self.monitor
            if name == "loss":
                direction = "down"
            for metric in compiled_metrics(self.model):
                if metric.name == name and getattr(metric, "_direction", None) in ("up", "down"):
                    direction = metric._direction
        if direction is None:
            raise ValueError(
                f"{type(self).__name__} callback received monitor={self.monitor}, but Keras "
                "isn't able to automatically determine whether that metric should be maximized "
                "or minimized. Pass `mode='max'` in order to monitor based on the highest "
                "metric value, or pass `mode='min'` in order to use the lowest value.")
        self.monitor_op = np.greater if direction == "up" else np.less
        self.min_delta = abs(self.min_delta) * (1 if direction == "up" else -1)

    def _is_improvement(self, value, reference):
        if reference is None:
            return True
        if self.monitor_op is None:
            self._set_monitor_op()
        return bool(self.monitor_op(value - self.min_delta, reference))
