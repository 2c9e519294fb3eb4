"""keras.saving: whole-model files, weight files and object configs, compatible with Keras.

Formats (see docs/saving.md):

* ``.keras`` zip (``model.save``, ``load_model``): config JSON, weights, optimizer state;
* ``.weights.h5`` (``save_weights`` / ``load_weights``): Keras 3's weights layout;
* legacy ``.h5`` / ``.hdf5``: Keras 2 weight files and whole-model files.

Files hold data, never code: classes are found through the registries (and
``register_keras_serializable`` / ``custom_objects``) only. h5py is imported on first use.
"""
from ..registry import (CustomObjectScope, custom_object_scope, get_custom_objects,
                        get_registered_name, get_registered_object, register_keras_serializable)
from .file_editor import KerasFileEditor
from .api import load_model, load_weights, model_from_json, save_model, save_weights
from .serialization import deserialize_keras_object, serialize_keras_object

__all__ = ["CustomObjectScope", "KerasFileEditor", "custom_object_scope", "deserialize_keras_object",
           "get_custom_objects", "get_registered_name", "get_registered_object", "load_model",
           "load_weights", "model_from_json", "register_keras_serializable", "save_model",
           "save_weights", "serialize_keras_object"]
