"""MNIST handwritten digits: 70,000 grayscale 28x28 images of the digits 0-9.

Keras's file ``mnist.npz``, downloaded from Keras's origin into the Keras cache
(``$KERAS_HOME/datasets`` or ``~/.keras/datasets``) by ``keras.utils.get_file`` and
checked against Keras's sha256.
"""
from minikeras.datasets import origins
from minikeras.datasets.npz_arrays import load_npz
from minikeras.utils.file_utils import get_file

FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
KEYS = ("x_train", "y_train", "x_test", "y_test")


def load_data(path="mnist.npz"):
    """Load the MNIST dataset (``keras.datasets.mnist.load_data``).

    Args:
        path: File name of the dataset inside the Keras cache folder ``datasets``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
        (60000, 28, 28) and (10000, 28, 28) with values 0..255, and uint8
        labels 0..9 of shape (60000,) and (10000,).

    Raises:
        minikeras.utils.DownloadError: (an ``OSError``) the file is not cached and
            cannot be downloaded; the message says where to put it and where to get it.
        ValueError: the file does not match Keras's hash, or is not an MNIST ``.npz``.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = mnist.load_data()  # doctest: +SKIP
    >>> x_train.shape  # doctest: +SKIP
    (60000, 28, 28)
    """
    file_path = get_file(fname=path, origin=origins.origin(origins.KERAS_DATASETS, "mnist.npz"),
                         file_hash=FILE_HASH)
    arrays = load_npz(file_path, KEYS)
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if len(x) != len(y):
            raise ValueError(f"{file_path} is corrupt: x_{split} holds {len(x)} images but "
                             f"y_{split} holds {len(y)} labels. Delete it to download it again.")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
