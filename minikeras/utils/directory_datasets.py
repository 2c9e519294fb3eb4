"""What image and text ``*_dataset_from_directory`` share: finding the files, labels, splits.

With ``labels="inferred"`` every sub-folder of ``directory`` is a class (sorted names,
hidden ones skipped) and each file below it, at any depth, is a sample of that class;
otherwise the files are indexed from ``directory`` down and ``labels`` gives one label per
file in that (sorted) order. Files are then shuffled with ``np.random.RandomState(seed)``
and the validation split is the last ``int(validation_split * n)`` of them, as in Keras,
so the same seed gives the same training / validation partition as Keras does.
"""
import errno
import os

import numpy as np

from .dataset import Dataset
from ..io_utils import print_msg

SUBSETS = ("training", "validation", "both")
LABEL_MODES = ("int", "categorical", "binary", None)


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    """Keras's checks of ``validation_split`` / ``subset`` / ``seed``."""
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: "
                         f"{validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in SUBSETS + (None,):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", '
                         f'received: {subset}')
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must "
                         "provide a `seed` argument, to make sure that there is no overlap "
                         "between the training and validation subset.")


def check_labels_arg(labels, label_mode, class_names):
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError(f'labels must be "inferred", None, or a list/tuple of integer labels '
                         f'(one per file, in sorted file order); received labels={labels!r}.')
    if isinstance(labels, (list, tuple)) and class_names:
        raise ValueError(f'You can only pass `class_names` if `labels="inferred"`. Received: '
                         f'labels={labels}, and class_names={class_names}')
    if label_mode not in LABEL_MODES:
        raise ValueError(f'`label_mode` argument must be one of "int", "categorical", '
                         f'"binary", or None. Received: label_mode={label_mode}')


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True):
    """List the sample files of ``directory`` with their labels.

    Args:
        directory: The root folder.
        labels: ``"inferred"``, None, or a list of int labels (one per file).
        formats: Lower-case file extensions to keep (``(".png", ".jpg")``).
        class_names: With inferred labels, the sub-folders to use, in label order.
        shuffle: Shuffle the files (and labels) with ``RandomState(seed)``.
        seed: Shuffle seed; None draws one.
        follow_links: Descend into symbolic links to folders.
        verbose: Print "Found N files belonging to K classes.".

    Returns:
        ``(file_paths, labels, class_names)``: labels an int32 array (None without
        labels), class_names None without labels.

    Raises:
        FileNotFoundError: ``directory`` does not exist.
        NotADirectoryError: ``directory`` is a file.
        ValueError: inferred labels but no class
            sub-folders; ``class_names`` not among the sub-folders; a label list of the
            wrong length.
    """
    if not os.path.isdir(directory):  # Keras's errors: the ones listing the folder raises
        if os.path.exists(directory):
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), directory)
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), directory)
    if labels == "inferred":
        subdirs = sorted(name for name in os.listdir(directory)
                         if os.path.isdir(os.path.join(directory, name))
                         and not name.startswith("."))
        if not subdirs:
            found = sorted(os.listdir(directory))[:10]
            raise ValueError(f'With labels="inferred", {directory} must hold one sub-folder per '
                             f'class (e.g. {directory}/cats/, {directory}/dogs/); it holds no '
                             f'folder, only {found}. Pass labels=None to read its files '
                             f'without labels.')
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError(f"The `class_names` passed did not match the names of the "
                                 f"subdirectories of the target directory. Expected: {subdirs} "
                                 f"(or a subset of it), but received: class_names={class_names}")
            subdirs = list(class_names)
    else:
        if class_names is not None:
            raise ValueError("When `labels=None` (no labels), argument `class_names` cannot be "
                             "specified.")
        subdirs = [""]
    paths, label_list = [], []
    for index, subdir in enumerate(subdirs):
        for path in _valid_files(os.path.join(directory, subdir), follow_links, formats):
            paths.append(path)
            label_list.append(index)
    if labels == "inferred":
        labels, class_names = np.asarray(label_list, dtype="int32"), list(subdirs)
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(paths):
            raise ValueError(f"Expected the lengths of `labels` to match the number of files in "
                             f"the target directory. len(labels) is {len(labels)} while we "
                             f"found {len(paths)} files in directory {directory}.")
        class_names = [str(label) for label in sorted(set(labels))]
        labels = np.asarray(labels)
    if verbose:
        print_msg(f"Found {len(paths)} files." if labels is None else
                  f"Found {len(paths)} files belonging to {len(class_names)} classes.")
    if shuffle:
        seed = np.random.randint(1e6) if seed is None else seed
        np.random.RandomState(seed).shuffle(paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return paths, labels, class_names


def _valid_files(folder, follow_links, formats):
    """Files under ``folder`` with one of ``formats``, folders and names in sorted order."""
    for root, _, files in sorted(os.walk(folder, followlinks=follow_links), key=lambda w: w[0]):
        for name in sorted(files):
            if name.lower().endswith(formats):
                yield os.path.join(root, name)


def check_binary_classes(label_mode, class_names):
    """Keras's error for ``label_mode="binary"`` with other than two classes."""
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 '
                         f'class_names. Received: class_names={class_names}')


