"""InceptionV3 (Szegedy et al., "Rethinking the Inception Architecture for Computer
Vision", CVPR 2016), with Keras's layer order so its weight files load.

A five-convolution stem with two max pools, then Inception modules ``mixed0`` ..
``mixed10``: parallel 1x1, factorised 5x5 / 7x7 / 3x3 and pooling branches concatenated
on the channel axis (``mixed3`` and ``mixed8`` reduce the grid). Every convolution is
followed by an unscaled BatchNormalization and ReLU. Inputs are preprocessed in "tf" mode.
Default size 299, minimum 75.
"""
from .. import layers
from ..backend import image_data_format
from . import imagenet_utils
from .construction import WeightFile, check_arguments, classifier_head, finish, image_input

BASE_WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                     "inception_v3/")
WEIGHT_FILES = (WeightFile("inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
                           "9a0d58056eeedaa3f26cb7ebd46da564"),
                WeightFile("inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
                           "bcbd6486424b2319ff4ef7d526e38f63"))


def _channel_axis():
    return 1 if image_data_format() == "channels_first" else 3


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """Convolution (no bias), BatchNormalization without scale, ReLU."""
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding,
                      use_bias=False, name=None if name is None else f"{name}_conv")(x)
    x = layers.BatchNormalization(axis=_channel_axis(), scale=False,
                                  name=None if name is None else f"{name}_bn")(x)
    return layers.Activation("relu", name=name)(x)


def _chain(x, specs):
    """conv2d_bn applied along ``specs`` of (filters, rows, cols[, strides, padding])."""
    for filters, rows, cols, *rest in specs:
        strides, padding = rest if rest else ((1, 1), "same")
        x = conv2d_bn(x, filters, rows, cols, padding=padding, strides=strides)
    return x


def _avg_branch(x, filters):
    x = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(x, filters, 1, 1)


def _concat(branches, name=None):
    return layers.concatenate(branches, axis=_channel_axis(), name=name)


def _module_5x5(x, pool_filters, name):
    """mixed0-2: 1x1, 1x1->5x5, 1x1->3x3->3x3 and pooled branches."""
    return _concat([conv2d_bn(x, 64, 1, 1), _chain(x, [(48, 1, 1), (64, 5, 5)]),
                    _chain(x, [(64, 1, 1), (96, 3, 3), (96, 3, 3)]),
                    _avg_branch(x, pool_filters)], name)


def _module_7x7(x, width, name):
    """mixed4-7: factorised 7x7 branches of ``width`` channels inside."""
    return _concat([conv2d_bn(x, 192, 1, 1),
                    _chain(x, [(width, 1, 1), (width, 1, 7), (192, 7, 1)]),
                    _chain(x, [(width, 1, 1), (width, 7, 1), (width, 1, 7), (width, 7, 1),
                               (192, 1, 7)]),
                    _avg_branch(x, 192)], name)


def _module_expanded(x, index):
    """mixed9-10: the 3x3 branches split into parallel 1x3 and 3x1 convolutions."""
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3 = _concat([conv2d_bn(branch3x3, 384, 1, 3), conv2d_bn(branch3x3, 384, 3, 1)],
                        f"mixed9_{index}")
    branch3x3dbl = _chain(x, [(448, 1, 1), (384, 3, 3)])
    branch3x3dbl = _concat([conv2d_bn(branch3x3dbl, 384, 1, 3),
                            conv2d_bn(branch3x3dbl, 384, 3, 1)])
    return _concat([branch1x1, branch3x3, branch3x3dbl, _avg_branch(x, 192)],
                   f"mixed{9 + index}")


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="inception_v3"):
    """The InceptionV3 model (module docstring); arguments as ``keras.applications.VGG16``
    (default input 299x299, at least 75x75)."""
    check_arguments(weights, include_top, classes, classifier_activation, input_tensor)
    img_input, _ = image_input(input_tensor, input_shape, 299, 75, include_top, weights)
    valid2 = ((2, 2), "valid")
    x = _chain(img_input, [(32, 3, 3, *valid2), (32, 3, 3, (1, 1), "valid"), (64, 3, 3)])
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = _chain(x, [(80, 1, 1, (1, 1), "valid"), (192, 3, 3, (1, 1), "valid")])
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = _module_5x5(x, 32, "mixed0")
    x = _module_5x5(x, 64, "mixed1")
    x = _module_5x5(x, 64, "mixed2")
    x = _concat([conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid"),
                 _chain(x, [(64, 1, 1), (96, 3, 3), (96, 3, 3, *valid2)]),
                 layers.MaxPooling2D((3, 3), strides=(2, 2))(x)], "mixed3")
    for index, width in enumerate((128, 160, 160, 192)):
        x = _module_7x7(x, width, f"mixed{4 + index}")
    x = _concat([_chain(x, [(192, 1, 1), (320, 3, 3, *valid2)]),
                 _chain(x, [(192, 1, 1), (192, 1, 7), (192, 7, 1), (192, 3, 3, *valid2)]),
                 layers.MaxPooling2D((3, 3), strides=(2, 2))(x)], "mixed8")
    x = _module_expanded(x, 0)
    x = _module_expanded(x, 1)
    x = classifier_head(x, include_top, classes, classifier_activation, pooling)
    return finish(img_input, input_tensor, x, name, weights,
                  WEIGHT_FILES[0 if include_top else 1], BASE_WEIGHTS_PATH)


def preprocess_input(x, data_format=None):
    """"tf" preprocessing: pixels scaled to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """ImageNet class names of the ``top`` best scores of each row of ``preds``."""
    return imagenet_utils.decode_predictions(preds, top=top)
