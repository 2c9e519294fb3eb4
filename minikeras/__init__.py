"""minikeras: Keras-compatible deep learning on numpy alone.

``import minikeras as keras`` and a Keras script runs with the same names,
options, numbers and progress output.

Submodules load on first use (``keras.layers`` imports the layers then), so
``import minikeras`` itself stays fast.
"""
import importlib

from . import backend as _backend  # numpy only: cheap
from . import random as _random  # numpy only: cheap

__version__ = "0.1.0"

_SUBMODULES = ("activations", "applications", "backend", "callbacks", "config", "constraints",
               "datasets", "diagnostics", "distillation", "distribution", "dtype_policies",
               "initializers", "layers", "legacy", "losses", "metrics", "mixed_precision", "models", "ops", "optimizers",
               "preprocessing", "quantizers", "random", "regularizers", "saving", "tree", "utils",
               "visualization", "wrappers")
_NAMES = {"Input": "layers", "InputSpec": "layers", "Layer": "layers", "Model": "models",
          "Sequential": "models", "Variable": "variables", "KerasTensor": "layers.keras_tensor",
          "Loss": "losses", "Metric": "metrics", "Optimizer": "optimizers",
          "Initializer": "initializers", "Regularizer": "regularizers",
          "DTypePolicy": "dtype_policies", "name_scope": "naming", "device": "backend",
          "FloatDTypePolicy": "dtype_policies",
          "Function": "layers.graph",
          "Operation": "layers.operation",
          "remat": "rematerialization",
          "RematScope": "rematerialization",
          "StatelessScope": "variables",
          "SymbolicScope": "backend",
          "Quantizer": "quantizers"}

__all__ = sorted(_SUBMODULES + tuple(_NAMES) + ("version",))


def _keras2_backend_functions():
    from .legacy import backend_functions  # on first use, as the submodules
    return backend_functions


_backend.serve_keras2_functions(_keras2_backend_functions)


def _variable_class():
    from .variables import Variable  # on the first seed generator's state
    return Variable


_random.serve_variable_class(_variable_class)


def version():
    """The minikeras version string (``keras.version()``)."""
    return __version__


def __getattr__(name):
    if name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    elif name in _NAMES:
        value = getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
    else:
        raise AttributeError(f"module 'minikeras' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
