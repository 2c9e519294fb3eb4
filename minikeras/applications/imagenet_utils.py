"""ImageNet helpers shared by every application: input preprocessing, decoding the
1000-class predictions, and the input-shape / padding / activation checks the builders run.

``preprocess_input(x, mode)`` (x holds pixel values in [0, 255]):

- ``caffe``: RGB -> BGR, then subtract the ImageNet channel means (103.939, 116.779, 123.68).
- ``tf``: ``x / 127.5 - 1``, into [-1, 1].
- ``torch``: ``x / 255``, then per channel ``(x - mean) / std`` with mean (0.485, 0.456,
  0.406) and std (0.229, 0.224, 0.225).

A float numpy array is changed in place and returned, as in Keras (pass ``numpy.copy(x)`` to
keep it); other arrays are converted to ``floatx()`` first. On a symbolic ``keras.Input`` the
steps are the graph operations Keras records (a model's config and summary list them).
"""
import json
import os
import warnings

import numpy as np

from .. import activations, backend, ops
from ..autodiff.tensor import Tensor
from ..layers.keras_tensor import KerasTensor
from ..utils import get_file

CLASS_INDEX = None
CLASS_INDEX_PATH = ("https://storage.googleapis.com/download.tensorflow.org/"
                    "data/imagenet_class_index.json")
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"

MODES = ("caffe", "tf", "torch")
CAFFE_MEAN = (103.939, 116.779, 123.68)  # BGR order
TORCH_MEAN = (0.485, 0.456, 0.406)
TORCH_STD = (0.229, 0.224, 0.225)


def preprocess_input(x, data_format=None, mode="caffe"):
    """Scale a batch (or one image) of pixel values the way ``mode`` says (module docstring).

    Args:
        x: numpy array, minikeras Tensor or KerasTensor, 3D or 4D, 3 colour channels, values
            in [0, 255].
        data_format: ``"channels_last"`` / ``"channels_first"``; default
            ``keras.config.image_data_format()``.
        mode: ``"caffe"`` (default), ``"tf"`` or ``"torch"``.
    """
    if mode not in MODES:
        raise ValueError("Expected mode to be one of `caffe`, `tf` or `torch`. "
                         f"Received: mode={mode}")
    if data_format is None:
        data_format = backend.image_data_format()
    elif data_format not in {"channels_first", "channels_last"}:
        raise ValueError("Expected data_format to be one of `channels_first` or "
                         f"`channels_last`. Received: data_format={data_format}")
    if isinstance(x, (Tensor, KerasTensor)):
        return _preprocess_tensor(x, data_format, mode)
    return _preprocess_numpy(np.asarray(x), data_format, mode)


def _channel_axis(ndim, data_format):
    if ndim not in (3, 4):
        raise ValueError(f"preprocess_input expects a 3D image or a 4D batch of images; "
                         f"received an array of rank {ndim}.")
    if data_format == "channels_last":
        return ndim - 1
    return ndim - 3


def _mean_std(mode):
    """(mean, std or None) per channel, in the channel order after any RGB -> BGR flip."""
    if mode == "torch":
        return TORCH_MEAN, TORCH_STD
    return CAFFE_MEAN, None


def _preprocess_numpy(x, data_format, mode):
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(backend.floatx(), copy=False)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    axis = _channel_axis(x.ndim, data_format)
    if mode == "torch":
        x /= 255.0
    else:
        x = np.flip(x, axis=axis)  # RGB -> BGR (a view, as Keras's slicing)
    mean, std = _mean_std(mode)
    shape = [1] * x.ndim
    shape[axis] = 3
    x -= np.asarray(mean, x.dtype).reshape(shape)
    if std is not None:
        x /= np.asarray(std, x.dtype).reshape(shape)
    return x


def _preprocess_tensor(x, data_format, mode):
    """The steps as tensor operations, in Keras's order and with its constants, so that on
    a KerasTensor they are Keras's graph nodes: the BGR flip as the three channels picked
    and stacked, the means added negated (shaped to broadcast), the stds divided."""
    if mode == "tf":
        return x / 127.5 - 1.0
    ndim = len(x.shape)
    axis = _channel_axis(ndim, data_format)
    if mode == "torch":
        x = x / 255.0
    else:
        x = ops.stack([x[_channel_index(i, ndim, data_format)] for i in (2, 1, 0)],
                      axis=-1 if data_format == "channels_last" else axis)
    mean, std = _mean_std(mode)
    shape = [1] * ndim
    shape[axis] = 3
    x = x + ops.convert_to_tensor(-np.asarray(mean, np.float32).reshape(shape), x.dtype)
    if std is not None:
        std_shape = (3,) if data_format == "channels_last" else (3, 1, 1)
        x = x / ops.convert_to_tensor(np.asarray(std, np.float32).reshape(std_shape), x.dtype)
    return x


