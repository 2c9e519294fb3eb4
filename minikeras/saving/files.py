"""File plumbing for saving: crash-safe writes, overwrite prompts, h5py, HDF5 string attributes.

Every file is written to a temporary file in the destination folder and renamed
into place with ``os.replace`` only once it is complete, so a crash (or an
exception) while saving never leaves a half-written file where a good one was. The
temporary files of a target are named ``.<name>.<random>.tmp`` (folders:
``.<name>.<random>.tmpdir``); a save removes those a killed earlier save of the same
target left behind.
"""
import contextlib
import ctypes
import glob
import os
import shutil
import tempfile

import numpy as np

from ..io_utils import print_msg

# Keras splits an HDF5 attribute into ``name0``, ``name1``, ... past this many bytes
# (the object header limit of HDF5).
HDF5_OBJECT_HEADER_LIMIT = 64512


def import_h5py():
    """h5py, imported on first use so ``import minikeras`` stays fast."""
    try:
        import h5py
    except ImportError:  # pragma: no cover - h5py is a declared dependency
        raise ImportError("Saving and loading HDF5 files requires h5py: `pip install h5py`.")
    return h5py


class MissingFileError(FileNotFoundError, ValueError):
    """A file to load does not exist (an OSError, and a ValueError as Keras raises)."""


def check_exists(filepath, kind=None):
    """Raise :class:`MissingFileError` when ``filepath`` does not exist (naming the ``kind``
    of file expected, as Keras names a `.keras` zip file)."""
    if not os.path.exists(filepath):
        expected = f" Please ensure the file is an accessible {kind}." if kind else ""
        raise MissingFileError(
            f"File not found: filepath={filepath}.{expected} Check the path (relative paths "
            f"are taken from the current folder, {os.getcwd()}).")


def proceed_with_overwrite(filepath, overwrite):
    """True if ``filepath`` may be written: it is new, ``overwrite`` is set, or the user agrees."""
    if overwrite or not os.path.exists(filepath):
        return True
    try:
        answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n]").strip().lower()
    except EOFError:
        answer = "n"
    while answer not in ("y", "n"):
        try:
            answer = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
        except EOFError:
            answer = "n"
    if answer == "n":
        return False
    print_msg("[TIP] Next time specify overwrite=True!")  # after a "y", as Keras prints it
    return True


def _target_folder(filepath):
    folder = os.path.dirname(os.path.abspath(filepath))
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"Cannot save to {filepath}: the folder {folder} does not exist. Create it first "
            "(e.g. `os.makedirs(folder, exist_ok=True)`).")
    return folder


def remove_stale_temporaries(filepath):
    """Delete the temporary files and folders a killed save of ``filepath`` left behind."""
    folder = os.path.dirname(os.path.abspath(filepath))
    pattern = os.path.join(glob.escape(folder), f".{glob.escape(os.path.basename(filepath))}.*")
    for path in glob.glob(pattern):
        if path.endswith(".tmpdir") and os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        elif path.endswith(".tmp") and os.path.isfile(path):
            with contextlib.suppress(OSError):
                os.remove(path)


def temporary_file(filepath):
    """A new empty temporary file beside ``filepath`` (named for it), after removing stale ones."""
    folder = _target_folder(filepath)
    remove_stale_temporaries(filepath)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(filepath)}.", suffix=".tmp",
                               dir=folder)
    os.close(fd)
    return tmp


@contextlib.contextmanager
def atomic_write(filepath):
    """Yield a temporary path beside ``filepath``; rename it to ``filepath`` on success.

    On any exception the temporary file is removed and ``filepath`` is untouched.
    """
    with atomic_write_many([filepath]) as (tmp,):
        yield tmp


@contextlib.contextmanager
def atomic_write_many(filepaths):
    """Yield one temporary path per target; rename them all into place once all are written.

    On an exception nothing is renamed and every temporary file is removed.
    """
    filepaths = [os.fspath(p) for p in filepaths]
    temporaries = []
    try:
        for filepath in filepaths:
            temporaries.append(temporary_file(filepath))
        yield temporaries
        for tmp, filepath in zip(temporaries, filepaths):
            os.chmod(tmp, _file_mode(filepath))
        for tmp, filepath in zip(temporaries, filepaths):
            os.replace(tmp, filepath)
    except BaseException:
        for tmp in temporaries:
            with contextlib.suppress(OSError):
                os.remove(tmp)
        raise


def temporary_folder(path):
    """A new empty temporary folder beside ``path`` (named for it), after removing stale ones."""
    parent = _target_folder(path)
    remove_stale_temporaries(path)
    return tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.", suffix=".tmpdir", dir=parent)


