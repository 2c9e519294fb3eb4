"""Make tests/fixtures/keras_layers_coverage.npz (+ .weights.h5 files) with real Keras 3.

Run once, outside the project's environment:
    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_layers_coverage_fixture.py

Covers SpectralNormalization (a training call's updated kernel and vector_u, weight order,
weights file), GroupQueryAttention (outputs, scores, masks, weights file), ReversibleEmbedding
(lookup, reverse logits with a soft cap, weights file) and the adaptive pooling layers.
Each layer's config is stored as JSON under ``<name>_config``.
"""
import json
import os

import keras
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures")
rng = np.random.default_rng(0)
E = {}


def f32(*shape):
    return rng.standard_normal(shape).astype("float32")


def config(name, layer):
    cfg = layer.get_config()
    cfg.pop("dtype", None)
    if "layer" in cfg:
        cfg["layer"] = cfg["layer"]["class_name"]
    E[f"{name}_config"] = np.array(json.dumps(cfg, default=str))


# SpectralNormalization around Dense(3): one training call, then a 2-iteration one
sn = keras.layers.SpectralNormalization(keras.layers.Dense(3), power_iterations=2)
model = keras.Sequential([keras.Input((4,)), sn])
E["sn_kernel"], E["sn_u"], E["sn_bias"] = f32(4, 3), f32(1, 3), f32(3)
sn.set_weights([E["sn_kernel"], E["sn_u"], E["sn_bias"]])
E["sn_x"] = f32(2, 4)
E["sn_train_out"] = keras.ops.convert_to_numpy(sn(E["sn_x"], training=True))
E["sn_new_kernel"], E["sn_new_u"], _ = sn.get_weights()
E["sn_weight_paths"] = np.array([w.path for w in sn.weights])
model.save_weights(os.path.join(OUT, "keras_spectral_normalization.weights.h5"))
E["sn_predict"] = model.predict(E["sn_x"], verbose=0)
config("sn", sn)

# GroupQueryAttention: 4 query heads in 2 groups, gated
q_in, v_in = keras.Input((3, 5)), keras.Input((4, 5))
gqa = keras.layers.GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=2,
                                       use_gate=True)
model = keras.Model([q_in, v_in], gqa(q_in, v_in))
for w in gqa.weights:
    w.assign(rng.uniform(-0.5, 0.5, w.shape).astype("float32"))
E["gqa_q"], E["gqa_v"] = f32(2, 3, 5), f32(2, 4, 5)
E["gqa_weight_paths"] = np.array([w.path for w in gqa.weights])
out, scores = gqa(E["gqa_q"], E["gqa_v"], return_attention_scores=True)
E["gqa_out"], E["gqa_scores"] = keras.ops.convert_to_numpy(out), keras.ops.convert_to_numpy(scores)
E["gqa_mask"] = rng.uniform(size=(2, 3, 4)) > 0.4
E["gqa_mask"][..., 0] = True
E["gqa_masked_out"] = keras.ops.convert_to_numpy(gqa(E["gqa_q"], E["gqa_v"],
                                                     attention_mask=E["gqa_mask"]))
E["gqa_causal_out"] = keras.ops.convert_to_numpy(gqa(E["gqa_q"], E["gqa_q"],
                                                     use_causal_mask=True))
model.save_weights(os.path.join(OUT, "keras_group_query_attention.weights.h5"))
config("gqa", gqa)

# ReversibleEmbedding, untied, with a soft cap
rev = keras.layers.ReversibleEmbedding(6, 4, tie_weights=False, mask_zero=True,
                                       logit_soft_cap=2.0)
model = keras.Sequential([keras.Input((3,), dtype="int32"), rev])
E["rev_embeddings"], E["rev_reverse"] = f32(6, 4), f32(4, 6)
rev.set_weights([E["rev_embeddings"], E["rev_reverse"]])
E["rev_ids"] = np.array([[0, 1, 5], [2, 0, 3]], "int32")
E["rev_forward"] = keras.ops.convert_to_numpy(rev(E["rev_ids"]))
E["rev_h"] = f32(2, 3, 4)
E["rev_logits"] = keras.ops.convert_to_numpy(rev(E["rev_h"], reverse=True))
tied = keras.layers.ReversibleEmbedding(6, 4)
tied.build()
tied.set_weights([E["rev_embeddings"]])
E["rev_tied_logits"] = keras.ops.convert_to_numpy(tied(E["rev_h"], reverse=True))
model.save_weights(os.path.join(OUT, "keras_reversible_embedding.weights.h5"))
config("rev", rev)

# adaptive pooling, sizes that do not divide evenly
E["pool1_x"], E["pool2_x"], E["pool3_x"] = f32(2, 7, 3), f32(2, 7, 5, 3), f32(1, 5, 4, 6, 2)
for kind in ("Average", "Max"):
    for rank, size in ((1, 4), (2, (3, 2)), (3, (2, 3, 4))):
        layer = getattr(keras.layers, f"Adaptive{kind}Pooling{rank}D")(size)
        E[f"{kind}{rank}_out"] = keras.ops.convert_to_numpy(layer(E[f"pool{rank}_x"]))
    first = getattr(keras.layers, f"Adaptive{kind}Pooling2D")((3, 2),
                                                              data_format="channels_first")
    E[f"{kind}2_first_out"] = keras.ops.convert_to_numpy(first(E["pool2_x"]))
    config(f"{kind}2", first)

np.savez(os.path.join(OUT, "keras_layers_coverage.npz"), **E)
print("wrote", len(E), "arrays")
