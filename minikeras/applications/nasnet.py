"""NASNet-A (Zoph et al., "Learning Transferable Architectures for Scalable Image
Recognition", CVPR 2018), with Keras's layer names.

A strided 3x3 stem convolution, two stem reduction cells, then three stacks of
``num_blocks`` normal cells with a reduction cell between stacks; each reduction halves
the image and multiplies the cell width by ``filter_multiplier``. A cell reads the outputs
of the two cells before it (``x`` and ``p``); an adjust block first brings ``p`` to ``x``'s
spatial size (a factorized stride-2 reduction) or channel count (a 1x1 projection).
NASNetMobile is NASNet-A 4 @ 1056 at 224 pixels, NASNetLarge 6 @ 4032 at 331 pixels
(N @ P: N normal cells per stack, P filters in the penultimate layer). channels_last only,
as in Keras. Inputs are preprocessed in "tf" mode ([-1, 1]).
"""
from .. import layers
from ..backend import image_data_format
from . import imagenet_utils
from .construction import WeightFile, check_arguments, classifier_head, finish, image_input

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/nasnet/"
# (with top, without top) by default size: Keras downloads NASNet-mobile.h5 and caches it
# as nasnet_mobile.h5, and so on.
WEIGHT_FILES = {
    224: (WeightFile("nasnet_mobile.h5", "020fb642bf7360b370c678b08e0adf61", "NASNet-mobile.h5"),
          WeightFile("nasnet_mobile_no_top.h5", "1ed92395b5b598bdda52abe5c0dbfd63",
                     "NASNet-mobile-no-top.h5")),
    331: (WeightFile("nasnet_large.h5", "11577c9a518f0070763c2b964a382f17", "NASNet-large.h5"),
          WeightFile("nasnet_large_no_top.h5", "d81d89dc07e6e56530c4e77faddd61b5",
                     "NASNet-large-no-top.h5")),
}
CHANNEL_AXIS = -1
WIDTH_AXIS = -2


def _bn(x, name):
    return layers.BatchNormalization(axis=CHANNEL_AXIS, momentum=0.9997, epsilon=1e-3,
                                     name=name)(x)


def _relu(x, name=None):
    return layers.Activation("relu", name=name)(x)


def _conv_1x1(x, filters, name):
    return layers.Conv2D(filters, (1, 1), padding="same", use_bias=False, name=name,
                         kernel_initializer="he_normal")(x)


def _avg_pool_3x3(x, name):
    """The size-keeping 3x3 average of a cell branch (padding not counted, as Keras)."""
    return layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same", name=name)(x)


def _separable_conv_block(x, filters, kernel_size=(3, 3), strides=(1, 1), block_id=None):
    """relu, separable convolution, batch norm, twice; a stride-2 first convolution runs
    'valid' on the input padded as TensorFlow's 'same' would."""
    x = _relu(x)
    padding = "same"
    if strides == (2, 2):
        x = layers.ZeroPadding2D(imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"separable_conv_1_pad_{block_id}")(x)
        padding = "valid"
    x = layers.SeparableConv2D(filters, kernel_size, strides=strides, padding=padding,
                               use_bias=False, name=f"separable_conv_1_{block_id}")(x)
    x = _relu(_bn(x, f"separable_conv_1_bn_{block_id}"))
    x = layers.SeparableConv2D(filters, kernel_size, padding="same", use_bias=False,
                               name=f"separable_conv_2_{block_id}")(x)
    return _bn(x, f"separable_conv_2_bn_{block_id}")


