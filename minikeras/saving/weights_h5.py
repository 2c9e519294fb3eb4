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
import warnings

import numpy as np

from .files import import_h5py
from .load_plan import LoadPlan
from .object_tree import object_entries


class UnreadableFileError(OSError, ValueError):
    """A file exists but is not a readable weights/model file."""


def open_h5(source, mode="r"):
    """``h5py.File`` on a path or a file object, with a clear error for non-HDF5 input."""
    h5py = import_h5py()
    try:
        return h5py.File(source, mode)
    except OSError as error:
        if mode != "r":
            raise
        raise UnreadableFileError(
            f"Cannot read {source!s}: it is not an HDF5 file, or it is damaged or truncated "
            f"({error}). Save the weights again, or check that this is the right file.") from None


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

    def __init__(self, h5file):
        self.file = h5file
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
        """The datasets of group ``path`` in numeric order ("0", "1", ..., "10"), or []."""
        return list(self.named_arrays(path).values())

    def named_arrays(self, path):
        """``{key: array}`` of group ``path`` in numeric key order, or {}."""
        group = self._group(path)
        if group is None:
            return {}
        return {key: np.asarray(group[key]) for key in sorted(group.keys(), key=numeric_key)}

    def groups_with_data(self):
        """Paths of every ``.../vars`` group holding at least one dataset."""
        h5py = import_h5py()
        found = []

        def visit(name, obj):
            if isinstance(obj, h5py.Group) and name.split("/")[-1] == "vars" and len(obj):
                found.append(name)
        self.file.visititems(visit)
        if self._legacy_root:
            found = [p.replace(self._legacy_root, "layers", 1) for p in found]
        return found


def numeric_key(key):
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


def load_from_store(model, store, source, skip_mismatch=False):
    """Load ``store`` (an :class:`H5Store` or a sharded store) into ``model``.

    Every layer group is checked first; on a mismatch nothing is assigned (unless
    ``skip_mismatch``). The optimizer's variables load when the model is compiled; a
    count mismatch there warns and skips them, as Keras does.
    """
    entries = object_entries(model)
    plan = LoadPlan(source, model.name)
    custom = [entry for entry in entries if entry.custom_loader is not None]
    for entry in entries:
        if entry.is_optimizer or entry.custom_loader is not None:
            continue
        label = f"{entry.name} [/{entry.path}]" if entry.path else f"{entry.name} [/]"
        plan.add_group(label, entry.variables, store.arrays(entry.group))
    if not plan.ok and not skip_mismatch:
        plan.finish(skip_mismatch=False)  # raises before anything is touched
    optimizer_pairs = _optimizer_pairs(model, store)
    plan.finish(skip_mismatch)
    for variable, array in optimizer_pairs:
        variable.assign(array.astype(variable.dtype, copy=False))
    for entry in custom:  # user classes' load_own_variables(store) read their own keys
        entry.custom_loader(store.named_arrays(entry.group))
    known = {entry.group for entry in entries} | {"optimizer/vars"}
    extra = [p for p in store.groups_with_data() if p not in known]
    if extra:
        warnings.warn(
            f"{source!s} holds weights for {len(extra)} object(s) this model does not have; "
            f"they were not loaded: {extra[:10]}", stacklevel=3)


def build_optimizer(model):
    """Create the optimizer's slot variables for the model, as the first training step would."""
    plan = getattr(model, "_training_plan", None)
    variables = plan().variables if callable(plan) else model.trainable_weights
    model.optimizer.build(variables)


def _optimizer_pairs(model, store):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(model, "compiled", False):
        return []
    arrays = store.arrays("optimizer/vars")
    if not optimizer.built and len(arrays) > len(optimizer.variables):
        build_optimizer(model)
    return optimizer_pairs(optimizer, arrays)


def optimizer_pairs(optimizer, arrays):
    """(variable, array) pairs for the optimizer, or [] with Keras's warning when they differ."""
    variables = optimizer.variables
    if len(arrays) != len(variables):
        message = (f"Skipping variable loading for optimizer '{optimizer.name}', because it has "
                   f"{len(variables)} variables whereas the saved optimizer has {len(arrays)} "
                   "variables. ")
        if not optimizer.built:
            message += "This is likely because the optimizer has not been called/built yet."
        warnings.warn(message, stacklevel=4)
        return []
    bad = [(v.path, v.shape, a.shape) for v, a in zip(variables, arrays) if v.shape != a.shape]
    if bad:
        warnings.warn(f"Skipping variable loading for optimizer '{optimizer.name}': saved shapes "
                      f"differ from the optimizer's: {bad[:5]}", stacklevel=4)
        return []
    return list(zip(variables, arrays))
