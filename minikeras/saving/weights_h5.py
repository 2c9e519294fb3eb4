"""Keras 3's weights layout (``.weights.h5``, and ``model.weights.h5`` inside ``.keras``).

Layout (Keras 3.15 ``H5IOStore``), for ``Sequential([Input((3,)), Dense(4), Dropout(.5),
Dense(2)], name="seq")`` compiled with Adam::

    /vars                 attrs {name: 'seq'}          (the model's own variables: none)
    /layers/dense/vars    attrs {name: 'dense'}        0 kernel (3, 4), 1 bias (4,)
    /layers/dropout/vars  attrs {name: 'dropout'}      (empty)
    /layers/dense_1/vars  attrs {name: 'dense_1'}      0 kernel (4, 2), 1 bias (2,)
    /optimizer/vars       attrs {name: 'adam'}         0 iteration () int32,
                                                       1 learning_rate () float32, slots...

Loading is positional inside each group; groups are found by path, never by layer
name, so a file loads into a model whose layers have other names.
"""
import io
import mmap
import warnings

from .files import import_h5py
from .load_plan import LoadPlan
from .object_tree import object_entries
from .stored_arrays import stored_dataset


class UnreadableFileError(OSError, ValueError):
    """A file exists but is not a readable weights/model file."""


def open_h5(source, mode="r"):
    """``h5py.File`` on a path or a file object, with a clear error for non-HDF5 input."""
    h5py = import_h5py()
    if mode == "r":
        check_global_heaps(source)
    try:
        return h5py.File(source, mode)
    except OSError as error:
        if mode != "r":
            raise
        raise UnreadableFileError(
            f"Cannot read {source!s}: it is not an HDF5 file, or it is damaged or truncated "
            f"({error}). Save the weights again, or check that this is the right file.") from None


def check_global_heaps(source):
    """Refuse a file whose HDF5 global heaps (variable-length strings) are damaged.

    libhdf5 loops forever on a heap collection whose free-space object has size 0, so
    every collection (signature ``GCOL``, version 1) is walked here first: each object
    must fit in its collection.
    """
    if isinstance(source, io.BytesIO):
        _walk_heaps(source.getbuffer(), source)
        return
    try:
        f = open(source, "rb")
    except (OSError, TypeError):
        return  # not a path, or unreadable: h5py reports it
    with f:
        try:
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            return  # an empty file: h5py reports it
        with data:
            _walk_heaps(data, source)


def _walk_heaps(data, source):
    with memoryview(data) as view:
        _walk_heap_view(view, data.find if hasattr(data, "find") else bytes(view).find, source)


def _walk_heap_view(view, find, source):
    at = find(b"GCOL\x01")
    while at >= 0:
        if at + 16 <= len(view):
            size = int.from_bytes(view[at + 8:at + 16], "little")
            end = min(at + size, len(view))
            p = at + 16
            while p + 16 <= end:
                index = int.from_bytes(view[p:p + 2], "little")
                object_size = int.from_bytes(view[p + 8:p + 16], "little")
                step = object_size if index == 0 else 16 + (object_size + 7) // 8 * 8
                if step < 16 or p + step > end:
                    raise UnreadableFileError(
                        f"Cannot read {source!s}: its HDF5 global heap at byte {at} is damaged "
                        f"(object {index} at byte {p} does not fit). The file is corrupt.")
                if index == 0:
                    break
                p += step
        at = find(b"GCOL\x01", at + 4)


# ---- writing ----------------------------------------------------------------------------
def write_entries(h5file, entries):
    """Write every entry's group (``name`` attribute) and its datasets ``"0"``, ``"1"``, ..."""
    for entry in entries:
        group = h5file.require_group(entry.group)
        group.attrs["name"] = str(entry.name)
        for key, array in entry.saved_arrays():
            group.create_dataset(key, data=array)


