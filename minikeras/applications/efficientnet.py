"""EfficientNetB0 ... B7 (Tan & Le, "EfficientNet: Rethinking Model Scaling for
Convolutional Neural Networks", ICML 2019), with Keras's layer names.

B0 is seven stages of MBConv blocks (1x1 expansion, depthwise 3x3 / 5x5, squeeze-and-excite,
linear 1x1 projection, stochastic-depth dropout on the residual); B1-B7 scale its width,
depth and input size. The model normalises its own inputs (``Rescaling(1/255)`` and a
``Normalization`` layer whose statistics come with the weights), so ``preprocess_input``
passes its input through: feed pixels in [0, 255].
"""
import math

from .. import layers
from ..backend import image_data_format
from . import imagenet_utils
from .construction import check_arguments, finish, image_input, pooled, top_or_notop_file

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/keras-applications/"
# weights name -> (hash with top, hash without top)
WEIGHTS_HASHES = {
    "b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
    "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
    "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
    "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
    "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
    "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
    "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a"),
}
# (kernel, repeats, filters in, filters out, expansion, strides) of B0's stages; every
# block has an identity skip where shapes allow and squeeze-excite ratio 0.25.
DEFAULT_BLOCKS_ARGS = ((3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2),
                       (3, 3, 40, 80, 6, 2), (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2),
                       (3, 1, 192, 320, 6, 1))
SE_RATIO = 0.25
CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                           "config": {"scale": 2.0, "mode": "fan_out",
                                      "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                            "config": {"scale": 1.0 / 3.0, "mode": "fan_out",
                                       "distribution": "uniform"}}
IMAGENET_STDDEV_RGB = (0.229, 0.224, 0.225)
# name -> (width coefficient, depth coefficient, default size, dropout rate)
SCALING = {"b0": (1.0, 1.0, 224, 0.2), "b1": (1.0, 1.1, 240, 0.2), "b2": (1.1, 1.2, 260, 0.3),
           "b3": (1.2, 1.4, 300, 0.3), "b4": (1.4, 1.8, 380, 0.4), "b5": (1.6, 2.2, 456, 0.4),
           "b6": (1.8, 2.6, 528, 0.5), "b7": (2.0, 3.1, 600, 0.5)}


def channel_axis():
    """The channel axis of a 4D image batch in the configured data format."""
    return 3 if image_data_format() == "channels_last" else 1


def conv(filters, kernel, name, **kwargs):
    """A "same"-padded Conv2D with EfficientNet's kernel initializer."""
    return layers.Conv2D(filters, kernel, padding="same",
                         kernel_initializer=CONV_KERNEL_INITIALIZER, name=name, **kwargs)


def block(inputs, activation="swish", drop_rate=0.0, name="", filters_in=32, filters_out=16,
          kernel_size=3, strides=1, expand_ratio=1, se_ratio=0.0, id_skip=True):
    """One MBConv block (module docstring); ``drop_rate`` drops the whole residual branch."""
    bn_axis = channel_axis()
    filters = filters_in * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = conv(filters, 1, f"{name}expand_conv", use_bias=False)(x)
        x = layers.BatchNormalization(axis=bn_axis, name=f"{name}expand_bn")(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    conv_pad = "same"
    if strides == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"{name}dwconv_pad")(x)
        conv_pad = "valid"
    x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding=conv_pad, use_bias=False,
                               depthwise_initializer=CONV_KERNEL_INITIALIZER,
                               name=f"{name}dwconv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name=f"{name}bn")(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        x = squeeze_excite(x, filters, max(1, int(filters_in * se_ratio)), activation, name)
    x = conv(filters_out, 1, f"{name}project_conv", use_bias=False)(x)
    x = layers.BatchNormalization(axis=bn_axis, name=f"{name}project_bn")(x)
    if id_skip and strides == 1 and filters_in == filters_out:
        x = drop_and_add(x, inputs, drop_rate, name)
    return x


def squeeze_excite(x, filters, filters_se, activation, name):
    """``x`` times a per-channel gate: global average, 1x1 convolution to ``filters_se``
    (``activation``), 1x1 convolution back to ``filters`` (sigmoid)."""
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se_shape = (filters, 1, 1) if channel_axis() == 1 else (1, 1, filters)
    se = layers.Reshape(se_shape, name=f"{name}se_reshape")(se)
    se = conv(filters_se, 1, f"{name}se_reduce", activation=activation)(se)
    se = conv(filters, 1, f"{name}se_expand", activation="sigmoid")(se)
    return layers.multiply([x, se], name=f"{name}se_excite")


def drop_and_add(x, inputs, drop_rate, name):
    """The residual sum ``inputs + x``, ``x`` first dropped for whole samples with rate
    ``drop_rate`` in training (when it is above 0)."""
    if drop_rate > 0:
        x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
    return layers.add([x, inputs], name=f"{name}add")


