"""Arrays stored in a weights file, checked before a byte of them is read.

An HDF5 dataset can point outside its file (external storage, external links, soft
links, virtual datasets) and can declare any shape. :func:`stored_dataset` refuses
everything but a plain hard-linked dataset held in the file itself; a
:class:`StoredArray` reports its shape and dtype from the file's header, so a loader
compares them with the target variable first and reads the data only once all of it
fits (:func:`cast_for` then converts it under the dtype rules below).

Dtype rules: a float variable takes float data only (int, bool or string data are
refused); a narrowing float conversion (float64 -> float32) warns once per load,
naming the variables. An integer variable takes integer data whose values fit.
"""
import numpy as np

from ..config import max_load_bytes
from .files import import_h5py


class UnsafeFileError(ValueError):
    """A weights file whose data would be read from outside the file, or is too large."""


class StoredArray:
    """One dataset of a weights file: shape and dtype known, data not read yet."""

    __slots__ = ("dataset", "where")

    def __init__(self, dataset, where):
        self.dataset, self.where = dataset, where

    @property
    def shape(self):
        return tuple(self.dataset.shape or ())

    @property
    def dtype(self):
        return self.dataset.dtype

    @property
    def nbytes(self):
        return int(np.prod(self.shape, dtype=np.float64)) * self.dtype.itemsize

    def read(self):
        try:
            return np.asarray(self.dataset[()])
        except (OSError, RuntimeError, ValueError, TypeError) as error:
            raise UnsafeFileError(f"{self.where}: the data cannot be read ({error}); the file "
                                  "is damaged.") from None


def stored_dataset(group, key, source):
    """``group[key]`` as a :class:`StoredArray`, refusing anything that is not a plain dataset.

    ``key`` may be a path (``a/b``): every step must be a hard link.
    """
    h5py = import_h5py()
    where = f"{source!s}: {group.name.rstrip('/')}/{key}"
    node = group
    for part in str(key).split("/"):
        if not isinstance(node, h5py.Group):
            raise UnsafeFileError(f"{where}: '{node.name}' is not a group.")
        try:
            link = node.get(part, getlink=True)
        except (KeyError, RuntimeError, OSError, ValueError) as error:
            raise UnsafeFileError(f"{where}: the link cannot be read ({error}).") from None
        if link is None:
            raise UnsafeFileError(f"{where}: no such dataset in the file.")
        if not isinstance(link, h5py.HardLink):
            raise UnsafeFileError(
                f"{where} is a {type(link).__name__} (to "
                f"{getattr(link, 'filename', '')}{getattr(link, 'path', '')}); minikeras reads "
                "only data stored in the file itself, so it refuses links.")
        try:
            node = node[part]
        except (KeyError, RuntimeError, OSError, ValueError) as error:
            raise UnsafeFileError(f"{where}: the object cannot be opened ({error}).") from None
    if not isinstance(node, h5py.Dataset):
        raise UnsafeFileError(f"{where} is a group, not a dataset.")
    if node.is_virtual:
        raise UnsafeFileError(f"{where} is a virtual dataset (its data lives in other files); "
                              "minikeras refuses it.")
    if node.external:
        raise UnsafeFileError(f"{where} keeps its data in external files {node.external}; "
                              "minikeras reads only data stored in the file itself.")
    return StoredArray(node, where)


TEXT_FRACTION = 64  # a config or metadata JSON may take 1/64 of the cap (256 MiB by default)


def check_size(nbytes, what, text=False):
    """Refuse to allocate more than ``keras.config.max_load_bytes()`` for ``what``.

    JSON text (``text=True``) gets 1/64 of the cap: real configs are a few megabytes.
    """
    cap = max_load_bytes() // TEXT_FRACTION if text else max_load_bytes()
    if nbytes > cap:
        raise UnsafeFileError(
            f"{what} needs {nbytes:,} bytes, more than the load limit of {cap:,} bytes. If the "
            "file is trusted, raise the limit with keras.config.set_max_load_bytes(n).")


def dtype_problem(variable_dtype, stored_dtype):
    """Why ``stored_dtype`` cannot fill a ``variable_dtype`` variable, or None when it can."""
    target, found = np.dtype(variable_dtype), np.dtype(stored_dtype)
    if target.kind == "f" and found.kind != "f":
        return f"float data ({target.name}), found {found}"
    if target.kind in "iu" and found.kind not in "iub":
        return f"integer data ({target.name}), found {found}"
    if target.kind == "b" and found.kind not in "biu":
        return f"bool data, found {found}"
    return None


def is_lossy(variable_dtype, stored_dtype):
    target, found = np.dtype(variable_dtype), np.dtype(stored_dtype)
    return target.kind == "f" and found.kind == "f" and found.itemsize > target.itemsize


def cast_for(variable_dtype, array, where):
    """``array`` converted to the variable's dtype (integers must fit)."""
    target = np.dtype(variable_dtype)
    if target.kind in "iu" and array.dtype.kind in "iu" and array.size:
        info = np.iinfo(target)
        if array.min() < info.min or array.max() > info.max:
            raise UnsafeFileError(f"{where}: values outside the range of {target.name}.")
    return array.astype(target, copy=False)
