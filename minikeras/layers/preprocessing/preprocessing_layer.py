"""What the preprocessing layers share: adapt data as batches, arrays out of tensors, and
Keras's categorical encodings (one_hot / multi_hot / count).

Preprocessing layers turn data into numbers before the trainable part of a model: their
outputs carry no gradient, so index and string work is plain numpy here, while float math
(normalization, image resampling) goes through ``keras.ops``.
"""
import numbers

import numpy as np

from ... import ops
from ...ops.convolution import standardize_data_format
from ...autodiff.tensor import Tensor
from ..layer import Layer


class PreprocessingLayer(Layer):
    """A layer whose state comes from data (``adapt``) instead of training."""
    _allow_non_tensor_positional_args = True  # as Keras

    def adapt(self, data, batch_size=None, steps=None):
        """Compute this layer's state from ``data`` (an array, or an iterable of batches)."""
        raise NotImplementedError(f"{type(self).__name__} has no state to adapt.")


def as_array(x):
    """The numpy array inside a Tensor / Variable / list / array."""
    if isinstance(x, Tensor):
        return x.data
    return np.asarray(x)


def is_shape_probe(x):
    """True for the one all-zero (or all-empty-string) sample that model building runs
    through each layer to infer shapes: a preprocessing layer without its state yet lets
    it through, and refuses real data."""
    x = as_array(x)
    if x.ndim == 0 or x.shape[0] != 1:
        return False
    empty = "" if x.dtype.kind in "USO" else 0
    return bool(np.all(x == empty))


def strings_or_probe(x):
    """``x`` as an array; the numeric zero sample of model building (a model whose Input
    declared no string dtype) becomes empty strings, so string layers can infer shapes."""
    x = as_array(x)
    if x.dtype.kind not in "USO" and is_shape_probe(x):
        return np.full(x.shape, "")
    return x


def _first(batch):
    """x of a batch that may be ``(x, y)`` or ``(x, y, sample_weight)``."""
    return batch[0] if isinstance(batch, tuple) else batch


def adapt_batches(data, steps=None, sequence_is_one_batch=False, batch_size=None):
    """The batches of ``data`` for ``adapt``, as numpy arrays.

    An array (or Tensor) is one batch, or batches of ``batch_size`` rows (Keras 2's
    ``adapt(data, batch_size)``: the state is updated once per batch). A generator,
    ``PyDataset`` or other iterable yields batches (``(x, y)`` tuples give their ``x``). A
    list or tuple is one batch when ``sequence_is_one_batch`` (the lookup layers:
    ``adapt(["a", "b"])``), else a list of batches (``Normalization.adapt([x1, x2])``).
    ``steps`` caps how many batches of an iterable are read; an array is always read
    whole, as Keras 3.15 does (its ``steps`` applies to datasets only).
    """
    if batch_size is not None and (isinstance(batch_size, bool) or
                                   not isinstance(batch_size, numbers.Integral) or batch_size < 1):
        raise ValueError("adapt() expects `batch_size` to be a positive integer or None. "
                         f"Received: batch_size={batch_size!r}")
    if isinstance(data, (np.ndarray, Tensor, str, bytes)) or (
            sequence_is_one_batch and isinstance(data, (list, tuple))):
        array = as_array(data)
        if batch_size is None or array.ndim == 0:
            yield array
            return
        steps = None
        data = (array[i:i + batch_size] for i in range(0, len(array), batch_size))
    if not hasattr(data, "__iter__") and hasattr(data, "__getitem__") and hasattr(data, "__len__"):
        dataset = data  # a PyDataset-like object: batches by index
        data = (dataset[i] for i in range(len(dataset)))
    if not hasattr(data, "__iter__"):
        raise TypeError(
            f"adapt() expects a numpy array, a list, or an iterable of batches (a generator, "
            f"a PyDataset). Received: data of type {type(data).__name__}.")
    for i, batch in enumerate(data):
        if steps is not None and i >= steps:
            break
        yield as_array(_first(batch))


# Keras's sentence for an argument outside its choices (most preprocessing layers);
# CategoryEncoding and Hashing word it their own way and pass their template
UNKNOWN_VALUE = ("Unknown value for `{arg}` argument of {layer}. Allowed values are: "
                 "{allowed}. Received: {arg}={received}")


def unknown_value(layer_name, arg, allowed, received, template=UNKNOWN_VALUE):
    """The ValueError for ``arg=received`` not among ``allowed``, in Keras's words."""
    return ValueError(template.format(arg=arg, layer=layer_name, allowed=allowed,
                                      received=received))


