"""ReversibleEmbedding: Keras's numbers and file (fixture made by
tools/make_layers_coverage_fixture.py), tied weights by hand, masks, gradients, bad input."""
from pathlib import Path

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.autodiff.gradcheck import gradcheck
from tests.layers.keras_configs import assert_keras_config

FIXTURES = Path(__file__).parents[1] / "fixtures"
E = np.load(FIXTURES / "keras_layers_coverage.npz")


def test_untied_lookup_and_soft_capped_logits_match_keras():
    rev = layers.ReversibleEmbedding(6, 4, tie_weights=False, mask_zero=True,
                                     logit_soft_cap=2.0, name="reversible_embedding")
    model = keras.Sequential([keras.Input((3,), dtype="int32"), rev])
    model.load_weights(FIXTURES / "keras_reversible_embedding.weights.h5")
    np.testing.assert_array_equal(rev.embeddings.numpy(), E["rev_embeddings"])
    np.testing.assert_array_equal(rev.reverse_embeddings.numpy(), E["rev_reverse"])
    forward = rev(E["rev_ids"])
    np.testing.assert_array_equal(forward.numpy(), E["rev_forward"])
    np.testing.assert_array_equal(forward.mask, E["rev_ids"] != 0)
    logits = rev(E["rev_h"], reverse=True)
    np.testing.assert_allclose(logits.numpy(), E["rev_logits"], rtol=1e-5, atol=1e-6)
    assert logits.mask is None
    assert_keras_config(rev, E["rev_config"], ours_only=("dtype",))


def test_tied_reverse_is_the_transposed_table():
    tied = layers.ReversibleEmbedding(6, 4)
    tied.build()
    tied.set_weights([E["rev_embeddings"]])
    assert [w.name for w in tied.weights] == ["embeddings"]
    expected = E["rev_h"] @ E["rev_embeddings"].T                # by hand
    np.testing.assert_allclose(tied(E["rev_h"], reverse=True).numpy(), expected, rtol=1e-5)
    np.testing.assert_allclose(expected, E["rev_tied_logits"], rtol=1e-5, atol=1e-6)
    assert tied.compute_output_shape((None, 3, 4), reverse=True) == (None, 3, 6)
    assert tied.compute_output_shape((None, 3)) == (None, 3, 4)


def test_masks_in_a_functional_model(tmp_path, recwarn):
    ids = keras.Input((4,), dtype="int32")
    emb = layers.ReversibleEmbedding(10, 3, mask_zero=True)
    sequence = layers.LSTM(3, return_sequences=True)(emb(ids))      # masked by the lookup
    model = keras.Model(ids, emb(sequence, reverse=True))
    x = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
    out = model.predict(x, verbose=0)
    assert out.shape == (2, 4, 10)
    # the LSTM saw the mask: a masked step repeats the last kept output
    hidden = keras.Model(ids, sequence).predict(x, verbose=0)
    np.testing.assert_array_equal(hidden[0, 2], hidden[0, 1])
    assert not [w for w in recwarn if "mask" in str(w.message)]
    model.save(tmp_path / "lm.keras")
    np.testing.assert_array_equal(keras.saving.load_model(tmp_path / "lm.keras").predict(
        x, verbose=0), out)


def test_a_tied_language_model_head_trains_and_gradients_check():
    ids = keras.Input((5,), dtype="int32")
    emb = layers.ReversibleEmbedding(7, 4)
    logits = emb(layers.Dense(4)(emb(ids)), reverse=True)
    model = keras.Model(ids, logits)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = np.random.default_rng(0).integers(1, 7, (16, 5))
    history = model.fit(x, x, epochs=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    rev = layers.ReversibleEmbedding(5, 3, logit_soft_cap=1.5, dtype="float64")
    rev.build()
    h = np.random.default_rng(1).standard_normal((2, 3))
    assert gradcheck(lambda a: rev(a, reverse=True), h)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"`logit_soft_cap` must be None or a positive"):
        layers.ReversibleEmbedding(5, 3, logit_soft_cap=0)
    with pytest.raises(ValueError, match="`input_dim` must be a positive integer"):
        layers.ReversibleEmbedding(0, 3)
    rev = layers.ReversibleEmbedding(5, 3)
    with pytest.raises(ValueError, match=r"expects vectors of size output_dim=3.*\(2, 4\)"):
        rev(np.ones((2, 4), "float32"), reverse=True)


def test_symbolic_reverse_call_of_unknown_length_gives_vocabulary_logits():
    """keras-hub's CausalLM: backbone.token_embedding(hidden, reverse=True) on a graph of
    unknown sequence length (Keras 3.15.1: (None, None, 13), float32, no mask)."""
    embedding = layers.ReversibleEmbedding(13, 8, mask_zero=True)
    ids = keras.Input((None,), dtype="int32")
    hidden = embedding(ids)
    logits = embedding(keras.Input((None, 8)), reverse=True)
    assert (hidden.shape, logits.shape) == ((None, None, 8), (None, None, 13))
    assert logits.dtype == "float32" and logits._keras_mask is None