_RENAME_EXCHANGE = 2  # Linux renameat2 flag: swap two paths atomically
_AT_FDCWD = -100


def swap_folder_in(new, path):
    """Put folder ``new`` at ``path`` so that ``path`` always holds the old or the new folder.

    On Linux the two are exchanged atomically (``renameat2``) and the old one ends at
    ``new``, which is then removed. Elsewhere the old folder is renamed away first; a
    kill between the two renames leaves it as ``.<name>.<random>.tmpdir`` beside ``path``.
    """
    if os.path.isdir(path) and _exchange(new, path):
        shutil.rmtree(new, ignore_errors=True)
        return
    old = None
    if os.path.exists(path):
        old = temporary_folder(path)
        os.rmdir(old)
        os.replace(path, old)
    os.replace(new, path)
    if old:
        shutil.rmtree(old, ignore_errors=True)


def _exchange(a, b):
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    return renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b),
                     _RENAME_EXCHANGE) == 0


def _file_mode(filepath):
    """Keep an existing file's permissions; new files get the usual 0o666 minus the umask."""
    try:
        return os.stat(filepath).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def json_default(obj):
    """``json.dumps`` fallback: numpy scalars and arrays become plain numbers and lists."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"Cannot store {obj!r} (of type {type(obj).__name__}) in a JSON config.")


# ---- HDF5 string-list attributes ------------------------------------------------------------
def write_string_list(group, name, values):
    """Store a list of strings as Keras 3 does: variable-length UTF-8, split when too large.

    An empty list is stored as an empty float64 array (what h5py makes of ``[]``).
    """
    h5py = import_h5py()
    values = [str(v) for v in values]
    if not values:
        group.attrs[name] = np.zeros((0,), np.float64)
        return
    too_long = [v for v in values if len(v) > HDF5_OBJECT_HEADER_LIMIT]
    if too_long:
        raise ValueError(
            f"The following attributes cannot be saved to HDF5 file because they are larger "
            f"than {HDF5_OBJECT_HEADER_LIMIT} bytes: {too_long[:3]}")
    measured = np.asarray(values)  # Keras sizes the chunks on the fixed-width unicode array
    chunks = 1
    while any(part.nbytes > HDF5_OBJECT_HEADER_LIMIT
              for part in np.array_split(measured, chunks)):
        chunks += 1
    string_dtype = h5py.string_dtype("utf-8")
    if chunks == 1:
        group.attrs[name] = np.array(values, dtype=string_dtype)
        return
    for i, part in enumerate(np.array_split(np.array(values, dtype=object), chunks)):
        group.attrs[f"{name}{i}"] = np.array(list(part), dtype=string_dtype)


def read_string_list(group, name):
    """A list of str from attribute ``name`` (or ``name0``, ``name1``, ...), or None if absent.

    Reads variable-length strings (Keras 3), fixed-length byte arrays (Keras 2) and
    a single scalar string alike.
    """
    attrs = group.attrs
    if name in attrs:
        parts = [_attribute(attrs, name)]
    elif f"{name}0" in attrs:
        parts, i = [], 0
        while f"{name}{i}" in attrs:
            parts.append(_attribute(attrs, f"{name}{i}"))
            i += 1
    else:
        return None
    out = []
    for part in parts:
        items = np.atleast_1d(np.asarray(part, dtype=object) if not isinstance(part, (str, bytes))
                              else np.array([part], dtype=object))
        out.extend(_text(item) for item in items.ravel())
    return out


def read_string(attrs, name, default=None):
    """One string attribute (str or bytes in the file) as str."""
    if name not in attrs:
        return default
    value = _attribute(attrs, name)
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    return _text(value)


# An attribute lives in an HDF5 object header (64 KiB) unless stored densely; Keras splits
# longer string lists into name0, name1, ... So no real attribute comes near these.
MAX_ATTRIBUTE_ITEMS = 1_000_000
MAX_ATTRIBUTE_BYTES = 64 * 2 ** 20


def _attribute(attrs, name):
    """``attrs[name]``, refused when its header declares more than a real attribute holds."""
    attribute = attrs.get_id(name)
    shape = attribute.shape or ()
    items = int(np.prod(shape, dtype=np.float64))
    if items > MAX_ATTRIBUTE_ITEMS or items * attribute.dtype.itemsize > MAX_ATTRIBUTE_BYTES:
        raise ValueError(f"{attrs._id.name!r}: attribute '{name}' declares shape {shape} of "
                         f"{attribute.dtype}, larger than any Keras file holds; the file is damaged.")
    return attrs[name]


def _text(value):
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8")
    return str(value)
