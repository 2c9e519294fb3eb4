"""Fashion-MNIST: 70,000 grayscale 28x28 images of 10 kinds of clothing.

Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal,
6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot.

The four gzipped IDX files Keras uses, downloaded from Keras's origin into the Keras cache
(``$KERAS_HOME/datasets/fashion-mnist`` or ``~/.keras/datasets/fashion-mnist``) by
``keras.utils.get_file``. Keras publishes no hashes for them; the IDX headers are checked.
"""

import gzip
import os
import zlib

import numpy as np

from minikeras.datasets import origins
from minikeras.utils.file_utils import get_file

SUBDIR = os.path.join("datasets", "fashion-mnist")
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"

# IDX headers: a big-endian magic number, then one big-endian uint32 per
# dimension. Labels have one dimension (8-byte header), images three (16 bytes).
LABELS_MAGIC = 2049
IMAGES_MAGIC = 2051
LABELS_OFFSET = 8
IMAGES_OFFSET = 16


def load_data():
    """Load the Fashion-MNIST dataset.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
        (60000, 28, 28) and (10000, 28, 28) with values 0..255, and uint8
        labels 0..9 of shape (60000,) and (10000,).

    Raises:
        minikeras.utils.DownloadError: (an ``OSError``) a file is not cached and
            cannot be downloaded; the message says where to put it and where to get it.
        ValueError: a cached file is not a valid gzipped IDX file.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()  # doctest: +SKIP
    >>> x_test.shape  # doctest: +SKIP
    (10000, 28, 28)
    """
    y_train = _read_labels(_fetch(TRAIN_LABELS))
    x_train = _read_images(_fetch(TRAIN_IMAGES), len(y_train))
    y_test = _read_labels(_fetch(TEST_LABELS))
    x_test = _read_images(_fetch(TEST_IMAGES), len(y_test))
    return (x_train, y_train), (x_test, y_test)


def _fetch(fname):
    """Return the cached path of one Fashion-MNIST file, downloading it if absent."""
    return get_file(fname, origin=origins.origin(origins.KERAS_DATASETS, fname),
                    cache_subdir=SUBDIR)


def _read_labels(path):
    """Read a gzipped IDX1 label file.

    Args:
        path: Path of the ``*-labels-idx1-ubyte.gz`` file.

    Returns:
        uint8 array of shape (n,).
    """
    raw = _read_gzip(path)
    _check_header(path, raw, LABELS_MAGIC, LABELS_OFFSET, item_shape=())
    # frombuffer views the immutable bytes; copy so callers can edit in place
    return np.frombuffer(raw, np.uint8, offset=LABELS_OFFSET).copy()


def _read_images(path, num_labels):
    """Read a gzipped IDX3 image file.

    Args:
        path: Path of the ``*-images-idx3-ubyte.gz`` file.
        num_labels: Number of labels read for the same split; the image
            count must equal it.

    Returns:
        uint8 array of shape (n, 28, 28).
    """
    raw = _read_gzip(path)
    _check_header(path, raw, IMAGES_MAGIC, IMAGES_OFFSET, item_shape=(28, 28))
    images = np.frombuffer(raw, np.uint8, offset=IMAGES_OFFSET).reshape(-1, 28, 28).copy()
    if len(images) != num_labels:
        raise ValueError(
            f"{path} holds {len(images)} images but its label file holds "
            f"{num_labels} labels; delete both files to download them again."
        )
    return images


def _read_gzip(path):
    """Return the decompressed bytes of a gzip file.

    Args:
        path: Path of the ``.gz`` file.

    Returns:
        The decompressed content as ``bytes``.

    Raises:
        ValueError: The file is not valid gzip data.
    """
    try:
        with gzip.open(path, "rb") as f:
            return f.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(
            f"Could not decompress {path} ({exc}); delete it to download it again."
        ) from exc


def _check_header(path, raw, magic, offset, item_shape):
    """Check an IDX file's header against what the reader expects.

    Args:
        path: File path, for the error message.
        raw: Decompressed file content.
        magic: Expected magic number (2049 for labels, 2051 for images).
        offset: Header length in bytes (8 for labels, 16 for images).
        item_shape: Expected shape of one item: ``()`` for a label,
            ``(28, 28)`` for an image.

    Raises:
        ValueError: The magic number or item shape is wrong, or the file
            length does not match the item count in the header.
    """
    # header = [magic, count, *item_shape] as big-endian uint32
    header = np.frombuffer(raw[:offset], ">u4").tolist() if len(raw) >= offset else []
    if header[:1] != [magic] or tuple(header[2:]) != item_shape:
        raise ValueError(
            f"{path} is not an IDX file of the expected kind: expected a header "
            f"starting with magic number {magic} and items of shape {item_shape}, "
            f"found header {header} in a {len(raw)}-byte file. Delete it to "
            f"download it again."
        )
    expected = offset + header[1] * int(np.prod(item_shape))
    if len(raw) != expected:
        raise ValueError(
            f"{path} is truncated or corrupt: its header announces {header[1]} "
            f"items ({expected} bytes), the file has {len(raw)} bytes. Delete it "
            f"to download it again."
        )
