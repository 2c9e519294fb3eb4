"""Makes tests/fixtures/keras_feature_space.keras and keras_feature_space_io.npz with real
Keras 3.15.1 (torch backend).

Run from the worktree root: KERAS_BACKEND=torch /work/scratch-keras/bin/python \
    tools/make_feature_space_fixture.py

Keras's FeatureSpace.adapt and its eager call need TensorFlow (tf.data), which the scratch
install lacks, and so do its lookup and hashing layers. So the FeatureSpace holds the
features whose layers run without TensorFlow (float, float_rescaled, float_normalized,
float_discretized), and adapt's work is done step by step as FeatureSpace.adapt does it:
the columns cut into batches of 32 rows of shape (32, 1), Discretization fed batch by batch
through update_state / finalize_state, Normalization adapted on the (n, 1) column (tf.data
would hand it the same batches; the merged statistics agree to float32 round-off), then
the encoded graph built. The encoded features are computed by the functional model
Model(get_inputs(), get_encoded_features()).
"""
import json

import keras
import numpy as np

FS = keras.utils.FeatureSpace
rng = np.random.default_rng(7)
n = 300  # ten adapt batches (32 * 9 + 12): the quantile summary is compressed as it merges
train = {"a": rng.normal(0.0, 1.0, n), "b": rng.uniform(0.0, 4.0, n),
         "c": rng.normal(5.0, 3.0, n), "d": rng.gamma(2.0, 2.0, n)}
train = {k: v.astype("float32") for k, v in train.items()}
fs = FS({"d": FS.float_discretized(num_bins=4, name="d"),
         "c": "float_normalized",
         "a": "float",
         "b": FS.float_rescaled(scale=2.0, offset=1.0, name="b")},
        output_mode="concat")
fs.preprocessors["c"].adapt(train["c"][:, None])
disc = fs.preprocessors["d"]
disc.reset_state()
for start in range(0, n, 32):
    disc.update_state(train["d"][start:start + 32, None])
disc.finalize_state()
fs._is_adapted = True  # the end of FeatureSpace.adapt
fs.get_encoded_features()
fs.built = True
fs._sublayers_built = True

test = {k: rng.normal(2.0, 3.0, (6, 1)).astype("float32") for k in "abcd"}
model = keras.Model(fs.get_inputs(), fs.get_encoded_features())
encoded = np.asarray(model.predict(test, verbose=0))
fs.save("tests/fixtures/keras_feature_space.keras")
np.savez("tests/fixtures/keras_feature_space_io.npz",
         **{f"train_{k}": v for k, v in train.items()},
         **{f"test_{k}": v for k, v in test.items()},
         encoded=encoded, bin_boundaries=np.array(disc.bin_boundaries, "float32"),
         mean=np.asarray(fs.preprocessors["c"].mean),
         variance=np.asarray(fs.preprocessors["c"].variance),
         config=json.dumps(fs.get_config()))
print(encoded.shape, disc.bin_boundaries)
