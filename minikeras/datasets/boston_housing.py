"""Boston housing prices: 506 houses, 13 features, median value in k$ (Keras's copy)."""
from minikeras.datasets.housing import check_test_split, load_arrays, shuffle_and_split

FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Load Boston housing (``keras.datasets.boston_housing.load_data``).

    Args:
        path: File name inside the Keras cache folder ``datasets``.
        test_split: Fraction kept for testing, in [0, 1).
        seed: Seed of the shuffle before the split.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: features of shape (404, 13) and
        (102, 13) and targets of shape (404,) and (102,) with the defaults, in the dtype
        the file stores.

    Example:

    >>> (x_train, y_train), _ = boston_housing.load_data()  # doctest: +SKIP
    """
    check_test_split(test_split)
    x, y = load_arrays(path, "boston_housing.npz", FILE_HASH)
    return shuffle_and_split(x, y, test_split, seed)
