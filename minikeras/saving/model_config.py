"""Compile configs of ``.keras`` / JSON, and the legacy ``.h5`` model and training configs.

A Keras 3 model config (``config.json``, ``to_json``; written by
``serialization.serialize_model``, its ``compile_config`` by :func:`compile_config` here)::

    {"module": "keras", "class_name": "Sequential", "config": {..., "layers": [...]},
     "registered_name": None, "build_config": {"input_shape": [None, 3]},
     "compile_config": {"optimizer": {...}, "loss": ..., "loss_weights": ..., "metrics": [...],
                        "weighted_metrics": ..., "run_eagerly": False,
                        "steps_per_execution": 1, "jit_compile": False}}

Legacy ``.h5`` (``model_config`` / ``training_config`` attributes): layer entries are
``{"class_name", "config"}`` without ``module``; the training config is the compile
config without ``optimizer`` plus ``optimizer_config`` = ``{"class_name", "config"}``.
Keras 2 configs (first layer with ``batch_input_shape``, ``Custom>Adam`` optimizers,
``MeanMetricWrapper`` metrics) are read too.
"""

import numpy as np

from ..layers.layer import LAYERS
from ..layers.op_call import OPS_MODULE
from ..layers.op_classes import OP_CLASSES
from ..registry import CUSTOM_OBJECTS
from .legacy_rnn import translate_legacy_rnn_configs
from .serialization import check_config, is_object_config, model_from_config


# ---- writing ----------------------------------------------------------------------------------
def compile_config(model):
    """The model's compile arguments, serialized (a new dict: the model is not changed);
    ``{}`` for a model not compiled, as Keras writes it."""
    if not getattr(model, "compiled", False):
        return {}
    from .. import optimizers
    cc = dict(getattr(model, "_compile_config", None) or {})
    jit = cc.get("jit_compile", False)
    optimizer = cc.get("optimizer", model.optimizer)  # as given (not compile's loss scaling)
    return {"optimizer": optimizers.serialize(optimizer) if optimizer else None,
            "loss": _serialize_nested(cc.get("loss"), "losses"),
            "loss_weights": _plain(cc.get("loss_weights")),
            "metrics": _serialize_nested(cc.get("metrics"), "metrics"),
            "weighted_metrics": _serialize_nested(cc.get("weighted_metrics"), "metrics"),
            "run_eagerly": bool(cc.get("run_eagerly", False)),
            "steps_per_execution": cc.get("steps_per_execution", 1),
            "jit_compile": False if jit == "auto" else jit}


def _serialize_nested(value, family):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return [_serialize_nested(v, family) for v in value]
    if isinstance(value, dict):
        return {k: _serialize_nested(v, family) for k, v in value.items()}
    from .serialization import _family_module
    return _family_module(family).serialize(value)


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value.item() if isinstance(value, np.generic) else value


def legacy_model_config(model):
    """``model_config`` of a legacy ``.h5`` file: layer entries without ``module``."""
    cls = type(model)
    return {"class_name": CUSTOM_OBJECTS.name_of(cls) or cls.__name__,
            "config": _legacy_layers(model.get_config())}


def _legacy_layers(config):
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        return config
    config = dict(config)
    config["layers"] = [_legacy_entry(e) for e in config["layers"]]
    return config


# Keras writes legacy entries for the layers of these models only; any other layer holding
# layers (Pipeline) serializes them itself, with ``module``, and Keras's reader needs it there.
_MODELS_WITH_LEGACY_LAYERS = ("Functional", "Sequential")


def _legacy_entry(entry):
    """A legacy layer entry: no ``module``; a functional model's ``name`` and calls kept."""
    config = entry.get("config")
    if entry["class_name"] in _MODELS_WITH_LEGACY_LAYERS:
        config = _legacy_layers(config)
    name = entry.get("registered_name") or entry["class_name"]
    legacy = {"class_name": _python_class_names().get(name, name), "config": config}
    for key in ("name", "inbound_nodes"):
        if key in entry:
            legacy[key] = entry[key]
    return legacy


