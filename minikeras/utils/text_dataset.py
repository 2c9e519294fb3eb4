"""``keras.utils.text_dataset_from_directory``: a folder of ``.txt`` files as a Dataset."""
import functools

import numpy as np

from .directory_datasets import (check_binary_classes, check_labels_arg,
                                 check_validation_split_arg, index_directory,
                                 split_into_datasets)


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                batch_size=32, max_length=None, shuffle=True, seed=None,
                                validation_split=None, subset=None, follow_links=False,
                                format="tf", verbose=True):
    """Read a folder of ``.txt`` files into a ``Dataset`` of ``(texts, labels)`` batches.

    With ``labels="inferred"``, ``directory/pos/*.txt`` and ``directory/neg/*.txt`` give
    labels in sorted folder order (``neg`` 0, ``pos`` 1). Texts are Python ``str`` (UTF-8
    decoded) in object arrays; Keras gives ``tf.string`` bytes.

    Args:
        directory: The root folder.
        labels: ``"inferred"``, None (texts only), or a list of int labels, one per file.
        label_mode: ``"int"``, ``"categorical"``, ``"binary"`` or None.
        class_names: Sub-folders to use, in label order (inferred labels only).
        batch_size: Texts per batch; None yields single texts.
        max_length: Keep at most this many bytes of each text's UTF-8 (Keras cuts the
            bytes; a character cut in two ends the text as U+FFFD).
        shuffle: Shuffle the files (seeded) and each epoch's order.
        seed: Shuffle seed; required with ``validation_split`` and shuffling.
        validation_split: Fraction of the files held out for validation.
        subset: ``"training"``, ``"validation"`` or ``"both"``.
        follow_links: Descend into symbolic links to folders.
        format: ``"tf"`` (the Dataset); ``"grain"`` is not offered.
        verbose: Print how many files and classes were found.

    Returns:
        A ``Dataset`` with ``class_names``, or a list of two with ``subset="both"``.

    Raises:
        ValueError: a bad argument, a folder without class sub-folders or ``.txt`` files,
            or (when iterated) a file that is not UTF-8 text (named in the message).
        FileNotFoundError: ``directory`` does not exist.
    """
    check_labels_arg(labels, label_mode, class_names)
    if format != "tf":
        raise ValueError(f'format must be "tf" (a minikeras Dataset); received format={format!r} '
                         f'("grain" is not offered).')
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if max_length is not None and (not isinstance(max_length, int) or max_length < 1):
        raise ValueError(f"max_length must be a positive integer or None; received {max_length!r}.")
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    seed = np.random.randint(1e6) if seed is None else seed
    paths, labels, class_names = index_directory(
        directory, labels, (".txt",), class_names=class_names, shuffle=shuffle, seed=seed,
        follow_links=follow_links, verbose=verbose)
    check_binary_classes(label_mode, class_names)
    return split_into_datasets(paths, labels, load=functools.partial(_read_text,
                                                                     max_length=max_length),
                               label_mode=label_mode, num_classes=len(class_names or ()),
                               batch_size=batch_size, shuffle=shuffle, seed=seed,
                               validation_split=validation_split, subset=subset,
                               class_names=class_names, directory=directory,
                               what="text files", formats=(".txt",))


def _read_text(path, max_length):
    """A file's text as a 0-d object array holding a ``str``."""
    with open(path, "rb") as f:
        raw = f.read()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not UTF-8 text ({exc}).") from exc
    value = np.empty((), dtype=object)
    value[()] = raw[:max_length].decode("utf-8", "replace")
    return value
