"""RandomColorJitter, RandAugment, AugMix: each output replayed from the layer's generator
with the sublayers (each checked on its own against Keras) and the composition formula;
configs against Keras's (fixture made by tools/make_image_filters_fixture.py).
Bad arguments: test_augmentation_bad_arguments.py."""
import copy
from pathlib import Path

import numpy as np

from minikeras import layers
from minikeras.autodiff.tensor import Tensor
from minikeras.layers.preprocessing.image_composite import (AUG_MIX_OPERATIONS,
                                                            RAND_AUGMENT_OPERATIONS)
from tests.layers.keras_configs import assert_keras_config

E = np.load(Path(__file__).parents[2] / "fixtures" / "keras_image_filters.npz")
X = np.random.default_rng(0).uniform(0, 255, (3, 6, 7, 3)).astype("float32")


def assert_config(layer, name):
    assert_keras_config(layer, E[f"{name}_config"])


def replayed(layer, reference):
    """The layer's output, and ``reference(generator)`` run from the same generator state."""
    generator = layer._rng()
    state = copy.deepcopy(generator.bit_generator.state)
    out = layer(X).numpy()
    generator.bit_generator.state = state
    return out, reference(generator)


def test_color_jitter_applies_its_four_layers_in_turn():
    jitter = layers.RandomColorJitter(brightness_factor=0.2, contrast_factor=0.3,
                                      saturation_factor=(0.4, 0.6), hue_factor=0.1, seed=1)

    def reference(generator):
        images = Tensor(X)
        for name in ("random_brightness", "random_contrast", "random_saturation", "random_hue"):
            sub = getattr(jitter, name)
            assert sub._rng() is generator                # one stream for all of them
            images = sub.augment(images)
        return images.numpy()

    out, expected = replayed(jitter, reference)
    np.testing.assert_array_equal(out, expected)
    assert not np.allclose(out, X)
    only = layers.RandomColorJitter(brightness_factor=(0.1, 0.1))   # fixed offset 25.5
    np.testing.assert_allclose(only(X).numpy(), np.clip(X + 25.5, 0, 255), rtol=1e-6)
    assert only.random_contrast is None
    assert_config(layers.RandomColorJitter(brightness_factor=0.2, hue_factor=(0.1, 0.3)),
                  "color_jitter")


def test_rand_augment_applies_num_ops_picked_operations():
    rand = layers.RandAugment(num_ops=3, factor=0.4, seed=2)

    def reference(generator):
        images = Tensor(X)
        first_draw = {}
        for pick in generator.integers(0, 11, 3):
            resume = None
            if pick in first_draw:        # picked again: replay the same draws
                resume = generator.bit_generator.state
                generator.bit_generator.state = first_draw[pick]
            else:
                first_draw[pick] = generator.bit_generator.state
            images = rand.run(getattr(rand, RAND_AUGMENT_OPERATIONS[pick]), images)
            if resume is not None:
                generator.bit_generator.state = resume
        return images.numpy()

    for _ in range(6):
        out, expected = replayed(rand, reference)
        np.testing.assert_array_equal(out, expected)
    assert rand.random_rotation.factor == (0.0, 0.4)
    assert rand.random_posterization.factor == (1, 3)             # max(1, int(8 * 0.4))
    assert_config(layers.RandAugment(num_ops=3, factor=0.4, seed=2), "rand_augment")


def test_rand_augment_repeats_an_operation_picked_twice_with_the_same_parameters():
    # only brightness: num_ops=2 adds one offset twice, the other operations never run
    rand = layers.RandAugment(num_ops=2, factor=(0.1, 0.2), seed=5)
    rand._operations = ("random_brightness",)
    image = np.full((1, 2, 2, 3), 100.0, "float32")
    shift = rand(image).numpy() - 100.0
    assert np.allclose(shift, shift.flat[0]) and 2 * 25.5 <= shift.flat[0] <= 2 * 51.0 + 1e-4
    generator = rand._rng()
    offset = layers.RandomBrightness((0.1, 0.2))
    offset._rng = rand._rng
    state = generator.bit_generator.state
    single = offset(image).numpy() - 100.0     # picking among 1 operation draws no bits, so
    # RandAugment's brightness draw starts from this same state
    generator.bit_generator.state = state
    np.testing.assert_allclose(rand(image).numpy() - 100.0, 2 * single, rtol=1e-5)


def test_aug_mix_blends_the_image_with_its_chains():
    aug = layers.AugMix(num_chains=2, chain_depth=2, alpha=0.5, all_ops=False, seed=3)
    ops_count = len(AUG_MIX_OPERATIONS)

    def reference(generator):
        gamma = generator.gamma(0.5, size=2)
        weights = gamma / gamma.sum()                              # Dirichlet(0.5, 0.5)
        keep = generator.beta(0.5, 0.5)
        mixed = np.zeros_like(X)
        for w in weights:
            chain = Tensor(X)
            for pick in generator.integers(0, ops_count + 1, 2):   # the last: no operation
                if pick < ops_count:
                    chain = aug.run(getattr(aug, AUG_MIX_OPERATIONS[pick]), chain)
            mixed += np.float32(w) * chain.numpy()
        return np.clip(np.float32(keep) * X + np.float32(1 - keep) * mixed, 0, 255)

    for _ in range(3):
        out, expected = replayed(aug, reference)
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-3)
    assert not hasattr(aug, "random_brightness")                  # all_ops=False
    assert_config(layers.AugMix(value_range=(0, 1), all_ops=False, alpha=0.5), "aug_mix")
