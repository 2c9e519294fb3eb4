"""VGG16 (Simonyan & Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
Recognition", ICLR 2015), with Keras's layer names so its ImageNet weight files load.

Five blocks of 3x3 'same' ReLU convolutions (64, 128, 256, 512, 512 filters) each closed
by a 2x2 max pool; the top is Flatten, two Dense(4096, relu) and the classifier. Inputs are
preprocessed in "caffe" mode (``preprocess_input``). Default size 224, minimum 32.
"""
from .. import layers
from . import imagenet_utils
from .construction import WeightFile, check_arguments, classifier, finish, image_input, pooled

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/"
WEIGHT_FILES = (WeightFile("vgg16_weights_tf_dim_ordering_tf_kernels.h5",
                           "64373286793e3c8b2b4e3219cbf3544b"),
                WeightFile("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
                           "6d6bbae143d832006294945121d1f1fc"))
BLOCK_FILTERS = (64, 128, 256, 512, 512)


def vgg(block_depths, include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation, name, weight_files, base_path):
    """A VGG network with ``block_depths[i]`` convolutions in block ``i + 1``."""
    check_arguments(weights, include_top, classes, classifier_activation, input_tensor)
    img_input, _ = image_input(input_tensor, input_shape, 224, 32, include_top, weights)
    x = img_input
    for block, (filters, depth) in enumerate(zip(BLOCK_FILTERS, block_depths), start=1):
        for conv in range(1, depth + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{conv}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = classifier(x, classes, classifier_activation)
    else:
        x = pooled(x, pooling)
    return finish(img_input, input_tensor, x, name, weights,
                  weight_files[0 if include_top else 1], base_path)


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg16"):
    """The VGG16 model (module docstring), optionally with ImageNet weights.

    Args:
        include_top: whether to include the three fully-connected layers at the top.
        weights: ``None`` (random initialization), ``"imagenet"`` or a weights file path.
        input_tensor: optional ``keras.Input`` tensor to use as the image input.
        input_shape: optional per-sample shape; with ``include_top`` it must be
            (224, 224, 3); otherwise at least 32x32 with 3 channels.
        pooling: without the top, ``None`` (4D feature map), ``"avg"`` or ``"max"``.
        classes: number of classes (1000 with ImageNet weights and the top).
        classifier_activation: the top layer's activation (``None`` for logits).
        name: the model's name.
    """
    return vgg((2, 2, 3, 3, 3), include_top, weights, input_tensor, input_shape, pooling,
               classes, classifier_activation, name, WEIGHT_FILES, BASE_WEIGHTS_PATH)


def preprocess_input(x, data_format=None):
    """"caffe" preprocessing: RGB -> BGR and ImageNet channel means subtracted."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """ImageNet class names of the ``top`` best scores of each row of ``preds``."""
    return imagenet_utils.decode_predictions(preds, top=top)
