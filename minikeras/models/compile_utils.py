"""What compile() resolves: the loss (incl. "crossentropy") and the metrics (incl. "accuracy")."""
import numpy as np

from .. import losses as losses_module
from .. import metrics as metrics_module
from ..autodiff import primitives as P
from ..autodiff.tensor import Tensor
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
        fn = self._fn
        value = fn(y_true, y_pred, sample_weight=sample_weight) if fn is not None else \
            self.value(y_true, y_pred, sample_weight)
        return value if self.weight == 1.0 else P.multiply(value, self.weight)

    def value(self, y_true, y_pred, sample_weight=None):
        """The loss before ``loss_weights`` are applied."""
        if self._fn is None:
            if not self._deferred():
                raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
            choice = _shape_choice(y_true, y_pred, "binary_crossentropy",
                                   "sparse_categorical_crossentropy", "categorical_crossentropy")
            self._fn = self._resolve(choice, name=self.identifier)
        return self._fn(y_true, y_pred, sample_weight=sample_weight)


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


# ---- several outputs ---------------------------------------------------------------------------
def _is_entry(value):
    """One loss or metric: None, a string, a callable or an object (not a container)."""
    return not isinstance(value, (list, tuple, dict))


def per_output(value, names, argument, require_all_keys=False):
    """``value`` spread over the outputs ``names``: one entry for all, a list in output order, or
    a dict keyed by output name (absent keys give None)."""
    if isinstance(value, dict):
        unknown = [key for key in value if key not in names]
        missing = [name for name in names if name not in value] if require_all_keys else []
        if unknown or missing:
            detail = f"unknown key(s) {unknown}" if unknown else f"missing key(s) {missing}"
            raise ValueError(
                f"In the dict argument `{argument}`: {detail}. The keys must be the model's "
                f"output names {names} (use None for an output without one). "
                f"Received: {argument} keys {list(value)}.")
        return [value.get(name) for name in names]
    if isinstance(value, (list, tuple)):
        if len(value) != len(names):
            raise ValueError(
                f"For a model with multiple outputs, when providing the `{argument}` argument "
                f"as a list, it should have as many entries as the model has outputs "
                f"({len(names)}: {names}). Received a list of length {len(value)}: "
                f"{argument}={value!r}. Use a dict keyed by output name to set only some.")
        return list(value)
    return [value] * len(names)


class MultiOutputLoss:
    """The compiled loss of a model with several outputs: Σ weight_i · loss_i over the outputs
    that have a loss. Keeps an unweighted ``Mean`` per output (``<output>_loss``) when more
    than one output has a loss, as Keras does."""

    def __init__(self, loss, loss_weights, output_names):
        self.output_names = list(output_names)
        if loss_weights is not None and not isinstance(loss_weights, (list, tuple, dict, int,
                                                                      float)):
            raise ValueError(
                "Expected `loss_weights` argument to be a float (single output case) or a "
                f"list, tuple, or dict (multiple output case). Received instead: "
                f"loss_weights={loss_weights!r} of type {type(loss_weights).__name__}")
        losses = per_output(loss, self.output_names, "loss", require_all_keys=True) \
            if isinstance(loss, (list, tuple, dict)) else [loss] * len(self.output_names)
        weights = [1.0] * len(losses) if loss_weights is None else \
            per_output(loss_weights, self.output_names, "loss_weights")
        self.losses = [None if l is None else CompileLoss(l, 1.0 if w is None else w)
                       for l, w in zip(losses, weights)]
        active = [i for i, l in enumerate(self.losses) if l is not None]
        if not active:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        self.trackers = {i: metrics_module.Mean(name=f"{self.output_names[i]}_loss")
                         for i in active} if len(active) > 1 else {}
        self._values = []

    def __call__(self, y_true, y_pred, sample_weight=None):
        per_weight = isinstance(sample_weight, list)
        total, self._values = None, []
        for i, fn in enumerate(self.losses):
            if fn is None:
                continue
            if y_true[i] is None:
                raise ValueError(
                    f"Output '{self.output_names[i]}' has a loss but no target was given for it "
                    f"in `y`. Give targets for {self._needed()}.")
            weight = sample_weight[i] if per_weight else sample_weight
            value = fn.value(Tensor(y_true[i]), y_pred[i], weight)
            self._values.append((i, value))
            weighted = value if fn.weight == 1.0 else P.multiply(value, fn.weight)
            total = weighted if total is None else P.add(total, weighted)
        return total

    def _needed(self):
        return [n for n, l in zip(self.output_names, self.losses) if l is not None]

    def update_trackers(self, batch_size):
        for i, value in self._values:
            if i in self.trackers:
                self.trackers[i].update_state(value.data, sample_weight=batch_size)

    def reset_state(self):
        for tracker in self.trackers.values():
            tracker.reset_state()

    def result(self):
        return {t.name: float(np.asarray(t.result())) for t in self.trackers.values()}

    @property
    def names(self):
        return [t.name for t in self.trackers.values()]


class MultiOutputMetrics:
    """Compiled metrics of a model with several outputs; logged as ``<output>_<metric>``."""

    def __init__(self, metrics, weighted_metrics, output_names):
        self.output_names = list(output_names)
        self._specs = [self._spread(metrics, "metrics"),
                       self._spread(weighted_metrics, "weighted_metrics")]
        self.metrics = None  # [(output index, metric, weighted, logged name)] once built

    def _spread(self, metrics, argument):
        if metrics is None:
            return [[] for _ in self.output_names]
        if not isinstance(metrics, (list, tuple, dict)):
            _as_list(metrics, argument)  # raises Keras's "Expected ... list, tuple, or dict"
        if isinstance(metrics, (list, tuple)) and not metrics:
            return [[] for _ in self.output_names]
        spread = per_output(metrics, self.output_names, argument)
        out = []
        for entry in spread:
            entry = [] if entry is None else list(entry) if isinstance(entry, (list, tuple)) \
                else [entry]
            if not all(_is_entry(m) for m in entry):
                raise ValueError(f"Entries of the `{argument}` sublists should be metrics "
                                 f"(strings, functions or Metric objects). Received: {entry!r}")
            out.append([m for m in entry if m is not None])
        return out

    def build(self, y_true, y_pred):
        built, counters = [], {}
        for weighted, spec in enumerate(self._specs):
            for i, identifiers in enumerate(spec):
                for identifier in identifiers:
                    metric = _resolve_metric(identifier, y_true[i], y_pred[i])
                    prefix = self.output_names[i]
                    name = f"{prefix}_{metric.name}"
                    if name in counters and weighted:
                        name = f"{prefix}_weighted_{metric.name}"
                    if name in counters:
                        counters[name] += 1
                        name = f"{name}_{counters[name] - 1}"
                    else:
                        counters[name] = 1
                    built.append((i, metric, bool(weighted), name))
        self.metrics = built

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.metrics is None:
            self.build(y_true, y_pred)
        per_weight = isinstance(sample_weight, list)
        for i, metric, weighted, _ in self.metrics:
            if y_true[i] is None:
                continue
            weight = None
            if weighted:
                weight = sample_weight[i] if per_weight else sample_weight
            metric.update_state(y_true[i], y_pred[i], sample_weight=weight)

    def reset_state(self):
        for _, metric, _, _ in self.metrics or ():
            metric.reset_state()

    def result(self):
        return {name: float(np.asarray(m.result())) for _, m, _, name in self.metrics or ()}

    @property
    def raw_names(self):
        """The metrics' own names (Keras orders ``evaluate``'s list by these, then by key)."""
        return [m.name for _, m, _, _ in self.metrics or ()]
