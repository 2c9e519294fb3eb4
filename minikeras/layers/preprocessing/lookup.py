"""Vocabulary lookups: StringLookup and IntegerLookup map tokens to indices (or back).

Index layout (Keras's): ``[mask] [oov] * num_oov_indices [vocabulary...]``. The mask index
0 exists only with a ``mask_token`` and ``output_mode="int"``. ``adapt`` orders tokens by
count, ties by the token itself, both descending, as Keras does. A vocabulary list given to
the constructor is saved in the layer's config; an adapted one, or one read from a file
(config ``vocabulary: None``), in
the ``.keras`` file's ``assets/<layer path>/vocabulary.txt``, one token per line, special
tokens first, as Keras 3.15 writes it. The encodings one_hot / multi_hot / count are int64
(Keras's lookups count in integers), tf_idf float32.
"""
import collections
import heapq
import os

import numpy as np

from ... import backend
from ...autodiff.tensor import Tensor
from ..layer import LAYERS
from ..keras_tensor import KerasTensor
from .preprocessing_layer import (PreprocessingLayer, adapt_batches, as_array,
                                  check_output_mode, encode_categorical, is_shape_probe,
                                  refuse_sparse, strings_or_probe)
from .string_hashes import fingerprint64, siphash64

LOOKUP_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