def training_or_validation_split(samples, labels, validation_split, subset):
    """The ``subset`` part: validation is the last ``int(validation_split * n)`` samples."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    num_train = len(samples) - num_val
    if subset == "training":
        print_msg(f"Using {num_train} files for training.")
        part = slice(0, num_train)
    elif subset == "validation":
        print_msg(f"Using {num_val} files for validation.")
        part = slice(num_train, None)
    else:
        raise ValueError(f'subset must be either "training" or "validation", received: {subset}')
    return samples[part], (labels[part] if labels is not None else None)


def encode_labels(labels, label_mode, num_classes):
    """int32 labels -> the ``label_mode``'s arrays: int32, one-hot float32, or (n, 1) float32."""
    if label_mode == "binary":
        return labels.astype("float32")[:, None]
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[labels]
    return labels.astype("int32")


def split_into_datasets(paths, labels, *, load, label_mode, num_classes, batch_size, shuffle,
                        seed, validation_split, subset, class_names, directory, what, formats,
                        padded=False):
    """The ``Dataset`` (or ``[training, validation]`` for ``subset="both"``) of the files.

    Args:
        paths, labels: From ``index_directory`` (already shuffled).
        load: Function of a file path returning the sample array.
        label_mode, num_classes: How labels are encoded (``encode_labels``).
        batch_size: Samples per batch, or None for single samples.
        shuffle, seed: Reshuffle each epoch through a buffer of ``8 * batch_size``
            (1024 without batching); never for the validation part of ``"both"``.
        validation_split, subset: As given to the public function.
        class_names: Set as the datasets' ``class_names`` attribute.
        directory, what, formats: For the "no files found" message (``what``: "images").
        padded: Pad each batch's samples to the longest (``Dataset.padded_batch``) instead
            of stacking samples of one shape.
    """
    def make(part_paths, part_labels, part_shuffle):
        if not part_paths:
            raise ValueError(f"No {what} found in directory {directory}. Allowed formats: "
                             f"{formats}")
        names = np.asarray(part_paths, dtype=object)
        if label_mode is None:
            dataset = Dataset.from_tensor_slices(names)
        else:
            dataset = Dataset.from_tensor_slices(
                (names, encode_labels(part_labels, label_mode, num_classes)))
        if part_shuffle:
            dataset = dataset.shuffle(8 * batch_size if batch_size is not None else 1024,
                                      seed=seed)
        dataset = dataset.map(load if label_mode is None else (lambda path, y: (load(path), y)))
        if batch_size is not None:
            dataset = dataset.padded_batch(batch_size) if padded else dataset.batch(batch_size)
        dataset = dataset.prefetch(-1)
        dataset.class_names = class_names
        dataset.file_paths = list(part_paths)
        return dataset

    if subset == "both":
        return [make(*training_or_validation_split(paths, labels, validation_split, "training"),
                     shuffle),
                make(*training_or_validation_split(paths, labels, validation_split, "validation"),
                     False)]
    return make(*training_or_validation_split(paths, labels, validation_split, subset), shuffle)
