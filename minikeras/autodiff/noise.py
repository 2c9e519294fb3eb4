"""Noise primitives: dropout's masked scale, and the noise layers' draws made inside their
primitives.

A primitive that draws its noise in ``forward`` (from ``draws_from()``, the numpy
Generator of one draw) draws afresh each time a recorded program runs, from the same
source in the same order as the eager calls: a step with Dropout, GaussianNoise,
GaussianDropout or AlphaDropout can be replayed (replay.py), the layer first too (their
primitives are nodes on the inputs alone: ``records_alone``). ``assigns`` counts the
variable assignments a draw makes (a seed generator's state counting it).
"""
import numpy as np

from .elementwise import by_parts, multiply, same_shapes
from .function import Function, primitive, unbroadcast
from .shape import sum_to


class MaskedScale(Function):
    """``x * keep * scale`` for a boolean ``keep`` (broadcast over x): dropout in one node.

    The mask stays boolean (a quarter of a float mask's memory) and is applied as
    ``(x * keep) * scale``, which rounds exactly like ``x * (keep * scale)``.
    """

    def __init__(self, keep, scale):
        self.keep, self.scale = keep, scale

    def forward(self, x):
        return self._scaled(x)

    def backward(self, gy):
        return (unbroadcast(self._scaled(gy), self.inputs[0].shape),)

    def vjp(self, gy):  # the mask and the scale are constants
        return (sum_to(MaskedScale(self.keep, self.scale)(gy), self.inputs[0].shape),)

    def _scaled(self, x):
        """x * keep * scale, by parts of the batch when keep has x's shape."""
        if not same_shapes(x, self.keep):
            return self._scaled_into(x, self.keep, None)
        return by_parts(self._scaled_into, np.empty(x.shape, np.result_type(x, self.keep)),
                        x, self.keep, passes=2)

    def _scaled_into(self, x, keep, out):
        out = np.multiply(x, keep, out=out)
        out *= self.scale
        return out


@primitive
def masked_scale(x, keep, scale):
    """``x * keep * scale``: ``keep`` a boolean array (no gradient), ``scale`` a scalar."""
    return MaskedScale(np.asarray(keep, dtype=bool), scale)(x)


def drawn_keep(generator, shape, threshold):
    """A dropout mask of ``shape``: True where uniform 32-bit integers drawn from the numpy
    ``generator`` (its raw bits: 3x cheaper than floats) are at least ``threshold``."""
    n = int(np.prod(shape))
    bits = generator.bit_generator.random_raw((n + 1) // 2).view(np.uint32)[:n]
    return bits.reshape(shape) >= threshold


class _Drawn(Function):
    """What the primitives drawing their noise share: replayable (each run draws afresh),
    and nodes on the inputs alone too (``records_alone``: a noise layer first)."""

    replayable = True
    records_alone = True


class DrawnMaskedScale(_Drawn, MaskedScale):
    """``MaskedScale`` whose forward draws the mask (``drawn_keep``) from ``draws_from()``,
    the numpy Generator of one draw (which ``assigns`` variables: a seed generator's state
    counting the draw). Drawn inside the primitive, the mask is drawn afresh each time a
    recorded program runs, from the same source in the same order (replay.py): a dropout
    layer's step can be replayed."""

    def __init__(self, draws_from, mask_shape, threshold, scale, assigns=0):
        self.draws_from, self.mask_shape, self.threshold = draws_from, mask_shape, threshold
        self.scale, self.assigns = scale, assigns

    def forward(self, x):
        self.keep = drawn_keep(self.draws_from(), self.mask_shape, self.threshold)
        return self._scaled(x)


@primitive
def drawn_masked_scale(x, draws_from, mask_shape, threshold, scale, assigns=0):
    """``x * keep * scale`` with ``keep`` (of ``mask_shape``, broadcast over x) drawn from
    ``draws_from()`` (``drawn_keep``), which makes ``assigns`` variable assignments;
    ``scale`` a numpy scalar."""
    return DrawnMaskedScale(draws_from, mask_shape, threshold, scale, assigns)(x)


class DrawnGaussianNoise(_Drawn):
    """``x + noise`` or (``multiplies``) ``x * noise``, the noise of x's shape drawn from
    N(``mean``, ``stddev``²) in float64 and cast to x's dtype: GaussianNoise (mean 0) and
    GaussianDropout (mean 1). The gradient: ``gy``, or ``gy * noise``."""

    def __init__(self, draws_from, mean, stddev, multiplies, assigns=0):
        self.draws_from, self.mean, self.stddev = draws_from, mean, stddev
        self.multiplies, self.assigns = multiplies, assigns

    def forward(self, x):
        noise = self.draws_from().normal(self.mean, self.stddev, size=x.shape).astype(x.dtype)
        if not self.multiplies:
            return x + noise
        self.noise = noise
        return x * noise

    def backward(self, gy):
        return (gy * self.noise if self.multiplies else gy,)

    def vjp(self, gy):  # the noise is a constant
        return (multiply(gy, self.noise) if self.multiplies else gy,)


@primitive
def drawn_gaussian_noise(x, draws_from, mean, stddev, multiplies, assigns=0):
    """``x + n`` (or ``x * n`` when ``multiplies``), n ~ N(mean, stddev²) of x's shape drawn
    from ``draws_from()``, which makes ``assigns`` variable assignments."""
    return DrawnGaussianNoise(draws_from, mean, stddev, multiplies, assigns)(x)


class DrawnAlphaDropout(_Drawn):
    """AlphaDropout's ``a * (x * keep + alpha_p * (1 - keep)) + b``, computed as
    ``x * (a * keep) + (a * alpha_p * (1 - keep) + b)``, with ``keep`` (of ``mask_shape``,
    broadcast over x) 1 where a uniform float drawn from ``draws_from()`` is at least
    ``rate``. The gradient: ``gy * a * keep``."""

    def __init__(self, draws_from, mask_shape, rate, a, alpha_p, b, assigns=0):
        self.draws_from, self.mask_shape, self.rate = draws_from, mask_shape, rate
        self.a, self.alpha_p, self.b, self.assigns = a, alpha_p, b, assigns

    def forward(self, x):
        keep = (self.draws_from().random(self.mask_shape) >= self.rate).astype(x.dtype)
        self.factor = (self.a * keep).astype(x.dtype)
        out = x * self.factor
        out += (self.a * self.alpha_p * (1 - keep) + self.b).astype(x.dtype)
        return out

    def backward(self, gy):
        return (unbroadcast(gy * self.factor, self.inputs[0].shape),)

    def vjp(self, gy):  # the kept units' factor is a constant
        return (sum_to(multiply(gy, self.factor), self.inputs[0].shape),)


@primitive
def drawn_alpha_dropout(x, draws_from, mask_shape, rate, a, alpha_p, b, assigns=0):
    """AlphaDropout's output for x (see ``DrawnAlphaDropout``), its mask drawn from
    ``draws_from()``, which makes ``assigns`` variable assignments."""
    return DrawnAlphaDropout(draws_from, mask_shape, rate, a, alpha_p, b, assigns)(x)
