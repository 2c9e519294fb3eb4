"""Read the arrays of a Keras dataset ``.npz`` file, ragged object arrays included.

``np.load(allow_pickle=False)`` reads plain arrays; the ragged ``dtype=object`` arrays of
``imdb.npz`` and ``reuters.npz`` are pickle streams inside their ``.npy`` members and go
through ``pickle_stream``, which reads data and runs no code.
"""
import io
import zipfile

import numpy as np

from minikeras.datasets import pickle_stream


def load_npz(path, keys):
    """Return the named arrays of an ``.npz`` file.

    Args:
        path: The ``.npz`` file.
        keys: Names of the arrays the caller needs.

    Returns:
        Dict mapping each name in ``keys`` to its array.

    Raises:
        ValueError: the file is not a readable ``.npz`` archive, or lacks one of ``keys``;
            the message says to delete it so that it is downloaded again.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = {name[:-len(".npy")]: name for name in archive.namelist()
                       if name.endswith(".npy")}
            missing = [key for key in keys if key not in members]
            if missing:
                raise ValueError(f"expected the arrays {list(keys)}, found {sorted(members)} "
                                 f"(missing {missing})")
            return {key: _read_member(archive, members[key]) for key in keys}
    except (OSError, EOFError, zipfile.BadZipFile, ValueError) as exc:
        raise ValueError(f"Could not read {path} as the expected .npz file: {exc}. Delete it "
                         f"to download it again.") from exc


def _read_member(archive, name):
    with archive.open(name) as member:
        buffer = io.BytesIO(member.read())
    version = np.lib.format.read_magic(buffer)
    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                   else np.lib.format.read_array_header_2_0)
    shape, fortran_order, dtype = read_header(buffer)
    if not dtype.hasobject:
        buffer.seek(0)
        return np.lib.format.read_array(buffer, allow_pickle=False)
    array = pickle_stream.load(buffer.read())
    if not isinstance(array, np.ndarray) or array.shape != shape:
        raise ValueError(f"member {name} announces an array of shape {shape} but holds "
                         f"{type(array).__name__} {getattr(array, 'shape', '')}")
    return array
