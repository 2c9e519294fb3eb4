"""keras.applications.resnet50: Keras's module of that name, so that
``from keras.applications.resnet50 import ResNet50, preprocess_input`` runs. It holds
ResNet50 and the ResNet family's input preprocessing and label decoding (``resnet``)."""
from .resnet import ResNet50, decode_predictions, preprocess_input

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]
