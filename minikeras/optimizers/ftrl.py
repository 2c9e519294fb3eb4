"""FTRL-Proximal (McMahan et al., 2013): per-coordinate rates with L1/L2 regularization."""
from ..backend import xp
from .argument_checks import check_float
from .optimizer import OPTIMIZERS, Optimizer


def _at_least_zero(name, value):
    """``value`` as a float, refused (in Keras's words) below zero."""
    checked = check_float("Ftrl", name, value)
    if checked < 0:
        raise ValueError(f"`{name}` needs to be positive or zero. Received: {name}={value}.")
    return checked


def _at_most_zero(name, value):
    """``value`` as a float, refused (in Keras's words) above zero."""
    checked = check_float("Ftrl", name, value)
    if checked > 0:
        raise ValueError(f"`{name}` needs to be negative or zero. Received: {name}={value}.")
    return checked


@OPTIMIZERS.register("Ftrl")
class Ftrl(Optimizer):
    """Follow The Regularized Leader, as used for large sparse linear models.

    Formula (``p = -learning_rate_power``, ``a`` the accumulator, ``z`` the linear slot)::

        l2' = l2 + beta / (2 * lr)
        g'  = g + 2 * l2_shrinkage * w
        a'  = a + g**2
        z  <- z + g' - (a'**p - a**p) / lr * w
        q   = a'**p / lr + 2 * l2'
        w  <- (clip(z, -l1, l1) - z) / q          # exactly 0 wherever |z| <= l1
        a  <- a'

    The weights are recomputed in closed form from ``z`` each step, so the first
    step moves far from the initial value.

    Args:
        learning_rate: float (default 0.001), schedule or callable.
        learning_rate_power: <= 0; -0.5 gives Adagrad-like rates.
        initial_accumulator_value: starting value of ``a`` (>= 0).
        l1_regularization_strength: ``l1`` (>= 0).
        l2_regularization_strength: ``l2`` (>= 0).
        l2_shrinkage_regularization_strength: ``l2_shrinkage`` (>= 0), applied to the gradient.
        beta: added to the L2 term as ``beta / (2 * lr)``.
        **kwargs: the base options (see ``Optimizer``).
    """

    elementwise = True
    _n_scratch = 2

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.learning_rate_power = _at_most_zero("learning_rate_power", learning_rate_power)
        self.initial_accumulator_value = _at_least_zero("initial_accumulator_value",
                                                        initial_accumulator_value)
        self.l1_regularization_strength = _at_least_zero("l1_regularization_strength",
                                                         l1_regularization_strength)
        self.l2_regularization_strength = _at_least_zero("l2_regularization_strength",
                                                         l2_regularization_strength)
        self.l2_shrinkage_regularization_strength = _at_least_zero(
            "l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength)
        self.beta = check_float("Ftrl", "beta", beta)

    def build(self, var_list):
        """Slots ``accumulator`` (initial_accumulator_value) and ``linear``, interleaved."""
        if self.built:
            return
        super().build(var_list)
        self._accumulators, self._linears = self.add_optimizer_variables(
            var_list, ["accumulator", "linear"],
            initializer=[self.initial_accumulator_value, "zeros"])

    def _step_constants(self, lr, t):
        dt = self._dtype.type
        l2 = dt(self.l2_regularization_strength) + dt(self.beta) / (dt(2) * lr)
        return {"lr": lr, "power": dt(-self.learning_rate_power),
                "two_shrinkage": dt(2 * self.l2_shrinkage_regularization_strength),
                "two_l2": dt(2) * l2, "l1": dt(self.l1_regularization_strength)}

    def _elementwise_step(self, w, g, scratch, slots, lr, power, two_shrinkage, two_l2, l1):
        grad, new_acc = scratch
        acc, linear = slots
        xp.multiply(w, two_shrinkage, out=grad)
        grad += g  # g' = g + 2 * l2_shrinkage * w
        xp.multiply(g, g, out=new_acc)
        new_acc += acc  # a' = a + g**2
        xp.power(acc, power, out=acc)  # a**p (the old accumulator is not needed any more)
        xp.power(new_acc, power, out=g)  # a'**p
        xp.subtract(g, acc, out=acc)
        acc /= lr
        acc *= w
        grad -= acc
        linear += grad  # z <- z + g' - (a'**p - a**p) / lr * w
        g /= lr
        g += two_l2  # g is the quadratic term q
        xp.clip(linear, -l1, l1, out=grad)
        grad -= linear
        xp.divide(grad, g, out=w)
        xp.copyto(acc, new_acc)

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta})
        return config
