"""The losses a ``keras.distillation.Distiller`` adds: how far the student's outputs (or
intermediate features) are from the frozen teacher's.

Each loss is a structure of per-output loss functions (one per model output; ``None``
skips an output), summed into one scalar by :meth:`DistillationLoss.compute_loss`. A
string loss resolves through ``keras.losses.get``, so ``"kl_divergence"`` is the loss
*function*, not the ``KLDivergence`` class; only a ``KLDivergence`` instance gets the
softmax-and-``T**2`` treatment of :class:`LogitsDistillation` (as in Keras 3.15).
"""
from .. import losses, ops, tree
from ..registry import Registry
from ..saving.serialization import deserialize_keras_object

# The classes of keras.distillation, by name, for configs and files.
DISTILLATION_OBJECTS = Registry("distillation object")


def _loss_structure(loss, owner):
    """``loss`` with every string resolved by ``keras.losses.get``; at least one entry must be a
    loss (a callable), and every entry a callable or None."""
    def resolve(item):
        if item is None or callable(item):
            return item
        if isinstance(item, str):
            return losses.get(item)
        raise ValueError(f"`loss` of {owner} must be a loss name, a loss instance or function, "
                         f"None, or a list / dict of them. Received: {item!r} (of type "
                         f"{type(item).__name__})")
    resolved = tree.map_structure(resolve, loss)
    if all(item is None for item in tree.flatten(resolved)):
        raise ValueError(f"The `loss` argument of {owner} must contain at least one loss that "
                         f"is not None. Received: loss={loss!r}")
    return resolved


def _serialized(loss):
    """A loss structure's config: each loss as ``keras.losses.serialize`` writes it."""
    return tree.map_structure(losses.serialize, loss)


def _summed(loss_values):
    """The scalar sum of a structure of scalar losses (0.0 for a skipped output)."""
    return ops.sum(ops.stack(tree.flatten(loss_values)))


@DISTILLATION_OBJECTS.register("DistillationLoss")
class DistillationLoss:
    """Base class of the distillation losses: subclasses define :meth:`compute_loss`."""

    _keras_module = "keras.distillation"  # what Keras writes as the module of these classes

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """The scalar loss between the teacher's and the student's outputs (each one tensor,
        or a list / dict of them for a model with several outputs)."""
        raise NotImplementedError(f"{type(self).__name__} must implement "
                                  "`compute_loss(teacher_outputs, student_outputs)`.")

    def validate_outputs(self, teacher_outputs, student_outputs):
        """Raise ValueError when the teacher's and student's outputs differ in structure."""
        tree.assert_same_structure(teacher_outputs, student_outputs)

    def validate_model_compatibility(self, teacher, student):
        """Raise ValueError when this loss cannot be used with these two models (the base
        accepts any pair)."""


