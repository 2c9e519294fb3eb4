"""The legacy HDF5 layout (``.h5`` / ``.hdf5``): Keras 2 weight files and whole-model files.

Weights (Keras 2 ``save_weights("w.h5")``, or the ``/model_weights`` group of a
whole-model file): attribute ``layer_names`` lists the layers in model order; each
layer has a group named ``layer.name`` whose attribute ``weight_names`` lists its
weights, each stored as a dataset at that name (``dense/kernel:0`` in Keras 2,
``seq/dense/kernel`` in Keras 3; the ``/`` make nested groups). Loading is positional
over the layers that have weights, or by layer name with ``by_name=True``. Keras 2
CuDNNLSTM / CuDNNGRU weights are converted on the way in (legacy_rnn.py).

Whole model (Keras 3 ``model.save("m.h5")``): root attributes ``backend``,
``keras_version``, ``model_config`` (JSON, legacy layer entries without ``module``)
and ``training_config`` (JSON, with ``optimizer_config``); ``/model_weights`` as
above plus ``top_level_model_weights``; ``/optimizer_weights`` with ``weight_names``.
"""
import json
import warnings

from .keras2_optimizer_state import Keras2StateMismatch, keras2_optimizer_pairs
from .files import import_h5py, json_default, read_string, read_string_list, write_string_list
from .load_guard import check_config_depth
from .legacy_rnn import convert_cudnn_weights
from .load_plan import LoadPlan
from .object_tree import layer_weights, model_layers, optimizer_weight_names, own_variables
from .stored_arrays import stored_dataset
from .weights_h5 import UnreadableFileError, optimizer_pairs

KERAS_VERSION = "3.15.1"  # the Keras release whose files minikeras reads and writes
BACKEND = "numpy"


def minikeras_version():
    from .. import __version__
    return __version__


# ---- reading weights ----------------------------------------------------------------------
def weights_group(h5file):
    """The group holding ``layer_names``: the root, or ``/model_weights`` of a model file."""
    if "layer_names" not in h5file.attrs and "layer_names0" not in h5file.attrs \
            and "model_weights" in h5file:
        return h5file["model_weights"]
    return h5file


def _saved_layers(group, source):
    """[(layer name, weight names, arrays)] in the file's layer order."""
    layer_names = read_string_list(group, "layer_names")
    if layer_names is None:
        raise UnreadableFileError(
            f"{source!s} is an HDF5 file but not a Keras weights file: it has no `layer_names` "
            "attribute (and no `model_weights` group). Keras 3 weight files must be named "
            "`*.weights.h5`; rename the file if it is one.")
    saved = []
    for name in layer_names:
        if name not in group:
            raise UnreadableFileError(f"{source!s} lists layer '{name}' in `layer_names` but has "
                                      "no group for it; the file is damaged.")
        layer_group = group[name]
        if not isinstance(layer_group, import_h5py().Group):
            raise UnreadableFileError(f"{source!s}: layer '{name}' is not a group; the file is "
                                      "damaged.")
        weight_names = read_string_list(layer_group, "weight_names") or []
        arrays = [stored_dataset(layer_group, w, source) for w in weight_names]
        saved.append((name, weight_names, arrays))
    return saved


def load_legacy_weights(model, group, source, skip_mismatch=False, by_name=False):
    """Load a legacy weights group into ``model``; every check runs before any assignment."""
    saved = _saved_layers(group, source)
    layers = model_layers(model)
    plan = LoadPlan(source, model.name)
    if by_name:
        index = {}
        for layer in layers:
            index.setdefault(layer.name, []).append(layer)
        for name, _, arrays in saved:
            for layer in index.get(name, ()):
                _add_layer(plan, layer.name, layer, arrays)
    else:
        model_side = [layer for layer in layers if layer_weights(layer)]
        file_side = [entry for entry in saved if entry[1]]
        if len(model_side) != len(file_side):
            raise ValueError(
                "Layer count mismatch when loading weights from file. Model expected "
                f"{len(model_side)} layers, found {len(file_side)} saved layers. Nothing was "
                f"loaded; the model is unchanged.\n{_pairing_table(model_side, file_side)}\n"
                "Layers are matched in order among those that have weights; to match them by "
                "name instead, pass by_name=True.")
        for layer, (name, _, arrays) in zip(model_side, file_side):
            label = layer.name if layer.name == name else f"{layer.name} (file: {name})"
            _add_layer(plan, label, layer, arrays)
    if "top_level_model_weights" in group:
        top = group["top_level_model_weights"]
        names = read_string_list(top, "weight_names") or []
        if names or own_variables(model):
            plan.add_group(f"{model.name} (model)", own_variables(model),
                           [stored_dataset(top, n, source) for n in names], owner=model)
    plan.finish(skip_mismatch)