def check_output_mode(layer, output_mode, allowed, template=UNKNOWN_VALUE):
    """Keras's spelling aliases ("binary", "tf-idf"), then Keras's error for unknown modes."""
    output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
    if output_mode not in allowed:
        raise unknown_value(type(layer).__name__, "output_mode", allowed, output_mode, template)
    return output_mode


def refuse_sparse(layer, sparse):
    if sparse:
        raise ValueError(
            f"{type(layer).__name__}(sparse=True) needs sparse tensors, which only Keras's "
            "TensorFlow backend has; minikeras computes dense outputs. Use sparse=False.")


def encode_categorical(indices, output_mode, depth, dtype, count_weights=None):
    """Keras's encoding of integer ``indices`` into ``depth`` bins.

    - "int": the indices, cast to ``dtype``.
    - "one_hot": one row per index; a trailing axis of size 1 (rank > 1) is replaced.
    - "multi_hot" / "count": 1 / the number of times each bin occurs, reduced over axis 1
      (axis 0 for rank-1 input), as Keras does: (batch, k) -> (batch, depth).
    ``count_weights`` (same shape as ``indices``) weight each occurrence for "count".
    """
    indices = as_array(indices)
    if output_mode == "int":
        return Tensor(indices.astype(dtype))
    if indices.ndim == 0:
        indices = indices[None]
    if output_mode == "one_hot":
        if indices.ndim > 1 and indices.shape[-1] == 1:
            indices = indices[..., 0]
        return ops.one_hot(indices, depth, dtype=dtype)
    encoded = ops.one_hot(indices, depth, dtype=dtype).data
    axis = 1 if indices.ndim > 1 else 0
    if output_mode == "multi_hot":  # initial=0: a sample without tokens is all zeros
        return Tensor(encoded.max(axis=axis, initial=0))
    if count_weights is not None:
        encoded = encoded * as_array(count_weights)[..., None]
    return Tensor(encoded.sum(axis=axis).astype(encoded.dtype))


def encoded_shape(input_shape, output_mode, depth):
    """The shape ``encode_categorical`` gives for indices of ``input_shape``: unchanged for
    "int"; "one_hot" adds a ``depth`` axis (replacing a trailing 1 of rank > 1);
    "multi_hot" / "count" replace the last axis by ``depth``."""
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if not input_shape:
        return (depth,)
    if output_mode == "one_hot" and (input_shape[-1] != 1 or len(input_shape) == 1):
        return input_shape + (depth,)
    return input_shape[:-1] + (depth,)


class ImagePreprocessingLayer(PreprocessingLayer):
    """Image layers: one image (h, w, c) or a batch (n, h, w, c) (channels first with
    ``data_format="channels_first"``), computed in the layer's float dtype.

    ``bounding_box_format`` ("xyxy", "rel_xyxy", "center_xywh", ...) is the format of the
    boxes a box-aware layer reads from a dict input (image_data.py); saved in the config
    when set, as Keras does."""

    # Keras's image layers all take `training=True` (those that do not augment ignore it),
    # so its files record it on their calls
    _call_training_default = True

    # whether the images of a dict input keep their dtype (Resizing: integer images come
    # back rounded in their own dtype), else they are cast to the layer's dtype
    _keeps_image_dtype = False

    def __init__(self, data_format=None, bounding_box_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.bounding_box_format = bounding_box_format

    def _checked_images(self, inputs, cast=True):
        """The images as a tensor, after checking the rank; in the layer's float dtype
        when ``cast``."""
        images = inputs if isinstance(inputs, Tensor) else Tensor(np.asarray(inputs))
        if images.ndim not in (3, 4):
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) expected images of rank 3 (height, "
                f"width, channels) or rank 4 (batch, height, width, channels). Received: input "
                f"of shape {images.shape} (rank {images.ndim}).")
        if not cast or images.dtype == self.dtype:
            return images
        return ops.cast(images, self.dtype)

    def _hw_axes(self, ndim):
        """The (height, width) axes for a rank-``ndim`` input."""
        return (ndim - 2, ndim - 1) if self.data_format == "channels_first" else (
            ndim - 3, ndim - 2)

    def _hw(self, shape):
        h_axis, w_axis = self._hw_axes(len(shape))
        return shape[h_axis], shape[w_axis]

    def _with_hw(self, shape, height, width):
        """``shape`` with its height and width replaced."""
        shape = list(shape)
        h_axis, w_axis = self._hw_axes(len(shape))
        shape[h_axis], shape[w_axis] = height, width
        return tuple(shape)

    def get_config(self):
        config = {**super().get_config(), "data_format": self.data_format}
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        return config
