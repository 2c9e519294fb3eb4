"""MobileNetV3Small / MobileNetV3Large (Howard et al., "Searching for MobileNetV3",
ICCV 2019), with Keras's layer names.

Inverted residual blocks as MobileNetV2's, with 3x3 or 5x5 depthwise kernels, optional
squeeze-and-excite units (hard-sigmoid gated) and hard-swish activations; "minimalistic"
models use none of those three. The model rescales its own inputs (``Rescaling(1/127.5,
-1)``, ``include_preprocessing=True``), so ``preprocess_input`` passes its input through:
feed pixels in [0, 255].

The squeeze-and-excite gate is Keras's ``ReLU(6.0)(x + 3.0) * (1.0 / 6.0)``: the two
arithmetic steps are graph operations (``Add`` and ``Multiply`` nodes), as in Keras's
config and summary.
"""
import warnings

from .. import layers
from ..backend import image_data_format
from . import imagenet_utils
from .construction import WeightFile, check_arguments, finish, pooled
from .mobilenet import spatial_size
from .mobilenet_v2 import make_divisible

BASE_WEIGHT_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                    "mobilenet_v3/")
# model name -> (hash with top, hash without top)
WEIGHTS_HASHES = {
    "large_224_0.75_float": ("765b44a33ad4005b3ac83185abf1d0eb",
                             "40af19a13ebea4e2ee0c676887f69a2e"),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7",
                            "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": ("675e7b876c45c57e9e63e6d90a36599c",
                                         "ec5221f64a2f6d1ef965a614bdae7973"),
    "small_224_0.75_float": ("cb65d4e5be93758266aa0a7f2c6708b7",
                             "ebdb5cc8e0b497cd13a7c275d475c819"),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862",
                            "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": ("99cd97fb2fcdad2bf028eb838de69e37",
                                         "cde8136e733e811080d9fcd8a252f7e4"),
}
# (expansion, filters, kernel ("k": the model's kernel), stride, squeeze-excite, activation
# ("act": the model's activation)) per block
SMALL_BLOCKS = ((1, 16, 3, 2, True, "relu"), (72 / 16, 24, 3, 2, False, "relu"),
                (88 / 24, 24, 3, 1, False, "relu"), (4, 40, "k", 2, True, "act"),
                (6, 40, "k", 1, True, "act"), (6, 40, "k", 1, True, "act"),
                (3, 48, "k", 1, True, "act"), (3, 48, "k", 1, True, "act"),
                (6, 96, "k", 2, True, "act"), (6, 96, "k", 1, True, "act"),
                (6, 96, "k", 1, True, "act"))
LARGE_BLOCKS = ((1, 16, 3, 1, False, "relu"), (4, 24, 3, 2, False, "relu"),
                (3, 24, 3, 1, False, "relu"), (3, 40, "k", 2, True, "relu"),
                (3, 40, "k", 1, True, "relu"), (3, 40, "k", 1, True, "relu"),
                (6, 80, 3, 2, False, "act"), (2.5, 80, 3, 1, False, "act"),
                (2.3, 80, 3, 1, False, "act"), (2.3, 80, 3, 1, False, "act"),
                (6, 112, 3, 1, True, "act"), (6, 112, 3, 1, True, "act"),
                (6, 160, "k", 2, True, "act"), (6, 160, "k", 1, True, "act"),
                (6, 160, "k", 1, True, "act"))


def _channel_axis():
    return 1 if image_data_format() == "channels_first" else -1


def _bn(x, name):
    return layers.BatchNormalization(axis=_channel_axis(), epsilon=1e-3, momentum=0.999,
                                     name=name)(x)


def _activate(x, activation):
    if activation == "relu":
        return layers.ReLU()(x)
    return layers.Activation("hard_swish")(x)


def _se_block(inputs, filters, se_ratio, prefix):
    x = layers.GlobalAveragePooling2D(keepdims=True,
                                      name=f"{prefix}squeeze_excite_avg_pool")(inputs)
    x = layers.Conv2D(make_divisible(filters * se_ratio, 8), kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv")(x)
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv_1")(x)
    x = layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)  # the hard-sigmoid gate
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def _inverted_res_block(x, expansion, filters, kernel_size, stride, se_ratio, activation,
                        block_id):
    shortcut, prefix = x, "expanded_conv_"
    in_filters = x.shape[_channel_axis()]
    expanded = make_divisible(in_filters * expansion, 8)
    if block_id:
        prefix = f"expanded_conv_{block_id}_"
        x = layers.Conv2D(expanded, kernel_size=1, padding="same", use_bias=False,
                          name=f"{prefix}expand")(x)
        x = _activate(_bn(x, f"{prefix}expand_bn"), activation)
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride,
                               padding="same" if stride == 1 else "valid", use_bias=False,
                               name=f"{prefix}depthwise")(x)
    x = _activate(_bn(x, f"{prefix}depthwise_bn"), activation)
    if se_ratio:
        x = _se_block(x, expanded, se_ratio, prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False,
                      name=f"{prefix}project")(x)
    x = _bn(x, f"{prefix}project_bn")
    if stride == 1 and in_filters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def _input_shape(input_shape, input_tensor):
    """Keras's rules: ``input_shape`` must agree with ``input_tensor``; either gives it."""
    channels_first = image_data_format() == "channels_first"
    if input_tensor is not None:
        rows = input_tensor.shape[2] if channels_first else input_tensor.shape[1]
        if input_shape is not None and rows != input_shape[1]:
            raise ValueError(f"When passing `input_tensor` and `input_shape`, they must agree; "
                             f"Received input_shape={input_shape}, input_tensor.shape="
                             f"{input_tensor.shape}")
        if input_shape is None:
            return tuple(input_tensor.shape[1:])
    if input_shape is None:
        return (3, None, None) if channels_first else (None, None, 3)
    return tuple(input_shape)


