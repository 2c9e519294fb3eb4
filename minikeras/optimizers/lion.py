"""Lion (Chen et al., 2023): the sign of an interpolated momentum."""
from ..backend import xp
from .argument_checks import check_float
from .optimizer import OPTIMIZERS, Optimizer


@OPTIMIZERS.register("Lion")
class Lion(Optimizer):
    """EvoLved Sign Momentum: every element moves by exactly ``lr`` (or 0) per step.

    Formula::

        w <- w - lr * sign(beta_1 * m + (1 - beta_1) * g)
        m <- beta_2 * m + (1 - beta_2) * g

    Use a learning rate 3-10x smaller than for AdamW (the sign has magnitude 1).

    Args:
        learning_rate: float (default 0.001), schedule or callable.
        beta_1: interpolation for the update, in (0, 1].
        beta_2: decay of the momentum, in [0, 1].
        **kwargs: the base options (see ``Optimizer``).
    """

    elementwise = True
    _n_scratch = 2

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = check_float("Lion", "beta_1", beta_1)
        if not 0 < self.beta_1 <= 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the "  # Keras's words
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_2 = check_float("Lion", "beta_2", beta_2, low=0, high=1)

    def build(self, var_list):
        """One ``momentum`` slot per variable."""
        if self.built:
            return
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "momentum")

    def _step_constants(self, lr, t):
        dt = self._dtype.type
        # 1 - beta in float64, then rounded (Keras subtracts Python floats): 1 - beta_2 in
        # float32 would be 1.3e-5 off for beta_2 = 0.999
        return {"lr": lr, "beta_1": dt(self.beta_1), "one_minus_beta_1": dt(1 - self.beta_1),
                "beta_2": dt(self.beta_2), "one_minus_beta_2": dt(1 - self.beta_2)}

    def _elementwise_step(self, w, g, scratch, slots, lr, beta_1, one_minus_beta_1, beta_2,
                          one_minus_beta_2):
        t, u = scratch
        (m,) = slots
        xp.multiply(m, beta_1, out=t)
        t += xp.multiply(g, one_minus_beta_1, out=u)
        xp.sign(t, out=t)
        t *= lr
        w -= t
        m *= beta_2
        m += xp.multiply(g, one_minus_beta_2, out=u)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
