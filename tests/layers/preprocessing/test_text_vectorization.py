"""TextVectorization: Keras's documented examples, the standardize/split/ngram rules by hand,
configs with registered callables, and bad input."""
import json
import os
import tempfile

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers


def test_int_output_matches_keras_docstring():
    layer = layers.TextVectorization(max_tokens=5000, output_mode="int",
                                     output_sequence_length=4)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    out = layer(np.array([["foo qux bar"], ["qux baz"]]))
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.numpy(), [[4, 1, 3, 0], [1, 2, 0, 0]])
    assert layer.get_vocabulary() == ["", "[UNK]", "baz", "bar", "foo", "boom", "bada"]


def test_given_vocabulary_matches_keras_docstring():
    layer = layers.TextVectorization(max_tokens=5000, output_mode="int",
                                     output_sequence_length=4,
                                     vocabulary=["earth", "wind", "and", "fire"])
    np.testing.assert_array_equal(layer(np.array([["earth wind and also fire"]])).numpy(),
                                  [[2, 3, 4, 1]])


def test_standardize_modes_by_hand():
    text = np.array(["Hello, World! It's ÀB"])
    expected = {"lower_and_strip_punctuation": ["hello", "world", "its", "Àb"],
                "lower": ["hello,", "world!", "it's", "Àb"],  # ASCII letters only, as TF
                "strip_punctuation": ["Hello", "World", "Its", "ÀB"],
                None: ["Hello,", "World!", "It's", "ÀB"]}
    for mode, tokens in expected.items():
        layer = layers.TextVectorization(standardize=mode)
        assert layer.tokenize(text) == [tokens], mode


def test_split_modes_and_ngrams():
    char = layers.TextVectorization(split="character", standardize=None)
    assert char.tokenize(np.array(["ab c"])) == [["a", "b", " ", "c"]]
    whole = layers.TextVectorization(split=None, vocabulary=["a b", "c"])
    np.testing.assert_array_equal(whole(np.array([["a b"], ["c"], ["d"]])).numpy(),
                                  [[2], [3], [1]])
    bigrams = layers.TextVectorization(ngrams=2)
    assert bigrams.tokenize(np.array(["a b c"])) == [["a", "b", "c", "a b", "b c"]]
    only = layers.TextVectorization(ngrams=(2, 3))
    assert only.tokenize(np.array(["a b c"])) == [["a b", "b c", "a b c"]]


def test_vector_modes_and_tf_idf_by_hand():
    docs = np.array(["the cat sat", "the dog sat down", "the the cat"])
    multi = layers.TextVectorization(output_mode="multi_hot")
    multi.adapt(docs)
    vocab = multi.get_vocabulary()
    assert vocab[:3] == ["[UNK]", "the", "sat"]  # the: 4, sat: 2, cat: 2 ("sat" > "cat")
    out = multi(np.array(["the cat cat zebra"])).numpy()
    expected = np.zeros((1, len(vocab)))
    expected[0, [0, vocab.index("the"), vocab.index("cat")]] = 1
    np.testing.assert_array_equal(out, expected)
    count = layers.TextVectorization(output_mode="count", vocabulary=vocab[1:])
    np.testing.assert_array_equal(count(np.array(["cat cat the"])).numpy()[0, [1, 3]], [1, 2])
    tf_idf = layers.TextVectorization(output_mode="tf_idf")
    tf_idf.adapt(docs)
    idf_the = np.log(1 + 3 / (1 + 3))
    out = tf_idf(np.array(["the the"])).numpy()
    np.testing.assert_allclose(out[0, 1], 2 * idf_the, rtol=1e-6)
    padded = layers.TextVectorization(max_tokens=10, output_mode="count", pad_to_max_tokens=True)
    padded.adapt(docs)
    assert padded(np.array(["the"])).shape == (1, 10)


def test_max_tokens_and_sequence_length():
    layer = layers.TextVectorization(max_tokens=4, output_sequence_length=2)
    layer.adapt(np.array(["a a a b b c"]))
    assert layer.get_vocabulary() == ["", "[UNK]", "a", "b"]
    np.testing.assert_array_equal(layer(np.array(["c b a"])).numpy(), [[1, 3]])
    ragged = layers.TextVectorization(vocabulary=["a"])
    np.testing.assert_array_equal(ragged(np.array(["a", "a a a", ""])).numpy(),
                                  [[2, 0, 0], [2, 2, 2], [0, 0, 0]])


