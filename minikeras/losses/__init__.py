"""keras.losses: every Keras 3 loss as a function and as a class, plus Keras 2's names.

String names resolve through the one registry, ``LOSSES``: snake-case names
(and aliases such as ``"mse"``) give the function, CamelCase class names give a
fresh instance with default arguments.
"""
from .crossentropy import (BinaryCrossentropy, CategoricalCrossentropy,
                           SparseCategoricalCrossentropy, binary_crossentropy,
                           categorical_crossentropy, sparse_categorical_crossentropy)
from .ctc import CTC, ctc
from .focal import (BinaryFocalCrossentropy, CategoricalFocalCrossentropy,
                    CategoricalGeneralizedCrossEntropy, binary_focal_crossentropy,
                    categorical_focal_crossentropy, categorical_generalized_cross_entropy)
from .hinge import CategoricalHinge, Hinge, SquaredHinge, categorical_hinge, hinge, squared_hinge
from .loss import (LOSSES, Loss, LossFunctionWrapper, Reduction, get_loss_mask, reduce_values,
                   reduce_weighted_values, serialize_function, set_loss_mask,
                   squeeze_or_expand_to_same_rank, standardize_reduction)
from .metric_learning import Circle, circle
from .probabilistic import KLDivergence, Poisson, kl_divergence, poisson
from .regression import (CosineSimilarity, Huber, LogCosh, MeanAbsoluteError,
                         MeanAbsolutePercentageError, MeanSquaredError,
                         MeanSquaredLogarithmicError, cosine_similarity, huber, log_cosh,
                         mean_absolute_error, mean_absolute_percentage_error,
                         mean_squared_error, mean_squared_logarithmic_error)
from .segmentation import Dice, Tversky, dice, tversky

# Keras 2 module attributes that scripts still import (`from keras.losses import mse`).
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
bce = BCE = binary_crossentropy
logcosh = log_cosh
huber_loss = huber
cosine_proximity = cosine = cosine_similarity


def _instantiate(obj):
    return obj() if isinstance(obj, type) else obj


def get(identifier):
    """Resolve a loss: None, a name, a config dict, a class, or a callable.

    Snake-case names give the function; class names give a default instance.

    Raises:
        ValueError: unknown name (with the closest names) or a non-callable.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = _instantiate(LOSSES.lookup(identifier))
    else:
        obj = _instantiate(identifier)
    if callable(obj):
        return obj
    raise ValueError(f"Could not interpret loss identifier: {identifier}")


def serialize(loss):
    """A loss as Keras's config dict (functions by name, instances with their config)."""
    if loss is None:
        return None
    if isinstance(loss, Loss):
        cls = type(loss)
        module = "keras.losses" if LOSSES.name_of(cls) else cls.__module__
        return LOSSES.serialize(loss, module)
    if callable(loss):
        return serialize_function(loss)
    raise ValueError(f"Could not serialize loss {loss!r}: expected a Loss or a function.")


def deserialize(name, custom_objects=None):
    """Rebuild a loss from ``serialize``'s dict or from a name (``deserialize("mse")`` works);
    Keras names the argument ``name`` either way."""
    if isinstance(name, str):
        return _instantiate(LOSSES.lookup(name, custom_objects))
    return _instantiate(LOSSES.deserialize(name, custom_objects))


# Every registered name is also a module attribute (a test checks it).
__all__ = sorted(set(LOSSES.names()) | {
    "LOSSES", "Reduction", "deserialize", "get", "get_loss_mask", "reduce_values",
    "reduce_weighted_values", "serialize", "set_loss_mask", "squeeze_or_expand_to_same_rank",
    "standardize_reduction"})
