"""keras.optimizers.schedules: learning rates that change with the training step.

A schedule is a callable ``schedule(step) -> learning rate``. Give one to an optimizer
as ``learning_rate=`` and the optimizer evaluates it at its step counter before
every update (the first batch uses ``schedule(0)``). Values are computed in the
dtype of ``initial_learning_rate`` (float32 for a Python number), as Keras does.
``step`` may be an int, a numpy array of steps, or a Variable.
"""
import math

from ..backend import xp
from ..registry import CUSTOM_OBJECTS, Registry, config_repr
from ..arguments import is_real_number
from .argument_checks import check_float

SCHEDULES = Registry("learning rate schedule", case_sensitive=True)
_MODULE = "keras.optimizers.schedules"


def _dtype_of(value):
    """float32 for Python numbers, the array's own float dtype for numpy values."""
    dtype = getattr(value, "dtype", None)
    return dtype if dtype is not None and dtype.kind == "f" else xp.dtype("float32")


def _steps(step, dtype):
    return xp.asarray(step, dtype=dtype)


def _result(value):
    """A numpy scalar for a scalar step, an array for an array of steps."""
    return value[()] if value.ndim == 0 else value


def _check_steps(owner, name, value):
    if not is_real_number(value) or value <= 0:
        raise ValueError(f"{owner}: argument `{name}` must be > 0. Received: {name}={value!r}")
    return value


def _check_number(owner, name, value):
    check_float(owner, name, value)  # type and finiteness; the value is kept as given
    return value


@SCHEDULES.register("LearningRateSchedule")
class LearningRateSchedule:
    """Base class: subclasses implement ``__call__(step)`` and ``get_config()``.

    Example::

        class HalfEvery100(LearningRateSchedule):
            def __call__(self, step):
                return 0.1 * 0.5 ** (step // 100)
            def get_config(self):
                return {}
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` "
            "in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return config_repr(self, without_config="")


class _RateDecay(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: their arguments, config and
    ``s / decay_steps`` (floored with ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        self.initial_learning_rate = _check_number(name, "initial_learning_rate",
                                                   initial_learning_rate)
        self.decay_steps = _check_steps(name, "decay_steps", decay_steps)
        self.decay_rate = _check_number(name, "decay_rate", decay_rate)
        self.staircase = staircase
        self.name = name

    def _progress(self, step):
        """(dtype, ``s / decay_steps``, or its floor with ``staircase``)."""
        dtype = _dtype_of(self.initial_learning_rate)
        p = _steps(step, dtype) / dtype.type(self.decay_steps)
        if self.staircase:
            p = xp.floor(p)
        return dtype, p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


@SCHEDULES.register("ExponentialDecay")
class ExponentialDecay(_RateDecay):
    """Multiply the learning rate by ``decay_rate`` every ``decay_steps`` steps, smoothly.

    Formula: ``lr(s) = initial_learning_rate * decay_rate ** (s / decay_steps)``;
    with ``staircase=True`` the exponent is ``floor(s / decay_steps)``.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number of steps per factor of ``decay_rate``.
        decay_rate: the factor.
        staircase: decay in discrete jumps.
        name: kept in the config.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        dtype, p = self._progress(step)
        rate = xp.power(dtype.type(self.decay_rate), p)
        return _result(dtype.type(self.initial_learning_rate) * rate)


