"""SGD: gradient descent, optionally with (Nesterov) momentum."""
from ..backend import xp
from .argument_checks import check_bool, is_real_number
from .optimizer import OPTIMIZERS, Optimizer


@OPTIMIZERS.register("SGD")
class SGD(Optimizer):
    """Gradient descent with optional momentum.

    Formula (``g`` the gradient, ``lr`` the learning rate, ``mu`` the momentum)::

        momentum == 0:  w <- w - lr * g
        momentum > 0:   m <- mu * m - lr * g;  w <- w + m
        nesterov:       m <- mu * m - lr * g;  w <- w + mu * m - lr * g

    Args:
        learning_rate: float (default 0.01), schedule or callable.
        momentum: float in [0, 1]; 0 is plain gradient descent.
        nesterov: use Nesterov momentum.
        **kwargs: the base options (``weight_decay``, ``clipnorm``, ... see ``Optimizer``).
    """

    elementwise = True

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not is_real_number(momentum) or not 0 <= momentum <= 1:  # Keras's words
            raise ValueError("`momentum` must be a float between [0, 1]. "
                             f"Received: momentum={momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = check_bool("SGD", "nesterov", nesterov)

    def build(self, var_list):
        """One ``momentum`` slot per variable, only when ``momentum != 0``."""
        if self.built:
            return
        super().build(var_list)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(var_list, "momentum")

    def _step_constants(self, lr, t):
        dt = self._dtype.type
        return {"lr": dt(lr), "mu": dt(self.momentum)}

    def _elementwise_step(self, w, g, scratch, slots, lr, mu):
        xp.multiply(g, lr, out=g)  # g is now lr * g
        if not slots:
            xp.subtract(w, g, out=w)
            return
        (m,) = slots
        m *= mu
        m -= g  # m <- mu * m - lr * g
        if self.nesterov:
            t = xp.multiply(m, mu, out=scratch[0])
            t -= g
            w += t  # w + mu * m - lr * g
        else:
            w += m

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
