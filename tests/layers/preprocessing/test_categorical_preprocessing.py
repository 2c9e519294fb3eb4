"""CategoryEncoding, Hashing and HashedCrossing; the hashes against Google's FarmHash."""
import json
import os

import numpy as np
import pytest

from minikeras import layers
from minikeras.layers.preprocessing.string_hashes import fingerprint64, siphash64

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures")


def test_fingerprint64_matches_farmhash_on_every_length_class():
    with open(os.path.join(FIXTURES, "farmhash_fingerprint64.json"), encoding="utf-8") as f:
        fixture = json.load(f)
    lengths = {len(s.encode()) for s in fixture["strings"]}
    # every code path: 0-16 (three branches), 17-32, 33-64, and the 64-byte block loop
    assert {0, 3, 5, 9, 17, 32, 34, 64} <= lengths and max(lengths) > 128
    for text, expected in zip(fixture["strings"], fixture["fingerprints"]):
        assert fingerprint64(text) == int(expected), text


def test_siphash_matches_the_reference_vector():
    # SipHash-2-4 paper, appendix A: key 00..0f, message 00..0e
    key = (int.from_bytes(bytes(range(8)), "little"), int.from_bytes(bytes(range(8, 16)), "little"))
    assert siphash64(key, bytes(range(15))) == 0xA129CA6149BE45E5


# Expected bins are the ones Keras 3 documents for Hashing (docstring and hashing_test.py).
@pytest.mark.parametrize("kwargs,data,expected", [
    (dict(num_bins=3), [["A"], ["B"], ["C"], ["D"], ["E"]], [[1], [0], [1], [1], [2]]),
    (dict(num_bins=3, mask_value=""), [["A"], ["B"], [""], ["C"], ["D"]], [[1], [1], [0], [2], [2]]),
    (dict(num_bins=3, salt=[133, 137]), [["A"], ["B"], ["C"], ["D"], ["E"]], [[1], [2], [1], [0], [2]]),
    (dict(num_bins=3, salt=133), [["A"], ["B"], ["C"], ["D"], ["E"]], [[0], [0], [2], [1], [0]]),
    (dict(num_bins=2), ["omar", "stringer", "marlo", "wire", "skywalker"], [0, 0, 1, 0, 0]),
    (dict(num_bins=3, mask_value="omar"), [["omar"], ["stringer"], ["marlo"], ["wire"],
                                           ["skywalker"]], [[0], [1], [2], [1], [1]]),
    (dict(num_bins=3), [[0], [1], [2], [3], [4]], [[1], [0], [1], [0], [2]]),
    (dict(num_bins=3), [0, 1, 2, 3, 4], [1, 0, 1, 0, 2]),
    (dict(num_bins=1), [["A"], ["B"]], [[0], [0]]),
])
def test_hashing_bins_match_keras(kwargs, data, expected):
    out = layers.Hashing(**kwargs)(data)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.numpy(), expected)


def test_hashing_output_modes():
    layer = layers.Hashing(num_bins=3, output_mode="one_hot")
    np.testing.assert_array_equal(layer(np.array([["A"], ["B"]])).numpy(), [[0, 1, 0], [1, 0, 0]])
    multi = layers.Hashing(num_bins=3, output_mode="multi_hot")
    np.testing.assert_array_equal(multi(np.array([["A", "B", "C"]])).numpy(), [[1, 1, 0]])
    count = layers.Hashing(num_bins=3, output_mode="count")
    np.testing.assert_array_equal(count(np.array([["A", "C", "E"]])).numpy(), [[0, 2, 1]])
    assert count.dtype == "float32" and count.compute_output_shape((None, 3)) == (None, 3)


def test_hashing_config_and_bad_input():
    layer = layers.Hashing(num_bins=4, salt=7, mask_value="x")
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert rebuilt.get_config() == layer.get_config() and rebuilt.salt == [7, 7]
    with pytest.raises(ValueError, match="cannot be `None` or non-positive"):
        layers.Hashing(num_bins=0)
    with pytest.raises(ValueError, match="tuple of size 2 integers"):
        layers.Hashing(num_bins=2, salt="pepper")
    with pytest.raises(ValueError, match="should be an integer type"):
        layers.Hashing(num_bins=2, dtype="float32")
    with pytest.raises(ValueError, match="sparse=True"):
        layers.Hashing(num_bins=2, output_mode="count", sparse=True)


