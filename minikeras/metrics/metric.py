"""The Metric base class, the metric registries and the array helpers every metric shares.

A metric keeps running statistics in non-trainable Variables: ``update_state``
adds a batch to them, ``result`` turns them into the value, ``reset_state`` zeros
them. The math runs on raw arrays (metrics are updated under ``no_grad``).
"""
import numpy as np

from .. import backend
from ..autodiff.tensor import Tensor
from ..dtype_policies import effective_dtype
from ..losses.loss import squeeze_or_expand_to_same_rank  # noqa: F401 - shared with the losses
from ..registry import CUSTOM_OBJECTS, Registry
from ..naming import auto_name, to_snake_case
from ..tree import map_structure
from ..variables import Variable, check_one_to_one, run_statelessly

# Class names, their snake-case forms and the Keras aliases; get() instantiates what it finds.
METRICS = Registry("metric")
# Metric functions by name (binary_accuracy, ...), for MeanMetricWrapper configs.
METRIC_FUNCTIONS = Registry("metric function")


def register_metric(*aliases):
    """Class decorator: register under the class name, its snake case and ``aliases``."""
    def decorate(cls):
        METRICS.add(cls, cls.__name__, to_snake_case(cls.__name__), *aliases)
        return cls
    return decorate


def register_function(fn):
    """Function decorator: make ``fn`` loadable by name from a MeanMetricWrapper config."""
    METRIC_FUNCTIONS.add(fn, fn.__name__)
    return fn


# ---- array helpers ----------------------------------------------------------------------------

def to_array(x, dtype=None):
    """The numpy array behind a Tensor / Variable / array-like, optionally cast to ``dtype``."""
    x = x.data if isinstance(x, Tensor) else backend.xp.asarray(x)
    return x if dtype is None else x.astype(dtype, copy=False)


def to_float_array(x, dtype=None):
    """Like :func:`to_array`, casting non-float input to ``dtype`` (default floatx).

    Python lists and numbers become floatx, as Keras's ``convert_to_tensor`` does;
    float arrays keep their dtype.
    """
    plain = not isinstance(x, (Tensor, np.ndarray))
    x = to_array(x)
    if plain or not backend.is_float_dtype(x.dtype):
        x = x.astype(dtype or backend.floatx())
    return x


def check_broadcastable(y_true, y_pred, where):
    """Raise a ValueError naming both shapes when ``y_true`` and ``y_pred`` cannot broadcast."""
    try:
        return np.broadcast_shapes(y_true.shape, y_pred.shape)
    except ValueError:
        raise ValueError(
            f"{where}: `y_true` and `y_pred` have incompatible shapes: "
            f"y_true.shape={tuple(y_true.shape)} and y_pred.shape={tuple(y_pred.shape)}. "
            "They must have the same shape (a trailing axis of size 1 on either side is "
            "squeezed or added automatically).") from None


