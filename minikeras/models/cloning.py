"""keras.models.clone_model: the same architecture with freshly initialized weights (compiled
the same way when the original is compiled, as in Keras)."""
from ..layers.core import InputLayer
from ..layers.symbolic import KerasTensor
from .sequential import Sequential


def _clone_layer(layer):
    return type(layer).from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A new model with the same layers (same configs and names) and new weights.

    Args:
        model: a Sequential model or a subclassed Model with a usable config.
        input_tensors: optional ``keras.Input(...)`` to start the cloned Sequential with.
        clone_function: ``fn(layer) -> new layer`` applied to each layer (default: rebuild the
            layer from its config, so weights are new, not copied).
        call_function: not supported.
        recursive: also clone the layers of nested Sequential models with ``clone_function``.
    """
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {sorted(kwargs)}")
    if call_function is not None:
        raise NotImplementedError("clone_model(call_function=...) is not supported by minikeras; "
                                  "use clone_function to change the layers.")
    clone_function = clone_function or _clone_layer
    if isinstance(model, Sequential):
        def clone(layer):
            if recursive and isinstance(layer, Sequential):
                return clone_model(layer, clone_function=clone_function, recursive=True)
            return clone_function(layer)

        layers = [clone(layer) for layer in model.layers]
        first = model._input_layer()
        if input_tensors is not None:
            if isinstance(input_tensors, (list, tuple)):
                if len(input_tensors) != 1:
                    raise ValueError("A Sequential model has one input; `input_tensors` must "
                                     f"hold one tensor. Received {len(input_tensors)}.")
                input_tensors = input_tensors[0]
            if not isinstance(input_tensors, KerasTensor) or input_tensors.input_layer is None:
                raise ValueError("`input_tensors` must come from `keras.Input(...)`. "
                                 f"Received: {input_tensors!r}")
            layers.insert(0, input_tensors.input_layer)
        elif first is not None:
            layers.insert(0, InputLayer(batch_shape=first.batch_shape, dtype=first.dtype,
                                        name=first.name))
        return _compiled_like(model, Sequential(layers, name=model.name,
                                                trainable=model.trainable))
    if input_tensors is not None:
        raise ValueError("`input_tensors` can only be given for a Sequential model here.")
    return _compiled_like(model, type(model).from_config(model.get_config()))


def _compiled_like(model, clone):
    """``clone`` compiled from ``model``'s compile config (a fresh optimizer), if it is."""
    if getattr(model, "compiled", False):
        clone.compile_from_config(model.get_compile_config())
    return clone
