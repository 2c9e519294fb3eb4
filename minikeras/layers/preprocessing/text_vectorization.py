"""TextVectorization: raw strings to token ids or bag-of-words vectors.

Pipeline (Keras's): standardize each string (ASCII lowercasing and/or removing
``string.punctuation``, or a registered callable), split it (on whitespace, into
characters, or by a registered callable), add n-grams (joined by one space), then look the
tokens up in a StringLookup with ``mask_token=""`` (so index 0 is padding and 1 is OOV).
"""
import collections
import itertools
import string

import numpy as np

from ...registry import get_registered_name, get_registered_object
from ..layer import LAYERS
from ..keras_tensor import KerasTensor
from .lookup import LOOKUP_MODES, StringLookup
from .preprocessing_layer import (PreprocessingLayer, adapt_batches, as_array,
                                  check_output_mode, is_shape_probe, refuse_sparse,
                                  unknown_value,
                                  strings_or_probe)

STANDARDIZE_MODES = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
SPLIT_MODES = ("whitespace", "character")

# TensorFlow's strings.lower (Keras's "lower") changes ASCII letters only.
_LOWER = {ord(c): ord(c.lower()) for c in string.ascii_uppercase}
_STRIP = {ord(c): None for c in string.punctuation}
_TABLES = {"lower": _LOWER, "strip_punctuation": _STRIP,
           "lower_and_strip_punctuation": {**_LOWER, **_STRIP}}


