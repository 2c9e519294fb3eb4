"""Keras 2's object configs: ``keras.legacy.saving.serialize_keras_object`` /
``deserialize_keras_object`` (also ``keras.utils.legacy``).

The Keras 2 format, as Keras 3 keeps it:

* an object with ``get_config()`` is ``{"class_name": <registered name>, "config": {...}}``,
  with no ``module`` or ``registered_name``;
* inside that config, a value that is itself an object is serialized the same way and
  flagged ``"__passive_serialization__": True``; a function becomes its registered name
  (``"relu"``, ``"my_package>my_fn"``); strings, numbers, lists, dicts (a Keras 3 layer's
  already-serialized initializers, say) are kept as they are;
* a function on its own is its registered name, a string.

Loading looks names up in ``custom_objects``, the registered custom objects and
``module_objects`` only (no module is imported, no stored code runs). A config string
naming a function found there becomes that function (except the ``name`` entry).
"""
import inspect

from ..registry import CustomObjectScope, get_custom_objects, get_registered_name, \
    get_registered_object

PASSIVE = "__passive_serialization__"  # marks a config entry that is a serialized object


def serialize_keras_object(instance):
    """``instance`` in Keras 2's format: a ``{"class_name", "config"}`` dict for an object
    with ``get_config()``, the registered name for a function or class, None for None.

    Raises:
        ValueError: ``instance`` has neither ``get_config()`` nor a name.
    """
    instance = inspect.unwrap(instance)
    if instance is None:
        return None
    if hasattr(instance, "get_config"):
        config = {key: _config_entry(item) for key, item in instance.get_config().items()}
        return {"class_name": get_registered_name(type(instance)), "config": config}
    if hasattr(instance, "__name__"):
        return get_registered_name(instance)
    raise ValueError(f"Cannot serialize {instance!r} (of type {type(instance).__name__}) "
                     "because it doesn't implement `get_config()` and is not a named function "
                     "or class.")


def _config_entry(item):
    """One value of a config: objects and functions serialized, other values unchanged."""
    if isinstance(item, str):
        return item
    try:
        serialized = serialize_keras_object(item)
    except ValueError:  # a number, list, dict, array...: kept as it is
        return item
    if isinstance(serialized, dict) and not isinstance(item, dict):
        serialized[PASSIVE] = True
    return serialized


def deserialize_keras_object(identifier, module_objects=None, custom_objects=None,
                             printable_module_name="object"):
    """Rebuild an object from Keras 2's format.

    Args:
        identifier: a ``{"class_name", "config"}`` dict, a name, a function, or None.
        module_objects: ``{name: class or function}`` of the built-in objects to look names
            up in (``keras.layers.deserialize`` passes its layers, say).
        custom_objects: ``{name: class or function}`` given by the user; looked up first.
        printable_module_name: what the object is, for error messages (``"layer"``).

    A dict is rebuilt by its class's ``from_config`` (or constructor), a name gives the
    function, or an instance of the class with no arguments.

    Raises:
        ValueError: an unknown name, or an identifier of another kind.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        cls, config = _class_and_config(identifier, module_objects, custom_objects,
                                        printable_module_name)
        return _instantiate(cls, config, custom_objects)
    if isinstance(identifier, str):
        obj = get_registered_object(identifier, custom_objects, module_objects)
        if obj is None:
            raise _unknown(printable_module_name, identifier)
        return obj() if inspect.isclass(obj) else obj
    if inspect.isfunction(identifier):
        return identifier
    raise ValueError(f"Could not interpret serialized {printable_module_name}: {identifier!r}. "
                     "Expected a {'class_name': ..., 'config': ...} dict, a name, a function "
                     "or None.")


def _unknown(printable_module_name, name):
    return ValueError(f"Unknown {printable_module_name}: '{name}'. Please ensure you are using "
                      "a `keras.utils.custom_object_scope` and that this object is included in "
                      "the scope, pass it in `custom_objects` (or `module_objects`), or "
                      "register it with `@keras.saving.register_keras_serializable()`.")


def _class_and_config(identifier, module_objects, custom_objects, printable_module_name):
    """The class a config dict names and its config, with passive entries rebuilt and
    function names replaced by the functions."""
    if "class_name" not in identifier or "config" not in identifier:
        raise ValueError(f"Improper config format for {identifier!r}: expected a dict with "
                         "`class_name` and `config` keys.")
    class_name = identifier["class_name"]
    cls = get_registered_object(class_name, custom_objects, module_objects)
    if cls is None:
        raise _unknown(printable_module_name, class_name)
    config = identifier["config"]
    if isinstance(config, list):  # a Keras 2.0 Sequential: its config is the layer list
        return cls, config
    config = dict(config)
    for key, item in config.items():
        if key == "name":  # a name is a name, even one equal to a function's
            continue
        if isinstance(item, dict) and PASSIVE in item:
            config[key] = deserialize_keras_object(item, module_objects, custom_objects,
                                                   printable_module_name="config_item")
        elif isinstance(item, str):
            found = get_registered_object(item, custom_objects, module_objects)
            if inspect.isfunction(found):
                config[key] = found
    return cls, config


def _instantiate(cls, config, custom_objects):
    """``cls.from_config(config)`` (given every custom object when it takes them), or
    ``cls(**config)`` for a class or factory without ``from_config``."""
    custom_objects = custom_objects or {}
    if not hasattr(cls, "from_config"):
        with CustomObjectScope(custom_objects):
            return cls(**config)
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(config, custom_objects={**get_custom_objects(),
                                                       **custom_objects})
    with CustomObjectScope(custom_objects):
        return cls.from_config(config)