class IndexLookup(PreprocessingLayer):
    """The shared machinery of StringLookup and IntegerLookup (not a Keras public name)."""

    _accepts_strings = True

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, **kwargs):
        # Keras's config records the size: until the vocabulary arrives (a .keras file's
        # assets load after the model is rebuilt from its config) it sets the encodings' width
        self._frozen_vocabulary_size = kwargs.pop("vocabulary_size", None)
        kwargs.pop("has_input_vocabulary", None)
        kwargs.pop("dtype", None)
        super().__init__(**kwargs)
        name = type(self).__name__
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If `max_tokens` is set for `{name}`, it must be greater than 1. "
                             f"Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError("If pad_to_max_tokens is True, must set `max_tokens`. Received: "
                             f"max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"`num_oov_indices` must be greater than or equal to 0. "
                             f"Received: num_oov_indices={num_oov_indices}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"Invalid value for argument `oov_method` of {name}. Expected one "
                             f"of ('floormod', 'farmhash'). Received: oov_method={oov_method!r}")
        self.output_mode = check_output_mode(self, output_mode, LOOKUP_MODES)
        if invert and self.output_mode != "int":
            raise ValueError("`output_mode` must be `'int'` when `invert` is true. Received: "
                             f"output_mode={output_mode}")
        refuse_sparse(self, sparse)
        if idf_weights is not None and self.output_mode != "tf_idf":
            raise ValueError("`idf_weights` should only be set if `output_mode` is "
                             f"`'tf_idf'`. Received: idf_weights={idf_weights} and "
                             f"output_mode={output_mode}")
        self.max_tokens, self.num_oov_indices = max_tokens, int(num_oov_indices)
        self.mask_token, self.oov_token = mask_token, oov_token
        self.invert, self.sparse = bool(invert), False
        self.pad_to_max_tokens, self.oov_method = bool(pad_to_max_tokens), oov_method
        self.salt = None if salt is None else (list(salt) if isinstance(salt, (list, tuple))
                                               else [int(salt), int(salt)])
        self._tokens = None   # the vocabulary without special tokens, once known
        self._index = {}      # token -> index
        self.idf_weights = None
        self._vocabulary_given = vocabulary is not None
        # a list goes into the config as given (with any special tokens it holds, and its
        # idf weights), as Keras's does; a file's tokens, like adapted ones, into the assets
        in_config = self._vocabulary_given and not isinstance(vocabulary, (str, os.PathLike))
        self._config_vocabulary = as_array(vocabulary).tolist() if in_config else None
        self._config_idf = None if idf_weights is None else np.asarray(idf_weights).tolist()
        self._stored_idf = None  # a file's idf weights until its vocabulary.txt arrives
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # ---- vocabulary ----------------------------------------------------------------------
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self):
        """Size of the vocabulary including the mask and OOV indices."""
        return len(self._tokens or ()) + self._token_start_index()

    def known_vocabulary_size(self):
        """``vocabulary_size()``, or before the vocabulary arrives the size a config gave."""
        if self._tokens is None and self._frozen_vocabulary_size is not None:
            return self._frozen_vocabulary_size
        return self.vocabulary_size()

    def encoding_depth(self):
        """The width of the one_hot / multi_hot / count / tf_idf encodings."""
        return self.max_tokens if self.pad_to_max_tokens else self.known_vocabulary_size()

    def get_vocabulary(self, include_special_tokens=True):
        """The tokens in index order (with the mask and OOV tokens unless told otherwise)."""
        special = [self.oov_token] * self._token_start_index()
        if self._oov_start_index():
            special[0] = self.mask_token
        vocab = special + list(self._tokens or ())
        return vocab if include_special_tokens else vocab[self._token_start_index():]

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (a list, 1-D array, or a text file with one token per line)."""
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError("When specifying the `vocabulary` argument, in TF-IDF output "
                             "mode, the `idf_weights` argument must also be provided.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError("`idf_weights` should only be set if output_mode is `'tf_idf'`. "
                             f"Received: output_mode={self.output_mode} and "
                             f"idf_weights={idf_weights}")
        if isinstance(vocabulary, (str, os.PathLike)):
            vocabulary = self._read_vocabulary_file(vocabulary)
        tokens = [self._to_token(v) for v in as_array(vocabulary).reshape(-1).tolist()]
        if not tokens:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={tokens}")
        start = self._token_start_index()
        if tokens[:start] == self.get_vocabulary()[:start] and len(tokens) > start:
            tokens, has_special = tokens[start:], True  # special tokens already in front
        else:
            has_special = False
        self._check_tokens(tokens, start)
        self._tokens = tokens
        self._index = {token: start + i for i, token in enumerate(tokens)}
        if self.output_mode == "tf_idf":
            self.idf_weights = self._pad_idf(np.asarray(idf_weights, dtype=backend.floatx()),
                                             len(tokens) + (start if has_special else 0),
                                             0 if has_special else start)

    def _check_tokens(self, tokens, start):
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError(f"The passed vocabulary has at least one repeated term. Please "
                             f"uniquify your dataset. The repeated terms are: "
                             f"{list(np.array(repeated))}")  # numpy scalars, as Keras lists them
        if self.mask_token is not None and self.mask_token in tokens:
            raise ValueError(
                f"Found reserved mask token at unexpected location in `vocabulary`. Note that "
                f"passed `vocabulary` does not need to include the OOV and mask tokens. Either "
                f"remove all mask and OOV tokens, or include them only at the start of the "
                f"vocabulary in precisely this order: {self.get_vocabulary()[:start]}. "
                f"Received: mask_token={self.mask_token!r} at vocabulary index "
                f"{tokens.index(self.mask_token)}")
        if self.invert and self.oov_token is not None and self.oov_token in tokens:
            raise ValueError(
                f"Found reserved OOV token at unexpected location in `vocabulary`. Note that "
                f"passed `vocabulary` does not need to include the OOV and mask tokens. "
                f"Received: oov_token={self.oov_token!r} at vocabulary index "
                f"{tokens.index(self.oov_token)}")
        if self.max_tokens is not None and start + len(tokens) > self.max_tokens:
            raise ValueError(
                f"Attempted to set a vocabulary larger than the maximum vocab size. Received "
                f"vocabulary size is {start + len(tokens)}; `max_tokens` is {self.max_tokens}.")

    def _pad_idf(self, idf, expected, front):
        if idf.ndim != 1 or idf.shape[0] != expected:
            raise ValueError(
                f"`idf_weights` must be a 1-D array of the vocabulary's length ({expected}). "
                f"Received: idf_weights of shape {idf.shape}")
        back = self.max_tokens - front - idf.size if self.pad_to_max_tokens else 0
        return np.pad(idf, (front, back), constant_values=(
            idf.mean() if front else 0, 0)).astype(backend.floatx())

    def _read_vocabulary_file(self, path):
        if not os.path.exists(path):
            raise ValueError(f"Vocabulary file {path} does not exist.")
        with open(path, encoding="utf-8") as f:
            return self._read_lines(f.read())

    def save_own_variables(self, store):
        """Keras's layout: a tf_idf lookup stores its idf weights (padded as the encoding
        uses them) under the key ``idf_weights``; other modes store nothing."""
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            store["idf_weights"] = self.idf_weights

    def load_own_variables(self, store):
        """The idf weights :meth:`save_own_variables` stored: they replace the given ones, or
        wait for the vocabulary of an adapted layer (``load_assets``)."""
        if self.output_mode != "tf_idf" or "idf_weights" not in store:
            return
        idf = np.asarray(store["idf_weights"])
        if idf.ndim != 1 or idf.dtype.kind != "f":
            raise ValueError(f"Layer '{self.name}': the stored idf_weights must be a 1-D float "
                             f"array; the file holds shape {idf.shape} of {idf.dtype}.")
        if self._tokens is None:
            self._stored_idf = idf.astype(backend.floatx())
        elif self.idf_weights is not None and idf.shape != self.idf_weights.shape:
            raise ValueError(f"Layer '{self.name}': the stored idf_weights have shape "
                             f"{idf.shape}; the vocabulary needs {self.idf_weights.shape}.")
        else:
            self.idf_weights = idf.astype(backend.floatx())

    def save_assets(self, dir_path):
        """Write an adapted vocabulary (or one read from a file) to
        ``dir_path/vocabulary.txt`` with its special tokens first, as Keras does (a given
        list is in the config already)."""
        if self._tokens is None or self._config_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(token) for token in self.get_vocabulary()))

    def load_assets(self, dir_path):
        """Take the vocabulary from a ``.keras`` file's ``vocabulary.txt`` (an adapted
        vocabulary, one token per line, special tokens first; for tf_idf with the idf weights
        ``load_own_variables`` kept) when the config did not carry one. ``dir_path`` is the
        folder holding this layer's assets."""
        path = os.path.join(dir_path, "vocabulary.txt")
        if self._tokens is not None or not os.path.isfile(path):
            return
        with open(path, "rb") as f:
            lines = [self._to_token(line) for line in self._read_lines(f.read().decode("utf-8"))]
        if self.output_mode != "tf_idf":
            self.set_vocabulary(lines)
            return
        if self._stored_idf is None or self._stored_idf.size < len(lines):
            raise ValueError(f"Layer '{self.name}': the file holds a tf_idf vocabulary of "
                             f"{len(lines)} entries but not their idf_weights.")
        self.set_vocabulary(lines, self._stored_idf[:len(lines)])
        self._stored_idf = None

    @staticmethod
    def _read_lines(text):
        lines = text.splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        return lines

    # ---- adapt ---------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (and document frequencies for tf_idf) from ``data``."""
        counts, doc_counts, num_docs = collections.Counter(), collections.Counter(), 0
        for batch in adapt_batches(data, steps, sequence_is_one_batch=True, batch_size=batch_size):
            if batch.ndim <= 1 and not isinstance(data, (list, tuple, np.ndarray)):
                batch = batch.reshape(1, -1)  # a yielded 1-D batch is one document
            counts, docs = self._count(batch, counts, doc_counts)
            num_docs += docs
        self.adapt_counts(counts, doc_counts, num_docs)

    def _count(self, batch, counts, doc_counts):
        """Add a batch's token counts (and per-document presence) to the running counters."""
        tokens = self._tokens_array(batch)
        docs = tokens.reshape(tokens.shape[0], -1) if tokens.ndim > 1 else tokens[:, None]
        uniques, n = np.unique(docs, return_counts=True)
        counts.update(dict(zip((self._to_token(u) for u in uniques.tolist()), n.tolist())))
        if self.output_mode == "tf_idf":
            for row in docs:
                doc_counts.update(self._to_token(u) for u in np.unique(row).tolist())
        return counts, docs.shape[0]

    def adapt_counts(self, counts, doc_counts, num_docs):
        """Set the vocabulary from token counts: most frequent first, ties high to low."""
        if self._tokens is not None and self._vocabulary_given:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static "
                             "vocabulary via `vocabulary` argument or `set_vocabulary()`.")
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        if self.max_tokens:  # the most frequent only: a heap, O(n log k) instead of a sort
            ordered = heapq.nlargest(self.max_tokens - self._token_start_index(),
                                     counts.items(), key=lambda kv: (kv[1], kv[0]))
        else:
            ordered = sorted(counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
        tokens = [token for token, _ in ordered]
        start = self._token_start_index()
        self._tokens = tokens
        self._index = {token: start + i for i, token in enumerate(tokens)}
        if self.output_mode == "tf_idf":
            df = np.array([doc_counts[t] for t in tokens], dtype=np.float64)
            idf = np.log(1 + num_docs / (1 + df)).astype(backend.floatx())
            self.idf_weights = self._pad_idf(idf, len(tokens), start)

    # ---- call ----------------------------------------------------------------------------
    def call(self, inputs):
        probe = is_shape_probe(inputs)
        if self._tokens is None and not probe:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) has no vocabulary yet: expected "
                "`layer.adapt(data)`, a `vocabulary=` argument or `set_vocabulary()` before "
                "calling it on data.")
        if self.invert:
            return self._invert(as_array(inputs))
        tokens = self._tokens_array(as_array(inputs))
        if probe and self.num_oov_indices == 0:  # model building's sample only shows shapes;
            return self.encode(np.zeros(tokens.shape, np.int64))  # it need not be in the vocab
        return self.encode(self.lookup(tokens))

    def encode(self, indices):
        """Indices in this layer's ``output_mode`` (tf_idf: counts times the idf weights)."""
        if self.output_mode == "int":
            return encode_categorical(indices, "int", None, "int64")
        depth = self.encoding_depth()
        if self.output_mode != "tf_idf":
            return encode_categorical(indices, self.output_mode, depth, "int64")
        counts = encode_categorical(indices, "count", depth, backend.floatx())
        idf = self.idf_weights if self.idf_weights is not None else np.zeros(depth)
        return counts * idf.astype(backend.floatx())

    def lookup(self, tokens):
        """Indices of tokens (an array, or a flat list): vocabulary, mask and OOV rules.

        Each distinct token is resolved once; tokens are grouped with a dict (hashing)
        rather than np.unique (sorting), which is several times faster on strings.
        """
        shape = (len(tokens),) if isinstance(tokens, list) else np.shape(tokens)
        flat = tokens if isinstance(tokens, list) else np.asarray(tokens).reshape(-1).tolist()
        unique_tokens = list(dict.fromkeys(flat))
        found = np.array([self._index.get(t, -1) for t in unique_tokens], dtype=np.int64)
        missing = found == -1
        if self.mask_token is not None:
            is_mask = np.array([t == self.mask_token for t in unique_tokens], dtype=bool)
            found[is_mask] = 0 if self.output_mode == "int" else -2
            missing &= ~is_mask
        if missing.any():
            found[missing] = self._oov_indices([t for t, m in zip(unique_tokens, missing) if m])
        found[found == -2] = -1  # a mask outside int mode encodes to an all-zero row
        index = dict(zip(unique_tokens, found.tolist()))
        return np.array([index[t] for t in flat], dtype=np.int64).reshape(shape)

    def _oov_indices(self, tokens):
        start = self._oov_start_index()
        n = self.num_oov_indices
        if n == 0:
            raise ValueError(
                f"Layer '{self.name}': when `num_oov_indices=0` all inputs should be in the "
                f"vocabulary; found OOV values {tokens[:10]}. Consider setting "
                "`num_oov_indices=1`.")
        if n == 1:
            return start
        if isinstance(tokens[0], int) and self.oov_method == "floormod":
            return [start + t % n for t in tokens]
        hashed = [siphash64(self.salt, str(t)) if self.salt else fingerprint64(str(t))
                  for t in tokens]
        return [start + h % n for h in hashed]

    def _invert(self, indices):
        vocab = np.array(self.get_vocabulary(), dtype=object)
        idx = indices.astype(np.int64)
        valid = (idx >= 0) & (idx < vocab.size)
        out = np.full(idx.shape, self.oov_token, dtype=object)
        out[valid] = vocab[idx[valid]]
        if self.mask_token is not None:
            out[idx == 0] = self.mask_token
        return Tensor(self._output_tokens(out))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = self.encoding_depth()
        if self.output_mode == "one_hot":
            if len(input_shape) > 1 and input_shape[-1] == 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    def compute_output_spec(self, inputs):
        """Keras's symbolic output: int64 indices (the tokens back with ``invert``), the
        encodings in the layer's float dtype (an eager call counts in int64, as Keras's
        does; the graph and the files record the float dtype)."""
        return KerasTensor(self.compute_output_shape(inputs.shape), self.symbolic_dtype())

    def symbolic_dtype(self):
        if self.output_mode != "int":
            return self.compute_dtype
        return self._token_dtype if self.invert else "int64"

    def get_build_config(self):
        """Keras's lookups are built at construction and record an empty build config."""
        return {}

    def get_config(self):
        vocabulary, idf = self._config_vocabulary, self._config_idf
        if vocabulary is None and self.output_mode == "tf_idf" and self._tokens is not None:
            # adapted tf_idf: the vocabulary and its idf weights in the config too, so a
            # legacy .h5 file (no assets) keeps them (docs/porting.md)
            vocabulary = self.get_vocabulary()
            idf = self.idf_weights[:self.vocabulary_size()].tolist()
        return {**super().get_config(), "invert": self.invert, "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
                "mask_token": self.mask_token, "output_mode": self.output_mode,
                "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
                "vocabulary": vocabulary, "idf_weights": idf,
                "vocabulary_size": self.known_vocabulary_size(), "oov_method": self.oov_method,
                "salt": self.salt}


