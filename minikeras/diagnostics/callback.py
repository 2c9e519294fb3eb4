"""keras.diagnostics.Diagnostics: per-layer gradient and activation figures while fitting.

How it sees inside a training step, without any change to the trainer: while training
runs, the model's optimizer has an instance attribute ``apply`` that wraps the real one
(it reads the gradients it is given and the weights before and after the update), and
each layer ending in relu / sigmoid / tanh has an instance attribute ``call`` that reads
its output during training forward passes (when the autodiff records, i.e. not in
evaluate / predict). Both are removed at the end of training. Without this callback
nothing is wrapped and training costs nothing extra.
"""
import math

import numpy as np

from ..autodiff.grad_mode import is_grad_enabled
from ..callbacks.callback import Callback
from ..utils.summary import box_table
from .layer_stats import LayerStats, StepNorms

MEASURES = ("grad_norm", "weight_norm", "update_ratio", "dead_fraction", "saturated_fraction")


class Diagnostics(Callback):
    """Measure, per layer and per epoch, what training does to the gradients and units.

    At every epoch end the figures go into the logs (so ``History``, the progress line,
    ``CSVLogger`` and ``TensorBoard`` get them; put this callback first in ``callbacks``
    so the callbacks after it see them), under ``<measure>/<layer name>``:

    * ``grad_norm``: the L2 norm of the layer's gradient (its trainable weights together),
      averaged over the epoch's measured steps (every ``measure_every``-th, from the first);
    * ``weight_norm``: the L2 norm of its trainable weights at the epoch's end;
    * ``update_ratio``: ``||W_after - W_before|| / ||W_before||`` of each optimizer step,
      averaged (around 1e-3 is the classic healthy value);
    * ``dead_fraction`` (relu layers): the fraction of units whose output was never above 0
      for any training sample of the epoch;
    * ``saturated_fraction`` (sigmoid / tanh layers): the fraction of outputs within
      ``saturation`` of the function's bounds.

    Two flags join them: ``grad_norm_ratio``, the first weighted layer's gradient norm
    over the last one's; ``vanishing_gradients`` is 1.0 when that ratio is below
    ``vanishing_ratio`` and ``exploding_gradients`` is 1.0 when it is above
    ``exploding_ratio`` or any gradient norm is not finite.

    Args:
        vanishing_ratio: below this first/last gradient-norm ratio, gradients vanish.
            Default 1e-2.
        exploding_ratio: above this ratio (or on a non-finite norm), they explode.
            Default 1e2.
        saturation: distance from a sigmoid / tanh bound that counts as saturated.
            Default 0.01.
        measure_every: measure gradient norms and update ratios on every this many training
            steps (default 10, which keeps the cost to a few % of a step; 1 measures every
            step).
            Activations are read on every step.
        log: put the figures into the epoch logs. Default True.

    Attributes:
        history: one dict per epoch: ``{layer name: {measure: value}}`` and, under
            ``"flags"``, the ratio and the two flags.
    """

    def __init__(self, vanishing_ratio=1e-2, exploding_ratio=1e2, saturation=0.01,
                 measure_every=10, log=True):
        super().__init__()
        if isinstance(measure_every, bool) or not isinstance(measure_every, int) or \
                measure_every < 1:
            raise ValueError("`measure_every` must be a positive integer. Received: "
                             f"measure_every={measure_every!r}")
        for name, value in (("vanishing_ratio", vanishing_ratio),
                            ("exploding_ratio", exploding_ratio), ("saturation", saturation)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"`{name}` must be a positive number. Received: "
                                 f"{name}={value!r}")
        if vanishing_ratio >= exploding_ratio:
            raise ValueError("`vanishing_ratio` must be below `exploding_ratio`. Received: "
                             f"vanishing_ratio={vanishing_ratio}, "
                             f"exploding_ratio={exploding_ratio}")
        if saturation >= 0.5:
            raise ValueError(f"`saturation` must be below 0.5. Received: saturation={saturation}")
        self.vanishing_ratio, self.exploding_ratio = vanishing_ratio, exploding_ratio
        self.saturation, self.measure_every, self.log = saturation, measure_every, log
        self._step = 0
        self.history = []
        self._layers, self._stats = [], []
        self._norms = None  # the per-step gradient / update norms (StepNorms)
        self._wrapped = []  # objects with an instance attribute we set

    def wants_batch_logs(self):
        return False

    # ---- installing the probes -------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._remove_probes()
        self._layers = list({id(layer): layer for layer in self.model._flatten_layers()}.values())
        self._stats = [LayerStats(layer, self.saturation) for layer in self._layers
                       if layer is not self.model and not layer._sublayers()]
        self._norms = None  # made at the first step, when the model is surely built
        for stats in self._stats:
            if stats.kind is not None:
                self._wrap(stats.layer, "call", _recording_call(stats))
        self._wrap(self.model.optimizer, "apply", self._recording_apply(
            self.model.optimizer.apply))

    def _bind(self, variables):
        """Give each trainable variable to the innermost layer holding it (a model's own
        weights to the model) and size the per-step buffers."""
        owner = {}
        for layer in self._layers:  # parents come before their sublayers: inner ones win
            for v in layer.trainable_weights:
                owner[id(v)] = layer
        # a layer still unbuilt at the first step was never called (an attribute's earlier
        # value, which the model keeps tracking as Keras does): it has no figures
        self._stats = [stats for stats in self._stats if stats.layer.built]
        held = {id(stats.layer): stats for stats in self._stats}
        for layer in self._layers:
            if id(layer) not in held and any(owner.get(id(v)) is layer for v in variables):
                held[id(layer)] = LayerStats(layer, self.saturation)
                self._stats.append(held[id(layer)])
        position = {id(layer): i for i, layer in enumerate(self._layers)}
        self._stats.sort(key=lambda stats: position[id(stats.layer)])
        for stats in self._stats:
            stats.variables = [v for v in variables if owner.get(id(v)) is stats.layer]
        index = {id(stats.layer): i for i, stats in enumerate(self._stats)}
        self._norms = StepNorms(variables, [index[id(owner[id(v)])] for v in variables],
                                len(self._stats))

    def _wrap(self, obj, attribute, function):
        setattr(obj, attribute, function)
        self._wrapped.append((obj, attribute))

    def _remove_probes(self):
        for obj, attribute in self._wrapped:
            vars(obj).pop(attribute, None)
        self._wrapped = []

    def _recording_apply(self, apply):
        def recording_apply(grads, trainable_variables=None):
            grads = list(grads)
            if trainable_variables is None:  # the optimizer's own list
                trainable_variables = self.model.optimizer._trainable_variables
            variables = list(trainable_variables)
            if self._norms is None:
                self._bind(self.model.trainable_weights)
            if not self._norms.is_for(variables):
                return apply(grads, trainable_variables)  # not the model's own step
            self._step += 1
            if (self._step - 1) % self.measure_every:
                return apply(grads, trainable_variables)
            grads = [np.zeros(v.shape) if g is None else g for g, v in zip(grads, variables)]
            self._norms.before_update(grads, variables)
            result = apply(grads, trainable_variables)
            self._norms.after_update(variables)
            return result
        return recording_apply

    def on_train_end(self, logs=None):
        self._remove_probes()

    # ---- each epoch ------------------------------------------------------------------------
    def on_epoch_begin(self, epoch, logs=None):
        for stats in self._stats:
            stats.reset()
        if self._norms is not None:
            self._norms.reset()
        self._step = 0  # steps this epoch; the first is always measured

    def on_epoch_end(self, epoch, logs=None):
        step_figures = self._norms.results if self._norms is not None else lambda i: {}
        figures = {stats.name: {**stats.results(), **step_figures(i)}
                   for i, stats in enumerate(self._stats) if stats.variables or stats.kind}
        figures = {name: values for name, values in figures.items() if values}
        figures["flags"] = self._flags(figures)
        self.history.append(figures)
        if self.log and logs is not None:
            for name, values in figures.items():
                if name == "flags":
                    logs.update(values)
                else:
                    logs.update({f"{measure}/{name}": value for measure, value in values.items()})

    def _flags(self, figures):
        norms = [values["grad_norm"] for values in figures.values() if "grad_norm" in values]
        if len(norms) < 2:
            return {}
        finite = all(math.isfinite(n) for n in norms)
        ratio = norms[0] / norms[-1] if norms[-1] > 0 else math.inf
        return {"grad_norm_ratio": ratio,
                "vanishing_gradients": float(finite and ratio < self.vanishing_ratio),
                "exploding_gradients": float(not finite or ratio > self.exploding_ratio)}

    # ---- the table ---------------------------------------------------------------------
    def summary(self, epoch=-1, print_fn=None, line_length=110):
        """Print one epoch's figures (default the last) as a table, then the flags."""
        if not self.history:
            raise ValueError("No diagnostics yet: fit the model with this callback first.")
        figures = self.history[epoch]
        print_fn = print_fn or print
        rows = []
        for stats in self._stats:
            values = figures.get(stats.name)
            if values is None:
                continue
            rows.append([f"{stats.name} ({type(stats.layer).__name__})", stats.kind or "-"] +
                        [_number(values.get(m)) for m in MEASURES])
        headers = ["Layer (type)", "Activation", "Grad norm", "Weight norm", "Update/weight",
                   "Dead ReLU", "Saturated"]
        aligns = ["left", "left"] + ["right"] * 5
        positions = [0.22, 0.34, 0.46, 0.58, 0.72, 0.86, 1.0]
        number = epoch if epoch >= 0 else len(self.history) + epoch
        print_fn(f'Diagnostics of "{self.model.name}", epoch {number + 1}')
        for line in box_table(headers, aligns, rows, positions, line_length):
            print_fn(line)
        flags = figures["flags"]
        if flags:
            verdict = ("vanishing" if flags["vanishing_gradients"] else
                       "exploding" if flags["exploding_gradients"] else "healthy")
            print_fn(f" Gradient norm, first layer / last layer: {_number(flags['grad_norm_ratio'])}"
                     f" ({verdict})")


def _recording_call(stats):
    call = stats.layer.call  # the bound method of the class

    def recording_call(*args, **kwargs):
        out = call(*args, **kwargs)
        if is_grad_enabled():  # a training step (evaluate and predict record no graph)
            stats.record_output(np.asarray(getattr(out, "data", out)))
        return out
    return recording_call


def _number(value):
    if value is None:
        return "-"
    return f"{value:.3g}" if abs(value) < 1e4 else f"{value:.2e}"
