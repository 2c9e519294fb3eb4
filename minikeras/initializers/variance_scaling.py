"""VarianceScaling and its named presets: Glorot (Xavier), He and LeCun."""
import math

from ..arguments import check_number
from .base import (INITIALIZERS, RandomInitializer, compute_fans, float_dtype, standard_normal,
                   standardize_shape, truncated_standard_normal, uniform)

# Standard deviation of a unit normal truncated to [-2, 2]; dividing by it makes a
# truncated draw have exactly the requested variance.
TRUNCATION_STDDEV = 0.87962566103423978

_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")


@INITIALIZERS.register("VarianceScaling", "variance_scaling")
class VarianceScaling(RandomInitializer):
    """Initializer whose spread adapts to the fans of the weight shape.

    Formula:
        n = max(1, fan_in | fan_out | (fan_in + fan_out) / 2)   (by ``mode``)
        truncated_normal:   w ~ N(0, s^2) cut at ±2s, s = sqrt(scale / n) / 0.87962566
        untruncated_normal: w ~ N(0, scale / n)
        uniform:            w ~ U(-L, L), L = sqrt(3 * scale / n)
        so Var(w) = scale / n in every case. Fans: see ``compute_fans``.

    Args:
        scale: positive scaling factor (default 1.0).
        mode: "fan_in" (default), "fan_out" or "fan_avg".
        distribution: "truncated_normal" (default; "normal" is an alias),
            "untruncated_normal" or "uniform" (case-insensitive).
        seed: None, an integer or a numpy Generator (see ``RandomInitializer``).
        input_axes, output_axes: lists of the weight axes that hold input and output units
            (both or neither; ``compute_fans``). EinsumDense sets them from its equation.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        who = type(self).__name__
        self.input_axes = _axis_list(who, "input_axes", input_axes)
        self.output_axes = _axis_list(who, "output_axes", output_axes)
        self.scale = float(check_number(who, "scale", scale, low=0.0, low_open=True))
        if mode not in _MODES:
            raise ValueError(
                f"{who}: invalid `mode` argument: {mode!r}. Expected one of {_MODES}.")
        if not isinstance(distribution, str) or distribution.lower() not in (
                *_DISTRIBUTIONS, "normal"):
            raise ValueError(
                f"{who}: invalid `distribution` argument: {distribution!r}. Expected one of "
                f"{_DISTRIBUTIONS} (or 'normal', an alias of 'truncated_normal').")
        distribution = distribution.lower()
        self.mode = mode
        self.distribution = "truncated_normal" if distribution == "normal" else distribution
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        who = type(self).__name__
        shape = standardize_shape(shape, who)
        dtype = float_dtype(dtype, who)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, n)
        rng = self._generator()
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(variance) / TRUNCATION_STDDEV
            values = truncated_standard_normal(rng, shape, dtype)
            values *= stddev
        elif self.distribution == "untruncated_normal":
            values = standard_normal(rng, shape, dtype)
            values *= math.sqrt(variance)
        else:
            limit = math.sqrt(3.0 * variance)
            values = uniform(rng, -limit, limit, shape, dtype)
        return values.astype(dtype, copy=False)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, **self._axes_config()}

    def _axes_config(self):
        return {"input_axes": self.input_axes, "output_axes": self.output_axes}


def _axis_list(who, name, axes):
    """``axes`` as a list of ints, or None."""
    if axes is None:
        return None
    if isinstance(axes, (list, tuple)) and all(
            isinstance(a, int) and not isinstance(a, bool) for a in axes):
        return list(axes)
    raise ValueError(f"{who}: `{name}` must be None or a list of integers (weight axes). "
                     f"Received: {name}={axes!r}")


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed scale/mode/distribution; only ``seed`` is an argument."""

    _preset = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(*self._preset, seed=seed, input_axes=input_axes, output_axes=output_axes)

    def get_config(self):
        return {"seed": RandomInitializer.get_config(self)["seed"], **self._axes_config()}


@INITIALIZERS.register("GlorotUniform", "glorot_uniform")
class GlorotUniform(_Preset):
    """Glorot (Xavier) uniform initializer, the Keras default for kernels.

    Formula:
        w ~ U(-L, L), L = sqrt(6 / (fan_in + fan_out))
        (= VarianceScaling(1.0, "fan_avg", "uniform"))

    Args:
        seed: None, an integer or a numpy Generator (see ``RandomInitializer``).
    """

    _preset = (1.0, "fan_avg", "uniform")


@INITIALIZERS.register("GlorotNormal", "glorot_normal")
class GlorotNormal(_Preset):
    """Glorot (Xavier) normal initializer.

    Formula:
        w ~ N(0, s^2) cut at ±2s, s = sqrt(2 / (fan_in + fan_out)) / 0.87962566
        (= VarianceScaling(1.0, "fan_avg", "truncated_normal"))

    Args:
        seed: None, an integer or a numpy Generator (see ``RandomInitializer``).
    """

    _preset = (1.0, "fan_avg", "truncated_normal")


@INITIALIZERS.register("HeUniform", "he_uniform")
class HeUniform(_Preset):
    """He uniform initializer (for ReLU networks).

    Formula:
        w ~ U(-L, L), L = sqrt(6 / fan_in)   (= VarianceScaling(2.0, "fan_in", "uniform"))

    Args:
        seed: None, an integer or a numpy Generator (see ``RandomInitializer``).
    """

    _preset = (2.0, "fan_in", "uniform")


@INITIALIZERS.register("HeNormal", "he_normal")
class HeNormal(_Preset):
    """He normal initializer (for ReLU networks).

    Formula:
        w ~ N(0, s^2) cut at ±2s, s = sqrt(2 / fan_in) / 0.87962566
        (= VarianceScaling(2.0, "fan_in", "truncated_normal"))

    Args:
        seed: None, an integer or a numpy Generator (see ``RandomInitializer``).
    """

    _preset = (2.0, "fan_in", "truncated_normal")


@INITIALIZERS.register("LecunUniform", "lecun_uniform")
class LecunUniform(_Preset):
    """LeCun uniform initializer.

    Formula:
        w ~ U(-L, L), L = sqrt(3 / fan_in)   (= VarianceScaling(1.0, "fan_in", "uniform"))

    Args:
        seed: None, an integer or a numpy Generator (see ``RandomInitializer``).
    """

    _preset = (1.0, "fan_in", "uniform")


@INITIALIZERS.register("LecunNormal", "lecun_normal")
class LecunNormal(_Preset):
    """LeCun normal initializer (for SELU networks).

    Formula:
        w ~ N(0, s^2) cut at ±2s, s = sqrt(1 / fan_in) / 0.87962566
        (= VarianceScaling(1.0, "fan_in", "truncated_normal"))

    Args:
        seed: None, an integer or a numpy Generator (see ``RandomInitializer``).
    """

    _preset = (1.0, "fan_in", "truncated_normal")
