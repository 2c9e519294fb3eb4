"""StringLookup and IntegerLookup: expected values are Keras's documented examples
(keras.layers.StringLookup / IntegerLookup docstrings) or derived by hand."""
import json
import math

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers

VOCAB = ["a", "b", "c", "d"]
DATA = np.array([["a", "c", "d"], ["d", "z", "b"]])


def test_string_lookup_known_vocabulary():
    layer = layers.StringLookup(vocabulary=VOCAB)
    out = layer(DATA)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.numpy(), [[1, 3, 4], [4, 0, 2]])
    assert layer.get_vocabulary() == ["[UNK]", "a", "b", "c", "d"]
    assert layer.get_vocabulary(include_special_tokens=False) == VOCAB
    assert layer.vocabulary_size() == 5


def test_string_lookup_adapt_orders_by_count_then_token_descending():
    layer = layers.StringLookup()
    layer.adapt(np.array([["a", "c", "d"], ["d", "z", "b"]]))
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    np.testing.assert_array_equal(layer(DATA).numpy(), [[5, 3, 1], [1, 2, 4]])
    capped = layers.StringLookup(max_tokens=3)
    capped.adapt(["x", "y", "y", "z", "z", "z"])
    assert capped.get_vocabulary() == ["[UNK]", "z", "y"]


def test_string_lookup_adapt_on_batches_and_bytes():
    layer = layers.StringLookup()
    layer.adapt(iter([np.array(["b", "a"]), np.array([b"a", b"c"], dtype=object)]))
    assert layer.get_vocabulary() == ["[UNK]", "a", "c", "b"]
    np.testing.assert_array_equal(layer(np.array([b"a", b"q"])).numpy(), [1, 0])


def test_string_lookup_oov_buckets_mask_and_modes():
    np.testing.assert_array_equal(  # Keras's docstring: "m" hashes to OOV 0, "z" to OOV 1
        layers.StringLookup(vocabulary=VOCAB, num_oov_indices=2)(
            np.array([["a", "c", "d"], ["m", "z", "b"]])).numpy(), [[2, 4, 5], [0, 1, 3]])
    masked = layers.StringLookup(vocabulary=VOCAB, mask_token="[MASK]")
    np.testing.assert_array_equal(masked(np.array([["a", "c", "d"], ["d", "[MASK]", "b"]])).numpy(),
                                  [[2, 4, 5], [5, 0, 3]])
    assert masked.get_vocabulary()[:2] == ["[MASK]", "[UNK]"]
    one_hot = layers.StringLookup(vocabulary=VOCAB, output_mode="one_hot")
    np.testing.assert_array_equal(one_hot(np.array(["a", "b", "c", "d", "z"])).numpy(),
                                  np.eye(5)[[1, 2, 3, 4, 0]])
    multi = layers.StringLookup(vocabulary=VOCAB, output_mode="multi_hot")
    np.testing.assert_array_equal(multi(np.array([["a", "c", "d", "d"], ["d", "z", "b", "z"]])).numpy(),
                                  [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]])
    count = layers.StringLookup(vocabulary=VOCAB, output_mode="count")
    np.testing.assert_array_equal(count(np.array([["a", "c", "d", "d"], ["d", "z", "b", "z"]])).numpy(),
                                  [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]])
    padded = layers.StringLookup(vocabulary=VOCAB, output_mode="multi_hot", max_tokens=8,
                                 pad_to_max_tokens=True)
    assert padded(np.array([["a"]])).shape == (1, 8)


def test_string_lookup_tf_idf_given_weights():
    layer = layers.StringLookup(output_mode="tf_idf", vocabulary=VOCAB,
                                idf_weights=[0.25, 0.75, 0.6, 0.4])
    out = layer(np.array([["a", "c", "d", "d"], ["d", "z", "b", "z"]])).numpy()
    # Keras's docstring: the OOV weight is the mean of the given weights (0.5)
    np.testing.assert_allclose(out, [[0.0, 0.25, 0.0, 0.6, 0.8], [1.0, 0.0, 0.75, 0.0, 0.4]],
                               rtol=1e-6)


def test_string_lookup_tf_idf_adapt_by_hand():
    layer = layers.StringLookup(output_mode="tf_idf")
    layer.adapt(np.array([["a", "a", "b"], ["b", "c", "c"]]))
    assert layer.get_vocabulary() == ["[UNK]", "c", "b", "a"]  # all count 2: tokens descending
    # idf = log(1 + num_docs / (1 + docs containing the token)); OOV gets their mean
    idf = [math.log(1 + 2 / 2), math.log(1 + 2 / 3), math.log(1 + 2 / 2)]
    expected = [np.mean(idf)] + idf
    np.testing.assert_allclose(layer.idf_weights, expected, rtol=1e-6)
    out = layer(np.array([["a", "a", "z"]])).numpy()
    np.testing.assert_allclose(out, [[expected[0], 0, 0, 2 * idf[2]]], rtol=1e-6)


def test_string_lookup_invert():
    layer = layers.StringLookup(vocabulary=VOCAB, invert=True)
    np.testing.assert_array_equal(layer(np.array([[1, 3, 4], [4, 0, 2]])).numpy(),
                                  [["a", "c", "d"], ["d", "[UNK]", "b"]])
    forward = layers.StringLookup(vocabulary=VOCAB)
    np.testing.assert_array_equal(layer(forward(DATA)).numpy(),
                                  [["a", "c", "d"], ["d", "[UNK]", "b"]])


