"""keras.applications: the standard image classification architectures, built with Keras's
layer names so Keras's published ImageNet weight files load (``weights="imagenet"``).

Each family is a module with its builders, ``preprocess_input`` and ``decode_predictions``
(``resnet50`` holds ResNet50 with ``resnet``'s two functions, as Keras's module of that name).
"""
from . import (densenet, efficientnet, imagenet_utils, inception_resnet_v2, inception_v3, mobilenet,
               mobilenet_v2, mobilenet_v3, resnet, resnet50, resnet_v2, vgg16, vgg19, xception)
from .densenet import DenseNet121, DenseNet169, DenseNet201
from .efficientnet import (EfficientNetB0, EfficientNetB1, EfficientNetB2, EfficientNetB3,
                           EfficientNetB4, EfficientNetB5, EfficientNetB6, EfficientNetB7)
from .inception_resnet_v2 import InceptionResNetV2
from .inception_v3 import InceptionV3
from .mobilenet import MobileNet
from .mobilenet_v2 import MobileNetV2
from .mobilenet_v3 import MobileNetV3Large, MobileNetV3Small
from .resnet import ResNet50, ResNet101, ResNet152
from .resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from .vgg16 import VGG16
from .vgg19 import VGG19
from .xception import Xception

from . import convnext, efficientnet_v2
from .convnext import ConvNeXtBase, ConvNeXtLarge, ConvNeXtSmall, ConvNeXtTiny, ConvNeXtXLarge
from .efficientnet_v2 import (EfficientNetV2B0, EfficientNetV2B1, EfficientNetV2B2,
                              EfficientNetV2B3, EfficientNetV2L, EfficientNetV2M, EfficientNetV2S)


__all__ = ["DenseNet121", "DenseNet169", "DenseNet201", "EfficientNetB0", "EfficientNetB1",
           "EfficientNetB2", "EfficientNetB3", "EfficientNetB4", "EfficientNetB5",
           "EfficientNetB6", "EfficientNetB7", "InceptionResNetV2", "InceptionV3",
           "MobileNet", "MobileNetV2", "MobileNetV3Large", "MobileNetV3Small", "ResNet101",
           "ResNet101V2", "ResNet152", "ResNet152V2", "ResNet50", "ResNet50V2", "VGG16",
           "VGG19", "Xception", "densenet", "efficientnet", "imagenet_utils", "inception_resnet_v2",
           "inception_v3", "mobilenet", "mobilenet_v2", "mobilenet_v3", "resnet", "resnet50",
           "resnet_v2", "vgg16", "vgg19", "xception"]

from . import nasnet
from .nasnet import NASNetLarge, NASNetMobile

__all__ += ["NASNetLarge", "NASNetMobile", "nasnet"]
__all__ += ["ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtSmall", "ConvNeXtTiny", "ConvNeXtXLarge",
            "EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3",
            "EfficientNetV2L", "EfficientNetV2M", "EfficientNetV2S", "convnext", "efficientnet_v2"]
