"""String names, aliases (Keras 3 and Keras 2), get / serialize / deserialize round trips."""
import json

import numpy as np
import pytest

from minikeras import losses
from minikeras.autodiff import Tensor
from minikeras.losses import LOSSES
from minikeras.registry import register_keras_serializable

# Every name a Keras script can use, and what it must resolve to (function or class).
EXPECTED = {
    # Keras 3 functions and their aliases
    "mean_squared_error": "mean_squared_error", "mse": "mean_squared_error",
    "MSE": "mean_squared_error",
    "mean_absolute_error": "mean_absolute_error", "mae": "mean_absolute_error",
    "MAE": "mean_absolute_error",
    "mean_absolute_percentage_error": "mean_absolute_percentage_error",
    "mape": "mean_absolute_percentage_error", "MAPE": "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error": "mean_squared_logarithmic_error",
    "msle": "mean_squared_logarithmic_error", "MSLE": "mean_squared_logarithmic_error",
    "kl_divergence": "kl_divergence", "kld": "kl_divergence", "KLD": "kl_divergence",
    "binary_crossentropy": "binary_crossentropy", "bce": "binary_crossentropy",
    "BCE": "binary_crossentropy",
    "binary_focal_crossentropy": "binary_focal_crossentropy",
    "categorical_crossentropy": "categorical_crossentropy",
    "categorical_focal_crossentropy": "categorical_focal_crossentropy",
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
    "categorical_generalized_cross_entropy": "categorical_generalized_cross_entropy",
    "cosine_similarity": "cosine_similarity", "log_cosh": "log_cosh", "huber": "huber",
    "poisson": "poisson", "hinge": "hinge", "squared_hinge": "squared_hinge",
    "categorical_hinge": "categorical_hinge", "dice": "dice", "tversky": "tversky",
    "circle": "circle", "ctc": "ctc",
    # Keras 2 names, mapped to their Keras 3 meaning
    "kullback_leibler_divergence": "kl_divergence", "logcosh": "log_cosh",
    "cosine_proximity": "cosine_similarity", "cosine": "cosine_similarity",
    "huber_loss": "huber",
    # classes
    **{name: name for name in (
        "Loss", "LossFunctionWrapper", "BinaryCrossentropy", "BinaryFocalCrossentropy",
        "CategoricalCrossentropy", "CategoricalFocalCrossentropy",
        "SparseCategoricalCrossentropy", "CategoricalGeneralizedCrossEntropy",
        "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
        "MeanSquaredLogarithmicError", "CosineSimilarity", "LogCosh", "Huber", "KLDivergence",
        "Poisson", "Hinge", "SquaredHinge", "CategoricalHinge", "Dice", "Tversky", "Circle",
        "CTC")},
}


