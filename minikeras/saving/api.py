"""The saving entry points, routed by file name exactly as Keras 3 routes them.

* ``save_model`` / ``model.save``: ``.keras`` -> zip (or folder with ``zipped=False``),
  ``.h5`` / ``.hdf5`` -> legacy whole-model HDF5; anything else is a ValueError.
* ``model.save_weights``: the name must end in ``.weights.h5`` (``.weights.json`` when
  sharded with ``max_shard_size``).
* ``model.load_weights``: ``.keras``, ``.weights.h5`` and ``.weights.json`` hold the Keras 3
  layout; any other ``.h5`` / ``.hdf5`` is read with the legacy loader.
* ``load_model``: ``.keras`` zip or folder, or legacy ``.h5`` / ``.hdf5``.
"""
import json
import os
import warnings

from ..io_utils import LOGGER
from . import keras_file, legacy_h5, model_config, sharded
from .load_guard import check_config_depth, deep_stack, guarded_load
from .files import atomic_write, check_exists, json_default, proceed_with_overwrite
from .serialization import model_from_config, serialize_model
from .weights_h5 import H5Store, load_from_store, open_h5, save_weights_to_h5

_LEGACY = (".h5", ".hdf5")


def _path(filepath, argument="filepath"):
    try:
        return os.fspath(filepath)
    except TypeError:
        raise TypeError(f"`{argument}` must be a path (str or os.PathLike). Received: "
                        f"{filepath!r} of type {type(filepath).__name__}") from None


def _require_built(model, action):
    if not model.built:
        opening = ("You are saving a model that has not yet been built. Try building the "
                   "model first by calling it on some data or by using `build()`. "
                   if action == "save the weights of" else "")  # Keras's words, then ours
        raise ValueError(
            f"{opening}Cannot {action} model '{model.name}': it is not built yet, so it has "
            "no weights. "
            "Build it first: start it with keras.Input(shape), call model.build(input_shape), "
            "or call it on a batch of data.")


# ---- whole models -----------------------------------------------------------------------------
_LEGACY_FORMAT_NOTICE = (
    "You are saving your model as an HDF5 file via `model.save()` or "
    "`keras.saving.save_model(model)`. This file format is considered legacy. We recommend "
    "using instead the native Keras format, e.g. `model.save('my_model.keras')` or "
    "`keras.saving.save_model(model, 'my_model.keras')`. ")


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Save architecture, weights, compile settings and optimizer state to ``filepath``."""
    filepath = _path(filepath)
    include_optimizer = kwargs.pop("include_optimizer", True)
    save_format = kwargs.pop("save_format", None)
    if save_format:
        if not filepath.endswith((".keras",) + _LEGACY):
            raise ValueError(
                "The `save_format` argument is deprecated in Keras 3. Please remove this "
                "argument and pass a file path with either `.keras` or `.h5` extension. "
                f"Received: save_format={save_format}")
        warnings.warn("The `save_format` argument is deprecated in Keras 3; the format is "
                      f"inferred from the file name. Received: save_format={save_format}",
                      DeprecationWarning, stacklevel=3)
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs)}")
    if not model.built:
        warnings.warn("You are saving a model that has not yet been built. It might not "
                      "contain any weights yet. Consider building the model first by calling "
                      "it on some data.", stacklevel=3)
    if filepath.endswith(_LEGACY) and zipped is not False:
        LOGGER.warning(_LEGACY_FORMAT_NOTICE)  # logged, as Keras logs it (stderr by default)
    if not proceed_with_overwrite(filepath, overwrite):
        return
    with deep_stack():
        _save_model(model, filepath, zipped, include_optimizer)


def _save_model(model, filepath, zipped, include_optimizer):
    if filepath.endswith(".keras"):
        keras_file.save_keras_file(model, filepath, zipped=zipped is not False)
    elif zipped is False:
        keras_file.save_keras_file(model, filepath, zipped=False)
    elif filepath.endswith(_LEGACY):
        _save_legacy(model, filepath, include_optimizer)
    else:
        raise ValueError(
            "Invalid filepath extension for saving. Please add either a `.keras` extension for "
            "the native Keras format (recommended) or a `.h5` extension. Received: "
            f"filepath={filepath}.")


def _save_legacy(model, filepath, include_optimizer):
    config = model_config.legacy_model_config(model)
    training = model_config.training_config(model) if include_optimizer else None
    with atomic_write(filepath) as tmp:
        with open_h5(tmp, "w") as f:
            legacy_h5.write_model_file(model, f, config, training)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild a model saved with ``model.save`` (by minikeras or by Keras 3 / Keras 2).

    Classes come from minikeras's registries, ``register_keras_serializable`` and
    ``custom_objects`` only; ``safe_mode`` is accepted for Keras compatibility, and code
    stored in a file (a lambda) is refused whatever its value.
    """
    del safe_mode
    filepath = _path(filepath)
    with guarded_load(filepath):
        return _load_model(filepath, custom_objects, compile)


