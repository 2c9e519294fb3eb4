"""California housing prices: 20,640 districts, 8 features, median house value (Keras's copy)."""
from minikeras.datasets.housing import check_test_split, load_arrays, shuffle_and_split

FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"
SMALL_SIZE = 600
VERSIONS = ("large", "small")


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """Load California housing (``keras.datasets.california_housing.load_data``).

    Args:
        version: ``"large"`` (all 20,640 districts) or ``"small"`` (the first 600, before
            shuffling).
        path: File name inside the Keras cache folder ``datasets``.
        test_split: Fraction kept for testing, in [0, 1).
        seed: Seed of the shuffle before the split.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: features of shape (n, 8) and targets
        of shape (n,), in the dtype the file stores.

    Example:

    >>> (x_train, y_train), _ = california_housing.load_data(version="small")  # doctest: +SKIP
    """
    check_test_split(test_split)
    if version not in VERSIONS:
        raise ValueError(f"version must be one of 'small', 'large'; received "
                         f"version={version!r}.")
    x, y = load_arrays(path, "california_housing.npz", FILE_HASH)
    if version == "small":
        x, y = x[:SMALL_SIZE], y[:SMALL_SIZE]
    return shuffle_and_split(x, y, test_split, seed)
