"""VGG19: VGG16's design (see ``vgg16``) with 2, 2, 4, 4, 4 convolutions per block."""
from .vgg16 import decode_predictions, preprocess_input, vgg  # noqa: F401 (Keras's names)
from .construction import WeightFile

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
WEIGHT_FILES = (WeightFile("vgg19_weights_tf_dim_ordering_tf_kernels.h5",
                           "cbe5617147190e668d6c5d5026f83318"),
                WeightFile("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
                           "253f8cb515780f3b799900260a226db6"))


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg19"):
    """The VGG19 model, optionally with ImageNet weights (arguments as ``VGG16``)."""
    return vgg((2, 2, 4, 4, 4), include_top, weights, input_tensor, input_shape, pooling,
               classes, classifier_activation, name, WEIGHT_FILES, BASE_WEIGHTS_PATH)