def _load_model(filepath, custom_objects, compile):
    if filepath.endswith(".keras") or (os.path.isdir(filepath) and os.path.exists(
            os.path.join(filepath, keras_file.CONFIG))):
        return keras_file.load_keras_file(filepath, custom_objects, compile)
    if filepath.endswith(_LEGACY):
        check_exists(filepath)
        return _load_legacy_model(filepath, custom_objects, compile)
    check_exists(filepath)
    raise ValueError(
        f"File format not supported: filepath={filepath}. Keras 3 (and minikeras) load `.keras` "
        "files and legacy `.h5` / `.hdf5` files. A TensorFlow SavedModel folder cannot be "
        "loaded.")


def _load_legacy_model(filepath, custom_objects, compile):
    with open_h5(filepath) as f:
        config, training, version = legacy_h5.read_model_file(f, filepath)
        model = model_config.model_from_legacy_config(config, custom_objects)
        if "model_weights" not in f:
            raise legacy_h5.UnreadableFileError(f"{filepath} has a model config but no "
                                                "`model_weights` group; the file is damaged.")
        legacy_h5.load_legacy_weights(model, f["model_weights"], filepath)
        if compile:
            if training is None:
                warnings.warn("No training configuration found in the save file, so the model "
                              "was *not* compiled. Compile it manually.", stacklevel=3)
            else:
                model_config.compile_from_training_config(model, training, custom_objects)
                if getattr(model, "compiled", False):
                    legacy_h5.load_optimizer_weights(model, f, filepath, version)
    return model


# ---- weights -------------------------------------------------------------------------------------
def save_weights(model, filepath, overwrite=True, max_shard_size=None):
    """Write the model's (and its optimizer's) variables in Keras 3's ``.weights.h5`` layout."""
    filepath = _path(filepath)
    if max_shard_size is None and not filepath.endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={filepath}")
    if max_shard_size is not None and not filepath.endswith(("weights.h5", "weights.json")):
        raise ValueError("The filename must end in `.weights.json` when `max_shard_size` is "
                         f"specified. Received: filepath={filepath}")
    _require_built(model, "save the weights of")
    if not proceed_with_overwrite(filepath, overwrite):
        return
    if max_shard_size is not None:
        sharded.save_sharded(model, filepath, max_shard_size)
        return
    with atomic_write(filepath) as tmp:
        save_weights_to_h5(model, tmp)


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """Load weights saved by minikeras, Keras 3 or Keras 2 (routed by file name as in Keras)."""
    filepath = _path(filepath)
    by_name = kwargs.pop("by_name", None)
    objects_to_skip = kwargs.pop("objects_to_skip", None)
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    keras3 = filepath.endswith((".keras", ".weights.h5", ".weights.json"))
    if keras3 and by_name is not None:
        raise ValueError("`by_name` only supports loading legacy '.h5' or '.hdf5' files. "
                         f"Received: {filepath}")
    if objects_to_skip is not None:
        raise NotImplementedError("`objects_to_skip` is not supported by minikeras yet.")
    if not keras3 and not filepath.endswith(_LEGACY):
        raise ValueError(
            f"File format not supported: filepath={filepath}. Keras 3 only supports V3 "
            "`.keras` and `.weights.h5` files, or legacy V1/V2 `.h5` files.")
    check_exists(filepath)
    _require_built(model, "load weights into")
    with guarded_load(filepath):
        _load_weights(model, filepath, skip_mismatch, by_name)


def _load_weights(model, filepath, skip_mismatch, by_name):
    if filepath.endswith(".keras"):
        keras_file.load_weights_from_keras_file(model, filepath, skip_mismatch)
    elif filepath.endswith(".weights.json"):
        with sharded.ShardedStore(filepath) as store:
            load_from_store(model, store, filepath, skip_mismatch)
    elif filepath.endswith(".weights.h5"):
        with open_h5(filepath) as f:
            load_from_store(model, H5Store(f), filepath, skip_mismatch)
    else:
        with open_h5(filepath) as f:
            legacy_h5.load_legacy_weights(model, legacy_h5.weights_group(f), filepath,
                                          skip_mismatch=skip_mismatch, by_name=bool(by_name))


# ---- JSON ---------------------------------------------------------------------------------
def to_json(model, **kwargs):
    """The model's config (with its compile config, when compiled) as a JSON string."""
    kwargs.setdefault("default", json_default)
    with deep_stack():
        return json.dumps(serialize_model(model), **kwargs)


def model_from_json(json_string, custom_objects=None):
    """Rebuild a model from ``to_json`` output (Keras 2 JSON without ``module`` keys works too)."""
    with guarded_load("the JSON given to model_from_json"):
        try:
            config = json.loads(json_string)
        except (TypeError, ValueError) as error:
            raise ValueError(f"`model_from_json` expects the JSON string of a model config "
                             f"(model.to_json()). It could not be parsed: {error}") from None
        check_config_depth(config, "the JSON given to model_from_json")
        if isinstance(config, dict) and "module" not in config and "class_name" in config:
            return model_config.model_from_legacy_config(config, custom_objects)
        return model_from_config(config, custom_objects, compile=True)
