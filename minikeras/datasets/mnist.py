"""MNIST handwritten digits: 70,000 grayscale 28x28 images of the digits 0-9.

The file is the one Keras uses, ``mnist.npz``, read from the Keras dataset
cache (``$KERAS_HOME/datasets`` or ``~/.keras/datasets``) and downloaded there
from Keras's origin when missing.
"""

import zipfile

import numpy as np

from minikeras.datasets import _cache

KEYS = ("x_train", "y_train", "x_test", "y_test")


def load_data(path="mnist.npz"):
    """Load the MNIST dataset.

    Args:
        path: File name of the dataset inside the Keras dataset cache folder
            (an absolute path is used as is).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
        (60000, 28, 28) and (10000, 28, 28) with values 0..255, and uint8
        labels 0..9 of shape (60000,) and (10000,).

    Raises:
        minikeras.datasets.DatasetUnavailableError: (an ``OSError``)
            the file is not cached and cannot be downloaded; the message
            says where to put it and where to get it.
        ValueError: the cached file is not a valid MNIST ``.npz`` file.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = mnist.load_data()
    >>> x_train.shape
    (60000, 28, 28)
    """
    file_path = _cache.fetch(path, _cache.ORIGIN + "mnist.npz")
    x_train, y_train, x_test, y_test = _read_npz(file_path)
    return (x_train, y_train), (x_test, y_test)


def _read_npz(file_path):
    """Read the four MNIST arrays from an ``.npz`` file without unpickling.

    Args:
        file_path: Path of the ``.npz`` file.

    Returns:
        Tuple ``(x_train, y_train, x_test, y_test)`` of numpy arrays.

    Raises:
        ValueError: The file is unreadable, lacks one of the four arrays, or
            holds a different number of images and labels.
    """
    try:
        arrays = _load_npz(file_path)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(
            f"Could not read {file_path} as an .npz archive ({exc}). Delete it "
            f"to download it again."
        ) from exc
    missing = [key for key in KEYS if key not in arrays]
    if missing:
        raise ValueError(
            f"{file_path} is not an MNIST file: expected the arrays {list(KEYS)}, "
            f"found {sorted(arrays)} (missing {missing})."
        )
    x_train, y_train, x_test, y_test = (arrays[key] for key in KEYS)
    for split, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        if len(x) != len(y):
            raise ValueError(
                f"{file_path} is corrupt: x_{split} holds {len(x)} images but "
                f"y_{split} holds {len(y)} labels. Delete it to download it again."
            )
    return x_train, y_train, x_test, y_test


def _load_npz(file_path):
    """Return every array of an ``.npz`` archive as a dict, refusing pickles.

    Args:
        file_path: Path of the ``.npz`` file.

    Returns:
        Dict mapping each array name to its numpy array.

    Raises:
        ValueError: The file is a single ``.npy`` array or a pickle.
    """
    data = np.load(file_path, allow_pickle=False)
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError("it holds a single array, not an .npz archive")
    with data:
        return {key: data[key] for key in data.files}