def _add_layer(plan, label, layer, arrays):
    weights = layer_weights(layer)
    plan.add_group(label, weights, convert_cudnn_weights(layer, weights, arrays), owner=layer)


def _pairing_table(model_side, file_side):
    rows = [("#", "model layer", "weights", "file layer", "weights")]
    for i in range(max(len(model_side), len(file_side))):
        m = model_side[i] if i < len(model_side) else None
        f = file_side[i] if i < len(file_side) else None
        rows.append((str(i), m.name if m else "-", str(len(layer_weights(m))) if m else "-",
                     f[0] if f else "-", str(len(f[1])) if f else "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
                     for r in rows)


# ---- writing --------------------------------------------------------------------------------
def _write_weights(group, names, arrays):
    """Attribute ``weight_names`` plus one dataset per name (``/`` make nested groups)."""
    unique, seen = [], {}
    for name in names:
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 0
        unique.append(name)
    write_string_list(group, "weight_names", unique)
    for name, array in zip(unique, arrays):
        group.create_dataset(name, data=array)


def write_model_weights(model, group):
    """The ``/model_weights`` content of a legacy whole-model file."""
    layers = model_layers(model)
    write_string_list(group, "layer_names", [layer.name for layer in layers])
    group.attrs["backend"] = BACKEND
    group.attrs["keras_version"] = KERAS_VERSION
    group.attrs["minikeras_version"] = minikeras_version()
    for layer in sorted(layers, key=lambda l: l.name):
        weights = layer_weights(layer)
        _write_weights(group.create_group(layer.name),
                       [v.path for v in weights],
                       [v.numpy() for v in weights])
    own = own_variables(model)
    _write_weights(group.create_group("top_level_model_weights"),
                   [v.path for v in own],
                   [v.numpy() for v in own])


def write_optimizer_weights(model, h5file):
    optimizer = model.optimizer
    arrays = [v.numpy() for v in optimizer.variables]
    if arrays:
        _write_weights(h5file.create_group("optimizer_weights"),
                       optimizer_weight_names(optimizer), arrays)


def write_model_file(model, h5file, model_config, training_config):
    """A whole-model legacy file: metadata attributes, weights and (if given) training state."""
    h5file.attrs["backend"] = BACKEND
    h5file.attrs["keras_version"] = KERAS_VERSION
    h5file.attrs["minikeras_version"] = minikeras_version()
    h5file.attrs["model_config"] = json.dumps(model_config, default=json_default)
    if training_config is not None:
        h5file.attrs["training_config"] = json.dumps(training_config, default=json_default)
    write_model_weights(model, h5file.create_group("model_weights"))
    if training_config is not None and getattr(model, "optimizer", None) is not None:
        write_optimizer_weights(model, h5file)


# ---- reading a whole-model file -----------------------------------------------------------------
def read_model_file(h5file, source):
    """(model_config, training_config or None, keras_version) of a legacy whole-model file."""
    text = read_string(h5file.attrs, "model_config")
    if text is None:
        raise ValueError(f"No model config found in the file at {source!s}. It holds weights "
                         "only: build the model in code and call `model.load_weights(path)`.")
    training = read_string(h5file.attrs, "training_config")
    try:
        model_config = json.loads(text)
        training_config = json.loads(training) if training else None
    except (json.JSONDecodeError, RecursionError) as error:
        raise UnreadableFileError(f"{source!s}: the model config is not valid JSON ({error}).") \
            from None
    check_config_depth(model_config, f"{source!s}: model_config")
    return model_config, training_config, read_string(h5file.attrs, "keras_version", "")


def load_optimizer_weights(model, h5file, source, keras_version):
    """Restore ``/optimizer_weights`` into the compiled model's (freshly built) optimizer."""
    if "optimizer_weights" not in h5file or getattr(model, "optimizer", None) is None:
        return
    group = h5file["optimizer_weights"]
    names = read_string_list(group, "weight_names") or []
    arrays = [stored_dataset(group, n, source) for n in names]
    model._build_optimizer()  # Keras builds it to load the file's state into it
    if keras_version.startswith("2"):
        try:
            pairs = keras2_optimizer_pairs(model.optimizer, names, arrays)
        except Keras2StateMismatch as error:
            warnings.warn(
                f"{source!s} was saved by Keras {keras_version}; its optimizer state does not "
                f"fit the model's {type(model.optimizer).__name__} ({error}), so it was not "
                "loaded and training restarts it fresh.", stacklevel=3)
            return
    else:
        pairs = optimizer_pairs(model.optimizer, arrays)
    plan = LoadPlan(source, model.name)
    plan.add_pairs(pairs)
    plan.finish(skip_mismatch=False)
