"""keras.models.clone_model: the same architecture with new layers (freshly initialized
weights), compiled the same way when the original is compiled, as in Keras 3.

A Sequential model is rebuilt from its cloned layers; a functional model's graph is
replayed on new inputs with each layer replaced by its clone (a layer called twice is
cloned once, so the clone shares it too); any other model is rebuilt from its config.
"""
import inspect

from ..layers.core import Input, InputLayer
from ..layers.graph import fill
from ..layers.keras_tensor import KerasTensor
from ..tree import assert_same_structure, flatten, map_structure
from .functional import Functional
from .sequential import Sequential


def _clone_layer(layer):
    return type(layer).from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A new model with the same layers (same configs and names) and new weights.

    Args:
        model: a Sequential, functional or subclassed model.
        input_tensors: ``keras.Input(...)`` tensors to build the clone on (Sequential and
            functional models; the structure of ``model.input`` for a functional one).
        clone_function: ``fn(layer) -> new layer`` applied to each layer (default: rebuild
            the layer from its config, so weights are new, not copied), and, as in Keras, to
            each op node of a functional model (its ``keras.ops`` calls, the ops of its
            masks), which the default rebuilds under the same name.
        call_function: ``fn(layer, *args, **kwargs) -> outputs`` that makes each call while
            a functional model's graph is replayed (default: ``layer(*args, **kwargs)``).
        recursive: also clone the layers of nested Sequential and functional models with
            ``clone_function`` (otherwise such a model is one layer to ``clone_function``).
    """
    cache = kwargs.pop("cache", None)  # Keras's: clones already made, by id of the original
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {tuple(kwargs)}")
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError(
                "`call_function` argument is not supported with Sequential models.  In a "
                "Sequential model, layers aren't called at model-construction time (they're "
                "merely listed). Use `call_function` with Functional models only. Received "
                f"model of type '{type(model).__name__}', with call_function={call_function}")
        clone = _cached(clone_function, None, recursive, cache)
        return _compiled_like(model, _clone_sequential(model, clone, input_tensors))
    if isinstance(model, Functional):
        clone = _cached(clone_function, call_function, recursive, cache)
        return _compiled_like(model, _clone_functional(model, clone, input_tensors,
                                                       call_function))
    if clone_function is not None or input_tensors is not None:
        raise ValueError(
            "Arguments `clone_function` and `input_tensors` are only supported for Sequential "
            f"models or Functional models. Received model of type '{type(model).__name__}', "
            f"with clone_function={clone_function} and input_tensors={input_tensors}")
    if call_function is not None:
        raise ValueError("Argument `call_function` is only supported for Functional models. "
                         f"Received model of type '{type(model).__name__}', with "
                         f"call_function={call_function}")
    return _compiled_like(model, type(model).from_config(model.get_config()))


def _cached(clone_function, call_function, recursive, cache):
    """``clone_function`` (or the default) that clones each layer once, and nested models
    layer by layer when ``recursive``."""
    clone_function = clone_function or _clone_layer
    cache = {} if cache is None else cache

    def clone(layer):
        if id(layer) not in cache:
            if recursive and isinstance(layer, (Sequential, Functional)):
                cache[id(layer)] = clone_model(
                    layer, clone_function=clone_function, recursive=True, cache=cache,
                    call_function=call_function if isinstance(layer, Functional) else None)
            else:
                cache[id(layer)] = clone_function(layer)
        return cache[id(layer)]

    return clone


def _clone_sequential(model, clone, input_tensors):
    layers = [clone(layer) for layer in model.layers]
    first = model._input_layer()
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError("Argument `input_tensors` must contain a single tensor. "
                                 f"Received {len(input_tensors)}.")
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor) or input_tensors.input_layer is None:
            raise ValueError("Argument `input_tensors` must come from `keras.Input(...)`. "
                             f"Received invalid value: input_tensors={input_tensors!r}")
        layers.insert(0, input_tensors.input_layer)
    elif first is not None:
        layers.insert(0, InputLayer(batch_shape=first.batch_shape, dtype=first.dtype,
                                    name=first.name))
    return Sequential(layers, name=model.name, trainable=model.trainable)


def _clone_functional(model, clone, input_tensors, call_function):
    """Replay ``model``'s graph on new inputs, each layer replaced by ``clone(layer)``."""
    if input_tensors is None:
        input_tensors = map_structure(
            lambda t: Input(batch_shape=t.shape, dtype=t.dtype, name=t.name),  # as Keras
            model._inputs_struct)
    else:
        if not all(isinstance(x, KerasTensor) for x in flatten(input_tensors)):
            raise ValueError("All entries in `input_tensors` must be KerasTensors. Received "
                             f"invalid values: inputs_tensors={input_tensors}")
        try:
            assert_same_structure(input_tensors, model._inputs_struct)
        except (ValueError, TypeError) as error:
            raise ValueError("`input_tensors` must have the same structure as model.input\n"
                             f"Reference structure: {model._inputs_struct}\n"
                             f"Received structure: {input_tensors}") from error
    memo = {id(old): new for old, new in zip(model._inputs, flatten(input_tensors))}
    for node in model._run_order:
        layer = clone(node.layer)
        args = fill(node.args, memo)
        # as Keras replays a node: with every keyword it recorded (the filled-in ones too)
        kwargs = fill({**node.kwargs, **node.filled}, memo)
        out = call_function(layer, *args, **kwargs) if call_function is not None \
            else layer(*args, **kwargs)
        for tensor, value in zip(node.outputs, flatten(out)):
            memo[id(tensor)] = value
    outputs = fill(model._outputs_struct, memo)
    cls = type(model) if _takes_inputs_and_outputs(type(model)) else Functional
    return cls(input_tensors, outputs, name=model.name)


def _takes_inputs_and_outputs(cls):
    """Whether ``cls(inputs, outputs, name=...)`` builds it (Keras's test for rebuilding a
    functional subclass as itself; other subclasses come back as plain Functional)."""
    if cls is Functional:
        return True
    parameters = inspect.signature(cls.__init__).parameters
    return "inputs" in parameters and "outputs" in parameters


def _compiled_like(model, clone):
    """``clone`` compiled from ``model``'s compile config (a fresh optimizer), if it is."""
    if getattr(model, "compiled", False):
        clone.compile_from_config(model.get_compile_config())
    return clone
