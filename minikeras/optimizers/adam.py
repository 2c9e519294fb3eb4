"""The Adam family: Adam, AdamW, Adamax and Nadam."""
from ..backend import xp
from ..arguments import warn_user
from ..variables import Variable
from .argument_checks import check_bool, check_float
from .optimizer import OPTIMIZERS, Optimizer


def _check_betas(owner, beta_1, beta_2, epsilon):
    return (check_float(owner, "beta_1", beta_1, low=0, high=1, high_open=True),
            check_float(owner, "beta_2", beta_2, low=0, high=1, high_open=True),
            check_float(owner, "epsilon", 1e-7 if epsilon is None else epsilon, low=0))


def _moments(g, m, v, c1, c2, t):
    """m <- m + (g - m) * c1;  v <- v + (g**2 - v) * c2  (Keras's form of the two EMAs)."""
    m += xp.multiply(xp.subtract(g, m, out=t), c1, out=t)
    xp.multiply(g, g, out=t)
    t -= v
    v += xp.multiply(t, c2, out=t)


class _AdamFamily(Optimizer):
    """What the Adam family shares: ``beta_1``, ``beta_2`` and ``epsilon``, checked under
    the ``owner`` name errors give and kept in the config, and the moment slots."""

    def __init__(self, owner, learning_rate, beta_1, beta_2, epsilon, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = _check_betas(owner, beta_1, beta_2, epsilon)

    def _add_moments(self, var_list):
        """Slots ``momentum`` and ``velocity``, interleaved per variable."""
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config


@OPTIMIZERS.register("Adam")
class Adam(_AdamFamily):
    """Adam (Kingma & Ba, 2014): momentum plus a per-element step size.

    Formula (``t`` = iterations + 1)::

        m <- m + (g - m) * (1 - beta_1)            # running mean of g
        v <- v + (g**2 - v) * (1 - beta_2)         # running mean of g**2
        amsgrad: v_hat <- max(v_hat, v), used instead of v
        alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)     # bias correction
        w <- w - alpha * m / (sqrt(v) + epsilon)

    Epsilon is added to the *uncorrected* ``sqrt(v)`` ("epsilon hat" in the paper).

    Args:
        learning_rate: float (default 0.001), schedule or callable.
        beta_1: decay of the mean of gradients, in [0, 1).
        beta_2: decay of the mean of squared gradients, in [0, 1).
        epsilon: small constant in the denominator.
        amsgrad: use the running maximum of ``v`` (Reddi et al., 2018).
        **kwargs: the base options (see ``Optimizer``).
    """

    elementwise = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        owner = type(self).__name__
        super().__init__(owner, learning_rate, beta_1, beta_2, epsilon, **kwargs)
        self.amsgrad = check_bool(owner, "amsgrad", amsgrad)

    def build(self, var_list):
        """Slots ``momentum`` and ``velocity`` (interleaved per variable), then ``velocity_hat``."""
        if self.built:
            return
        super().build(var_list)
        self._add_moments(var_list)
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def _step_constants(self, lr, t):
        dt = self._dtype.type
        beta_1_power = self._pow(dt(self.beta_1), t)
        beta_2_power = self._pow(dt(self.beta_2), t)
        return {"alpha": lr * self._sqrt(1 - beta_2_power) / (1 - beta_1_power),
                "one_minus_beta_1": dt(1 - self.beta_1), "one_minus_beta_2": dt(1 - self.beta_2),
                "epsilon": dt(self.epsilon)}

    def _elementwise_step(self, w, g, scratch, slots, alpha, one_minus_beta_1, one_minus_beta_2,
                          epsilon):
        t = scratch[0]
        m, v = slots[0], slots[1]
        _moments(g, m, v, one_minus_beta_1, one_minus_beta_2, t)
        if self.amsgrad:
            v = xp.maximum(slots[2], v, out=slots[2])  # v_hat
        xp.sqrt(v, out=t)
        t += epsilon
        xp.multiply(m, alpha, out=g)
        g /= t  # alpha * m / (sqrt(v) + epsilon)
        w -= g

    def get_config(self):
        config = super().get_config()
        config["amsgrad"] = self.amsgrad
        return config


@OPTIMIZERS.register("AdamW", "adam_w")
class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    Formula: ``w <- w * (1 - weight_decay * lr)`` before each Adam step (the decay is
    not added to the gradient, so it is not rescaled by Adam's denominator).

    Args:
        learning_rate: float (default 0.001), schedule or callable.
        weight_decay: the decay rate (default 0.004; required).
        beta_1, beta_2, epsilon, amsgrad: as in ``Adam``.
        **kwargs: the other base options (see ``Optimizer``).
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, **kwargs):
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)


