"""keras.config: the global numeric settings, under Keras 3's names."""
from .backend import (backend, epsilon, floatx, image_data_format, set_epsilon, set_floatx,
                      set_image_data_format)


def enable_unsafe_deserialization():
    """Accepted for Keras compatibility. minikeras never runs code stored in a file (no
    lambdas, no bytecode), so there is nothing unsafe to enable: this changes nothing."""


__all__ = ["backend", "enable_unsafe_deserialization", "epsilon", "floatx", "image_data_format", "set_epsilon", "set_floatx",
           "set_image_data_format"]
