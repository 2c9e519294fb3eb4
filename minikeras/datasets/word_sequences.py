"""The word-index rules IMDB and Reuters share (Keras's ``load_data`` options).

Each review or newswire is a list of word ranks (1 = most frequent word). The loaders
shuffle them with ``np.random.RandomState(seed)``, then:

1. shift every rank by ``index_from`` and put ``start_char`` in front (when
   ``start_char`` is None the ranks are still shifted);
2. with ``maxlen``, drop every sequence whose length (start mark included) is not
   strictly below ``maxlen``;
3. every index outside ``[skip_top, num_words)`` becomes ``oov_char``, or is dropped when
   ``oov_char`` is None. ``num_words`` None (or 0) means the largest index present, so,
   as in Keras, that one index is out of range too.
"""
import json

import numpy as np


def shuffled(rng, *arrays):
    """The arrays, permuted together by one ``rng.shuffle`` of their indices."""
    indices = np.arange(len(arrays[0]))
    rng.shuffle(indices)
    return [array[indices] for array in arrays]


def mark_and_shift(sequences, start_char, index_from):
    """Rule 1: each sequence as a list, shifted by ``index_from``, ``start_char`` in front."""
    head = [] if start_char is None else [start_char]
    return [head + [w + index_from for w in seq] for seq in sequences]


def drop_long(maxlen, sequences, labels):
    """Rule 2: keep (sequence, label) pairs whose sequence is shorter than ``maxlen``."""
    kept = [(seq, label) for seq, label in zip(sequences, labels) if len(seq) < maxlen]
    return [seq for seq, _ in kept], [label for _, label in kept]


def limit_vocabulary(sequences, num_words, skip_top, oov_char):
    """Rule 3 over all sequences."""
    if not num_words:
        num_words = max(max(seq) for seq in sequences)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in seq]
                for seq in sequences]
    return [[w for w in seq if skip_top <= w < num_words] for seq in sequences]


def read_word_index(path):
    """The ``{word: rank}`` dict of a Keras word-index JSON file."""
    with open(path, encoding="utf-8") as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path} is not a JSON word index ({exc}); delete it to "
                             f"download it again.") from exc