def test_integer_lookup_vocabulary_oov_mask_and_invert():
    vocab = [12, 36, 1138, 42]
    data = np.array([[12, 1138, 42], [42, 1000, 36]])
    np.testing.assert_array_equal(layers.IntegerLookup(vocabulary=vocab)(data).numpy(),
                                  [[1, 3, 4], [4, 0, 2]])
    # two OOV buckets: floormod(1000, 2) = 0
    np.testing.assert_array_equal(
        layers.IntegerLookup(vocabulary=vocab, num_oov_indices=2)(data).numpy(),
        [[2, 4, 5], [5, 0, 3]])
    masked = layers.IntegerLookup(vocabulary=vocab, mask_token=0)
    np.testing.assert_array_equal(masked(np.array([[12, 0, 42]])).numpy(), [[2, 0, 5]])
    assert masked.get_vocabulary() == [0, -1, 12, 36, 1138, 42]
    inverse = layers.IntegerLookup(vocabulary=vocab, invert=True)
    np.testing.assert_array_equal(inverse(np.array([[1, 3, 4], [4, 0, 2]])).numpy(),
                                  [[12, 1138, 42], [42, -1, 36]])
    adapted = layers.IntegerLookup()
    adapted.adapt(np.array([12, 36, 36, 1138, 1138, 1138]))
    assert adapted.get_vocabulary() == [-1, 1138, 36, 12]


def test_lookups_without_oov_indices_on_symbolic_inputs():
    # num_oov_indices=0: indices start at 0 ("a" -> 0, "b" -> 1; 7 -> 0, 9 -> 1); building a
    # functional model on keras.Input must not look its shape sample up in the vocabulary
    for lookup, dtype, value, index in [
            (layers.StringLookup(vocabulary=["a", "b"], num_oov_indices=0), "string", "b", 1),
            (layers.IntegerLookup(vocabulary=[7, 9], num_oov_indices=0), "int32", 9, 1)]:
        x = layers.Input(shape=(1,), dtype=dtype)
        model = keras.Model(x, lookup(x))
        np.testing.assert_array_equal(model.predict(np.array([[value]]), verbose=0), [[index]])
    one_hot = layers.StringLookup(vocabulary=["a", "b"], num_oov_indices=0, output_mode="one_hot")
    assert one_hot(layers.Input(shape=(1,), dtype="string")).shape == (None, 2)
    with pytest.raises(ValueError, match="all inputs should be in the vocabulary"):
        one_hot(np.array([["z"]]))


def test_tf_idf_lookup_config_keeps_its_adapted_vocabulary_and_weights():
    """A tf_idf lookup keeps its adapted vocabulary and idf weights in its config
    (docs/porting.md: Keras 3.15 keeps them in a .keras file's assets and variables); the
    other modes write ``vocabulary: None`` and an asset, as Keras does."""
    layer = layers.StringLookup(num_oov_indices=2, output_mode="tf_idf")
    layer.adapt(np.array([["x", "y"], ["y", "w"]]))
    config = json.loads(json.dumps(layers.serialize(layer)))
    assert config["config"]["vocabulary"] == layer.get_vocabulary()
    rebuilt = layers.deserialize(config)
    x = np.array([["y", "q", "w"]])
    np.testing.assert_allclose(rebuilt(x).numpy(), layer(x).numpy(), rtol=1e-6)
    assert rebuilt.get_config() == layer.get_config()
    counts = layers.StringLookup(output_mode="count")
    counts.adapt(np.array([["x", "y"], ["y", "w"]]))
    assert counts.get_config()["vocabulary"] is None
    ints = layers.IntegerLookup(vocabulary=[5, 7], mask_token=0)
    assert layers.deserialize(json.loads(json.dumps(layers.serialize(ints)))).get_vocabulary() \
        == ints.get_vocabulary()


def test_lookup_bad_input():
    with pytest.raises(ValueError, match=r"repeated terms are: \[np.str_\('a'\)\]"):
        layers.StringLookup(vocabulary=["a", "b", "a"])
    with pytest.raises(ValueError, match="reserved mask token.*mask_token='m' at vocabulary index 1"):
        layers.StringLookup(vocabulary=["a", "m"], mask_token="m")
    with pytest.raises(ValueError, match="has no vocabulary yet: expected `layer.adapt"):
        layers.StringLookup()(np.array([["a"]]))
    with pytest.raises(ValueError, match="expected string inputs.*Received: dtype float"):
        layers.StringLookup(vocabulary=["a"])(np.array([[1.5]]))
    with pytest.raises(ValueError, match="expected integer inputs.*Received: dtype <U1"):
        layers.IntegerLookup(vocabulary=[1])(np.array([["a"]]))
    with pytest.raises(ValueError, match=r"found OOV values \['z'\]"):
        layers.StringLookup(vocabulary=["a"], num_oov_indices=0)(np.array(["a", "z"]))
    with pytest.raises(ValueError, match="the `idf_weights` argument must also be provided"):
        layers.StringLookup(vocabulary=["a"], output_mode="tf_idf")
    with pytest.raises(ValueError, match="must be `'int'` when `invert`"):
        layers.StringLookup(invert=True, output_mode="count")
    with pytest.raises(ValueError, match="larger than the maximum vocab size"):
        layers.StringLookup(vocabulary=["a", "b", "c"], max_tokens=3)
    with pytest.raises(ValueError, match="Cannot adapt layer"):
        layers.StringLookup(vocabulary=["a"]).adapt(["b"])
    with pytest.raises(ValueError, match="sparse=True"):
        layers.IntegerLookup(output_mode="count", sparse=True)
    with pytest.raises(ValueError, match="`salt` can only be used with `oov_method='farmhash'`"):
        layers.IntegerLookup(salt=3)
    with pytest.raises(ValueError, match="Vocabulary file .* does not exist"):
        layers.StringLookup(vocabulary="/no/such/vocabulary.txt")
