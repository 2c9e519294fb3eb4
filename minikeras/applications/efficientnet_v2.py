"""EfficientNetV2B0 ... B3, S, M, L (Tan & Le, "EfficientNetV2: Smaller Models and Faster
Training", ICML 2021), with Keras's layer names.

A stride-2 3x3 stem, then stages of two block kinds: FusedMBConv (one full ``kernel``
convolution that expands, or with expansion 1 also projects, then a 1x1 projection) in the
early stages and MBConv (1x1 expansion, depthwise convolution, squeeze-and-excite, 1x1
projection) later; blocks whose input and output match add their input back, the branch
dropped for whole samples in training (``Dropout``, rate rising with depth). B1-B3 scale
B0's width and depth; S, M and L have their own stage tables.

With ``include_preprocessing`` the model normalises [0, 255] pixels itself: B0-B3 with
``Rescaling(1/255)`` and a ``Normalization`` layer holding the ImageNet mean and variance
(3-channel inputs), S/M/L with ``Rescaling(1/128, offset=-1)``. ``preprocess_input`` is the
identity.
"""
import math

from .. import initializers, layers
from .construction import check_arguments, finish, image_input, top_or_notop_file
from .efficientnet import (CONV_KERNEL_INITIALIZER, channel_axis, conv, drop_and_add,
                           squeeze_excite, top_layers)
# the module's preprocess_input (the identity: the model normalises its inputs) and
# decode_predictions, as in Keras
from .efficientnet import decode_predictions, preprocess_input  # noqa: F401

BASE_WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                     "efficientnet_v2/")
# weights name -> (md5 with top, md5 without top)
WEIGHTS_HASHES = {
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}
KEYS = ("kernel_size", "num_repeat", "input_filters", "output_filters", "expand_ratio",
        "se_ratio", "strides", "conv_type")  # conv_type 0: MBConv, 1: FusedMBConv


def _stages(*rows):
    """Stage rows (in the order of ``KEYS``) as Keras's block-argument dicts."""
    return [dict(zip(KEYS, row)) for row in rows]


_B_STAGES = _stages((3, 1, 32, 16, 1, 0, 1, 1), (3, 2, 16, 32, 4, 0, 2, 1),
                    (3, 2, 32, 48, 4, 0, 2, 1), (3, 3, 48, 96, 4, 0.25, 2, 0),
                    (3, 5, 96, 112, 6, 0.25, 1, 0), (3, 8, 112, 192, 6, 0.25, 2, 0))
DEFAULT_BLOCKS_ARGS = {
    "efficientnetv2-s": _stages(
        (3, 2, 24, 24, 1, 0, 1, 1), (3, 4, 24, 48, 4, 0, 2, 1), (3, 4, 48, 64, 4, 0, 2, 1),
        (3, 6, 64, 128, 4, 0.25, 2, 0), (3, 9, 128, 160, 6, 0.25, 1, 0),
        (3, 15, 160, 256, 6, 0.25, 2, 0)),
    "efficientnetv2-m": _stages(
        (3, 3, 24, 24, 1, 0, 1, 1), (3, 5, 24, 48, 4, 0, 2, 1), (3, 5, 48, 80, 4, 0, 2, 1),
        (3, 7, 80, 160, 4, 0.25, 2, 0), (3, 14, 160, 176, 6, 0.25, 1, 0),
        (3, 18, 176, 304, 6, 0.25, 2, 0), (3, 5, 304, 512, 6, 0.25, 1, 0)),
    "efficientnetv2-l": _stages(
        (3, 4, 32, 32, 1, 0, 1, 1), (3, 7, 32, 64, 4, 0, 2, 1), (3, 7, 64, 96, 4, 0, 2, 1),
        (3, 10, 96, 192, 4, 0.25, 2, 0), (3, 19, 192, 224, 6, 0.25, 1, 0),
        (3, 25, 224, 384, 6, 0.25, 2, 0), (3, 7, 384, 640, 6, 0.25, 1, 0)),
    **{f"efficientnetv2-b{i}": _B_STAGES for i in range(4)},
}
# builder suffix -> (width coefficient, depth coefficient, default size, weights name)
SCALING = {"B0": (1.0, 1.0, 224, "b0"), "B1": (1.0, 1.1, 240, "b1"),
           "B2": (1.1, 1.2, 260, "b2"), "B3": (1.2, 1.4, 300, "b3"),
           "S": (1.0, 1.0, 384, "-s"), "M": (1.0, 1.0, 480, "-m"), "L": (1.0, 1.0, 480, "-l")}
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_VARIANCE = (0.229 ** 2, 0.224 ** 2, 0.225 ** 2)
BN_MOMENTUM = 0.9