@keras.saving.register_keras_serializable(package="tv_test")
def keep_vowels(texts):
    return np.array(["".join(c for c in t if c in "aeiou -") for t in texts])


@keras.saving.register_keras_serializable(package="tv_test")
def split_on_dash(texts):
    return [t.split("-") for t in texts]


def test_documents_without_tokens_encode_to_zeros():
    # an empty document has no token to mark: all zeros in every vector mode, and a string
    # keras.Input (whose shape probe is an empty string) can be encoded symbolically; as in
    # Keras, the symbolic shape keeps the input's axis of one string (the split adds a token
    # axis the encoding replaces) while a call gives (batch, depth)
    for mode in ("multi_hot", "count"):
        layer = layers.TextVectorization(vocabulary=["a", "b"], output_mode=mode)
        np.testing.assert_array_equal(layer(np.array([[""], ["b"]])).numpy(),
                                      [[0, 0, 0], [0, 0, 1]])
        assert layer(keras.Input(shape=(1,), dtype="string")).shape == (None, 1, 3)
        assert layer(keras.Input(shape=(), dtype="string")).shape == (None, 3)


def test_registered_callables_are_saved_by_name():
    layer = layers.TextVectorization(standardize=keep_vowels, split=split_on_dash,
                                     vocabulary=["a", "ei"])
    config = json.loads(json.dumps(layers.serialize(layer)))
    assert config["config"]["standardize"]["config"] == "tv_test>keep_vowels"
    rebuilt = layers.deserialize(config)
    assert rebuilt.standardize is keep_vowels and rebuilt.split is split_on_dash
    np.testing.assert_array_equal(rebuilt(np.array(["bad-beit-x"])).numpy(), [[2, 3, 0]])
    unregistered = layers.TextVectorization(standardize=lambda t: t)
    with pytest.raises(ValueError, match="not registered, so it cannot be saved"):
        unregistered.get_config()


def test_adapted_vocabulary_is_an_asset_not_config():
    """As Keras 3.15: the config keeps the constructor's vocabulary (None after adapt) and
    the vocabulary size; save_assets / load_assets carry the adapted tokens."""
    layer = layers.TextVectorization(max_tokens=20, ngrams=2, output_sequence_length=5)
    layer.adapt(np.array(["one two three", "two three"]))
    assert layer.get_config()["vocabulary"] is None
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert rebuilt.get_config() == layer.get_config()
    with tempfile.TemporaryDirectory() as folder:
        layer.save_assets(folder)
        with open(os.path.join(folder, "vocabulary.txt"), encoding="utf-8") as f:
            assert f.read().split("\n") == layer.get_vocabulary()
        rebuilt.load_assets(folder)
    x = np.array(["three two one zero"])
    np.testing.assert_array_equal(rebuilt(x).numpy(), layer(x).numpy())


def test_bad_input():
    with pytest.raises(ValueError, match="expected string inputs.*Received: dtype float32"):
        layers.TextVectorization(vocabulary=["a"])(np.array([[1.0, 2.0]]))
    with pytest.raises(ValueError, match="has no vocabulary yet"):
        layers.TextVectorization()(np.array(["a b"]))
    with pytest.raises(ValueError, match=r"shape \(batch,\) or \(batch, 1\).*\(1, 2\)"):
        layers.TextVectorization(vocabulary=["a"])(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match="Unknown value for `standardize` argument"):
        layers.TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="Unknown value for `split` argument"):
        layers.TextVectorization(split="comma")
    with pytest.raises(ValueError, match="must not be set if `output_mode` is not 'int'"):
        layers.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="ragged=True"):
        layers.TextVectorization(ragged=True)
    given = layers.TextVectorization(vocabulary=["a"], name="tv_given")
    with pytest.raises(ValueError, match="Cannot adapt layer 'tv_given'"):
        given.adapt(["a b"])
