"""keras.legacy.saving: Keras 2's object config format (see
minikeras/saving/legacy_serialization.py)."""
from ..saving.legacy_serialization import deserialize_keras_object, serialize_keras_object

__all__ = ["deserialize_keras_object", "serialize_keras_object"]
