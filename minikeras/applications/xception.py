"""Xception (Chollet, "Xception: Deep Learning with Depthwise Separable Convolutions",
CVPR 2017), with Keras's layer names.

Entry flow (two convolutions, then three separable-convolution blocks with strided 1x1
residual projections), middle flow (eight residual blocks of three 728-channel separable
convolutions), exit flow (one more projected block, then 1536- and 2048-channel separable
convolutions). Inputs are preprocessed in "tf" mode. Default size 299, minimum 71.
"""
from .. import layers
from ..backend import image_data_format
from . import imagenet_utils
from .construction import WeightFile, check_arguments, classifier_head, finish, image_input

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/xception/"
WEIGHT_FILES = (WeightFile("xception_weights_tf_dim_ordering_tf_kernels.h5",
                           "0a58e3b7378bc2990ea3b43d5981f1f6"),
                WeightFile("xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
                           "b0042744bf5b25fce3cb969f33bebb97"))


def _channel_axis():
    return 1 if image_data_format() == "channels_first" else -1


def _bn(x, name=None):
    return layers.BatchNormalization(axis=_channel_axis(), name=name)(x)


def _relu(x, name):
    return layers.Activation("relu", name=name)(x)


def _sepconv_bn(x, filters, name):
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return _bn(x, f"{name}_bn")


def _projection(x, filters):
    """The strided 1x1 residual branch of a downsampling block (automatic names, as Keras)."""
    residual = layers.Conv2D(filters, (1, 1), strides=(2, 2), padding="same",
                             use_bias=False)(x)
    return _bn(residual)


def _downsampling_block(x, filters1, filters2, block, first_relu=True):
    """relu-sepconv-bn, relu-sepconv-bn, 3x3/2 max pool, plus the projected input."""
    residual = _projection(x, filters2)
    if first_relu:
        x = _relu(x, f"block{block}_sepconv1_act")
    x = _sepconv_bn(x, filters1, f"block{block}_sepconv1")
    # Keras names block 2's only activation "block2_sepconv2_act" too.
    x = _relu(x, f"block{block}_sepconv2_act")
    x = _sepconv_bn(x, filters2, f"block{block}_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same",
                            name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="xception"):
    """The Xception model (module docstring); arguments as ``keras.applications.VGG16``
    (default input 299x299, at least 71x71)."""
    check_arguments(weights, include_top, classes, classifier_activation, input_tensor)
    img_input, _ = image_input(input_tensor, input_shape, 299, 71, include_top, weights)
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = _relu(_bn(x, "block1_conv1_bn"), "block1_conv1_act")
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = _relu(_bn(x, "block1_conv2_bn"), "block1_conv2_act")
    x = _downsampling_block(x, 128, 128, 2, first_relu=False)
    x = _downsampling_block(x, 256, 256, 3)
    x = _downsampling_block(x, 728, 728, 4)
    for block in range(5, 13):
        residual = x
        for conv in (1, 2, 3):
            x = _relu(x, f"block{block}_sepconv{conv}_act")
            x = _sepconv_bn(x, 728, f"block{block}_sepconv{conv}")
        x = layers.add([x, residual])
    x = _downsampling_block(x, 728, 1024, 13)
    x = _relu(_sepconv_bn(x, 1536, "block14_sepconv1"), "block14_sepconv1_act")
    x = _relu(_sepconv_bn(x, 2048, "block14_sepconv2"), "block14_sepconv2_act")
    x = classifier_head(x, include_top, classes, classifier_activation, pooling)
    return finish(img_input, input_tensor, x, name, weights,
                  WEIGHT_FILES[0 if include_top else 1], BASE_WEIGHTS_PATH)


def preprocess_input(x, data_format=None):
    """"tf" preprocessing: pixels scaled to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """ImageNet class names of the ``top`` best scores of each row of ``preds``."""
    return imagenet_utils.decode_predictions(preds, top=top)
