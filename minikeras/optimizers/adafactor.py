"""Adafactor (Shazeer & Stern, 2018): Adam-like steps with factored second moments."""
import numpy as np

from ..backend import xp
from ..variables import Variable
from .argument_checks import check_bool, check_float
from .optimizer import OPTIMIZERS, Optimizer


@OPTIMIZERS.register("Adafactor")
class Adafactor(Optimizer):
    """Adafactor: for a matrix, keep row and column means of ``g**2`` instead of a full ``v``.

    Formula (``t`` = iterations + 1, ``RMS(x) = sqrt(mean(x**2))``)::

        float lr and relative_step: lr <- min(lr, 1 / sqrt(t))
        rho = min(lr, 1 / sqrt(t));  alpha = max(epsilon_2, RMS(w)) * rho
        G = g**2 + epsilon_1;        b = 1 - t**beta_2_decay
        rank >= 2:  r <- b * r + (1 - b) * mean(G, last axis)
                    c <- b * c + (1 - b) * mean(G, second-last axis)
                    v = (r / mean(r)) outer c
        rank < 2:   v <- b * v + (1 - b) * G
        u = g / sqrt(v);  u_hat = u / max(1, RMS(u) / clip_threshold)
        w <- w - alpha * u_hat

    One deviation from Keras: where ``v`` underflows to 0 in float32 (a weight whose
    row and column of gradients are all zero, e.g. an always-zero input feature meeting
    a dead ReLU unit) Keras divides 0 by 0 and the weight becomes NaN; here ``u = 0``.

    Args:
        learning_rate: float (default 0.001), schedule or callable.
        beta_2_decay: exponent of the second-moment decay schedule.
        epsilon_1: added to ``g**2``.
        epsilon_2: lower bound of the weight RMS used to scale the step.
        clip_threshold: the update's RMS is clipped to this.
        relative_step: cap a float learning rate at ``1/sqrt(t)``.
        **kwargs: the base options (see ``Optimizer``).
    """

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_2_decay = check_float("Adafactor", "beta_2_decay", beta_2_decay)
        self.epsilon_1 = check_float("Adafactor", "epsilon_1", epsilon_1, low=0)
        self.epsilon_2 = check_float("Adafactor", "epsilon_2", epsilon_2, low=0)
        self.clip_threshold = check_float("Adafactor", "clip_threshold", clip_threshold, low=0,
                                          low_open=True)
        self.relative_step = check_bool("Adafactor", "relative_step", relative_step)

    def build(self, var_list):
        """Per variable, in order: ``r``, ``c`` (scalar placeholders below rank 2), ``velocity``."""
        if self.built:
            return
        super().build(var_list)
        self._r, self._c, self._v = [], [], []
        for var in var_list:
            shape = var.shape
            factored = len(shape) >= 2
            r_shape = shape[:-1] if factored else ()
            c_shape = shape[:-2] + shape[-1:] if factored else ()
            if factored:
                self._r.append(self.add_variable(r_shape, dtype=var.dtype, name=var.name))
                self._c.append(self.add_variable(c_shape, dtype=var.dtype, name=var.name))
            else:
                self._r.append(self._placeholder(var.name))
                self._c.append(self._placeholder(var.name))
            self._v.append(self.add_variable_from_reference(var, "velocity"))

    def _placeholder(self, name):
        """An unfactored variable's ``r`` or ``c``: an int32 zero made, as in Keras, outside
        add_variable (its path is the bare name, or under the optimizer's name when
        ``apply`` builds; see ``Optimizer._scope_unscoped_paths``)."""
        placeholder = Variable(np.zeros((), np.int32), trainable=False, name=name)
        self._variables.append(placeholder)
        return placeholder

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        dt = variable.data.dtype.type
        one, t = dt(1), dt(self._public_iterations() + 1)
        w, g = variable.data, xp.asarray(gradient, dtype=variable.dtype)
        lr = dt(learning_rate)
        if self._learning_rate is self._lr_var and self.relative_step:
            lr = min(lr, one / xp.sqrt(t))
        rho = min(lr, one / xp.sqrt(t))
        alpha = max(dt(self.epsilon_2), _rms(w)) * rho
        grad_sq = xp.square(g) + dt(self.epsilon_1)
        b = one - xp.power(t, dt(self.beta_2_decay))
        r, c, v = self._r[i].data, self._c[i].data, self._v[i].data
        if w.ndim >= 2:
            r[...] = b * r + (one - b) * grad_sq.mean(axis=-1)
            c[...] = b * c + (one - b) * grad_sq.mean(axis=-2)
            v[...] = (r / r.mean(axis=-1, keepdims=True))[..., None] * c[..., None, :]
        else:
            v[...] = b * v + (one - b) * grad_sq
        # Where the factored v underflows to 0 in float32 (a row and a column whose gradients
        # are all 0: g is 0 there too), Keras computes 0/0 = NaN; the update is 0 here.
        u = xp.divide(g, xp.sqrt(v), out=xp.zeros_like(g), where=v > 0)
        u /= max(one, _rms(u) / dt(self.clip_threshold))
        w -= alpha * u

    def get_config(self):
        config = super().get_config()
        config.update({"beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                       "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                       "relative_step": self.relative_step})
        return config


def _rms(x):
    return xp.sqrt(xp.mean(xp.square(x)))
