"""MobileNetV2 (Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks",
CVPR 2018), with Keras's layer names.

A 3x3/2 convolution, 17 inverted residual blocks (1x1 expansion with ReLU6, 3x3 depthwise
with ReLU6, linear 1x1 projection; a residual add when shapes allow), a 1x1 convolution to
1280 channels and the classifier. ``alpha`` scales the widths (rounded to multiples of 8).
ImageNet weights exist for alpha 0.35/0.5/0.75/1.0/1.3/1.4 at 96..224 pixels. Inputs are
preprocessed in "tf" mode ([-1, 1]).
"""
import warnings

from .. import layers
from ..backend import image_data_format
from . import imagenet_utils
from .construction import WeightFile, check_arguments, classifier_head, finish, image_input
from .mobilenet import imagenet_default_size, spatial_size

BASE_WEIGHT_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                    "mobilenet_v2/")
IMAGENET_SIZES = (96, 128, 160, 192, 224)
IMAGENET_ALPHAS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)
# (filters, stride, expansion) of blocks 0..16
BLOCKS = ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6),
          (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6),
          (160, 1, 6), (160, 1, 6), (320, 1, 6))


def make_divisible(v, divisor, min_value=None):
    """``v`` rounded to the nearest multiple of ``divisor`` (at least ``min_value``), never
    more than 10% below ``v``."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def _channel_axis():
    return 1 if image_data_format() == "channels_first" else -1


def _bn(x, name):
    return layers.BatchNormalization(axis=_channel_axis(), epsilon=1e-3, momentum=0.999,
                                     name=name)(x)


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    in_channels = inputs.shape[_channel_axis()]
    pointwise_filters = make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same",
                          use_bias=False, activation=None, name=f"{prefix}expand")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(_bn(x, f"{prefix}expand_BN"))
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3),
                                 name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=f"{prefix}depthwise")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(_bn(x, f"{prefix}depthwise_BN"))
    x = layers.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False,
                      activation=None, name=f"{prefix}project")(x)
    x = _bn(x, f"{prefix}project_BN")
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet",
                input_tensor=None, pooling=None, classes=1000,
                classifier_activation="softmax", name=None):
    """The MobileNetV2 model (module docstring), optionally with ImageNet weights.

    Args:
        input_shape: optional per-sample shape (at least 32x32, 3 channels).
        alpha: width multiplier.
        include_top, weights, input_tensor, pooling, classes, classifier_activation: as
            ``keras.applications.VGG16``.
        name: the model's name; default ``mobilenetv2_{alpha:0.2f}_{rows}``.
    """
    check_arguments(weights, include_top, classes, classifier_activation, input_tensor)
    sized_by = input_shape
    if input_shape is None and input_tensor is not None:
        sized_by = tuple(input_tensor.shape[1:])
    default_size = imagenet_default_size(sized_by, IMAGENET_SIZES)
    img_input, shape = image_input(input_tensor, input_shape, default_size, 32, include_top,
                                   weights)
    rows, cols = spatial_size(shape)
    if weights == "imagenet":
        if alpha not in IMAGENET_ALPHAS:
            raise ValueError("If imagenet weights are being loaded, alpha must be one of "
                             f"`0.35`, `0.50`, `0.75`, `1.0`, `1.3` or `1.4` only; Received "
                             f"`alpha={alpha}`")
        if rows != cols or rows not in IMAGENET_SIZES:
            rows = 224
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in "
                          "[96, 128, 160, 192, 224]. Weights for input shape (224, 224) will "
                          "be loaded as the default.", stacklevel=2)
    x = layers.Conv2D(make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2),
                      padding="same", use_bias=False, name="Conv1")(img_input)
    x = layers.ReLU(6.0, name="Conv1_relu")(_bn(x, "bn_Conv1"))
    for block_id, (filters, stride, expansion) in enumerate(BLOCKS):
        x = _inverted_res_block(x, filters=filters, alpha=alpha, stride=stride,
                                expansion=expansion, block_id=block_id)
    last_filters = make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last_filters, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = layers.ReLU(6.0, name="out_relu")(_bn(x, "Conv_1_bn"))
    x = classifier_head(x, include_top, classes, classifier_activation, pooling,
                        top_pool_name=None)
    if name is None:
        name = f"mobilenetv2_{alpha:0.2f}_{rows}"
    weight_file = None
    if weights == "imagenet":
        top = "" if include_top else "_no_top"
        weight_file = WeightFile(f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_"
                                 f"{float(alpha)}_{rows}{top}.h5", None)
    return finish(img_input, input_tensor, x, name, weights, weight_file, BASE_WEIGHT_PATH)


def preprocess_input(x, data_format=None):
    """"tf" preprocessing: pixels scaled to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """ImageNet class names of the ``top`` best scores of each row of ``preds``."""
    return imagenet_utils.decode_predictions(preds, top=top)
