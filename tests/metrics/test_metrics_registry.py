"""keras.metrics.get / serialize / deserialize over every registered name."""
import json
import re

import numpy as np
import pytest

from minikeras import losses, metrics
from minikeras.naming import to_snake_case

# Arguments for the registered classes that have required ones.
REQUIRED = {
    "MeanMetricWrapper": {"fn": metrics.binary_accuracy},
    "PrecisionAtRecall": {"recall": 0.5},
    "RecallAtPrecision": {"precision": 0.5},
    "SensitivityAtSpecificity": {"specificity": 0.5},
    "SpecificityAtSensitivity": {"sensitivity": 0.5},
    "IoU": {"num_classes": 3, "target_class_ids": [0, 2]},
    "MeanIoU": {"num_classes": 3},
    "OneHotIoU": {"num_classes": 3, "target_class_ids": [1]},
    "OneHotMeanIoU": {"num_classes": 3},
}
ALIASES = {"bce": "BinaryCrossentropy", "mse": "MeanSquaredError", "mae": "MeanAbsoluteError",
           "mape": "MeanAbsolutePercentageError", "msle": "MeanSquaredLogarithmicError"}
# Keras's snake keys (KERAS_REFERENCE 3.1).
KERAS_SNAKE_KEYS = """accuracy auc binary_accuracy binary_crossentropy binary_io_u
categorical_accuracy categorical_crossentropy categorical_hinge concordance_correlation cosine_similarity f1_score
f_beta_score false_negatives false_positives hinge kl_divergence log_cosh_error mean
mean_absolute_error mean_absolute_percentage_error mean_metric_wrapper mean_squared_error
mean_squared_logarithmic_error metric pearson_correlation poisson precision precision_at_recall
r2_score recall recall_at_precision root_mean_squared_error sensitivity_at_specificity
sparse_categorical_accuracy sparse_categorical_crossentropy sparse_top_k_categorical_accuracy
specificity_at_sensitivity squared_hinge sum top_k_categorical_accuracy true_negatives
true_positives io_u mean_io_u one_hot_io_u one_hot_mean_io_u""".split()
EXPORTED_FUNCTIONS = """binary_accuracy categorical_accuracy sparse_categorical_accuracy
top_k_categorical_accuracy sparse_top_k_categorical_accuracy binary_crossentropy
binary_focal_crossentropy categorical_crossentropy categorical_focal_crossentropy
sparse_categorical_crossentropy mean_squared_error mean_absolute_error
mean_absolute_percentage_error mean_squared_logarithmic_error hinge squared_hinge
categorical_hinge kl_divergence poisson huber log_cosh pearson_correlation
concordance_correlation""".split()


def build(cls):
    return cls(**REQUIRED.get(cls.__name__, {}))


@pytest.mark.parametrize("name", metrics.METRICS.names())
def test_every_registered_name_round_trips_through_its_config(name):
    cls = metrics.METRICS.lookup(name)
    metric = build(cls)
    config = metrics.serialize(metric)
    assert config["module"] == "keras.metrics" and config["class_name"] == cls.__name__
    assert config["registered_name"] is None
    config = json.loads(json.dumps(config))  # plain JSON values only
    clone = metrics.deserialize(config)
    assert type(clone) is cls
    assert clone.get_config() == metric.get_config()
    assert clone is not metric


@pytest.mark.parametrize("name", metrics.METRICS.names())
def test_get_of_a_name_gives_a_fresh_instance(name):
    cls = metrics.METRICS.lookup(name)
    if cls.__name__ in REQUIRED:
        with pytest.raises(TypeError, match=cls.__name__):
            metrics.get(name)
        return
    a, b = metrics.get(name), metrics.get(name)
    assert type(a) is cls and a is not b


def test_class_names_snake_names_and_aliases_are_registered():
    for cls in {obj for _, obj in metrics.METRICS.items()}:
        assert metrics.METRICS.lookup(cls.__name__) is cls
        assert metrics.METRICS.lookup(to_snake_case(cls.__name__)) is cls
        assert getattr(metrics, cls.__name__) is cls  # exported
    for alias, cls_name in ALIASES.items():
        for spelling in (alias, alias.upper()):
            assert type(metrics.get(spelling)).__name__ == cls_name
    assert set(KERAS_SNAKE_KEYS) <= set(metrics.METRICS.names())
    assert type(metrics.get("accuracy")) is metrics.Accuracy  # not shape-dependent here


@pytest.mark.parametrize("name, hint", [
    ("acc", None), ("crossentropy", None), ("ce", None), ("kld", None),
    ("logcosh", "log_cosh_error"), ("Accuracyy", "Accuracy"), ("mean_sqared_error",
                                                               "mean_squared_error"),
])
def test_unknown_names_raise_with_the_closest_names(name, hint):
    with pytest.raises(ValueError, match="Could not interpret metric identifier") as info:
        metrics.get(name)
    assert f"identifier: {name}." in str(info.value)
    if hint:
        assert re.search(f"Did you mean [^?]*'{hint}'", str(info.value)), str(info.value)


def test_get_other_identifiers():
    assert metrics.get(None) is None
    fn = metrics.get(metrics.binary_accuracy)
    assert fn is metrics.binary_accuracy  # callables as they are
    m = metrics.AUC()
    assert metrics.get(m) is m
    assert type(metrics.get(metrics.Recall)) is metrics.Recall  # classes instantiated
    d = metrics.get({"class_name": "BinaryAccuracy", "config": {"threshold": 0.3}})
    assert isinstance(d, metrics.BinaryAccuracy) and d.threshold == 0.3
    with pytest.raises(ValueError, match="Could not interpret metric identifier: 5"):
        metrics.get(5)


def test_functions_serialize_by_name():
    config = metrics.serialize(metrics.categorical_accuracy)
    assert config == {"module": "builtins", "class_name": "function",
                      "config": "categorical_accuracy", "registered_name": "function"}
    assert metrics.deserialize(config) is metrics.categorical_accuracy
    assert metrics.deserialize(metrics.serialize(losses.poisson)) is losses.poisson
    assert type(metrics.deserialize("AUC")) is metrics.AUC


def test_keras_exported_functions_are_here():
    for name in EXPORTED_FUNCTIONS:
        fn = getattr(metrics, name)
        assert callable(fn) and not isinstance(fn, type), name
        assert name in metrics.__all__
    # the loss functions are the same objects as in keras.losses
    assert metrics.mean_squared_error is losses.mean_squared_error
    # Keras 3 has no keras.metrics.mse / acc attributes
    for name in ("mse", "mae", "acc", "accuracy"):
        assert not hasattr(metrics, name), name


def test_every_name_in_all_resolves():
    for name in metrics.__all__:
        assert getattr(metrics, name) is not None


def test_registered_instances_compute_from_get():
    m = metrics.get("mse")
    m.update_state(np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]]))
    assert float(m.result()) == 0.5
