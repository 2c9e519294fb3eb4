"""The optimizer's Variables: Keras's API for creating them, and saving and loading them.

``optimizer.variables`` lists, in Keras's order, ``iteration``, ``learning_rate`` (for a
float rate), then the slots each optimizer creates in its ``build``. Slots made for the
variables the optimizer was built on are views of flat buffers of its ``FlatLayout`` (one
buffer per slot name), so the update can run on whole buffers; a Variable made by
``add_variable`` for any other shape is an array of its own.
"""
import numpy as np

from .. import backend
from ..backend import xp
from ..variables import Variable, assign_all_or_none
from ..arguments import is_real_number, warn_user


class OptimizerVariables:
    """Mixin of ``Optimizer``: creating, listing, saving and loading its Variables."""

    def _track(self, variable):
        variable.path = f"{self.name}/{variable.name}"
        self._variables.append(variable)
        return variable

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none",
                     layout=None, name=None):
        """A standalone optimizer Variable, tracked in ``optimizer.variables``."""
        del aggregation, layout
        dtype = np.dtype(backend.standardize_dtype(dtype))
        value = xp.zeros(tuple(shape), dtype)
        _fill(value, initializer, dtype)
        return self._track(Variable(value, dtype=dtype, trainable=False, name=name or "variable"))

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """A Variable shaped like ``reference_variable``, named ``<its path>_<name>``."""
        ref = reference_variable
        full = f"{str(getattr(ref, 'path', ref.name)).replace('/', '_')}_{name or 'var'}"
        return self.add_variable(ref.shape, initializer, ref.dtype, name=full)

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per trainable variable for each name in ``name``, interleaved per variable.

        Returns a list of Variables for a single name, a tuple of lists for a list of
        names (Keras's API). For the built variable list each name's slots are views of
        one flat buffer, and elementwise steps receive the buffers in creation order.
        """
        names = [name] if isinstance(name, str) else list(name)
        inits = list(initializer) if isinstance(initializer, (list, tuple)) \
            else [initializer] * len(names)
        if len(inits) != len(names):
            raise ValueError("The number of provided names must match the number of provided "
                             f"initializers. Received name={name!r}, initializer={initializer!r}")
        trainable_variables = list(trainable_variables)
        known = self._layout.variables
        if len(trainable_variables) == len(known) and all(
                v is k for v, k in zip(trainable_variables, known)):
            flats, lists = self._add_flat_slots(names, inits)
            self._slot_flats += tuple(flats)
        else:
            lists = tuple([] for _ in names)
            for v in trainable_variables:
                for lst, nm, init in zip(lists, names, inits):
                    lst.append(self.add_variable_from_reference(v, nm, init))
        return lists[0] if isinstance(name, str) else lists

    def _add_flat_slots(self, names, inits):
        """Flat buffers for ``names`` and their per-variable view Variables (interleaved)."""
        layout = self._layout
        flats = []
        for init in inits:
            flat = layout.new_buffer()
            for view in layout.views(flat):
                _fill(view, init, layout.dtype)
            flats.append(flat)
        lists = tuple([] for _ in names)
        per_flat_views = [layout.views(flat) for flat in flats]
        for i, ref in enumerate(layout.variables):
            prefix = str(ref.path).replace("/", "_")
            for views, lst, nm in zip(per_flat_views, lists, names):
                slot = Variable(views[i], trainable=False, name=f"{prefix}_{nm}")
                slot.data = views[i]  # the Variable's storage *is* the flat buffer's slice
                lst.append(self._track(slot))
        return flats, lists

    def save_own_variables(self, store):
        """Write ``variables`` into ``store`` under "0", "1", ... (Keras's layout)."""
        for i, variable in enumerate(self.variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        """Read what ``save_own_variables`` wrote; warn and skip on a count mismatch."""
        variables = self.variables
        if len(store.keys()) != len(variables):
            msg = (f"Skipping variable loading for optimizer '{self.name}', because it has "
                   f"{len(variables)} variables whereas the saved optimizer has "
                   f"{len(store.keys())} variables. ")
            if not self.built:
                msg += "This is likely because the optimizer has not been called/built yet."
            warn_user(msg)
            return
        for i, variable in enumerate(variables):
            variable.assign(store[str(i)])

    def get_weights(self):
        return [v.numpy() for v in self.variables]

    def set_weights(self, weights):
        """Assign ``weights`` (a list in ``variables`` order) in place."""
        if not self.built:
            raise ValueError("You are calling `set_weights()` on an optimizer that has not yet "
                             "been built. Please call `optimizer.build(trainable_variables)` "
                             "to create the optimizer weights before calling `set_weights()`.")
        variables = self.variables
        if len(weights) != len(variables):
            raise ValueError(f"Optimizer '{self.name}' has {len(variables)} variables, "
                             f"received {len(weights)} weights.")
        assign_all_or_none(
            variables, weights, f"Optimizer '{self.name}'",
            lambda v, w: f"Optimizer variable {v.path} has shape {v.shape} not compatible with "
                         f"provided weight shape {w.shape}.")


def _fill(array, initializer, dtype):
    """Fill ``array`` in place from "zeros"/"ones", a number, a Constant-like or f(shape, dtype)."""
    if initializer is None or initializer in ("zeros", "Zeros", "zero"):
        array[...] = 0
    elif initializer in ("ones", "Ones", "one"):
        array[...] = 1
    elif is_real_number(initializer):
        array[...] = initializer
    elif is_real_number(getattr(initializer, "value", None)):
        array[...] = initializer.value
    elif callable(initializer):
        array[...] = xp.asarray(initializer(array.shape, dtype=dtype.name))
    else:
        raise ValueError(f"Unsupported optimizer-variable initializer: {initializer!r}. Use "
                         "'zeros', 'ones', a number or a callable f(shape, dtype).")
