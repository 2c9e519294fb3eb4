"""Which variables a model saves, and where: Keras 3's object tree and the legacy layer list.

Keras 3 (``.weights.h5`` and inside ``.keras``) stores each object that can own
variables in a group ``<path>/vars``. The model is the root (``/vars``); the layers of
a Sequential are the list ``layers``, each named by its snake-cased class name made
unique in list order (``dense``, ``dense_1``, ...), never by ``layer.name``; other
attributes holding layers (in subclassed models and layers) are visited in sorted
attribute order, private ones last; the optimizer is ``optimizer`` (the optimizers it wraps
below it: ``optimizer/inner_optimizer``, ``optimizer/optimizers/adam``). An object met a
second time is not stored again. Within a group the variables are ``"0"``, ``"1"``, ...:
the object's own trainable variables, then its own non-trainable ones.

The legacy ``.h5`` layout stores one group per layer of ``model.layers`` instead, with
the weights named by their Keras variable paths (``seq/dense/kernel``).
"""
import numpy as np

from ..layers.layer import Layer, is_saved_child
from ..layers.symbolic import user_defines
from ..naming import to_snake_case


class Entry:
    """One object's variables in the Keras 3 layout."""

    __slots__ = ("path", "name", "variables", "owner")

    def __init__(self, path, name, variables, owner):
        self.path, self.name, self.variables, self.owner = path, name, variables, owner

    @property
    def group(self):
        """The HDF5 group holding the variables: ``vars`` or ``<path>/vars``."""
        return f"{self.path}/vars" if self.path else "vars"

    @property
    def custom_loader(self):
        """The owner's own ``load_own_variables`` when its class overrides Keras's default
        (the file's arrays are then handed to it by key), else None."""
        return _own_hook(self.owner, "load_own_variables")

    def saved_arrays(self):
        """[(key, array)] this entry writes: ``"0"``, ``"1"``, ... for its variables, or what
        an overriding class's ``save_own_variables(store)`` puts in the store."""
        hook = _own_hook(self.owner, "save_own_variables")
        if hook is None:
            return [(str(i), v.numpy()) for i, v in enumerate(self.variables)]
        store = {}
        hook(store)
        return [(str(key), np.asarray(value)) for key, value in store.items()]

    @property
    def is_optimizer(self):
        from ..optimizers.optimizer import Optimizer
        return isinstance(self.owner, Optimizer)

    def __repr__(self):
        return f"<Entry /{self.group} name={self.name!r} {len(self.variables)} variables>"


def _own_hook(owner, method):
    """``owner.<method>`` when its class overrides Keras's default: a user's class, or a
    minikeras layer that stores arrays under keys of its own (a tf_idf lookup's
    ``idf_weights``, as Keras names it); else None."""
    cls = type(owner)
    overrides = user_defines(cls, method) or (
        isinstance(owner, Layer) and getattr(cls, method) is not getattr(Layer, method))
    return getattr(owner, method) if overrides else None


def object_entries(model, include_optimizer=True):
    """Every object of ``model`` that owns (or could own) variables, in Keras's save order."""
    entries = []
    _walk(model, "", entries, set(), include_optimizer)
    return entries


def own_variables(layer):
    """A layer's own variables (not its sublayers'): trainable ones first, as Keras saves them."""
    in_order = getattr(layer, "_saved_own_variables", None)
    return in_order() if in_order is not None else []


def _walk(obj, path, entries, visited, include_optimizer):
    from ..optimizers.optimizer import Optimizer
    if id(obj) in visited:
        return
    visited.add(id(obj))
    if isinstance(obj, Optimizer):
        entries.append(Entry(path, obj.name, list(obj.variables), obj))
        children = _optimizer_children(obj)
    else:
        entries.append(Entry(path, obj.name, own_variables(obj), obj))
        children = _children(obj, include_optimizer)
    for attr, child in children:
        child_path = f"{path}/{attr}" if path else attr
        if isinstance(child, (list, tuple)):
            used = {}
            for item in child:
                # a functional model's InputLayers too: Keras writes them empty groups
                if not (is_saved_child(item) or isinstance(item, (Layer, Optimizer))):
                    continue
                # Keras names the entry after its Python class, which a class exported under
                # another name declares as _keras_class_name (GroupQueryAttention's)
                key = to_snake_case(type(item).__dict__.get("_keras_class_name",
                                                            type(item).__name__))
                if key in used:
                    used[key] += 1
                    key = f"{key}_{used[key]}"
                else:
                    used[key] = 0
                _walk(item, f"{child_path}/{key}", entries, visited, include_optimizer)
        else:
            _walk(child, child_path, entries, visited, include_optimizer)


def _children(obj, include_optimizer):
    """(attribute name, layer / optimizer / list of them), in the order Keras visits them."""
    return [(attr, child) for attr, child in obj._saveable_children()
            if include_optimizer or attr != "optimizer"]


def _optimizer_children(optimizer):
    """The optimizers an optimizer wraps, as Keras walks them: a LossScaleOptimizer's
    ``inner_optimizer``, a MultiOptimizer's list ``optimizers``. Keras writes their variables
    again in their own groups (``optimizer/inner_optimizer/vars``) after the outer group,
    which already holds them all."""
    return [(attr, getattr(optimizer, attr)) for attr in ("inner_optimizer", "optimizers")
            if hasattr(optimizer, attr)]


def model_layers(model):
    """``model.layers`` (a Sequential's, without the InputLayer) or a subclassed model's layers."""
    layers = getattr(type(model), "layers", None)
    if isinstance(layers, property):
        return list(model.layers)
    return list(model._sublayers())


# ---- legacy (.h5) names -------------------------------------------------------------------
def layer_weights(layer):
    """A layer's weights in the legacy files' order: trainable then non-trainable."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def optimizer_weight_names(optimizer):
    """Names of the optimizer's variables as Keras writes them (``adam/seq_dense_kernel_momentum``):
    their paths, since a slot is named after the path of the variable it belongs to."""
    return [v.path for v in optimizer.variables]