@LAYERS.register("TextVectorization")
class TextVectorization(PreprocessingLayer):
    """Turn a batch of strings into token indices (``output_mode="int"``) or vectors.

    Args:
        max_tokens: maximum vocabulary size, including the padding (0) and OOV (1) tokens.
        standardize: "lower_and_strip_punctuation" (default), "lower", "strip_punctuation",
            None, or a callable on a numpy array of str (saved by its registered name).
        split: "whitespace" (default), "character", None (the whole string is one token),
            or a callable returning one list of tokens per string (saved by registered name).
        ngrams: None, an int n (1..n-grams) or a tuple of n-gram widths.
        output_mode: "int" (default), "multi_hot", "count", "tf_idf" or "one_hot".
        output_sequence_length: with "int", pad or truncate each row to this length
            (otherwise rows are padded to the longest in the batch).
        pad_to_max_tokens: vector modes give ``max_tokens`` entries.
        vocabulary, idf_weights: a given vocabulary (and idf weights for tf_idf); or adapt.
        encoding: text encoding of bytes inputs ("utf-8").
    """

    _accepts_strings = True

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None,
                 **kwargs):
        vocabulary_size = kwargs.pop("vocabulary_size", None)  # see StringLookup's
        kwargs.pop("has_input_vocabulary", None)
        super().__init__(name=name, **kwargs)
        refuse_sparse(self, sparse)
        if ragged:
            raise ValueError("TextVectorization(ragged=True) needs ragged tensors, which only "
                             "Keras's TensorFlow backend has. Use ragged=False (rows are "
                             "padded with 0) and `output_sequence_length` if needed.")
        if not (standardize is None or callable(standardize) or
                standardize in STANDARDIZE_MODES):
            raise unknown_value("TextVectorization", "standardize", STANDARDIZE_MODES,
                                standardize)
        if not (split is None or callable(split) or split in SPLIT_MODES):
            raise unknown_value("TextVectorization", "split", SPLIT_MODES, split)
        output_mode = check_output_mode(self, output_mode, LOOKUP_MODES)
        if not (ngrams is None or isinstance(ngrams, int) or isinstance(ngrams, (tuple, list))
                and all(isinstance(n, int) for n in ngrams)):
            raise ValueError("`ngrams` must be None, an integer, or a tuple of integers. "
                             f"Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None or
                                         isinstance(output_sequence_length, int)):
            raise ValueError("`output_sequence_length` must be either None or an integer when "
                             "`output_mode` is 'int'. Received: "
                             f"output_sequence_length={output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError("`output_sequence_length` must not be set if `output_mode` is not "
                             f"'int'. Received output_sequence_length={output_sequence_length}.")
        self.standardize, self.split = standardize, split
        self.ngrams = list(ngrams) if isinstance(ngrams, (tuple, list)) else ngrams
        self._widths = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else (
            tuple(ngrams) if ngrams else None)
        self.output_mode, self.output_sequence_length = output_mode, output_sequence_length
        self.encoding, self.sparse, self.ragged = encoding, False, False
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            encoding=encoding, name=f"{self.name}_string_lookup",
            vocabulary_size=vocabulary_size)

    # ---- text to tokens --------------------------------------------------------------------
    def _strings(self, inputs):
        """The batch as a 1-D numpy array of str, or a clear error."""
        texts = as_array(inputs)
        if texts.dtype.kind == "S":
            texts = np.char.decode(texts, self.encoding)
        elif texts.dtype.kind == "O":
            if not all(isinstance(v, (str, bytes)) for v in texts.flat):
                raise ValueError(self._not_strings(texts))
            texts = np.array([v.decode(self.encoding) if isinstance(v, bytes) else v
                              for v in texts.flat], dtype=str).reshape(texts.shape)
        elif texts.dtype.kind != "U":
            raise ValueError(self._not_strings(texts))
        if texts.ndim == 0:
            texts = texts[None]
        if texts.ndim > 1:
            if texts.shape[-1] != 1 or texts.ndim > 2:
                raise ValueError(
                    f"Layer '{self.name}' (TextVectorization) expected a batch of strings of "
                    f"shape (batch,) or (batch, 1) when splitting. Received: shape "
                    f"{texts.shape}")
            texts = texts[:, 0]
        return texts

    def _not_strings(self, texts):
        return (f"Layer '{self.name}' (TextVectorization) expected string inputs: a numpy "
                f"array of str / bytes / object strings of shape (batch,) or (batch, 1). "
                f"Received: dtype {texts.dtype}, shape {texts.shape}.")

    def _standardize(self, texts):
        if self.standardize is None:
            return texts
        if callable(self.standardize):
            return np.asarray(self.standardize(texts)).astype(str)
        table = _TABLES[self.standardize]
        return np.array([t.translate(table) for t in texts.tolist()], dtype=str)

    def _split(self, texts):
        """One list of tokens per string, n-grams appended."""
        if self.split is None:
            docs = [[t] for t in texts.tolist()]
        elif self.split == "whitespace":
            docs = [t.split() for t in texts.tolist()]
        elif self.split == "character":
            docs = [list(t) for t in texts.tolist()]
        else:
            docs = [[str(tok) for tok in doc] for doc in self.split(texts)]
        if self._widths:
            docs = [_with_ngrams(doc, self._widths) for doc in docs]
        return docs

    def tokenize(self, inputs):
        """The token lists (after standardize, split and n-grams) of a batch of strings."""
        return self._split(self._standardize(self._strings(inputs)))

    # ---- vocabulary ------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (and idf weights for tf_idf) from a batch or batches of text."""
        if self._lookup_layer._vocabulary_given:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static "
                             "vocabulary via the `vocabulary` argument.")
        counts, doc_counts, num_docs = collections.Counter(), collections.Counter(), 0
        tf_idf = self.output_mode == "tf_idf"
        for batch in adapt_batches(data, steps, sequence_is_one_batch=True, batch_size=batch_size):
            docs = self.tokenize(batch)
            counts.update(itertools.chain.from_iterable(docs))
            if tf_idf:
                doc_counts.update(itertools.chain.from_iterable(map(set, docs)))
            num_docs += len(docs)
        self._lookup_layer.adapt_counts(counts, doc_counts, num_docs)

    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights)

    def save_own_variables(self, store):
        """A tf_idf layer's idf weights, as Keras stores them here and again under the inner
        ``_lookup_layer`` (see IndexLookup.save_own_variables)."""
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store):
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path):
        """An adapted vocabulary as ``vocabulary.txt`` (Keras writes it here and again under
        the inner ``_lookup_layer``; see StringLookup.save_assets)."""
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        """A Keras ``.keras`` file's ``vocabulary.txt`` (see StringLookup.load_assets)."""
        self._lookup_layer.load_assets(dir_path)

    # ---- call ------------------------------------------------------------------------------
    def call(self, inputs):
        if self._lookup_layer._tokens is None and not is_shape_probe(inputs):
            raise ValueError(
                f"Layer '{self.name}' (TextVectorization) has no vocabulary yet: expected "
                "`layer.adapt(texts)` or a `vocabulary=` argument before calling it on data.")
        docs = self.tokenize(strings_or_probe(inputs))
        lengths = [len(d) for d in docs]
        width = max(lengths, default=0)
        if self.output_sequence_length is not None:
            width = self.output_sequence_length
        pad = 0 if self.output_mode == "int" else -1  # -1 encodes to an all-zero row
        ids = np.full((len(docs), width), pad, dtype=np.int64)
        flat = self._lookup_layer.lookup(list(itertools.chain.from_iterable(docs)))
        rows = np.repeat(np.arange(len(docs)), lengths)
        cols = np.concatenate([np.arange(n) for n in lengths]) if docs else np.zeros(0, int)
        keep = cols < width
        ids[rows[keep], cols[keep]] = flat[keep]
        if (self.split is None and self.output_mode == "int"
                and self.output_sequence_length is None and np.ndim(as_array(inputs)) == 1):
            ids = ids[:, 0]  # unsplit strings, one index each, keep the input's rank (Keras)
        return self._lookup_layer.encode(ids)

    def compute_output_spec(self, inputs):
        """Keras's symbolic output (see StringLookup.compute_output_spec)."""
        return KerasTensor(self.compute_output_shape(inputs.shape),
                           self._lookup_layer.symbolic_dtype())

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape[:1] + (self.output_sequence_length,)
        # Keras's symbolic shape: a split adds an axis of tokens, which the encoding then
        # replaces, so (None, 1) strings give (None, 1, depth) (calls give (batch, depth))
        if self.split is not None:
            input_shape += (None,)
        elif len(input_shape) <= 1:
            input_shape += (1,)
        return self._lookup_layer.compute_output_shape(input_shape)

    def get_config(self):
        lookup = self._lookup_layer.get_config()
        return {**super().get_config(), "max_tokens": lookup["max_tokens"],
                "standardize": _callable_config(self.standardize, "standardize"),
                "split": _callable_config(self.split, "split"), "ngrams": self.ngrams,
                "output_mode": self.output_mode,
                "output_sequence_length": self.output_sequence_length,
                "pad_to_max_tokens": lookup["pad_to_max_tokens"], "sparse": False,
                "ragged": False, "vocabulary": lookup["vocabulary"],
                "idf_weights": lookup["idf_weights"], "encoding": self.encoding,
                "vocabulary_size": self._lookup_layer.known_vocabulary_size()}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for arg in ("standardize", "split"):
            config[arg] = _load_callable(config.get(arg), arg)
        return cls(**config)


def _with_ngrams(tokens, widths):
    """The n-grams of each width in ``widths``, in that order, words joined by a space."""
    out = []
    for n in widths:
        out.extend(tokens if n == 1 else map(" ".join, zip(*(tokens[i:] for i in range(n)))))
    return out


def _callable_config(value, arg):
    """A mode string as is; a callable as Keras's function dict naming its registered name."""
    if not callable(value):
        return value
    name = get_registered_name(value)
    if name is None or get_registered_object(name) is not value:
        raise ValueError(
            f"TextVectorization's `{arg}` callable {value!r} is not registered, so it cannot be "
            "saved (files hold names, never code). Decorate it with "
            "@keras.saving.register_keras_serializable().")
    return {"module": getattr(value, "__module__", None), "class_name": "function",
            "config": name, "registered_name": "function"}


def _load_callable(value, arg):
    if not isinstance(value, dict):
        return value
    name = value.get("config")
    found = get_registered_object(name) if isinstance(name, str) else None
    if found is None:
        raise ValueError(
            f"TextVectorization's `{arg}` names the function {name!r}, which is not "
            "registered. Import the module that registers it with "
            "@keras.saving.register_keras_serializable() before loading.")
    return found
