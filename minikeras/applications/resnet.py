"""ResNet50/101/152 (He et al., "Deep Residual Learning for Image Recognition", CVPR 2015)
and the shared builder of ResNetV2 (``resnet_v2``), with Keras's layer names.

A 7x7/2 stem and a 3x3/2 max pool, then four stacks ``conv2`` .. ``conv5`` of bottleneck
blocks (1x1 -> 3x3 -> 1x1 with 4x expansion). V1 blocks put BatchNormalization after each
convolution and add before the final ReLU; V2 blocks ("pre-activation") normalise first and
end with a ``post_bn``. Inputs are preprocessed in "caffe" mode. Default size 224, min 32.
"""
from .. import layers
from ..backend import image_data_format
from . import imagenet_utils
from .construction import WeightFile, check_arguments, classifier_head, finish, image_input

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
# weights name -> (hash with top, hash without top)
WEIGHTS_HASHES = {
    "resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
    "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"),
    "resnet101v2": ("6343647c601c52e1368623803854d971", "c0ed64b8031c3730f411d2eb4eea35b5"),
    "resnet152v2": ("a49b44d1979771252814e80f8ec446f9", "ed17cf2e0169df9d443503ef94b23b33"),
}
BN_EPSILON = 1.001e-5


def _bn_axis():
    return 3 if image_data_format() == "channels_last" else 1


def _bn(x, name):
    return layers.BatchNormalization(axis=_bn_axis(), epsilon=BN_EPSILON, name=name)(x)


def weight_file(weights_name, include_top):
    """The WeightFile of ``weights_name`` ("resnet50", "resnet50v2", ...)."""
    suffix = "" if include_top else "_notop"
    return WeightFile(f"{weights_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5",
                      WEIGHTS_HASHES[weights_name][0 if include_top else 1])


def residual_block_v1(x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    """Bottleneck block: conv-bn-relu x2, conv-bn, added to the (projected) shortcut, relu."""
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = _bn(shortcut, f"{name}_0_bn")
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(_bn(x, f"{name}_1_bn"))
    x = layers.Conv2D(filters, kernel_size, padding="same", name=f"{name}_2_conv")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(_bn(x, f"{name}_2_bn"))
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = _bn(x, f"{name}_3_bn")
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def stack_residual_blocks_v1(x, filters, blocks, stride1=2, name=None):
    """``blocks`` V1 blocks; the first projects the shortcut and strides by ``stride1``."""
    x = residual_block_v1(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = residual_block_v1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def residual_block_v2(x, filters, kernel_size=3, stride=1, conv_shortcut=False, name=None):
    """Pre-activation bottleneck block: bn-relu first, the stride on the 3x3 convolution."""
    preact = _bn(x, f"{name}_preact_bn")
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride,
                                 name=f"{name}_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = layers.Activation("relu", name=f"{name}_1_relu")(_bn(x, f"{name}_1_bn"))
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False,
                      name=f"{name}_2_conv")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(_bn(x, f"{name}_2_bn"))
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def stack_residual_blocks_v2(x, filters, blocks, stride1=2, name=None):
    """``blocks`` V2 blocks; the first projects the shortcut, the last strides by ``stride1``."""
    x = residual_block_v2(x, filters, conv_shortcut=True, name=f"{name}_block1")
    for i in range(2, blocks):
        x = residual_block_v2(x, filters, name=f"{name}_block{i}")
    return residual_block_v2(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def ResNet(stack_fn, preact, use_bias, include_top=True, weights="imagenet",
           input_tensor=None, input_shape=None, pooling=None, classes=1000,
           classifier_activation="softmax", name="resnet", weights_name=None):
    """A ResNet whose residual stacks ``stack_fn(x)`` builds; ``preact`` selects the V2 stem
    and ``post_bn``; ``weights_name`` picks the ImageNet file."""
    check_arguments(weights, include_top, classes, classifier_activation, input_tensor)
    img_input, _ = image_input(input_tensor, input_shape, 224, 32, include_top, weights)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = layers.Activation("relu", name="conv1_relu")(_bn(x, "conv1_bn"))
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = layers.Activation("relu", name="post_relu")(_bn(x, "post_bn"))
    x = classifier_head(x, include_top, classes, classifier_activation, pooling,
                        avg_name="avg_pool", max_name="max_pool")
    files = weight_file(weights_name, include_top) if weights_name in WEIGHTS_HASHES else None
    return finish(img_input, input_tensor, x, name, weights, files, BASE_WEIGHTS_PATH)


def _v1_stacks(depths):
    def stack_fn(x):
        x = stack_residual_blocks_v1(x, 64, depths[0], stride1=1, name="conv2")
        x = stack_residual_blocks_v1(x, 128, depths[1], name="conv3")
        x = stack_residual_blocks_v1(x, 256, depths[2], name="conv4")
        return stack_residual_blocks_v1(x, 512, depths[3], name="conv5")
    return stack_fn


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="resnet50"):
    """ResNet50 (stacks of 3, 4, 6, 3 blocks); arguments as ``keras.applications.VGG16``."""
    return ResNet(_v1_stacks((3, 4, 6, 3)), False, True, include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, name, "resnet50")


def ResNet101(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax", name="resnet101"):
    """ResNet101 (stacks of 3, 4, 23, 3 blocks); arguments as ``keras.applications.VGG16``."""
    return ResNet(_v1_stacks((3, 4, 23, 3)), False, True, include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, name, "resnet101")


def ResNet152(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax", name="resnet152"):
    """ResNet152 (stacks of 3, 8, 36, 3 blocks); arguments as ``keras.applications.VGG16``."""
    return ResNet(_v1_stacks((3, 8, 36, 3)), False, True, include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, name, "resnet152")


def preprocess_input(x, data_format=None):
    """"caffe" preprocessing: RGB -> BGR and ImageNet channel means subtracted."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """ImageNet class names of the ``top`` best scores of each row of ``preds``."""
    return imagenet_utils.decode_predictions(preds, top=top)
