"""IMDB movie reviews: 50,000 reviews labelled positive (1) or negative (0).

Each review is a list of word indices (``keras.datasets.imdb``), from Keras's
``imdb.npz``; the rules applied to them are in ``word_sequences``.
"""
import numpy as np

from minikeras.datasets import origins
from minikeras.datasets.npz_arrays import load_npz
from minikeras.datasets.word_sequences import (drop_long, limit_vocabulary, mark_and_shift,
                                               read_word_index, shuffled)
from minikeras.utils.file_utils import get_file

FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"  # md5, as Keras gives it


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    """Load IMDB (``keras.datasets.imdb.load_data``).

    Args:
        path: File name inside the Keras cache folder ``datasets``.
        num_words: Keep the ``num_words`` most frequent words; others become ``oov_char``.
        skip_top: Indices below this become ``oov_char`` too (the commonest words).
        maxlen: Drop reviews whose length, with the start mark, is ``maxlen`` or more.
        seed: Seed of the shuffle (``np.random.RandomState``).
        start_char: Index put at the start of every review (None: none).
        oov_char: Index for out-of-vocabulary words (None: drop them).
        index_from: Added to every word index (ranks start at 1).
        **kwargs: Keras 1 options (``nb_words``) are refused with the new name.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: object arrays of 25,000 lists of ints
        each (fewer with ``maxlen``), and int labels 0/1.

    Raises:
        ValueError: ``maxlen`` leaves no review in a split, or an unknown keyword.

    Example:

    >>> (x_train, y_train), _ = imdb.load_data(num_words=10000)  # doctest: +SKIP
    """
    _refuse_keras1_options(kwargs)
    file_path = get_file(fname=path, origin=origins.origin(origins.KERAS_DATASETS, "imdb.npz"),
                         file_hash=FILE_HASH)
    arrays = load_npz(file_path, ("x_train", "y_train", "x_test", "y_test"))
    rng = np.random.RandomState(seed)
    x_train, labels_train = shuffled(rng, arrays["x_train"], arrays["y_train"])
    x_test, labels_test = shuffled(rng, arrays["x_test"], arrays["y_test"])
    x_train = mark_and_shift(x_train, start_char, index_from)
    x_test = mark_and_shift(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = drop_long(maxlen, x_train, labels_train)
        x_test, labels_test = drop_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, "
                             f"no sequence was kept. Increase maxlen.")
    xs = limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    split = len(x_train)
    return ((np.array(xs[:split], dtype="object"), labels[:split]),
            (np.array(xs[split:], dtype="object"), labels[split:]))


def _refuse_keras1_options(kwargs):
    if "nb_words" in kwargs:
        raise ValueError("The nb_words argument is no longer supported; use num_words.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {sorted(kwargs)}.")


def get_word_index(path="imdb_word_index.json"):
    """The ``{word: index}`` dict of IMDB (``keras.datasets.imdb.get_word_index``).

    The indices are ranks, before ``index_from`` is added: look up
    ``index - index_from`` in the reversed dict to decode a loaded review.

    Args:
        path: File name inside the Keras cache folder ``datasets``.

    Returns:
        Dict mapping each word to its frequency rank (1 = most frequent).
    """
    file_path = get_file(fname=path, file_hash=WORD_INDEX_HASH,
                         origin=origins.origin(origins.KERAS_DATASETS, "imdb_word_index.json"))
    return read_word_index(file_path)
