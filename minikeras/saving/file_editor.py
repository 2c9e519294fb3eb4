"""keras.saving.KerasFileEditor: inspect, compare, edit and resave the weights of a ``.keras``
or ``.weights.h5`` file in Keras 3's layout, with no model built.

The file's weights become a nested dict, as Keras's editor holds them: one level per path
element of the object tree (``{"layers": {"dense": {"0": kernel, "1": bias}},
"optimizer": {...}}``), an object's ``vars`` group merged into its own level (the model's
own variables sit at the top level). Edits change that dict; :meth:`KerasFileEditor.save`
writes it back as a ``.weights.h5`` file, each level holding arrays becoming a
``<path>/vars`` group, which ``model.load_weights`` (minikeras or Keras) reads.

Reading refuses what every minikeras load refuses (links, external or virtual datasets,
more bytes than ``keras.config.max_load_bytes()``).
"""
import io

import numpy as np

from ..io_utils import print_msg
from .files import atomic_write, check_exists, import_h5py
from .keras_file import CONFIG, METADATA, WEIGHTS, _Archive, _parse
from .object_tree import object_entries
from .stored_arrays import UnsafeFileError, check_size, stored_dataset
from .weights_h5 import numeric_key, open_h5


class KerasFileEditor:
    """Inspect and edit the weights stored in a Keras file.

    Args:
        filepath: a ``.keras`` file (its config and metadata are read too) or a
            ``.weights.h5`` file.

    Attributes:
        weights_dict: the weights as a nested dict (see the module doc).
        object_metadata: ``{"/layers/dense": {"name": "d1"}, ...}``, the attributes the
            file stores on each object's group.
        config, metadata: the ``.keras`` file's model config and metadata (None for a
            ``.weights.h5`` file).
    """

    def __init__(self, filepath):
        filepath = str(filepath)
        self.filepath = filepath
        self.config = self.metadata = None
        if filepath.endswith(".keras"):
            with _Archive(filepath) as archive:
                self.config = _parse(archive.read(CONFIG), filepath)
                self.metadata = _parse(archive.read(METADATA), filepath, METADATA)
                source, where = io.BytesIO(archive.read(WEIGHTS)), f"{filepath}/{WEIGHTS}"
        elif filepath.endswith(".weights.h5"):
            check_exists(filepath)
            source, where = filepath, filepath
        else:
            raise ValueError("Invalid filename: expected a `.keras` `.weights.h5` extension. "
                             f"Received: filepath={filepath}")
        self.object_metadata = {}
        budget = [0]
        with open_h5(source) as h5file:
            self.weights_dict = _read_level(h5file, where, "", self.object_metadata, budget)
        print_msg(f"Keras model file '{filepath}'")
        if self.metadata is not None:
            print_msg(f"Saved with Keras {self.metadata.get('keras_version')} - date: "
                      f"{self.metadata.get('date_saved')}")

    # ---- looking ---------------------------------------------------------------------
    def summary(self):
        """Print the weights' structure: each object (with its saved name), each weight's
        shape and dtype."""
        print_msg("Weights structure")
        for line in _tree_lines(self.weights_dict, "  ", "", self.object_metadata, [True]):
            print_msg(line)

    def weights_summary(self):
        """The same as :meth:`summary` (the name Keras's own error messages refer to)."""
        self.summary()

    def compare(self, reference_model):
        """List every difference between the file's weights and ``reference_model``'s
        (objects or weights present on one side only, shapes that differ).

        Returns:
            ``{"status": "success" or "error", "error_count": ..., "match_count": ...}``.
        """
        if not hasattr(reference_model, "weights"):
            raise ValueError("`reference_model` must be a Keras model (or layer). Received: "
                             f"{reference_model!r} of type {type(reference_model).__name__}")
        print_msg("Running comparison")
        reference = _weight_spec(reference_model)
        checked = set()
        errors, matches = _compare(self.weights_dict, reference, "", "saved file",
                                   "reference model", checked)
        errors += _compare(reference, self.weights_dict, "", "reference model", "saved file",
                           checked)[0]
        print_msg("─────────────────────")
        if errors == 0:
            print_msg("Comparison successful: saved file is compatible with the reference "
                      "model")
            print_msg(f"    Found {matches} matching weight{'' if matches == 1 else 's'}")
        else:
            print_msg(f"Found {errors} error{'' if errors == 1 else 's'}: saved file is not "
                      "compatible with the reference model")
        return {"status": "success" if errors == 0 else "error", "error_count": errors,
                "match_count": matches}

    # ---- editing ---------------------------------------------------------------------
    def rename_object(self, object_name, new_name):
        """Rename an object (``"dense_2"``, or a path ``"layers/dense_2"``) to ``new_name``
        (a name, not a path)."""
        if not isinstance(new_name, str) or not new_name or "/" in new_name:
            raise ValueError("Argument `target_name` should be a leaf name, not a full path "
                             f"name. Received: target_name={new_name!r}")
        parent, name = self._locate(object_name)
        if new_name in parent:
            raise ValueError(f"Cannot rename '{object_name}' to '{new_name}': an object named "
                             f"'{new_name}' is already there. Delete or rename it first.")
        parent[new_name] = parent.pop(name)

    def delete_object(self, object_name):
        """Remove an object (``"dense_2"`` or ``"layers/dense_2"``) and all its weights."""
        parent, name = self._locate(object_name)
        del parent[name]

    def add_object(self, object_path, weights):
        """Add an object at the full path ``object_path`` (``"layers/dense_2"``) holding
        ``weights``, a dict of weight names (``"0"``, ``"1"``, ...) to arrays."""
        weights = _checked_weights(weights)
        if not isinstance(object_path, str) or not object_path.strip("/"):
            raise ValueError(f"`object_path` must be a path such as 'layers/dense_2'. "
                             f"Received: object_path={object_path!r}")
        *parents, name = object_path.strip("/").split("/")
        level = self.weights_dict
        for element in parents:
            if not isinstance(level.get(element), dict):
                raise ValueError(f"Path '{'/'.join(parents)}' not found in model.")
            level = level[element]
        if name in level:
            raise ValueError(f"'{object_path}' already exists in the file. Use add_weights() "
                             "to add weights to it, or delete_object() first.")
        level[name] = weights

    def delete_weight(self, object_name, weight_name):
        """Remove the weight ``weight_name`` (``"0"``) from an object."""
        parent, name = self._locate(object_name)
        if weight_name not in parent[name] or isinstance(parent[name][weight_name], dict):
            raise ValueError(f"Weight {weight_name} not found in object {object_name}. Weights "
                             f"found: {_weight_names(parent[name])}")
        del parent[name][weight_name]

    def add_weights(self, object_name, weights):
        """Add (or replace) weights of an existing object: ``weights`` maps weight names
        (``"0"``, ``"1"``, ...) to arrays."""
        weights = _checked_weights(weights)
        parent, name = self._locate(object_name)
        parent[name].update(weights)

    def _locate(self, object_name):
        """(the dict holding the object, its key): by path, or by a name found exactly once."""
        if not isinstance(object_name, str) or not object_name.strip("/"):
            raise ValueError("An object name or path such as 'dense_2' or 'layers/dense_2' is "
                             f"expected. Received: {object_name!r}")
        if "/" in object_name.strip("/"):
            *parents, name = object_name.strip("/").split("/")
            level = self.weights_dict
            for element in parents:
                level = level.get(element)
                if not isinstance(level, dict):
                    raise ValueError(f"Path '{object_name}' not found in model.")
            if not isinstance(level.get(name), dict):
                raise ValueError(f"Path '{object_name}' not found in model.")
            return level, name
        found = list(_objects_named(self.weights_dict, object_name.strip("/")))
        if len(found) > 1:
            raise ValueError(f"Name '{object_name}' occurs more than once in the model; try "
                             "passing a complete path")
        if not found:
            raise ValueError(f"Source name '{object_name}' does not appear in the model. Use "
                             "`editor.summary()` to list all objects.")
        return found[0], object_name.strip("/")

    # ---- writing ---------------------------------------------------------------------
    def save(self, filepath):
        """Write the (edited) weights to ``filepath``, a ``.weights.h5`` file."""
        filepath = str(filepath)
        if not filepath.endswith(".weights.h5"):
            raise ValueError("Invalid `filepath` argument: expected a `.weights.h5` extension. "
                             f"Received: filepath={filepath}")
        with atomic_write(filepath) as tmp, open_h5(tmp, "w") as h5file:
            _write_level(h5file, self.weights_dict, "")

    def resave_weights(self, filepath):
        """The same as :meth:`save`."""
        self.save(filepath)


