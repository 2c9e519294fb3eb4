"""Keras 2 optimizer state in a legacy ``.h5`` model file, paired with a Keras 3 optimizer.

``/optimizer_weights`` of a Keras 2 file names each array:

* Keras 2.11+ optimizers (tf.keras ``optimizers.Adam`` ...): ``iteration:0``, then
  ``<Optimizer>/<slot>/<variable path>:0``, each variable's slots together (Adam: ``m``,
  ``v``) and AMSGrad's ``vhat`` after all of them;
* Keras 2.0-2.10 optimizers (``optimizers.legacy``): ``<Optimizer>/iter:0``, then
  ``<Optimizer>/<variable path>/<slot>:0``.

Both list the variables in the model's trainable-variable order, as a Keras 3 optimizer is
built on them; only the slot names differ (``SLOT_NAMES``). Each stored variable is paired
with the model's variable at its position, checked by shape and by name (the stored
path's layer name or weight name is in the model variable's path).
"""
from ..optimizers import Adamax

# Keras 2 slot name -> the Keras 3 slot it holds (a name not listed is the same in both)
SLOT_NAMES = {"m": "momentum", "v": "velocity", "vhat": "velocity_hat", "rms": "velocity",
              "mg": "average_gradient", "accum_grad": "accumulated_grad",
              "accum_var": "accumulated_delta_var"}
# Adamax keeps a running max, Keras 3's "norm": Keras 2.11+ called it u, Keras 2.0-2.10 v
ADAMAX_SLOT_NAMES = {"m": "momentum", "u": "norm", "v": "norm"}


class Keras2StateMismatch(ValueError):
    """The stored state does not fit the optimizer (its message says where)."""


def keras2_optimizer_pairs(optimizer, names, arrays):
    """(optimizer variable, array) pairs for a Keras 2 file's ``/optimizer_weights``.

    Raises Keras2StateMismatch naming the first entry that has no counterpart."""
    by_path = {v.path: v for v in optimizer.variables}
    slot_names = ADAMAX_SLOT_NAMES if isinstance(optimizer, Adamax) else SLOT_NAMES
    # Keras 2.0-2.10 prefixed its step count with the optimizer's name, Keras 2.11+ did not
    legacy = any(name.rsplit(":", 1)[0].endswith("/iter") for name in names)
    pairs, stored_order, slots = [], [], []
    for name, array in zip(names, arrays):
        parts = name.rsplit(":", 1)[0].split("/")
        if parts[-1] in ("iteration", "iter"):
            pairs.append((by_path[f"{optimizer.name}/iteration"], array))
            continue
        if len(parts) < 3:
            raise Keras2StateMismatch(f"'{name}' names no slot of a variable")
        # Adam/dense/kernel/m (2.0-2.10) or Adam/m/dense/kernel (2.11+)
        slot, path = (parts[-1], "/".join(parts[1:-1])) if legacy else \
            (parts[1], "/".join(parts[2:]))
        if path not in stored_order:
            stored_order.append(path)
        slots.append((slot, path, array))
    variables = list(optimizer._trainable_variables)
    if len(stored_order) != len(variables):
        raise Keras2StateMismatch(
            f"the file holds state for {len(stored_order)} variables, the model trains "
            f"{len(variables)}")
    paired = dict(zip(stored_order, variables))
    for slot, path, array in slots:
        variable = paired[path]
        _check_same_variable(path, variable, array)
        target = (f"{optimizer.name}/{str(variable.path).replace('/', '_')}_"
                  f"{slot_names.get(slot, slot)}")
        if target not in by_path:
            raise Keras2StateMismatch(
                f"slot '{slot}' of '{path}' has no counterpart in {type(optimizer).__name__} "
                f"(looked for '{target}')")
        pairs.append((by_path[target], array))
    _check_every_slot_stored(optimizer, variables, pairs)
    return pairs


def _check_every_slot_stored(optimizer, variables, pairs):
    """Each slot of each trained variable gets a stored array (none is left half-loaded)."""
    prefixes = tuple(f"{optimizer.name}/{str(v.path).replace('/', '_')}_" for v in variables)
    assigned = {id(variable) for variable, _ in pairs}
    missing = [v.path for v in optimizer.variables
               if str(v.path).startswith(prefixes) and id(v) not in assigned]
    if missing:
        raise Keras2StateMismatch(f"the file holds nothing for {missing[:3]}")


def _check_same_variable(stored_path, variable, array):
    """The stored variable is the model's: same shape, and the same layer or weight name
    (Keras 3 renamed some weights, DepthwiseConv2D's depthwise_kernel to kernel, and paths a
    TimeDistributed's weights by its inner layer)."""
    stored, ours = stored_path.split("/"), str(variable.path).split("/")
    if tuple(array.shape) != tuple(variable.shape) or (
            stored[0] not in ours and stored[-1] != ours[-1]):
        raise Keras2StateMismatch(
            f"the file's state for '{stored_path}' {tuple(array.shape)} comes where the model "
            f"trains '{variable.path}' {tuple(variable.shape)}")
