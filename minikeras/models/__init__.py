"""keras.models."""
from ..saving import load_model, model_from_json, save_model
from .model import Model
from .sequential import Sequential

__all__ = ["Model", "Sequential", "load_model", "model_from_json", "save_model"]