def test_hashed_crossing_matches_keras_docs():
    feat1 = np.array(["A", "B", "A", "B", "A"])
    feat2 = np.array([101, 101, 101, 102, 102])
    np.testing.assert_array_equal(layers.HashedCrossing(num_bins=5)((feat1, feat2)).numpy(),
                                  [1, 4, 1, 1, 3])
    one_hot = layers.HashedCrossing(num_bins=5, output_mode="one_hot")((feat1, feat2)).numpy()
    np.testing.assert_array_equal(one_hot, np.eye(5)[[1, 4, 1, 1, 3]])
    column = layers.HashedCrossing(num_bins=5)((feat1[:, None], feat2[:, None])).numpy()
    np.testing.assert_array_equal(column, [[1], [4], [1], [1], [3]])


def test_hashed_crossing_bad_input():
    layer = layers.HashedCrossing(num_bins=10)
    with pytest.raises(ValueError, match="at least two inputs"):
        layer([np.array([1])])
    with pytest.raises(ValueError, match="integer or string dtype"):
        layer((np.array([1.0]), np.array([1.0])))
    with pytest.raises(ValueError, match="equal shape"):
        layer((np.array([1, 2]), np.array([1])))
    with pytest.raises(ValueError, match=r"\(batch_size, 1\)"):
        layer((np.array([[[1]]]), np.array([[[1]]])))


def test_category_encoding_modes_by_hand():
    ids = np.array([[0, 1], [0, 0], [1, 2], [3, 1]])
    multi = layers.CategoryEncoding(num_tokens=4)(ids).numpy()
    np.testing.assert_array_equal(multi, [[1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0], [0, 1, 0, 1]])
    count = layers.CategoryEncoding(num_tokens=4, output_mode="count")
    np.testing.assert_array_equal(count(ids).numpy(), [[1, 1, 0, 0], [2, 0, 0, 0],
                                                       [0, 1, 1, 0], [0, 1, 0, 1]])
    weights = np.array([[0.1, 0.2], [0.1, 0.1], [0.2, 0.3], [0.4, 0.2]])
    np.testing.assert_allclose(count(ids, count_weights=weights).numpy(),
                               [[0.1, 0.2, 0, 0], [0.2, 0, 0, 0], [0, 0.2, 0.3, 0],
                                [0, 0.2, 0, 0.4]], rtol=1e-6)
    one_hot = layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")
    np.testing.assert_array_equal(one_hot(np.array([3, 2, 0, 1])).numpy(), np.eye(4)[[3, 2, 0, 1]])
    np.testing.assert_array_equal(one_hot(np.array([[3], [2]])).numpy(), np.eye(4)[[3, 2]])
    assert one_hot.compute_output_shape((None, 1)) == (None, 4)
    assert multi.dtype == np.float32


def test_category_encoding_config_and_bad_input():
    layer = layers.CategoryEncoding(num_tokens=3, output_mode="binary")
    assert layer.output_mode == "multi_hot"
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert rebuilt.get_config() == layer.get_config()
    with pytest.raises(ValueError, match="num_tokens must be set"):
        layers.CategoryEncoding()
    with pytest.raises(ValueError, match="sparse=True.*TensorFlow backend"):
        layers.CategoryEncoding(num_tokens=3, sparse=True)
    with pytest.raises(ValueError, match=r"0 <= values < num_tokens=3\. Received values from 0 to 5"):
        layers.CategoryEncoding(num_tokens=3)(np.array([[0, 5]]))
    with pytest.raises(ValueError, match="`count_weights` is not used"):
        layers.CategoryEncoding(num_tokens=3)(np.array([[0]]), count_weights=np.ones((1, 1)))
