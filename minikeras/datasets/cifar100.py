"""CIFAR-100: 60,000 32x32 colour images in 100 classes grouped in 20 superclasses.

The archive is Keras's (``cifar-100-python.tar.gz`` from the CIFAR homepage), cached and
unpacked as ``~/.keras/datasets/cifar-100-python-target``.
"""
import os

from minikeras.datasets import origins
from minikeras.datasets.cifar import as_column, load_batch, to_image_data_format
from minikeras.utils.file_utils import get_file

FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"
FOLDER = "cifar-100-python"
LABEL_MODES = ("fine", "coarse")


def load_data(label_mode="fine"):
    """Load CIFAR-100 (``keras.datasets.cifar100.load_data``).

    Args:
        label_mode: ``"fine"`` (100 classes) or ``"coarse"`` (20 superclasses).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
        (50000, 32, 32, 3) and (10000, 32, 32, 3) (``(n, 3, 32, 32)`` under
        ``channels_first``), and labels of shape (50000, 1) and (10000, 1). The labels
        are int64, as Keras 3 returns them (it reshapes the file's Python list).

    Raises:
        ValueError: ``label_mode`` is neither ``"fine"`` nor ``"coarse"``, or the archive
            does not match Keras's hash.
        minikeras.utils.DownloadError: the archive cannot be downloaded.

    Example:

    >>> (x_train, y_train), _ = cifar100.load_data(label_mode="coarse")  # doctest: +SKIP
    """
    if label_mode not in LABEL_MODES:
        raise ValueError(f'label_mode must be one of "fine", "coarse"; received '
                         f'label_mode={label_mode!r}.')
    path = get_file(fname="cifar-100-python-target", extract=True, file_hash=FILE_HASH,
                    origin=origins.origin(origins.CIFAR, "cifar-100-python.tar.gz"))
    path = os.path.join(path, FOLDER)
    label_key = f"{label_mode}_labels"
    x_train, y_train = load_batch(os.path.join(path, "train"), label_key=label_key)
    x_test, y_test = load_batch(os.path.join(path, "test"), label_key=label_key)
    return ((to_image_data_format(x_train), as_column(y_train)),
            (to_image_data_format(x_test), as_column(y_test)))
