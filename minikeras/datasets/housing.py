"""What Boston and California housing share: read ``x``/``y`` from Keras's ``.npz``, then a
seeded shuffle (``np.random.RandomState(seed)``) and a train/test split at
``int(n * (1 - test_split))``, as Keras does."""
import numpy as np

from minikeras.datasets import origins
from minikeras.datasets.npz_arrays import load_npz
from minikeras.utils.file_utils import get_file


def check_test_split(test_split):
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid test_split argument: {test_split}. It must be between 0 "
                         f"and 1 (exclusive of 1).")


def load_arrays(path, filename, file_hash):
    """``(x, y)`` of the dataset file ``filename``, cached under the name ``path``."""
    file_path = get_file(path, origin=origins.origin(origins.KERAS_DATASETS, filename),
                         file_hash=file_hash)
    arrays = load_npz(file_path, ("x", "y"))
    return arrays["x"], arrays["y"]


def shuffle_and_split(x, y, test_split, seed):
    """``(x_train, y_train), (x_test, y_test)`` after a seeded shuffle."""
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    split = int(len(x) * (1 - test_split))
    return (x[:split], y[:split]), (x[split:], y[split:])
