"""``keras.saving`` object (de)serialization, resolved through the registries only.

A serialized object is ``{"module", "class_name", "config", "registered_name"}``. On
loading, a class is found among the objects registered in minikeras's families, the
objects registered with ``register_keras_serializable`` and the ``custom_objects``
given; nothing is ever imported by module name, and no code stored in a file is run
(a Python ``lambda`` stored by Keras cannot be loaded, whatever ``safe_mode`` says).
"""
import contextlib
import contextvars
import importlib
import inspect

import numpy as np

from .. import dtype_policies
from ..arguments import array_of_numpy_config, numpy_config
from ..autodiff.tensor import Tensor
from ..layers.op_call import is_op_entry
from ..registry import (CUSTOM_OBJECTS, CustomObjectScope, function_config,
                        get_registered_name, get_registered_object)

# family -> (module, registry attribute, function registry attribute or None)
_FAMILIES = {
    "layers": ("minikeras.layers", "LAYERS", None),
    "optimizers": ("minikeras.optimizers", "OPTIMIZERS", None),
    "schedules": ("minikeras.optimizers.schedules", "SCHEDULES", None),
    "losses": ("minikeras.losses", "LOSSES", "LOSSES"),
    "metrics": ("minikeras.metrics", "METRICS", "METRIC_FUNCTIONS"),
    "initializers": ("minikeras.initializers", "INITIALIZERS", None),
    "regularizers": ("minikeras.regularizers", "REGULARIZERS", None),
    "constraints": ("minikeras.constraints", "CONSTRAINTS", None),
    "activations": ("minikeras.activations", "ACTIVATIONS", "ACTIVATIONS"),
    "feature_space": ("minikeras.utils.feature_space", "FEATURE_SPACE_OBJECTS", None),
    "distillation": ("minikeras.distillation", "DISTILLATION_OBJECTS", None),
    "quantizers": ("minikeras.quantizers", "QUANTIZERS", None),
}
_MODULE_WORDS = (("feature_space", "feature_space"), ("schedules", "schedules"),
                 ("optimizers", "optimizers"), ("losses", "losses"), ("metrics", "metrics"),
                 ("initializers", "initializers"), ("regularizers", "regularizers"),
                 ("constraints", "constraints"), ("activations", "activations"),
                 ("layers", "layers"), ("models", "layers"), ("distillation", "distillation"),
                 ("quantizers", "quantizers"))
# Configs of these classes are plain data that the layers read themselves.
DATA_CLASSES = ("DTypePolicy", "FloatDTypePolicy", "Policy", "QuantizedDTypePolicy",
                "Int4DTypePolicy", "__numpy__", "__bytes__", "__tensor__")
LAMBDA_MESSAGE = (
    "Requested the deserialization of a Python lambda (a `Lambda` layer or a `__lambda__` "
    "entry). Its code is stored as bytecode, and running code from a file risks arbitrary "
    "code execution: minikeras files hold data, never code, so this cannot be loaded even "
    "with safe_mode=False. Rebuild that part of the model in code, or replace the lambda with "
    "a layer or function registered with @keras.saving.register_keras_serializable().")


# ---- finding classes ------------------------------------------------------------------------
def _family_module(family):
    if family == "layers":
        importlib.import_module("minikeras.models")  # registers Sequential
    return importlib.import_module(_FAMILIES[family][0])


def _registry(family, functions=False):
    module = _family_module(family)
    attr = _FAMILIES[family][2 if functions else 1]
    return getattr(module, attr) if attr else None


def family_of_module(module, class_name=None):
    """The minikeras family a Keras ``module`` string names, or None (custom or unknown)."""
    if class_name in ("Sequential", "Functional", "Model"):
        return "layers"
    if not module:
        return None
    parts = module.split(".")
    if parts[0] not in ("keras", "tf_keras", "minikeras", "tensorflow"):
        return None
    for word, family in _MODULE_WORDS:
        if any(p == word or p.startswith(word + "_") for p in parts):
            return family
    return "layers" if module == "keras" else None


def _families_in_order(first):
    return ([first] if first else []) + [f for f in _FAMILIES if f != first]


