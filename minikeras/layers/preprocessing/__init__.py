"""Preprocessing layers: data transformations that are part of the model."""
from .rescaling import Rescaling
