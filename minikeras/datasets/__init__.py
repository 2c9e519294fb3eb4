"""``keras.datasets``: the Keras datasets with Keras's ``load_data()`` interface.

``digits`` ships with minikeras. The others are downloaded from Keras's origins, with
Keras's file names and hashes, into the Keras cache (``$KERAS_HOME`` or ``~/.keras``) by
``keras.utils.get_file``, and read without unpickling. When a file can be neither found
nor downloaded, ``minikeras.utils.DownloadError`` (an ``OSError``) names the URL and the
path to put the file at. ``MINIKERAS_DATASETS_MIRROR`` points every download at a mirror
folder (see ``origins``).
"""

from minikeras.datasets import (boston_housing, california_housing, cifar10, cifar100, digits,
                                fashion_mnist, imdb, mnist, reuters)

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "digits",
           "fashion_mnist", "imdb", "mnist", "reuters"]
