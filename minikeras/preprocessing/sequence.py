"""``keras.preprocessing.sequence``: padding sequences to one length."""
from ..utils.model_utils import pad_sequences

__all__ = ["pad_sequences"]