def MobileNetV3(blocks, last_point_ch, input_shape=None, alpha=1.0, model_type="large",
                minimalistic=False, include_top=True, weights="imagenet", input_tensor=None,
                classes=1000, pooling=None, dropout_rate=0.2, classifier_activation="softmax",
                include_preprocessing=True, name=None):
    """A MobileNetV3 of ``blocks`` (``SMALL_BLOCKS`` / ``LARGE_BLOCKS``)."""
    check_arguments(weights, include_top, classes, classifier_activation, input_tensor)
    input_shape = _input_shape(input_shape, input_tensor)
    rows, cols = spatial_size(input_shape)
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError("Input size must be at least 32x32; Received `input_shape="
                         f"{input_shape}`")
    if weights == "imagenet":
        if (not minimalistic and alpha not in (0.75, 1.0)) or (minimalistic and alpha != 1.0):
            raise ValueError("If imagenet weights are being loaded, alpha can be one of `0.75`"
                             ", `1.0` for non minimalistic or `1.0` for minimalistic only.")
        if rows != cols or rows != 224:
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not 224. "
                          "Weights for input shape (224, 224) will be loaded as the default.",
                          stacklevel=3)
    img_input = layers.Input(shape=input_shape) if input_tensor is None else input_tensor
    kernel, activation, se_ratio = ((3, "relu", None) if minimalistic
                                    else (5, "hard_swish", 0.25))
    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False,
                      name="conv")(x)
    x = _activate(_bn(x, "conv_bn"), activation)
    for block_id, (expansion, filters, k, stride, se, act) in enumerate(blocks):
        x = _inverted_res_block(x, expansion, make_divisible(filters * alpha, 8),
                                kernel if k == "k" else k, stride, se_ratio if se else None,
                                activation if act == "act" else "relu", block_id)
    last_conv_ch = make_divisible(x.shape[_channel_axis()] * 6, 8)
    if alpha > 1.0:
        last_point_ch = make_divisible(last_point_ch * alpha, 8)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False,
                      name="conv_1")(x)
    x = _activate(_bn(x, "conv_1_bn"), activation)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True,
                          name="conv_2")(x)
        x = _activate(x, activation)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = pooled(x, pooling, avg_name="avg_pool", max_name="max_pool")
    weight_file = None
    if weights == "imagenet":
        model_name = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
        top = "" if include_top else "_no_top_v2"
        weight_file = WeightFile(f"weights_mobilenet_v3_{model_name}{top}.h5",
                                 WEIGHTS_HASHES[model_name][0 if include_top else 1])
    return finish(img_input, input_tensor, x, name, weights, weight_file, BASE_WEIGHT_PATH)


def MobileNetV3Small(input_shape=None, alpha=1.0, minimalistic=False, include_top=True,
                     weights="imagenet", input_tensor=None, classes=1000, pooling=None,
                     dropout_rate=0.2, classifier_activation="softmax",
                     include_preprocessing=True, name="MobileNetV3Small"):
    """MobileNetV3Small (module docstring), optionally with ImageNet weights.

    Args:
        input_shape: optional per-sample shape (at least 32x32); default (None, None, 3).
        alpha: width multiplier (ImageNet weights: 0.75 or 1.0; 1.0 if minimalistic).
        minimalistic: no squeeze-excite, hard-swish or 5x5 kernels.
        dropout_rate: dropout before the classifier.
        include_preprocessing: rescale [0, 255] inputs to [-1, 1] inside the model.
        include_top, weights, input_tensor, classes, pooling, classifier_activation, name:
            as ``keras.applications.VGG16``.
    """
    return MobileNetV3(SMALL_BLOCKS, 1024, input_shape, alpha, "small", minimalistic,
                       include_top, weights, input_tensor, classes, pooling, dropout_rate,
                       classifier_activation, include_preprocessing, name)


def MobileNetV3Large(input_shape=None, alpha=1.0, minimalistic=False, include_top=True,
                     weights="imagenet", input_tensor=None, classes=1000, pooling=None,
                     dropout_rate=0.2, classifier_activation="softmax",
                     include_preprocessing=True, name="MobileNetV3Large"):
    """MobileNetV3Large (arguments as ``MobileNetV3Small``)."""
    return MobileNetV3(LARGE_BLOCKS, 1280, input_shape, alpha, "large", minimalistic,
                       include_top, weights, input_tensor, classes, pooling, dropout_rate,
                       classifier_activation, include_preprocessing, name)


def preprocess_input(x, data_format=None):
    """The identity: MobileNetV3 models rescale their inputs themselves."""
    return x


def decode_predictions(preds, top=5):
    """ImageNet class names of the ``top`` best scores of each row of ``preds``."""
    return imagenet_utils.decode_predictions(preds, top=top)