# ---- reading the file ------------------------------------------------------------------------
def _read_level(group, where, path, metadata, budget):
    """The weights under ``group`` as a dict (datasets by key, subgroups as dicts; a
    ``vars`` subgroup merged into this level), its attributes recorded in ``metadata``."""
    h5py = import_h5py()
    level = {}
    for key in sorted(group.keys(), key=numeric_key):
        link = group.get(key, getlink=True)
        if not isinstance(link, h5py.HardLink):
            raise UnsafeFileError(f"{where}: {group.name.rstrip('/')}/{key} is a "
                                  f"{type(link).__name__}; minikeras reads only data stored in "
                                  "the file itself, so it refuses links.")
        node = group[key]
        if isinstance(node, h5py.Group):
            if key == "vars":
                if node.attrs:
                    metadata[path] = {k: _attribute(v) for k, v in node.attrs.items()}
                level.update(_read_level(node, where, path, metadata, budget))
                continue
            inner = _read_level(node, where, f"{path}/{key}", metadata, budget)
            if inner:  # objects without weights are left out, as Keras's editor does
                level[key] = inner
            continue
        stored = stored_dataset(group, key, where)
        budget[0] += stored.nbytes
        check_size(budget[0], f"{where}: the weights up to {group.name.rstrip('/')}/{key}")
        level[key] = stored.read()
    return level


