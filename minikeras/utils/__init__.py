"""keras.utils: data helpers, seeding, progress bars and naming."""
from ..random import set_random_seed
from ..registry import register_keras_serializable
from . import np_utils
from .numerical import normalize, to_categorical
from .progbar import Progbar

__all__ = ["Progbar", "normalize", "np_utils", "register_keras_serializable", "set_random_seed",
           "to_categorical"]