@LAYERS.register("StringLookup")
class StringLookup(IndexLookup):
    """Map strings to integer indices (or, with ``invert=True``, indices to strings).

    Args:
        max_tokens: maximum vocabulary size including the mask and OOV indices.
        num_oov_indices: buckets for out-of-vocabulary strings (1; hashed when > 1).
        mask_token: a string mapped to index 0 (None: no mask). oov_token: "[UNK]".
        vocabulary: a list / array of strings or a file path; or call ``adapt``.
        idf_weights: with output_mode "tf_idf", one weight per vocabulary entry.
        output_mode: "int", "one_hot", "multi_hot", "count" or "tf_idf".
        pad_to_max_tokens: encodings have ``max_tokens`` entries.
        encoding: text encoding of bytes inputs ("utf-8").
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None, salt=None,
                 **kwargs):
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name,
                         salt=salt, **kwargs)

    def _to_token(self, value):
        return value.decode(self.encoding) if isinstance(value, bytes) else value

    def _tokens_array(self, values):
        values = strings_or_probe(values)
        if values.dtype.kind == "S":
            return np.char.decode(values, self.encoding)
        if values.dtype.kind == "O" and all(isinstance(v, (str, bytes)) for v in values.flat):
            return np.array([self._to_token(v) for v in values.flat],
                            dtype=str).reshape(values.shape)
        if values.dtype.kind != "U":
            raise ValueError(
                f"Layer '{self.name}' (StringLookup) expected string inputs (a numpy array of "
                f"str, bytes or object strings). Received: dtype {values.dtype}. Use "
                "IntegerLookup for integer ids.")
        return values

    _token_dtype = "string"

    def _output_tokens(self, tokens):
        return tokens.astype(str)

    def get_config(self):
        return {**super().get_config(), "encoding": self.encoding}


@LAYERS.register("IntegerLookup")
class IntegerLookup(IndexLookup):
    """Map integer ids to contiguous indices (or, with ``invert=True``, indices to ids).

    Args as StringLookup, with ``oov_token=-1``; ``oov_method`` "floormod" (default: an OOV
    id ``v`` goes to bucket ``v % num_oov_indices``) or "farmhash"; ``vocabulary_dtype``
    must be "int64".
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", salt=None, name=None, **kwargs):
        if vocabulary_dtype != "int64":
            raise ValueError("Only `vocabulary_dtype='int64'` is supported at this time. "
                             f"Received: vocabulary_dtype={vocabulary_dtype}")
        if salt is not None and oov_method != "farmhash":
            raise ValueError("`salt` can only be used with `oov_method='farmhash'` for "
                             f"IntegerLookup. Received: oov_method={oov_method!r}")
        self.vocabulary_dtype = vocabulary_dtype
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=None if mask_token is None else int(mask_token),
                         oov_token=None if oov_token is None else int(oov_token),
                         vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, oov_method=oov_method,
                         salt=salt, name=name, **kwargs)

    def _to_token(self, value):
        return int(value)  # also parses the lines of a vocabulary file

    def _tokens_array(self, values):
        values = as_array(values)
        if values.dtype.kind not in "iuf":  # floats are cast (truncated), as Keras does
            raise ValueError(
                f"Layer '{self.name}' (IntegerLookup) expected integer inputs. Received: dtype "
                f"{values.dtype}. Use StringLookup for strings.")
        return values.astype(np.int64)

    _token_dtype = "int64"

    def _output_tokens(self, tokens):
        return tokens.astype(np.int64)

    def get_config(self):
        return {**super().get_config(), "vocabulary_dtype": self.vocabulary_dtype}
