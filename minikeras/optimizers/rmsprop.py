"""RMSprop: divide the step by a running root-mean-square of recent gradients."""
from ..backend import xp
from .argument_checks import check_bool, check_float
from .optimizer import OPTIMIZERS, Optimizer


@OPTIMIZERS.register("RMSprop", "rms_prop", "rm_sprop")
class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012), Keras's default optimizer for ``compile()``.

    Formula (``rho`` decay, ``eps`` epsilon, ``mu`` momentum)::

        v <- rho * v + (1 - rho) * g**2
        centered:  a <- rho * a + (1 - rho) * g;  denom = v - a**2 + eps
        otherwise: denom = v + eps                      (eps inside the square root)
        inc = lr * g / sqrt(denom)
        momentum > 0:  m <- mu * m + inc;  w <- w - m
        otherwise:     w <- w - inc

    Args:
        learning_rate: float (default 0.001), schedule or callable.
        rho: decay of the running average of squared gradients.
        momentum: float in [0, 1].
        epsilon: added to the mean square before the square root.
        centered: also subtract the squared running mean of the gradient.
        **kwargs: the base options (see ``Optimizer``).
    """

    elementwise = True

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = check_float("RMSprop", "rho", rho, low=0, high=1)
        self.momentum = check_float("RMSprop", "momentum", momentum, low=0, high=1)
        self.epsilon = check_float("RMSprop", "epsilon", 1e-7 if epsilon is None else epsilon,
                                   low=0)
        self.centered = check_bool("RMSprop", "centered", centered)

    def build(self, var_list):
        """Slots ``velocity``, then ``momentum`` (if momentum > 0), then ``average_gradient``
        (if centered), each kind for all variables before the next (Keras's order)."""
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(var_list, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(var_list, "average_gradient")

    def _step_constants(self, lr, t):
        dt = self._dtype.type
        return {"lr": dt(lr), "rho": dt(self.rho), "one_minus_rho": dt(1 - self.rho),
                "epsilon": dt(self.epsilon), "mu": dt(self.momentum)}

    def _elementwise_step(self, w, g, scratch, slots, lr, rho, one_minus_rho, epsilon, mu):
        t = scratch[0]
        v = slots[0]
        v *= rho
        v += xp.multiply(xp.multiply(g, g, out=t), one_minus_rho, out=t)
        if self.centered:
            a = slots[-1]
            a *= rho
            a += xp.multiply(g, one_minus_rho, out=t)
            xp.multiply(a, a, out=t)
            xp.subtract(v, t, out=t)
            t += epsilon  # denom = v - a**2 + eps
        else:
            xp.add(v, epsilon, out=t)  # denom = v + eps
        xp.sqrt(t, out=t)
        xp.multiply(g, lr, out=g)
        g /= t  # g is now the increment lr * g / sqrt(denom)
        if self.momentum > 0:
            m = slots[1]
            m *= mu
            m += g
            w -= m
        else:
            w -= g

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