@OPTIMIZERS.register("Adamax")
class Adamax(_AdamFamily):
    """Adamax: Adam with the infinity norm in place of the root mean square.

    Formula (``t`` = iterations + 1)::

        m <- m + (g - m) * (1 - beta_1)
        u <- max(beta_2 * u, |g|)
        w <- w - lr * m / ((1 - beta_1**t) * (u + epsilon))

    Args:
        learning_rate: float (default 0.001), schedule or callable.
        beta_1: decay of the mean of gradients.
        beta_2: decay of the running maximum.
        epsilon: small constant in the denominator.
        **kwargs: the base options (see ``Optimizer``).
    """

    elementwise = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__("Adamax", learning_rate, beta_1, beta_2, epsilon, **kwargs)

    def build(self, var_list):
        """Slots ``momentum`` and ``norm``, interleaved per variable."""
        if self.built:
            return
        super().build(var_list)
        self._m, self._u = self.add_optimizer_variables(var_list, ["momentum", "norm"])

    def _step_constants(self, lr, t):
        dt = self._dtype.type
        return {"lr": lr, "one_minus_beta_1": dt(1 - self.beta_1), "beta_2": dt(self.beta_2),
                "epsilon": dt(self.epsilon),
                "bias_correction": 1 - self._pow(dt(self.beta_1), t)}

    def _elementwise_step(self, w, g, scratch, slots, lr, one_minus_beta_1, beta_2, epsilon,
                          bias_correction):
        t = scratch[0]
        m, u = slots
        m += xp.multiply(xp.subtract(g, m, out=t), one_minus_beta_1, out=t)
        u *= beta_2
        xp.maximum(u, xp.abs(g, out=g), out=u)
        xp.add(u, epsilon, out=t)
        t *= bias_correction
        xp.multiply(m, lr, out=g)
        g /= t  # lr * m / ((1 - beta_1**t) * (u + epsilon))
        w -= g


@OPTIMIZERS.register("Nadam")
class Nadam(_AdamFamily):
    """Nadam (Dozat, 2015): Adam with Nesterov momentum and a momentum schedule.

    Formula (``t`` = iterations + 1)::

        mu_t = beta_1 * (1 - 0.5 * 0.96**t)            # scheduled momentum
        P <- P * mu_t                                   # product of all mu so far (slot u_product)
        m, v updated as in Adam
        m_hat = mu_{t+1} * m / (1 - P * mu_{t+1}) + (1 - mu_t) * g / (1 - P)
                (the two denominators: m_denominator, g_denominator)
        v_hat = v / (1 - beta_2**t)
        w <- w - lr * m_hat / (sqrt(v_hat) + epsilon)

    Args:
        learning_rate: float (default 0.001), schedule or callable.
        beta_1, beta_2, epsilon: as in ``Adam``.
        **kwargs: the base options (see ``Optimizer``).
    """

    elementwise = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        if kwargs.pop("schedule_decay", None) is not None:
            warn_user("Nadam: the Keras 2 argument `schedule_decay` is ignored; Keras 3 uses the "
                      "fixed momentum schedule beta_1 * (1 - 0.5 * 0.96**t).")
        super().__init__("Nadam", learning_rate, beta_1, beta_2, epsilon, **kwargs)

    def build(self, var_list):
        """Slots ``momentum`` and ``velocity`` (interleaved), then the scalar ``u_product``."""
        if self.built:
            return
        super().build(var_list)
        self._add_moments(var_list)
        # as Keras's: a variable made outside the optimizer's name scope, so it takes the
        # next unnamed variable's name and path ("variable_1"), also in legacy .h5 files
        self._u_product = Variable(xp.ones((), self._dtype), trainable=False)
        self._variables.append(self._u_product)

    def _step_constants(self, lr, t):
        dt = self._dtype.type
        beta_1, beta_2, decay, half = dt(self.beta_1), dt(self.beta_2), dt(0.96), dt(0.5)
        decay_t = self._pow(decay, t)
        mu_t = beta_1 * (1 - half * decay_t)
        mu_next = beta_1 * (1 - half * self._pow(decay, t + 1))
        product = self._u_product.data  # updated once per step, before the variables
        product[()] = product[()] * beta_1 * (1 - half * decay_t)
        mu_product = product[()]
        # 1 - beta in float64, then rounded, as Keras 3.15's torch Nadam (Python floats)
        return {"lr": lr, "one_minus_beta_1": dt(1 - self.beta_1),
                "one_minus_beta_2": dt(1 - self.beta_2), "mu_next": mu_next,
                "m_denominator": 1 - mu_product * mu_next, "one_minus_mu_t": 1 - mu_t,
                "g_denominator": 1 - mu_product,
                "v_denominator": 1 - self._pow(beta_2, t), "epsilon": dt(self.epsilon)}

    def _elementwise_step(self, w, g, scratch, slots, lr, one_minus_beta_1, one_minus_beta_2,
                          mu_next, m_denominator, one_minus_mu_t, g_denominator, v_denominator,
                          epsilon):
        t = scratch[0]
        m, v = slots
        _moments(g, m, v, one_minus_beta_1, one_minus_beta_2, t)
        xp.multiply(m, mu_next, out=t)
        t /= m_denominator
        g *= one_minus_mu_t
        g /= g_denominator
        t += g  # t is m_hat
        xp.divide(v, v_denominator, out=g)  # v_hat
        xp.sqrt(g, out=g)
        g += epsilon
        t *= lr
        t /= g
        w -= t
