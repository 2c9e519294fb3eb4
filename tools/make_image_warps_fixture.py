"""Make tests/fixtures/keras_image_warps.npz with real Keras 3: keras.ops.image's
perspective_transform for given corner moves (the warp RandomPerspective draws), and the
configs of RandomPerspective and RandomElasticTransform.

Run once, outside the project's environment:
    KERAS_BACKEND=numpy /work/scratch-keras/bin/python tools/make_image_warps_fixture.py
"""
import json
import os

import keras
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures")
rng = np.random.default_rng(0)
E = {"images": rng.uniform(0, 255, (2, 6, 7, 3)).astype("float32")}
corners = np.array([[0, 0], [6, 0], [0, 5], [6, 5]], "float32")
E["start"] = np.stack([corners, corners])
E["end"] = (E["start"] * (1 + rng.uniform(-0.3, 0.3, (2, 4, 2)))).astype("float32")
for interpolation in ("bilinear", "nearest"):
    E[f"perspective_{interpolation}"] = keras.ops.convert_to_numpy(
        keras.ops.image.perspective_transform(E["images"], E["start"], E["end"],
                                              interpolation=interpolation, fill_value=7.0))
E["perspective_first"] = keras.ops.convert_to_numpy(keras.ops.image.perspective_transform(
    E["images"].transpose(0, 3, 1, 2), E["start"], E["end"], data_format="channels_first"))
for name, layer in {
        "perspective": keras.layers.RandomPerspective(factor=0.5, scale=0.3, fill_value=2.0),
        "elastic": keras.layers.RandomElasticTransform(scale=0.5, fill_mode="mirror",
                                                       value_range=(0, 1), seed=3)}.items():
    config = layer.get_config()
    config.pop("name"), config.pop("dtype")
    E[f"{name}_config"] = np.array(json.dumps(config))
np.savez(os.path.join(OUT, "keras_image_warps.npz"), **E)
print("wrote", len(E), "arrays")
