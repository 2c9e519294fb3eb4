"""Hinge metrics: running means of the hinge losses."""
from .. import losses
from .metric import register_metric
from .reduction_metrics import LossMetricWrapper


@register_metric()
class Hinge(LossMetricWrapper):
    """Running mean of ``losses.hinge``.

    Formula: ``mean(max(1 - y·p, 0), axis=-1)``; labels all in {0, 1} become -1/+1.

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
    """

    def __init__(self, name="hinge", dtype=None):
        super().__init__(losses.hinge, name=name, dtype=dtype)


@register_metric()
class SquaredHinge(LossMetricWrapper):
    """Running mean of ``losses.squared_hinge``.

    Formula: ``mean(max(1 - y·p, 0)², axis=-1)``; labels all in {0, 1} become -1/+1.

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
    """

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(losses.squared_hinge, name=name, dtype=dtype)


@register_metric()
class CategoricalHinge(LossMetricWrapper):
    """Running mean of ``losses.categorical_hinge``.

    Formula: ``max(max((1-y)·p) - Σ y·p + 1, 0)`` per sample, averaged.

    Args:
        name: name of the metric instance.
        dtype: dtype of the result.
    """

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(losses.categorical_hinge, name=name, dtype=dtype)
