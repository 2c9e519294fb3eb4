"""What compile() resolves: the losses (incl. "crossentropy") and metrics (incl. "accuracy").

A model has one output or several; both go through the same code, with the outputs as a
list in ``output_names`` order (a one-entry list for a single output), as Keras 3's compile
utilities do. Log keys follow Keras: a single output logs ``loss`` and the metric names; with
several outputs the metrics are logged as ``<output>_<metric>`` and, when more than one
output has a loss, each output's unweighted loss as ``<output>_loss``.
"""
import numpy as np

from .. import losses as losses_module
from .. import metrics as metrics_module
from ..autodiff import primitives as P
from ..autodiff.tensor import Tensor
from ..naming import to_snake_case
from ..tree import flatten


def _shape_choice(y_true, y_pred, binary, sparse, categorical):
    """Keras's rule: binary if one output unit, sparse if labels lack the class axis, else categorical."""
    if y_pred.shape[-1] == 1:
        return binary
    if y_true.ndim < y_pred.ndim or y_true.shape[-1] == 1:
        return sparse
    return categorical


def per_output(value, names, argument):
    """``value`` spread over the outputs ``names``: one entry for all, a list in output order, or
    a dict keyed by output name (absent keys give None)."""
    if isinstance(value, dict):
        unknown = [key for key in value if key not in names]
        if unknown:
            raise ValueError(  # Keras's words, then which keys are unknown
                f"Expected keys {names} in {argument} dict, but found {argument}.keys()="
                f"{list(value)}. Unknown key(s) {unknown}: the keys must be the model's "
                "output names (use None for an output without one).")
        return [value.get(name) for name in names]
    if isinstance(value, (list, tuple)):
        if len(value) != len(names):
            raise ValueError(
                f"When providing the `{argument}` argument as a list, it should have as many "
                f"entries as the model has outputs ({len(names)}: {names}). Received a list of "
                f"length {len(value)}: {argument}={value!r}. Use a dict keyed by output name "
                "to set only some.")
        return list(value)
    return [value] * len(names)


def as_outputs(value, names):
    """Per-output values (predictions, targets, sample weights) as a list in ``names`` order.

    A list is taken as it is; a dict is read by output name, or in sorted-key order (how
    Keras flattens a dict of outputs) when its keys are not the output names; anything else
    is the value of a single output (one sample-weight array serves every output).
    """
    if isinstance(value, dict):
        if any(name in value for name in names):
            return [value.get(name) for name in names]
        value = [value[key] for key in sorted(value)]
    if isinstance(value, (list, tuple)):
        if len(value) != len(names) and any(isinstance(v, (list, tuple)) for v in value):
            value = flatten(value)  # nested outputs or targets, flattened as Keras does
        if len(value) != len(names):
            raise ValueError(
                f"The model was compiled for {len(names)} output(s) {names}, but received a "
                f"{type(value).__name__} of {len(value)}.")
        return list(value)
    return [value] * len(names)


class _OutputLoss:
    """The loss of one output, resolved on first use ("crossentropy" needs the shapes)."""

    def __init__(self, identifier, weight, output_name):
        self.identifier = identifier
        self.weight = 1.0 if weight is None else float(weight)
        self.output_name = output_name
        self._fn = None if self._deferred() else _resolve_loss(identifier)

    def _deferred(self):
        return isinstance(self.identifier, str) and self.identifier.lower() in ("crossentropy", "ce")

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The loss before ``loss_weights`` are applied."""
        if self._fn is None:
            choice = _shape_choice(y_true, y_pred, "binary_crossentropy",
                                   "sparse_categorical_crossentropy", "categorical_crossentropy")
            self._fn = _resolve_loss(choice, name=self.identifier)
        return self._fn(y_true, y_pred, sample_weight=sample_weight)


def _resolve_loss(identifier, name=None):
    obj = losses_module.get(identifier)
    if isinstance(obj, losses_module.Loss):
        return obj
    if not callable(obj):
        raise ValueError(f"Could not interpret loss identifier: {identifier}")
    if name is None:
        name = identifier if isinstance(identifier, str) else to_snake_case(
            getattr(obj, "__name__", "loss"))
    return losses_module.LossFunctionWrapper(obj, name=name)


def _check_loss_weights(loss_weights):
    if loss_weights is not None and not isinstance(loss_weights, (list, tuple, dict, int, float)):
        raise ValueError(
            "Expected `loss_weights` argument to be a float (single output case) or a "
            f"list, tuple, or dict (multiple output case). Received instead: "
            f"loss_weights={loss_weights!r} of type {type(loss_weights).__name__}")


class CompileLoss:
    """The compiled loss: Σ weight_i · loss_i over the outputs that have a loss.

    Keeps an unweighted ``Mean`` per output (``<output>_loss``) when more than one output
    has a loss, as Keras does: in output order, or in the order of the keys of a dict
    ``loss``.
    """

    def __init__(self, loss, loss_weights, output_names):
        self.output_names = list(output_names)
        _check_loss_weights(loss_weights)
        if isinstance(loss_weights, (list, tuple)) and len(loss_weights) != len(output_names):
            given = len(loss) if isinstance(loss, (list, tuple, dict)) else len(output_names)
            raise ValueError(  # Keras's words, then the outputs
                f"`loss_weights` must match the number of losses, got {given} losses and "
                f"{len(loss_weights)} weights. Give one weight per output "
                f"{self.output_names}, or a dict keyed by output name.")
        losses = per_output(loss, self.output_names, "loss")  # absent keys: no loss (Keras)
        weights = per_output(loss_weights, self.output_names, "loss_weights")
        self.losses = [None if l is None else _OutputLoss(l, w, name)
                       for l, w, name in zip(losses, weights, self.output_names)]
        active = [l for l in self.losses if l is not None]
        if not active:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        if isinstance(loss, dict):  # Keras keeps the per-output losses in the dict's order
            active.sort(key=lambda l: list(loss).index(l.output_name))
        self.trackers = {id(l): metrics_module.Mean(name=f"{l.output_name}_loss")
                         for l in active} if len(active) > 1 else {}
        self._values = []
        self.built = False  # Keras's trackers count among the model's metrics once it ran

    def __call__(self, y_true, y_pred, sample_weight):
        """The total loss of ``y_pred`` (a list of output tensors) against ``y_true`` and
        ``sample_weight`` (lists in the same order)."""
        total, self._values = None, []
        self.built = True
        for fn, target, prediction, weight in zip(self.losses, y_true, y_pred, sample_weight):
            if fn is None:
                continue
            if target is None:
                raise ValueError(
                    f"Output '{fn.output_name}' has a loss but no target was given for it in "
                    f"`y`. Give targets for {[l.output_name for l in self.losses if l]}.")
            value = fn(Tensor(target), prediction, weight)
            self._values.append((fn, value))
            weighted = value if fn.weight == 1.0 else P.multiply(value, fn.weight)
            total = weighted if total is None else P.add(total, weighted)
        return total

    def loss_objects(self):
        """The outputs' losses as resolved (a deferred "crossentropy" only after a call)."""
        return [l._fn for l in self.losses if l is not None]

    def update_trackers(self, batch_size):
        for fn, value in self._values:
            tracker = self.trackers.get(id(fn))
            if tracker is not None:
                tracker.update_state(value.data, sample_weight=batch_size)

    @property
    def metrics(self):
        """The per-output loss trackers, once the loss has run (none before, as in Keras)."""
        return list(self.trackers.values()) if self.built else []


