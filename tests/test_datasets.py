"""Tests for the shipped digits dataset (the downloaded ones: tests/data/)."""

import importlib.resources

import numpy as np

from minikeras.datasets import digits, fashion_mnist, mnist

NUM_TRAIN, NUM_TEST = 1437, 360


def _original_digits():
    """Read the shipped file directly, independently of the loader."""
    resource = importlib.resources.files("minikeras.datasets") / "data" / "digits.npz"
    with resource.open("rb") as f, np.load(f, allow_pickle=False) as data:
        return data["images"], data["labels"]


def _rows(x, y):
    """One sorted row per sample: 64 pixels followed by the label."""
    rows = np.concatenate([x.reshape(len(x), -1), y[:, None]], axis=1)
    return rows[np.lexsort(rows.T[::-1])]


# ---------------------------------------------------------------- digits


def test_datasets_package_exports_submodules():
    import minikeras.datasets as datasets

    assert datasets.digits is digits
    assert datasets.mnist is mnist
    assert datasets.fashion_mnist is fashion_mnist


def test_digits_file_holds_original_order():
    images, labels = _original_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8
    assert labels.shape == (1797,) and labels.dtype == np.uint8
    np.testing.assert_array_equal(labels[:12], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1])
    np.testing.assert_array_equal(
        np.bincount(labels), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    )


def test_digits_shapes_dtypes_and_ranges():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (NUM_TRAIN, 8, 8) and y_train.shape == (NUM_TRAIN,)
    assert x_test.shape == (NUM_TEST, 8, 8) and y_test.shape == (NUM_TEST,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
    assert x_train.min() == 0 and x_train.max() == 16
    assert x_test.min() == 0 and x_test.max() == 16
    assert set(y_train.tolist()) == set(range(10))
    assert set(y_test.tolist()) == set(range(10))


def test_digits_split_is_deterministic_and_ignores_global_rng():
    np.random.seed(0)
    first = digits.load_data()
    np.random.seed(12345)
    np.random.random(100)
    second = digits.load_data()
    for a, b in zip(
        (first[0][0], first[0][1], first[1][0], first[1][1]),
        (second[0][0], second[0][1], second[1][0], second[1][1]),
    ):
        np.testing.assert_array_equal(a, b)


def test_digits_split_is_pinned():
    # Golden values of the seeded split: a change here means the file or
    # numpy's permutation stream changed, and every published digits result
    # would silently move.
    (_, y_train), (_, y_test) = digits.load_data()
    np.testing.assert_array_equal(y_train[:10], [1, 1, 9, 2, 3, 3, 7, 0, 6, 6])
    np.testing.assert_array_equal(y_test[:10], [5, 5, 4, 9, 8, 7, 4, 4, 3, 7])
    np.testing.assert_array_equal(
        np.bincount(y_test), [31, 40, 37, 28, 39, 33, 40, 30, 34, 48]
    )


def test_digits_split_is_a_shuffled_partition_of_the_original():
    images, labels = _original_digits()
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    # Together the two splits hold exactly the original samples ...
    both = _rows(np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test]))
    np.testing.assert_array_equal(both, _rows(images, labels))
    # ... with no sample in both (the original has no duplicate images).
    train_rows = {row.tobytes() for row in x_train.reshape(NUM_TRAIN, -1)}
    assert not any(row.tobytes() in train_rows for row in x_test.reshape(NUM_TEST, -1))
    # ... and the test split is not simply the (harder) tail of the file.
    assert not np.array_equal(y_test, labels[-NUM_TEST:])
