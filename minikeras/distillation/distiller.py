"""``keras.distillation.Distiller``: train a student model against a frozen teacher.

The loss of one batch (what ``fit`` minimizes and logs as ``loss``, ``total_loss``)::

    student_loss      = mean(compiled_loss(y, student(x)))       (sample weights unused)
    distillation_loss = sum_i  weight_i * distillation_losses[i](teacher, student)
    total             = w * student_loss + (1 - w) * distillation_loss,   w = student_loss_weight

``student_loss``, ``distillation_loss`` and ``total_loss`` are also logged, each the plain
mean over the epoch's batches (``loss`` is weighted by batch size, as Keras's is).
"""
import warnings

from .. import losses, metrics, ops, tree
from ..autodiff import no_grad
from ..models import Model, Sequential
from ..saving.serialization import deserialize_keras_object, serialize_keras_object
from .distillation_loss import DISTILLATION_OBJECTS

_FINAL = "final_output"  # the key of a model's own output among its extracted features


@DISTILLATION_OBJECTS.register("Distiller")
class Distiller(Model):
    """A model whose ``fit`` trains ``student`` from the labels and from a frozen ``teacher``.

    Calling it (and ``predict``) runs the student. The teacher is set non-trainable.

    Args:
        teacher: a trained ``keras.Model``.
        student: the ``keras.Model`` to train; functional/Sequential teacher and student must
            have compatible input and output shapes and dtypes.
        distillation_losses: a ``DistillationLoss`` (``LogitsDistillation``,
            ``FeatureDistillation`` or a subclass) or a list of them.
        distillation_loss_weights: one weight per loss of a list (default all 1.0). A single
            loss (not in a list) always has weight 1.0, as in Keras.
        student_loss_weight: ``w`` in ``w * student_loss + (1 - w) * distillation_loss``, in
            [0, 1] (default 0.5).
        name: the model's name (default ``"distiller"``).
    """

    _keras_module = "keras.distillation"

    def __init__(self, teacher, student, distillation_losses, distillation_loss_weights=None,
                 student_loss_weight=0.5, name="distiller", **kwargs):
        super().__init__(name=name, **kwargs)
        _check_models(teacher, student)
        self.teacher = teacher
        self.student = student
        if isinstance(student_loss_weight, bool) or not isinstance(student_loss_weight,
                                                                   (int, float)):
            raise ValueError(f"`student_loss_weight` must be a number in [0, 1]. Received: "
                             f"{student_loss_weight!r} (of type "
                             f"{type(student_loss_weight).__name__})")
        if not 0.0 <= student_loss_weight <= 1.0:
            raise ValueError(f"`student_loss_weight` must be between 0.0 and 1.0. Received: "
                             f"{student_loss_weight}")
        self.student_loss_weight = student_loss_weight
        self.distillation_losses, self.distillation_loss_weights = _losses_and_weights(
            distillation_losses, distillation_loss_weights)
        for loss in self.distillation_losses:
            loss.validate_model_compatibility(teacher, student)
        self._teacher_feature_extractor = _feature_extractor(
            teacher, _layer_names(self.distillation_losses, "teacher_layer_name"))
        self._student_feature_extractor = _feature_extractor(
            student, _layer_names(self.distillation_losses, "student_layer_name"))
        self.teacher.trainable = False
        self.student_loss_tracker = metrics.Mean(name="student_loss")
        self.distillation_loss_tracker = metrics.Mean(name="distillation_loss")
        self.total_loss_tracker = metrics.Mean(name="total_loss")
        self._student_loss = None

    # The feature extractors share the teacher's and student's layers: list each weight once
    # (Keras dedupes every model's weights; minikeras's Layer does not yet).
    @property
    def weights(self):
        return _unique(super().weights)

    @property
    def trainable_weights(self):
        return _unique(super().trainable_weights)

    @property
    def non_trainable_weights(self):
        return _unique(super().non_trainable_weights)

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def compile(self, optimizer="adam", loss=None, metrics=None, **kwargs):
        """``loss`` (required) is the student's supervised loss, a loss or a structure of them
        matching the student's outputs; ``metrics`` a list or tuple."""
        if loss is None:
            raise ValueError("Distiller.compile() needs `loss`: the student's supervised loss "
                             "(e.g. 'sparse_categorical_crossentropy'). Received: loss=None")
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise ValueError(f"`metrics` must be a list or tuple. Received: metrics={metrics!r} "
                             f"(of type {type(metrics).__name__})")
        self._student_loss = tree.map_structure(losses.get, loss)
        super().compile(optimizer=optimizer, loss=None, metrics=metrics, **kwargs)

    def _output_names(self):
        """The student's outputs: targets and metrics are matched to them."""
        return self.student._output_names()

    def call(self, inputs, training=None, **kwargs):
        """The student's outputs."""
        return self.student(inputs, training=training, **kwargs)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """``w * student_loss + (1 - w) * distillation_loss`` (see the module), updating the
        three loss trackers. Layer losses and regularization penalties are not added."""
        if y_pred is None:
            y_pred = self(x, training=training)
        w = self.student_loss_weight
        student_loss = self._student_term(y, y_pred) if w > 0.0 and y is not None else 0.0
        distillation_loss = self._distillation_term(x, y_pred) if w < 1.0 else 0.0
        total = ops.add(ops.multiply(w, student_loss),
                        ops.multiply(ops.subtract(1.0, w), distillation_loss))
        self.student_loss_tracker.update_state(student_loss)
        self.distillation_loss_tracker.update_state(distillation_loss)
        self.total_loss_tracker.update_state(total)
        return total

    def _student_term(self, y, y_pred):
        """The mean of each output's compiled loss, summed over the outputs. (Keras 3.15
        stacks the unreduced losses, which fails for a loss function beside a loss instance
        and sums a per-sample function's losses over the batch; its multi-output students
        do not train at all, so only the one-output case can be compared.)"""
        values = tree.flatten(tree.map_structure(
            lambda fn, target, output: ops.mean(fn(target, output)), self._student_loss, y,
            y_pred))
        return ops.sum(ops.stack(values)) if len(values) > 1 else values[0]

    def _distillation_term(self, x, y_pred):
        with no_grad():  # the teacher is frozen: nothing flows back through it
            teacher_features = _features(self._teacher_feature_extractor, self.teacher, x, False)
        student_features = _features(self._student_feature_extractor, None, x, True, y_pred)
        total = 0.0
        for loss, weight in zip(self.distillation_losses, self.distillation_loss_weights):
            if getattr(loss, "teacher_layer_name", None) is not None:
                teacher_out = teacher_features[loss.teacher_layer_name]
                student_out = student_features[loss.student_layer_name or _FINAL]
            else:
                teacher_out, student_out = teacher_features[_FINAL], y_pred
            loss.validate_outputs(teacher_out, student_out)
            value = loss.compute_loss(teacher_out, student_out)
            if len(getattr(value, "shape", ())) > 0:
                raise ValueError(f"{type(loss).__name__}.compute_loss must return a scalar; "
                                 f"it returned shape {tuple(value.shape)}.")
            total = ops.add(total, ops.multiply(weight, value))
        return total

    def get_config(self):
        return {**super().get_config(),
                "teacher": serialize_keras_object(self.teacher),
                "student": serialize_keras_object(self.student),
                "distillation_losses": [serialize_keras_object(loss)
                                        for loss in self.distillation_losses],
                "distillation_loss_weights": self.distillation_loss_weights,
                "student_loss_weight": self.student_loss_weight}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("teacher", "student"):
            config[key] = deserialize_keras_object(config[key], custom_objects)
        config["distillation_losses"] = [deserialize_keras_object(loss, custom_objects)
                                         for loss in config["distillation_losses"]]
        return cls(**config)


