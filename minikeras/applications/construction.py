"""The steps every application builder shares: checking ``weights`` / ``classes``, making
the image input, the classifier or pooling head, and loading Keras's weight files.

A weight file is named by a ``WeightFile(fname, file_hash, origin_name=None)``; its origin is
the module's ``BASE_WEIGHTS_PATH`` (read at call time, so a mirror can be set by assigning
it) followed by ``origin_name`` (by default ``fname``: only NASNet's files are stored under
another name than Keras caches them as), fetched through ``keras.utils.get_file`` into
``~/.keras/models/<fname>``.
"""
from collections import namedtuple

from .. import layers
from ..backend import image_data_format
from ..layers.keras_tensor import KerasTensor
from ..models.functional import Functional
from ..utils import get_file
from .imagenet_utils import obtain_input_shape, validate_activation, weights_exist

WeightFile = namedtuple("WeightFile", ["fname", "file_hash", "origin_name"], defaults=(None,))


def check_arguments(weights, include_top, classes, classifier_activation="softmax",
                    input_tensor=None):
    """Keras's argument checks, run before anything is built: ``weights`` is None,
    "imagenet" or an existing file; ImageNet weights with a top need 1000 classes and a
    softmax (or no) classifier activation; ``input_tensor`` is symbolic."""
    if not (weights in {"imagenet", None} or weights_exist(weights)):
        raise ValueError("The `weights` argument should be either `None` (random "
                         "initialization), 'imagenet' (pre-training on ImageNet), or the path "
                         f"to the weights file to be loaded.  Received: weights={weights}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError("If using `weights='imagenet'` with `include_top=True`, `classes` "
                         f"should be 1000.  Received classes={classes}")
    if include_top:
        validate_activation(classifier_activation, weights)
    if input_tensor is not None and not isinstance(input_tensor, KerasTensor):
        raise TypeError("`input_tensor` must be a symbolic tensor made by `keras.Input(...)` "
                        f"(or a layer called on one). Received: {type(input_tensor).__name__}")


def image_input(input_tensor, input_shape, default_size, min_size, include_top, weights,
                require_flatten=None):
    """(the model's image input, its checked per-sample shape): ``input_tensor`` when given,
    else a new ``keras.Input``. ``require_flatten`` defaults to ``include_top``."""
    shape = obtain_input_shape(input_shape, default_size=default_size, min_size=min_size,
                               data_format=image_data_format(),
                               require_flatten=include_top if require_flatten is None
                               else require_flatten, weights=weights)
    if input_tensor is None:
        return layers.Input(shape=shape), shape
    return input_tensor, shape


def source_inputs(tensor):
    """The ``keras.Input`` tensors ``tensor`` is computed from (Keras's get_source_inputs)."""
    found, stack, seen = [], [tensor], set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        layer, node_index, _ = current._keras_history
        node = layer._inbound_nodes[node_index]
        if node.is_input:
            found.append(current)
        else:
            stack.extend(reversed(node.inputs))
    return found[0] if len(found) == 1 else found


def classifier(x, classes, classifier_activation, name="predictions"):
    """The top Dense classifier."""
    return layers.Dense(classes, activation=classifier_activation, name=name)(x)


def pooled(x, pooling, avg_name=None, max_name=None):
    """The headless output: the feature map, or its global average / max (``pooling``)."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def classifier_head(x, include_top, classes, classifier_activation, pooling,
                    top_pool_name="avg_pool", avg_name=None, max_name=None):
    """The usual end of a network: with ``include_top`` a global average pool (named
    ``top_pool_name``) and the classifier, otherwise ``pooled``."""
    if include_top:
        x = layers.GlobalAveragePooling2D(name=top_pool_name)(x)
        return classifier(x, classes, classifier_activation)
    return pooled(x, pooling, avg_name, max_name)


def finish(img_input, input_tensor, outputs, name, weights, weight_file=None,
           base_path=None):
    """The Functional model, with ``weights`` loaded: "imagenet" downloads ``weight_file``
    from ``base_path``, a path loads that file."""
    inputs = source_inputs(input_tensor) if input_tensor is not None else img_input
    model = Functional(inputs, outputs, name=name)
    if weights == "imagenet":
        if weight_file is None:
            raise ValueError(f"{name}: there are no ImageNet weights for this configuration.")
        origin = base_path + (weight_file.origin_name or weight_file.fname)
        path = get_file(weight_file.fname, origin, cache_subdir="models",
                        file_hash=weight_file.file_hash)
        model.load_weights(path)
    elif weights is not None:
        model.load_weights(weights)
    return model


def top_or_notop_file(weights, name, hashes, include_top):
    """With ``weights="imagenet"`` Keras's file named after the model, ``{name}.h5`` with
    the top or ``{name}_notop.h5`` without, and its hash from ``hashes`` (the pair (with
    top, without top)); None for other ``weights``."""
    if weights != "imagenet":
        return None
    if hashes is None:
        raise ValueError(f"{name}: Keras publishes no ImageNet weights for this "
                         "configuration; pass weights=None or the path of a weights file.")
    return WeightFile(name + (".h5" if include_top else "_notop.h5"),
                      hashes[0 if include_top else 1])