@SCHEDULES.register("PiecewiseConstantDecay")
class PiecewiseConstantDecay(LearningRateSchedule):
    """A constant learning rate per interval of steps.

    Formula: ``values[0]`` while ``s <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < s <= boundaries[i]``, ``values[-1]`` once ``s > boundaries[-1]``.

    Args:
        boundaries: strictly increasing step numbers.
        values: one more value than there are boundaries.
        name: kept in the config.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}.")
        if any(b >= c for b, c in zip(boundaries, boundaries[1:])):
            raise ValueError(f"{name}: `boundaries` must be strictly increasing. "
                             f"Received: boundaries={boundaries}")
        for v in values:
            _check_number(name, "values", v)
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        dtype = _dtype_of(self.values[0])
        table = xp.asarray(self.values, dtype=dtype)
        # searchsorted(side="left") is the index i with boundaries[i-1] < s <= boundaries[i]
        index = xp.searchsorted(xp.asarray(self.boundaries), xp.asarray(step), side="left")
        return _result(xp.asarray(table[index]))

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


@SCHEDULES.register("PolynomialDecay")
class PolynomialDecay(LearningRateSchedule):
    """Decay from ``initial_learning_rate`` to ``end_learning_rate`` along a polynomial.

    Formula: ``s' = min(s, D)``; ``lr = (lr0 - end) * (1 - s'/D) ** power + end``.
    With ``cycle=True``, ``D`` becomes ``decay_steps * ceil(s / decay_steps)`` (1 at s=0)
    and the decay restarts from ``lr0`` each cycle.

    Args:
        initial_learning_rate: ``lr0``.
        decay_steps: ``D``, positive.
        end_learning_rate: the floor reached after ``D`` steps.
        power: the polynomial's power (1.0 is linear).
        cycle: restart the decay every ``decay_steps``.
        name: kept in the config.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate = _check_number(name, "initial_learning_rate",
                                                   initial_learning_rate)
        self.decay_steps = _check_steps(name, "decay_steps", decay_steps)
        self.end_learning_rate = _check_number(name, "end_learning_rate", end_learning_rate)
        self.power = _check_number(name, "power", power)
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        dtype = _dtype_of(self.initial_learning_rate)
        lr0, end = dtype.type(self.initial_learning_rate), dtype.type(self.end_learning_rate)
        s = _steps(step, dtype)
        d = dtype.type(self.decay_steps)
        if self.cycle:
            d = d * xp.where(s == 0, dtype.type(1), xp.ceil(s / d)).astype(dtype)
        else:
            s = xp.minimum(s, d)
        p = s / d
        return _result((lr0 - end) * xp.power(1 - p, dtype.type(self.power)) + end)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