class CompileMetrics:
    """The compiled metrics, resolved from the first batch's shapes as Keras does."""

    def __init__(self, metrics, weighted_metrics, output_names):
        self.output_names = list(output_names)
        # an empty list counts, as in Keras (compile_metrics appears in metrics_names)
        self.has_specs = metrics is not None or weighted_metrics is not None
        self._specs = [self._spread(metrics, "metrics"),
                       self._spread(weighted_metrics, "weighted_metrics")]
        # no metric at all: targets and predictions are not read (a model whose own
        # compute_loss takes targets unlike its outputs trains without them matching)
        self.empty = not any(ids for spec in self._specs for ids in spec)
        self.metrics = None  # [(output index, metric, weighted, logged name)] once built

    def _spread(self, metrics, argument):
        """One list of metric identifiers per output."""
        if metrics is None or (isinstance(metrics, (list, tuple)) and not metrics):
            return [[] for _ in self.output_names]
        if not isinstance(metrics, (list, tuple, dict)):
            raise ValueError(
                f"Expected `{argument}` argument to be a list, tuple, or dict. "
                f"Received instead: {argument}={metrics} of type {type(metrics)}. "
                f"Wrap it in a list: {argument}=[{metrics!r}].")
        if len(self.output_names) == 1 and not isinstance(metrics, dict):
            spread = [metrics]  # a single output: the list is that output's metrics
        else:
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
        """Resolve every identifier against its output's first batch; name the log keys."""
        built, taken = [], set()
        several = len(self.output_names) > 1
        for weighted, spec in enumerate(self._specs):
            for i, identifiers in enumerate(spec):
                prefix = f"{self.output_names[i]}_" if several else ""
                for identifier in identifiers:
                    metric = _resolve_metric(identifier, y_true[i], y_pred[i])
                    name = prefix + metric.name
                    if weighted and name in taken:
                        name = f"{prefix}weighted_{metric.name}"
                    base, k = name, 1
                    while name in taken:
                        name, k = f"{base}_{k}", k + 1
                    taken.add(name)
                    built.append((i, metric, bool(weighted), name))
        self.metrics = built

    def update_state(self, y_true, y_pred, sample_weight):
        """Update every metric from lists of targets, predictions and sample weights."""
        if self.metrics is None:
            self.build(y_true, y_pred)
        for i, metric, weighted, _ in self.metrics:
            if y_true[i] is not None:
                metric.update_state(y_true[i], y_pred[i],
                                    sample_weight=sample_weight[i] if weighted else None)

    def reset_state(self):
        for _, metric, _, _ in self.metrics or ():
            metric.reset_state()

    def result(self):
        return {name: float(np.asarray(m.result())) for _, m, _, name in self.metrics or ()}

    @property
    def metric_objects(self):
        return [m for _, m, _, _ in self.metrics or ()]


def _is_entry(value):
    """One loss or metric: None, a string, a callable or an object (not a container)."""
    return not isinstance(value, (list, tuple, dict))


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
    if callable(metric):  # a function by its name, a Loss object by its own (Keras's)
        name = getattr(metric, "name", None)
        return metrics_module.MeanMetricWrapper(metric, name=name if isinstance(name, str) else
                                                to_snake_case(getattr(metric, "__name__",
                                                                      "metric")))
    raise ValueError(f"Could not interpret metric identifier: {identifier}")