def _adjust_block(p, ip, filters, block_id):
    """``p`` (the cell before last) made to fit ``ip``: halved in size by two 1x1
    convolutions on the even and the odd pixels, or projected to ``filters`` channels.
    Sizes compare as Keras compares them, so two unknown sizes count as equal."""
    if p is None:
        return ip
    if p.shape[WIDTH_AXIS] != ip.shape[WIDTH_AXIS]:
        p = _relu(p, f"adjust_relu_1_{block_id}")
        even = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                       name=f"adjust_avg_pool_1_{block_id}")(p)
        even = _conv_1x1(even, filters // 2, f"adjust_conv_1_{block_id}")
        # Pad one row and column at the bottom right, crop one at the top left: the image
        # shifted by one pixel, so the stride-2 sampling below reads the odd pixels.
        odd = layers.ZeroPadding2D(((0, 1), (0, 1)))(p)
        odd = layers.Cropping2D(((1, 0), (1, 0)))(odd)
        odd = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                      name=f"adjust_avg_pool_2_{block_id}")(odd)
        odd = _conv_1x1(odd, filters // 2, f"adjust_conv_2_{block_id}")
        p = layers.concatenate([even, odd], axis=CHANNEL_AXIS)
        return _bn(p, f"adjust_bn_{block_id}")
    if p.shape[CHANNEL_AXIS] != filters:
        p = _conv_1x1(_relu(p), filters, f"adjust_conv_projection_{block_id}")
        return _bn(p, f"adjust_bn_{block_id}")
    return p


def _cell_input(ip, filters, kind, block_id):
    """relu, 1x1 convolution to ``filters`` channels, batch norm: the cell's own input."""
    h = _conv_1x1(_relu(ip), filters, f"{kind}_conv_1_{block_id}")
    return _bn(h, f"{kind}_bn_1_{block_id}")


def _normal_a_cell(ip, p, filters, block_id):
    """NASNet-A's normal cell (Fig. 4 of the paper): five summed pairs of operations on the
    cell input ``h`` and the adjusted ``p``, concatenated with ``p``. Returns (output, ip)."""
    p = _adjust_block(p, ip, filters, block_id)
    h = _cell_input(ip, filters, "normal", block_id)

    def separable(x, kernel_size, branch):
        return _separable_conv_block(x, filters, kernel_size,
                                     block_id=f"normal_{branch}_{block_id}")

    x1 = layers.add([separable(h, (5, 5), "left1"), separable(p, (3, 3), "right1")],
                    name=f"normal_add_1_{block_id}")
    x2 = layers.add([separable(p, (5, 5), "left2"), separable(p, (3, 3), "right2")],
                    name=f"normal_add_2_{block_id}")
    x3 = layers.add([_avg_pool_3x3(h, f"normal_left3_{block_id}"), p],
                    name=f"normal_add_3_{block_id}")
    x4 = layers.add([_avg_pool_3x3(p, f"normal_left4_{block_id}"),
                     _avg_pool_3x3(p, f"normal_right4_{block_id}")],
                    name=f"normal_add_4_{block_id}")
    x5 = layers.add([separable(h, (3, 3), "left5"), h], name=f"normal_add_5_{block_id}")
    x = layers.concatenate([p, x1, x2, x3, x4, x5], axis=CHANNEL_AXIS,
                           name=f"normal_concat_{block_id}")
    return x, ip


def _max_pool_3x3_2(x, name):
    return layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid", name=name)(x)


def _avg_pool_3x3_2(x, name):
    return layers.AveragePooling2D((3, 3), strides=(2, 2), padding="valid", name=name)(x)


def _reduction_a_cell(ip, p, filters, block_id):
    """NASNet-A's reduction cell (Fig. 4 of the paper): stride-2 separable convolutions
    and poolings, four sums concatenated. Returns (output, ip). Keras's names, quirks kept
    (weight files are read by them): "reduction_add3_" / "reduction_add4_" without the
    underscore, the fifth pair's convolution named "reduction_left4_", the fourth sum
    automatic."""
    p = _adjust_block(p, ip, filters, block_id)
    h = _cell_input(ip, filters, "reduction", block_id)
    h3 = layers.ZeroPadding2D(imagenet_utils.correct_pad(h, 3),
                              name=f"reduction_pad_1_{block_id}")(h)

    def separable(x, kernel_size, branch, strides=(2, 2)):
        return _separable_conv_block(x, filters, kernel_size, strides,
                                     block_id=f"reduction_{branch}_{block_id}")

    x1 = layers.add([separable(h, (5, 5), "left1"), separable(p, (7, 7), "right1")],
                    name=f"reduction_add_1_{block_id}")
    x2 = layers.add([_max_pool_3x3_2(h3, f"reduction_left2_{block_id}"),
                     separable(p, (7, 7), "right2")], name=f"reduction_add_2_{block_id}")
    x3 = layers.add([_avg_pool_3x3_2(h3, f"reduction_left3_{block_id}"),
                     separable(p, (5, 5), "right3")], name=f"reduction_add3_{block_id}")
    x4 = layers.add([x2, _avg_pool_3x3(x1, f"reduction_left4_{block_id}")])
    x5 = layers.add([separable(x1, (3, 3), "left4", strides=(1, 1)),
                     _max_pool_3x3_2(h3, f"reduction_right5_{block_id}")],
                    name=f"reduction_add4_{block_id}")
    x = layers.concatenate([x2, x3, x4, x5], axis=CHANNEL_AXIS,
                           name=f"reduction_concat_{block_id}")
    return x, ip


def _check_nasnet_arguments(input_shape, penultimate_filters, filter_multiplier, weights,
                            default_size):
    """NASNet's own checks, before anything is built."""
    if image_data_format() == "channels_first":
        raise ValueError("NASNet does not support the `channels_first` image data format. "
                         "Switch to `channels_last` (keras.config.set_image_data_format, or "
                         "~/.keras/keras.json).")
    if isinstance(input_shape, tuple) and None in input_shape and weights == "imagenet":
        raise ValueError("When specifying the input shape of a NASNet and loading `ImageNet` "
                         "weights, the input_shape argument must be static (no None entries). "
                         f"Got: `input_shape={input_shape}`.")
    if penultimate_filters % (24 * filter_multiplier ** 2) != 0:
        raise ValueError("For NASNet-A models, the `penultimate_filters` must be a multiple of "
                         "24 * (`filter_multiplier` ** 2). "
                         f"Current value: {penultimate_filters}")
    if weights == "imagenet" and default_size not in WEIGHT_FILES:
        raise ValueError("ImageNet weights can only be loaded with NASNetLarge or NASNetMobile "
                         f"(default_size 331 or 224). Received: default_size={default_size}")


def NASNet(input_shape=None, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
           skip_reduction=True, filter_multiplier=2, include_top=True, weights="imagenet",
           input_tensor=None, pooling=None, classes=1000, default_size=None,
           classifier_activation="softmax", name="NASNet"):
    """A NASNet-A model (module docstring), NASNet-A ``num_blocks`` @ ``penultimate_filters``.

    Args:
        input_shape: optional per-sample shape (at least 32x32, 3 channels).
        penultimate_filters: filters of the last cells' output, a multiple of
            ``24 * filter_multiplier ** 2``.
        num_blocks: normal cells in each of the three stacks.
        stem_block_filters: filters of the stem convolution.
        skip_reduction: whether the first normal cell after each of the two inner
            reduction cells reads as its ``p`` the reduction cell's own ``p`` (True: the
            reduction's input is skipped) or the reduction's input (False).
        filter_multiplier: the width factor at each reduction.
        include_top, weights, input_tensor, pooling, classes, classifier_activation, name:
            as ``keras.applications.VGG16``; ImageNet weights exist for default_size 224
            (NASNetMobile's configuration) and 331 (NASNetLarge's).
        default_size: the input size the weights were trained at (default 331).
    """
    if default_size is None:
        default_size = 331
    check_arguments(weights, include_top, classes, classifier_activation, input_tensor)
    _check_nasnet_arguments(input_shape, penultimate_filters, filter_multiplier, weights,
                            default_size)
    img_input, _ = image_input(input_tensor, input_shape, default_size, 32, include_top,
                               weights)
    filters = penultimate_filters // 24
    x = layers.Conv2D(stem_block_filters, (3, 3), strides=(2, 2), padding="valid",
                      use_bias=False, name="stem_conv1", kernel_initializer="he_normal")(img_input)
    x = _bn(x, "stem_bn1")
    x, p = _reduction_a_cell(x, None, filters // filter_multiplier ** 2, "stem_1")
    x, p = _reduction_a_cell(x, p, filters // filter_multiplier, "stem_2")
    for stack in range(3):
        width = filters * filter_multiplier ** stack
        first_cell = stack * num_blocks
        if stack:
            x, reduction_input = _reduction_a_cell(x, p, width, f"reduce_{first_cell}")
            p = p if skip_reduction else reduction_input
            first_cell += 1  # Keras's cell numbers after a reduction skip one
        for i in range(num_blocks):
            x, p = _normal_a_cell(x, p, width, f"{first_cell + i}")
    x = _relu(x)
    x = classifier_head(x, include_top, classes, classifier_activation, pooling,
                        top_pool_name=None)
    weight_file = None
    if weights == "imagenet":
        weight_file = WEIGHT_FILES[default_size][0 if include_top else 1]
    return finish(img_input, input_tensor, x, name, weights, weight_file, BASE_WEIGHTS_PATH)


def NASNetMobile(input_shape=None, include_top=True, weights="imagenet", input_tensor=None,
                 pooling=None, classes=1000, classifier_activation="softmax",
                 name="nasnet_mobile"):
    """NASNet-A 4 @ 1056 (32 stem filters), 224x224 by default, also without the top
    (arguments as ``keras.applications.VGG16``)."""
    if not include_top and input_shape is None:
        input_shape = (224, 224, 3)
    return NASNet(input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
                  skip_reduction=False, filter_multiplier=2, include_top=include_top,
                  weights=weights, input_tensor=input_tensor, pooling=pooling, classes=classes,
                  default_size=224, classifier_activation=classifier_activation, name=name)


def NASNetLarge(input_shape=None, include_top=True, weights="imagenet", input_tensor=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="nasnet_large"):
    """NASNet-A 6 @ 4032 (96 stem filters), 331x331 with the top (arguments as
    ``keras.applications.VGG16``)."""
    return NASNet(input_shape, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
                  skip_reduction=True, filter_multiplier=2, include_top=include_top,
                  weights=weights, input_tensor=input_tensor, pooling=pooling, classes=classes,
                  default_size=331, classifier_activation=classifier_activation, name=name)


def preprocess_input(x, data_format=None):
    """"tf" preprocessing: pixels scaled to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """ImageNet class names of the ``top`` best scores of each row of ``preds``."""
    return imagenet_utils.decode_predictions(preds, top=top)
