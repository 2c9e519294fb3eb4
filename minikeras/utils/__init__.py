"""keras.utils: data helpers, seeding, progress bars, serialization and naming."""
from ..backend import clear_session
from ..random import set_random_seed
from ..registry import (CustomObjectScope, custom_object_scope, get_custom_objects,
                        get_registered_name, get_registered_object, register_keras_serializable)
from ..saving.serialization import deserialize_keras_object, serialize_keras_object
from . import np_utils
from .model_utils import pack_x_y_sample_weight, pad_sequences, unpack_x_y_sample_weight
from .model_visualization import model_to_dot, plot_model
from .numerical import normalize, to_categorical
from .progbar import Progbar

__all__ = ["CustomObjectScope", "Progbar", "clear_session", "custom_object_scope",
           "deserialize_keras_object", "get_custom_objects", "get_registered_name",
           "get_registered_object", "model_to_dot", "normalize", "np_utils",
           "pack_x_y_sample_weight", "pad_sequences", "plot_model", "register_keras_serializable",
           "serialize_keras_object", "set_random_seed", "to_categorical",
           "unpack_x_y_sample_weight"]