def _lookup(names, families, custom_objects, functions=False, custom_names=None):
    """The object registered (or in ``custom_objects``) under one of ``custom_names``
    (default ``names``), else the one a family's registry holds under one of ``names``."""
    for name in names if custom_names is None else custom_names:
        found = get_registered_object(name, custom_objects)
        if found is not None:
            return found
    for family in families:
        registry = _registry(family, functions)
        if registry is None:
            continue
        for name in names:
            if name in registry:
                return registry.lookup(name)
    return None


def _not_found(class_name, config, kind="class"):
    shown = repr(config)
    shown = shown if len(shown) <= 300 else shown[:300] + "..."
    return TypeError(
        f"Could not locate {kind} '{class_name}'. Make sure custom classes and functions are "
        "decorated with `@keras.saving.register_keras_serializable()`. If they are already "
        "decorated, make sure they are all imported so that the decorator is run before "
        "trying to load them. Full object config: " + shown  # Keras's words, then a hint
        + "\nOr pass them to the loading function in `custom_objects={'name': object}`.")


def locate(config, custom_objects=None):
    """The class or function a serialized-object dict names; TypeError if none is known."""
    class_name = config.get("class_name")
    registered = config.get("registered_name")
    if str(config.get("module")).startswith("keras.src.applications."):
        importlib.import_module("minikeras.applications")  # registers ConvNeXt's LayerScale...
    family = family_of_module(config.get("module"), class_name)
    if class_name in ("function", "builtins") or registered == "function":
        inner = config.get("config")
        names = [n for n in (registered, inner) if isinstance(n, str) and
                 n not in ("function", "builtins")]
        found = _lookup(names, _families_in_order(family), custom_objects, functions=True)
        if found is None:
            raise _not_found(inner if isinstance(inner, str) else class_name, config,
                             "function")
        return found
    names = [n for n in (registered, class_name) if isinstance(n, str)]
    names += [n.split(">", 1)[1] for n in names if ">" in n]  # "Custom>Adam" (Keras 2.11+)
    # a class saved under a registered name "package>Name" is found by that name only
    # among user objects (as in Keras: custom_objects keyed "Name" do not match it)
    custom_names = [registered] if isinstance(registered, str) and ">" in registered \
        and not registered.startswith("Custom>") else None
    found = _lookup(names, _families_in_order(family), custom_objects,
                    custom_names=custom_names)
    if found is None:
        raise _not_found(class_name, config)
    return found


def is_object_config(value):
    return isinstance(value, dict) and "class_name" in value and "config" in value


def check_config(config, custom_objects=None):
    """Check that every class a config names can be found, before anything is built.

    Raises TypeError for an unknown class, ValueError for a stored lambda.
    """
    if isinstance(config, (list, tuple)):
        for item in config:
            check_config(item, custom_objects)
        return
    if not isinstance(config, dict):
        return
    if is_object_config(config):
        class_name = config["class_name"]
        if class_name in DATA_CLASSES:
            return
        if class_name == "__lambda__":
            raise ValueError(LAMBDA_MESSAGE)
        if is_op_entry(config):  # a keras.ops call inside a functional model
            return
        locate(config, custom_objects)
        check_config(config["config"], custom_objects)
        return
    for value in config.values():
        check_config(value, custom_objects)


# The object configs inside a config an enclosing load has stripped of shared ids and
# checked, by id (holding them, so no id is reused while the load runs): its nested objects
# (the layers of a model, a model inside a model) are rebuilt from those very dicts and are
# not stripped and checked again, which made a deep config's load quadratic in its depth.
_PREPARED = contextvars.ContextVar("prepared_configs", default={})


def _is_prepared(config):
    return _PREPARED.get().get(id(config)) is config


