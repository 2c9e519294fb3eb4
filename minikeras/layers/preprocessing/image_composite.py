"""Augmentations made of other augmentation layers: RandomColorJitter (brightness, contrast,
saturation, hue in turn), RandAugment (a few operations picked at random) and AugMix
(random chains of operations, blended). The sublayers draw from their parent's generator,
so one seed makes the whole composite reproducible."""
import numpy as np

from ... import ops
from ..layer import LAYERS
from .histogram_equalization import Equalization
from .image_augmentation import (INTERPOLATIONS, AutoContrast, RandomBrightness,
                                 RandomColorDegeneration, RandomContrast, RandomHue,
                                 RandomImageLayer, RandomPosterization, RandomRotation,
                                 RandomSaturation, RandomShear, RandomTranslation, Solarization,
                                 _unit_factor, _value_range, keras_pair, kept_range)
from .image_filtering import RandomSharpness


class _CompositeLayer(RandomImageLayer):
    """Holds sublayers (attributes named as Keras names them) that share its generator."""

    _box_aware = False  # RandAugment and AugMix hold geometric sublayers

    def _adopt(self, name, layer):
        if isinstance(layer, RandomImageLayer):
            layer._rng = self._rng      # one stream for the parent and its sublayers
        setattr(self, name, layer)

    @staticmethod
    def run(layer, images):
        """One sublayer's transformation of a batch (training behaviour)."""
        if isinstance(layer, RandomImageLayer):
            return layer.augment(images)
        return layer.call(images)       # AutoContrast, Equalization (training by default)


def _positive_int(layer, value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"The `{name}` argument of {type(layer).__name__} should be a "
                         f"positive integer. Received: {name}={value!r}")
    return int(value)


# Keras's operation sets, in Keras's order (RandAugment's, and AugMix's with all_ops)
RAND_AUGMENT_OPERATIONS = (
    "random_shear", "random_translation", "random_rotation", "random_brightness",
    "random_color_degeneration", "random_contrast", "random_sharpness",
    "random_posterization", "solarization", "auto_contrast", "equalization")
AUG_MIX_OPERATIONS = (
    "random_shear", "random_translation", "random_rotation", "random_posterization",
    "solarization", "auto_contrast", "equalization")
AUG_MIX_COLOR_OPERATIONS = (
    "random_brightness", "random_color_degeneration", "random_contrast", "random_sharpness")


def _operation(name, factor, value_range, interpolation, data_format):
    """One of the operations, with every strength drawn from ``factor`` (lower, upper)."""
    common = dict(data_format=data_format)
    intensity = dict(factor=factor, value_range=value_range, **common)
    if name == "random_shear":
        return RandomShear(x_factor=factor, y_factor=factor, interpolation=interpolation,
                           **common)
    if name == "random_translation":
        return RandomTranslation(height_factor=factor, width_factor=factor,
                                 interpolation=interpolation, **common)
    if name == "random_rotation":
        return RandomRotation(factor=factor, interpolation=interpolation, **common)
    if name == "random_posterization":   # bits in [1, max(1, int(8 * upper))]
        return RandomPosterization(factor=max(1, int(8 * factor[1])), value_range=value_range,
                                   **common)
    if name == "solarization":
        return Solarization(addition_factor=factor, threshold_factor=factor,
                            value_range=value_range, **common)
    if name == "auto_contrast":
        return AutoContrast(value_range=value_range, **common)
    if name == "equalization":
        return Equalization(value_range=value_range, **common)
    return {"random_brightness": RandomBrightness, "random_contrast": RandomContrast,
            "random_color_degeneration": RandomColorDegeneration,
            "random_sharpness": RandomSharpness}[name](**intensity)


class _OperationSetLayer(_CompositeLayer):
    """RandAugment and AugMix: a fixed set of operations of one strength range."""

    def _init_operations(self, names, value_range, factor, interpolation):
        self.value_range = _value_range(self, value_range)
        self.factor = _unit_factor(self, factor)
        self._given = {"value_range": value_range, "factor": factor}
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"Invalid value for argument `interpolation` of "
                             f"{type(self).__name__}. Expected one of {INTERPOLATIONS}. "
                             f"Received: interpolation={interpolation!r}")
        self.interpolation = interpolation
        self._operations = names
        for name in names:
            self._adopt(name, _operation(name, self.factor, self.value_range, interpolation,
                                         self.data_format))

    def _config(self, **counts):
        """Keras's config: value_range as given, then ``counts`` (the numbers of operations
        and chains), factor, ``after_factor``..., interpolation and seed."""
        after = counts.pop("after_factor", {})
        return {"value_range": kept_range(self._given["value_range"], False), **counts,
                "factor": keras_pair(self._given["factor"], 0), **after,
                "interpolation": self.interpolation, "seed": self.seed}


