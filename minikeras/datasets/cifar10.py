"""CIFAR-10: 60,000 32x32 colour images in 10 classes (``keras.datasets.cifar10``).

Labels: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse, 8 ship,
9 truck. The archive is Keras's (``cifar-10-python.tar.gz`` from the CIFAR homepage),
cached and unpacked as ``~/.keras/datasets/cifar-10-batches-py-target``.
"""
import os

import numpy as np

from minikeras.datasets import origins
from minikeras.datasets.cifar import as_column, load_batch, to_image_data_format
from minikeras.utils.file_utils import get_file

FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
FOLDER = "cifar-10-batches-py"
NUM_TRAIN_BATCHES = 5


def load_data():
    """Load CIFAR-10.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
        (50000, 32, 32, 3) and (10000, 32, 32, 3) (``(n, 3, 32, 32)`` under
        ``channels_first``), and uint8 labels 0..9 of shape (50000, 1) and (10000, 1).

    Raises:
        minikeras.utils.DownloadError: the archive is not cached and cannot be
            downloaded (the message says where to place it by hand).
        ValueError: the archive does not match Keras's hash or holds no CIFAR batches.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = cifar10.load_data()  # doctest: +SKIP
    >>> x_train.shape, y_train.shape  # doctest: +SKIP
    ((50000, 32, 32, 3), (50000, 1))
    """
    path = get_file(fname="cifar-10-batches-py-target", extract=True, file_hash=FILE_HASH,
                    origin=origins.origin(origins.CIFAR, "cifar-10-python.tar.gz"))
    path = os.path.join(path, FOLDER)
    batches = [load_batch(os.path.join(path, f"data_batch_{i}"))
               for i in range(1, NUM_TRAIN_BATCHES + 1)]
    x_train = np.concatenate([x for x, _ in batches]).astype("uint8")
    y_train = np.concatenate([np.asarray(y, dtype="uint8") for _, y in batches])
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    x_train, x_test = to_image_data_format(x_train), to_image_data_format(x_test)
    return (x_train, as_column(y_train)), (x_test.astype("uint8"), as_column(y_test, "uint8"))
