"""Run once with real Keras 3 on TensorFlow (its lookups need it): adapted tf_idf lookups
saved by Keras, for tests/compat/test_tf_idf_lookup_files.py.

    KERAS_BACKEND=tensorflow /work/scratch-tf/bin/python tools/make_tf_idf_lookup_fixture.py [DIR]

Writes keras_tf_idf_text.keras (TextVectorization with bigrams into a Dense),
keras_tf_idf_string.keras (StringLookup with two OOV buckets) and keras_tf_idf.json: their
outputs on TEXTS / WORDS, and each file's members and weight datasets.
"""
import json
import os
import sys
import zipfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

ADAPT_TEXTS = ["the cat sat", "the dog sat down", "a cat", "a dog and a cat"]
TEXTS = ["the cat sat", "a dog", "unknown words only"]
ADAPT_WORDS = [["a", "b", "a"], ["a", "c", "d"]]
WORDS = [["a", "b", "zz"], ["c", "d", "d"]]


def text_model():
    layer = keras.layers.TextVectorization(max_tokens=20, ngrams=2, output_mode="tf_idf")
    layer.adapt(np.array(ADAPT_TEXTS))
    inputs = keras.Input((1,), dtype="string")
    dense = keras.layers.Dense(2, kernel_initializer=keras.initializers.Constant(0.5))
    return keras.Model(inputs, dense(layer(inputs)))


def string_model():
    # (Keras 3.15 cannot reload its own file of a tf_idf lookup with pad_to_max_tokens)
    layer = keras.layers.StringLookup(max_tokens=8, num_oov_indices=2, output_mode="tf_idf")
    layer.adapt(np.array(ADAPT_WORDS))
    return keras.Sequential([keras.Input((3,), dtype="string"), layer])


def layout(path):
    """The archive's members and the weight file's datasets (name, shape)."""
    with zipfile.ZipFile(path) as archive:
        members = sorted(archive.namelist())
        with archive.open("model.weights.h5") as f, h5py.File(f) as h5:
            datasets = []
            h5.visititems(lambda name, obj: datasets.append([name, list(obj.shape)])
                          if isinstance(obj, h5py.Dataset) else None)
    return {"members": members, "datasets": sorted(datasets)}


def main(out_dir):
    recorded = {}
    for name, build, data in (("text", text_model, [[t] for t in TEXTS]),
                              ("string", string_model, WORDS)):
        model = build()
        path = os.path.join(out_dir, f"keras_tf_idf_{name}.keras")
        model.save(path)
        keras.backend.clear_session()
        loaded = keras.saving.load_model(path)
        strings = tf.constant(data)  # Keras's numpy adapter does not take string arrays
        recorded[name] = {"predict": np.asarray(loaded(strings)).tolist(),
                          "layout": layout(path)}
    with open(os.path.join(out_dir, "keras_tf_idf.json"), "w", encoding="utf-8") as f:
        json.dump(recorded, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else FIXTURES)
