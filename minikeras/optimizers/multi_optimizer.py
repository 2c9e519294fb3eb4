"""keras.optimizers.MultiOptimizer and OptimizerMap: a different optimizer for different
variables (e.g. Adam for an encoder, SGD for the rest), chosen by variable path."""
import re
from collections.abc import MutableMapping

from .identifiers import deserialize
from .loss_scale_optimizer import LossScaleOptimizer
from .optimizer import OPTIMIZERS, Optimizer

_MODULE = "keras.optimizers"


def _check_inner(optimizer, where):
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"{where} must be a keras Optimizer instance. Received: {optimizer!r}")
    for kind in (LossScaleOptimizer, MultiOptimizer):
        if isinstance(optimizer, kind):
            raise ValueError(f"{where} cannot be a {kind.__name__}. Received: {optimizer!r}")


class OptimizerMap(MutableMapping):
    """Variable paths (exact, or regular expressions matched in full) to optimizers.

    ``optimizer_map[path]`` is the optimizer stored under ``path`` itself if there is one,
    else the one whose pattern ``re.fullmatch``-es ``path`` (two matches are an error),
    else ``default_optimizer``. Calling the map on a variable looks up ``variable.path``.

    Args:
        default_optimizer: the optimizer of every variable no key matches.
        optimizer_map: an initial dict ``{path or pattern: optimizer}``.
    """

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError("default_optimizer must be a Keras Optimizer instance. "
                            f"Received: {default_optimizer!r}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"optimizer_map must be a dictionary. Received: {optimizer_map!r}")
        self._default = default_optimizer
        self._map = dict(optimizer_map or {})

    @property
    def default_optimizer(self):
        return self._default

    def __getitem__(self, path):
        if path in self._map:
            return self._map[path]
        matches = [pattern for pattern in self._map if re.fullmatch(pattern, path)]
        if len(matches) > 1:
            raise ValueError(f"Multiple optimizers assigned to variable {path}: the patterns "
                             f"{matches} all match it.")
        return self._map[matches[0]] if matches else self._default

    def __setitem__(self, path, optimizer):
        if not isinstance(path, str):
            raise ValueError(f"key must be a string. Received: {path!r}")
        if path in self._map:
            raise ValueError(f"'{path}' already exists in the OptimizerMap with value "
                             f"{self._map[path]!r}. Please make sure to not use duplicated keys.")
        _check_inner(optimizer, "optimizer")
        self._map[path] = optimizer

    def __delitem__(self, path):
        del self._map[path]

    def __len__(self):
        return len(self._map)

    def __iter__(self):
        return iter(self._map)

    def __call__(self, variable):
        return self[variable.path]

    def get_config(self):
        return {"default_optimizer": OPTIMIZERS.serialize(self._default, _MODULE),
                "optimizer_map": {path: OPTIMIZERS.serialize(optimizer, _MODULE)
                                  for path, optimizer in self._map.items()}}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(deserialize(config["default_optimizer"], custom_objects),
                   {path: deserialize(optimizer, custom_objects)
                    for path, optimizer in (config.get("optimizer_map") or {}).items()})


@OPTIMIZERS.register("MultiOptimizer", "multi_optimizer")
class MultiOptimizer(Optimizer):
    """Hands each variable's gradient to the optimizer ``optimizer_map`` chooses for it.

    Each inner optimizer is built on its own variables and keeps its own ``iterations``,
    learning rate and slots; one ``apply`` steps every one of them once. The inner
    optimizers are ``optimizers`` (the map's values, then its default, then any other the
    map returns); ``variables`` are this optimizer's own (iteration, learning_rate)
    followed by theirs. There is no single learning rate: read or set it on an inner one.

    Args:
        optimizer_map: an ``OptimizerMap``, or a callable ``variable -> Optimizer``.
        loss_scale_factor: given to every inner optimizer too (overrides theirs).
        name: the name (``multi_optimizer``, made unique).
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        if not callable(optimizer_map):
            raise TypeError("optimizer_map must be an OptimizerMap or a callable returning the "
                            f"optimizer of a variable. Received: {optimizer_map!r}")
        self._inner = []
        self._buffers_asked_for = self._buffers_given = None
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        if isinstance(optimizer_map, OptimizerMap):
            for optimizer in [*optimizer_map.values(), optimizer_map.default_optimizer]:
                self._add_inner(optimizer)

    def _add_inner(self, optimizer):
        if optimizer not in self._inner:
            optimizer.loss_scale_factor = self.loss_scale_factor
            self._inner.append(optimizer)

    @property
    def optimizers(self):
        """The inner optimizers."""
        return list(self._inner)

    @property
    def loss_scale_factor(self):
        return self._loss_scale_factor

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self._loss_scale_factor = value
        for optimizer in self._inner:
            optimizer.loss_scale_factor = value

    @property
    def learning_rate(self):
        raise AttributeError("Learning rate cannot be accessed on a MultiOptimizer. Access the "
                             "learning rate on the individual sub-optimizers instead.")

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError("Learning rate cannot be set on a MultiOptimizer. Set the learning "
                             "rate on the individual sub-optimizers instead.")

    @property
    def variables(self):
        return list(self._variables) + [v for optimizer in self._inner
                                        for v in optimizer.variables]

    def build(self, var_list):
        """Ask the map for each variable's optimizer, then build each on its variables."""
        if self.built:
            return
        var_list = list(var_list)
        chosen = []
        for variable in var_list:
            optimizer = self._optimizer_map(variable)
            _check_inner(optimizer, f"The optimizer for variable {variable.path!r}")
            self._add_inner(optimizer)
            chosen.append(optimizer)
        self._groups = [(optimizer, [v for v, o in zip(var_list, chosen) if o is optimizer])
                        for optimizer in self._inner]
        self._owner = {id(v): optimizer for v, optimizer in zip(var_list, chosen)}
        for optimizer, variables in self._groups:
            if variables:
                optimizer.build(variables)
        self._trainable_variables = var_list
        self.built = True

    def _optimizer_of(self, variable):
        optimizer = self._owner.get(id(variable))
        if optimizer is None:
            raise ValueError(
                f"Unknown variable: {getattr(variable, 'path', variable)!r}. This optimizer can "
                "only be called for the variables it was originally built with.")
        return optimizer

    def gradient_buffers(self, variables):
        """Each variable's gradient view in its optimizer's flat gradient buffer."""
        if not self.built:
            self.build(variables)
        if variables is not self._buffers_asked_for:
            views = {}
            for optimizer, group in self._groups:
                if group:
                    views.update(zip(map(id, group), optimizer.gradient_buffers(group)))
            for v in variables:
                self._optimizer_of(v)
            self._buffers_asked_for = variables
            self._buffers_given = [views[id(v)] for v in variables]
        return self._buffers_given

    def apply(self, grads, trainable_variables=None):
        """Split ``grads`` by optimizer and apply each share; then ``iterations += 1``."""
        if len(grads) == 0:
            return
        variables = self._variables_for(trainable_variables)
        in_place = grads is self._buffers_given and variables is self._buffers_asked_for
        grads = list(grads)
        if len(grads) != len(variables):
            raise ValueError("Gradients must match trainable variables one-to-one. Received "
                             f"{len(grads)} gradients and {len(variables)} variables.")
        shares = {id(optimizer): ([], []) for optimizer in self._inner}
        for g, v in zip(grads, variables):
            share = shares[id(self._optimizer_of(v))]
            share[0].append(g)
            share[1].append(v)
        for optimizer, group in self._groups:
            share_grads, share_variables = shares[id(optimizer)]
            if share_grads:
                if in_place:
                    share_grads = optimizer.gradient_buffers(group)  # the backward wrote them
                optimizer.gradient_reducer = self.gradient_reducer
                optimizer.apply(share_grads, share_variables)
        it = self._iterations.data
        it[()] = it[()] + 1

    def finalize_variable_values(self, var_list):
        for optimizer, group in self._groups if self.built else ():
            if group:
                optimizer.finalize_variable_values(
                    [v for v in var_list if self._optimizer_of(v) is optimizer])

    def get_config(self):
        if not isinstance(self._optimizer_map, OptimizerMap):
            raise NotImplementedError(
                "A MultiOptimizer built from a callable cannot be serialized; build it from an "
                "OptimizerMap to save it.")
        return {"optimizer_map": {"module": _MODULE, "class_name": "OptimizerMap",
                                  "config": self._optimizer_map.get_config(),
                                  "registered_name": None},
                "loss_scale_factor": self.loss_scale_factor, "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        optimizer_map = config["optimizer_map"]
        if not isinstance(optimizer_map, dict) or optimizer_map.get("class_name") != "OptimizerMap":
            raise ValueError("A MultiOptimizer config needs 'optimizer_map': a serialized "
                             f"OptimizerMap. Received: {optimizer_map!r}")
        config["optimizer_map"] = OptimizerMap.from_config(optimizer_map["config"],
                                                           custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<MultiOptimizer name={self.name!r} optimizers={self._inner!r}>"