def top_layers(x, filters, activation, include_top, dropout_rate, classes,
               classifier_activation, pooling, bn_momentum=0.99, bias_initializer="zeros"):
    """The 1x1 ``top_conv`` to ``filters`` channels (BatchNormalization, activation), then
    the classifier (global average, dropout, Dense) or the headless pooling.
    ``bias_initializer`` is the classifier's (EfficientNetV2 writes ``Constant(0.0)``)."""
    x = conv(filters, 1, "top_conv", use_bias=False)(x)
    x = layers.BatchNormalization(axis=channel_axis(), momentum=bn_momentum, name="top_bn")(x)
    x = layers.Activation(activation, name="top_activation")(x)
    if not include_top:
        return pooled(x, pooling, avg_name="avg_pool", max_name="max_pool")
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if dropout_rate > 0:
        x = layers.Dropout(dropout_rate, name="top_dropout")(x)
    return layers.Dense(classes, activation=classifier_activation,
                        kernel_initializer=DENSE_KERNEL_INITIALIZER,
                        bias_initializer=bias_initializer, name="predictions")(x)


def EfficientNet(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2,
                 drop_connect_rate=0.2, depth_divisor=8, activation="swish",
                 blocks_args="default", name="efficientnet", include_top=True,
                 weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                 classes=1000, classifier_activation="softmax", weights_name=None):
    """An EfficientNet: B0's stages (``blocks_args``) scaled by the two coefficients."""
    check_arguments(weights, include_top, classes, classifier_activation, input_tensor)
    img_input, _ = image_input(input_tensor, input_shape, default_size, 32, include_top,
                               weights)
    bn_axis = channel_axis()
    stages = DEFAULT_BLOCKS_ARGS if blocks_args == "default" else blocks_args

    def round_filters(filters):
        filters *= width_coefficient
        new = max(depth_divisor, int(filters + depth_divisor / 2) // depth_divisor
                  * depth_divisor)
        return int(new + depth_divisor if new < 0.9 * filters else new)

    def round_repeats(repeats):
        return int(math.ceil(depth_coefficient * repeats))

    x = layers.Rescaling(1.0 / 255.0)(img_input)
    x = layers.Normalization(axis=bn_axis)(x)
    if weights == "imagenet":
        x = layers.Rescaling([1.0 / math.sqrt(stddev) for stddev in IMAGENET_STDDEV_RGB])(x)
    x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name="stem_conv_pad")(x)
    x = layers.Conv2D(round_filters(32), 3, strides=2, padding="valid", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, name="stem_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)
    total = float(sum(round_repeats(stage[1]) for stage in stages))
    b = 0
    for i, (kernel, repeats, f_in, f_out, expand, strides) in enumerate(stages):
        f_in, f_out = round_filters(f_in), round_filters(f_out)
        for j in range(round_repeats(repeats)):
            x = block(x, activation, drop_connect_rate * b / total,
                      name=f"block{i + 1}{chr(j + 97)}_",
                      filters_in=f_in if j == 0 else f_out, filters_out=f_out,
                      kernel_size=kernel, strides=strides if j == 0 else 1,
                      expand_ratio=expand, se_ratio=SE_RATIO)
            b += 1
    x = top_layers(x, round_filters(1280), activation, include_top, dropout_rate, classes,
                   classifier_activation, pooling)
    weight_file = top_or_notop_file(weights, name, WEIGHTS_HASHES.get(weights_name),
                                    include_top)
    return finish(img_input, input_tensor, x, name, weights, weight_file, BASE_WEIGHTS_PATH)


def _builder(key):
    width, depth, size, dropout = SCALING[key]

    def build(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax",
              name=f"efficientnet{key}"):
        return EfficientNet(width, depth, size, dropout, name=name, include_top=include_top,
                            weights=weights, input_tensor=input_tensor,
                            input_shape=input_shape, pooling=pooling, classes=classes,
                            classifier_activation=classifier_activation, weights_name=key)
    build.__name__ = build.__qualname__ = f"EfficientNet{key.upper()}"
    build.__doc__ = (f"EfficientNet{key.upper()} (width x{width}, depth x{depth}, input {size}); "
                     "arguments as ``keras.applications.VGG16``.")
    return build


EfficientNetB0 = _builder("b0")
EfficientNetB1 = _builder("b1")
EfficientNetB2 = _builder("b2")
EfficientNetB3 = _builder("b3")
EfficientNetB4 = _builder("b4")
EfficientNetB5 = _builder("b5")
EfficientNetB6 = _builder("b6")
EfficientNetB7 = _builder("b7")


def preprocess_input(x, data_format=None):
    """The identity: EfficientNet models normalise their inputs themselves."""
    return x


def decode_predictions(preds, top=5):
    """ImageNet class names of the ``top`` best scores of each row of ``preds``."""
    return imagenet_utils.decode_predictions(preds, top=top)
