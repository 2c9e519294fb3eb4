"""keras.callbacks."""
from .callback import CALLBACKS, Callback, CallbackList, History, ProgbarLogger

__all__ = ["CALLBACKS", "Callback", "CallbackList", "History", "ProgbarLogger"]
