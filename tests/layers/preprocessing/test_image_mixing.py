"""MixUp, CutMix and RandomErasing: the mixing formulas checked on each draw (the labels
reveal the weights the images must be mixed with), statistics of the draws, configs against
Keras's (fixture made by tools/make_image_filters_fixture.py).
Bad arguments: test_augmentation_bad_arguments.py."""
from pathlib import Path

import numpy as np
import pytest

from minikeras import layers
from tests.layers.keras_configs import assert_keras_config

E = np.load(Path(__file__).parents[2] / "fixtures" / "keras_image_filters.npz")
RNG = np.random.default_rng(0)
X = RNG.uniform(0, 255, (6, 8, 10, 3)).astype("float32")
Y = np.eye(6, dtype="float32")          # image i has its own class i: labels show the mix


def assert_config(layer, name):
    assert_keras_config(layer, E[f"{name}_config"])


def partners(labels):
    """For each mixed label row: (own weight, index of the other image)."""
    out = []
    for i, row in enumerate(labels):
        others = [j for j in np.flatnonzero(row > 1e-7) if j != i]
        out.append((row[i], others[0] if others else i))
    return out


def test_mixup_blends_images_and_labels_with_one_weight():
    mixup = layers.MixUp(alpha=0.4, seed=1)
    weights = []
    for _ in range(20):
        out = mixup({"images": X, "labels": Y})
        images, labels = out["images"].numpy(), out["labels"].numpy()
        np.testing.assert_allclose(labels.sum(1), 1.0, rtol=1e-6)
        for i, (w, j) in enumerate(partners(labels)):
            if j != i:
                np.testing.assert_allclose(images[i], w * X[i] + (1 - w) * X[j], rtol=1e-4,
                                           atol=1e-3)
                weights.append(w)
    # Beta(0.4, 0.4): mean 1/2, variance ab/((a+b)^2(a+b+1)) = 0.16/(0.64*1.8) = 0.139
    assert np.mean(weights) == pytest.approx(0.5, abs=0.07)
    assert np.var(weights) == pytest.approx(0.139, abs=0.04)
    assert_config(layers.MixUp(alpha=0.4, seed=3), "mix_up")


def box_of(changed):
    """The bounding rows / columns of a boolean (height, width) mask."""
    rows, cols = np.flatnonzero(changed.any(1)), np.flatnonzero(changed.any(0))
    return rows, cols


def test_cutmix_pastes_one_box_and_mixes_labels_by_its_area():
    cutmix = layers.CutMix(seed=2)
    for _ in range(10):
        out = cutmix({"images": X, "labels": Y})
        images, labels = out["images"].numpy(), out["labels"].numpy()
        for i, (w, j) in enumerate(partners(labels)):
            if j == i:
                np.testing.assert_array_equal(images[i], X[i])
                continue
            from_j = np.all(images[i] == X[j], axis=-1)
            assert np.all(from_j | np.all(images[i] == X[i], axis=-1))
            rows, cols = box_of(from_j)
            if rows.size:      # a rectangle: every pixel of the bounding box came from j
                assert from_j[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].all()
            # the label keeps 1 - (box area / image area), the box's real-valued area: its
            # pixel count differs by less than one row and one column
            box_fraction = from_j.sum() / from_j.size
            assert abs((1 - w) - box_fraction) < (8 + 10 + 1) / 80
    assert_config(layers.CutMix(0.5), "cut_mix")


def test_random_erasing_fills_one_box_per_erased_image():
    erasing = layers.RandomErasing(factor=(1.0, 1.0), scale=(0.1, 0.3), fill_value=[1, 2, 3],
                                   seed=4)
    out = erasing({"images": X, "labels": Y})
    np.testing.assert_array_equal(out["labels"].numpy(), Y)      # labels pass unchanged
    for i, image in enumerate(out["images"].numpy()):
        erased = np.all(image == [1, 2, 3], axis=-1)
        assert np.all(erased | np.all(image == X[i], axis=-1))
        rows, cols = box_of(erased)
        assert erased[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].all()
        # sides sqrt(s) of the image's, s in [0.1, 0.3]: area within a row and a column
        assert 0.1 - 19 / 80 < erased.mean() < 0.3 + 1e-6
    # factor 1.0: p ~ U(0, 1) per image, so half of the images are erased on average
    half = layers.RandomErasing(fill_value=0.0, seed=5)
    counts = [np.any(half(X).numpy() == 0, axis=(1, 2, 3)).mean() for _ in range(30)]
    assert np.mean(counts) == pytest.approx(0.5, abs=0.1)
    # the default fill is Gaussian noise * 255, clipped to the value range
    noisy = layers.RandomErasing(factor=(1.0, 1.0), seed=6)(X).numpy()
    assert noisy.min() >= 0 and noisy.max() <= 255 and np.any(noisy == 0)
    assert_config(layers.RandomErasing(fill_value=[1, 2, 3]), "erasing")
    assert_config(layers.RandomErasing(scale=0.4), "erasing_default")


@pytest.mark.parametrize("layer", [layers.MixUp(), layers.CutMix(), layers.RandomErasing()])
def test_labels_pass_unchanged_at_inference(layer):
    out = layer({"images": X, "labels": Y}, training=False)
    np.testing.assert_array_equal(out["images"].numpy(), X)
    np.testing.assert_array_equal(out["labels"].numpy(), Y)