def _channel_index(i, ndim, data_format):
    """The index of colour channel ``i`` as Keras writes it: ``x[..., i]``, or channels
    first ``x[i, ...]`` (one image) / ``x[:, i, :]`` (a batch)."""
    if data_format == "channels_last":
        return (Ellipsis, i)
    return (i, Ellipsis) if ndim == 3 else (slice(None), i, slice(None))


def decode_predictions(preds, top=5):
    """The ``top`` classes of each row of ImageNet predictions, as lists of
    ``(class_name, class_description, score)`` tuples, highest score first.

    The class index file is fetched once through ``keras.utils.get_file`` (cached under
    ``~/.keras/models``).
    """
    global CLASS_INDEX
    if len(preds.shape) != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D array "
                         f"of shape (samples, 1000)). Received array with shape: {preds.shape}")
    if CLASS_INDEX is None:
        path = get_file("imagenet_class_index.json", CLASS_INDEX_PATH, cache_subdir="models",
                        file_hash=CLASS_INDEX_HASH)
        with open(path) as f:
            CLASS_INDEX = json.load(f)
    preds = ops.convert_to_numpy(preds)
    results = []
    for row in preds:
        best = row.argsort()[-top:][::-1]
        result = [tuple(CLASS_INDEX[str(i)]) + (row[i],) for i in best]
        result.sort(key=lambda entry: entry[2], reverse=True)
        results.append(result)
    return results


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten,
                       weights=None):
    """The per-sample input shape a model is built for, checked against its needs.

    ``require_flatten`` (a top classifier behind Flatten) needs a static shape; ImageNet
    weights need 3 channels, and with a top the default size.
    """
    channels_first = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if channels_first else input_shape[-1]
        if channels not in {1, 3}:
            warnings.warn("This model usually expects 1 or 3 input channels. However, it was "
                          f"passed an input_shape with {channels} input channels.", stacklevel=3)
        default_shape = ((channels, default_size, default_size) if channels_first
                         else (default_size, default_size, channels))
    else:
        default_shape = ((3, default_size, default_size) if channels_first
                         else (default_size, default_size, 3))
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError("When setting `include_top=True` and loading `imagenet` weights, "
                             f"`input_shape` should be {default_shape}.  "
                             f"Received: input_shape={input_shape}")
        return default_shape
    if input_shape:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers. "
                             f"Received: input_shape={input_shape}")
        channels = input_shape[0] if channels_first else input_shape[-1]
        spatial = input_shape[1:] if channels_first else input_shape[:2]
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; Received "
                             f"`input_shape={input_shape}`")
        if any(size is not None and size < min_size for size in spatial):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; "
                             f"Received: input_shape={input_shape}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static "
                         f"`input_shape`. Received: input_shape={input_shape}")
    return input_shape


def correct_pad(inputs, kernel_size):
    """((top, bottom), (left, right)) zero padding so a stride-2 'valid' convolution of
    ``kernel_size`` covers the image as TensorFlow's 'same' does."""
    first = 2 if backend.image_data_format() == "channels_first" else 1
    size = inputs.shape[first:first + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    half = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((half[0] - adjust[0], half[0]), (half[1] - adjust[1], half[1]))


def validate_activation(classifier_activation, weights):
    """Pretrained weights allow only a softmax or no activation on the classifier."""
    if weights is None:
        return
    activation = activations.get(classifier_activation)
    if activation not in {activations.get("softmax"), activations.get(None)}:
        raise ValueError("Only `None` and `softmax` activations are allowed for the "
                         "`classifier_activation` argument when using pretrained weights, "
                         "with `include_top=True`; Received: "
                         f"classifier_activation={classifier_activation}")


def weights_exist(weights):
    """Whether ``weights`` names a local file (the third accepted ``weights`` value)."""
    return isinstance(weights, (str, os.PathLike)) and os.path.exists(weights)
