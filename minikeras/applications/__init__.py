"""keras.applications: the standard image classification architectures, built with Keras's
layer names so Keras's published ImageNet weight files load (``weights="imagenet"``).

Each family is a module with its builders, ``preprocess_input`` and ``decode_predictions``
(``keras.applications.resnet50`` is ``resnet``, as in Keras).
"""
from . import imagenet_utils, mobilenet, mobilenet_v2, resnet, resnet_v2, vgg16, vgg19
from .mobilenet import MobileNet
from .mobilenet_v2 import MobileNetV2
from .resnet import ResNet50, ResNet101, ResNet152
from .resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from .vgg16 import VGG16
from .vgg19 import VGG19

resnet50 = resnet

__all__ = ["MobileNet", "MobileNetV2", "ResNet101", "ResNet101V2", "ResNet152", "ResNet152V2",
           "ResNet50", "ResNet50V2", "VGG16", "VGG19", "imagenet_utils", "mobilenet",
           "mobilenet_v2", "resnet", "resnet50", "resnet_v2", "vgg16", "vgg19"]
