"""InceptionResNetV2 (Szegedy et al., "Inception-v4, Inception-ResNet and the Impact of
Residual Connections on Learning", AAAI 2017), with Keras's layer names.

InceptionV3's stem, the ``mixed_5b`` module, then 10 ``block35``, 20 ``block17`` and 10
``block8`` residual Inception blocks (each adds its scaled 1x1 projection to its input,
``CustomScaleLayer``) with the ``mixed_6a`` / ``mixed_7a`` reductions between them, and a
1x1 convolution to 1536 channels. Inputs are preprocessed in "tf" mode. Default size 299,
minimum 75.
"""
from .. import layers
from ..backend import image_data_format
from ..layers.layer import LAYERS, Layer
from . import imagenet_utils
from .construction import WeightFile, check_arguments, classifier_head, finish, image_input

BASE_WEIGHT_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                   "inception_resnet_v2/")
WEIGHT_FILES = (WeightFile("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
                           "e693bd0210a403b3192acc6073ad2e96"),
                WeightFile("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
                           "d19885ff4a710c122648d3b5c3b684e4"))


@LAYERS.register("CustomScaleLayer")
class CustomScaleLayer(Layer):
    """A residual sum with a scaled branch. Formula: ``inputs[0] + inputs[1] * scale``.

    Args:
        scale: the factor of the branch (a float).
    """

    # the module Keras files name
    _keras_private_module = "keras.src.applications.inception_resnet_v2"

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, inputs):
        return inputs[0] + inputs[1] * self.scale

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def _channel_axis():
    return 1 if image_data_format() == "channels_first" else 3


def conv2d_bn(x, filters, kernel_size, strides=1, padding="same", activation="relu",
              use_bias=False, name=None):
    """Convolution, then (without a bias) BatchNormalization without scale, then
    ``activation``."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding,
                      use_bias=use_bias, name=name)(x)
    if not use_bias:
        x = layers.BatchNormalization(axis=_channel_axis(), scale=False,
                                      name=None if name is None else f"{name}_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=None if name is None else f"{name}_ac")(x)
    return x


def _chain(x, specs):
    """conv2d_bn along ``specs`` of (filters, kernel[, strides, padding])."""
    for filters, kernel, *rest in specs:
        strides, padding = rest if rest else (1, "same")
        x = conv2d_bn(x, filters, kernel, strides=strides, padding=padding)
    return x


# block type -> its branches, each a chain of (filters, kernel)
BLOCK_BRANCHES = {
    "block35": ([(32, 1)], [(32, 1), (32, 3)], [(32, 1), (48, 3), (64, 3)]),
    "block17": ([(192, 1)], [(128, 1), (160, [1, 7]), (192, [7, 1])]),
    "block8": ([(192, 1)], [(192, 1), (224, [1, 3]), (256, [3, 1])]),
}


def inception_resnet_block(x, scale, block_type, block_idx, activation="relu"):
    """``x + scale * conv1x1(concat(branches(x)))``, then ``activation``."""
    if block_type not in BLOCK_BRANCHES:
        raise ValueError("Unknown Inception-ResNet block type. Valid types are: "
                         f"{sorted(BLOCK_BRANCHES)}. Received: block_type={block_type}")
    name = f"{block_type}_{block_idx}"
    branches = [_chain(x, chain) for chain in BLOCK_BRANCHES[block_type]]
    mixed = layers.Concatenate(axis=_channel_axis(), name=f"{name}_mixed")(branches)
    up = conv2d_bn(mixed, x.shape[_channel_axis()], 1, activation=None, use_bias=True,
                   name=f"{name}_conv")
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=f"{name}_ac")(x)
    return x


def InceptionResNetV2(include_top=True, weights="imagenet", input_tensor=None,
                      input_shape=None, pooling=None, classes=1000,
                      classifier_activation="softmax", name="inception_resnet_v2"):
    """The InceptionResNetV2 model (module docstring); arguments as
    ``keras.applications.VGG16`` (default input 299x299, at least 75x75)."""
    check_arguments(weights, include_top, classes, classifier_activation, input_tensor)
    img_input, _ = image_input(input_tensor, input_shape, 299, 75, include_top, weights)
    axis = _channel_axis()
    x = _chain(img_input, [(32, 3, 2, "valid"), (32, 3, 1, "valid"), (64, 3)])
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = _chain(x, [(80, 1, 1, "valid"), (192, 3, 1, "valid")])
    x = layers.MaxPooling2D(3, strides=2)(x)
    branches = [_chain(x, [(96, 1)]), _chain(x, [(48, 1), (64, 5)]),
                _chain(x, [(64, 1), (96, 3), (96, 3)])]
    pool = conv2d_bn(layers.AveragePooling2D(3, strides=1, padding="same")(x), 64, 1)
    x = layers.Concatenate(axis=axis, name="mixed_5b")(branches + [pool])
    for block_idx in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=block_idx)
    x = layers.Concatenate(axis=axis, name="mixed_6a")(
        [_chain(x, [(384, 3, 2, "valid")]),
         _chain(x, [(256, 1), (256, 3), (384, 3, 2, "valid")]),
         layers.MaxPooling2D(3, strides=2, padding="valid")(x)])
    for block_idx in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type="block17", block_idx=block_idx)
    x = layers.Concatenate(axis=axis, name="mixed_7a")(
        [_chain(x, [(256, 1), (384, 3, 2, "valid")]),
         _chain(x, [(256, 1), (288, 3, 2, "valid")]),
         _chain(x, [(256, 1), (288, 3), (320, 3, 2, "valid")]),
         layers.MaxPooling2D(3, strides=2, padding="valid")(x)])
    for block_idx in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type="block8", block_idx=block_idx)
    x = inception_resnet_block(x, scale=1.0, activation=None, block_type="block8",
                               block_idx=10)
    x = conv2d_bn(x, 1536, 1, name="conv_7b")
    x = classifier_head(x, include_top, classes, classifier_activation, pooling)
    return finish(img_input, input_tensor, x, name, weights,
                  WEIGHT_FILES[0 if include_top else 1], BASE_WEIGHT_URL)


def preprocess_input(x, data_format=None):
    """"tf" preprocessing: pixels scaled to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """ImageNet class names of the ``top`` best scores of each row of ``preds``."""
    return imagenet_utils.decode_predictions(preds, top=top)