@LAYERS.register("RandAugment")
class RandAugment(_OperationSetLayer):
    """Apply ``num_ops`` operations, each picked at random (once per batch) among shear,
    translation, rotation, brightness, color degeneration, contrast, sharpness,
    posterization, solarization, auto-contrast and equalization (Cubuk et al., 2019).

    Every operation's strength is drawn from ``factor`` (a number f gives [0, f]): e.g. a
    rotation of up to f * 360 degrees, posterization to max(1, int(8 f)) bits. An operation
    picked twice in one call applies the same parameters twice, as in Keras.

    Args:
        value_range: the images' range ((0, 255)). num_ops: operations per batch (2).
        factor: the strength range, in [0, 1] (0.5).
        interpolation: "bilinear" (default) or "nearest", for the geometric operations.
        seed: integer seed.
    """

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear",
                 seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.num_ops = _positive_int(self, num_ops, "num_ops")
        self._init_operations(RAND_AUGMENT_OPERATIONS, value_range, factor, interpolation)

    def augment(self, images):
        generator = self._rng()
        picks = generator.integers(0, len(self._operations), self.num_ops)
        draws = {}   # operation -> generator state before its first draw in this call
        for pick in picks:
            layer = getattr(self, self._operations[pick])
            if pick not in draws:
                draws[pick] = generator.bit_generator.state
                images = self.run(layer, images)
                continue
            # picked again: the same parameters (the same draws), as Keras draws each
            # operation's transformation once per call
            resume = generator.bit_generator.state
            generator.bit_generator.state = draws[pick]
            images = self.run(layer, images)
            generator.bit_generator.state = resume
        return images

    def get_config(self):
        return {**super().get_config(), **self._config(num_ops=self.num_ops)}


@LAYERS.register("AugMix")
class AugMix(_OperationSetLayer):
    """Blend the images with ``num_chains`` randomly augmented copies (Hendrycks et al.,
    2020), as Keras 3 computes it (one set of draws per batch)::

        w ~ Dirichlet(alpha, ..., alpha)  (num_chains weights),  m ~ Beta(alpha, alpha)
        chain c: up to ``chain_depth`` operations, each picked among the operations and
                 "none" at random, each with its own draw of parameters
        output = clip(m x + (1 - m) sum_c w_c chain_c(x), *value_range)

    The operations are shear, translation, rotation, posterization, solarization,
    auto-contrast, equalization and, with ``all_ops``, brightness, color degeneration,
    contrast and sharpness; their strengths are drawn from ``factor``.

    Args:
        value_range: the images' range ((0, 255)). num_chains (3), chain_depth (3).
        factor: the strength range, in [0, 1] (0.3). alpha: the Dirichlet and Beta
            parameter, positive (1.0). all_ops: include the color operations (True).
        interpolation: "bilinear" (default) or "nearest". seed: integer seed.
    """

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3,
                 alpha=1.0, all_ops=True, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.num_chains = _positive_int(self, num_chains, "num_chains")
        self.chain_depth = _positive_int(self, chain_depth, "chain_depth")
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ValueError(f"The `alpha` argument of AugMix should be a positive number. "
                             f"Received: alpha={alpha!r}")
        self.alpha, self.all_ops = alpha, bool(all_ops)
        names = AUG_MIX_OPERATIONS + (AUG_MIX_COLOR_OPERATIONS if self.all_ops else ())
        self._init_operations(names, value_range, factor, interpolation)

    def augment(self, images):
        rng = self._rng()
        gamma = rng.gamma(self.alpha, size=self.num_chains)
        chain_weights = (gamma / gamma.sum()).astype(self.dtype)
        keep = np.asarray(rng.beta(self.alpha, self.alpha), self.dtype)
        mixed = None
        for weight in chain_weights:
            chain = images
            for pick in rng.integers(0, len(self._operations) + 1, self.chain_depth):
                if pick < len(self._operations):          # the last choice is "none"
                    chain = self.run(getattr(self, self._operations[pick]), chain)
            term = ops.multiply(chain, weight)
            mixed = term if mixed is None else ops.add(mixed, term)
        out = ops.add(ops.multiply(images, keep), ops.multiply(mixed, 1 - keep))
        return ops.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        return {**super().get_config(), **self._config(
            num_chains=self.num_chains, chain_depth=self.chain_depth,
            after_factor={"alpha": self.alpha, "all_ops": self.all_ops})}


@LAYERS.register("RandomColorJitter")
class RandomColorJitter(_CompositeLayer):
    """Apply, in turn, RandomBrightness, RandomContrast, RandomSaturation and RandomHue with
    the given factors (each one whose factor is None is skipped), as Keras 3 does.

    Args:
        value_range: the images' range ((0, 255)).
        brightness_factor, contrast_factor, saturation_factor, hue_factor: the sublayers'
            ``factor`` arguments (see those layers), or None.
        seed: integer seed.
    """

    _JITTERS = (("random_brightness", "brightness_factor", RandomBrightness),
                ("random_contrast", "contrast_factor", RandomContrast),
                ("random_saturation", "saturation_factor", RandomSaturation),
                ("random_hue", "hue_factor", RandomHue))

    _box_aware = True  # colour only: boxes and masks pass

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = _value_range(self, value_range)
        self._given = {"value_range": value_range}
        factors = dict(brightness_factor=brightness_factor, contrast_factor=contrast_factor,
                       saturation_factor=saturation_factor, hue_factor=hue_factor)
        for name, argument, cls in self._JITTERS:
            setattr(self, argument, factors[argument])
            layer = None if factors[argument] is None else cls(
                factor=factors[argument], value_range=self.value_range,
                data_format=self.data_format)
            self._adopt(name, layer)

    def augment(self, images):
        for name, _, _ in self._JITTERS:
            layer = getattr(self, name)
            if layer is not None:
                images = self.run(layer, images)
        return images

    def get_config(self):
        return {**super().get_config(),
                "value_range": kept_range(self._given["value_range"], False),
                **{argument: getattr(self, argument) for _, argument, _ in self._JITTERS},
                "seed": self.seed}