def round_filters(filters, width_coefficient, min_depth, depth_divisor):
    """``filters * width_coefficient`` to the nearest multiple of ``depth_divisor``, at
    least ``min_depth`` (or ``depth_divisor``)."""
    filters *= width_coefficient
    return int(max(min_depth or depth_divisor,
                   int(filters + depth_divisor / 2) // depth_divisor * depth_divisor))


def round_repeats(repeats, depth_coefficient):
    return int(math.ceil(depth_coefficient * repeats))


def _conv_bn(x, filters, kernel_size, strides, activation, name, bn_momentum):
    """Convolution ``{name}conv`` (no bias), ``{name}bn``, then ``{name}activation`` unless
    ``activation`` is None."""
    x = conv(filters, kernel_size, f"{name}conv", strides=strides, use_bias=False)(x)
    x = layers.BatchNormalization(axis=channel_axis(), momentum=bn_momentum, name=f"{name}bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=f"{name}activation")(x)
    return x


def mbconv_block(inputs, input_filters, output_filters, expand_ratio=1, kernel_size=3,
                 strides=1, se_ratio=0.0, bn_momentum=BN_MOMENTUM, activation="swish",
                 survival_probability=0.8, name=""):
    """MBConv: 1x1 expansion (when ``expand_ratio`` != 1), depthwise ``kernel_size``
    convolution, squeeze-and-excite, 1x1 projection; with matching shapes the residual,
    its branch dropped with rate ``survival_probability`` (Keras's name for that rate)."""
    filters = input_filters * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = _conv_bn(x, filters, 1, 1, activation, f"{name}expand_", bn_momentum)
    x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding="same", use_bias=False,
                               depthwise_initializer=CONV_KERNEL_INITIALIZER,
                               name=f"{name}dwconv2")(x)
    x = layers.BatchNormalization(axis=channel_axis(), momentum=bn_momentum, name=f"{name}bn")(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        x = squeeze_excite(x, filters, max(1, int(input_filters * se_ratio)), activation, name)
    x = _conv_bn(x, output_filters, 1, 1, None, f"{name}project_", bn_momentum)
    if strides == 1 and input_filters == output_filters:
        x = drop_and_add(x, inputs, survival_probability, name)
    return x


def fused_mbconv_block(inputs, input_filters, output_filters, expand_ratio=1, kernel_size=3,
                       strides=1, se_ratio=0.0, bn_momentum=BN_MOMENTUM, activation="swish",
                       survival_probability=0.8, name=""):
    """FusedMBConv: a ``kernel_size`` convolution that expands (when ``expand_ratio`` != 1),
    squeeze-and-excite, then the projection (1x1, or the ``kernel_size`` convolution itself
    followed by ``activation`` without expansion); the residual as in ``mbconv_block``."""
    filters = input_filters * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = _conv_bn(x, filters, kernel_size, strides, activation, f"{name}expand_",
                     bn_momentum)
    if 0 < se_ratio <= 1:
        x = squeeze_excite(x, filters, max(1, int(input_filters * se_ratio)), activation, name)
    expanded = expand_ratio != 1
    x = _conv_bn(x, output_filters, 1 if expanded else kernel_size, 1 if expanded else strides,
                 None if expanded else activation, f"{name}project_", bn_momentum)
    if strides == 1 and input_filters == output_filters:
        x = drop_and_add(x, inputs, survival_probability, name)
    return x


BLOCKS = {0: mbconv_block, 1: fused_mbconv_block}


def EfficientNetV2(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2,
                   drop_connect_rate=0.2, depth_divisor=8, min_depth=8,
                   bn_momentum=BN_MOMENTUM, activation="swish", blocks_args="default",
                   name="efficientnetv2", include_top=True, weights="imagenet",
                   input_tensor=None, input_shape=None, pooling=None, classes=1000,
                   classifier_activation="softmax", include_preprocessing=True,
                   weights_name=None):
    """An EfficientNetV2 of the stages ``blocks_args`` (a list of dicts with the keys of
    ``KEYS``; "default": ``DEFAULT_BLOCKS_ARGS[name]``), scaled by the two coefficients.
    Block ``b`` of all drops its residual branch with rate ``drop_connect_rate * b /
    (the stages' unscaled repeats summed)``."""
    if blocks_args == "default":
        if name not in DEFAULT_BLOCKS_ARGS:
            raise ValueError(f'`blocks_args="default"` needs a model name among '
                             f"{sorted(DEFAULT_BLOCKS_ARGS)}. Received: name={name!r}")
        blocks_args = DEFAULT_BLOCKS_ARGS[name]
    for stage in blocks_args:
        if stage["num_repeat"] <= 0:
            raise ValueError("The number of repeats in `EfficientNetV2` must be > 0. "
                             f"Received: num_repeat={stage['num_repeat']}")
    check_arguments(weights, include_top, classes, classifier_activation, input_tensor)
    img_input, shape = image_input(input_tensor, input_shape, default_size, 32, include_top,
                                   weights)
    bn_axis = channel_axis()

    def rounded(filters):
        return round_filters(filters, width_coefficient, min_depth, depth_divisor)

    x = img_input
    if include_preprocessing:
        if name.split("-")[-1].startswith("b") and shape[bn_axis - 1] == 3:
            x = layers.Rescaling(1.0 / 255)(x)
            x = layers.Normalization(mean=list(IMAGENET_MEAN), variance=list(IMAGENET_VARIANCE),
                                     axis=bn_axis)(x)
        else:
            x = layers.Rescaling(1.0 / 128.0, offset=-1)(x)
    x = _conv_bn(x, rounded(blocks_args[0]["input_filters"]), 3, 2, activation, "stem_",
                 bn_momentum)
    total = float(sum(stage["num_repeat"] for stage in blocks_args))
    b = 0
    for i, stage in enumerate(blocks_args):
        f_in, f_out = rounded(stage["input_filters"]), rounded(stage["output_filters"])
        for j in range(round_repeats(stage["num_repeat"], depth_coefficient)):
            x = BLOCKS[stage["conv_type"]](
                x, f_in if j == 0 else f_out, f_out, stage["expand_ratio"],
                stage["kernel_size"], stage["strides"] if j == 0 else 1, stage["se_ratio"],
                bn_momentum, activation, drop_connect_rate * b / total,
                name=f"block{i + 1}{chr(j + 97)}_")
            b += 1
    x = top_layers(x, rounded(1280), activation, include_top, dropout_rate, classes,
                   classifier_activation, pooling, bn_momentum,
                   bias_initializer=initializers.Constant(0.0))
    weight_file = top_or_notop_file(weights, name, WEIGHTS_HASHES.get(weights_name),
                                    include_top)
    return finish(img_input, input_tensor, x, name, weights, weight_file, BASE_WEIGHTS_PATH)


def _builder(suffix):
    width, depth, size, key = SCALING[suffix]

    def build(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax",
              include_preprocessing=True, name=f"efficientnetv2-{suffix.lower()}"):
        return EfficientNetV2(width, depth, size, name=name, include_top=include_top,
                              weights=weights, input_tensor=input_tensor,
                              input_shape=input_shape, pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation,
                              include_preprocessing=include_preprocessing, weights_name=key)
    build.__name__ = build.__qualname__ = f"EfficientNetV2{suffix}"
    build.__doc__ = (f"EfficientNetV2{suffix} (width x{width}, depth x{depth}, input {size}); "
                     "arguments as ``keras.applications.VGG16`` plus ``include_preprocessing`` "
                     "(normalise [0, 255] pixels inside the model).")
    return build


EfficientNetV2B0 = _builder("B0")
EfficientNetV2B1 = _builder("B1")
EfficientNetV2B2 = _builder("B2")
EfficientNetV2B3 = _builder("B3")
EfficientNetV2S = _builder("S")
EfficientNetV2M = _builder("M")
EfficientNetV2L = _builder("L")