def _object_configs_by_id(config):
    found, stack = {}, [config]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if is_object_config(value):
                found[id(value)] = value
            stack.extend(value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
    return found


@contextlib.contextmanager
def _checked_once(config, custom_objects, checked_part=None):
    """Check ``checked_part`` (default ``config``, already stripped of shared ids) with
    check_config, unless an enclosing load prepared ``config``, and mark the object configs
    inside it as prepared while the block runs."""
    if _is_prepared(config):
        yield
        return
    part = config if checked_part is None else checked_part
    check_config(part, custom_objects)
    token = _PREPARED.set({**_PREPARED.get(), **_object_configs_by_id(part),
                           id(config): config})
    try:
        yield
    finally:
        _PREPARED.reset(token)


def strip_shared_ids(config):
    """A copy of ``config`` without Keras's ``shared_object_id`` bookkeeping keys."""
    if isinstance(config, list):
        return [strip_shared_ids(v) for v in config]
    if isinstance(config, dict):
        return {k: strip_shared_ids(v) for k, v in config.items() if k != "shared_object_id"}
    return config


# ---- serialize / deserialize ------------------------------------------------------------------
def serialize_keras_object(obj):
    """A JSON-ready config of ``obj`` (plain values, containers, arrays or Keras objects)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, np.ndarray):
        return numpy_config(obj)
    if isinstance(obj, Tensor):  # a constant argument of a functional call, as Keras
        return {"class_name": "__tensor__", "config": {"value": obj.data.tolist(),
                                                       "dtype": obj.data.dtype.name}}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(v) for v in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, dtype_policies.DTypePolicy):  # as Keras writes it in a layer's config
        return dtype_policies.serialize(obj)
    from ..layers.layer import Layer
    if isinstance(obj, Layer):
        if saved_whole(obj):  # a model (its config holds its compile config), a FeatureSpace
            return serialize_model(obj)
        from ..layers import serialize
        return serialize(obj)
    family = _family_of_object(obj)
    if family is not None:
        return _family_module(family).serialize(obj)
    if getattr(obj, "__name__", None) == "<lambda>":
        raise ValueError(
            "A Python lambda cannot be serialized: minikeras files hold data, never code. "
            "Define a named function and decorate it with "
            "@keras.saving.register_keras_serializable().")
    if hasattr(obj, "get_config"):
        cls = type(obj)  # a public Keras class names its Keras module (its own, not a base's)
        public = vars(cls).get("_keras_module")
        return {"module": public or cls.__module__, "class_name": cls.__name__,
                "config": serialize_keras_object(obj.get_config()),
                "registered_name": None if public else get_registered_name(cls)}
    if callable(obj) and hasattr(obj, "__name__"):
        return function_config(obj)
    raise TypeError(f"Cannot serialize {obj!r} of type {type(obj).__name__}: it is not a plain "
                    "value, an array, or an object with get_config().")


def _family_of_object(obj):
    """The family whose base class ``obj`` (an instance or a class) belongs to, or None."""
    from ..constraints import Constraint
    from ..initializers.base import Initializer
    from ..losses.loss import Loss
    from ..metrics.metric import Metric
    from ..optimizers.optimizer import Optimizer
    from ..optimizers.schedules import LearningRateSchedule
    from ..regularizers import Regularizer
    from ..layers.layer import Layer
    bases = (("layers", Layer), ("optimizers", Optimizer), ("schedules", LearningRateSchedule),
             ("losses", Loss), ("metrics", Metric), ("initializers", Initializer),
             ("regularizers", Regularizer), ("constraints", Constraint))
    cls = obj if isinstance(obj, type) else type(obj)
    for family, base in bases:
        if issubclass(cls, base):
            return family
    return None


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """Rebuild what :func:`serialize_keras_object` produced (classes from the registries only)."""
    del safe_mode, kwargs  # code is never run, so there is nothing for safe mode to allow
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(v, custom_objects) for v in config]
    if isinstance(config, str):
        found = get_registered_object(config, custom_objects)
        return config if found is None else found
    if not isinstance(config, dict):
        return config
    if not is_object_config(config):
        return {k: deserialize_keras_object(v, custom_objects) for k, v in config.items()}
    if not _is_prepared(config):
        config = strip_shared_ids(config)
    class_name, inner = config["class_name"], config["config"]
    if class_name == "__numpy__":
        return array_of_numpy_config(config)
    if class_name == "__tensor__":
        return Tensor(np.array(inner["value"], dtype=inner.get("dtype")))
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name in ("DTypePolicy", "FloatDTypePolicy", "Policy"):  # as Keras: the policy
        return dtype_policies.deserialize(config)
    with _checked_once(config, custom_objects), CustomObjectScope(custom_objects):
        obj = locate(config, custom_objects)
        if not isinstance(obj, type):
            return obj  # a function
        family = _family_of_object(obj)
        if family == "layers" and saved_whole(obj):
            return model_from_config(config, custom_objects)
        if family is not None:
            result = _family_module(family).deserialize(config, custom_objects=custom_objects)
            if family == "layers":
                result.build_from_config(config.get("build_config"))
            return result
        return from_config(obj, inner, custom_objects)


def from_config(cls, config, custom_objects=None):
    """``cls.from_config(config)``; a custom class that cannot take its config gets a hint."""
    if not hasattr(cls, "from_config"):
        return cls(**config)
    if custom_objects is not None and "custom_objects" in inspect.signature(
            cls.from_config).parameters:
        return cls.from_config(config, custom_objects=custom_objects)
    if _family_of_object(cls) is not None and CUSTOM_OBJECTS.name_of(cls) is None:
        return cls.from_config(config)
    try:
        return cls.from_config(config)
    except TypeError as error:
        raise TypeError(
            f"Could not rebuild {cls.__name__} from its saved config: {error}. A custom class "
            "whose __init__ takes arguments must return them from get_config() (and, if "
            "needed, override from_config).") from None


# ---- models: the model config of ``.keras`` files and ``to_json`` ------------------------
def saved_whole(obj):
    """Whether ``obj`` (a layer or its class) is saved as a whole file with its own top-level
    config: a model, or another layer with ``save`` (``keras.utils.FeatureSpace``)."""
    return hasattr(obj, "compile_from_config") or hasattr(obj, "save")


def serialize_model(model, include_compile=True):
    """The Keras 3 config dict of a model (``to_json`` and ``config.json``)."""
    from ..layers.layer import LAYERS
    cls = type(model)
    keras_module = getattr(cls, "_keras_module", None)
    if keras_module is not None:  # a class Keras exports outside keras.layers (FeatureSpace)
        module, registered = keras_module, CUSTOM_OBJECTS.name_of(cls)
    else:
        module, registered = LAYERS.class_identity(cls, "keras")
    config = {"module": module, "class_name": cls.__name__, "config": model.get_config(),
              "registered_name": registered}
    builtin = module == "keras" and registered is None
    if builtin and cls.__name__ == "Functional":  # what Keras 3 writes for its functional models
        config["module"], config["registered_name"] = "keras.src.models.functional", "Functional"
    build_config = model.get_build_config() if model.built else None
    if build_config is not None:
        config["build_config"] = build_config
    compile_config = model.get_compile_config() if include_compile and hasattr(
        model, "get_compile_config") else None
    if compile_config is not None:  # serialized as Keras does: an override may hold objects
        config["compile_config"] = serialize_keras_object(compile_config)
    return config


def model_from_config(config, custom_objects=None, compile=True):
    """Build (and compile, if the config says how) the model a Keras 3 config describes."""
    if not is_object_config(config):
        raise ValueError("Expected a model config dict with 'class_name' and 'config' keys. "
                         f"Received: {str(config)[:200]}")
    if not _is_prepared(config):
        config = strip_shared_ids(config)
    without_compile = {k: v for k, v in config.items() if k != "compile_config"}
    with _checked_once(config, custom_objects, without_compile), \
            CustomObjectScope(custom_objects):
        cls = locate(config, custom_objects)
        if not (isinstance(cls, type) and saved_whole(cls)):
            raise ValueError(f"The config describes a '{config['class_name']}', not a model. "
                             "Use keras.layers.deserialize() for a single layer.")
        model = from_config(cls, dict(config["config"] or {}), custom_objects)
        model.build_from_config(config.get("build_config"))
        if compile and config.get("compile_config"):
            model.compile_from_config(config["compile_config"])
    return model
