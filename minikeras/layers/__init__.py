"""keras.layers: every layer, registered by class name."""
from .activations import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .core import Activation, Dense, Input, InputLayer
from .layer import LAYERS, InputSpec, Layer
from .regularization import Dropout
from .reshaping import Flatten, Reshape


def serialize(layer):
    """A layer's Keras config dict (with its build config when built)."""
    config = LAYERS.serialize(layer, "keras.layers")
    if layer._build_input_shape is not None:
        config["build_config"] = {"input_shape": list(layer._build_input_shape)}
    return config


def deserialize(config, custom_objects=None):
    """Rebuild a layer from its config dict."""
    return LAYERS.deserialize(config, custom_objects)


def get(identifier):
    if isinstance(identifier, Layer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    return LAYERS.lookup(identifier)()


__all__ = ["Activation", "Dense", "Dropout", "ELU", "Flatten", "Input", "InputLayer",
           "InputSpec", "LAYERS", "Layer", "LeakyReLU", "PReLU", "ReLU", "Reshape", "Softmax",
           "deserialize", "get", "serialize"]
