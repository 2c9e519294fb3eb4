"""What CIFAR-10 and CIFAR-100 share: reading one pickled batch file, and the axis order.

A batch file is a Python 2 ``cPickle`` dict with ``bytes`` keys: ``b"data"``, a uint8
array of shape (n, 3072) (each row the red, green and blue 32x32 planes), and the labels
under ``b"labels"`` (CIFAR-10) or ``b"fine_labels"`` / ``b"coarse_labels"`` (CIFAR-100).
It is read by ``pickle_stream``, which runs no code.
"""
import numpy as np

from minikeras.backend import image_data_format
from minikeras.datasets import pickle_stream


def load_batch(fpath, label_key="labels"):
    """Read one CIFAR batch file.

    Args:
        fpath: Path of the batch file.
        label_key: Name of the label entry (``"labels"``, ``"fine_labels"``,
            ``"coarse_labels"``).

    Returns:
        ``(data, labels)``: uint8 images of shape (n, 3, 32, 32) and the labels as the
        file stores them (a list of ints).

    Raises:
        ValueError: the file is not a CIFAR batch (message names what is missing).
    """
    with open(fpath, "rb") as f:
        try:
            batch = pickle_stream.load(f.read())
        except ValueError as exc:
            raise ValueError(f"Could not read the CIFAR batch {fpath}: {exc}. Delete the "
                             f"dataset's files to download them again.") from exc
    batch = {_text(key): value for key, value in batch.items()} if isinstance(batch, dict) else {}
    if "data" not in batch or label_key not in batch:
        raise ValueError(f"{fpath} is not a CIFAR batch: expected the entries 'data' and "
                         f"{label_key!r}, found {sorted(batch)}.")
    data, labels = batch["data"], batch[label_key]
    if data.shape[0] != len(labels) or data.shape[1:] != (3 * 32 * 32,):
        raise ValueError(f"{fpath} is corrupt: data of shape {data.shape} for {len(labels)} "
                         f"labels (expected ({len(labels)}, 3072)).")
    return data.reshape(len(data), 3, 32, 32), labels


def _text(key):
    return key.decode("utf-8") if isinstance(key, bytes) else key


def to_image_data_format(x):
    """(n, 3, 32, 32) images -> (n, 32, 32, 3) under ``channels_last`` (the default)."""
    return x.transpose(0, 2, 3, 1) if image_data_format() == "channels_last" else x


def as_column(labels, dtype=None):
    """Labels -> an (n, 1) array, as Keras returns them."""
    labels = np.asarray(labels) if dtype is None else np.asarray(labels, dtype=dtype)
    return labels.reshape(len(labels), 1)
