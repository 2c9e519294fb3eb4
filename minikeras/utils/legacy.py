"""keras.utils.legacy: Keras 2's object config format, the functions of keras.legacy.saving."""
from ..saving.legacy_serialization import deserialize_keras_object, serialize_keras_object

__all__ = ["deserialize_keras_object", "serialize_keras_object"]