def training_config(model):
    """``training_config`` of a legacy ``.h5`` file, or None for an uncompiled model."""
    config = model.get_compile_config()
    if not config:
        return None
    config.pop("optimizer")  # pops from our copy: the model's compile config stays whole
    for key in ("loss", "metrics", "weighted_metrics"):
        config[key] = _keras2_objects(config.get(key))
    optimizer = model.optimizer
    if optimizer is not None:
        name = CUSTOM_OBJECTS.name_of(type(optimizer)) or type(optimizer).__name__
        config["optimizer_config"] = {"class_name": name, "config": optimizer.get_config()}
    return config


def _keras2_objects(value):
    """Losses and metrics of a compile config as Keras writes them in a legacy ``.h5``: each
    object ``{"class_name": <registered name>, "config": ...}``, without ``module`` or
    ``registered_name``; names, and the lists and dicts holding them, as they are."""
    if isinstance(value, dict):
        if "class_name" in value and "config" in value:
            return {"class_name": value.get("registered_name") or value["class_name"],
                    "config": value["config"]}
        return {key: _keras2_objects(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_keras2_objects(item) for item in value]
    return value


def _python_class_names():
    """{exported name: Keras's Python class name} for the layers whose two names differ.

    Legacy ``.h5`` configs name a layer by its Python class (``GroupedQueryAttention``),
    ``.keras`` configs by its exported name (``GroupQueryAttention``); such a class declares
    the former as ``_keras_class_name``.
    """
    return {name: vars(cls)["_keras_class_name"] for name, cls in LAYERS.items()
            if isinstance(cls, type) and "_keras_class_name" in vars(cls)}


# ---- reading ----------------------------------------------------------------------------------
def model_from_legacy_config(model_config, custom_objects=None):
    """Build the model of a legacy ``model_config`` (Keras 3 ``.h5`` or Keras 2)."""
    if not isinstance(model_config, dict) or "class_name" not in model_config:
        raise ValueError(f"Unrecognized model config: {str(model_config)[:200]}")
    inner = model_config.get("config")
    if isinstance(inner, list):  # Keras <= 2.2: the config is the list of layers
        inner = {"layers": inner}
    inner = _exported_class_names(inner)
    inner = translate_legacy_rnn_configs(inner)  # Keras 2 CuDNN layers, time_major
    return model_from_config({"class_name": model_config["class_name"], "config": inner},
                             custom_objects, compile=False)


def _exported_class_names(config):
    """A copy of a legacy model's inner config with Python class names made exported names,
    and the op nodes given their module back.

    Keras writes the op nodes of a functional model (the ``NotEqual`` computing an
    ``Embedding(mask_zero=True)``'s mask for the next layer) without their module into
    ``.h5``, and then cannot read its own file; an op class name that names no layer is
    read here as the op it is.
    """
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        return config
    exported = {python: name for name, python in _python_class_names().items()}
    op_families = {class_name: family for class_name, family, _ in OP_CLASSES.values()}
    layers = []
    for entry in config["layers"]:
        if isinstance(entry, dict) and "class_name" in entry:
            name = exported.get(entry["class_name"], entry["class_name"])
            entry = {**entry, "class_name": name}
            if name in _MODELS_WITH_LEGACY_LAYERS:
                entry["config"] = _exported_class_names(entry.get("config"))
            elif (name in op_families and "module" not in entry and name not in LAYERS
                  and name not in CUSTOM_OBJECTS):
                entry["module"] = f"{OPS_MODULE}.{op_families[name]}"
        layers.append(entry)
    return {**config, "layers": layers}


def compile_from_config(model, config, custom_objects=None):
    """``model.compile(...)`` from a Keras 3 compile config (optimizer as a config dict)."""
    from .. import optimizers
    optimizer = config.get("optimizer") or "rmsprop"  # Keras's default when none was stored
    # an unknown loss, metric or learning-rate schedule (a user's) raises Keras's TypeError
    # ("Could not locate function ..." / "... class ...")
    schedule = optimizer.get("config", {}).get("learning_rate") \
        if isinstance(optimizer, dict) else None
    check_config([config.get(key) for key in ("loss", "metrics", "weighted_metrics")]
                 + [schedule], custom_objects)
    optimizer = optimizers.deserialize(optimizer, custom_objects=custom_objects) \
        if isinstance(optimizer, dict) else optimizers.get(optimizer)
    model.compile(optimizer=optimizer,
                  loss=_deserialize_nested(config.get("loss"), "losses", custom_objects),
                  loss_weights=config.get("loss_weights"),
                  metrics=_deserialize_nested(config.get("metrics"), "metrics", custom_objects),
                  weighted_metrics=_deserialize_nested(config.get("weighted_metrics"),
                                                       "metrics", custom_objects),
                  run_eagerly=config.get("run_eagerly", False),
                  steps_per_execution=config.get("steps_per_execution", 1),
                  jit_compile=config.get("jit_compile", "auto"))


def _deserialize_nested(value, family, custom_objects):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return [_deserialize_nested(v, family, custom_objects) for v in value]
    if isinstance(value, dict) and not is_object_config(value):
        return {k: _deserialize_nested(v, family, custom_objects) for k, v in value.items()}
    from .serialization import _family_module
    return _family_module(family).deserialize(value, custom_objects=custom_objects)


def compile_from_training_config(model, config, custom_objects=None):
    """Compile from a legacy ``training_config`` (Keras 3 ``.h5`` or Keras 2)."""
    optimizer_config = config.get("optimizer_config")
    if isinstance(optimizer_config, dict) and "class_name" in optimizer_config:
        name = optimizer_config["class_name"]
        if ">" in name:  # Keras 2.11+ wrote "Custom>Adam"
            name = name.split(">", 1)[1]
        optimizer_config = {"class_name": name, "config": optimizer_config.get("config") or {}}
    outputs = list(getattr(model, "output_names", None) or [])
    compile_from_config(model, {
        "optimizer": optimizer_config, "loss": _legacy_losses(config.get("loss")),
        "loss_weights": config.get("loss_weights"),
        "metrics": _legacy_metrics(config.get("metrics"), outputs),
        "weighted_metrics": _legacy_metrics(config.get("weighted_metrics"), outputs),
        "run_eagerly": config.get("run_eagerly", False),
        "steps_per_execution": config.get("steps_per_execution", 1),
        "jit_compile": config.get("jit_compile", "auto")}, custom_objects)


def _legacy_losses(loss):
    """Keras 2 loss objects' configs: without the ``fn`` they named, and with Keras 2's
    ``reduction="auto"`` (the mean over the batch) as Keras 3 spells it."""
    if isinstance(loss, list):
        return [_legacy_losses(entry) for entry in loss]
    if isinstance(loss, dict) and not is_object_config(loss):
        return {name: _legacy_losses(entry) for name, entry in loss.items()}
    if not is_object_config(loss) or not isinstance(loss.get("config"), dict):
        return loss
    inner = {k: v for k, v in loss["config"].items() if k != "fn"}
    if inner.get("reduction") == "auto":
        inner["reduction"] = "sum_over_batch_size"
    return {**loss, "config": inner}


def _legacy_metrics(metrics, output_names):
    """Keras 2 metric lists: one list per output, ``MeanMetricWrapper`` entries naming the
    metric as compiled (``mae``; ``score_accuracy`` for output ``score``) and the function it
    resolved to; a per-output list becomes a dict by output name, as it was compiled."""
    if metrics is None:
        return None
    if isinstance(metrics, dict) and not is_object_config(metrics):
        return {name: [_legacy_metric(m, name) for m in _as_list(entries)]
                for name, entries in metrics.items()}
    metrics = _as_list(metrics)
    if metrics and all(isinstance(m, list) for m in metrics):  # one list per output
        if len(output_names) > 1 and len(metrics) == len(output_names):
            return {name: [_legacy_metric(m, name) for m in entries]
                    for name, entries in zip(output_names, metrics) if entries}
        metrics = [m for sub in metrics for m in sub]
    return [_legacy_metric(m, None) for m in metrics]


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _legacy_metric(entry, output_name):
    """A Keras 2 metric entry as ``compile`` takes it: the name it was compiled with when
    that name is a metric (``"mae"``, ``"accuracy"``), else the function it named."""
    if not (is_object_config(entry) and entry["class_name"] == "MeanMetricWrapper"):
        return entry
    from .. import metrics
    inner = entry.get("config") or {}
    name, fn = inner.get("name"), inner.get("fn")
    if isinstance(name, str) and output_name and name.startswith(f"{output_name}_"):
        name = name[len(output_name) + 1:]
    if isinstance(name, str):
        try:
            metrics.get(name)
            return name
        except (ValueError, TypeError):
            pass
    return fn if isinstance(fn, str) else entry
