"""Masks on eager tensors: the one slot on Tensor (``tensor.mask``, Keras's
``tensor._keras_mask``), and Keras's warning for a layer that drops one.

A symbolic call's masks are KerasTensors on KerasTensors (``symbolic._set_symbolic_masks``).
"""
import warnings

from ..autodiff.tensor import Tensor
from ..tree import flatten, map_structure


def input_mask(inputs):
    """The mask carried by a call's first argument: one array, a structure of them, or None."""
    if isinstance(inputs, Tensor):
        return inputs.mask
    if isinstance(inputs, (list, tuple, dict)):
        masks = map_structure(lambda t: getattr(t, "mask", None), inputs)
        return None if all(m is None for m in flatten(masks)) else masks
    return None


def set_output_mask(outputs, mask):
    """Attach ``mask`` (from ``compute_mask``) to the outputs that carry none yet, in order:
    one mask for several outputs goes to the first only (an attention layer's output, not
    its scores), as Keras pairs them."""
    if mask is None:
        return
    outputs, masks = flatten(outputs), flatten(mask)
    for tensor, each in zip(outputs, masks):
        if isinstance(tensor, Tensor) and tensor.mask is None and each is not None:
            tensor.mask = each


def carries_mask(mask):
    """Whether a call's mask (one array, or a structure of them and None) holds any array:
    a saved node's ``mask={"a": None, ...}`` is no mask (Keras warns of a dropped mask only
    for an actual one)."""
    return mask is not None and any(m is not None for m in flatten(mask))


# the start of warn_dropped_mask's warning, for a layer's name and type (a regex)
DROPPED_MASK = r"Layer '{name}' \(of type {type}\) was passed an input with a mask"


def warn_dropped_mask(layer):
    """Keras's warning for a masked input given to a layer that does not support masking.
    Raised from this one line, as Keras raises it from one line of its own: Python's default
    filter then shows each layer's warning once (building a model and calling it warn once)."""
    warnings.warn(
        f"Layer '{layer.name}' (of type {type(layer).__name__}) was passed an input with a "
        "mask attached to it. However, this layer does not support masking and will "
        "therefore destroy the mask information. Downstream layers will not see the "
        "mask.")
