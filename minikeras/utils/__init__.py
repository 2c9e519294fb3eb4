"""keras.utils: data input (downloads, datasets, PyDataset), seeding, progress bars,
serialization and naming."""
from ..backend import clear_session, standardize_dtype
from ..config import (disable_interactive_logging, enable_interactive_logging,
                      is_interactive_logging_enabled)
from ..random import set_random_seed
from ..registry import (CustomObjectScope, custom_object_scope, get_custom_objects,
                        get_registered_name, get_registered_object, register_keras_serializable)
from ..saving.serialization import deserialize_keras_object, serialize_keras_object
from . import bounding_boxes, legacy, np_utils
from .audio_dataset import audio_dataset_from_directory
from .config import Config
from .dataset import split_dataset
from .feature_space import FeatureSpace
from .file_utils import DownloadError, get_file
from .image_dataset import image_dataset_from_directory
from .image_utils import array_to_img, img_to_array, load_img, save_img
from .model_utils import (get_source_inputs, is_keras_tensor, pack_x_y_sample_weight,
                          pad_sequences, unpack_x_y_sample_weight)
from .model_visualization import model_to_dot, plot_model
from .numerical import normalize, to_categorical
from .progbar import Progbar
from .py_dataset import PyDataset, Sequence
from .text_dataset import text_dataset_from_directory
from .timeseries_dataset import timeseries_dataset_from_array

__all__ = ["Config", "CustomObjectScope", "DownloadError", "FeatureSpace", "Progbar", "PyDataset",
           "Sequence", "array_to_img", "audio_dataset_from_directory", "bounding_boxes",
           "clear_session", "custom_object_scope", "deserialize_keras_object",
           "disable_interactive_logging", "enable_interactive_logging", "get_custom_objects",
           "get_file", "get_registered_name", "get_registered_object", "get_source_inputs",
           "image_dataset_from_directory", "img_to_array", "is_interactive_logging_enabled",
           "is_keras_tensor", "legacy", "load_img", "model_to_dot", "normalize", "np_utils",
           "pack_x_y_sample_weight", "pad_sequences", "plot_model", "register_keras_serializable",
           "save_img", "serialize_keras_object", "set_random_seed", "split_dataset",
           "standardize_dtype", "text_dataset_from_directory", "timeseries_dataset_from_array",
           "to_categorical", "unpack_x_y_sample_weight"]
