"""minikeras: Keras-compatible deep learning on numpy alone.

``import minikeras as keras`` and a Keras script runs with the same names,
options, numbers and progress output.
"""
from . import (activations, backend, callbacks, constraints, datasets, initializers, layers,
               losses, metrics, models, ops, optimizers, regularizers, utils)
from .layers import Input, Layer
from .models import Model, Sequential
from .variables import Variable

__version__ = "0.1.0"

__all__ = ["Input", "Layer", "Model", "Sequential", "Variable", "activations", "backend",
           "callbacks", "constraints", "datasets", "initializers", "layers", "losses", "metrics",
           "models", "ops", "optimizers", "regularizers", "utils"]
