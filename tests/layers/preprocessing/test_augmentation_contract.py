"""What every augmentation layer added for Keras 3's image set shares: identity at inference
(``training=False``), the same numbers from the same seed, single images and channels-first
batches keep their shapes."""
import numpy as np
import pytest

from minikeras import layers

X = np.random.default_rng(0).uniform(0, 255, (3, 6, 7, 3)).astype("float32")
MAKERS = {
    "MixUp": lambda **kw: layers.MixUp(seed=1, **kw),
    "CutMix": lambda **kw: layers.CutMix(seed=1, **kw),
    "RandomErasing": lambda **kw: layers.RandomErasing(factor=(1.0, 1.0), seed=1, **kw),
    "RandomGaussianBlur": lambda **kw: layers.RandomGaussianBlur(factor=(1.0, 1.0), seed=3,
                                                                 **kw),
    "RandomSharpness": lambda **kw: layers.RandomSharpness(0.8, seed=3, **kw),
    "Equalization": lambda **kw: layers.Equalization(**kw),
    "RandomColorJitter": lambda **kw: layers.RandomColorJitter(contrast_factor=0.5,
                                                               hue_factor=0.2, seed=4, **kw),
    "RandAugment": lambda **kw: layers.RandAugment(seed=4, **kw),
    "AugMix": lambda **kw: layers.AugMix(seed=4, **kw),
    "RandomPerspective": lambda **kw: layers.RandomPerspective(factor=(1.0, 1.0), seed=4, **kw),
    "RandomElasticTransform": lambda **kw: layers.RandomElasticTransform(factor=(1.0, 1.0),
                                                                         seed=4, **kw),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_identity_at_inference(name):
    np.testing.assert_array_equal(MAKERS[name]()(X, training=False).numpy(), X)


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_same_seed_same_numbers_and_the_images_change(name):
    first = MAKERS[name]()(X).numpy()
    np.testing.assert_array_equal(first, MAKERS[name]()(X).numpy())
    if name != "MixUp":   # MixUp may pair an image with itself; the others always transform
        assert not np.allclose(first, X)


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_single_images_and_channels_first(name):
    assert MAKERS[name]()(X[0]).shape == X[0].shape
    first = MAKERS[name](data_format="channels_first")(X.transpose(0, 3, 1, 2))
    assert first.shape == (3, 3, 6, 7)
