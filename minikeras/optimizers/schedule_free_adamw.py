"""Schedule-Free AdamW (Defazio et al., 2024): no learning-rate schedule needed."""
from ..backend import xp
from .argument_checks import check_float, check_int
from .adam import _AdamFamily
from .optimizer import OPTIMIZERS


@OPTIMIZERS.register("ScheduleFreeAdamW", "schedule_free_adamw", "schedule_free_adam_w")
class ScheduleFreeAdamW(_AdamFamily):
    """AdamW steps on a sequence ``z``; the weights interpolate ``z`` and its running average ``x``.

    Formula (``t`` = iterations + 1; the model's weights hold ``y`` while training)::

        lr_t = lr * min(t / warmup_steps, 1)            (when warmup_steps > 0)
        v <- v + (g**2 - v) * (1 - beta_2)
        z <- z - lr_t * g / (sqrt(v / (1 - beta_2**t)) + epsilon)
        x_old = (y - (1 - beta_1) * z_old) / beta_1
        x = (1 - 1/t) * x_old + (1/t) * z               # uniform average of the z's
        y <- (1 - beta_1) * z + beta_1 * x

    Call ``swap_to_eval()`` (alias ``eval()``) before evaluating, to put ``x`` in the
    weights, and ``swap_to_train()`` (``train()``) before training again.

    Args:
        learning_rate: float (default 0.0025), schedule or callable.
        beta_1: interpolation between ``z`` and ``x``.
        beta_2: decay of the mean of squared gradients.
        epsilon: small constant in the denominator (default 1e-8).
        warmup_steps: linear warmup length.
        **kwargs: the base options (see ``Optimizer``).
    """

    elementwise = True
    _n_scratch = 2

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 warmup_steps=0, **kwargs):
        super().__init__("ScheduleFreeAdamW", learning_rate, beta_1, beta_2, epsilon, **kwargs)
        check_float("ScheduleFreeAdamW", "beta_1", beta_1, low=0, low_open=True)
        self.warmup_steps = check_int("ScheduleFreeAdamW", "warmup_steps", warmup_steps, low=0)
        self._is_training_mode = True

    def build(self, var_list):
        """Slots ``momentum`` (``z``, starting as a copy of the weights) and ``velocity``."""
        if self.built:
            return
        super().build(var_list)
        self._add_moments(var_list)
        for z, var in zip(self._momentums, var_list):
            z.assign(var.data)

    def _step_constants(self, lr, t):
        dt = self._dtype.type
        beta_1, beta_2, step = dt(self.beta_1), dt(self.beta_2), dt(t)
        if self.warmup_steps > 0:
            lr = lr * min(step / dt(self.warmup_steps), dt(1))
        weight = 1 / step
        return {"lr": lr, "beta_1": beta_1, "one_minus_beta_1": 1 - beta_1,
                "one_minus_beta_2": 1 - beta_2, "bias_correction": 1 - self._pow(beta_2, t),
                "epsilon": dt(self.epsilon), "weight": weight, "one_minus_weight": 1 - weight}

    def _elementwise_step(self, w, g, scratch, slots, lr, beta_1, one_minus_beta_1,
                          one_minus_beta_2, bias_correction, epsilon, weight, one_minus_weight):
        t, u = scratch
        z, v = slots
        xp.multiply(z, one_minus_beta_1, out=t)  # (1 - beta_1) * z_old
        xp.multiply(g, g, out=u)
        u -= v
        v += xp.multiply(u, one_minus_beta_2, out=u)
        xp.divide(v, bias_correction, out=u)
        xp.sqrt(u, out=u)
        u += epsilon
        xp.multiply(g, lr, out=g)
        g /= u
        z -= g
        xp.subtract(w, t, out=t)
        t /= beta_1  # x_old
        t *= one_minus_weight
        t += xp.multiply(z, weight, out=u)  # x_new
        xp.multiply(z, one_minus_beta_1, out=u)
        t *= beta_1
        xp.add(u, t, out=w)

    def swap_to_train(self):
        """Put ``y = (1 - beta_1) * z + beta_1 * x`` into the weights (they hold ``x``)."""
        if self._is_training_mode or not self.built:
            return
        dt = self._dtype.type
        for z, var in zip(self._momentums, self._trainable_variables):
            var.data[...] = (dt(1) - dt(self.beta_1)) * z.data + dt(self.beta_1) * var.data
        self._is_training_mode = True

    def swap_to_eval(self):
        """Put ``x = (y - (1 - beta_1) * z) / beta_1`` into the weights (they hold ``y``)."""
        if not self._is_training_mode or not self.built:
            return
        dt = self._dtype.type
        for z, var in zip(self._momentums, self._trainable_variables):
            var.data[...] = (var.data - (dt(1) - dt(self.beta_1)) * z.data) / dt(self.beta_1)
        self._is_training_mode = False

    def train(self):
        self.swap_to_train()

    def eval(self):
        self.swap_to_eval()

    @property
    def is_training_mode(self):
        return self._is_training_mode

    def get_config(self):
        config = super().get_config()
        config["warmup_steps"] = self.warmup_steps
        return config
