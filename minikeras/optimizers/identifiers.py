"""keras.optimizers.get / serialize / deserialize: what ``compile(optimizer=...)`` accepts
(a name in any case, a config dict, a class or an instance) turned into an Optimizer,
read from the one registry ``OPTIMIZERS`` each class registers itself in."""
import inspect

from .optimizer import OPTIMIZERS, Optimizer

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
            a config dict or an Optimizer instance (returned unchanged). A class is refused,
            as Keras refuses it (``compile(keras.optimizers.Adam)`` forgot the parentheses).
    """
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = OPTIMIZERS.lookup(identifier)
    else:
        raise ValueError(f"Could not interpret optimizer identifier: {identifier}. Pass an "
                         "optimizer name such as 'adam', a config dict, or an optimizer instance "
                         "such as keras.optimizers.Adam(learning_rate=0.001).")
    try:
        return cls()
    except TypeError as error:
        raise ValueError(f"The optimizer {identifier!r} cannot be made from its name alone "
                         f"({error}). "
                         "Create it with its arguments, e.g. keras.optimizers.LossScaleOptimizer("
                         "keras.optimizers.Adam()).") from None
