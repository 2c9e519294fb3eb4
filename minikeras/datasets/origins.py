"""Where the Keras datasets are downloaded from, and how to point them at a mirror.

The loaders download from Keras's own origins, with Keras's file names and hashes, into
the Keras cache (``keras.utils.get_file``). Set the environment variable
``MINIKERAS_DATASETS_MIRROR`` to a base URL (``http://host/keras-datasets/`` or
``file:///data/keras/``) to fetch every dataset file from that one folder instead, under
the same file names; the tests serve their small files this way.
"""
import os

KERAS_DATASETS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
CIFAR = "https://www.cs.toronto.edu/~kriz/"
MIRROR_VARIABLE = "MINIKERAS_DATASETS_MIRROR"


def origin(base, filename):
    """The URL of ``filename``: ``base + filename``, or the mirror's when one is set.

    Args:
        base: One of the origin folders above.
        filename: The file's name on the server.

    Returns:
        The URL to download.
    """
    mirror = os.environ.get(MIRROR_VARIABLE)
    return (mirror.rstrip("/") + "/" if mirror else base) + filename
