"""The optimizer's state on flat buffers: slots, gradient intake, clipping, decay, EMA.

Layout: the trainable variables are laid end to end, variable ``i`` occupying
``[offsets[i], offsets[i+1])`` of a flat array of length N. The gradient buffer, the
scratch buffers, every slot (``momentum``, ``velocity``, ...), the EMA averages and
the gradient accumulators are flat arrays of length N with that layout; the
per-variable Variables the user sees are reshaped views into them. When the weights
themselves are packed in one buffer (``minikeras.variables.pack``) every elementwise
operation below is one numpy call on length-N arrays.
"""
import math

import numpy as np

from .. import backend
from ..backend import xp
from ..variables import Variable, packed_buffer
from ._checks import is_real_number, warn_user

_ndarray = np.ndarray


class OptimizerState:
    """Mixin of ``Optimizer``: everything that touches per-variable arrays."""

    # ---- variables --------------------------------------------------------------------
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
        names (Keras's API). For the built variable list the slots are views of one
        flat buffer per name, and elementwise kernels receive them in creation order.
        """
        names = [name] if isinstance(name, str) else list(name)
        inits = list(initializer) if isinstance(initializer, (list, tuple)) \
            else [initializer] * len(names)
        if len(inits) != len(names):
            raise ValueError("The number of provided names must match the number of provided "
                             f"initializers. Received name={name!r}, initializer={initializer!r}")
        trainable_variables = list(trainable_variables)
        known = self._trainable_variables
        if len(trainable_variables) == len(known) and all(
                v is k for v, k in zip(trainable_variables, known)):
            flats, lists = self._add_flat(names, inits)
            self._slot_flats += tuple(flats)
            self._slot_views = [old + tuple(lst[i].data for lst in lists)
                                for i, old in enumerate(self._slot_views)]
        else:
            lists = tuple([] for _ in names)
            for v in trainable_variables:
                for lst, nm, init in zip(lists, names, inits):
                    lst.append(self.add_variable_from_reference(v, nm, init))
        return lists[0] if isinstance(name, str) else lists

    def _add_flat(self, names, inits):
        """Flat buffers for ``names`` and their per-variable view Variables (interleaved)."""
        flats = []
        for init in inits:
            flat = xp.zeros(self._size, self._dtype)
            for view in self._views(flat):
                _fill(view, init, self._dtype)
            flats.append(flat)
        lists = tuple([] for _ in names)
        for i, ref in enumerate(self._trainable_variables):
            prefix = str(ref.path).replace("/", "_")
            for flat, lst, nm in zip(flats, lists, names):
                view = flat[self._offsets[i]:self._offsets[i + 1]].reshape(self._shapes[i])
                slot = Variable(view, trainable=False, name=f"{prefix}_{nm}")
                slot.data = view  # the Variable's storage *is* the flat buffer's slice
                lst.append(self._track(slot))
        return flats, lists

    def _views(self, flat):
        off = self._offsets
        return [flat[off[i]:off[i + 1]].reshape(shape) for i, shape in enumerate(self._shapes)]

    def _get_variable_index(self, variable):
        return self._index[id(variable)]

    def _var_key(self, variable):
        return id(variable)

    # ---- build --------------------------------------------------------------------------
    def build(self, var_list):
        """Lay out the flat buffers for ``var_list`` (idempotent: a second call does nothing)."""
        if self.built:
            return
        var_list = list(var_list)
        owner = type(self).__name__
        for i, v in enumerate(var_list):
            if not isinstance(v, Variable):
                raise TypeError(f"{owner}.build() expects keras.Variable objects (e.g. "
                                f"model.trainable_variables); item {i} is {type(v).__name__}.")
            if v.dtype.kind != "f":
                raise TypeError(f"{owner} can only train floating-point variables; "
                                f"'{v.path}' has dtype {v.dtype}.")
        dtypes = sorted({v.dtype.name for v in var_list})
        if len(dtypes) > 1:
            raise ValueError(f"{owner}: all trainable variables must share one dtype; got "
                             f"{dtypes}. "
                             "Cast them with keras.backend.set_floatx() before building the model.")
        self._dtype = np.dtype(dtypes[0] if dtypes else backend.floatx())
        self._trainable_variables = var_list
        self._index = {id(v): i for i, v in enumerate(var_list)}
        self._shapes = [v.shape for v in var_list]
        sizes = [v.size for v in var_list]
        self._offsets = np.concatenate([[0], np.cumsum(sizes, dtype=np.intp)]).astype(np.intp)
        self._size = int(self._offsets[-1])
        self._gbuf = xp.zeros(self._size, self._dtype)
        self._gviews = self._views(self._gbuf)
        self._scratch = tuple(xp.zeros(self._size, self._dtype)
                              for _ in range(max(self._n_scratch, 1)))
        self._scratch_views = [tuple(v) for v in zip(*(self._views(s) for s in self._scratch))]
        self._slot_flats = ()
        self._slot_views = [() for _ in var_list]
        nonempty = [i for i, s in enumerate(sizes) if s]
        self._seg_starts = self._offsets[nonempty]
        self._seg_sizes = np.asarray([sizes[i] for i in nonempty], dtype=np.intp)
        self._wflat = packed_buffer(var_list)
        self._packed = self._wflat is not None
        self._not_packed_base = None
        self._decay_use = self._decay_mult = None
        if self.use_ema:
            flats, (self._averages,) = self._add_flat(["average"], ["zeros"])
            self._avg_flat = flats[0]
        if self.gradient_accumulation_steps:
            flats, (self._accumulators,) = self._add_flat(["gradient_accumulator"], ["zeros"])
            self._acc_flat = flats[0]
        self.built = True

    # ---- gradients in -----------------------------------------------------------------------
    def _load_gradients(self, grads, variables):
        """Copy ``grads`` into the flat gradient buffer; return None (all variables, in
        build order) or the sorted indices of the variables that have a gradient."""
        known = self._trainable_variables
        if len(grads) != len(variables):
            raise ValueError(f"Received {len(grads)} gradients for {len(variables)} variables. "
                             "Pass one gradient per variable, in the same order.")
        if len(variables) == len(known):
            wflat = self._wflat
            packed = wflat is not None
            for g, v, k, shape in zip(grads, variables, known, self._shapes):
                if v is not k or g.__class__ is not _ndarray or g.shape != shape:
                    break
                if packed and v.data.base is not wflat:
                    packed = False
            else:  # the hot path: every gradient present, in order, numpy, right shape
                xp.concatenate([g.ravel() for g in grads], out=self._gbuf)
                if not packed:
                    packed = self._detect_packing()
                self._packed = packed
                return None
        return self._load_gradients_slowly(grads, variables)

    def _detect_packing(self):
        """Look again for packed weights (e.g. the trainer packed them after ``build``).

        A full check walks every variable, so a failed check is remembered by the buffer
        the first variable lives in, and only repeated when that buffer changes.
        """
        known = self._trainable_variables
        base = known[0].data.base if known else None
        if base is None or base is self._not_packed_base:
            return False
        self._wflat = packed_buffer(known)
        if self._wflat is None:
            self._not_packed_base = base
        return self._wflat is not None

    def _load_gradients_slowly(self, grads, variables):
        present, missing = {}, []
        for g, v in zip(grads, variables):
            i = self._index.get(id(v))
            if i is None:
                raise ValueError(
                    f"Unknown variable: {getattr(v, 'path', v)!r}. This optimizer can only be "
                    "called for the variables it was originally built with. When working with a "
                    "new set of variables, you should recreate a new optimizer instance.")
            if g is None:
                missing.append(v.path)
                continue
            g = xp.asarray(g)
            if g.shape != self._shapes[i]:
                raise ValueError(
                    f"The gradient for variable '{v.path}' has shape {g.shape}, but the variable "
                    f"has shape {self._shapes[i]}. Pass gradients in the same order as the "
                    "variables, one per variable.")
            present[i] = g
        if missing:
            warn_user(f"Gradients do not exist for variables {missing} when minimizing the loss. "
                      "If using `model.compile()`, did you forget to provide a `loss` argument?")
        if not present:
            raise ValueError("No gradients provided for any variable.")
        self._gbuf.fill(0)
        for i, g in present.items():
            self._gviews[i][...] = g
        known = self._trainable_variables
        self._packed = self._wflat is not None and all(v.data.base is self._wflat for v in known)
        return None if len(present) == len(known) else sorted(present)

    def _all_finite(self, g):
        # g.g is NaN/Inf iff some element is, unless huge finite values overflow; then check
        # exactly. (g.g never warns for NaN/Inf input, only on such an overflow.)
        return math.isfinite(float(xp.dot(g, g))) or bool(xp.isfinite(g).all())

    def _warn_nonfinite(self, idx):
        bad = [v.path for i, v in enumerate(self._trainable_variables)
               if (idx is None or i in idx) and not xp.isfinite(self._gviews[i]).all()]
        warn_user(f"{type(self).__name__} skipped a step: the gradients of {bad} contain NaN or "
                  "Inf. Weights, optimizer slots and `iterations` are unchanged. The loss probably "
                  "overflowed: lower the learning rate, clip gradients (e.g. clipnorm=1.0) or "
                  "check the data for NaN.", RuntimeWarning)

    # ---- clipping, weight decay, EMA ----------------------------------------------------------
    def _clip_gradients(self, g):
        """Keras's clipnorm (per tensor), global_clipnorm or clipvalue, in place on ``g``."""
        if g.size == 0:
            return
        dt = self._dtype.type
        if self.clipnorm:
            c = dt(self.clipnorm)
            norms = xp.sqrt(xp.add.reduceat(xp.multiply(g, g, out=self._scratch[0]),
                                            self._seg_starts))
            xp.multiply(g, c, out=g)  # g * c / max(||g||, c), as Keras orders it
            # np.repeat allocates, but is ~5x faster here than np.take(..., out=)
            xp.divide(g, xp.repeat(xp.maximum(norms, c), self._seg_sizes), out=g)
        elif self.global_clipnorm:
            c = dt(self.global_clipnorm)
            sums = xp.add.reduceat(xp.multiply(g, g, out=self._scratch[0]), self._seg_starts)
            norm = xp.sqrt(sums.sum(dtype=self._dtype))
            with np.errstate(divide="ignore"):
                scale = c * xp.minimum(dt(1) / norm, dt(1) / c)
            xp.multiply(g, scale, out=g)
        elif self.clipvalue:
            xp.clip(g, -self.clipvalue, self.clipvalue, out=g)

    def _decay_flags(self):
        if self._decay_use is None:
            self._decay_use = [self._use_weight_decay(v) for v in self._trainable_variables]
            self._decay_mult = None
        return self._decay_use

    def _apply_weight_decay(self, lr, idx):
        """Decoupled decay before the step: ``w <- w * (1 - weight_decay * lr)``."""
        if self.weight_decay is None:
            return
        factor = self._dtype.type(1) - self._dtype.type(self.weight_decay) * lr
        use = self._decay_flags()
        if idx is None and self._packed:
            if all(use):
                self._wflat *= factor
                return
            if self._decay_mult is None:  # per-element factor: `factor` where decayed, else 1
                mask = np.repeat(np.asarray(use), np.diff(self._offsets))
                self._decay_mult = [mask, xp.ones(self._size, self._dtype), None]
            mask, mult, last = self._decay_mult
            if last != factor:
                xp.copyto(mult, factor, where=mask)
                self._decay_mult[2] = factor
            self._wflat *= mult
            return
        variables = self._trainable_variables
        for i in range(len(variables)) if idx is None else idx:
            if use[i]:
                variables[i].data *= factor

    def _update_ema(self):
        """``avg <- m * avg + (1 - m) * w`` with ``m = 0`` on the first step; maybe overwrite."""
        dt = self._dtype.type
        m = dt(0) if self._public_iterations() == 0 else dt(self.ema_momentum)
        one_minus = dt(1) - m
        pairs = [(self._wflat, self._avg_flat, self._scratch[0])] if self._packed else [
            (v.data, a.data, t[0]) for v, a, t in
            zip(self._trainable_variables, self._averages, self._scratch_views)]
        for w, avg, tmp in pairs:
            avg *= m
            avg += xp.multiply(w, one_minus, out=tmp)
        freq = self.ema_overwrite_frequency
        if freq and (self._public_iterations() + 1) % freq == 0:
            for w, avg, _ in pairs:
                xp.copyto(w, avg)

    # ---- saving -------------------------------------------------------------------------------
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
        for variable, weight in zip(variables, weights):
            if tuple(np.shape(weight)) != variable.shape:
                raise ValueError(f"Optimizer variable {variable.path} has shape {variable.shape} "
                                 f"not compatible with provided weight shape {np.shape(weight)}.")
            variable.assign(weight)


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