@DISTILLATION_OBJECTS.register("FeatureDistillation")
class FeatureDistillation(DistillationLoss):
    """Match the student's features to the teacher's: ``sum over outputs of
    mean(loss(teacher_features, student_features))``.

    Args:
        loss: a loss name, instance or function (default ``"mse"``), or a structure of them
            matching the features' structure, ``None`` skipping a feature.
        teacher_layer_name: the teacher layer whose output is compared (None: the model's
            output). Needs a functional or Sequential teacher.
        student_layer_name: likewise for the student.
    """

    _keras_module = "keras.distillation"

    def __init__(self, loss="mse", teacher_layer_name=None, student_layer_name=None):
        self.teacher_layer_name = teacher_layer_name
        self.student_layer_name = student_layer_name
        self.loss = _loss_structure(loss, "FeatureDistillation")

    def validate_model_compatibility(self, teacher, student):
        """The named layers must exist, in functional or Sequential models."""
        if self.teacher_layer_name is None and self.student_layer_name is None:
            return
        subclassed = [role for role, model in (("teacher", teacher), ("student", student))
                      if getattr(model, "inputs", None) is None]
        if subclassed:
            raise ValueError(
                "FeatureDistillation with layer names needs functional or Sequential models "
                f"(with symbolic inputs); the {' and '.join(subclassed)} model has none. Use "
                "functional models, drop the layer names to compare final outputs, or use "
                "LogitsDistillation.")
        for role, model, name in (("teacher", teacher, self.teacher_layer_name),
                                  ("student", student, self.student_layer_name)):
            if name is not None:
                try:
                    model.get_layer(name=name)
                except ValueError as error:
                    raise ValueError(f"In {role} model: {error}") from None

    def validate_outputs(self, teacher_outputs, student_outputs):
        """The features must match each other and the structure of ``loss``."""
        super().validate_outputs(teacher_outputs, student_outputs)
        try:
            tree.assert_same_structure(self.loss, teacher_outputs)
        except (ValueError, TypeError) as error:
            raise ValueError(f"FeatureDistillation's loss structure does not match the "
                             f"features: {error}") from None

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """``sum over features of mean(loss(teacher_feature, student_feature))``."""
        def one(loss_fn, teacher_feature, student_feature):
            if loss_fn is None:
                return 0.0
            return ops.mean(loss_fn(teacher_feature, student_feature))
        return _summed(tree.map_structure(one, self.loss, teacher_outputs, student_outputs))

    def get_config(self):
        return {"loss": _serialized(self.loss),
                "teacher_layer_name": self.teacher_layer_name,
                "student_layer_name": self.student_layer_name}

    @classmethod
    def from_config(cls, config):
        return cls(**{**config, "loss": deserialize_keras_object(config["loss"])})


@DISTILLATION_OBJECTS.register("LogitsDistillation")
class LogitsDistillation(DistillationLoss):
    """Match the student's logits to the teacher's at a temperature ``T``.

    Both models' outputs are divided by ``T``; then, per output,

    * a ``keras.losses.KLDivergence`` instance compares the softened probabilities and is
      scaled by ``T**2`` (Hinton et al.): ``T**2 * KL(softmax(t / T) || softmax(s / T))``;
    * any other loss (the default ``"kl_divergence"`` *function* included) is applied to the
      scaled logits directly: ``mean(loss(t / T, s / T))``.

    The per-output losses are summed.

    Args:
        temperature: a positive number (default 3.0).
        loss: a loss name, instance or function (default ``"kl_divergence"``), or a
            structure of them matching the outputs, ``None`` skipping an output.
    """

    _keras_module = "keras.distillation"

    def __init__(self, temperature=3.0, loss="kl_divergence"):
        self.temperature = temperature
        self.loss = _loss_structure(loss, "LogitsDistillation")
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
            raise ValueError(f"`temperature` must be a number. Received: temperature="
                             f"{temperature!r} (of type {type(temperature).__name__})")
        if temperature <= 0:
            raise ValueError(f"`temperature` must be positive. Received: temperature="
                             f"{temperature!r}")

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """The summed per-output losses of the temperature-scaled logits (see the class)."""
        t = self.temperature

        def one(loss_fn, teacher_logits, student_logits):
            if loss_fn is None:
                return 0.0
            teacher_logits, student_logits = ops.divide(teacher_logits, t), ops.divide(
                student_logits, t)
            if isinstance(loss_fn, losses.KLDivergence):
                value = ops.mean(loss_fn(ops.softmax(teacher_logits, axis=-1),
                                         ops.softmax(student_logits, axis=-1)))
                return ops.multiply(value, t ** 2)
            return ops.mean(loss_fn(teacher_logits, student_logits))
        return _summed(tree.map_structure(one, self.loss, teacher_outputs, student_outputs))

    def get_config(self):
        return {"temperature": self.temperature, "loss": _serialized(self.loss)}

    @classmethod
    def from_config(cls, config):
        return cls(**{**config, "loss": deserialize_keras_object(config["loss"])})