def save_weights_to_h5(model, target):
    """Write ``model``'s variables (and its optimizer's, when compiled) to ``target``."""
    with open_h5(target, "w") as f:
        write_entries(f, object_entries(model))


# ---- reading ----------------------------------------------------------------------------
class H5Store:
    """Reads the ``<path>/vars`` groups of one Keras 3 weights file."""

    def __init__(self, h5file, source=None):
        self.file = h5file
        self.source = source if source is not None else h5file.filename
        self._legacy_root = None
        if "layers" not in h5file and "_layer_checkpoint_dependencies" in h5file:
            self._legacy_root = "_layer_checkpoint_dependencies"  # Keras 2.13-2.15 files

    def _group(self, path):
        if self._legacy_root and path.startswith("layers/"):
            path = self._legacy_root + path[len("layers"):]
        group = self.file.get(path)
        h5py = import_h5py()
        return group if isinstance(group, h5py.Group) else None

    def arrays(self, path):
        """The datasets of group ``path`` in numeric order ("0", "1", ..., "10"), or [].

        They are :class:`StoredArray` s: checked to be plain datasets, not read yet.
        """
        return list(self.named_arrays(path).values())

    def named_arrays(self, path):
        """``{key: StoredArray}`` of group ``path`` in numeric key order, or {}."""
        group = self._group(path)
        if group is None:
            return {}
        return {key: stored_dataset(group, key, self.source)
                for key in sorted(group.keys(), key=numeric_key)}


def numeric_key(key):
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


def load_from_store(model, store, source, skip_mismatch=False):
    """Load ``store`` (an :class:`H5Store` or a sharded store) into ``model``.

    Every layer group is checked first; on a mismatch nothing is assigned (unless
    ``skip_mismatch``). Each optimizer's variables (``model.optimizer``, optimizers held as
    attributes, the ones they wrap) load from its group; a count mismatch there (an optimizer
    not built yet) warns and skips them, as Keras does. Objects the file holds and the
    model does not are ignored without a word, as Keras 3.15 ignores them.
    """
    entries = object_entries(model)
    plan = LoadPlan(source, model.name)
    custom = [entry for entry in entries if entry.custom_loader is not None]
    for entry in entries:
        if entry.is_optimizer or entry.custom_loader is not None:
            continue
        label = f"{entry.name} [/{entry.path}]" if entry.path else f"{entry.name} [/]"
        plan.add_group(label, entry.variables, store.arrays(entry.group), owner=entry.owner)
    plan.check(skip_mismatch)  # raises before anything is touched
    for entry in entries:  # model.optimizer, optimizers held as attributes, wrapped ones
        if entry.is_optimizer:
            plan.add_pairs(optimizer_pairs(entry.owner, store.arrays(entry.group)))
    values = plan.read()
    plan.apply(values)
    for entry in custom:  # user classes' load_own_variables(store) read their own keys
        entry.custom_loader({key: stored.read()
                             for key, stored in store.named_arrays(entry.group).items()})


def optimizer_pairs(optimizer, arrays):
    """(variable, array) pairs for the optimizer, or [] with Keras's warning when they differ
    (an optimizer not built yet, compiled but never trained, keeps its fresh state: Keras's
    load_weights does not build it either)."""
    variables = optimizer.variables
    if len(arrays) != len(variables):
        message = (f"Skipping variable loading for optimizer '{optimizer.name}', because it has "
                   f"{len(variables)} variables whereas the saved optimizer has {len(arrays)} "
                   "variables. ")
        if not variables:
            message += "This is likely because the optimizer has not been called/built yet."
        warnings.warn(message, stacklevel=4)
        return []
    bad = [(v.path, v.shape, a.shape) for v, a in zip(variables, arrays) if v.shape != a.shape]
    if bad:
        warnings.warn(f"Skipping variable loading for optimizer '{optimizer.name}': saved shapes "
                      f"differ from the optimizer's: {bad[:5]}", stacklevel=4)
        return []
    return list(zip(variables, arrays))
