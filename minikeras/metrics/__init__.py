"""keras.metrics: stateful metrics, the metric functions, and get / serialize / deserialize.

Every metric class is registered where it is defined (in ``METRICS``) under its
class name, its snake-case name and the Keras aliases bce/BCE, mse/MSE, mae/MAE,
mape/MAPE, msle/MSLE. ``get`` reads only that registry. The compile-time rule for
"accuracy"/"acc" (which depends on the data's shapes) lives in the trainer.
"""
import inspect

from ..losses import (binary_crossentropy, binary_focal_crossentropy,  # noqa: F401
                      categorical_crossentropy, categorical_focal_crossentropy,
                      categorical_hinge, hinge, huber, kl_divergence, log_cosh,
                      mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
                      mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy,
                      squared_hinge)
from ..losses import serialize as serialize_loss
from ..losses.loss import Loss
from .accuracy_metrics import (Accuracy, BinaryAccuracy, CategoricalAccuracy,  # noqa: F401
                               SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy,
                               TopKCategoricalAccuracy, binary_accuracy, categorical_accuracy,
                               sparse_categorical_accuracy, sparse_top_k_categorical_accuracy,
                               top_k_categorical_accuracy)
from .auc import AUC  # noqa: F401
from .confusion_metrics import (FalseNegatives, FalsePositives, Precision,  # noqa: F401
                                PrecisionAtRecall, Recall, RecallAtPrecision,
                                SensitivityAtSpecificity, SpecificityAtSensitivity,
                                TrueNegatives, TruePositives)
from .correlation_metrics import (ConcordanceCorrelation, PearsonCorrelation,  # noqa: F401
                                  concordance_correlation, pearson_correlation)
from .f_score_metrics import F1Score, FBetaScore  # noqa: F401
from .hinge_metrics import CategoricalHinge, Hinge, SquaredHinge  # noqa: F401
from .iou_metrics import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU  # noqa: F401
from .metric import METRIC_FUNCTIONS, METRICS, Metric  # noqa: F401
from .probabilistic_metrics import (BinaryCrossentropy, CategoricalCrossentropy,  # noqa: F401
                                    KLDivergence, Poisson, SparseCategoricalCrossentropy)
from .reduction_metrics import (Mean, MeanMetricWrapper, Sum,  # noqa: F401
                                deserialize_function, serialize_function)
from .regression_metrics import (CosineSimilarity, LogCoshError,  # noqa: F401
                                 MeanAbsoluteError, MeanAbsolutePercentageError,
                                 MeanSquaredError, MeanSquaredLogarithmicError, R2Score,
                                 RootMeanSquaredError)

# Keras's short aliases (they name classes, so get("mse") is MeanSquaredError()).
for _alias, _cls in (("bce", BinaryCrossentropy), ("BCE", BinaryCrossentropy),
                     ("mse", MeanSquaredError), ("MSE", MeanSquaredError),
                     ("mae", MeanAbsoluteError), ("MAE", MeanAbsoluteError),
                     ("mape", MeanAbsolutePercentageError), ("MAPE", MeanAbsolutePercentageError),
                     ("msle", MeanSquaredLogarithmicError), ("MSLE", MeanSquaredLogarithmicError)):
    METRICS.add(_cls, _alias)
del _alias, _cls

# The loss functions exported here are metric functions too (MeanMetricWrapper configs).
for _fn in (binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
            categorical_focal_crossentropy, sparse_categorical_crossentropy, mean_squared_error,
            mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
            hinge, squared_hinge, categorical_hinge, kl_divergence, poisson, huber, log_cosh):
    METRIC_FUNCTIONS.add(_fn, _fn.__name__)
del _fn


def _instantiate(cls, identifier):
    try:
        return cls()
    except TypeError as error:
        required = [p.name for p in inspect.signature(cls).parameters.values()
                    if p.default is inspect.Parameter.empty
                    and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        raise TypeError(
            f"Metric identifier {identifier!r} names {cls.__name__}, which needs arguments "
            f"({', '.join(required) or error}). Create it yourself, e.g. "
            f"{cls.__name__}({', '.join(f'{r}=...' for r in required)}).") from None


def get(identifier):
    """A metric from an identifier.

    Args:
        identifier: None; a registered name ("auc", "AUC", "mse", ...) which gives a
            new instance with default arguments; a config dict; a Metric class
            (instantiated) or instance; or any callable ``fn(y_true, y_pred)``
            (returned as is).

    Raises:
        ValueError: for an unknown name (the message lists the closest names) or a
            value that is neither a name, a dict nor callable.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = METRICS.lookup(identifier)
    else:
        obj = identifier
    if inspect.isclass(obj):
        return _instantiate(obj, identifier)
    if callable(obj):
        return obj
    raise ValueError(
        f"Could not interpret metric identifier: {identifier}. Expected a metric name "
        "(e.g. 'auc'), a config dict, a Metric instance or a function (y_true, y_pred).")


def serialize(metric):
    """The Keras config dict of a Metric instance, a Loss instance or a metric function."""
    if isinstance(metric, Metric):
        return METRICS.serialize(metric, "keras.metrics")
    if isinstance(metric, Loss):  # a loss object given as a metric: its own config, as Keras
        return serialize_loss(metric)
    if callable(metric) and not inspect.isclass(metric):
        return serialize_function(metric)
    raise ValueError(f"Could not serialize metric {metric!r}: expected a Metric instance or a "
                     "function.")


def deserialize(config, custom_objects=None):
    """A Metric (or metric function) from a :func:`serialize` dict or a registered name."""
    if isinstance(config, str):
        table = dict(custom_objects or {})
        obj = table.get(config) or (METRICS.lookup(config, custom_objects))
        return _instantiate(obj, config) if inspect.isclass(obj) else obj
    if isinstance(config, dict) and config.get("class_name") == "function":
        return deserialize_function(config, custom_objects)
    obj = METRICS.deserialize(config, custom_objects)
    return _instantiate(obj, config) if inspect.isclass(obj) else obj


__all__ = sorted({name for name, obj in globals().items()
                  if not name.startswith("_") and not inspect.ismodule(obj)
                  and name != "inspect"})
