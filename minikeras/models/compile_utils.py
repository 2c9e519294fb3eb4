"""What compile() resolves: the loss (incl. "crossentropy") and the metrics (incl. "accuracy")."""
import numpy as np

from .. import losses as losses_module
from .. import metrics as metrics_module
from ..autodiff import primitives as P
from ..naming import to_snake_case


def _shape_choice(y_true, y_pred, binary, sparse, categorical):
    """Keras's rule: binary if one output unit, sparse if labels lack the class axis, else categorical."""
    if y_pred.shape[-1] == 1:
        return binary
    if y_true.ndim < y_pred.ndim or y_true.shape[-1] == 1:
        return sparse
    return categorical


class CompileLoss:
    """The compiled loss: resolved on first use, called as ``loss(y_true, y_pred, sample_weight)``."""

    def __init__(self, loss, loss_weights=None):
        if isinstance(loss, (list, tuple)):
            if len(loss) != 1:
                raise ValueError(
                    "minikeras models have a single output, so `loss` must be one loss. "
                    f"Received a list of {len(loss)} losses.")
            loss = loss[0]
        if isinstance(loss, dict):
            raise ValueError("minikeras models have a single output; a dict `loss` is not supported.")
        if isinstance(loss_weights, (list, tuple)):
            loss_weights = loss_weights[0] if len(loss_weights) == 1 else None
        self.identifier = loss
        self.weight = 1.0 if loss_weights is None else float(loss_weights)
        self._fn = None if self._deferred() else self._resolve(loss)

    def _deferred(self):
        return isinstance(self.identifier, str) and self.identifier.lower() in ("crossentropy", "ce")

    @staticmethod
    def _resolve(identifier, name=None):
        obj = losses_module.get(identifier)
        if obj is None:
            return None
        if isinstance(obj, losses_module.Loss):
            return obj
        if not callable(obj):
            raise ValueError(f"Could not interpret loss identifier: {identifier!r}")
        if name is None:
            name = identifier if isinstance(identifier, str) else to_snake_case(
                getattr(obj, "__name__", "loss"))
        return losses_module.LossFunctionWrapper(obj, name=name)

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self._fn is None:
            if not self._deferred():
                raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
            choice = _shape_choice(y_true, y_pred, "binary_crossentropy",
                                   "sparse_categorical_crossentropy", "categorical_crossentropy")
            self._fn = self._resolve(choice, name=self.identifier)
        value = self._fn(y_true, y_pred, sample_weight=sample_weight)
        return value if self.weight == 1.0 else P.multiply(value, self.weight)


class CompileMetrics:
    """The compiled metrics, resolved from the first batch's shapes as Keras does."""

    def __init__(self, metrics=None, weighted_metrics=None):
        self._specs = [(m, False) for m in _as_list(metrics, "metrics")] + \
                      [(m, True) for m in _as_list(weighted_metrics, "weighted_metrics")]
        self.metrics = None  # list of (metric, weighted) once built

    def build(self, y_true, y_pred):
        built, names = [], set()
        for identifier, weighted in self._specs:
            metric = _resolve_metric(identifier, y_true, y_pred)
            name = metric.name
            if weighted and name in names:
                name = "weighted_" + name
            base, k = name, 1
            while name in names:
                name, k = f"{base}_{k}", k + 1
            metric.name = name
            names.add(name)
            built.append((metric, weighted))
        self.metrics = built

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.metrics is None:
            self.build(y_true, y_pred)
        for metric, weighted in self.metrics:
            metric.update_state(y_true, y_pred, sample_weight=sample_weight if weighted else None)

    def reset_state(self):
        for metric, _ in self.metrics or ():
            metric.reset_state()

    def result(self):
        return {m.name: float(np.asarray(m.result())) for m, _ in self.metrics or ()}

    @property
    def names(self):
        if self.metrics is not None:
            return [m.name for m, _ in self.metrics]
        return [m if isinstance(m, str) else getattr(m, "name", to_snake_case(
            getattr(m, "__name__", "metric"))) for m, _ in self._specs]


def _as_list(metrics, argument):
    if metrics is None:
        return []
    if isinstance(metrics, dict):
        values = list(metrics.values())
        if len(values) > 1:
            raise ValueError(f"minikeras models have a single output; `{argument}` dict has "
                             f"{len(values)} entries.")
        metrics = values[0] if values else []
        return list(metrics) if isinstance(metrics, (list, tuple)) else [metrics]
    if not isinstance(metrics, (list, tuple)):
        raise ValueError(
            f"Expected `{argument}` argument to be a list, tuple, or dict. "
            f"Received instead: {argument}={metrics!r} of type {type(metrics).__name__}. "
            f"Wrap it in a list: {argument}=[{metrics!r}].")
    return list(metrics)


def _resolve_metric(identifier, y_true, y_pred):
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        cls = _shape_choice(y_true, y_pred, metrics_module.BinaryAccuracy,
                            metrics_module.SparseCategoricalAccuracy,
                            metrics_module.CategoricalAccuracy)
        return cls(name=identifier)
    metric = metrics_module.get(identifier)
    if isinstance(metric, metrics_module.Metric):
        if isinstance(identifier, str):
            metric.name = identifier
        return metric
    if callable(metric):
        return metrics_module.MeanMetricWrapper(
            metric, name=to_snake_case(getattr(metric, "__name__", "metric")))
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")