def divide_no_nan(a, b):
    """``a / b`` with 0 wherever ``b`` is 0 (no NaN, no warning)."""
    xp = backend.xp
    a, b = xp.asarray(a), xp.asarray(b)
    if a.ndim == 0 and b.ndim == 0:  # the common case (a running mean), kept cheap
        return a / b if b != 0 else xp.zeros_like(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = a / xp.where(b == 0, 1, b)
    return xp.where(b == 0, xp.zeros_like(out), out)


def divided_dtype(dtype):
    """The dtype of a metric's ratio of two ``dtype`` values (a mean, a rate): Keras's
    ``divide_no_nan`` promotes them with a Python float, which folds float64 to float32
    (``Mean(dtype="float64").result()`` is float32; float16 stays float16)."""
    return "float32" if dtype == "float64" else dtype


def as_result(value, dtype):
    """A metric result: a Tensor of ``dtype``, as Keras's are backend tensors
    (``m.result().numpy()``, ``float(m.result())`` and ``f"{m.result():.4f}"`` work)."""
    return Tensor(backend.xp.asarray(value, dtype=dtype))


# ---- the base class ---------------------------------------------------------------------------

@register_metric()
class Metric:
    """Base class of every metric: state in Variables, update_state / result / reset_state.

    Subclasses create their state in ``__init__`` with :meth:`add_variable`, add a
    batch's statistics in ``update_state`` and compute the value in ``result``.

    Args:
        dtype: dtype of the state and the result (default ``backend.floatx()``).
        name: name of the metric (default: snake case of the class name, made unique).

    Attributes:
        _direction: ``"up"`` if larger is better (accuracy-like), ``"down"`` if smaller
            is better (error-like), None if unknown. ``EarlyStopping`` and
            ``ModelCheckpoint`` with ``mode="auto"`` read it.
    """

    _direction = None
    # True for the metrics whose state Keras keeps in floatx whatever dtype they are given
    # (the confusion-matrix metrics, AUC, R2Score): they count, compute and answer in it
    _counts_in_floatx = False

    def __init__(self, dtype=None, name=None):
        self._variables = []
        self._metrics = []
        self.name = name or auto_name(to_snake_case(type(self).__name__))
        self._dtype = effective_dtype(dtype or backend.floatx())  # floatx, not the policy

    def __setattr__(self, attr, value):
        # Track Variables and sub-metrics assigned as attributes, like Keras does.
        own = self.__dict__.get("_variables")
        if own is not None:
            if isinstance(value, Variable) and not any(v is value for v in own):
                own.append(value)
            elif isinstance(value, Metric) and not any(m is value for m in self._metrics):
                self._metrics.append(value)
        object.__setattr__(self, attr, value)

    @property
    def dtype(self):
        return self._dtype

    @property
    def _state_dtype(self):
        """The dtype of the metric's variables: its own, or floatx (``_counts_in_floatx``)."""
        return backend.floatx() if self._counts_in_floatx else self._dtype

    @property
    def variables(self):
        """All state Variables: this metric's, then those of its sub-metrics."""
        found = list(self.__dict__.get("_variables", ()))
        for metric in self.__dict__.get("_metrics", ()):
            found.extend(metric.variables)
        return found

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """Create a non-trainable state Variable owned by this metric.

        Args:
            shape: shape of the variable.
            initializer: ``"zeros"``/``"ones"``/None (zeros), a callable
                ``f(shape, dtype)``, an initializer name or an array.
            dtype: dtype (default: the metric's state dtype: its dtype, or floatx for a
                metric that counts in floatx).
            aggregation: how a distributed run would combine copies ("sum", "mean", ...).
            name: short name of the variable (``"total"``).
        """
        if "_variables" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}.add_variable() was called before Metric.__init__(). "
                "Call `super().__init__(name=name, dtype=dtype)` first in your __init__().")
        dtype = effective_dtype(dtype or self._state_dtype)
        shape = tuple(int(d) for d in shape)
        if initializer is None or (isinstance(initializer, str)
                                   and initializer.lower() == "zeros"):
            initializer = backend.xp.zeros(shape, dtype=dtype)
        elif isinstance(initializer, str) and initializer.lower() == "ones":
            initializer = backend.xp.ones(shape, dtype=dtype)
        variable = Variable(initializer, shape=shape, dtype=dtype, trainable=False,
                            aggregation=aggregation, name=name)
        variable.path = f"{self.name}/{variable.name}"
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Alias of :meth:`add_variable` kept for Keras 2 code (default zeros)."""
        return self.add_variable(shape, initializer, dtype=dtype, name=name)

    def update_state(self, *args, **kwargs):
        """Add a batch's statistics to the state."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        """The metric value computed from the state."""
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def reset_state(self):
        """Zero every state variable (called at the start of each epoch)."""
        for v in self.variables:
            v.assign(backend.xp.zeros(v.shape, dtype=v.dtype))

    # ---- stateless versions: the state passed in and returned, no variable changed -------
    def stateless_update_state(self, metric_variables, *args, **kwargs):
        """``update_state(*args, **kwargs)`` from the state ``metric_variables`` (one value
        per ``self.variables``); returns the new state."""
        self._check_state(metric_variables)
        return run_statelessly(lambda: self.update_state(*args, **kwargs), self.variables,
                               metric_variables)[1]

    def stateless_result(self, metric_variables):
        """``result()`` of the state ``metric_variables``."""
        self._check_state(metric_variables)
        return run_statelessly(lambda: map_structure(_copied, self.result()), self.variables,
                               metric_variables)[0]

    def stateless_reset_state(self):
        """The state ``reset_state()`` would leave (the variables keep theirs)."""
        variables = self.variables
        return run_statelessly(self.reset_state, variables, variables)[1]

    def _check_state(self, metric_variables):
        check_one_to_one(metric_variables, self.variables, "metric_variables",
                         f"{type(self).__name__}().variables")

    def __call__(self, *args, **kwargs):
        """Update the state with one batch, then return the (running) result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"

    __str__ = __repr__


def _copied(value):
    """A result value that outlives the scope: tensors (which may share a state variable's
    memory) copied."""
    if isinstance(value, Tensor):
        return Tensor(np.array(value.data))
    return value.copy() if isinstance(value, np.ndarray) else value


def lookup_function(name, custom_objects=None):
    """A metric or loss function by name (for MeanMetricWrapper configs)."""
    if name in METRIC_FUNCTIONS:
        return METRIC_FUNCTIONS.lookup(name)
    for table in (custom_objects or {}, CUSTOM_OBJECTS._entries):
        if name in table:
            return table[name]
    try:
        from .. import losses  # the loss functions are metric functions too
        fn = losses.get(name)
    except (ImportError, ValueError):
        fn = None
    if fn is None or isinstance(fn, type) or not callable(fn):
        raise ValueError(
            f"Could not interpret metric function identifier: {name}. Known metric functions: "
            f"{', '.join(METRIC_FUNCTIONS.names())}, and the loss functions of "
            "minikeras.losses. Register your own with "
            "`keras.saving.register_keras_serializable()`.")
    return fn