def _unique(variables):
    return list({id(v): v for v in variables}.values())


def _check_models(teacher, student):
    """Both are Models; functional / Sequential ones have matching inputs and outputs."""
    for role, model in (("teacher", teacher), ("student", student)):
        if not isinstance(model, Model):
            raise ValueError(f"`{role}` must be a keras.Model. Received: {role}={model!r} (of "
                             f"type {type(model).__name__})")
    for kind in ("inputs", "outputs"):
        teacher_side, student_side = getattr(teacher, kind, None), getattr(student, kind, None)
        if teacher_side is None or student_side is None:
            continue
        context = kind[:-1]
        if len(teacher_side) != len(student_side):
            raise ValueError(f"Teacher and student have different numbers of {kind}. Teacher: "
                             f"{len(teacher_side)}, Student: {len(student_side)}.")
        for t, s in zip(teacher_side, student_side):
            _check_shapes(tuple(t.shape), tuple(s.shape), context)
            if t.dtype != s.dtype:
                raise ValueError(f"Teacher and student {context} dtypes must match. Teacher: "
                                 f"{t.dtype}, Student: {s.dtype}.")


def _check_shapes(teacher_shape, student_shape, context):
    if len(teacher_shape) != len(student_shape) or any(
            a is not None and b is not None and a != b
            for a, b in zip(teacher_shape, student_shape)):
        raise ValueError(f"Teacher and student {context} shapes are incompatible. Teacher: "
                         f"{teacher_shape}, Student: {student_shape}. Every dimension must "
                         "match (None matches anything).")


