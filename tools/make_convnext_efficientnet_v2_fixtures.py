"""Write the ConvNeXt / EfficientNetV2 fixtures of tests/applications/fixtures with real
Keras (a one-time developer tool; minikeras never imports Keras). Run outside the project:

    KERAS_BACKEND=torch /work/scratch-keras/bin/python \
        tools/make_convnext_efficientnet_v2_fixtures.py OUTPUT_FOLDER

Writes, for small models built by Keras's own module-level builders (the published
configurations are too large to ship):

- ``convnext_tiny_notop.h5``: a 4-stage ConvNeXt with one block per stage and 8/8/16/16
  channels, named ``convnext_tiny``, ``include_top=False, pooling="avg"``, 32x32 inputs,
  written in Keras's legacy weight layout (the layout of the published weight files, and
  the name ``ConvNeXtTiny(weights="imagenet", include_top=False)`` downloads).
- ``convnext_small_model.keras``: the same architecture with ``drop_path_rate=0.3`` (so
  its blocks hold ``StochasticDepth`` layers) and a 5-class top, saved whole by Keras.
- ``efficientnetv2-b0_notop.h5`` / ``efficientnetv2-s_notop.h5``: EfficientNetV2 of four
  small stages (every block kind: FusedMBConv with and without expansion and with
  squeeze-and-excite, MBConv with and without it, residuals with dropout), width 0.5,
  named as B0 (Rescaling + Normalization preprocessing) and as S (Rescaling with offset),
  ``include_top=False, pooling="avg"``, 32x32 inputs, legacy layout.
- ``convnext_efficientnet_v2_predictions.npz``: Keras's ``predict`` of each model on
  ``images`` (two 32x32 sine-pattern images in [0, 255], stored too), and ``configs``:
  the JSON of the small configurations (``convnext``: ConvNeXt's arguments,
  ``v2_blocks``: EfficientNetV2's ``blocks_args``), so the tests build the same models.
- ``keras_architectures_efficientnet_v2_sml.json.gz``: the fields of
  ``keras_architectures.json.gz`` for EfficientNetV2S/M/L (missing from that file).

Every weight is redrawn (seeded) so that none is at its initial value: LayerScale factors
in [0.5, 1], BatchNormalization moving variances in [0.5, 1.5].
"""
import gc
import gzip
import json
import os
import sys

import h5py
import numpy as np

import keras
from keras.src.applications.convnext import ConvNeXt
from keras.src.applications.efficientnet_v2 import EfficientNetV2
from keras.src.legacy.saving import legacy_h5_format

OUT = sys.argv[1]
TINY = dict(depths=[1, 1, 1, 1], projection_dims=[8, 8, 16, 16], default_size=32)
V2_BLOCKS = [
    dict(kernel_size=3, num_repeat=2, input_filters=16, output_filters=16, expand_ratio=1,
         se_ratio=0.0, strides=1, conv_type=1),
    dict(kernel_size=3, num_repeat=1, input_filters=16, output_filters=24, expand_ratio=4,
         se_ratio=0.25, strides=2, conv_type=1),
    dict(kernel_size=3, num_repeat=2, input_filters=24, output_filters=32, expand_ratio=4,
         se_ratio=0.25, strides=2, conv_type=0),
    dict(kernel_size=5, num_repeat=1, input_filters=32, output_filters=40, expand_ratio=6,
         se_ratio=0.0, strides=1, conv_type=0),
]


def images():
    i, j = np.mgrid[0:32, 0:32]
    return np.stack([np.stack([127.5 * (1 + np.sin(i * 0.2 * (k + 1) + j * 0.13 * (c + 1)))
                               for c in range(3)], -1) for k in range(2)]).astype("float32")


def redraw(model, rng):
    for weight in model.weights:
        shape, path = tuple(weight.shape), weight.path
        if path.endswith("moving_variance"):
            value = rng.uniform(0.5, 1.5, shape)
        elif path.endswith("moving_mean"):
            value = rng.normal(0.0, 0.2, shape)
        elif "layer_scale" in path:
            value = rng.uniform(0.5, 1.0, shape)
        elif path.endswith("gamma"):
            value = rng.uniform(0.8, 1.2, shape)
        elif len(shape) == 1:
            value = rng.normal(0.0, 0.1, shape)
        else:
            fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else shape[0]
            if "dwconv" in path or "depthwise" in path:
                fan_in = int(np.prod(shape[:2]))
            value = rng.normal(0.0, 1.0 / np.sqrt(fan_in), shape)
        weight.assign(value.astype("float32"))


def save_legacy(model, name):
    with h5py.File(os.path.join(OUT, name), "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)


def main():
    rng = np.random.default_rng(15)
    x = images()
    predictions = {"images": x,
                   "configs": np.array(json.dumps({"convnext": TINY, "v2_blocks": V2_BLOCKS}))}
    notop = dict(include_top=False, pooling="avg", input_shape=(32, 32, 3), weights=None)
    model = ConvNeXt(**TINY, name="convnext_tiny", **notop)
    redraw(model, rng)
    save_legacy(model, "convnext_tiny_notop.h5")
    predictions["convnext_tiny_notop"] = keras.ops.convert_to_numpy(model.predict(x))
    model = ConvNeXt(**TINY, drop_path_rate=0.3, name="convnext_small", include_top=True,
                     classes=5, input_shape=(32, 32, 3), weights=None)
    redraw(model, rng)
    model.save(os.path.join(OUT, "convnext_small_model.keras"))
    predictions["convnext_small_model"] = keras.ops.convert_to_numpy(model.predict(x))
    for name in ("efficientnetv2-b0", "efficientnetv2-s"):
        model = EfficientNetV2(0.5, 1.0, 32, blocks_args=V2_BLOCKS, name=name, **notop)
        redraw(model, rng)
        save_legacy(model, f"{name}_notop.h5")
        predictions[name] = keras.ops.convert_to_numpy(model.predict(x))
    np.savez(os.path.join(OUT, "convnext_efficientnet_v2_predictions.npz"), **predictions)

    out = {}
    for arch in ("EfficientNetV2S", "EfficientNetV2M", "EfficientNetV2L"):
        entry = {}
        for top in (True, False):
            m = getattr(keras.applications, arch)(weights=None, include_top=top)
            entry["top" if top else "notop"] = {
                "params": int(m.count_params()),
                "trainable": int(sum(int(np.prod(w.shape)) for w in m.trainable_weights)),
                "output_shape": list(m.output.shape), "input_shape": list(m.input.shape),
                "layers": [[layer.name, type(layer).__name__,
                            [list(w.shape) for w in layer.weights]] for layer in m.layers]}
            del m
            gc.collect()
        out[arch] = entry
    with gzip.open(os.path.join(OUT, "keras_architectures_efficientnet_v2_sml.json.gz"),
                   "wt") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
