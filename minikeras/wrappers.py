"""keras.wrappers: a compiled model as a scikit-learn estimator (SKLearnClassifier,
SKLearnRegressor, SKLearnTransformer), so it fits in pipelines, cross-validation and grid
search. Needs the ``sklearn`` extra (``pip install "minikeras[sklearn]"``); scikit-learn is
imported when this module is, never by ``import minikeras``.

Each wrapper takes ``model``: a compiled Model (cloned by every ``fit`` unless
``warm_start``) or a callable ``model(X=X, y=y, **model_kwargs)`` returning one. ``fit``
checks X and y with scikit-learn (which records ``n_features_in_``), trains with
``fit_kwargs`` updated by its own keyword arguments, and keeps ``model_`` and
``history_``. Targets: a classifier one-hot encodes y (``classes_`` holds the labels) and
``predict`` maps the model's outputs back to labels (the largest output wins); a
regressor trains on y as a column when y is 1-D and gives 1-D predictions back; a
transformer's ``transform`` is the model's prediction.
"""
import numpy as np

from .models.cloning import clone_model
from .models.model import Model

try:
    import sklearn
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
except ImportError:  # the classes still exist; making one says what to install
    sklearn = None
    BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin = (
        type(name, (), {}) for name in
        ("BaseEstimator", "ClassifierMixin", "RegressorMixin", "TransformerMixin"))

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]


class _SKLearnWrapper(BaseEstimator):
    """What the three wrappers share: the model, fitting, and checked prediction."""

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        if sklearn is None:
            raise ImportError(
                f"{type(self).__name__} requires scikit-learn, which is not installed. "
                'Install it with `pip install "minikeras[sklearn]"` (or `pip install '
                'scikit-learn`).')
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags

    @property
    def epoch_(self):
        """The number of epochs the last fit ran."""
        history = getattr(self, "history_", None)
        return len(history.epoch) if history is not None else 0

    def fit(self, X, y, **kwargs):
        """Train on X (n_samples, n_features) and y; ``kwargs`` go to ``Model.fit``."""
        from sklearn.utils.validation import validate_data
        X, y = validate_data(self, X, y, multi_output=True)
        self._target_ndim = y.ndim
        y = self._encode_target(y)
        model = self._model_for(X, y)
        self.history_ = model.fit(X, y, **{**(self.fit_kwargs or {}), **kwargs})
        self.model_ = model
        return self

    def _model_for(self, X, y):
        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        if isinstance(self.model, Model):
            model = clone_model(self.model)  # compiled as the original is
        elif callable(self.model):
            model = self.model(X=X, y=y, **(self.model_kwargs or {}))
        else:
            raise TypeError(f"`model` must be a compiled keras Model or a callable returning "
                            f"one. Received: model={self.model!r}")
        if not isinstance(model, Model) or not getattr(model, "compiled", False) \
                or model.loss is None:
            raise RuntimeError(f"The model to fit must be a compiled keras Model with a loss "
                               f"and an optimizer. Received: {model!r}")
        return model

    def _raw_predict(self, X):
        from sklearn.utils.validation import check_is_fitted, validate_data
        check_is_fitted(self)
        return self.model_.predict(validate_data(self, X, reset=False), verbose=0)

    def _encode_target(self, y):
        """y as the model trains on it: 2-D (a 1-D y becomes one column)."""
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def _decode_target(self, outputs):
        if self._target_ndim == 1 and outputs.ndim == 2 and outputs.shape[1] == 1:
            return outputs[:, 0]
        return outputs


class SKLearnClassifier(ClassifierMixin, _SKLearnWrapper):
    """A compiled classification model as a scikit-learn classifier (binary or multiclass
    labels, one-hot encoded for training; see the module docstring).

    Args:
        model: a compiled Model, or a callable ``model(X=, y=, **model_kwargs)`` making one
            (y is then one-hot: ``y.shape[1]`` is the number of classes).
        warm_start: keep training the fitted model on the next ``fit``.
        model_kwargs: keyword arguments for a callable ``model``.
        fit_kwargs: keyword arguments for ``Model.fit`` (``fit``'s own take precedence).
    """

    def _encode_target(self, y):
        """y one-hot over ``classes_`` (the sorted labels seen)."""
        from sklearn.utils.multiclass import type_of_target
        kind = type_of_target(y)
        if kind not in ("binary", "multiclass"):
            raise ValueError(f"Only binary and multiclass target types are supported. Target "
                             f"type: {kind}")
        self.classes_ = np.unique(y)
        if len(self.classes_) == 1:
            raise ValueError("Classifier can't train when only one class is present.")
        labels = np.asarray(y).reshape(-1)
        return (labels[:, None] == self.classes_[None, :]).astype("float32")

    def predict(self, X):
        """The label whose output is largest, per sample (a column when y was one)."""
        outputs = self._raw_predict(X)
        labels = self.classes_[np.argmax(outputs, axis=1)]
        return labels.reshape(-1, 1) if self._target_ndim == 2 else labels

    def decision_function(self, X):
        """The model's raw outputs, one column per class."""
        return self._raw_predict(X)


class SKLearnRegressor(RegressorMixin, _SKLearnWrapper):
    """A compiled regression model as a scikit-learn regressor (see the module docstring;
    arguments as SKLearnClassifier's)."""

    def predict(self, X):
        return self._decode_target(self._raw_predict(X))


class SKLearnTransformer(TransformerMixin, _SKLearnWrapper):
    """A compiled model as a scikit-learn transformer: ``transform(X)`` is its prediction
    (see the module docstring; arguments as SKLearnClassifier's)."""

    def transform(self, X):
        return self._raw_predict(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags
