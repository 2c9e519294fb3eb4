"""keras.optimizers.Optimizer: what every optimizer shares.

The base owns the learning rate (float, schedule or callable), the step counter,
gradient intake, loss-scale division, gradient accumulation, clipping, decoupled
weight decay, EMA of the weights and constraints. A subclass only creates its slot
variables in ``build`` and writes the update:

* elementwise optimizers (SGD, Adam, RMSprop, ...) set ``elementwise = True`` and
  implement ``_step_constants(lr, t)`` (the step's scalars, by name) and
  ``_elementwise_step(w, g, scratch, slots, **constants)`` (in-place numpy on arrays of
  any shape; it may overwrite ``g``, the optimizer's own copy of the gradient);
* the others implement Keras's ``update_step(gradient, variable, learning_rate)``.

Flat buffers. ``build`` lays the trainable variables end to end in a ``FlatLayout``:
their storage becomes views of one weight buffer, the backward pass writes their
gradients into views of one gradient buffer (``gradient_buffers``), and every slot,
EMA average, accumulator and scratch array is a flat buffer of the same layout (each
slot Variable in ``optimizer.variables`` is a view into it). An elementwise step then
runs on cache-sized blocks of whole buffers; only when some variables have no gradient
does it run per variable, on views, giving the same numbers.

Shards. Under keras.distribution's DataParallel an elementwise optimizer gets an
``update_shard`` (see ``apply``): each MPI rank then runs the pipeline on its range
``self._part`` of the flat buffers only, and the weights are allgathered after the step.

Non-finite gradients are applied as Keras applies them: NaN or Inf reaches the weights
and slots (``LossScaleOptimizer`` is the one that skips such steps).
"""
import math
import re

import numpy as np

from .. import backend
from ..autodiff.float_errors import silenced
from ..backend import xp
from ..registry import CUSTOM_OBJECTS, Registry
from ..variables import Variable, check_one_to_one, run_statelessly
from . import schedules
from ..naming import auto_name, to_snake_case
from .argument_checks import (argument_names, check_bool, check_float, check_int,
                              is_real_number, pop_keras2_arguments, unknown_arguments_error,
                              warn_user)
from .flat_layout import FlatLayout
from .optimizer_variables import OptimizerVariables

OPTIMIZERS = Registry("optimizer", case_sensitive=False)
_MODULE = "keras.optimizers"
_KERAS2_CONFIG_KEYS = ("is_legacy_optimizer", "jit_compile")


class LearningRateValue(float):
    """The current learning rate: a float, plus Keras 3's ``.assign(value)`` and ``.numpy()``."""

    __slots__ = ("_optimizer",)

    def __new__(cls, value, optimizer):
        obj = super().__new__(cls, value)
        obj._optimizer = optimizer
        return obj

    def assign(self, value):
        self._optimizer.learning_rate = value

    def numpy(self):
        return np.asarray(self, dtype=backend.floatx())

    def __getattr__(self, name):
        """A settable rate's other Variable attributes (``path``, ``value``, ``dtype``,
        ``shape``, ``assign_add``, ...) are its Variable's, as Keras's rate is that Variable."""
        variable = None if name.startswith("_") else self._optimizer._lr_var
        if variable is None:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        return getattr(variable, name)

    def __repr__(self):
        """A settable rate prints as the Variable holding it, as in Keras; a schedule's or
        callable's rate as the float32 scalar Keras's numpy backend returns for it."""
        variable = self._optimizer._lr_var
        return repr(np.float32(self)) if variable is None else repr(variable)

    def __str__(self):
        variable = self._optimizer._lr_var
        return str(np.float32(self)) if variable is None else repr(variable)


