"""``keras.utils.FeatureSpace``: preprocess and encode a dict of structured (tabular) columns.

Each named feature gets a preprocessing layer (Normalization, Rescaling, Discretization,
IntegerLookup, StringLookup, Hashing, or the user's own); ``crosses`` hash pairs (or more)
of categorical features together with ``HashedCrossing``. After :meth:`FeatureSpace.adapt`
the encoded features are, per feature in sorted name order and then per cross in sorted
name order:

- ``"float"`` output: the preprocessor's output, ``(batch, 1)``;
- ``"one_hot"`` output: ``CategoryEncoding(num_tokens=cardinality, output_mode="multi_hot")``
  of the preprocessor's integer output, ``(batch, cardinality)``, where the cardinality is
  the lookup's ``vocabulary_size()`` (vocabulary plus OOV index), the number of hash bins,
  or the number of discretization bins;
- ``"int"`` output: the integer index itself (``output_mode="dict"`` only).

``output_mode="concat"`` concatenates them into one ``(batch, sum of widths)`` vector;
``"dict"`` returns them by name (a cross is named ``"a_X_b"``). The same layers run on
``keras.Input`` tensors (:meth:`get_inputs`, :meth:`get_encoded_features`: the functional
model) and on arrays (calling the FeatureSpace on a dict of columns).
"""
import itertools

import numpy as np

from .. import layers
from ..autodiff.tensor import Tensor
from ..layers.layer import Layer
from ..layers.preprocessing.preprocessing_layer import PreprocessingLayer
from ..naming import auto_name
from ..registry import Registry
from ..saving import keras_file
from ..saving.serialization import deserialize_keras_object, serialize_keras_object
from .dataset import Dataset
from .progbar import Progbar

_FEATURE_OUTPUT_MODES = ("int", "one_hot", "float")
_CROSS_OUTPUT_MODES = ("int", "one_hot")
_FEATURE_TYPES = ("float", "float_rescaled", "float_normalized", "float_discretized",
                  "integer_categorical", "string_categorical", "integer_hashed",
                  "string_hashed")
_ADAPT_BATCH_SIZE = 32  # Keras batches an unbatched dataset (or a dict of columns) by 32
_KERAS_MODULE = "keras.src.layers.preprocessing.feature_space"  # where Keras files say
# Feature and Cross live; written so that Keras can read a FeatureSpace saved here

# The classes a FeatureSpace's config names (a serialization family of their own: Feature and
# Cross are not layers, and FeatureSpace is keras.utils's, not keras.layers').
FEATURE_SPACE_OBJECTS = Registry("feature space object")


def _config_of(obj):
    """The serialized form Keras writes for a Feature or a Cross."""
    name = type(obj).__name__
    return {"module": _KERAS_MODULE, "class_name": name,
            "config": serialize_keras_object(obj.get_config()), "registered_name": name}


