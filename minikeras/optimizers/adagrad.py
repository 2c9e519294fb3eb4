"""Adagrad and Adadelta: step sizes from the history of squared gradients."""
from ..backend import xp
from .argument_checks import check_float
from .optimizer import OPTIMIZERS, Optimizer


@OPTIMIZERS.register("Adagrad")
class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): each element's step shrinks with its gradient history.

    Formula::

        a <- a + g**2                       (a starts at initial_accumulator_value)
        w <- w - lr * g / sqrt(a + epsilon)

    Args:
        learning_rate: float (default 0.001), schedule or callable.
        initial_accumulator_value: starting value of ``a`` (>= 0).
        epsilon: added inside the square root.
        **kwargs: the base options (see ``Optimizer``).
    """

    elementwise = True

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = check_float(
            "Adagrad", "initial_accumulator_value", initial_accumulator_value, low=0)
        self.epsilon = check_float("Adagrad", "epsilon", 1e-7 if epsilon is None else epsilon,
                                   low=0)

    def build(self, var_list):
        """One ``accumulator`` slot per variable, filled with ``initial_accumulator_value``."""
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=self.initial_accumulator_value)

    def _step_constants(self, lr, t):
        dt = self._dtype.type
        return {"lr": dt(lr), "epsilon": dt(self.epsilon)}

    def _elementwise_step(self, w, g, scratch, slots, lr, epsilon):
        t = scratch[0]
        (a,) = slots
        a += xp.multiply(g, g, out=t)
        xp.add(a, epsilon, out=t)
        xp.sqrt(t, out=t)
        xp.multiply(g, lr, out=g)
        g /= t  # lr * g / sqrt(a + epsilon)
        w -= g

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config


@OPTIMIZERS.register("Adadelta")
class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012): steps scaled by the ratio of two running RMS values.

    Formula::

        A <- rho * A + (1 - rho) * g**2                        # running mean of g**2
        delta = -sqrt(D + epsilon) * g / sqrt(A + epsilon)
        D <- rho * D + (1 - rho) * delta**2                    # running mean of delta**2
        w <- w + lr * delta

    Keras 3's default learning rate is 0.001 (standalone Keras <= 2.3 used 1.0).

    Args:
        learning_rate: float (default 0.001), schedule or callable.
        rho: decay of both running means.
        epsilon: added inside both square roots.
        **kwargs: the base options (see ``Optimizer``).
    """

    elementwise = True

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = check_float("Adadelta", "rho", rho, low=0, high=1)
        self.epsilon = check_float("Adadelta", "epsilon", 1e-7 if epsilon is None else epsilon,
                                   low=0)

    def build(self, var_list):
        """Slots ``accumulated_grad`` and ``accumulated_delta_var``, interleaved per variable."""
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            var_list, ["accumulated_grad", "accumulated_delta_var"])

    def _step_constants(self, lr, t):
        dt = self._dtype.type
        return {"lr": dt(lr), "rho": dt(self.rho), "one_minus_rho": dt(1 - self.rho),
                "epsilon": dt(self.epsilon)}

    def _elementwise_step(self, w, g, scratch, slots, lr, rho, one_minus_rho, epsilon):
        t = scratch[0]
        acc_g, acc_d = slots  # A and D of the formula
        acc_g *= rho
        xp.multiply(g, g, out=t)
        acc_g += xp.multiply(t, one_minus_rho, out=t)
        xp.add(acc_d, epsilon, out=t)
        xp.sqrt(t, out=t)
        t *= g
        xp.add(acc_g, epsilon, out=g)
        xp.sqrt(g, out=g)
        t /= g
        xp.negative(t, out=t)  # t is delta
        acc_d *= rho
        xp.multiply(t, t, out=g)
        acc_d += xp.multiply(g, one_minus_rho, out=g)
        t *= lr
        w += t

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
