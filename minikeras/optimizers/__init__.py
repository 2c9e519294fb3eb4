"""keras.optimizers: every Keras 3 optimizer, the schedules, and get/serialize/deserialize.

String names are the class names in any casing (``"adam"``, ``"RMSprop"``, ``"sgd"``,
``"lamb"``, ...), read from the one registry ``OPTIMIZERS`` that each class registers
itself in. See docs/optimizers.md for the update rule of each optimizer.
"""
import inspect

from . import legacy, schedules  # noqa: F401
from .adafactor import Adafactor
from .adagrad import Adadelta, Adagrad
from .adam import Adam, Adamax, AdamW, Nadam
from .ftrl import Ftrl
from .lamb import Lamb
from .lion import Lion
from .loss_scale_optimizer import LossScaleOptimizer
from .muon import Muon
from .optimizer import OPTIMIZERS, LearningRateValue, Optimizer
from .rmsprop import RMSprop
from .schedule_free_adamw import ScheduleFreeAdamW
from .sgd import SGD

__all__ = ["Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lamb", "Lion",
           "LossScaleOptimizer", "Muon", "Nadam", "Optimizer", "RMSprop", "SGD",
           "ScheduleFreeAdamW", "deserialize", "get", "legacy", "schedules", "serialize"]

_MODULE = "keras.optimizers"


def serialize(optimizer):
    """The optimizer as ``{"module", "class_name", "config", "registered_name"}``."""
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"keras.optimizers.serialize expects an Optimizer instance. "
                         f"Received: {optimizer!r}")
    return OPTIMIZERS.serialize(optimizer, _MODULE)


def deserialize(config, custom_objects=None):
    """Build an optimizer from ``{"class_name": ..., "config": {...}}`` (class name in any case).

    Keras 2 configs work too (``lr``, ``decay`` and the ``is_legacy_optimizer`` key are accepted).
    """
    if isinstance(config, str):
        return get(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("Could not deserialize optimizer: expected a dict with 'class_name' and "
                         f"'config' keys. Received: {config!r}")
    cls = OPTIMIZERS.lookup(config.get("registered_name") or config["class_name"], custom_objects)
    inner = dict(config.get("config") or {})
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(inner, custom_objects=custom_objects)
    return cls.from_config(inner)


def get(identifier):
    """Resolve what ``compile(optimizer=...)`` accepts into an Optimizer instance.

    Args:
        identifier: None (returns None), a name (a new instance with default arguments),
            a config dict, an Optimizer instance (returned unchanged) or an Optimizer class.
    """
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = OPTIMIZERS.lookup(identifier)
    elif isinstance(identifier, type) and issubclass(identifier, Optimizer):
        cls = identifier
    else:
        raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}. Pass an "
                         "optimizer name such as 'adam', a config dict, or an optimizer instance "
                         "such as keras.optimizers.Adam(learning_rate=0.001).")
    try:
        return cls()
    except TypeError as error:
        raise ValueError(f"The optimizer {identifier!r} cannot be made from its name alone "
                         f"({error}). "
                         "Create it with its arguments, e.g. keras.optimizers.LossScaleOptimizer("
                         "keras.optimizers.Adam()).") from None