def test_registry_holds_exactly_the_expected_names():
    assert sorted(LOSSES.names()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_name_resolves_and_is_a_module_attribute(name):
    target = getattr(losses, EXPECTED[name])
    assert LOSSES.lookup(name) is target
    assert getattr(losses, name) is target
    assert name in losses.__all__


@pytest.mark.parametrize("name", [n for n in sorted(EXPECTED) if n[0].islower()])
def test_get_snake_name_gives_the_function(name):
    assert losses.get(name) is getattr(losses, EXPECTED[name])
    assert losses.deserialize(name) is getattr(losses, EXPECTED[name])


@pytest.mark.parametrize("name", [n for n in sorted(EXPECTED) if n[0].isupper()
                                  and n not in ("MSE", "MAE", "MAPE", "MSLE", "KLD", "BCE",
                                                "LossFunctionWrapper")])
def test_get_class_name_gives_a_fresh_default_instance(name):
    first, second = losses.get(name), losses.get(name)
    assert type(first) is getattr(losses, name) and first is not second
    assert first.reduction == "sum_over_batch_size"


def test_huber_default_name_and_cosine_proximity_is_the_negative_loss():
    assert losses.get("Huber").name == "huber_loss"
    assert losses.CTC().name == "ctc"
    out = losses.get("cosine_proximity")([[1.0, 0.0]], [[2.0, 0.0]])
    np.testing.assert_allclose(out.data, [-1.0])


def test_keras2_module_attributes():
    assert losses.mse is losses.MSE is losses.mean_squared_error
    assert losses.kullback_leibler_divergence is losses.kl_divergence
    assert losses.logcosh is losses.log_cosh
    assert losses.huber_loss is losses.huber
    assert losses.cosine_proximity is losses.cosine_similarity


def test_get_other_identifiers():
    assert losses.get(None) is None
    instance = losses.Huber(delta=3.0)
    assert losses.get(instance) is instance
    assert isinstance(losses.get(losses.Huber), losses.Huber)
    huber = losses.get({"class_name": "Huber", "config": {"delta": 2.0}})
    assert isinstance(huber, losses.Huber) and huber.delta == 2.0
    with pytest.raises(ValueError, match="Could not interpret loss identifier: 5"):
        losses.get(5)


@pytest.mark.parametrize("name, suggestion", [
    ("mean_squre_error", "mean_squared_error"),
    ("categorical_crossentopy", "categorical_crossentropy"),
    ("BinaryCrossEntropy", "BinaryCrossentropy"),
])
def test_unknown_name_raises_with_close_matches(name, suggestion):
    with pytest.raises(ValueError, match="Could not interpret loss identifier") as info:
        losses.get(name)
    assert repr(suggestion) in str(info.value)


def test_compile_only_names_are_not_losses():
    for name in ("crossentropy", "ce"):
        with pytest.raises(ValueError):
            losses.get(name)


def test_serialize_function_and_instance():
    assert losses.serialize(losses.mse) == {
        "module": "builtins", "class_name": "function", "config": "mean_squared_error",
        "registered_name": "function"}
    assert losses.serialize(losses.logcosh)["config"] == "log_cosh"
    assert losses.serialize(losses.MeanSquaredError()) == {
        "module": "keras.losses", "class_name": "MeanSquaredError",
        "config": {"name": "mean_squared_error", "reduction": "sum_over_batch_size"},
        "registered_name": None}


CLASSES = sorted(n for n, obj in LOSSES.items() if isinstance(obj, type)
                 and obj not in (losses.Loss, losses.LossFunctionWrapper))


@pytest.mark.parametrize("name", CLASSES)
def test_every_class_config_round_trips_through_json(name):
    cls = LOSSES.lookup(name)
    original = cls(reduction="sum", name="custom_name")
    config = json.loads(json.dumps(losses.serialize(original)))
    rebuilt = losses.deserialize(config)
    assert type(rebuilt) is cls
    assert rebuilt.get_config() == original.get_config()
    assert rebuilt.name == "custom_name" and rebuilt.reduction == "sum"


def test_options_round_trip_and_are_plain_python():
    original = losses.CategoricalFocalCrossentropy(alpha=np.array([0.2, 0.8]), gamma=3.0,
                                                   from_logits=True, label_smoothing=0.1)
    config = original.get_config()
    assert config["alpha"] == [0.2, 0.8] and type(config["alpha"][0]) is float
    rebuilt = losses.deserialize(losses.serialize(original))
    assert rebuilt.get_config() == config
    assert losses.deserialize(losses.serialize(losses.Huber(delta=2.5))).delta == 2.5


def test_function_dicts_and_keras2_configs_deserialize():
    assert losses.deserialize(losses.serialize(losses.cosine_proximity)) is \
        losses.cosine_similarity
    assert losses.deserialize("mse") is losses.mean_squared_error      # Keras 3.15.1 raises here
    assert isinstance(losses.deserialize("Huber"), losses.Huber)
    keras2 = {"class_name": "MeanSquaredError",
              "config": {"reduction": "auto", "name": "mean_squared_error"}}
    assert losses.deserialize(keras2).reduction == "sum_over_batch_size"


def test_registered_custom_function_and_class_round_trip():
    @register_keras_serializable(package="LossTests")
    def twice_mae(y_true, y_pred):
        return losses.mean_absolute_error(y_true, y_pred) * 2.0

    config = losses.serialize(twice_mae)
    assert config["config"] == "LossTests>twice_mae"
    assert losses.deserialize(config) is twice_mae
    assert losses.get("LossTests>twice_mae") is twice_mae
    wrapper = losses.LossFunctionWrapper(twice_mae)
    rebuilt = losses.deserialize(losses.serialize(wrapper))
    out = rebuilt([[0.0]], [[1.5]])
    assert isinstance(out, Tensor) and float(out) == 3.0

    @register_keras_serializable(package="LossTests")
    class Cubic(losses.Loss):
        def call(self, y_true, y_pred):
            return (y_pred - y_true) ** 3.0

    config = losses.serialize(Cubic(name="cubic"))
    assert config["registered_name"] == "LossTests>Cubic"
    assert isinstance(losses.deserialize(config), Cubic)


@pytest.mark.parametrize("loss, keras_keys", [
    (losses.BinaryFocalCrossentropy(),
     ["name", "reduction", "from_logits", "label_smoothing", "axis", "apply_class_balancing",
      "alpha", "gamma"]),
    (losses.CategoricalFocalCrossentropy(),
     ["name", "reduction", "from_logits", "label_smoothing", "axis", "alpha", "gamma"]),
])
def test_focal_losses_list_their_config_in_keras_order(loss, keras_keys):
    """Keras 3.15's order (printed once from a scratch install)."""
    assert list(loss.get_config()) == keras_keys
