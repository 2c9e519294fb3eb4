"""Run once with real Keras 3 (torch backend): MultiHeadAttention with use_gate and sliding_window.

    OUT=tests/fixtures/rnn KERAS_BACKEND=torch /work/scratch-keras/bin/python \
        tools/make_mha_options_fixture.py

Writes mha_options_expected.npz (inputs, weights by variable path, outputs) and
mha_gate.weights.h5 / mha_gate.keras (a model holding a gated MultiHeadAttention). The tests
only read these files; they never import Keras.
"""
import os

import keras
import numpy as np
import torch
from keras import layers

torch.set_grad_enabled(False)
out = os.environ["OUT"]
keras.utils.set_random_seed(13)
rng = np.random.default_rng(13)
q = rng.normal(size=(2, 5, 6)).astype("float32")
v = rng.normal(size=(2, 4, 6)).astype("float32")
arrays = {"q": q, "v": v}


def randomize(layer):
    for w in layer.weights:
        w.assign(rng.normal(scale=0.5, size=w.shape).astype("float32"))


gated = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4, use_gate=True,
                                  sliding_window=2, name="gated")
gated(q, v)
randomize(gated)
o, s = gated(q, v, return_attention_scores=True)
arrays.update(gated_out=np.asarray(o), gated_scores=np.asarray(s),
              gated_causal=np.asarray(gated(q, q, use_causal_mask=True)))
arrays["gated_paths"] = np.array([w.path for w in gated.weights])
for i, w in enumerate(gated.weights):
    arrays[f"gated_w{i}"] = np.asarray(w.numpy())

window = layers.MultiHeadAttention(num_heads=2, key_dim=3, sliding_window=3, name="window")
window(q, q)
randomize(window)
arrays.update(window_self=np.asarray(window(q, q)),
              window_causal=np.asarray(window(q, q, use_causal_mask=True)))
for i, w in enumerate(window.weights):
    arrays[f"window_w{i}"] = np.asarray(w.numpy())

inp = keras.Input((5, 6))
model = keras.Model(inp, layers.MultiHeadAttention(num_heads=2, key_dim=3, use_gate=True,
                                                   name="mha")(inp, inp), name="gate_model")
randomize(model)
arrays["model_pred"] = model.predict(q, verbose=0)
arrays["model_paths"] = np.array([w.path for w in model.weights])
model.save_weights(f"{out}/mha_gate.weights.h5")
model.save(f"{out}/mha_gate.keras")
np.savez(f"{out}/mha_options_expected.npz", **arrays)
print(list(arrays["gated_paths"]), list(arrays["model_paths"]))