@FEATURE_SPACE_OBJECTS.register()
class Feature:
    """One feature of a FeatureSpace: its input dtype, its preprocessing layer, and how the
    preprocessor's output is encoded (``output_mode``: "int", "one_hot" or "float").

    Made by the ``FeatureSpace.float*`` / ``*_categorical`` / ``*_hashed`` / ``feature``
    constructors; not a layer itself.
    """

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in _FEATURE_OUTPUT_MODES:
            raise ValueError(
                "Invalid value for argument `output_mode`. Expected one of "
                f"{set(_FEATURE_OUTPUT_MODES)}. Received: output_mode={output_mode!r}")
        if isinstance(preprocessor, dict):
            preprocessor = deserialize_keras_object(preprocessor)
        if not callable(preprocessor):
            raise TypeError(
                "A Feature's `preprocessor` must be a layer (or another callable) that maps the "
                f"feature's column to its encoding. Received: {preprocessor!r} of type "
                f"{type(preprocessor).__name__}")
        self.dtype, self.preprocessor, self.output_mode = dtype, preprocessor, output_mode

    def get_config(self):
        return {"dtype": self.dtype, "preprocessor": serialize_keras_object(self.preprocessor),
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return (f"<Feature dtype={self.dtype} preprocessor={type(self.preprocessor).__name__} "
                f"output_mode={self.output_mode}>")


def _feature(kind, name, dtype, output_mode, layer_class, **layer_args):
    """A Feature whose preprocessor is ``layer_class(**layer_args)``, named
    ``<name>_preprocessor``; ``name`` defaults to a unique ``kind`` (as Keras names them)."""
    name = name or auto_name(kind)
    return Feature(dtype, layer_class(name=f"{name}_preprocessor", **layer_args), output_mode)


@FEATURE_SPACE_OBJECTS.register()
class Cross:
    """Features hashed together into ``crossing_dim`` bins (``output_mode`` "one_hot" or
    "int"); named ``"a_X_b"`` after its features."""

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in _CROSS_OUTPUT_MODES:
            raise ValueError(
                "Invalid value for argument `output_mode`. Expected one of "
                f"{set(_CROSS_OUTPUT_MODES)}. Received: output_mode={output_mode!r}")
        if isinstance(feature_names, str) or len(feature_names) < 2:
            raise ValueError(
                "A cross needs the names of at least two features, e.g. ('a', 'b'). Received: "
                f"feature_names={feature_names!r}")
        self.feature_names = tuple(feature_names)
        self.crossing_dim, self.output_mode = crossing_dim, output_mode

    @property
    def name(self):
        return "_X_".join(self.feature_names)

    def get_config(self):
        return {"feature_names": self.feature_names, "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return (f"<Cross {self.name} crossing_dim={self.crossing_dim} "
                f"output_mode={self.output_mode}>")


@FEATURE_SPACE_OBJECTS.register()
class FeatureSpace(Layer):
    """Preprocess and encode structured data given as a dict of named columns.

    Args:
        features: dict mapping each feature name to its type: a string
            (``"float"``, ``"float_rescaled"``, ``"float_normalized"``,
            ``"float_discretized"``, ``"integer_categorical"``, ``"string_categorical"``,
            ``"integer_hashed"``, ``"string_hashed"``: the constructor's defaults) or a
            ``Feature`` from ``FeatureSpace.float_normalized()`` etc.
        output_mode: ``"concat"`` (one vector per sample) or ``"dict"`` (one encoded
            feature per name).
        crosses: list of feature-name tuples, ``("a", "b")``, or ``FeatureSpace.cross(...)``.
        crossing_dim: hash bins of a cross given as a tuple (32).
        hashing_dim: bins of ``"integer_hashed"`` / ``"string_hashed"`` given by name (32).
        num_discretization_bins: bins of ``"float_discretized"`` given by name (32).
        name: the layer's name.

    Example:

    >>> fs = FeatureSpace({"age": "float_normalized", "city": "string_categorical"},
    ...                   crosses=[("age", "city")])           # doctest: +SKIP
    >>> fs.adapt({"age": ages, "city": cities})               # doctest: +SKIP
    >>> fs({"age": ages, "city": cities}).shape               # doctest: +SKIP
    """

    _keras_module = "keras.utils"  # the module Keras writes for this class in config.json

    # ---- feature constructors (Keras's names and defaults) -----------------------------------
    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode="one_hot"):
        """Hash ``feature_names`` (categorical features) together into ``crossing_dim`` bins."""
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode):
        """A feature with your own ``preprocessor`` layer (adapted by ``adapt`` when it has
        state to learn)."""
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None):
        """Float values, passed through unchanged."""
        return _feature("float", name, "float32", "float", layers.Identity)

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        """Float values times ``scale`` plus ``offset`` (a Rescaling layer)."""
        return _feature("float_rescaled", name, "float32", "float", layers.Rescaling,
                        scale=scale, offset=offset)

    @classmethod
    def float_normalized(cls, name=None):
        """Float values standardized with the adapted mean and variance (Normalization)."""
        return _feature("float_normalized", name, "float32", "float", layers.Normalization,
                        axis=-1)

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None, output_mode="one_hot",
                          name=None):
        """Float values bucketed into ``num_bins`` adapted quantile bins (Discretization)."""
        return _feature("float_discretized", name, "float32", output_mode,
                        layers.Discretization, num_bins=num_bins, bin_boundaries=bin_boundaries)

    @classmethod
    def integer_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                            name=None):
        """Integer ids indexed by an adapted vocabulary (IntegerLookup)."""
        return _feature("integer_categorical", name, "int32", output_mode,
                        layers.IntegerLookup, max_tokens=max_tokens,
                        num_oov_indices=num_oov_indices)

    @classmethod
    def string_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                           name=None):
        """Strings indexed by an adapted vocabulary (StringLookup)."""
        return _feature("string_categorical", name, "string", output_mode, layers.StringLookup,
                        max_tokens=max_tokens, num_oov_indices=num_oov_indices)

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None):
        """Strings hashed into ``num_bins`` bins (Hashing)."""
        return _feature("string_hashed", name, "string", output_mode, layers.Hashing,
                        num_bins=num_bins)

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None):
        """Integers hashed into ``num_bins`` bins (Hashing)."""
        return _feature("integer_hashed", name, "int32", output_mode, layers.Hashing,
                        num_bins=num_bins)

    # ---- construction -------------------------------------------------------------------------
    def __init__(self, features, output_mode="concat", crosses=None, crossing_dim=32,
                 hashing_dim=32, num_discretization_bins=32, name=None):
        super().__init__(name=name)
        if not features:
            raise ValueError("The `features` argument cannot be None or empty.")
        if not isinstance(features, dict):
            raise TypeError(
                "`features` must be a dict mapping feature names to feature types, e.g. "
                f"{{'age': 'float_normalized'}}. Received: {type(features).__name__}")
        if output_mode not in ("dict", "concat"):
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{{'dict', 'concat'}}. Received: output_mode={output_mode!r}")
        self.crossing_dim, self.hashing_dim = crossing_dim, hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.output_mode = output_mode
        self.features = {name: self._standardize_feature(name, value)
                         for name, value in features.items()}
        self.crosses = [self._standardize_cross(cross) for cross in crosses or ()]
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        self.inputs = {name: layers.Input(shape=(1,), dtype=feature.dtype, name=name)
                       for name, feature in self.features.items()}
        self.preprocessors = {name: f.preprocessor for name, f in self.features.items()}
        self.crossers = {cross.name: layers.HashedCrossing(cross.crossing_dim, name=cross.name)
                         for cross in self.crosses}
        self._forget_encoding()
        self._is_adapted = False

    def _forget_encoding(self):
        """Drop the encoding layers and graph, which depend on the adapted cardinalities."""
        self.encoded_features = None
        self.one_hot_encoders = {}
        self.concat = None

    def _standardize_feature(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return deserialize_keras_object(feature)
        if feature == "float_discretized":
            return self.float_discretized(num_bins=self.num_discretization_bins, name=name)
        if feature in ("integer_hashed", "string_hashed"):
            return getattr(self, feature)(self.hashing_dim, name=name)
        if feature in _FEATURE_TYPES:
            return getattr(self, feature)(name=name)
        raise ValueError(
            f"Invalid feature type for feature '{name}': {feature!r}. Expected a "
            f"FeatureSpace.<type>(...) feature or one of the names {list(_FEATURE_TYPES)}.")

    def _standardize_cross(self, cross):
        if isinstance(cross, dict):
            cross = deserialize_keras_object(cross)
        if not isinstance(cross, Cross):
            if not self.crossing_dim:
                raise ValueError(
                    "When specifying `crosses`, the argument `crossing_dim` (dimensionality "
                    "of the crossing space) should be specified as well.")
            cross = Cross(cross, crossing_dim=self.crossing_dim)
        unknown = [name for name in cross.feature_names if name not in self.features]
        if unknown:
            raise ValueError(
                "All features referenced in the `crosses` argument should be present in the "
                f"`features` dict. Received unknown features {unknown} in the cross "
                f"{cross.feature_names}; the features are {list(self.features)}.")
        return cross

    # ---- adapt ---------------------------------------------------------------------------------
    def _adaptable_names(self):
        """The features whose preprocessor has state still to learn from data."""
        return [name for name, p in self.preprocessors.items() if _needs_adapt(p)]

    def adapt(self, dataset, verbose=0):
        """Learn each preprocessor's state (vocabularies, mean/variance, bin boundaries).

        ``dataset``: a dict of columns (arrays or lists, one row per sample); or a
        ``keras.utils`` ``Dataset``, a ``PyDataset``, a generator or any iterable whose
        elements are dicts of feature columns or ``(features, labels)`` tuples, batched or
        one sample per element (then grouped by 32, as Keras batches an unbatched
        ``tf.data.Dataset``). Silent, as in Keras 3.15; ``verbose=1`` shows the progress bar
        over the batches that Keras 3.16 adds (and shows by default).
        """
        names = self._adaptable_names()
        if names:
            batches = list(self._read_batches(dataset, names, verbose))
            for name in names:
                columns = [batch[name] for batch in batches]
                self.preprocessors[name].adapt(Dataset(lambda c=columns: iter(c), len(columns)))
        self._is_adapted = True
        self._forget_encoding()
        self.get_encoded_features()
        self.built = True

    def _read_batches(self, dataset, names, verbose):
        """Yield, per batch of ``dataset``, ``{name: column of shape (batch, 1)}``."""
        batches, target = _batches_of(dataset)
        progbar = Progbar(target, unit_name="step") if verbose else None
        i = 0
        for i, batch in enumerate(batches, 1):
            yield {name: self._adapt_column(batch, name) for name in names}
            if progbar is not None:
                progbar.update(i)
        if i == 0:
            raise ValueError(f"FeatureSpace '{self.name}'.adapt() received no data (an empty "
                             "dataset). Pass at least one sample.")
        if progbar is not None and target != i:  # reaching the target already finalized
            progbar.update(i, finalize=True)

    def _adapt_column(self, batch, name):
        if name not in batch:
            raise ValueError(
                f"FeatureSpace.adapt(): the data has no feature '{name}'. Expected the "
                f"features {list(self.features)}; received {list(batch)}.")
        return _column(batch[name], self.features[name].dtype)

    # ---- the encoding: one path for keras.Input tensors and for arrays ------------------------
    def _check_if_adapted(self):
        if not self._is_adapted:
            if self._adaptable_names():
                raise ValueError("You need to call `.adapt(dataset)` on the FeatureSpace "
                                 "before you can start using it.")
            self._is_adapted = True

    def get_inputs(self):
        """The dict of ``keras.Input(shape=(1,), dtype=..., name=feature)``, one per feature."""
        self.get_encoded_features()
        return self.inputs

    def get_encoded_features(self):
        """The encoded features as KerasTensors built on :meth:`get_inputs`: one tensor
        (concat) or a dict (dict mode), to continue a functional model from."""
        self._check_if_adapted()
        if self.encoded_features is None:
            preprocessed = self._preprocess(self.inputs)
            crossed = self._cross(preprocessed)
            self._make_encoders({**preprocessed, **crossed})
            self.encoded_features = self._merge({**preprocessed, **crossed})
            self.built = True
        return self.encoded_features

    def _preprocess(self, features):
        return {name: self.preprocessors[name](features[name]) for name in self.features}

    def _cross(self, preprocessed):
        return {cross.name: self.crossers[cross.name](
            [preprocessed[name] for name in cross.feature_names]) for cross in self.crosses}

    def _output_names(self):
        """Features in sorted name order, then crosses in sorted name order (Keras's order)."""
        return sorted(self.features) + sorted(self.crosses_by_name)

    def _spec(self, name):
        return self.features[name] if name in self.features else self.crosses_by_name[name]

    def _make_encoders(self, symbolic):
        """Create the one-hot encoders (and the concat layer), checking each output's dtype
        on the symbolic tensors."""
        for name in self._output_names():
            dtype = symbolic[name].dtype
            if self._spec(name).output_mode == "one_hot":
                if not dtype.startswith(("int", "uint")):
                    raise ValueError(
                        f"Feature '{name}' has `output_mode='one_hot'`. Thus its preprocessor "
                        f"should return an integer dtype. Instead it returns a {dtype} dtype.")
                self.one_hot_encoders[name] = layers.CategoryEncoding(
                    num_tokens=self._cardinality(name), output_mode="multi_hot")
                dtype = self.one_hot_encoders[name].dtype
            if self.output_mode == "concat" and (dtype.startswith(("int", "uint"))
                                                 or dtype in ("string", "str")):
                raise ValueError(
                    f"Cannot concatenate features because feature '{name}' has not been "
                    f"encoded (it has dtype {dtype}). Consider using `output_mode='dict'`.")
        if self.output_mode == "concat":
            self.concat = layers.Concatenate(axis=-1)

    def _cardinality(self, name):
        """The number of distinct indices the preprocessor of ``name`` can output."""
        layer = self.preprocessors[name] if name in self.preprocessors else self.crossers[name]
        if isinstance(layer, (layers.IntegerLookup, layers.StringLookup)):
            return layer.vocabulary_size()
        if isinstance(layer, layers.CategoryEncoding):
            return layer.num_tokens
        if isinstance(layer, layers.Discretization):
            return layer.num_bins or len(layer.bin_boundaries) + 1
        if isinstance(layer, (layers.Hashing, layers.HashedCrossing)):
            return layer.num_bins
        raise ValueError(
            f"Feature '{name}' has `output_mode='one_hot'`. However it isn't a standard "
            "feature and the dimensionality of its output space is not known, thus it cannot "
            "be one-hot encoded. Try using `output_mode='int'`.")

    def _merge(self, encoded):
        """One-hot encode where asked, then a dict or one concatenated tensor."""
        outputs = {}
        for name in self._output_names():
            encoder = self.one_hot_encoders.get(name)
            outputs[name] = encoder(encoded[name]) if encoder is not None else encoded[name]
        if self.output_mode == "dict":
            return outputs
        return self.concat(list(outputs.values()))

    def __call__(self, data):
        """Encode a dict of columns: each value one sample (a scalar) or a batch (``(n,)`` or
        ``(n, 1)``). Returns a Tensor (concat) or a dict of Tensors, without the batch axis
        for one unbatched sample."""
        self.get_encoded_features()
        if not isinstance(data, dict):
            raise ValueError(
                "A FeatureSpace can only be called with a dict of feature columns. Received: "
                f"data of type {type(data).__name__}")
        missing = [name for name in self.features if name not in data]
        unknown = [name for name in data if name not in self.features]
        if missing or unknown:
            raise ValueError(
                f"FeatureSpace '{self.name}' expected the features {list(self.features)}. "
                f"Received: {list(data)} (missing: {missing}, unknown: {unknown}).")
        single = all(np.ndim(_array(value)) == 0 for value in data.values())
        columns = {name: _column(data[name], feature.dtype)
                   for name, feature in self.features.items()}
        preprocessed = self._preprocess(columns)
        merged = self._merge({**preprocessed, **self._cross(preprocessed)})
        if not single:
            return merged
        if self.output_mode == "concat":
            return Tensor(merged.data[0])
        return {name: Tensor(x.data[0]) if x.ndim == 2 and x.shape[0] == 1 else x
                for name, x in merged.items()}

    # ---- config and files ----------------------------------------------------------------------
    def get_config(self):
        return {"features": {name: _config_of(f) for name, f in self.features.items()},
                "output_mode": self.output_mode,
                "crosses": [_config_of(cross) for cross in self.crosses],
                "crossing_dim": self.crossing_dim, "hashing_dim": self.hashing_dim,
                "num_discretization_bins": self.num_discretization_bins}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_build_config(self):
        return {name: _build_config(f.preprocessor) for name, f in self.features.items()}

    def build_from_config(self, config):
        """Build the preprocessors a saved FeatureSpace had built (their state is then read
        from the file), and count it as adapted, as Keras does."""
        if not config:
            return
        for name, build_config in config.items():
            preprocessor = self.features[name].preprocessor
            if isinstance(preprocessor, Layer) and not preprocessor.built:
                preprocessor.build_from_config(build_config)
        self._is_adapted = True
        self.built = True

    def save(self, filepath):
        """Save to a ``.keras`` file; ``keras.saving.load_model(filepath)`` reloads it."""
        if not str(filepath).endswith(".keras"):
            raise ValueError("Invalid `filepath` argument: expected a `.keras` extension. "
                             f"Received: filepath={filepath}")
        keras_file.save_keras_file(self, str(filepath))


def _build_config(preprocessor):
    return preprocessor.get_build_config() if isinstance(preprocessor, Layer) else None


def _needs_adapt(preprocessor):
    """Whether ``preprocessor`` learns state in ``adapt`` and was not given that state."""
    adapt = getattr(type(preprocessor), "adapt", None)
    if adapt is None or adapt is PreprocessingLayer.adapt:
        return False  # Rescaling, Identity, Hashing, CategoryEncoding: nothing to learn
    if isinstance(preprocessor, layers.Normalization):
        return preprocessor.input_mean is None
    if isinstance(preprocessor, layers.Discretization):
        return preprocessor.num_bins is not None
    if isinstance(preprocessor, (layers.IntegerLookup, layers.StringLookup)):
        return not preprocessor._vocabulary_given
    if isinstance(preprocessor, layers.TextVectorization):
        return not preprocessor._lookup_layer._vocabulary_given
    return True


def _array(value):
    return value.data if isinstance(value, Tensor) else np.asarray(value)


def _column(value, dtype):
    """A feature's values as a ``(batch, 1)`` array (one sample: ``(1, 1)``); float
    features in float32."""
    array = _array(value)
    if array.ndim <= 1:
        array = array.reshape(-1, 1)
    if dtype.startswith("float") and array.dtype != dtype:
        array = array.astype(dtype)
    return array


def _features_of(element):
    """The features dict of a dataset element: the element, or ``x`` of ``(x, y[, w])``."""
    if isinstance(element, (tuple, list)) and element and isinstance(element[0], dict):
        element = element[0]
    if not isinstance(element, dict):
        raise ValueError(
            "FeatureSpace.adapt() expects elements that are dicts of feature columns (or "
            f"(features, labels) tuples). Received an element of type {type(element).__name__}"
            f": {str(element)[:100]}")
    return element


def _batches_of(dataset):
    """``(iterator over batches as dicts of arrays, number of batches or None)``.

    A dict of columns, or a source with one sample per element, is cut into batches of
    32 (a ``Dataset`` by its own ``batch(32)``, as Keras batches an unbatched
    ``tf.data.Dataset``)."""
    if isinstance(dataset, dict):
        dataset = Dataset.from_tensor_slices({k: _array(v) for k, v in dataset.items()})
    elif isinstance(dataset, (np.ndarray, Tensor, str, bytes)) or not (
            hasattr(dataset, "__iter__") or hasattr(dataset, "__getitem__")):
        raise ValueError(
            "`adapt()` can only be called on a dict of arrays/lists (one column per feature), "
            "a keras.utils Dataset, a PyDataset, or an iterable of dicts of feature batches "
            f"(or of (features, labels) tuples). Received: {type(dataset).__name__}")
    elements = (_features_of(e) for e in dataset)
    first = next(elements, None)
    if first is None:
        return iter(()), 0
    if all(np.ndim(_array(v)) > 0 for v in first.values()):
        return itertools.chain([first], elements), _length(dataset)
    if isinstance(dataset, Dataset):
        batched = dataset.batch(_ADAPT_BATCH_SIZE)
        return (_features_of(e) for e in batched), _length(batched)
    return _grouped(itertools.chain([first], elements)), None


def _grouped(samples):
    """Batches of ``_ADAPT_BATCH_SIZE`` samples (the last one smaller)."""
    while True:
        chunk = list(itertools.islice(samples, _ADAPT_BATCH_SIZE))
        if not chunk:
            return
        yield {name: np.stack([_array(s[name]) for s in chunk]) for name in chunk[0]}


def _length(dataset):
    """The number of batches of ``dataset`` when it says (for the progress bar)."""
    try:
        return len(dataset)
    except TypeError:
        return None
