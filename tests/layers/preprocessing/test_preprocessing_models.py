"""Preprocessing layers inside models: training end to end with fit, and saving with their
state in the three file formats (.keras, legacy .h5, .weights.h5)."""
import os

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers

RNG = np.random.default_rng(0)
REVIEWS = np.array(["a good movie, great fun!", "bad and awful", "Great acting; good story",
                    "boring, bad plot", "good fun", "awful: boring and bad"] * 8)
LABELS = np.array([1, 0, 1, 0, 1, 0] * 8, dtype="float32")


def test_text_classifier_from_raw_strings_trains_in_fit():
    keras.utils.set_random_seed(0)
    vectorize = layers.TextVectorization(max_tokens=30, output_sequence_length=6)
    vectorize.adapt(REVIEWS)
    model = keras.Sequential([vectorize, layers.Embedding(30, 8),
                              layers.GlobalAveragePooling1D(),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(REVIEWS, LABELS, epochs=15, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] == 1.0
    scores = model.predict(np.array(["great good fun", "awful boring"]), verbose=0).ravel()
    assert scores[0] > 0.5 > scores[1]


def test_bag_of_words_tf_idf_model_trains():
    keras.utils.set_random_seed(1)
    vectorize = layers.TextVectorization(output_mode="tf_idf", max_tokens=40,
                                         pad_to_max_tokens=True)
    vectorize.adapt(REVIEWS)
    model = keras.Sequential([vectorize, layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.Adam(0.1), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(REVIEWS, LABELS, epochs=10, verbose=0)
    assert history.history["accuracy"][-1] == 1.0


def test_image_model_with_augmentation_trains_in_fit():
    keras.utils.set_random_seed(0)
    # bright squares in the top-left (class 0) or bottom-right (class 1) of 8x8 images
    x = RNG.uniform(0, 40, (64, 8, 8, 1)).astype("float32")
    y = np.arange(64) % 2
    for i in range(64):
        r = 4 if y[i] else 0
        x[i, r:r + 4, r:r + 4] += 200
    model = keras.Sequential([
        keras.Input((8, 8, 1)), layers.RandomTranslation(0.1, 0.1, seed=1),
        layers.RandomContrast(0.2, seed=2), layers.Rescaling(1 / 255),
        layers.Resizing(6, 6), layers.Flatten(), layers.Dense(2, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=12, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    # inference is deterministic: the augmentation layers pass images through
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))
    assert model.evaluate(x, y, verbose=0)[1] >= 0.9


def _numeric_model(**norm_kwargs):
    norm = layers.Normalization(**norm_kwargs)
    return keras.Sequential([keras.Input((4,)), norm, layers.Dense(2)]), norm


@pytest.mark.parametrize("filename", ["model.keras", "model.h5"])
def test_saved_models_keep_preprocessing_state(tmp_path, filename):
    x = RNG.normal(3, 2, (32, 4)).astype("float32")
    model, norm = _numeric_model()
    norm.adapt(x)
    lookup = layers.StringLookup(output_mode="one_hot")
    lookup.adapt(np.array(["red", "green", "blue", "green"]))
    words = keras.Sequential([lookup, layers.Dense(3)])
    words.predict(np.array(["red"]), verbose=0)
    vectorize = layers.TextVectorization(output_mode="tf_idf", ngrams=2)
    vectorize.adapt(REVIEWS)
    text = keras.Sequential([vectorize, layers.Dense(2)])
    text.predict(REVIEWS[:2], verbose=0)
    disc = layers.Discretization(num_bins=3)
    disc.adapt(x[:, 0])
    bins = keras.Sequential([keras.Input((4,)), disc, layers.Flatten()])
    nets = [(model, x), (text, REVIEWS[:6]), (bins, x)]
    if filename.endswith(".keras"):  # an adapted vocabulary is a .keras asset; a legacy .h5
        nets.append((words, np.array(["blue", "red", "pink"])))  # has none, as in Keras
    for net, data in nets:
        path = os.path.join(tmp_path, filename)
        net.save(path)
        loaded = keras.models.load_model(path, compile=False)
        np.testing.assert_allclose(loaded.predict(data, verbose=0), net.predict(data, verbose=0),
                                   rtol=1e-6)


def test_weights_file_carries_normalization_statistics(tmp_path):
    x = RNG.normal(3, 2, (32, 4)).astype("float32")
    model, norm = _numeric_model()
    norm.adapt(x)
    path = os.path.join(tmp_path, "model.weights.h5")
    model.save_weights(path)
    fresh, fresh_norm = _numeric_model()
    fresh.load_weights(path)
    np.testing.assert_allclose(fresh_norm.adapt_mean.numpy(), x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(fresh.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


def test_image_layers_round_trip_through_a_keras_file(tmp_path):
    model = keras.Sequential([keras.Input((7, 9, 3)), layers.Resizing(5, 5, "bicubic"),
                              layers.RandomFlip(seed=3), layers.RandomRotation(0.1, seed=3),
                              layers.CenterCrop(4, 4), layers.GroupNormalization(groups=3),
                              layers.Flatten(), layers.Dense(2)])
    path = os.path.join(tmp_path, "images.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    x = RNG.uniform(0, 255, (2, 7, 9, 3)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5)
    assert [type(layer).__name__ for layer in loaded.layers] == \
        [type(layer).__name__ for layer in model.layers]


@pytest.mark.parametrize("name", ["image", "numeric"])
def test_keras_written_files_with_preprocessing_layers_load(name):
    """Files saved by real Keras 3.15.1 (tools/make_preprocessing_models.py)."""
    fixtures = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures")
    io = np.load(os.path.join(fixtures, "keras_preprocessing_models_io.npz"))
    model = keras.models.load_model(os.path.join(fixtures, f"keras_preprocessing_{name}.keras"))
    x, expected = (io["images"], io["image_out"]) if name == "image" else (io["x"],
                                                                          io["numeric_out"])
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)


def test_vocabulary_in_keras_assets_folder_loads(tmp_path):
    """An adapted vocabulary is saved as Keras saves it: not in the config (``vocabulary:
    null``) but as ``assets/<layer path>/vocabulary.txt`` (again under ``_lookup_layer/``
    for TextVectorization), special tokens first; and it loads from there."""
    import json
    import zipfile
    vectorize = layers.TextVectorization(max_tokens=30, output_sequence_length=5)
    vectorize.adapt(REVIEWS)
    model = keras.Sequential([vectorize, layers.Embedding(30, 4), layers.Flatten()])
    expected = model.predict(REVIEWS[:4], verbose=0)
    path = os.path.join(tmp_path, "text.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
        for folder in ("layers/text_vectorization", "layers/text_vectorization/_lookup_layer"):
            text = archive.read(f"assets/{folder}/vocabulary.txt").decode()
            assert text.split("\n") == vectorize.get_vocabulary()
    written = next(spec["config"] for spec in config["config"]["layers"]
                   if spec["class_name"] == "TextVectorization")
    assert written["vocabulary"] is None
    loaded = keras.models.load_model(path, compile=False)
    assert loaded.layers[0].get_vocabulary() == vectorize.get_vocabulary()
    np.testing.assert_allclose(loaded.predict(REVIEWS[:4], verbose=0), expected)


def test_functional_text_model_with_a_string_input_and_object_arrays():
    keras.utils.set_random_seed(2)
    vectorize = layers.TextVectorization(max_tokens=30, output_sequence_length=6)
    vectorize.adapt(REVIEWS)
    inputs = keras.Input(shape=(1,), dtype="string")
    assert inputs.dtype == "string"
    x = layers.GlobalAveragePooling1D()(layers.Embedding(30, 8)(vectorize(inputs)))
    model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x))
    model.compile(keras.optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"])
    texts = REVIEWS.astype(object)[:, None]  # as pandas gives them
    history = model.fit(texts, LABELS, epochs=10, batch_size=8, verbose=0)
    assert history.history["accuracy"][-1] == 1.0
    with pytest.raises(ValueError, match="dtype object; expected numbers or strings"):
        model.fit(np.array([[1, "a"]], dtype=object), LABELS[:1], verbose=0)
