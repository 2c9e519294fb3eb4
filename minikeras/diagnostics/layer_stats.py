"""Per-layer training measurements, accumulated over an epoch.

For one layer: the norm of its gradient (all its trainable weights together), the norm of
its weights, the update-to-weight ratio ``||W_after - W_before|| / ||W_before||`` of each
optimizer step, and for its output (when the layer ends in relu, sigmoid or tanh) the units
that never fired (relu: output > 0 for no sample of the epoch) or the fraction of outputs
in saturation (sigmoid: within ``saturation`` of 0 or 1; tanh: within ``saturation`` of
-1 or 1, where the slope has all but vanished).
"""
import numpy as np

TRACKED_ACTIVATIONS = ("relu", "sigmoid", "tanh")


def activation_kind(layer):
    """``"relu"``, ``"sigmoid"``, ``"tanh"`` or None: the function that ends the layer."""
    activation = getattr(layer, "activation", None)
    name = getattr(activation, "__name__", None)
    if name is None and type(layer).__name__ == "ReLU":
        name = "relu"
    return name if name in TRACKED_ACTIVATIONS else None


def squared_norm(array):
    flat = np.ravel(array)
    return float(np.dot(flat, flat))


class LayerStats:
    """The running measurements of one layer over the current epoch.

    Args:
        layer: the layer measured.
        saturation: the distance from a sigmoid / tanh bound that counts as saturated.

    Attributes:
        variables: the trainable variables it holds itself (not through a sublayer); set
            at the first training step, when the model is built.
    """

    def __init__(self, layer, saturation):
        self.layer = layer
        self.variables = []
        self.name = layer.name
        self.kind = activation_kind(layer)
        self.saturation = saturation
        # the axis of the units: channels (last, or 1 for channels_first), features for Dense
        self.unit_axis = 1 if getattr(layer, "data_format", None) == "channels_first" else -1
        self.reset()

    def reset(self):
        self._fired = None  # relu: per unit, whether it was ever > 0 this epoch
        self._saturated, self._outputs = 0, 0

    def record_output(self, output):
        """One training forward pass: the layer's output."""
        if self.kind == "relu":
            unit_axis = self.unit_axis % output.ndim
            others = tuple(a for a in range(output.ndim) if a != unit_axis)
            fired = np.max(output, axis=others) > 0
            self._fired = fired if self._fired is None else self._fired | fired
        elif self.kind is not None:
            low, high = (0.0, 1.0) if self.kind == "sigmoid" else (-1.0, 1.0)
            self._saturated += int(np.count_nonzero(
                (output < low + self.saturation) | (output > high - self.saturation)))
            self._outputs += output.size

    def results(self):
        """This epoch's activation figures and weight norm: {measure: value} (measures that
        do not apply are left out)."""
        out = {}
        if self.variables:
            weight = np.sqrt(sum(squared_norm(v.data) for v in self.variables))
            out["weight_norm"] = float(weight)
        if self.kind == "relu" and self._fired is not None:
            out["dead_fraction"] = float(1.0 - np.mean(self._fired))
        elif self.kind is not None and self._outputs:
            out["saturated_fraction"] = self._saturated / self._outputs
        return out


class StepNorms:
    """Per-layer gradient norms and update-to-weight ratios of each optimizer step, summed
    over the epoch.

    Per measured step and variable: the gradient's and the weights' norms and a copy of the
    weights into a buffer kept from step to step (before the update), then a subtraction in
    place and the update's norm (after it); three BLAS dot products, no allocation. The callback measures every ``measure_every``-th step only:
    on the 784-512-512-10 MLP the whole callback cost ~11% of the step measuring every step,
    and 3% by profile (-1.5% and 7% in two noisy timings) measuring every 10th
    (benchmarks/diagnostics_overhead.py).

    Args:
        variables: the trainable variables, in the optimizer's order.
        owners: for each variable, the index of the layer that owns it.
        n_layers: how many layers the indices count.
    """

    def __init__(self, variables, owners, n_layers):
        self._variables = list(variables)
        self._owners = np.asarray(owners, dtype=np.intp)
        self._snapshots = [np.empty_like(v.data) for v in variables]
        self._squares = np.zeros((3, len(variables)))  # grad², update², weight² per variable
        self._n = n_layers
        self.reset()

    def reset(self):
        self.steps = 0
        self._grad_norms = np.zeros(self._n)
        self._update_ratios = np.zeros(self._n)

    def is_for(self, variables):
        """Whether ``variables`` are the ones these buffers were made for, in order."""
        return len(variables) == len(self._variables) and all(
            a is b for a, b in zip(variables, self._variables))

    def before_update(self, grads, variables):
        """Read the gradients (before the optimizer may reuse their buffers) and keep a copy
        of the weights."""
        squares = self._squares
        for i, (g, v, snapshot) in enumerate(zip(grads, variables, self._snapshots)):
            squares[0, i] = squared_norm(g)
            np.copyto(snapshot, v.data)
            squares[2, i] = squared_norm(snapshot)

    def after_update(self, variables):
        squares = self._squares
        for i, (v, old) in enumerate(zip(variables, self._snapshots)):
            np.subtract(v.data, old, out=old)  # the snapshot becomes the update
            squares[1, i] = squared_norm(old)
        grad_sq, update_sq, weight_sq = (np.bincount(self._owners, weights=row, minlength=self._n)
                                         for row in squares)
        self._grad_norms += np.sqrt(grad_sq)
        self._update_ratios += np.sqrt(np.divide(update_sq, weight_sq,
                                                 out=np.zeros(self._n), where=weight_sq > 0))
        self.steps += 1

    def results(self, index):
        """The epoch's mean figures of layer ``index``, or {} before any step."""
        if not self.steps:
            return {}
        return {"grad_norm": float(self._grad_norms[index] / self.steps),
                "update_ratio": float(self._update_ratios[index] / self.steps)}