@SCHEDULES.register("InverseTimeDecay")
class InverseTimeDecay(_RateDecay):
    """Divide the learning rate by a term that grows linearly with the step.

    Formula: ``lr(s) = initial_learning_rate / (1 + decay_rate * s / decay_steps)``
    (``floor(s / decay_steps)`` with ``staircase=True``). Keras 2's ``decay=d``
    argument is ``InverseTimeDecay(lr, 1, d)``.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive.
        decay_rate: how fast it decays.
        staircase: decay in discrete jumps.
        name: kept in the config.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        dtype, p = self._progress(step)
        return _result(dtype.type(self.initial_learning_rate)
                       / (dtype.type(1) + dtype.type(self.decay_rate) * p))


def _cosine(fraction, dtype):
    """0.5 * (1 + cos(pi * fraction)): 1 at the start of a period, 0 at its end."""
    return dtype.type(0.5) * (dtype.type(1) + xp.cos(dtype.type(math.pi) * fraction))


@SCHEDULES.register("CosineDecay")
class CosineDecay(LearningRateSchedule):
    """Cosine decay, optionally after a linear warmup.

    Formula (no warmup): ``s' = min(s, D)``;
    ``lr = lr0 * ((1 - alpha) * 0.5 * (1 + cos(pi * s'/D)) + alpha)``.
    With ``warmup_target``: for ``s < W`` the rate rises linearly,
    ``lr0 + (warmup_target - lr0) * s/W``; afterwards it decays from
    ``warmup_target`` as above over ``D`` steps (``s`` is capped at ``D + W``).

    Args:
        initial_learning_rate: ``lr0``.
        decay_steps: ``D``, positive.
        alpha: the final rate as a fraction of the starting one.
        name: kept in the config.
        warmup_target: the rate reached at the end of warmup (None: no warmup).
        warmup_steps: ``W``.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = _check_number(name, "initial_learning_rate",
                                                   initial_learning_rate)
        self.decay_steps = _check_steps(name, "decay_steps", decay_steps)
        self.alpha = _check_number(name, "alpha", alpha)
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        if warmup_target is not None:
            _check_number(name, "warmup_target", warmup_target)
            if not is_real_number(warmup_steps) or warmup_steps < 0:
                raise ValueError(f"{name}: `warmup_steps` must be >= 0. "
                                 f"Received: warmup_steps={warmup_steps!r}")

    def _decay(self, s, start, dtype):
        cosine = _cosine(s / dtype.type(self.decay_steps), dtype)
        decayed = dtype.type(1 - self.alpha) * cosine  # Keras: Python's 1 - alpha, then cast
        return start * (decayed + dtype.type(self.alpha))

    def __call__(self, step):
        dtype = _dtype_of(self.initial_learning_rate)
        lr0 = dtype.type(self.initial_learning_rate)
        d = dtype.type(self.decay_steps)
        s = _steps(step, dtype)
        if self.warmup_target is None:
            return _result(self._decay(xp.minimum(s, d), lr0, dtype))
        target, w = dtype.type(self.warmup_target), dtype.type(self.warmup_steps)
        s = xp.minimum(s, d + w)
        with xp.errstate(divide="ignore", invalid="ignore"):  # s / W when W == 0 is unused
            warm = (target - lr0) * (s / w) + lr0
        return _result(xp.where(s < w, warm, self._decay(s - w, target, dtype)).astype(dtype))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


@SCHEDULES.register("CosineDecayRestarts")
class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter 2016).

    Formula: period ``i`` lasts ``first_decay_steps * t_mul**i`` steps and starts at
    ``initial_learning_rate * m_mul**i``; within a period at fraction ``f``,
    ``lr = lr0 * ((1 - alpha) * m_mul**i * 0.5 * (1 + cos(pi * f)) + alpha)``.

    Args:
        initial_learning_rate: ``lr0``.
        first_decay_steps: length of the first period, positive.
        t_mul: growth factor of the period length.
        m_mul: factor of the starting rate per period.
        alpha: the floor, as a fraction of ``lr0``.
        name: kept in the config.
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        self.initial_learning_rate = _check_number(name, "initial_learning_rate",
                                                   initial_learning_rate)
        self.first_decay_steps = _check_steps(name, "first_decay_steps", first_decay_steps)
        self._t_mul = _check_number(name, "t_mul", t_mul)
        self._m_mul = _check_number(name, "m_mul", m_mul)
        self.alpha = _check_number(name, "alpha", alpha)
        self.name = name

    def __call__(self, step):
        dtype = _dtype_of(self.initial_learning_rate)
        one = dtype.type(1)
        t_mul, m_mul = dtype.type(self._t_mul), dtype.type(self._m_mul)
        fraction = _steps(step, dtype) / dtype.type(self.first_decay_steps)
        if t_mul == one:
            restart = xp.floor(fraction)
            fraction = fraction - restart
        else:
            # number of whole periods completed: solve sum_{k<i} t_mul**k <= fraction
            restart = xp.floor(xp.log(one - fraction * (one - t_mul)) / xp.log(t_mul))
            done = (one - xp.power(t_mul, restart)) / (one - t_mul)
            fraction = (fraction - done) / xp.power(t_mul, restart)
        cosine = xp.power(m_mul, restart) * _cosine(fraction, dtype)
        alpha = dtype.type(self.alpha)
        return _result(dtype.type(self.initial_learning_rate) * ((one - alpha) * cosine + alpha))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


def serialize(learning_rate_schedule):
    """The schedule as ``{"module", "class_name", "config", "registered_name"}``."""
    if not isinstance(learning_rate_schedule, LearningRateSchedule):
        raise ValueError("keras.optimizers.schedules.serialize expects a LearningRateSchedule. "
                         f"Received: {learning_rate_schedule!r}")
    return SCHEDULES.serialize(learning_rate_schedule, _MODULE)


def deserialize(config, custom_objects=None):
    """Rebuild a schedule from the dict ``serialize`` made (or a Keras file's)."""
    if isinstance(config, dict) and config.get("module") and not config.get("registered_name"):
        name = config.get("class_name")
        if name not in SCHEDULES and name not in (custom_objects or {}) \
                and name not in CUSTOM_OBJECTS:
            raise ValueError(  # Keras's words, then the names minikeras knows
                f"Could not deserialize '{config['module']}.{name}' because it is not a "
                f"KerasSaveable subclass. {SCHEDULES.unknown_message(name)}")
    return SCHEDULES.deserialize(config, custom_objects)
