"""``keras.utils.audio_dataset_from_directory``: a folder of ``.wav`` files as a Dataset.

WAV files are read with Python's ``wave`` module (integer PCM, 8 to 32 bits), scaled to
float32 in [-1, 1] as ``tf.audio.decode_wav`` does (a 16-bit sample ``v`` becomes
``v / 32768``).
"""
import functools
import wave

import numpy as np

from .directory_datasets import (check_binary_classes, check_labels_arg,
                                 check_validation_split_arg, index_directory,
                                 split_into_datasets)

ALLOWED_FORMATS = (".wav",)


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, batch_size=32, sampling_rate=None,
                                 output_sequence_length=None, ragged=False, shuffle=True,
                                 seed=None, validation_split=None, subset=None,
                                 follow_links=False, verbose=True, format="tf"):
    """Read a folder of ``.wav`` files into a ``Dataset`` of ``(audio, labels)`` batches.

    Args:
        directory: The root folder (``directory/<class>/*.wav`` with inferred labels).
        labels: ``"inferred"``, None, or a list of int labels, one per file.
        label_mode: ``"int"``, ``"categorical"``, ``"binary"`` or None.
        class_names: Sub-folders to use, in label order.
        batch_size: Clips per batch; None yields single clips.
        sampling_rate: Resampling is not offered (Keras needs tensorflow-io for it); only
            None is accepted.
        output_sequence_length: Cut or zero-pad every clip to this many samples; None pads
            each batch to its longest clip.
        ragged: Not offered (no ragged arrays here): an error says so.
        shuffle, seed, validation_split, subset, follow_links, verbose: As in
            ``image_dataset_from_directory``.
        format: ``"tf"`` (the Dataset).

    Returns:
        A ``Dataset`` of float32 audio of shape (batch, samples, channels) with
        ``class_names``, or a list of two with ``subset="both"``.
    """
    check_labels_arg(labels, label_mode, class_names)
    if format != "tf":
        raise ValueError(f'format must be "tf" (a minikeras Dataset); received format={format!r}.')
    if ragged and output_sequence_length is not None:
        raise ValueError("Cannot set both `ragged` and `output_sequence_length`")
    _check_sampling_rate(sampling_rate)
    if ragged:
        raise ValueError("ragged=True is not offered (minikeras has no ragged arrays): leave "
                         "it False to pad each batch to its longest clip, or set "
                         "output_sequence_length.")
    if sampling_rate is not None:
        raise ValueError(f"sampling_rate={sampling_rate!r}: resampling is not offered (Keras "
                         f"needs tensorflow-io for it); resample the files beforehand.")
    if output_sequence_length is not None and (not isinstance(output_sequence_length, int)
                                                or output_sequence_length < 1):
        raise ValueError(f"output_sequence_length must be a positive integer or None; received "
                         f"{output_sequence_length!r}.")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    seed = np.random.randint(1e6) if seed is None else seed
    paths, labels, class_names = index_directory(
        directory, labels, ALLOWED_FORMATS, class_names=class_names, shuffle=shuffle,
        seed=seed, follow_links=follow_links, verbose=verbose)
    check_binary_classes(label_mode, class_names)
    return split_into_datasets(
        paths, labels, load=functools.partial(read_wav, length=output_sequence_length),
        label_mode=label_mode, num_classes=len(class_names or ()), batch_size=batch_size,
        shuffle=shuffle, seed=seed, validation_split=validation_split, subset=subset,
        class_names=class_names, directory=directory, what="audio files",
        formats=ALLOWED_FORMATS, padded=output_sequence_length is None)


def _check_sampling_rate(sampling_rate):
    """Keras's checks of a given ``sampling_rate``, before saying resampling is not offered."""
    if sampling_rate is None:
        return
    if not isinstance(sampling_rate, int):
        raise ValueError(f"`sampling_rate` should have an integer value. Received: "
                         f"sampling_rate={sampling_rate}")
    if sampling_rate <= 0:
        raise ValueError(f"`sampling_rate` should be higher than 0. Received: "
                         f"sampling_rate={sampling_rate}")


def read_wav(path, length=None):
    """A PCM ``.wav`` file as float32 (samples, channels) in [-1, 1].

    Args:
        path: The file.
        length: Cut or zero-pad to this many samples; None keeps them all.

    Raises:
        ValueError: the file is not integer-PCM WAV (the message names it).
    """
    try:
        with wave.open(str(path), "rb") as f:
            width, channels = f.getsampwidth(), f.getnchannels()
            raw = f.readframes(f.getnframes())
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"Could not read {path} as a PCM WAV file ({exc}).") from exc
    audio = _pcm_to_float(raw, width).reshape(-1, channels)
    if length is not None:
        audio = np.pad(audio[:length], ((0, max(length - len(audio), 0)), (0, 0)))
    return audio


def _pcm_to_float(raw, width):
    """Little-endian PCM bytes -> float32 in [-1, 1] (8-bit PCM is unsigned)."""
    if width == 1:
        return (np.frombuffer(raw, np.uint8).astype(np.float32) - 128) / 128
    if width == 3:  # 24-bit: widen each sample to 32 bits
        triples = np.frombuffer(raw, np.uint8).reshape(-1, 3)
        raw = np.concatenate([np.zeros((len(triples), 1), np.uint8), triples], axis=1).tobytes()
        width = 4
    ints = np.frombuffer(raw, f"<i{width}")
    return (ints / float(2 ** (8 * width - 1))).astype(np.float32)
