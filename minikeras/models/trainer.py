"""compile / fit / evaluate / predict and the batch methods, shared by every Model."""
import functools
import inspect
import warnings

import numpy as np

from .. import dtype_policies
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from .. import random
from ..arguments import warn_user
from ..autodiff import grad, no_grad, parallel
from ..autodiff import primitives as P
from ..callbacks.callback import CallbackList, flat_logs
from ..config import capped, filter_traceback, floatx
from ..autodiff.float_errors import silenced
from ..autodiff.tensor import Tensor
from ..distribution.data_parallel import distribution, replica_group
from ..layers.layer import activity_penalties, added_losses, weight_penalties
from ..tree import flatten
from ..utils.model_utils import pack_x_y_sample_weight, unpack_x_y_sample_weight
from ..variables import StatelessScope, check_one_to_one, run_statelessly, structure_version
from . import data as D
from .step_replay import StepReplays
from .data_adapters import ArrayBatches, BatchStream, is_batch_source, source_kind
from . import compile_utils
from .compile_utils import CompileLoss, as_outputs

_REMOVED_FIT_ARGS = ("workers", "use_multiprocessing", "max_queue_size")


def _runs_batches(method):
    """``method`` (fit, evaluate, predict and the batch methods) run as Keras runs it:
    - numpy's floating-point warnings off (``float_errors.silenced``), as Keras's backends
      compute inf and nan without a word: a loss that overflows shows in the logs (or
      stops ``TerminateOnNaN``), not as RuntimeWarnings mid-epoch;
    - the model marked as running its own batches (``_running_batches``): Keras hands its
      steps backend tensors, so what it says of a numpy array given to a model (a
      functional model built on a list of one input) is said of a user's own call only."""
    @functools.wraps(method)
    def running(self, *args, **kwargs):
        self._running_batches += 1
        try:
            with silenced():
                return method(self, *args, **kwargs)
        finally:
            self._running_batches -= 1
    return running


def _summed(loss):
    """An added loss or penalty as one float scalar: Keras sums a tensor of per-sample losses
    given to ``add_loss`` (the captcha OCR example's CTC layer adds shape (batch, 1))."""
    if not np.issubdtype(np.dtype(loss.dtype), np.floating):
        loss = P.cast(loss, floatx())
    return loss if loss.ndim == 0 else P.sum(loss)


