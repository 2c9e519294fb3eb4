"""Muon (Jordan et al., 2024): orthogonalized momentum for 2-D weights, AdamW for the rest."""
import re

from ..arguments import check_number
from ..backend import xp
from .argument_checks import check_bool, check_float, check_int
from .adam import _check_betas, _moments
from .optimizer import OPTIMIZERS, Optimizer


@OPTIMIZERS.register("Muon")
class Muon(Optimizer):
    """MomentUm Orthogonalized by Newton-Schulz.

    Matrices (rank-2 variables that are not embeddings or excluded layers) take a Muon step;
    every other variable takes an AdamW step with ``lr * adam_lr_ratio``.

    Formula (Muon step, ``mu`` the momentum)::

        m <- mu * m + g
        G = g + mu * m  (nesterov)  or  m
        X = G / (||G||_F + 1e-7);  5 times:  A = X X^T;  X <- a X + (b A + c A A) X
        w <- w - lr * X * sqrt(max(rows, cols)) * rms_rate

    Weight decay (before the step): ``w <- w - w * wd * lr`` with ``wd = weight_decay`` for
    Muon variables and ``adam_weight_decay`` for the AdamW ones.

    Args:
        learning_rate: float (default 0.001), schedule or callable.
        adam_beta_1, adam_beta_2, epsilon: the AdamW step's constants.
        adam_weight_decay: weight decay of the AdamW variables.
        weight_decay: weight decay of the Muon variables.
        exclude_layers: regexes; variables whose path matches use AdamW.
        exclude_embeddings: variables with "embedding" in their path use AdamW.
        muon_a, muon_b, muon_c: the Newton-Schulz polynomial.
        adam_lr_ratio: AdamW learning rate as a fraction of ``learning_rate``.
        momentum: ``mu``, in [0, 1].
        ns_steps: Newton-Schulz iterations.
        nesterov: use Nesterov momentum.
        rms_rate: update scale (Liu et al., 2025); None disables the rescaling.
        **kwargs: the base options (see ``Optimizer``).
    """

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999,
                 adam_weight_decay=0.004, epsilon=1e-7, weight_decay=0.004, exclude_layers=None,
                 exclude_embeddings=True, muon_a=3.4445, muon_b=-4.775, muon_c=2.0315,
                 adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True, rms_rate=0.2,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, **kwargs)
        self.adam_beta_1, self.adam_beta_2, self.epsilon = _check_betas(
            "Muon", adam_beta_1, adam_beta_2, epsilon)
        self.adam_weight_decay = check_float("Muon", "adam_weight_decay", adam_weight_decay,
                                             low=0, allow_none=True)
        self.exclude_layers = list(exclude_layers or [])
        self.exclude_embeddings = check_bool("Muon", "exclude_embeddings", exclude_embeddings)
        self.muon_a = check_float("Muon", "muon_a", muon_a)
        self.muon_b = check_float("Muon", "muon_b", muon_b)
        self.muon_c = check_float("Muon", "muon_c", muon_c)
        # a number as given (Keras's config keeps the int 1 of the default)
        self.adam_lr_ratio = check_number("Muon", "adam_lr_ratio", adam_lr_ratio, low=0)
        self.momentum = check_float("Muon", "momentum", momentum, low=0, high=1)
        self.ns_steps = check_int("Muon", "ns_steps", ns_steps, low=0)
        self.nesterov = check_bool("Muon", "nesterov", nesterov)
        self.rms_rate = check_float("Muon", "rms_rate", rms_rate, low=0, allow_none=True)

    def _should_use_adamw(self, variable):
        if len(variable.shape) != 2:
            return True
        path = str(variable.path)
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(keyword, path) for keyword in self.exclude_layers)

    def build(self, var_list):
        """Per variable: ``momentum``, then ``velocity`` for the AdamW-handled ones."""
        if self.built:
            return
        super().build(var_list)
        self.momentums, self.adam_velocities = [], []
        for var in var_list:
            self.momentums.append(self.add_variable_from_reference(var, "momentum"))
            self.adam_velocities.append(self.add_variable_from_reference(var, "velocity")
                                        if self._should_use_adamw(var) else None)

    def _apply_weight_decay(self, lr, present):
        """Per variable: ``w <- w - w * wd * lr`` with Muon's or AdamW's decay rate."""
        variables = self._trainable_variables
        for i in range(len(variables)) if present is None else present:
            var = variables[i]
            uses_adam = self.adam_velocities[i] is not None
            wd = self.adam_weight_decay if uses_adam else self.weight_decay
            if wd is None or not self._use_weight_decay(var):
                continue
            tmp = self._scratch_views[i][0]
            xp.multiply(var.data, self._dtype.type(wd), out=tmp)
            tmp *= lr
            var.data -= tmp

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        dt = variable.data.dtype.type
        w, g = variable.data, xp.asarray(gradient, dtype=variable.dtype)
        m, v = self.momentums[i].data, self.adam_velocities[i]
        tmp = self._scratch_views[i][0]
        if v is not None:
            self._adamw_step(w, g, m, v.data, tmp, dt(learning_rate) * dt(self.adam_lr_ratio))
            return
        m += xp.add(g, xp.multiply(m, dt(self.momentum - 1), out=tmp), out=tmp)
        direction = g + dt(self.momentum) * m if self.nesterov else m.copy()
        update = dt(learning_rate) * self.zeropower_via_newtonschulz5(direction, self.ns_steps)
        if self.rms_rate is not None:
            update = update * xp.sqrt(dt(max(update.shape[0], update.shape[1]))) * dt(self.rms_rate)
        w -= update

    def _adamw_step(self, w, g, m, v, tmp, lr):
        dt = w.dtype.type
        one, t = dt(1), dt(self._public_iterations() + 1)
        alpha = lr * xp.sqrt(one - xp.power(dt(self.adam_beta_2), t)) / (
            one - xp.power(dt(self.adam_beta_1), t))
        _moments(g, m, v, dt(1 - self.adam_beta_1), dt(1 - self.adam_beta_2), tmp)
        xp.sqrt(v, out=tmp)
        tmp += dt(self.epsilon)
        w -= xp.multiply(m, alpha) / tmp

    def zeropower_via_newtonschulz5(self, x, steps):
        """Approximately orthogonalize ``x`` (push its singular values towards 1)."""
        dt = x.dtype.type
        a, b, c = dt(self.muon_a), dt(self.muon_b), dt(self.muon_c)
        tall = x.shape[-2] > x.shape[-1]
        if tall:
            x = xp.swapaxes(x, -1, -2)
        x = x / (xp.linalg.norm(x, axis=(-2, -1), keepdims=True) + dt(1e-7))
        for _ in range(steps):
            gram = x @ xp.swapaxes(x, -1, -2)
            x = a * x + (b * gram + c * gram @ gram) @ x
        return xp.swapaxes(x, -1, -2) if tall else x

    def get_config(self):
        config = super().get_config()
        config.update({
            "adam_beta_1": self.adam_beta_1, "adam_beta_2": self.adam_beta_2,
            "epsilon": self.epsilon, "exclude_layers": self.exclude_layers,
            "muon_a": self.muon_a, "muon_b": self.muon_b, "muon_c": self.muon_c,
            "adam_lr_ratio": self.adam_lr_ratio, "momentum": self.momentum,
            "ns_steps": self.ns_steps, "nesterov": self.nesterov,
            "exclude_embeddings": self.exclude_embeddings,
            "adam_weight_decay": self.adam_weight_decay, "rms_rate": self.rms_rate})
        return config
