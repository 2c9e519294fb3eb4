"""Small datasets with Keras's ``load_data()`` interface.

``digits`` ships with minikeras; ``mnist`` and ``fashion_mnist`` are read from
the Keras dataset cache and downloaded there when missing. When a file can be
neither found nor downloaded they raise ``DatasetUnavailableError`` (an
``OSError``) naming the path to put the file at and the URL to get it from.
"""

from minikeras.datasets import digits, fashion_mnist, mnist
from minikeras.datasets._cache import DatasetUnavailableError

__all__ = ["DatasetUnavailableError", "digits", "fashion_mnist", "mnist"]
