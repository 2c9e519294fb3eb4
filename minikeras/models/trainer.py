"""compile / fit / evaluate / predict and the batch methods, shared by every Model."""

import numpy as np

from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from .. import random
from ..autodiff import grad, no_grad
from ..autodiff import primitives as P
from ..callbacks.callback import CallbackList, History, ProgbarLogger
from ..distribution.data_parallel import distribution, replica_group
from ..layers.layer import activity_penalties, added_losses, weight_penalties
from ..variables import structure_version
from . import data as D
from .data_adapters import ArrayBatches, BatchStream, is_batch_source, source_kind
from .compile_utils import CompileLoss, CompileMetrics, as_outputs

_REMOVED_FIT_ARGS = ("workers", "use_multiprocessing", "max_queue_size")


class Trainer:
    """Mixin giving a Layer-based model Keras's training API."""

    def _init_trainer(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.stop_training = False
        self.history = None
        self._in_fit = False
        self._plan = None
        self._compiled_outputs = None
        self._distribution = distribution()  # DataParallel needs it set before the model

    # ---- compile ---------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configure training. ``run_eagerly``, ``jit_compile``, ``steps_per_execution`` and
        ``auto_scale_loss`` are accepted for compatibility and change nothing here."""
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = loss
        names = self._output_names()
        self._compiled_outputs = names
        self._compile_loss = CompileLoss(loss, loss_weights, names) if loss is not None else None
        self._compile_metrics = CompileMetrics(metrics, weighted_metrics, names)
        self._loss_tracker = metrics_module.Mean(name="loss")
        self._compile_config = {"loss": loss, "loss_weights": loss_weights, "metrics": metrics,
                                "weighted_metrics": weighted_metrics, "run_eagerly": run_eagerly,
                                "steps_per_execution": steps_per_execution,
                                "jit_compile": jit_compile}
        self._plan = None
        self.compiled = True

    def _output_names(self):
        """The names of the model's outputs (one placeholder name while they are unknown)."""
        try:
            names = self.output_names
        except (AttributeError, ValueError):
            names = None
        return list(names) if names else ["output"]

    def _assert_compiled(self):
        if not getattr(self, "compiled", False):
            raise ValueError("You must call `compile()` before using the model.")

    @property
    def metrics_names(self):
        if not getattr(self, "compiled", False):
            return ["loss"]
        names = ["loss", "compile_metrics"] if self._compile_metrics.has_specs else ["loss"]
        return names + [m.name for m in self._loss_trackers()]

    @property
    def metrics(self):
        if not getattr(self, "compiled", False):
            return []
        return [self._loss_tracker] + self._compile_metrics.metric_objects + \
            self._loss_trackers()

    def _loss_trackers(self):
        """The per-output loss means (several outputs with a loss only)."""
        return [] if self._compile_loss is None else self._compile_loss.metrics

    # ---- one step ---------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss of ``y_pred`` against ``y`` plus every regularization penalty."""
        if self._compile_loss is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        names = self._compiled_outputs
        loss = self._compile_loss(as_outputs(y, names), as_outputs(y_pred, names),
                                  as_outputs(sample_weight, names))
        plan = self._training_plan()
        for penalty in added_losses(plan.layers) + activity_penalties(plan.activity_layers) + \
                weight_penalties(plan.regularized):
            loss = P.add(loss, penalty)
        return loss

    def _training_plan(self):
        """Trainable variables, the regularized ones, and the layers with activity
        regularizers; recomputed only when the model's structure changes."""
        version = structure_version()
        if self._plan is None or self._plan.version != version:
            variables = self.trainable_weights
            layers = list(self._flatten_layers())
            self._plan = _Plan(version, variables,
                               [v for v in variables if v.regularizer is not None],
                               [l for l in layers if l.activity_regularizer is not None],
                               layers)
        return self._plan

    def train_step(self, x, y, sample_weight=None):
        """One batch: forward, loss, metrics, backward into the optimizer's gradient buffer,
        update."""
        y_pred = self(x, training=True)
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        # Metrics first: they read y_pred, which the update does not change, while the
        # caches still hold it (after the optimizer streams every weight they are cold).
        self._update_metrics(y, y_pred, loss, sample_weight)
        variables = self._training_plan().variables
        grads = grad(self.optimizer.scale_loss(loss), variables,
                     out=self.optimizer.gradient_buffers(variables))
        self.optimizer.apply(grads, variables)

    def test_step(self, x, y, sample_weight=None):
        with no_grad():
            y_pred = self(x, training=False)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
            self._update_metrics(y, y_pred, loss, sample_weight)

    def _update_metrics(self, y, y_pred, loss, sample_weight):
        names = self._compiled_outputs
        y_pred = [t.data for t in as_outputs(y_pred, names)]
        batch_size = len(y_pred[0])
        self._loss_tracker.update_state(loss.data, sample_weight=batch_size)
        self._compile_loss.update_trackers(batch_size)
        self._compile_metrics.update_state(as_outputs(y, names), y_pred,
                                           as_outputs(sample_weight, names))

    def reset_metrics(self):
        for metric in self.metrics:
            metric.reset_state()

    def _logs(self, group=None):
        """The running loss and metrics (over every rank of ``group``), sorted by name."""
        if group is not None:
            with group.global_metrics(self.metrics):
                return self._logs()
        logs = {m.name: float(np.asarray(m.result())) for m in [self._loss_tracker] +
                self._loss_trackers()}
        logs.update(self._compile_metrics.result())
        return dict(sorted(logs.items()))

    def _ordered(self, logs):
        """``evaluate``'s list: Keras orders it by ``model.metrics`` names that are log keys
        (loss, metrics' own names, per-output losses), then every other key sorted."""
        names = [m.name for m in self.metrics]
        values = [logs[n] for n in names if n in logs]
        values += [logs[k] for k in sorted(logs) if k not in names]
        return values[0] if len(values) == 1 else values

    # ---- fit -------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, **kwargs):
        """Train for ``epochs`` epochs and return the :class:`History`."""
        _reject_kwargs(kwargs, "fit", _REMOVED_FIT_ARGS)
        self._assert_compiled()
        group = replica_group(self)
        if is_batch_source(x):  # a generator, iterator, PyDataset or Dataset: it batches
            _refuse_beside_source(x, "x", y=y, sample_weight=sample_weight,
                                  validation_split=validation_split)
            _refuse_sharding(x, group)
            source = BatchStream(x, steps_per_epoch, "x")
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
            if batch_size is None:
                batch_size = -(-n // steps_per_epoch) if steps_per_epoch else 32
            source = ArrayBatches(x, y, sample_weight, D.BatchPlan(
                n, batch_size, shuffle, steps_per_epoch, generator=random.global_generator()))
            group.start_training(self, batch_size, D.take(x, [0]))
        val = None
        if is_batch_source(validation_data):  # one stream, continued epoch after epoch
            val = (BatchStream(validation_data, validation_steps, "validation_data"), None, None)
        elif validation_data is not None:
            val = D.unpack_validation(validation_data)
        verbose = _verbosity(verbose) if group.is_chief else 0
        history = self.history = History()  # as Keras: set now, so a failed fit keeps it
        cbs = CallbackList(group.callbacks_for_this_rank(list(callbacks or [])) + [history] +
                           ([ProgbarLogger()] if verbose else []),
                           model=self, params={"verbose": verbose, "epochs": epochs,
                                               "steps": source.num_batches})
        batch_logs = group.agree(cbs.wants_batch_logs)
        self.stop_training = False
        self._in_fit = True
        logs = {}
        try:
            cbs.on_train_begin()
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                cbs.on_epoch_begin(epoch)
                step = -1
                for step, (xb, yb, swb) in enumerate(source.epoch()):
                    cbs.on_train_batch_begin(step)
                    if source.needs_checks:
                        xb, yb, swb = self._checked_data(xb, yb, swb, training=True)
                        if class_weight is not None:
                            if swb is not None:
                                raise ValueError("You cannot `class_weight` and `sample_weight` "
                                                 "at the same time (the batches hold sample "
                                                 "weights).")
                            swb = self._class_weights(yb, class_weight)
                    self.train_step(*group.shard((xb, yb, swb)))
                    cbs.on_train_batch_end(step, self._logs(group) if batch_logs else {})
                    if self.stop_training:
                        break
                if source.ran_out:
                    self.stop_training = True
                    if step < 0:  # nothing left for this epoch: History ends at the last one
                        break
                logs = self._logs(group)
                if val is not None and _should_validate(epoch, validation_freq):
                    val_logs = self.evaluate(val[0], val[1], sample_weight=val[2],
                                             batch_size=validation_batch_size or batch_size,
                                             steps=validation_steps, verbose=0,
                                             return_dict=True, _callbacks=cbs)
                    logs.update({"val_" + k: v for k, v in val_logs.items()})
                    logs = dict(sorted(logs.items()))
                cbs.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
            self.optimizer.finalize_variable_values(self.trainable_weights)
            cbs.on_train_end(logs)
        finally:
            self._in_fit = False
        return history

    # ---- evaluate / predict ----------------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, _callbacks=None, **kwargs):
        """Loss and metrics on ``x, y``: a scalar, a list in compile order, or a sorted dict."""
        if kwargs:
            raise ValueError(f"Arguments not recognized: {kwargs}")
        self._assert_compiled()
        group = replica_group(self)
        if isinstance(x, BatchStream):  # fit's validation stream, kept across epochs
            source = x
        elif is_batch_source(x):
            _refuse_beside_source(x, "x", y=y, sample_weight=sample_weight)
            source = BatchStream(x, steps, "x")
        else:
            x, y, sample_weight = self._checked_data(x, y, sample_weight, training=False)
            source = ArrayBatches(x, y, sample_weight, D.BatchPlan(
                D.num_samples(x), batch_size or 32, shuffle=False, steps=steps))
        if source.needs_checks:
            _refuse_sharding(source.data, group)
        verbose = _verbosity(verbose) if group.is_chief else 0
        cbs = _callbacks or CallbackList(
            list(callbacks or []) + ([ProgbarLogger()] if verbose else []), model=self,
            params={"verbose": verbose, "epochs": 1, "steps": source.num_batches})
        self.reset_metrics()
        cbs.on_test_begin()
        for step, (xb, yb, swb) in enumerate(source.epoch()):
            cbs.on_test_batch_begin(step)
            if source.needs_checks:
                xb, yb, swb = self._checked_data(xb, yb, swb, training=False)
            self.test_step(*group.shard((xb, yb, swb)))
            cbs.on_test_batch_end(step, self._logs(group))
        logs = self._logs(group)
        cbs.on_test_end(logs)
        return logs if return_dict else self._ordered(logs)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Outputs for ``x`` in batches (default 32), concatenated: one float array, or a list /
        dict of them for a model with several outputs."""
        group = replica_group(self)
        if is_batch_source(x):  # batches are x, or (x, y, ...) whose x is used
            _refuse_sharding(x, group)
            source = BatchStream(x, steps, "x")
        else:
            x = _checked_inputs(x)
            source = ArrayBatches(x, None, None, D.BatchPlan(
                D.num_samples(x), batch_size or 32, shuffle=False, steps=steps))
        self._check_can_run()
        verbose = _verbosity(verbose) if group.is_chief else 0
        cbs = CallbackList(list(callbacks or []) + ([ProgbarLogger()] if verbose else []),
                           model=self, params={"verbose": verbose, "epochs": 1,
                                               "steps": source.num_batches})
        outputs = []
        cbs.on_predict_begin()
        with no_grad():
            for step, (xb, _, _) in enumerate(source.epoch()):
                cbs.on_predict_batch_begin(step)
                if source.needs_checks:
                    xb = _checked_inputs(xb)
                (shard,) = group.shard((xb,))
                outputs.append(group.gather(D.outputs_to_numpy(self(shard, training=False))))
                cbs.on_predict_batch_end(step, {"outputs": outputs[-1]})
        cbs.on_predict_end()
        if not outputs:
            raise ValueError("predict received no batches: `x` yielded nothing.")
        first = outputs[0]
        if isinstance(first, dict):
            return {k: np.concatenate([o[k] for o in outputs], axis=0) for k in first}
        if isinstance(first, (list, tuple)):
            return type(first)(np.concatenate([o[i] for o in outputs], axis=0)
                               for i in range(len(first)))
        return np.concatenate(outputs, axis=0)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        self._assert_compiled()
        x, y, sample_weight = self._checked_data(x, y, sample_weight, training=True)
        if class_weight is not None:
            sample_weight = self._class_weights(y, class_weight)
        self.reset_metrics()
        self.train_step(x, y, sample_weight)
        return self._batch_result(return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compiled()
        x, y, sample_weight = self._checked_data(x, y, sample_weight, training=False)
        self.reset_metrics()
        self.test_step(x, y, sample_weight)
        return self._batch_result(return_dict)

    def predict_on_batch(self, x):
        self._check_can_run()
        x = D.check_structure(x, "x") if D.is_structure(x) else D.check_array(x, "x")
        with no_grad():
            return D.outputs_to_numpy(self(x, training=False))

    def _batch_result(self, return_dict):
        logs = self._logs()
        return logs if return_dict else self._ordered(logs)

    def _class_weights(self, y, class_weight):
        if len(self._compiled_outputs) > 1:
            raise ValueError("`class_weight` is only supported for models with a single output; "
                             "pass per-output `sample_weight` arrays instead.")
        return D.class_weight_to_sample_weight(y, class_weight)

    def _check_can_run(self):
        """Hook for models that cannot run yet (an empty Sequential)."""

    def _checked_data(self, x, y, sample_weight, training):
        if x is None:
            raise ValueError("Expected input data `x`. Received: x=None")
        if y is None:
            raise ValueError("Expected target data `y` (this model has a compiled loss). "
                             "Received: y=None")
        if len(self._compiled_outputs) > 1 or D.is_structure(x) or D.is_structure(y) or \
                D.is_structure(sample_weight):
            return self._checked_structures(x, y, sample_weight, training)
        x, y = D.check_array(x, "x"), D.check_array(y, "y")
        sample_weight = D.check_array(sample_weight, "sample_weight")
        D.check_lengths(x, y, sample_weight)
        if training:
            D.check_finite(x, "x")
            D.check_finite(y, "y")
        self._check_can_run()
        return x, y, sample_weight

    def _checked_structures(self, x, y, sample_weight, training):
        """Several inputs and/or outputs: x a list / dict of arrays; y and sample_weight a list
        in output order or a dict keyed by output name (one sample_weight array serves all)."""
        x = D.check_structure(x, "x")
        names = self._compiled_outputs
        y = D.align_targets(y, names, "y")
        sample_weight = D.align_targets(sample_weight, names, "sample_weight")
        D.check_cardinality(x=x, y=y, sample_weight=sample_weight)
        if training:
            for label, value in (("x", x), ("y", y)):
                items = value.items() if isinstance(value, dict) else enumerate(value) \
                    if isinstance(value, list) else [(None, value)]
                for key, array in items:
                    D.check_finite(array, label if key is None else f"{label}[{key!r}]")
        self._check_can_run()
        return x, y, sample_weight


class _Plan:
    __slots__ = ("version", "variables", "regularized", "activity_layers", "layers")

    def __init__(self, version, variables, regularized, activity_layers, layers):
        self.version, self.variables = version, variables
        self.regularized, self.activity_layers = regularized, activity_layers
        self.layers = layers


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


def _refuse_sharding(data, group):
    """Data parallelism splits in-memory arrays; a batch source on several ranks is refused."""
    if group.size > 1:
        raise ValueError(f"Training over {group.size} ranks takes numpy arrays, which each "
                         f"rank slices; a {source_kind(data)} as input is not supported there "
                         f"yet. Pass the arrays.")


def _should_validate(epoch, freq):
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return epoch + 1 in freq


def _verbosity(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2) or isinstance(verbose, bool):
        raise ValueError(f"`verbose` must be 'auto', 0, 1 or 2. Received: verbose={verbose!r}")
    return verbose


def _reject_kwargs(kwargs, method, removed):
    for key in kwargs:
        if key in removed:
            raise TypeError(f"{method}() got an unexpected keyword argument '{key}' "
                            "(it was removed in Keras 3).")
    if kwargs:
        raise TypeError(f"{method}() got unexpected keyword arguments: {sorted(kwargs)}")


