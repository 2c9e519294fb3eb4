"""Reuters newswires: 11,228 newswires labelled with one of 46 topics.

Each newswire is a list of word indices (``keras.datasets.reuters``), from Keras's
``reuters.npz``; the rules applied to them are in ``word_sequences``.
"""
import numpy as np

from minikeras.datasets import origins
from minikeras.datasets.npz_arrays import load_npz
from minikeras.datasets.word_sequences import (drop_long, limit_vocabulary, mark_and_shift,
                                               read_word_index, shuffled)
from minikeras.utils.file_utils import get_file

FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"  # md5, as Keras gives it
LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing",
    "money-supply", "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass",
    "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum",
    "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi",
    "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
    "dlr", "gas", "silver", "wpi", "hog", "lead",
)


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3):
    """Load Reuters (``keras.datasets.reuters.load_data``).

    Args:
        path: File name inside the Keras cache folder ``datasets``.
        num_words: Keep the ``num_words`` most frequent words; others become ``oov_char``.
        skip_top: Indices below this become ``oov_char`` too.
        maxlen: Drop newswires whose length, with the start mark, is ``maxlen`` or more.
        test_split: Fraction of the shuffled newswires kept for testing (the last ones).
        seed: Seed of the shuffle (``np.random.RandomState``).
        start_char: Index put at the start of every newswire (None: none).
        oov_char: Index for out-of-vocabulary words (None: drop them).
        index_from: Added to every word index.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: object arrays of lists of ints and int
        topic labels 0..45; the first ``int(n * (1 - test_split))`` are for training.

    Example:

    >>> (x_train, y_train), _ = reuters.load_data(num_words=10000)  # doctest: +SKIP
    """
    file_path = get_file(fname=path, file_hash=FILE_HASH,
                         origin=origins.origin(origins.KERAS_DATASETS, "reuters.npz"))
    arrays = load_npz(file_path, ("x", "y"))
    xs, labels = shuffled(np.random.RandomState(seed), arrays["x"], arrays["y"])
    xs = mark_and_shift(xs, start_char, index_from)
    if maxlen:
        xs, labels = drop_long(maxlen, xs, labels)
    xs = limit_vocabulary(xs, num_words, skip_top, oov_char)
    split = int(len(xs) * (1 - test_split))
    return ((np.array(xs[:split], dtype="object"), np.array(labels[:split])),
            (np.array(xs[split:], dtype="object"), np.array(labels[split:])))


def get_word_index(path="reuters_word_index.json"):
    """The ``{word: index}`` dict of Reuters (``keras.datasets.reuters.get_word_index``).

    Args:
        path: File name inside the Keras cache folder ``datasets``.

    Returns:
        Dict mapping each word to its frequency rank (before ``index_from``).
    """
    file_path = get_file(fname=path, file_hash=WORD_INDEX_HASH,
                         origin=origins.origin(origins.KERAS_DATASETS, "reuters_word_index.json"))
    return read_word_index(file_path)


def get_label_names():
    """The 46 topic names, indexed by label (``keras.datasets.reuters.get_label_names``)."""
    return LABEL_NAMES
