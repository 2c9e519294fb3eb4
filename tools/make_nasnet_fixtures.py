"""Write the NASNet fixtures of tests/applications/ with the scratch Keras 3.15.1 install.

A one-time developer tool, run outside the project (it imports Keras, not minikeras):

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_nasnet_fixtures.py

It writes into tests/applications/fixtures/:

* ``keras_nasnet.json.gz``: for NASNetMobile and NASNetLarge (``weights=None``, default
  arguments), with and without the top: ``params``, ``trainable``, ``input_shape``,
  ``output_shape`` and ``layers`` (each layer's name, class and weight shapes in
  ``layer.weights`` order); the same for ``NASNetTiny``, the small NASNet below, built at
  32x32 (``static``) and at an unknown size (``unknown_size``).
* ``nasnet_tiny_no_top.h5``: a small NASNet (1 @ 96, 8 stem filters, no skipped reduction,
  32x32 input, no top, average pooling) after ``keras.utils.set_random_seed(11)`` with
  non-trivial BatchNormalization statistics, in Keras's legacy weight layout (the layout of
  the published application weights).
* ``nasnet_tiny_predictions.npz``: ``predictions``, Keras's ``predict`` of that model on
  ``nasnet.preprocess_input`` of two 32x32 sine-pattern images (``tiny_images`` below; the
  test computes the same images).

Keras 3.15.1 refuses ``NASNetMobile`` under the torch backend (keras-team/keras#18451,
whose guard later Keras versions removed); this script calls the module's ``NASNet``
builder with exactly the arguments ``NASNetMobile`` passes to it.
"""
import gzip
import json
import pathlib

import h5py
import numpy as np

import keras
from keras.src.applications import nasnet
from keras.src.legacy.saving import legacy_h5_format

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "tests" / "applications" / "fixtures"
TINY = dict(penultimate_filters=96, num_blocks=1, stem_block_filters=8, skip_reduction=False,
            filter_multiplier=2, include_top=False, pooling="avg", default_size=224,
            input_shape=(32, 32, 3), weights=None, name="nasnet_tiny")


def nasnet_mobile(include_top):
    """NASNetMobile(weights=None, include_top=include_top), through ``NASNet`` directly."""
    return nasnet.NASNet((224, 224, 3) if not include_top else None,
                         penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
                         skip_reduction=False, filter_multiplier=2, include_top=include_top,
                         weights=None, default_size=224, name="nasnet_mobile")


def describe(model):
    return {"params": int(model.count_params()),
            "trainable": int(sum(int(np.prod(w.shape)) for w in model.trainable_weights)),
            "input_shape": list(model.input.shape),
            "output_shape": list(model.output.shape),
            "layers": [[layer.name, type(layer).__name__, [list(w.shape) for w in layer.weights]]
                       for layer in model.layers]}


def tiny_images():
    i, j = np.mgrid[0:32, 0:32]
    return np.stack([np.stack([127.5 * (1 + np.sin(i * 0.2 * (k + 1) + j * 0.13 * (c + 1)))
                               for c in range(3)], -1) for k in range(2)]).astype("float32")


def architectures():
    out = {"NASNetMobile": {}, "NASNetLarge": {}}
    for top in (True, False):
        key = "top" if top else "notop"
        out["NASNetMobile"][key] = describe(nasnet_mobile(top))
        out["NASNetLarge"][key] = describe(keras.applications.NASNetLarge(weights=None,
                                                                         include_top=top))
        print(key, out["NASNetMobile"][key]["params"], out["NASNetLarge"][key]["params"])
    # The small NASNet of the weight fixture, at 32x32 and at an unknown size (where Keras's
    # adjust blocks compare unknown sizes as equal and so build other layers).
    out["NASNetTiny"] = {"static": describe(nasnet.NASNet(**TINY)),
                         "unknown_size": describe(nasnet.NASNet(**{**TINY,
                                                                  "input_shape": (None, None, 3)}))}
    with gzip.open(FIXTURES / "keras_nasnet.json.gz", "wt") as f:
        json.dump(out, f)


def tiny_weights_and_predictions():
    keras.utils.set_random_seed(11)
    model = nasnet.NASNet(**TINY)
    rng = np.random.default_rng(11)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            n = layer.gamma.shape[0]
            layer.moving_mean.assign(rng.normal(0, 0.1, n).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 1.5, n).astype("float32"))
            layer.gamma.assign(rng.uniform(0.8, 1.2, n).astype("float32"))
            layer.beta.assign(rng.normal(0.1, 0.2, n).astype("float32"))
    with h5py.File(FIXTURES / "nasnet_tiny_no_top.h5", "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    images = nasnet.preprocess_input(tiny_images())
    predictions = keras.ops.convert_to_numpy(model.predict(images, verbose=0))
    np.savez(FIXTURES / "nasnet_tiny_predictions.npz", predictions=predictions)
    print(predictions.shape, predictions[:, :4], model.count_params())


if __name__ == "__main__":
    architectures()
    tiny_weights_and_predictions()
