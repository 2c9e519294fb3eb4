"""Make tests/fixtures/keras_layers_interchange.h5 (+ _io.npz) with real Keras 3.

The divergences tools/layers_interchange_sweep.py found, in one legacy ``.h5`` model:

* token ids with padding -> ``Embedding(mask_zero=True)``: Keras writes the mask as a
  ``NotEqual`` op node without its module (and cannot read its own file back);
* ``MultiHeadAttention`` and ``GroupQueryAttention`` called as ``layer(x, x)`` on the masked
  embeddings: Keras fills ``query_mask`` and ``value_mask`` from the inputs' masks; with no
  dropout (its fused kernel) a padded query row attends uniformly, with dropout (its softmax
  path) it attends to nothing (the output is the output projection's bias);
* ``GroupQueryAttention`` is written under its Python class name ``GroupedQueryAttention``;
* ``Pipeline``'s nested layers keep ``module`` in the legacy config.

Run once, outside the project's environment:
    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_layers_interchange_fixture.py
"""
import os

import keras
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures")
keras.utils.set_random_seed(0)
L = keras.layers

tokens = keras.Input((5,), dtype="int32", name="tokens")
image = keras.Input((3, 3, 1), name="image")
embedded = L.Embedding(6, 4, mask_zero=True, name="embed")(tokens)
fused = L.MultiHeadAttention(2, 2, name="mha")(embedded, embedded)
softmax_path = L.MultiHeadAttention(2, 2, dropout=0.1, name="mha_dropout")(embedded, embedded)
grouped = L.GroupQueryAttention(head_dim=2, num_query_heads=2, num_key_value_heads=1,
                                name="gqa")(embedded, embedded)
last = L.LSTM(3, name="lstm")(embedded)
cropped = L.Pipeline([L.Rescaling(0.5), L.CenterCrop(2, 2)], name="pipeline")(image)
model = keras.Model([tokens, image], [fused, softmax_path, grouped, last, cropped])

rng = np.random.default_rng(0)
for w in model.weights:  # biases too, so a row attending to nothing is visible
    w.assign(rng.uniform(-0.6, 0.6, tuple(w.shape)).astype("float32"))
model.save(os.path.join(OUT, "keras_layers_interchange.h5"))

ids = np.array([[5, 1, 4, 0, 0], [3, 1, 1, 4, 0]], "int32")
pixels = rng.uniform(0, 255, (2, 3, 3, 1)).astype("float32")
outputs = model.predict([ids, pixels], verbose=0)
np.savez(os.path.join(OUT, "keras_layers_interchange_io.npz"), tokens=ids, image=pixels,
         **dict(zip(["mha", "mha_dropout", "gqa", "lstm", "pipeline"], outputs)))
