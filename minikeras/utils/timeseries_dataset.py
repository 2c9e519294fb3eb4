"""``keras.utils.timeseries_dataset_from_array``: sliding windows over an array."""
import numpy as np

from .dataset import Dataset


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None, format="tf"):
    """Windows ``data[i : i + sequence_length * sampling_rate : sampling_rate]`` as a Dataset.

    Window ``k`` starts at ``start_index + k * sequence_stride``; its target is
    ``targets[start_index + k * sequence_stride]`` (the value at the window's first step,
    as Keras: shift ``targets`` to predict a later step).

    Args:
        data: Array (or array-like) of timesteps along axis 0.
        targets: Array of the same length as ``data``, or None (windows only).
        sequence_length: Steps per window.
        sequence_stride: Steps between the starts of consecutive windows.
        sampling_rate: Steps between two samples of a window.
        batch_size: Windows per batch; None yields single windows.
        shuffle: Shuffle the window starts (``RandomState(seed)``, as Keras), then each
            epoch's order through a buffer of ``8 * batch_size``.
        seed: Shuffle seed.
        start_index, end_index: Only use ``data[start_index:end_index]``.
        format: ``"tf"`` (the Dataset); ``"grain"`` is not offered.

    Returns:
        A ``Dataset`` of ``(windows, targets)`` batches (windows only without targets).

    Example:

    >>> ds = timeseries_dataset_from_array(np.arange(10), None, sequence_length=3,
    ...                                    sequence_stride=3, batch_size=None)
    >>> [w.tolist() for w in ds]
    [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    """
    data = _as_array(data)
    _check_arguments(len(data), sequence_stride, sampling_rate, start_index, end_index, format)
    start_index = start_index or 0
    end_index = len(data) if end_index is None else end_index
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = _as_array(targets)
        num_seqs = min(num_seqs, len(targets))
    # No window fits when num_seqs <= 0: the dataset is empty, as Keras's is.
    starts = np.arange(0, max(num_seqs, 0), sequence_stride, dtype="int32" if num_seqs < 2**31 - 1
                       else "int64")
    if shuffle:
        seed = np.random.randint(1e6) if seed is None else seed
        np.random.RandomState(seed).shuffle(starts)
    steps = data[start_index:end_index]
    offsets = np.arange(sequence_length) * sampling_rate

    def windows():
        for start in starts:
            window = steps[start + offsets]
            yield window if targets is None else (window, targets[start_index + start])

    dataset = Dataset(windows, len(starts))
    if shuffle:
        dataset = dataset.shuffle(8 * batch_size if batch_size is not None else 1024, seed=seed)
    return dataset.batch(batch_size) if batch_size is not None else dataset


def _as_array(values):
    """``values`` as an array; nested lists of Python numbers as TensorFlow converts them
    in Keras's pipeline (int32, float32), not numpy's 64-bit defaults."""
    array = np.asarray(values)
    leaf = values
    while isinstance(leaf, (list, tuple)) and len(leaf):
        leaf = leaf[0]
    if leaf is not values and type(leaf) in (int, float):
        return array.astype({"i": "int32", "f": "float32"}.get(array.dtype.kind, array.dtype))
    return array


def _check_arguments(length, sequence_stride, sampling_rate, start_index, end_index, format):
    if format != "tf":
        raise ValueError(f'format must be "tf" (a minikeras Dataset); received format={format!r}.')
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= length:
            raise ValueError(f"`start_index` must be lower than the length of the data. "
                             f"Received: start_index={start_index}, for data of length {length}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")  # Keras's trailing space
        if end_index >= length:
            raise ValueError(f"`end_index` must be lower than the length of the data. Received: "
                             f"end_index={end_index}, for data of length {length}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value <= 0:
            raise ValueError(f"`{name}` must be higher than 0. Received: {name}={value}")
        if value >= length:
            raise ValueError(f"`{name}` must be lower than the length of the data. Received: "
                             f"{name}={value}, for data of length {length}")
