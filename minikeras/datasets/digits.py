"""UCI optical handwritten digits: 1,797 grayscale 8x8 images of the digits 0-9.

The images ship with minikeras (``data/digits.npz``, the copy distributed with
scikit-learn, converted by ``tools/make_digits_npz.py``), so this dataset
needs no download. Each pixel counts the set bits in a 4x4 block of the
original 32x32 bitmap, so values run from 0 to 16.
"""

import importlib.resources

import numpy as np

DATA_FILE = "data/digits.npz"
SPLIT_SEED = 1337
NUM_TEST = 360  # 20% of 1797, leaving 1437 for training


def load_data():
    """Load the digits dataset with a fixed, shuffled 1437/360 split.

    The file stores the images in their original order, in which the last
    few hundred come from different writers and are harder; an unshuffled
    split would test only on those. The split is therefore a permutation
    drawn from ``np.random.default_rng(SPLIT_SEED)``, identical on every
    call and independent of any global random state.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
        (1437, 8, 8) and (360, 8, 8) with values 0..16, and uint8 labels
        0..9 of shape (1437,) and (360,).

    Example:

    >>> (x_train, y_train), (x_test, y_test) = digits.load_data()
    >>> x_train.shape, x_test.shape
    ((1437, 8, 8), (360, 8, 8))
    """
    images, labels = _load_original()
    order = np.random.default_rng(SPLIT_SEED).permutation(len(labels))
    train, test = order[:-NUM_TEST], order[-NUM_TEST:]
    return (images[train], labels[train]), (images[test], labels[test])


def _load_original():
    """Load all digits in their original, unshuffled order.

    Returns:
        Tuple ``(images, labels)``: uint8 arrays of shape (1797, 8, 8) and
        (1797,).
    """
    resource = importlib.resources.files(__package__).joinpath(DATA_FILE)
    with resource.open("rb") as f, np.load(f, allow_pickle=False) as data:
        return data["images"], data["labels"]
