"""keras.legacy: what Keras 3 keeps of Keras 2 under a public name, ``keras.legacy.saving``."""
from . import saving

__all__ = ["saving"]
