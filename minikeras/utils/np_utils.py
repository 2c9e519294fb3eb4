"""Keras 2 spelling ``keras.utils.np_utils``: re-exports the numpy helpers."""

from minikeras.utils.numerical import normalize, to_categorical

__all__ = ["normalize", "to_categorical"]
