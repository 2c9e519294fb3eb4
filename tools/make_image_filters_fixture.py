"""Make tests/fixtures/keras_image_filters.npz with real Keras 3: the deterministic parts of
RandomGaussianBlur and RandomSharpness (factor and sigma ranges of zero width, so every image
is transformed with known parameters), Equalization and
ContrastLimitedAdaptiveHistogramEqualization, and the configs of these and other image layers.

Run once, outside the project's environment:
    KERAS_BACKEND=numpy /work/scratch-keras/bin/python tools/make_image_filters_fixture.py

(The numpy backend: Keras's torch backend fails on a non-square blur kernel, and its jax
backend rounds one exact half of the equalization table down where numpy and torch round up.)
"""
import json
import os

import keras
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures")
rng = np.random.default_rng(0)
E = {"images": rng.uniform(0, 255, (2, 6, 7, 3)).astype("float32"),
     "unit_images": rng.uniform(0, 1, (2, 5, 4, 2)).astype("float32"),
     "int_images": rng.integers(40, 120, (2, 5, 6, 3)).astype("float32")}


def run(layer, x, **kwargs):
    return keras.ops.convert_to_numpy(layer(x, **kwargs))


E["blur"] = run(keras.layers.RandomGaussianBlur(factor=(1.0, 1.0), kernel_size=(3, 5),
                                                sigma=(0.7, 0.7), seed=1), E["images"])
E["blur_first"] = run(keras.layers.RandomGaussianBlur(
    factor=(1.0, 1.0), kernel_size=5, sigma=(0.4, 0.4), seed=1, data_format="channels_first"),
    E["images"].transpose(0, 3, 1, 2))
E["sharp"] = run(keras.layers.RandomSharpness(factor=(0.2, 0.2), seed=1), E["images"])
E["sharp_unit"] = run(keras.layers.RandomSharpness(factor=(0.9, 0.9), value_range=(0, 1),
                                                   seed=1), E["unit_images"])
E["equalized"] = run(keras.layers.Equalization(), E["int_images"])
E["equalized_64"] = run(keras.layers.Equalization(bins=64), E["images"])
E["equalized_unit"] = run(keras.layers.Equalization(value_range=(0, 1)), E["unit_images"])
E["equalized_first"] = run(keras.layers.Equalization(data_format="channels_first"),
                           E["int_images"].transpose(0, 3, 1, 2))
CLAHE = keras.layers.ContrastLimitedAdaptiveHistogramEqualization
E["clahe"] = run(CLAHE(tile_grid_size=(2, 3)), E["int_images"])
E["clahe_unclipped"] = run(CLAHE(clip_limit=0, tile_grid_size=(3, 2)), E["images"])
E["clahe_unit"] = run(CLAHE(value_range=(0, 1), clip_limit=1.5, tile_grid_size=(2, 2)),
                      E["unit_images"])
E["clahe_first"] = run(CLAHE(tile_grid_size=(2, 4), data_format="channels_first"),
                       E["int_images"].transpose(0, 3, 1, 2))
E["clahe_single"] = run(CLAHE(tile_grid_size=(4, 4)), E["images"][0])

# configs (without name and dtype), to compare keys and values
for name, layer in {
        "blur": keras.layers.RandomGaussianBlur(factor=0.5, kernel_size=(3, 5), sigma=0.3),
        "sharp": keras.layers.RandomSharpness(0.3, value_range=(0, 1)),
        "equalization": keras.layers.Equalization(bins=64),
        "mix_up": keras.layers.MixUp(alpha=0.4, seed=3),
        "cut_mix": keras.layers.CutMix(0.5),
        "erasing": keras.layers.RandomErasing(fill_value=[1, 2, 3]),
        "erasing_default": keras.layers.RandomErasing(scale=0.4),
        "rand_augment": keras.layers.RandAugment(num_ops=3, factor=0.4, seed=2),
        "aug_mix": keras.layers.AugMix(value_range=(0, 1), all_ops=False, alpha=0.5),
        "color_jitter": keras.layers.RandomColorJitter(brightness_factor=0.2,
                                                       hue_factor=(0.1, 0.3)),
        "clahe": CLAHE(value_range=(0, 1), clip_limit=2.5, tile_grid_size=(4, 2)),
        "max_boxes": keras.layers.MaxNumBoundingBoxes(3, fill_value=-2)}.items():
    config = layer.get_config()
    config.pop("name"), config.pop("dtype")
    E[f"{name}_config"] = np.array(json.dumps(config))
np.savez(os.path.join(OUT, "keras_image_filters.npz"), **E)
print("wrote", len(E), "arrays")