class Trainer:
    """Mixin giving a Layer-based model Keras's training API."""

    _running_batches = 0  # fit / evaluate / predict / batch methods under way (_runs_batches)

    def _init_trainer(self, dtype=None):
        # Keras wraps the optimizer of a model made under "mixed_float16" (a subclassed
        # model's ``dtype``, else the global policy: a functional model's ``dtype`` changes
        # nothing there) in a LossScaleOptimizer at compile; minikeras computes it in float32
        self._scales_loss = dtype_policies.get(dtype).name == "mixed_float16"
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.stop_training = False
        self._initial_epoch = None  # set by BackupAndRestore when it restores a backup
        self.history = None
        self._in_fit = False
        self._plan = None
        self._compiled_outputs = None
        self._threading = {kind: parallel.StepThreading() for kind in ("train", "test", "predict")}
        self._distribution = distribution()  # DataParallel needs it set before the model

    # ---- compile ---------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configure training. ``run_eagerly=True`` runs every step's layers eagerly
        (otherwise ``fit`` replays a recorded step where it can: step_replay.py);
        ``jit_compile`` and ``steps_per_execution`` are accepted for compatibility;
        ``auto_scale_loss`` wraps the optimizer of a model made under "mixed_float16" in a
        LossScaleOptimizer, as Keras."""
        self.optimizer = given = optimizers_module.get(optimizer)
        if auto_scale_loss and self._scales_loss and self.optimizer and not isinstance(
                self.optimizer, optimizers_module.LossScaleOptimizer):
            self.optimizer = optimizers_module.LossScaleOptimizer(self.optimizer,
                                                                 name="loss_scale_optimizer")
        names = self._output_names()
        if isinstance(loss, (list, tuple)) and self._has_unknown_outputs():
            # a subclassed model: Keras matches the list with its outputs at the first batch
            names = [f"output_{i + 1}" for i in range(len(loss))] if len(loss) > 1 else names
        self._compiled_outputs = names
        first = not getattr(self, "compiled", False)  # Keras 3: compiling again without a
        if loss is not None or first:                   # loss / metrics keeps the old ones
            self.loss = loss
            self._compile_loss = CompileLoss(loss, loss_weights, names) if loss is not None else None
        if metrics is not None or weighted_metrics is not None or first:
            self._compile_metrics = compile_utils.CompileMetrics(metrics, weighted_metrics,
                                                                 names)
        self._loss_tracker = metrics_module.Mean(name="loss")
        self._compile_metrics_entry = CompileMetrics(self)
        self._compile_config = {"optimizer": given, "loss": loss, "loss_weights": loss_weights,
                                "metrics": metrics, "weighted_metrics": weighted_metrics,
                                "run_eagerly": run_eagerly,
                                "steps_per_execution": steps_per_execution,
                                "jit_compile": jit_compile}
        self._plan = None
        self._step_replays = StepReplays()
        self.compiled = True

    def _output_names(self):
        """The names of the model's outputs (one placeholder name while they are unknown)."""
        try:
            names = self.output_names
        except (AttributeError, ValueError):
            names = None
        return list(names) if names else ["output"]

    def _has_unknown_outputs(self):
        """Whether the number of outputs is unknown until the model runs: a subclassed
        model's (Sequential has one, a functional model's graph names them)."""
        return self._output_names() == ["output"]

    def _assert_compiled(self):
        if not getattr(self, "compiled", False):
            raise ValueError("You must call `compile()` before using the model.")

    @property
    def metrics_names(self):
        """Keras's: the names of ``metrics`` (a subclass may override that property)."""
        return [m.name for m in self.metrics]

    @property
    def metrics(self):
        """As in Keras: the loss tracker, the compiled metrics as one entry named
        "compile_metrics" (when compile got ``metrics`` or ``weighted_metrics``), the
        per-output loss trackers (once the compiled loss has run: the first fit / evaluate
        or batch method), then the Metric objects set as attributes of the model (a custom
        ``train_step`` updates those itself). Read every batch (logs, a custom step's loop),
        so the attribute metrics come from the training plan, not from a walk of the layers
        (~1 ms for 20 layers)."""
        held = self._training_plan().held_metrics
        if not getattr(self, "compiled", False):
            return list(held)
        compiled = self._compiled_metrics_list()
        known = {id(m) for m in compiled}
        return compiled + [m for m in held if id(m) not in known]

    def _compiled_metrics_list(self):
        """The entries of :attr:`metrics` that ``compile`` made."""
        return [self._loss_tracker] + (
            [self._compile_metrics_entry] if self._compile_metrics.has_specs else []) + \
            self._loss_trackers()

    def _attribute_metrics(self):
        """Metric objects set as attributes of the model, then of its layers at any depth
        (Keras: a layer's metrics count among the model's, e.g. an endpoint layer's
        accuracy; a nested model's own metrics do not)."""
        from ..metrics.metric import Metric
        found = []
        for layer in self._flatten_layers():
            if layer is not self and isinstance(layer, Trainer):
                continue
            found.extend(layer._attributes_of_type(Metric))
        return list({id(m): m for m in found}.values())

    def get_metrics_result(self):
        """``{name: value}`` of every metric in :attr:`metrics` (what ``fit`` logs). As in
        Keras, a ValueError until a batch has built the compiled metrics (``fit`` and
        ``evaluate`` log without them when no batch has targets; Keras fails there)."""
        self._assert_compiled()
        if self._compile_metrics.has_specs and self._compile_metrics.metrics is None and \
                any(m is self._compile_metrics_entry for m in self.metrics):
            raise ValueError("Cannot get result() since the metric has not yet been built.")
        return self._logs()

    def _loss_trackers(self):
        """The per-output loss means (several outputs with a loss only)."""
        return [] if self._compile_loss is None else self._compile_loss.metrics

    # ---- one step: Keras's overridable hooks ------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss of ``y_pred`` against ``y`` (when ``compile`` got a loss), plus
        the losses the layers added (``add_loss``) and every regularization penalty.

        Override it (with or without ``training``) to compute the loss another way; the
        built-in steps call it with ``training`` only when the override accepts it.
        """
        plan = self._training_plan()
        terms = [_summed(term) for term in added_losses(plan.layers) + activity_penalties(
            plan.activity_layers) + weight_penalties(plan.regularized)]
        if self._compile_loss is not None:
            names = self._compiled_outputs
            terms.insert(0, self._compile_loss(as_outputs(y, names), as_outputs(y_pred, names),
                                               as_outputs(sample_weight, names)))
        if not terms:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        loss = terms[0]
        for term in terms[1:]:
            loss = P.add(loss, term)
        return loss

    def stateless_compute_loss(self, trainable_variables, non_trainable_variables,
                               metrics_variables, x=None, y=None, y_pred=None,
                               sample_weight=None, training=True):
        """:meth:`compute_loss` with the model's variables reading the given values, no
        variable changed. Returns ``(loss, (trainable_variables, non_trainable_variables,
        metrics_variables))``: the trainable values as given, the others as the loss left
        them (a ``compute_loss`` override may update metrics)."""
        trainable, non_trainable = self.trainable_variables, self.non_trainable_variables
        metric_variables = self.metrics_variables
        name = type(self).__name__
        check_one_to_one(trainable_variables, trainable, "trainable_variables",
                         f"{name}().trainable_variables")
        check_one_to_one(non_trainable_variables, non_trainable, "non_trainable_variables",
                         f"{name}().non_trainable_variables")
        check_one_to_one(metrics_variables, metric_variables, "metrics_variables",
                         f"{name}().metrics_variables")
        loss, values = run_statelessly(
            lambda: self._loss_for_step(x, y, y_pred, sample_weight, training),
            trainable + non_trainable + metric_variables,
            list(trainable_variables) + list(non_trainable_variables) +
            list(metrics_variables))
        after_trainable = len(trainable) + len(non_trainable)
        return loss, (list(trainable_variables), values[len(trainable):after_trainable],
                      values[after_trainable:])

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics for one batch and return :meth:`get_metrics_result`."""
        self._update_compiled_metrics(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def train_step(self, data):
        """One batch of ``fit``: ``data`` is ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``
        (see ``keras.utils.unpack_x_y_sample_weight``). Returns the logs ``{name: value}``.

        Override it for a custom training step: compute the loss from a forward pass, take
        its gradients with ``minikeras.autodiff.grad(loss, self.trainable_variables)`` and
        hand them to ``self.optimizer.apply(grads, self.trainable_variables)``.
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        logs = self._train_batch(x, y, sample_weight)
        return self.get_metrics_result() if logs is None else logs

    def test_step(self, data):
        """One batch of ``evaluate`` (``data`` as in :meth:`train_step`); returns the logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        logs = self._test_batch(x, y, sample_weight)
        return self.get_metrics_result() if logs is None else logs

    def predict_step(self, data):
        """One batch of ``predict``: the model's outputs for ``x`` (``data`` is ``(x,)``)."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def compiled_loss(self, y, y_pred, sample_weight=None, regularization_losses=None):
        """Deprecated in Keras 3: :meth:`compute_loss` (which this calls)."""
        warnings.warn("`model.compiled_loss()` is deprecated. Instead, use "
                      "`model.compute_loss(x, y, y_pred, sample_weight, training)`.",
                      stacklevel=2)
        return self.compute_loss(x=None, y=y, y_pred=y_pred, sample_weight=sample_weight)

    @property
    def compiled_metrics(self):
        """Deprecated in Keras 3: ``compiled_metrics.update_state(y, y_pred, sample_weight)``
        updates the compiled metrics (use ``self.metrics`` or :meth:`compute_metrics`)."""
        return _CompiledMetricsView(self)

    def _loss_for_step(self, x, y, y_pred, sample_weight, training):
        """``compute_loss``, given ``training`` only when an override's signature has it."""
        if _takes_training(type(self).compute_loss):
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def _training_plan(self):
        """Trainable variables, the regularized ones, every layer inside the model, those
        with activity regularizers and the metrics held as attributes: what each step,
        ``metrics`` and each new forward pass (``_layers_within``) read, where walking the
        layers again costs ~1 ms for 20 layers; recomputed only when the model's structure
        changes (creating a metric or a layer's weights creates variables, which counts)."""
        version = structure_version()
        if self._plan is None or self._plan.version != version:
            variables = self.trainable_weights
            layers = list(self._flatten_layers())
            self._plan = _Plan(version, variables,
                               [v for v in variables if v.regularizer is not None],
                               [l for l in layers if l.activity_regularizer is not None],
                               layers, self._attribute_metrics())
        return self._plan

    def _layers_within(self):
        return self._training_plan().layers

    def _train_batch(self, x, y, sample_weight):
        """The built-in training step: forward, loss, metrics, backward into the optimizer's
        gradient buffer, update. Returns what an overridden ``compute_metrics`` returned
        (Keras logs that), else None. As in Keras, ``training=True`` goes to a call that
        takes it: a subclassed model whose ``call`` has no ``training`` runs its layers
        (BatchNormalization, Dropout) in their inference mode."""
        y_pred, loss, kept = self._step_replays.forward_and_loss(
            self, (x, y, sample_weight), lambda: self._forward_and_loss(x, y, sample_weight))
        # Metrics first: they read y_pred, which the update does not change, while the
        # caches still hold it (after the optimizer streams every weight they are cold).
        logs = self._update_metrics(x, y, y_pred, loss, sample_weight)
        variables = self._training_plan().variables
        if not variables:  # Keras warns on every such step and updates nothing
            warnings.warn("The model does not have any trainable weights.")
            return logs
        unreached = []
        grads = grad(self.optimizer.scale_loss(loss), variables, retain_graph=kept,
                     out=self.optimizer.gradient_buffers(variables), unreached=unreached)
        if unreached:  # as in Keras: no gradient, no update (the optimizer warns of them)
            grads = [None if i in unreached else g for i, g in enumerate(grads)]
        self.optimizer.apply(grads, variables)
        return logs

    def _forward_and_loss(self, x, y, sample_weight):
        """The training step's forward pass and loss, run eagerly: ``(y_pred, loss)``."""
        y_pred = self(x, training=True) if self._call_takes_training else self(x)
        return y_pred, self._loss_for_step(x, y, y_pred, sample_weight, True)

    def _test_batch(self, x, y, sample_weight):
        """The built-in test step; returns as :meth:`_train_batch` does."""
        with no_grad():
            y_pred = self(x, training=False)
            loss = self._loss_for_step(x, y, y_pred, sample_weight, False)
            return self._update_metrics(x, y, y_pred, loss, sample_weight)

    def _update_metrics(self, x, y, y_pred, loss, sample_weight):
        """Update the loss trackers and the compiled metrics; returns what an overridden
        ``compute_metrics`` returned (the step's logs in Keras), else None."""
        batch_size = len(flatten(y_pred)[0])
        self._loss_tracker.update_state(loss.data, sample_weight=batch_size)
        if self._compile_loss is not None:
            self._compile_loss.update_trackers(batch_size)
        if _overrides(self, "compute_metrics"):
            return self.compute_metrics(x, y, y_pred, sample_weight)
        self._update_compiled_metrics(y, y_pred, sample_weight)
        return None

    def _update_compiled_metrics(self, y, y_pred, sample_weight):
        if y is None or self._compile_metrics.empty:  # no targets, or no metric to update
            return
        names = self._compiled_outputs
        self._compile_metrics.update_state(
            as_outputs(y, names),
            [t.data if t.mask is None else t for t in as_outputs(y_pred, names)],  # keep masks
            as_outputs(sample_weight, names))

    def _run_step(self, kind, x, y, sample_weight, as_given=False):
        """One batch of ``fit`` (kind "train") or ``evaluate`` ("test"): the built-in step,
        or the model's own ``train_step(data)`` / ``test_step(data)`` whose returned logs
        are then the logs. Returns those logs (for the built-in step, what an overridden
        ``compute_metrics`` returned), or None for the built-in step's own trackers. The batch
        methods (``as_given``) hand a custom step ``(x, y, sample_weight)`` as Keras does,
        Nones included."""
        step = "train_step" if kind == "train" else "test_step"
        logs = None
        if _overrides(self, step):
            self._build_compiled_metrics(x, y)
            data = (x, y, sample_weight) if as_given else _step_data(x, y, sample_weight)
            logs = _as_logs(getattr(self, step)(data), kind)
        else:
            batch = self._train_batch if kind == "train" else self._test_batch
            returned = batch(x, y, sample_weight)
            logs = None if returned is None else _as_logs(
                returned, kind, "compute_metrics(x, y, y_pred, sample_weight)")
        self._build_optimizer()
        return logs

    def _build_before_running(self, first_batch):
        """What Keras's symbolic build does when fit, evaluate or a batch method starts
        while the model, its compiled metrics or its compiled loss is unbuilt (after
        ``compile``, until a step has computed them): the model runs once on the first
        batch (from ``first_batch()``), in inference, without a gradient and in a
        StatelessScope (Keras's run is symbolic: no variable changes); its compiled
        metrics are built; the compiled loss is computed once with ``training=False`` (an
        override of ``compute_loss`` sees that call, as it sees Keras's symbolic one). Then
        the optimizer is built, so that callbacks starting training (``BackupAndRestore``
        restoring a backup, a callback counting weights) find it. A model with a stateful
        layer is left to its first step: running it would advance its states."""
        if self._needs_first_batch() and not any(
                getattr(layer, "stateful", False) for layer in self._flatten_layers()):
            first = first_batch()
            if first is None:  # a stream that cannot be read ahead: built by its first step
                return
            self._run_first_batch(*first)
        self._build_optimizer()

    def _needs_first_batch(self):
        """Keras's test for its symbolic build: the model, its compiled metrics or its
        compiled loss not built yet (a loss a custom step already computed, through
        ``compute_loss``, counts as built)."""
        metrics, loss = self._compile_metrics, self._compile_loss
        return (not self.built or (metrics.has_specs and metrics.metrics is None)
                or (loss is not None and not loss.built))

    def _run_first_batch(self, x, y, sample_weight):
        """The run :meth:`_build_before_running` describes, on one batch."""
        with no_grad():
            with StatelessScope():
                y_pred = self._first_run(x)
            if y is not None:
                compiled = self._compile_metrics
                if compiled.metrics is None and compiled.has_specs:  # makes variables
                    names = self._compiled_outputs
                    compiled.build(as_outputs(y, names), as_outputs(y_pred, names))
                if self._compile_loss is not None and self._steps_use_compiled_loss():
                    with StatelessScope():
                        self._loss_for_step(x, y, y_pred, sample_weight, False)
                elif self._compile_loss is not None:  # Keras's symbolic run only builds it
                    self._compile_loss.built = True

    def _steps_use_compiled_loss(self):
        """Whether the compiled loss may be computed by a step: a model's own train / test
        steps without a compute_loss of its own may never call it (depth_estimation
        compiles a loss its steps ignore, on targets it does not fit)."""
        return _overrides(self, "compute_loss") or not (
            _overrides(self, "train_step") or _overrides(self, "test_step"))

    def _first_run(self, x):
        """The model's outputs for ``x`` in inference, Keras's RuntimeError if it cannot run
        (a ValueError, bad input, is raised as it is)."""
        try:
            return self(x, training=False)
        except ValueError:
            raise
        except Exception as e:  # noqa: BLE001 - Keras wraps every other failure
            raise RuntimeError(
                "Unable to automatically build the model. Please build it yourself before "
                "calling fit/evaluate/predict. A model is 'built' when its variables have "
                "been created and its `self.built` attribute is True. Usually, calling the "
                f"model on a batch of data is the right way to build it.\nException "
                f"encountered:\n'{e}'") from e

    def _build_optimizer(self):
        """Build the optimizer (if any, once) for the trainable variables of the built model:
        as Keras's fit and evaluate do when they start, even if no step uses it (a custom
        ``train_step`` with its own optimizers, an evaluation), so that its variables are in
        ``summary`` and in a saved file, and before a file's optimizer state is loaded."""
        optimizer = self.optimizer
        if optimizer is not None and not optimizer.built:
            optimizer.build(self.trainable_variables)

    def _build_compiled_metrics(self, x, y):
        """Build the compiled metrics before a user's first step, as Keras's symbolic build
        does, so that the step's loop over ``self.metrics`` updates them too (the Keras
        guide's ``for metric in self.metrics: metric.update_state(y, y_pred)``). A
        functional model's outputs give the shapes; another model runs once on ``x``."""
        compiled = getattr(self, "_compile_metrics", None)
        if compiled is None or compiled.metrics is not None or y is None or \
                not compiled.has_specs:  # nothing to build: a model without call runs too
            return
        names = self._compiled_outputs
        outputs = getattr(self, "outputs", None)
        if not outputs:
            with no_grad():
                outputs = as_outputs(self(x, training=False), names)
        compiled.build(as_outputs(y, names), list(outputs))

    def reset_metrics(self):
        """Reset every metric in :attr:`metrics` (``fit`` does at each epoch's start)."""
        for metric in self.metrics:
            metric.reset_state()

    def _logs(self, group=None):
        """The running loss and metrics (over every rank of ``group``), sorted by name: the
        result of each of :attr:`metrics` (a dict result, the compiled metrics', spread),
        as Keras's ``get_metrics_result`` gives them."""
        if group is not None:
            with group.global_metrics(self.metrics):
                return self._logs()
        logs = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                logs.update(result)
            else:
                logs[metric.name] = _as_number(result)
        return dict(sorted(logs.items()))

    def _closing_logs(self, group, step_logs):
        """The logs an epoch or an evaluation ends with, by Keras's rule: the metrics'
        results when the last step's logs have exactly their names (a custom step returning
        ``{"loss": loss}`` with only the compiled loss tracker, never updated, logs its 0),
        else the last step's logs (averaged over the ranks: every rank takes part in that
        average, which also checks that they returned the same names)."""
        results = self._logs(group)
        if step_logs is None:
            return results
        logs = group.mean_logs(step_logs)
        return results if set(logs) == set(results) else logs

    def _ordered(self, logs):
        """``evaluate``'s list: Keras orders it by ``model.metrics`` names that are log keys
        (loss, metrics' own names, per-output losses), then every other key sorted."""
        names = [metric.name for m in self.metrics for metric in (
            m.metrics if m is self._compile_metrics_entry else [m])]  # Keras: their own names
        values = [logs[n] for n in names if n in logs]
        values += [logs[k] for k in sorted(logs) if k not in names]
        return values[0] if len(values) == 1 else values

    # ---- fit -------------------------------------------------------------------------------
    @filter_traceback
    @_runs_batches
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, **kwargs):
        """Train for ``epochs`` epochs and return the :class:`History`."""
        _reject_kwargs(kwargs, "fit", _REMOVED_FIT_ARGS)
        D.check_epochs(epochs, initial_epoch)
        epochs, steps_per_epoch = capped("epochs", epochs), capped("steps_per_epoch",
                                                                   steps_per_epoch)
        self._assert_compiled()
        group = replica_group(self)
        if is_batch_source(x):  # a generator, iterator, PyDataset or Dataset: it batches
            if validation_split and validation_data is None:
                _refuse_split([x, y, sample_weight])
            _refuse_beside_source(x, "x", y=y, sample_weight=sample_weight)
            _refuse_sharding(x, group)
            source = BatchStream(x, steps_per_epoch, "x", shuffle=shuffle)
        else:
            x, y, sample_weight = self._checked_data(x, y, sample_weight, training=True)
            if validation_data is None and validation_split != 0:  # bad values raise here
                (x, y, sample_weight), validation_data = D.split_validation(
                    (x, y, sample_weight), validation_split)
            if class_weight is not None:
                if sample_weight is not None:
                    raise ValueError("You cannot `class_weight` and `sample_weight` at the "
                                     "same time.")
                sample_weight = self._class_weights(y, class_weight)
                class_weight = None  # applied: the batches carry it
            n = D.num_samples(x)
            D.check_not_empty(n, "fit")
            if batch_size is None:
                batch_size = -(-n // steps_per_epoch) if steps_per_epoch else 32
            source = ArrayBatches(x, y, sample_weight, D.BatchPlan(
                n, batch_size, shuffle, steps_per_epoch, generator=random.global_generator()))
            group.start_training(self, batch_size, D.take(x, [0]))
        val = None
        if is_batch_source(validation_data):  # one stream (a generator's first batches kept)
            val = (BatchStream(validation_data, validation_steps, "validation_data"), None, None)
        elif validation_data is not None:
            val = unpack_x_y_sample_weight(validation_data)  # Keras: a dict or array is x
        given = verbose if group.is_chief else 0  # callbacks' params hold it as given (Keras)
        verbose = _verbosity(verbose) if group.is_chief else 0
        # as Keras: the History (the user's, if given, else a new one) is the model's now,
        # so a failed fit keeps it; fit returns it. A ready CallbackList is used as it is.
        cbs = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            group.callbacks_for_this_rank(_callback_list(callbacks)), add_history=True,
            add_progbar=bool(verbose), model=self, verbose=given, epochs=epochs,
            steps=source.num_batches)
        history = self.history
        batch_logs = group.agree(cbs.wants_batch_logs)  # the same on every rank
        batch_hooks = batch_logs or cbs.runs_on_train_batches
        self.stop_training = False
        self._in_fit = True
        logs = {}
        try:
            self._build_before_running(source.first_batch)
            if isinstance(source, BatchStream):
                source.begin_run()
            cbs.on_train_begin()
            for epoch in range(self._initial_epoch or initial_epoch, epochs):
                self.reset_metrics()
                cbs.on_epoch_begin(epoch)
                step_logs = None
                for step, (xb, yb, swb) in enumerate(source.epoch()):
                    if batch_hooks:
                        cbs.on_train_batch_begin(step)
                    if source.needs_checks:
                        # a batch its own train_step reads is given whole, as in Keras
                        xb, yb, swb = self._checked_data(
                            xb, yb, swb, training=True,
                            one_batch=_overrides(self, "train_step"))
                        if class_weight is not None:
                            if swb is not None:
                                raise ValueError("You cannot `class_weight` and `sample_weight` "
                                                 "at the same time (the batches hold sample "
                                                 "weights).")
                            swb = self._class_weights(yb, class_weight)
                    step_logs = self._threading["train"].run(
                        self._run_step, "train", *group.shard((xb, yb, swb)))
                    if batch_hooks:
                        cbs.on_train_batch_end(step, _batch_end_logs(self, group, step_logs,
                                                                     batch_logs))
                    if self.stop_training:
                        break
                logs = self._closing_logs(group, step_logs)
                if val is not None and _should_validate(epoch, validation_freq):
                    val_logs = self.evaluate(val[0], val[1], sample_weight=val[2],
                                             batch_size=validation_batch_size or batch_size,
                                             steps=validation_steps, verbose=0,
                                             return_dict=True, _callbacks=cbs)
                    logs.update({"val_" + k: v for k, v in val_logs.items()})
                cbs.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
            # the step's variables (cached per model structure): the weights again
            self.optimizer.finalize_variable_values(self._training_plan().variables)
            cbs.on_train_end(logs)
        finally:
            self._in_fit = False
            self._step_replays.clear()  # the recorded graphs hold a batch's activations
        return history

    # ---- evaluate / predict ----------------------------------------------------------------------
    @filter_traceback
    @_runs_batches
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, _callbacks=None, **kwargs):
        """Loss and metrics on ``x, y``: a scalar, a list in compile order, or a sorted dict."""
        if kwargs:
            raise ValueError(f"Arguments not recognized: {kwargs}")
        self._assert_compiled()
        group = replica_group(self)
        steps = capped("steps_per_epoch", steps)
        if isinstance(x, BatchStream):  # fit's validation stream: a fresh pass each time
            source = x
            source.restart()
        elif is_batch_source(x):
            _refuse_beside_source(x, "x", y=y, sample_weight=sample_weight)
            source = BatchStream(x, steps, "x")
        else:
            x, y, sample_weight = self._checked_data(x, y, sample_weight, training=False)
            D.check_not_empty(D.num_samples(x), "evaluate")
            source = ArrayBatches(x, y, sample_weight, D.BatchPlan(
                D.num_samples(x), D.default_batch_size(batch_size), shuffle=False, steps=steps))
        if source.needs_checks:
            _refuse_sharding(source.data, group)
        self._build_before_running(source.first_batch)
        if isinstance(source, BatchStream):
            source.begin_run()
        given = verbose if group.is_chief else 0  # callbacks' params hold it as given (Keras)
        verbose = _verbosity(verbose) if group.is_chief else 0
        if isinstance(callbacks, CallbackList):  # a ready list is used as it is (Keras)
            _callbacks = callbacks
        cbs = _callbacks or CallbackList(
            _callback_list(callbacks), add_progbar=bool(verbose), model=self, verbose=given,
            epochs=1, steps=source.num_batches)
        self.reset_metrics()
        cbs.on_test_begin()
        step_logs = None
        for step, (xb, yb, swb) in enumerate(source.epoch()):
            cbs.on_test_batch_begin(step)
            if source.needs_checks:
                xb, yb, swb = self._checked_data(xb, yb, swb, training=False,
                                                 one_batch=_overrides(self, "test_step"))
            step_logs = self._threading["test"].run(
                self._run_step, "test", *group.shard((xb, yb, swb)))
            cbs.on_test_batch_end(step, _batch_end_logs(self, group, step_logs, True))
        # flat here and again in the callbacks, as in Keras: return_dict keeps a custom
        # step's "compile_metrics" entries before "loss", the callbacks see them sorted
        logs = flat_logs(self._closing_logs(group, step_logs))
        cbs.on_test_end(logs)
        return logs if return_dict else self._ordered(logs)

    @filter_traceback
    @_runs_batches
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Outputs for ``x`` in batches (default 32), concatenated: one float array, or a list /
        dict of them for a model with several outputs."""
        group = replica_group(self)
        steps = capped("steps_per_epoch", steps)
        if is_batch_source(x):  # batches are x, or (x, y, ...) whose x is used
            _refuse_sharding(x, group)
            source = BatchStream(x, steps, "x")
        else:
            x = _checked_inputs(x)
            source = ArrayBatches(x, None, None, D.BatchPlan(
                D.num_samples(x), D.default_batch_size(batch_size), shuffle=False, steps=steps))
        self._check_can_run()
        given = verbose if group.is_chief else 0  # callbacks' params hold it as given (Keras)
        verbose = _verbosity(verbose) if group.is_chief else 0
        cbs = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            _callback_list(callbacks), add_progbar=bool(verbose), model=self, verbose=given,
            epochs=1, steps=source.num_batches)
        outputs = []
        custom_predict = _overrides(self, "predict_step")
        cbs.on_predict_begin()
        with no_grad():
            for step, (xb, _, _) in enumerate(source.epoch()):
                cbs.on_predict_batch_begin(step)
                if source.needs_checks:
                    xb = _checked_inputs(xb)
                (shard,) = group.shard((xb,))
                out = self._threading["predict"].run(self._predict_batch, shard, custom_predict)
                outputs.append(group.gather(D.outputs_to_numpy(out)))
                cbs.on_predict_batch_end(step, {"outputs": outputs[-1]})
        cbs.on_predict_end()
        if not outputs:
            raise ValueError("predict received no batches: `x` yielded nothing.")
        return D.concatenate_outputs(outputs)

    # Keras 2's generator methods: Keras 3's fit / evaluate / predict take generators. The
    # loading arguments (workers, use_multiprocessing, max_queue_size) change nothing here:
    # minikeras reads a generator in the calling thread.
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1,
                      callbacks=None, validation_data=None, validation_steps=None,
                      validation_freq=1, class_weight=None, max_queue_size=10, workers=1,
                      use_multiprocessing=False, shuffle=True, initial_epoch=0):
        """Keras 2's ``fit_generator``: ``fit(generator, ...)``. ``shuffle`` reorders the
        batches of a Sequence; as in Keras 2, a generator keeps its order without a warning."""
        del max_queue_size, workers, use_multiprocessing
        _warn_generator_method("fit")
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs,
                        verbose=verbose, callbacks=callbacks, validation_data=validation_data,
                        validation_steps=validation_steps, validation_freq=validation_freq,
                        class_weight=class_weight, initial_epoch=initial_epoch,
                        shuffle=shuffle and source_kind(generator) == "PyDataset")

    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                           workers=1, use_multiprocessing=False, verbose=0):
        """Keras 2's ``evaluate_generator``: ``evaluate(generator, ...)``."""
        del max_queue_size, workers, use_multiprocessing
        _warn_generator_method("evaluate")
        return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                          workers=1, use_multiprocessing=False, verbose=0):
        """Keras 2's ``predict_generator``: ``predict(generator, ...)``."""
        del max_queue_size, workers, use_multiprocessing
        _warn_generator_method("predict")
        return self.predict(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    @_runs_batches
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        self._assert_compiled()
        x, y, sample_weight = self._checked_data(x, y, sample_weight, training=True,
                                                 one_batch=True)
        D.check_not_empty(D.num_samples(x), "train_on_batch")  # Keras fails on a mean of none
        if class_weight is not None:
            sample_weight = self._class_weights(y, class_weight)
        self._build_before_running(lambda: (x, y, sample_weight))
        self.reset_metrics()
        return self._batch_result(self._threading["train"].run(
            self._run_step, "train", x, y, sample_weight, True), return_dict)

    @_runs_batches
    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compiled()
        x, y, sample_weight = self._checked_data(x, y, sample_weight, training=False,
                                                 one_batch=True)
        self._build_before_running(lambda: (x, y, sample_weight))
        self.reset_metrics()
        return self._batch_result(self._threading["test"].run(
            self._run_step, "test", x, y, sample_weight, True), return_dict)

    def _predict_batch(self, x, custom):
        """One batch of ``predict``: the model's own ``predict_step(data)``, else its call."""
        return self.predict_step(_step_data(x)) if custom else self(x, training=False)

    @_runs_batches
    def predict_on_batch(self, x):
        self._check_can_run()
        x = D.check_structure(x, "x") if D.is_structure(x) else D.check_array(x, "x")
        with no_grad():
            return D.outputs_to_numpy(self._threading["predict"].run(
                self._predict_batch, x, _overrides(self, "predict_step")))

    def _batch_result(self, step_logs, return_dict):
        logs = flat_logs(step_logs) if step_logs is not None else self._logs()
        return logs if return_dict else self._ordered(logs)

    def _class_weights(self, y, class_weight):
        if len(self._compiled_outputs) > 1:
            raise ValueError("`class_weight` is only supported for Models with a single output.")
        return D.class_weight_to_sample_weight(y, class_weight)

    def _check_can_run(self):
        """Hook for models that cannot run yet (an empty Sequential)."""

    def _checked_data(self, x, y, sample_weight, training, one_batch=False):
        """x, y and sample_weight checked for a run; ``one_batch`` (train_on_batch,
        test_on_batch) takes several inputs of different lengths, as Keras does: a batch
        is given whole (a graph's nodes beside its edges), not split into samples."""
        if x is None:
            raise ValueError("Expected input data `x`. Received: x=None")
        own_step = _overrides(self, "train_step" if training else "test_step")
        if y is None and self._compile_loss is not None and not own_step:
            raise ValueError("Expected target data `y` (this model has a compiled loss). "
                             "Received: y=None")
        if y is None:  # trained on the losses its layers add (the endpoint-layer pattern)
            x = D.check_structure(x, "x") if D.is_structure(x) else D.check_array(x, "x")
            self._check_can_run()
            return x, None, D.check_array(sample_weight, "sample_weight")
        if len(self._compiled_outputs) > 1 or D.is_structure(x) or D.is_structure(y) or \
                D.is_structure(sample_weight):
            return self._checked_structures(x, y, sample_weight, one_batch, own_step)
        x, y = D.check_array(x, "x"), D.check_array(y, "y")
        sample_weight = D.check_array(sample_weight, "sample_weight")
        D.check_lengths(x, y, sample_weight)
        self._check_can_run()
        return x, y, sample_weight

    def _spread_lone_target(self, y, names):
        """One target array for a model with several outputs of which one has a loss
        (``compile(loss=[fn, None])``): it is that output's, as in Keras."""
        losses = getattr(self._compile_loss, "losses", None) or []
        with_loss = [i for i, loss in enumerate(losses) if loss is not None]
        if len(names) < 2 or len(with_loss) != 1 or y is None or D.is_structure(y):
            return y
        return [y if i == with_loss[0] else None for i in range(len(names))]

    def _checked_structures(self, x, y, sample_weight, one_batch, own_step=False):
        """Several inputs and/or outputs: x a list / dict of arrays; y and sample_weight a list
        in output order or a dict keyed by output name (one sample_weight array serves all)."""
        x = D.check_structure(x, "x")
        names = self._compiled_outputs
        if (own_step or _overrides(self, "compute_loss")) and D.is_structure(y):
            y = D.check_structure(y, "y")  # as Keras: the model's own step / loss reads y
        else:
            y = D.align_targets(self._spread_lone_target(y, names), names, "y")
        sample_weight = D.align_targets(sample_weight, names, "sample_weight")
        if not one_batch:
            D.check_cardinality(x=x, y=y, sample_weight=sample_weight)
        self._check_can_run()
        return x, y, sample_weight


class _Plan:
    __slots__ = ("version", "variables", "regularized", "activity_layers", "layers",
                 "held_metrics")

    def __init__(self, version, variables, regularized, activity_layers, layers, held_metrics):
        self.version, self.variables = version, variables
        self.regularized, self.activity_layers = regularized, activity_layers
        self.layers, self.held_metrics = layers, held_metrics


def _checked_inputs(x):
    """``x`` for predict: a non-empty array, or a list / dict of arrays."""
    x = D.check_structure(x, "x") if D.is_structure(x) else D.check_array(x, "x")
    n = D.check_cardinality(x=x) if D.is_structure(x) else (0 if x is None else len(x))
    if x is None or n == 0:
        raise ValueError(f"Expected a non-empty input array `x` for predict. Received: {x!r}")
    return x


def _refuse_beside_source(data, what, **given):
    """Keras refuses y, sample_weight and validation_split next to a batch source."""
    passed = [name for name, value in given.items()
              if value is not None and not (isinstance(value, (int, float)) and value == 0)]
    if passed:
        raise ValueError(f"{', '.join(passed)} cannot be given when `{what}` is a "
                         f"{source_kind(data)}: its batches already hold the data; yield "
                         f"(x, y) or (x, y, sample_weight) instead.")


def _refuse_split(data):
    """Keras's error for validation_split on data it cannot slice (a batch source)."""
    unsliceable = [type(part) for part in data
                   if part is not None and not isinstance(part, np.ndarray)]
    raise ValueError(f"Argument `validation_split` is only supported for tensors or NumPy "
                     f"arrays.Found incompatible type in the input: {unsliceable}")


def _refuse_sharding(data, group):
    """Data parallelism splits in-memory arrays; a batch source on several ranks is refused."""
    if group.size > 1:
        raise ValueError(f"Training over {group.size} ranks takes numpy arrays, which each "
                         f"rank slices; a {source_kind(data)} as input is not supported there "
                         f"yet. Pass the arrays.")


def _should_validate(epoch, freq):
    """Whether epoch ``epoch`` (from 0) validates; a bad ``validation_freq`` is refused here,
    at the first epoch's end, as Keras refuses it."""
    if not isinstance(freq, (int, list)):
        raise ValueError(f"Expected `validation_freq` to be a list or int. Received: "
                         f"validation_freq={freq} of the type {type(freq)}.")
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return epoch + 1 in freq


def _callback_list(callbacks):
    """``callbacks`` as a flat list: Keras also takes one callback, or nested lists."""
    return flatten(callbacks) if callbacks else []


def _verbosity(verbose):
    """1 for "auto"; else the value as given, as Keras takes it: 1 (or True) draws the
    progress bar, 2 one line per epoch, another true value only fit's "Epoch i/N" lines,
    a false one nothing."""
    return 1 if verbose == "auto" else verbose


def _warn_generator_method(method):
    warn_user(f"`Model.{method}_generator` is deprecated (Keras 2); use `Model.{method}`, which "
              "takes generators.", DeprecationWarning)


def _reject_kwargs(kwargs, method, removed):
    for key in kwargs:
        if key in removed:
            raise TypeError(f"{method}() got an unexpected keyword argument '{key}' "
                            "(it was removed in Keras 3).")
    for key in kwargs:  # Python's own wording, as Keras's fit has no **kwargs
        raise TypeError(f"Trainer.{method}() got an unexpected keyword argument '{key}'")


class CompileMetrics:
    """The compiled metrics as the one entry of ``model.metrics`` Keras 3 makes of them
    (under Keras's class name): named "compile_metrics"; ``update_state(y, y_pred)``
    updates each of them, ``result()`` is their ``{logged name: value}``."""

    name = "compile_metrics"

    def __init__(self, model):
        self._model = model

    def __repr__(self):
        return f"<CompileMetrics name={self.name}>"

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._model._update_compiled_metrics(y_true, y_pred, sample_weight)

    def result(self):
        return self._model._compile_metrics.result()

    def reset_state(self):
        self._model._compile_metrics.reset_state()

    @property
    def metrics(self):
        return self._model._compile_metrics.metric_objects

    @property
    def variables(self):
        return [v for metric in self.metrics for v in metric.variables]


class _CompiledMetricsView:
    """What Keras 3 still offers as ``model.compiled_metrics`` (deprecated)."""

    def __init__(self, model):
        self._model = model

    def update_state(self, y, y_pred, sample_weight=None):
        warnings.warn("`model.compiled_metrics()` is deprecated. Instead, use e.g.: "
                      "`for metric in self.metrics: metric.update_state(y, y_pred)`.",
                      stacklevel=2)
        self._model._update_compiled_metrics(y, y_pred, sample_weight)


def _overrides(model, method):
    """Whether ``model``'s class replaces the Trainer's own ``method`` (a step hook: asked
    every batch, so one attribute test, not a walk over the class's bases)."""
    return getattr(type(model), method) is not getattr(Trainer, method)


_TAKES_TRAINING = {}


def _takes_training(method):
    """Whether ``method``'s signature has a ``training`` parameter (cached per function)."""
    if method not in _TAKES_TRAINING:
        _TAKES_TRAINING[method] = "training" in inspect.signature(method).parameters
    return _TAKES_TRAINING[method]


def _as_number(value):
    """A log value as a float; a step's non-scalar value (a per-sample loss) stays an array,
    as Keras keeps it in the history and shows its mean."""
    array = np.asarray(value.data if isinstance(value, Tensor) else value)
    return float(array) if array.ndim == 0 else array


def _batch_end_logs(model, group, step_logs, wanted):
    """The logs passed to ``on_*_batch_end``: a custom step's own (over every rank when
    ``wanted``), else the running built-in ones when ``wanted``, else none."""
    if step_logs is not None:
        return group.mean_logs(step_logs) if wanted else step_logs
    return model._logs(group) if wanted else {}


def _step_data(x, y=None, sample_weight=None):
    """The ``data`` a user's train/test/predict step receives, as Keras packs it: a lone
    array or dict as it is, several inputs as a one-tuple holding them in the container
    they were given in (a tuple or a list), else ``(x, y)`` or ``(x, y, sample_weight)``."""
    return pack_x_y_sample_weight(tuple(x) if isinstance(x, D.GivenAsTuple) else x, y,
                                  sample_weight)


def _as_logs(logs, kind, method=None):
    """The logs a custom step (or an overridden ``compute_metrics``, ``method``) returned,
    with numbers for values, nested dicts kept (Keras lays them out later: :func:`flat_logs`)."""
    if not isinstance(logs, dict):
        raise TypeError(f"`{method or kind + '_step(data)'}` must return a dict of logs "
                        f"({{name: value}}), e.g. `{{m.name: m.result() for m in "
                        f"self.metrics}}`. Received: {type(logs).__name__}")
    return {name: _as_logs(value, kind, method) if isinstance(value, dict)
            else _as_number(value) for name, value in logs.items()}