def _attribute(value):
    return value.decode("utf-8") if isinstance(value, bytes) else value


# ---- looking ---------------------------------------------------------------------------------
def _tree_lines(level, prefix, path, metadata, first):
    """The summary's lines for one level: ``├─`` / ``└─`` connectors (``>`` on the very
    first line), objects with their saved name, weights with shape and dtype."""
    lines = []
    items = list(level.items())
    for i, (key, value) in enumerate(items):
        last = i == len(items) - 1
        connector = "> " if first[0] else "└─ " if last else "├─ "
        first[0] = False
        if isinstance(value, dict):
            label = f"{prefix}{connector}{key}"
            name = metadata.get(f"{path}/{key}", {}).get("name")
            lines.append(label if name is None else f"{label} ('{name}')")
            lines += _tree_lines(value, prefix + ("    " if last else "│   "), f"{path}/{key}",
                                 metadata, first)
        else:
            lines.append(f"{prefix}{connector}{key}: shape={value.shape}, dtype={value.dtype}")
    return lines


def _weight_spec(model):
    """The reference model's weights in the editor's nested layout: {path element: ...,
    weight key: array}, for every object that saves at least one array."""
    spec = {}
    for entry in object_entries(model):
        arrays = entry.saved_arrays()
        if not arrays:
            continue
        level = spec
        for element in filter(None, entry.path.split("/")):
            level = level.setdefault(element, {})
        level.update(arrays)
    return spec


def _compare(target, reference, path, target_name, reference_name, checked):
    """(errors, matches) of ``target`` against ``reference``: what ``reference`` has that
    ``target`` lacks or shapes differently, each path reported once over both passes."""
    errors = matches = 0
    for key, ref_value in reference.items():
        inner = f"{path}/{key}"
        if inner in checked:
            continue
        if key not in target:
            errors += 1
            checked.add(inner)
            if isinstance(ref_value, dict):
                print_msg(f"...Object {inner} present in {reference_name}, missing from "
                          f"{target_name}")
                print_msg(f"    In {reference_name}, {inner} contains the following keys: "
                          f"{list(ref_value)}")
            else:
                print_msg(f"...Weight {inner} present in {reference_name}, missing from "
                          f"{target_name}")
        elif isinstance(ref_value, dict) or isinstance(target[key], dict):
            if not (isinstance(ref_value, dict) and isinstance(target[key], dict)):
                errors += 1
                checked.add(inner)
                print_msg(f"...{inner} is an object in one and a weight in the other")
                continue
            more_errors, more_matches = _compare(target[key], ref_value, inner, target_name,
                                                 reference_name, checked)
            errors, matches = errors + more_errors, matches + more_matches
        elif np.shape(target[key]) != np.shape(ref_value):
            errors += 1
            checked.add(inner)
            print_msg(f"...Weight shape mismatch for {inner}\n"
                      f"    In {reference_name}: shape={np.shape(ref_value)}\n"
                      f"    In {target_name}: shape={np.shape(target[key])}")
        else:
            matches += 1
    return errors, matches


# ---- editing ---------------------------------------------------------------------------------
def _objects_named(level, name):
    """Every dict holding an object (a sub-dict) called ``name``, at any depth."""
    for key, value in level.items():
        if isinstance(value, dict):
            if key == name:
                yield level
            yield from _objects_named(value, name)


def _weight_names(level):
    return [key for key, value in level.items() if not isinstance(value, dict)]


def _checked_weights(weights):
    if not isinstance(weights, dict):
        raise ValueError("Argument `weights` should be a dict where keys are weight names "
                         "(usually '0', '1', etc.) and values are NumPy arrays. Received: "
                         f"type(weights)={type(weights)}")
    checked = {}
    for key, value in weights.items():
        if not isinstance(key, str) or not key or "/" in key:
            raise ValueError(f"Weight names must be non-empty strings without '/' (usually "
                             f"'0', '1', ...). Received: {key!r}")
        array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
        if array.dtype.kind not in "biuf":
            raise ValueError(f"Weight '{key}' must be an array of numbers. Received an array "
                             f"of dtype {array.dtype}.")
        checked[key] = array
    return checked


# ---- writing ---------------------------------------------------------------------------------
def _write_level(h5file, level, path):
    """Write one level: its arrays into ``<path>/vars``, its objects below ``path``."""
    arrays = {k: v for k, v in level.items() if not isinstance(v, dict)}
    if arrays:
        group = h5file.require_group(f"{path}/vars" if path else "vars")
        for key in sorted(arrays, key=numeric_key):
            group.create_dataset(key, data=arrays[key])
    for key, value in level.items():
        if isinstance(value, dict) and value:
            _write_level(h5file, value, f"{path}/{key}" if path else key)
