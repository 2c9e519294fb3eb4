"""DenseNet121/169/201 (Huang et al., "Densely Connected Convolutional Networks", CVPR
2017), with Keras's layer names.

A 7x7/2 stem and a 3x3/2 max pool, then four dense blocks (each layer: bn-relu-1x1 conv to
128 channels, bn-relu-3x3 conv to 32, concatenated onto its input) joined by transition
blocks (bn-relu-1x1 conv halving the channels, 2x2 average pool). Inputs are preprocessed
in "torch" mode. Default size 224, minimum 32; channels_last only (as Keras).
"""
from .. import layers
from ..backend import image_data_format
from . import imagenet_utils
from .construction import WeightFile, check_arguments, classifier_head, finish, image_input

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/densenet/"
# blocks per dense block -> (weights name, hash with top, hash without top)
WEIGHTS = {
    (6, 12, 24, 16): ("densenet121", "9d60b8095a5708f2dcce2bca79d332c7",
                      "30ee3e1110167f948a6b9946edeeb738"),
    (6, 12, 32, 32): ("densenet169", "d699b8f76981ab1b30698df4c175e90b",
                      "b8c4d4c20dd625c148057b9ff1c1176b"),
    (6, 12, 48, 32): ("densenet201", "1ceb130c1ea1b78c3bf6114dbdfd8807",
                      "c13680b51ded0fb44dff2d8f86ac8bb1"),
}
BN_EPSILON = 1.001e-5
GROWTH_RATE = 32


def _bn_axis():
    return 3 if image_data_format() == "channels_last" else 1


def _bn_relu(x, name):
    x = layers.BatchNormalization(axis=_bn_axis(), epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def conv_block(x, growth_rate, name):
    """One dense layer: its ``growth_rate`` new channels concatenated onto ``x``."""
    x1 = _bn_relu(x, f"{name}_0")
    x1 = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(x1)
    x1 = _bn_relu(x1, f"{name}_1")
    x1 = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False,
                       name=f"{name}_2_conv")(x1)
    return layers.Concatenate(axis=_bn_axis(), name=f"{name}_concat")([x, x1])


def dense_block(x, blocks, name):
    for i in range(blocks):
        x = conv_block(x, GROWTH_RATE, name=f"{name}_block{i + 1}")
    return x


def transition_block(x, reduction, name):
    x = _bn_relu(x, name)
    x = layers.Conv2D(int(x.shape[_bn_axis()] * reduction), 1, use_bias=False,
                      name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def DenseNet(blocks, include_top=True, weights="imagenet", input_tensor=None,
             input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
             name="densenet"):
    """A DenseNet with ``blocks[i]`` layers in dense block ``i``."""
    if image_data_format() == "channels_first":
        raise ValueError("DenseNet does not support the `channels_first` image data format. "
                         "Switch to `channels_last` by editing your local config file at "
                         "~/.keras/keras.json")
    check_arguments(weights, include_top, classes, classifier_activation, input_tensor)
    img_input, _ = image_input(input_tensor, input_shape, 224, 32, include_top, weights)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = _bn_relu(x, "conv1")
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, depth in enumerate(blocks, start=2):
        x = dense_block(x, depth, name=f"conv{stage}")
        if stage < 5:
            x = transition_block(x, 0.5, name=f"pool{stage}")
    x = layers.BatchNormalization(axis=_bn_axis(), epsilon=BN_EPSILON, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = classifier_head(x, include_top, classes, classifier_activation, pooling,
                        avg_name="avg_pool", max_name="max_pool")
    weight_file = None
    if weights == "imagenet":
        if tuple(blocks) not in WEIGHTS:
            raise ValueError("`weights` must be None or a file path when `blocks` is not one "
                             f"of {sorted(WEIGHTS)}; received blocks={blocks}")
        weights_name, top_hash, notop_hash = WEIGHTS[tuple(blocks)]
        top = "" if include_top else "_notop"
        weight_file = WeightFile(f"{weights_name}_weights_tf_dim_ordering_tf_kernels{top}.h5",
                                 top_hash if include_top else notop_hash)
    return finish(img_input, input_tensor, x, name, weights, weight_file, BASE_WEIGHTS_PATH)


def DenseNet121(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="densenet121"):
    """DenseNet121 (6, 12, 24, 16 layers); arguments as ``keras.applications.VGG16``."""
    return DenseNet((6, 12, 24, 16), include_top, weights, input_tensor, input_shape, pooling,
                    classes, classifier_activation, name)


def DenseNet169(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="densenet169"):
    """DenseNet169 (6, 12, 32, 32 layers); arguments as ``keras.applications.VGG16``."""
    return DenseNet((6, 12, 32, 32), include_top, weights, input_tensor, input_shape, pooling,
                    classes, classifier_activation, name)


def DenseNet201(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="densenet201"):
    """DenseNet201 (6, 12, 48, 32 layers); arguments as ``keras.applications.VGG16``."""
    return DenseNet((6, 12, 48, 32), include_top, weights, input_tensor, input_shape, pooling,
                    classes, classifier_activation, name)


def preprocess_input(x, data_format=None):
    """"torch" preprocessing: [0, 1], then ImageNet mean and std per channel."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")


def decode_predictions(preds, top=5):
    """ImageNet class names of the ``top`` best scores of each row of ``preds``."""
    return imagenet_utils.decode_predictions(preds, top=top)