def _losses_and_weights(distillation_losses, weights):
    """The losses as a list and their weights (Keras: a lone loss always weighs 1.0)."""
    if distillation_losses is None:
        raise ValueError("`distillation_losses` cannot be None: pass a distillation loss (e.g. "
                         "keras.distillation.LogitsDistillation()) or a list of them.")
    if not isinstance(distillation_losses, (list, tuple)):
        if weights is not None:
            warnings.warn("`distillation_loss_weights` is used only with a list of "
                          "`distillation_losses`; a single loss has weight 1.0 (as in Keras). "
                          f"Received: distillation_loss_weights={weights!r}", stacklevel=3)
        distillation_losses, weights = [distillation_losses], [1.0]
    elif weights is None:
        weights = [1.0] * len(distillation_losses)
    elif len(weights) != len(distillation_losses):
        raise ValueError(f"`distillation_loss_weights` needs one weight per distillation loss: "
                         f"{len(distillation_losses)} losses, {len(weights)} weights "
                         f"({weights!r}).")
    for loss in distillation_losses:
        if not callable(getattr(loss, "compute_loss", None)):
            raise ValueError("Each distillation loss must be a keras.distillation."
                             "DistillationLoss (with a `compute_loss` method). Received: "
                             f"{loss!r} (of type {type(loss).__name__})")
    return distillation_losses, weights


def _layer_names(distillation_losses, attribute):
    """The distinct layer names the losses read features from, in order."""
    names = [getattr(loss, attribute, None) for loss in distillation_losses]
    return list(dict.fromkeys(name for name in names if name))


def _feature_extractor(model, layer_names):
    """A functional model returning ``{"final_output": ..., layer_name: ...}`` for ``model``'s
    inputs, or None when no layer is named."""
    if not layer_names:
        return None
    output = model.layers[-1].output if isinstance(model, Sequential) else model.output
    outputs = {_FINAL: output}
    outputs.update((name, model.get_layer(name=name).output) for name in layer_names)
    return Model(inputs=model.inputs, outputs=outputs,
                 name=f"{model.name}_multi_feature_extractor")


def _features(extractor, model, x, training, y_pred=None):
    """The extracted features of one forward pass; without an extractor, the final output
    only (``model(x)``, or the ``y_pred`` already computed)."""
    if extractor is not None:
        return extractor(x, training=training)
    return {_FINAL: model(x, training=training) if y_pred is None else y_pred}