@OPTIMIZERS.register("Optimizer")
class Optimizer(OptimizerVariables):
    """Base class of every optimizer.

    Args:
        learning_rate: a float (a negative one ascends, as in Keras), a
            ``LearningRateSchedule`` or a zero-argument callable returning the rate.
            ``lr=`` is accepted as a Keras 2 alias (with a DeprecationWarning).
        weight_decay: decoupled decay: ``w <- w * (1 - weight_decay * lr)`` before each step.
        clipnorm: clip each gradient tensor to this L2 norm.
        clipvalue: clip each gradient element to ``[-clipvalue, clipvalue]``.
        global_clipnorm: clip all gradients together to this global L2 norm.
        use_ema: keep an exponential moving average of the weights.
        ema_momentum: ``avg <- m * avg + (1 - m) * w`` (``m = 0`` on the first step).
        ema_overwrite_frequency: copy the averages into the weights every this many steps.
        loss_scale_factor: the trainer multiplies the loss by it; gradients are divided by it.
        gradient_accumulation_steps: update every k-th call with the mean of k gradients.
        name: the name (default: snake-cased class name, made unique: ``adam``, ``adam_1``).
    """

    elementwise = False  # True: the update is the same function of each element
    _n_scratch = 1  # scratch buffers the kernel uses besides the gradient buffer

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        owner = type(self).__name__
        learning_rate = pop_keras2_arguments(type(self), learning_rate, kwargs)
        if kwargs:
            raise unknown_arguments_error(owner, kwargs, argument_names(type(self)))
        self.name = auto_name(to_snake_case(owner)) if name is None else str(name)
        self.weight_decay = check_float(owner, "weight_decay", weight_decay, low=0, allow_none=True)
        self.clipnorm = check_float(owner, "clipnorm", clipnorm, low=0, allow_none=True)
        self.clipvalue = check_float(owner, "clipvalue", clipvalue, low=0, allow_none=True)
        self.global_clipnorm = check_float(owner, "global_clipnorm", global_clipnorm, low=0,
                                           allow_none=True)
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}")
        self.use_ema = check_bool(owner, "use_ema", use_ema)
        self.ema_momentum = check_float(owner, "ema_momentum", ema_momentum)
        if not 0 <= self.ema_momentum <= 1:  # Keras's words
            raise ValueError("`ema_momentum` must be in the range [0, 1]. "
                             f"Received: ema_momentum={ema_momentum}")
        self.ema_overwrite_frequency = check_int(owner, "ema_overwrite_frequency",
                                                 ema_overwrite_frequency, low=1, allow_none=True)
        self.loss_scale_factor = check_float(owner, "loss_scale_factor", loss_scale_factor,
                                             low=0, low_open=True, allow_none=True)
        steps = check_int(owner, "gradient_accumulation_steps", gradient_accumulation_steps,
                          allow_none=True)
        if steps and steps < 2:
            raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. "
                             f"Received: gradient_accumulation_steps={gradient_accumulation_steps}")
        self.gradient_accumulation_steps = steps or None
        self.built = False
        # Set by keras.distribution / minikeras.horovod: sums the flat gradient buffer over
        # MPI ranks, in place, before anything else reads it.
        self.gradient_reducer = None
        # Set by keras.distribution for elementwise optimizers instead: this process updates
        # only its shard of the flat layout (see `apply`).
        self.update_shard = None
        self._variables = []
        self._exclude_ids, self._exclude_pattern = set(), None
        self._iterations = self._track(Variable(np.array(0, np.int32), trainable=False,
                                                aggregation="only_first_replica",
                                                name="iteration"))
        self._lr_var = None
        self._learning_rate = None
        self._set_learning_rate(learning_rate)

    # ---- learning rate and step counter --------------------------------------------------
    def _set_learning_rate(self, value):
        if isinstance(value, schedules.LearningRateSchedule) or (
                callable(value) and not is_real_number(value)):
            if self._lr_var is not None:
                self._variables.remove(self._lr_var)
                self._lr_var = None
            self._learning_rate = value
            return
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not settable. "
                "If you need the learning rate to be settable, you should instantiate the "
                "optimizer with a float `learning_rate` argument.")
        if not is_real_number(value) or not math.isfinite(float(value)):  # Keras's words
            raise ValueError(
                "Argument `learning_rate` should be float, or an instance of "
                "LearningRateSchedule, or a callable (that takes in the current iteration value "
                "and returns the corresponding learning rate value). Received instead: "
                f"learning_rate={value} (of type {type(value).__name__}, in "
                f"{type(self).__name__}).")
        if self._lr_var is None:
            self._lr_var = Variable(np.array(float(value)), dtype=backend.floatx(),
                                    trainable=False, aggregation="only_first_replica",
                                    name="learning_rate")  # as in Keras
            self._lr_var.path = f"{self.name}/learning_rate"
            self._variables.insert(1, self._lr_var)  # right after `iteration`, as in Keras
        else:
            self._lr_var.data[...] = value
        self._learning_rate = self._lr_var

    def _current_learning_rate(self):
        """The rate for this step as a floatx scalar (schedules see the internal count)."""
        lr = self._learning_rate
        if lr is self._lr_var:
            return lr.data[()]
        value = lr(self._iterations.data.item()) if isinstance(
            lr, schedules.LearningRateSchedule) else lr()
        return np.asarray(value, dtype=backend.floatx())[()]

    @property
    def learning_rate(self):
        """The current rate (a schedule is evaluated at the current step). Settable."""
        return LearningRateValue(self._current_learning_rate(), self)

    @learning_rate.setter
    def learning_rate(self, value):
        self._set_learning_rate(value)

    @property
    def lr(self):
        """Keras 2 name of ``learning_rate`` (read and set)."""
        return self.learning_rate

    @lr.setter
    def lr(self, value):
        self.learning_rate = value

    @property
    def iterations(self):
        """Steps applied so far (a Variable; ``internal // k`` with gradient accumulation)."""
        k = self.gradient_accumulation_steps
        if k:
            return np.int32(self._iterations.data.item() // k)
        return self._iterations

    def _public_iterations(self):
        k = self.gradient_accumulation_steps
        it = self._iterations.data.item()
        return it // k if k else it

    @property
    def variables(self):
        """Optimizer state in Keras's order: iteration, learning_rate, then per-variable slots."""
        return list(self._variables)

    # ---- weight decay exclusions ----------------------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempt variables (by object, or by regex on their name) from weight decay."""
        self._exclude_ids = {id(v) for v in var_list or ()}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None
        if self.built:
            self._decay_factors = None  # recomputed at the next step

    def _use_weight_decay(self, variable):
        if id(variable) in self._exclude_ids:
            return False
        return not (self._exclude_pattern is not None
                    and self._exclude_pattern.search(variable.name or "") is not None)

    # ---- build: the flat layout ----------------------------------------------------------
    def build(self, variables):
        """Lay ``variables`` out in flat buffers (``FlatLayout``); its weights become views of
        one buffer. Idempotent: a second call does nothing. Subclasses create their slots
        after calling this (Keras's subclasses name the argument ``var_list``)."""
        if self.built:
            return
        var_list = list(variables)
        owner = type(self).__name__
        for i, v in enumerate(var_list):
            if not isinstance(v, Variable):
                raise TypeError(f"{owner}.build() expects keras.Variable objects (e.g. "
                                f"model.trainable_variables); item {i} is {type(v).__name__}.")
            if v.data.dtype.kind != "f":
                raise TypeError(f"{owner} can only train floating-point variables; "
                                f"'{v.path}' has dtype {v.dtype}.")
        dtypes = sorted({v.dtype for v in var_list})
        if len(dtypes) > 1:
            raise ValueError(f"{owner}: all trainable variables must share one dtype; got "
                             f"{dtypes}. "
                             "Cast them with keras.backend.set_floatx() before building the model.")
        self._dtype = np.dtype(dtypes[0] if dtypes else backend.floatx())
        layout = self._layout = FlatLayout(var_list, self._dtype)
        self._trainable_variables = layout.variables
        self._scratch = tuple(layout.new_buffer() for _ in range(max(self._n_scratch, 1)))
        self._scratch_views = [tuple(v) for v in zip(*(layout.views(s) for s in self._scratch))]
        self._slot_flats = ()
        self._pieces = None  # made at the first step, once every slot exists
        self._part, self._part_shard = slice(0, layout.size), None
        self._decay_factors = None
        self._buffers_asked_for = self._buffers_given = None
        if self.use_ema:
            flats, (self._averages,) = self._add_flat_slots(["average"], ["zeros"])
            self._avg_flat = flats[0]
        if self.gradient_accumulation_steps:
            flats, (self._accumulators,) = self._add_flat_slots(["gradient_accumulator"],
                                                                ["zeros"])
            self._acc_flat = flats[0]
        self.built = True

    def _get_variable_index(self, variable):
        i = self._layout.index.get(id(variable))
        if i is None:
            raise ValueError(
                f"Unknown variable: {variable!r}. This optimizer can "
                "only be called for the variables it was originally built with. When working "
                "with a new set of variables, you should recreate a new optimizer instance.")
        return i

    def gradient_buffers(self, variables):
        """Where the backward pass writes the gradients of ``variables``: views of the flat
        gradient buffer (``autodiff.grad(loss, variables, out=...)``). Builds on first use.
        Asked again with the same list object, it answers as before (do not change the
        list in place between calls)."""
        if not self.built:
            self.build(variables)
        layout = self._layout
        if variables is self._buffers_asked_for:  # the trainer asks with one list each step
            return self._buffers_given
        if len(variables) == len(layout.variables) and all(
                v is k for v, k in zip(variables, layout.variables)):
            buffers = layout.gradient_views  # `apply` then knows they are in place
        else:
            buffers = [layout.gradient_views[self._get_variable_index(v)] for v in variables]
        self._buffers_asked_for, self._buffers_given = variables, buffers
        return buffers

    # ---- the step --------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """``apply`` for a list of ``(gradient, variable)`` pairs; returns ``iterations``."""
        pairs = list(grads_and_vars)
        if pairs:
            grads, variables = zip(*pairs)
            self.apply(list(grads), list(variables))
        return self.iterations

    def apply(self, grads, trainable_variables=None):
        """Update ``trainable_variables`` (default: the built list) from ``grads``.

        One path, in Keras's order: load the gradients into the flat buffer (None ones
        are dropped with a warning), divide by ``loss_scale_factor``, accumulate; then
        clip, weight decay, the update step, EMA, constraints, ``iterations += 1``. NaN and
        Inf gradients are applied as they are, as Keras applies them (``LossScaleOptimizer``
        skips such steps). Every stage runs on whole flat buffers unless some variables
        have no gradient: then decay, step and constraints run per variable on the others.

        Sharded (``update_shard`` set, elementwise optimizers only): the gradient is
        reduce-scattered instead, every stage up to EMA runs on this process's range
        ``self._part`` of the flat buffers only (norms add up the ranks' partial sums),
        then the updated weights are allgathered and the constraints run on whole
        variables. Slots, EMA averages and accumulators are
        then current only in that range (``flat_state`` lists them for gathering).
        """
        with silenced():  # inf and nan arrive without numpy's warnings
            self._apply(grads, trainable_variables)

    def _apply(self, grads, trainable_variables):
        if not isinstance(grads, (list, tuple)):
            grads = list(grads)
        if len(grads) == 0:
            return
        present = self._load_gradients(grads, self._variables_for(trainable_variables))
        shard = self._refresh_part()
        g = self._layout.gradients
        if shard is not None:
            shard.reduce_scatter(g)
        elif self.gradient_reducer is not None:
            self.gradient_reducer(g)
        g = g[self._part]
        if self.loss_scale_factor is not None:
            xp.divide(g, self.loss_scale_factor, out=g)
        if self._gradient_ready(g):
            lr = self._current_learning_rate()
            self._clip_gradients(g)
            self._apply_weight_decay(lr, present)
            self._update_step(lr, present)
        if self.use_ema:
            self._update_ema()
        if shard is not None:
            shard.allgather(self._layout.weights)
        self._apply_constraints(present)
        it = self._iterations.data
        it[()] = it[()] + 1  # ~10x faster than `+=` on a 0-d array

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """One ``apply`` step from the given state, changing no variable: returns
        ``(new trainable variable values, new optimizer variable values)``, in the orders of
        the built trainable variables and of ``self.variables``."""
        if not self.built:
            raise ValueError(
                f"To call `stateless_apply`, {type(self).__name__} must be built (i.e. its "
                "variables must have been created). You can build it via "
                "`optimizer.build(trainable_variables)`.")
        own, built = self.variables, list(self._trainable_variables)
        check_one_to_one(optimizer_variables, own, "optimizer_variables",
                         f"{type(self).__name__}().variables")
        check_one_to_one(trainable_variables, built, "trainable_variables",
                         "the trainable variables list that the optimizer was built with")
        _, values = run_statelessly(lambda: self.apply(grads), built + own,
                                    list(trainable_variables) + list(optimizer_variables))
        return values[:len(built)], values[len(built):]

    def _refresh_part(self):
        """Point ``self._part`` at the range this process updates (all of the layout, or the
        range ``update_shard`` gives it); return ``update_shard``."""
        shard = self.update_shard
        if shard is not self._part_shard:
            if shard is not None and not self.elementwise:
                raise ValueError(f"{type(self).__name__} is not elementwise: its update needs "
                                 "whole variables, so it cannot update a shard of them. Reduce "
                                 "its gradients with `gradient_reducer` instead.")
            size = self._layout.size
            lo, hi = (0, size) if shard is None else shard.bounds(self._layout)
            self._part, self._part_shard, self._pieces = slice(lo, hi), shard, None
        return shard

    def flat_state(self):
        """The flat buffers of per-weight state (slots, EMA averages, gradient accumulators),
        in the layout's order: a sharded update keeps them current only in ``self._part``."""
        extra = (self._avg_flat,) if self.use_ema else ()
        if self.gradient_accumulation_steps:
            extra += (self._acc_flat,)
        return self._slot_flats + extra

    def _sum_over_ranks(self, values):
        """``values`` (a few float64 numbers) summed over the ranks of ``update_shard``."""
        values = np.asarray(values, dtype=np.float64)
        return values if self._part_shard is None else self._part_shard.sum(values)

    def _variables_for(self, trainable_variables):
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` "
                    "first.")
            return self._trainable_variables
        variables = trainable_variables if isinstance(trainable_variables, (list, tuple)) \
            else list(trainable_variables)
        if not self.built:
            self.build(variables)
            self._scope_unscoped_paths()
        return variables

    def _scope_unscoped_paths(self):
        """Keras builds inside ``apply`` under the optimizer's name scope: the variables a
        build makes outside ``add_variable`` (Nadam's ``u_product``, Adafactor's
        placeholders), whose path is their bare name, then have ``<name>/`` before it."""
        for variable in self._variables:
            if "/" not in variable.path:
                variable.path = f"{self.name}/{variable.path}"

    def _load_gradients(self, grads, variables):
        """Bring ``grads`` into the flat gradient buffer; return None when every built
        variable has a gradient, else the sorted indices of those that have one."""
        layout = self._layout
        layout.repack()
        if grads is layout.gradient_views:  # the backward pass wrote them in place
            return None
        if len(grads) != len(variables):
            raise ValueError(f"Received {len(grads)} gradients for {len(variables)} variables. "
                             "Pass one gradient per variable, in the same order.")
        views = layout.gradient_views
        present, missing = set(), []
        for g, v in zip(grads, variables):
            i = self._get_variable_index(v)
            if g is None:
                missing.append(v.path)
                continue
            if g is not views[i]:
                g = xp.asarray(g)
                if g.shape != layout.shapes[i]:
                    raise ValueError(
                        f"The gradient for variable '{v.path}' has shape {g.shape}, but the "
                        f"variable has shape {layout.shapes[i]}. Pass gradients in the same "
                        "order as the variables, one per variable.")
                views[i][...] = g
            present.add(i)
        if missing:
            warn_user(f"Gradients do not exist for variables {missing} when minimizing the loss. "
                      "If using `model.compile()`, did you forget to provide a `loss` argument?")
        if not present:
            raise ValueError("No gradients provided for any variable.")
        if len(present) == len(views):
            return None
        for i, view in enumerate(views):
            if i not in present:
                view.fill(0)
        return sorted(present)

    def _gradient_ready(self, g):
        """Gradient accumulation: add ``g`` to the running sum; True on every k-th call, with
        the mean of the k gradients in ``g``. Without accumulation, always True."""
        k = self.gradient_accumulation_steps
        if not k:
            return True
        acc = self._acc_flat[self._part]
        if (self._iterations.data.item() + 1) % k:
            xp.add(acc, g, out=acc)
            return False
        xp.add(g, acc, out=g)
        xp.divide(g, k, out=g)
        acc.fill(0)
        return True

    def _clip_gradients(self, g):
        """Keras's clipnorm (per tensor), global_clipnorm or clipvalue, in place on ``g``."""
        if not (self.clipnorm or self.global_clipnorm or self.clipvalue):
            return
        dt = self._dtype.type
        if self.clipnorm:
            c = dt(self.clipnorm)
            starts, sizes, owners = self._layout.segments(self._part)
            norms = xp.sqrt(self._squared_norms(g, starts, owners)[owners])
            xp.multiply(g, c, out=g)  # g * c / max(||g||, c), as Keras orders it
            # np.repeat allocates, but is ~5x faster here than np.take(..., out=)
            xp.divide(g, xp.repeat(xp.maximum(norms, c), sizes), out=g)
        elif self.global_clipnorm:
            c = dt(self.global_clipnorm)
            starts, _, owners = self._layout.segments(self._part)
            norm = xp.sqrt(self._squared_norms(g, starts, owners).sum(dtype=self._dtype))
            scale = c * xp.minimum(dt(1) / norm, dt(1) / c)  # a zero norm: 1 / 0 = inf
            xp.multiply(g, scale, out=g)
        elif self.clipvalue:
            xp.clip(g, -self.clipvalue, self.clipvalue, out=g)

    def _squared_norms(self, g, starts, owners):
        """Per non-empty variable, the sum of squares of its gradient over every rank's part,
        from ``g`` (this part), its segments' ``starts`` in ``g`` and their ``owners``."""
        sums = np.zeros(len(self._layout.nonempty), self._dtype)
        if g.size:
            sums[owners] = xp.add.reduceat(xp.multiply(g, g, out=self._scratch[0][:g.size]),
                                           starts)
        if self._part_shard is not None:
            sums = self._sum_over_ranks(sums).astype(self._dtype)
        return sums

    def _apply_weight_decay(self, lr, present):
        """Decoupled decay before the step: ``w <- w * (1 - weight_decay * lr)``."""
        if self.weight_decay is None:
            return
        factor = self._dtype.type(1) - self._dtype.type(self.weight_decay) * lr
        decayed = self._decayed()
        layout, part = self._layout, self._part
        if present is not None:
            pieces = layout.pieces(part)
            for i in present:
                if decayed[i]:
                    layout.weights[pieces[i]] *= factor
            return
        weights = layout.weights[part]
        if all(decayed):
            weights *= factor
            return
        mask, factors, _ = self._decay_factors  # `factor` where decayed, else 1
        factors = factors[part]
        xp.copyto(factors, factor, where=mask[part])
        weights *= factors

    def _decayed(self):
        """Per variable: does weight decay apply (``exclude_from_weight_decay``)?"""
        if self._decay_factors is None:
            layout = self._layout
            decayed = [self._use_weight_decay(v) for v in layout.variables]
            mask = np.repeat(np.asarray(decayed, bool), np.diff(layout.offsets))
            self._decay_factors = (mask, xp.ones(layout.size, self._dtype), decayed)
        return self._decay_factors[2]

    def _update_step(self, lr, present):
        """The optimizer's own rule: an elementwise step on cache-sized blocks of the flat
        buffers (or per variable), or Keras's ``update_step`` per variable."""
        if not self.elementwise:
            variables, views = self._trainable_variables, self._layout.gradient_views
            for i in range(len(variables)) if present is None else present:
                self.update_step(views[i], variables[i], lr)
            return
        constants = self._step_constants(lr, float(self._public_iterations() + 1))
        for w, g, scratch, slots in self._elementwise_pieces(present):
            self._elementwise_step(w, g, scratch, slots, **constants)

    def _elementwise_pieces(self, present):
        """``(weights, gradient, scratch, slots)`` pieces for the elementwise step: 1-D
        slices of at most ``BLOCK_SIZE`` elements of the flat buffers, over the whole layout
        or over the variables in ``present``, inside ``self._part``. Every piece computes in
        the first block of the scratch buffers, so the scratch stays in cache from one piece
        to the next."""
        if present is None and self._pieces is not None:
            return self._pieces
        flats = (self._layout.weights, self._layout.gradients) + self._slot_flats
        pieces = []
        for lo, hi in self._layout.block_ranges(present, self._part):
            w, g, *slots = [f[lo:hi] for f in flats]
            pieces.append((w, g, tuple(s[:hi - lo] for s in self._scratch), tuple(slots)))
        if present is None:
            self._pieces = pieces
        return pieces

    def update_step(self, gradient, variable, learning_rate):
        """Update one variable in place (non-elementwise and custom optimizers)."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement "
            "`update_step(gradient, variable, learning_rate)`.")

    def _step_constants(self, lr, t):
        """The step's named scalars, from ``lr`` (a dtype scalar) and ``t`` = iterations + 1.

        They follow Keras's dtype chain: hyperparameters Keras casts to the variable
        dtype are cast (``self._dtype.type``) and combined in that dtype; Python
        arithmetic stays Python. Powers and square roots of scalars use ``_pow`` /
        ``_sqrt`` (double precision, then rounded), which are correctly rounded for
        float32 and ~10x cheaper than numpy's scalar ufuncs.
        """
        raise NotImplementedError

    def _elementwise_step(self, w, g, scratch, slots, **constants):
        """The update on matching pieces of the weights ``w``, gradient ``g`` (which it may
        overwrite), ``scratch`` arrays and ``slots`` (in creation order), in place."""
        raise NotImplementedError

    def _pow(self, base, exponent):
        """``base ** exponent`` for dtype scalars (or floats), in the variables' dtype."""
        return self._dtype.type(float(base) ** exponent)

    def _sqrt(self, value):
        return self._dtype.type(math.sqrt(value))

    def _update_ema(self):
        """``avg <- m * avg + (1 - m) * w`` with ``m = 0`` on the first step; maybe overwrite."""
        dt = self._dtype.type
        m = dt(0) if self._public_iterations() == 0 else dt(self.ema_momentum)
        part = self._part
        w, avg = self._layout.weights[part], self._avg_flat[part]
        avg *= m
        avg += xp.multiply(w, dt(1) - m, out=self._scratch[0][part])
        freq = self.ema_overwrite_frequency
        if freq and (self._public_iterations() + 1) % freq == 0:
            xp.copyto(w, avg)

    def _apply_constraints(self, present):
        variables = self._trainable_variables
        for i in range(len(variables)) if present is None else present:
            v = variables[i]
            if v.constraint is not None:
                v.assign(v.constraint(v))

    def finalize_variable_values(self, var_list):
        """At the end of ``fit``: copy the EMA of the weights into them when ``use_ema``."""
        if not self.use_ema or not self.built:
            return
        var_list = list(var_list)
        if len(var_list) != len(self._averages):
            raise ValueError(
                f"The length of model variables ({len(var_list)}) to override does not match the "
                f"length of model variables stored in the optimizer ({len(self._averages)}). "
                "Please check if the optimizer was called on your model.")
        for var, average in zip(var_list, self._averages):
            var.assign(average.data)

    def scale_loss(self, loss):
        """Multiply the loss by ``loss_scale_factor`` (if set) before backprop."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    # ---- helpers subclasses and custom optimizers use (Keras API) ------------------------------
    def assign(self, variable, value):
        variable.assign(value)

    def assign_add(self, variable, value):
        variable.assign_add(value)

    def assign_sub(self, variable, value):
        variable.assign_sub(value)

    # ---- config ---------------------------------------------------------------------------------
    def get_config(self):
        """Base keys, in Keras's order; subclasses append their own."""
        lr = self._learning_rate
        if lr is self._lr_var:
            lr_config = float(self._lr_var.data)
        elif isinstance(lr, schedules.LearningRateSchedule):
            lr_config = schedules.serialize(lr)
        else:
            lr_config = self._serialize_callable(lr)
        return {"name": self.name, "learning_rate": lr_config, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @staticmethod
    def _serialize_callable(fn):
        """A callable rate's config as Keras writes it: a registered function by its
        registered name, any other by its own name (from_config finds it only once it is
        registered, as in Keras)."""
        name = CUSTOM_OBJECTS.name_of(fn)
        if name is not None:
            return {"module": None, "class_name": "function", "config": name,
                    "registered_name": "function"}
        return {"module": "builtins", "class_name": "function",
                "config": getattr(fn, "__name__", type(fn).__name__),
                "registered_name": "function"}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild from ``get_config()`` (also reads Keras 2 configs: ``lr``, ``decay``)."""
        config = dict(config)
        for key in _KERAS2_CONFIG_KEYS:
            config.pop(key, None)
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            if lr.get("class_name") == "function" or lr.get("registered_name") == "function":
                config["learning_rate"] = _registered_function(lr, custom_objects)
            else:
                config["learning_rate"] = schedules.deserialize(lr, custom_objects)
        return cls(**config)

    def __repr__(self):
        lr = self._learning_rate
        shown = float(self._lr_var.data) if lr is self._lr_var else lr
        return f"<{type(self).__name__} name={self.name!r} learning_rate={shown!r}>"


def _registered_function(config, custom_objects):
    """The function a callable rate's ``config`` names (see ``_serialize_callable``)."""
    try:
        return CUSTOM_OBJECTS.lookup(config["config"], custom_objects)
    except ValueError:
        raise TypeError(  # Keras's words
            f"Could not locate function '{config['config']}'. Make sure custom classes and "
            "functions are decorated with `@keras.saving.register_keras_serializable()`. If "
            "they are already decorated, make sure they are all imported so that the decorator "
            "is run before trying to load them. Full object config: "
            f"{config}") from None
