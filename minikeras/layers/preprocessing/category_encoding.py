"""Categorical features as numbers: CategoryEncoding (integer ids to one/multi-hot or counts),
Hashing (values to hash bins) and HashedCrossing (hash bins of feature combinations).

The hashes are Keras's (FarmHash Fingerprint64, SipHash with a salt, FingerprintCat64 for
crosses; see string_hashes.py), so a value lands in the same bin as in Keras.
"""
import numpy as np

from ... import backend
from ..layer import LAYERS
from .preprocessing_layer import (PreprocessingLayer, as_array, check_output_mode,
                                  encode_categorical, encoded_shape, refuse_sparse)
from .string_hashes import fingerprint64, fingerprint_cat64, siphash64

_ENCODINGS = ("int", "one_hot", "multi_hot", "count")


@LAYERS.register("CategoryEncoding")
class CategoryEncoding(PreprocessingLayer):
    """Encode integer ids in ``[0, num_tokens)`` as one-hot, multi-hot or count vectors.

    Args:
        num_tokens: the number of ids (the output's last size).
        output_mode: "multi_hot" (default; 1 where an id occurs in the sample), "one_hot"
            (a row per id; a trailing axis of size 1 is replaced) or "count".
        sparse: refused (minikeras has no sparse tensors).

    Call ``layer(ids, count_weights=w)`` with "count" to sum weights instead of ones.
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        refuse_sparse(self, sparse)
        self.output_mode = check_output_mode(self, output_mode, ("count", "one_hot", "multi_hot"),
                                             "Unknown arg for {arg}: {received}")
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of tokens "
                             "is not known beforehand, use the IntegerLookup layer instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        self.num_tokens, self.sparse = int(num_tokens), False

    def call(self, inputs, count_weights=None):
        if count_weights is not None and self.output_mode != "count":
            raise ValueError("`count_weights` is not used when `output_mode` is not `'count'`. "
                             f"Received `count_weights={count_weights}`.")
        ids = as_array(inputs)
        if ids.size and (ids.min() < 0 or ids.max() >= self.num_tokens):
            raise ValueError(
                f"Layer '{self.name}' (CategoryEncoding) expected input values in the range "
                f"0 <= values < num_tokens={self.num_tokens}. Received values from "
                f"{ids.min()} to {ids.max()}.")
        return encode_categorical(ids, self.output_mode, self.num_tokens, self.dtype,
                                  count_weights)

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode}


def _salt_pair(layer, salt):
    if salt is None:
        return None
    if isinstance(salt, (tuple, list)) and len(salt) == 2:
        return [int(s) for s in salt]
    if isinstance(salt, int) and not isinstance(salt, bool):
        return [salt, salt]
    raise ValueError(f"The `salt` argument for `{type(layer).__name__}` can only be a tuple of "
                     f"size 2 integers, or a single integer. Received: salt={salt}.")


def hash_to_bins(values, num_bins, salt=None):
    """Keras's bucket of each value: ``hash(str(value)) % num_bins`` (strings as UTF-8,
    integers in decimal, floats truncated to integers first). Each distinct value is hashed
    once."""
    values = as_array(values)
    if values.dtype.kind == "f":
        values = values.astype(np.int64)
    uniques, inverse = np.unique(values, return_inverse=True)
    if salt is None:
        hashed = [fingerprint64(_text(v)) for v in uniques.tolist()]
    else:
        hashed = [siphash64(salt, _text(v)) for v in uniques.tolist()]
    bins = np.array([h % num_bins for h in hashed], dtype=np.int64)
    return bins[inverse].reshape(values.shape)


def _text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


@LAYERS.register("Hashing")
class Hashing(PreprocessingLayer):
    """Hash strings or integers into ``num_bins`` bins (FarmHash64, as Keras).

    Args:
        num_bins: number of bins, including the mask bin when ``mask_value`` is set.
        mask_value: a value mapped to bin 0 (the others then use bins 1..num_bins-1).
        salt: an int or a pair of ints: use SipHash64 keyed by them instead of FarmHash.
        output_mode: "int" (default), "one_hot", "multi_hot" or "count".
        sparse: refused.
    """

    _accepts_strings = True

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else backend.floatx()
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError("The `num_bins` for `Hashing` cannot be `None` or non-positive "
                             f"values. Received: num_bins={num_bins}.")
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError('When `output_mode="int"`, `dtype` should be an integer type, '
                             f"'int32' or 'int64'. Received: dtype={self.dtype}")
        self.output_mode = check_output_mode(
            self, output_mode, _ENCODINGS, "Invalid value for argument `{arg}`. Expected one "
            "of {allowed}. Received: {arg}={received}")
        refuse_sparse(self, sparse)
        self.num_bins, self.mask_value, self.sparse = int(num_bins), mask_value, False
        self.salt = _salt_pair(self, salt)
        self.strong_hash = self.salt is not None

    def call(self, inputs):
        values = as_array(inputs)
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values[..., 0]
        if self.mask_value is None or self.num_bins == 1:
            bins = hash_to_bins(values, self.num_bins, self.salt)
        else:
            bins = hash_to_bins(values, self.num_bins - 1, self.salt) + 1
            bins[values == self.mask_value] = 0
        return encode_categorical(bins, self.output_mode, self.num_bins, self.dtype)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        return tuple(input_shape[:-1]) + (self.num_bins,) if input_shape else (self.num_bins,)

    def get_config(self):
        return {**super().get_config(), "num_bins": self.num_bins, "salt": self.salt,
                "mask_value": self.mask_value, "output_mode": self.output_mode,
                "sparse": self.sparse}


_CROSS_HASH_KEY = 0xDECAFCAFFE  # tf.sparse.cross_hashed's default hash key


@LAYERS.register("HashedCrossing")
class HashedCrossing(PreprocessingLayer):
    """Hash the combination of two or more categorical features into ``num_bins`` bins.

    For each sample, ``h = FingerprintCat64(...FingerprintCat64(key, f1)..., fn) % num_bins``
    where a string feature contributes its Fingerprint64 and an integer feature its value
    (TensorFlow's ``sparse.cross_hashed``, so the bins match Keras's).

    Args:
        num_bins: number of bins. output_mode: "int" (default) or "one_hot".
        sparse: refused.
    """

    _accepts_strings = True

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None,
                 **kwargs):
        if dtype is None:
            dtype = "int64" if output_mode == "int" else backend.floatx()
        super().__init__(name=name, dtype=dtype, **kwargs)
        self.output_mode = check_output_mode(self, output_mode, ("int", "one_hot"))
        refuse_sparse(self, sparse)
        self.num_bins, self.sparse = int(num_bins), False

    def call(self, inputs):
        features = self._check_features(inputs)
        shape = features[0].shape
        hashed = np.full(features[0].size, _CROSS_HASH_KEY, dtype=object)
        for feature in features:
            flat = feature.reshape(-1)
            if flat.dtype.kind in "US":
                uniques, inverse = np.unique(flat, return_inverse=True)
                codes = np.array([fingerprint64(_text(v)) for v in uniques.tolist()],
                                 dtype=object)[inverse]
            else:
                codes = [int(v) & ((1 << 64) - 1) for v in flat.tolist()]
            hashed = np.array([fingerprint_cat64(h, c) for h, c in zip(hashed, codes)],
                              dtype=object)
        bins = np.array([h % self.num_bins for h in hashed], dtype=np.int64).reshape(shape)
        return encode_categorical(bins, self.output_mode, self.num_bins, self.dtype)

    def _check_features(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            shown = tuple(as_array(x) for x in inputs) if isinstance(inputs, (list, tuple)) \
                else as_array(inputs)
            raise ValueError("`HashedCrossing` should be called on at least two inputs. "
                             f"Received: inputs={shown!r}")
        features = [_strings_as_str(as_array(x)) for x in inputs]
        if any(f.shape != features[0].shape for f in features):
            raise ValueError("All `HashedCrossing` inputs should have equal shape. Received: "
                             f"shapes {[f.shape for f in features]}")
        if features[0].ndim > 2 or (features[0].ndim == 2 and features[0].shape[-1] != 1):
            raise ValueError(
                "All `HashedCrossing` inputs should have shape `()`, `(batch_size)` or "
                f"`(batch_size, 1)`. Received: shape {features[0].shape}")
        for f in features:
            if f.dtype.kind not in "iuUS":
                raise ValueError("All `HashedCrossing` inputs should have an integer or string "
                                 f"dtype. Received: dtype {f.dtype}")
        return features

    def compute_output_shape(self, input_shape):
        first = tuple(input_shape[0])
        if self.output_mode == "int":
            return first
        if first and first[-1] == 1:
            first = first[:-1]
        return first + (self.num_bins,)

    def get_config(self):
        # Keras 3.15 writes these five keys only, the dtype as its name
        return {"name": self.name, "dtype": self.dtype, "num_bins": self.num_bins,
                "output_mode": self.output_mode, "sparse": self.sparse}


def _strings_as_str(feature):
    """An object array of Python strings (a pandas column) as a numpy str array."""
    if feature.dtype.kind == "O" and feature.size and all(
            isinstance(v, (str, bytes)) for v in feature.flat):
        return np.array([_text(v) for v in feature.flat], dtype=str).reshape(feature.shape)
    return feature
