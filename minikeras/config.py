"""keras.config: the global numeric settings, under Keras 3's names."""
from .backend import (epsilon, floatx, image_data_format, set_epsilon, set_floatx,
                      set_image_data_format)


def backend():
    """The name of the array backend: always ``"numpy"``."""
    return "numpy"


__all__ = ["backend", "epsilon", "floatx", "image_data_format", "set_epsilon", "set_floatx",
           "set_image_data_format"]
