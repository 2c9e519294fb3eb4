"""Make tests/fixtures/keras_new_layers_model.keras (+ _io.npz) with real Keras 3: one
functional model through STFTSpectrogram, GroupQueryAttention, AdaptiveAveragePooling1D,
AdaptiveMaxPooling1D and SpectralNormalization(Dense), and one through ReversibleEmbedding
both ways; their inputs and predictions.

Run once, outside the project's environment:
    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_new_layers_model_fixture.py
"""
import os

import keras
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures")
keras.utils.set_random_seed(0)
L = keras.layers

signal = keras.Input((16, 2), name="signal")
spectrum = L.STFTSpectrogram(mode="magnitude", frame_length=4, frame_step=2)(signal)
attended = L.GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=2,
                                 use_gate=True)(spectrum, spectrum, use_causal_mask=True)
pooled = L.Concatenate()([L.AdaptiveAveragePooling1D(3)(attended),
                          L.AdaptiveMaxPooling1D(3)(attended)])
out = L.SpectralNormalization(L.Dense(2))(L.Flatten()(pooled))
model = keras.Model(signal, out)

ids = keras.Input((5,), dtype="int32", name="ids")
embedding = L.ReversibleEmbedding(12, 4, mask_zero=True, tie_weights=False,
                                  logit_soft_cap=3.0)
logits = embedding(L.Dense(4, activation="tanh")(embedding(ids)), reverse=True)
lm = keras.Model(ids, logits)

rng = np.random.default_rng(0)
x = rng.standard_normal((3, 16, 2)).astype("float32")
tokens = rng.integers(0, 12, (3, 5)).astype("int32")
model.save(os.path.join(OUT, "keras_new_layers_model.keras"))
lm.save(os.path.join(OUT, "keras_reversible_lm.keras"))
np.savez(os.path.join(OUT, "keras_new_layers_model_io.npz"), x=x, y=model.predict(x),
         tokens=tokens, logits=lm.predict(tokens))
print(model.count_params(), lm.count_params())
