"""Lamb (You et al., 2019): Adam's direction, rescaled per layer by a trust ratio."""
from ..backend import xp
from .adam import _AdamFamily, _moments
from .optimizer import OPTIMIZERS


@OPTIMIZERS.register("Lamb")
class Lamb(_AdamFamily):
    """Layer-wise Adaptive Moments: each variable's step is ``lr * ||w|| / ||r||`` long.

    Formula (``t`` = iterations + 1; norms are per variable)::

        m, v updated as in Adam
        r = (m / (1 - beta_1**t)) / (sqrt(v / (1 - beta_2**t)) + epsilon)
        trust = ||w|| / ||r||  if both norms > 0, else 1
        w <- w - trust * lr * r

    Keras 3 has the class but ``keras.optimizers.get("lamb")`` fails there; here it resolves.

    Args:
        learning_rate: float (default 0.001), schedule or callable.
        beta_1, beta_2, epsilon: as in ``Adam``.
        **kwargs: the base options (see ``Optimizer``).
    """

    _n_scratch = 2

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__("Lamb", learning_rate, beta_1, beta_2, epsilon, **kwargs)

    def build(self, var_list):
        """Slots ``momentum`` and ``velocity``, interleaved per variable."""
        if self.built:
            return
        super().build(var_list)
        self._add_moments(var_list)

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        dt = variable.data.dtype.type
        one, t = dt(1), dt(self._public_iterations() + 1)
        w, g = variable.data, xp.asarray(gradient, dtype=variable.dtype)
        m, v = self._momentums[i].data, self._velocities[i].data
        tmp, r = self._scratch_views[i]
        _moments(g, m, v, dt(1 - self.beta_1), dt(1 - self.beta_2), tmp)
        xp.divide(v, one - xp.power(dt(self.beta_2), t), out=tmp)
        xp.sqrt(tmp, out=tmp)
        tmp += dt(self.epsilon)
        xp.divide(m, one - xp.power(dt(self.beta_1), t), out=r)
        r /= tmp  # r is the Adam direction with bias correction
        w_norm = xp.sqrt(xp.multiply(w, w, out=tmp).sum())
        r_norm = xp.sqrt(xp.multiply(r, r, out=tmp).sum())
        trust = w_norm / r_norm if w_norm > 0 and r_norm > 0 else one
        r *= trust * dt(learning_rate)
        w -= r
