"""LossScaleOptimizer: dynamic loss scaling around another optimizer (for float16 training)."""
from ..backend import xp
from .argument_checks import check_float, check_int
from .identifiers import deserialize
from .optimizer import OPTIMIZERS, Optimizer

_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                  "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                  "ema_overwrite_frequency": None, "loss_scale_factor": None,
                  "gradient_accumulation_steps": None, "learning_rate": None}


@OPTIMIZERS.register("LossScaleOptimizer", "loss_scale_optimizer")
class LossScaleOptimizer(Optimizer):
    """Multiply the loss by a scale that adapts to keep gradients finite.

    Formula: the trainer backpropagates ``loss * scale``; the gradients are divided by
    ``scale`` and handed to ``inner_optimizer``. A step with non-finite gradients is
    skipped and halves the scale; ``dynamic_growth_steps`` finite steps in a row double it.

    Args:
        inner_optimizer: the ``Optimizer`` that makes the updates.
        initial_scale: the starting scale (2**15).
        dynamic_growth_steps: finite steps between doublings of the scale.
        name: the name.
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, "
                             "simply set `loss_scale_factor` directly on the `inner_optimizer`.")
        for key, default in _BASE_DEFAULTS.items():
            if key in kwargs and kwargs.pop(key) != default and key != "learning_rate":
                raise ValueError(f"LossScaleOptimizer does not support `{key}`. Instead, set "
                                 f"`{key}` on the `inner_optimizer`.")
        if kwargs:
            raise ValueError("LossScaleOptimizer does not support arguments: "
                             f"`{'`, `'.join(kwargs)}`.")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError("LossScaleOptimizer expects an optimizer instance as "
                            f"`inner_optimizer`, e.g. keras.optimizers.Adam(). "
                            f"Received: {inner_optimizer!r}")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = check_float("LossScaleOptimizer", "initial_scale", initial_scale,
                                         low=0, low_open=True)
        self.dynamic_growth_steps = check_int("LossScaleOptimizer", "dynamic_growth_steps",
                                              dynamic_growth_steps, low=1)
        self.inner_optimizer.loss_scale_factor = None  # or gradients would be unscaled twice

    def build(self, var_list):
        if self.built:
            return
        # int32 like `iterations`, as Keras 3.15 makes it on every backend but TensorFlow
        self.step_counter = self.add_variable((), "zeros", "int32", name="step_counter")
        self.dynamic_scale = self.add_variable((), self.initial_scale, "float32",
                                               name="dynamic_scale")
        self.inner_optimizer.build(var_list)
        self._trainable_variables = list(var_list)
        self.built = True

    def _scope_built_paths(self, variables):
        """Keras builds inside ``apply`` under this optimizer's name scope: the inner
        optimizer's slots made then have ``<name>/`` before their path."""
        for variable in variables:
            variable.path = f"{self.name}/{variable.path}"

    @property
    def variables(self):
        return self._variables + self.inner_optimizer.variables

    def gradient_buffers(self, variables):
        return self.inner_optimizer.gradient_buffers(variables)

    def _apply(self, grads, trainable_variables):  # under Optimizer.apply's silenced numpy
        grads = list(grads)
        if not self.built:
            if trainable_variables is None:
                raise ValueError("Call `optimizer.build(trainable_variables)` first, or pass "
                                 "`trainable_variables` to `apply`.")
            known = len(self.inner_optimizer.variables)
            self.build(list(trainable_variables))
            self._scope_built_paths(self.inner_optimizer.variables[known:])
        arrays = [None if g is None else xp.asarray(g) for g in grads]
        if all(bool(xp.isfinite(g).all()) for g in arrays if g is not None):
            scale = self.dynamic_scale.data[()]
            self.inner_optimizer.apply([None if g is None else g / scale for g in arrays],
                                       trainable_variables)
            if int(self.step_counter.data) == self.dynamic_growth_steps - 1:
                self.step_counter.data[...] = 0
                self.dynamic_scale.data *= 2
            else:
                self.step_counter.data += 1
        else:
            self.step_counter.data[...] = 0
            self.dynamic_scale.data *= 0.5

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    def scale_loss(self, loss):
        scale = self.dynamic_scale.data[()] if self.built else self.initial_scale
        return loss * scale

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self):
        return {"name": self.name,
                "inner_optimizer": OPTIMIZERS.serialize(self.inner_optimizer, "keras.optimizers"),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        inner = deserialize(config.pop("inner_optimizer"), custom_objects=custom_objects)
        return cls(inner, **config)
