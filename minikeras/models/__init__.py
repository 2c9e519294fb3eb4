"""keras.models: Model, Sequential, and the file functions (loaded on first use)."""
from .cloning import clone_model
from .functional import Functional
from .model import Model
from .sequential import Sequential

_FROM_SAVING = ("load_model", "model_from_json", "save_model")

__all__ = ["Functional", "Model", "Sequential", "clone_model", *_FROM_SAVING]


def __getattr__(name):
    if name in _FROM_SAVING:
        from .. import saving
        return getattr(saving, name)
    raise AttributeError(f"module 'minikeras.models' has no attribute {name!r}")
