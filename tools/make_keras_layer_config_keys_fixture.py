"""Run once with real Keras 3.15: every Keras layer class built with small arguments, and
the get_config it writes.

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_keras_layer_config_keys_fixture.py

Writes tests/fixtures/keras_layer_config_keys.json ({class name: {"kwargs", "config"}}).
tests/compat/test_layer_config_keys.py builds each class in minikeras with the same
arguments and compares the keys and default values (it never imports Keras). Aliases
(Convolution2D, ...) are the same classes and are skipped; the lookups and hashing layers
need TensorFlow under Keras and are left out.
"""
import inspect
import json
import os

import keras
from keras import layers
ARGS = {"Dense": dict(units=2), "EinsumDense": dict(equation="ab,bc->ac", output_shape=2),
 "Embedding": dict(input_dim=5, output_dim=2), "Conv1D": dict(filters=2, kernel_size=3),
 "Conv2D": dict(filters=2, kernel_size=3), "Conv3D": dict(filters=2, kernel_size=3),
 "Conv1DTranspose": dict(filters=2, kernel_size=3),
 "Conv2DTranspose": dict(filters=2, kernel_size=3),
 "Conv3DTranspose": dict(filters=2, kernel_size=3),
 "SeparableConv1D": dict(filters=2, kernel_size=3),
 "SeparableConv2D": dict(filters=2, kernel_size=3), "DepthwiseConv1D": dict(kernel_size=3),
 "DepthwiseConv2D": dict(kernel_size=3), "LSTM": dict(units=2), "GRU": dict(units=2),
 "SimpleRNN": dict(units=2),
 "LSTMCell": dict(units=2), "GRUCell": dict(units=2), "SimpleRNNCell": dict(units=2),
 "ConvLSTM1D": dict(filters=2, kernel_size=3), "ConvLSTM2D": dict(filters=2, kernel_size=3),
 "ConvLSTM3D": dict(filters=2, kernel_size=3),
 "Dropout": dict(rate=0.5), "SpatialDropout1D": dict(rate=0.5), "SpatialDropout2D": dict(rate=0.5),
 "SpatialDropout3D": dict(rate=0.5),
 "GaussianDropout": dict(rate=0.5), "GaussianNoise": dict(stddev=0.5),
 "AlphaDropout": dict(rate=0.5),
 "Reshape": dict(target_shape=[2]), "Permute": dict(dims=[2, 1]), "RepeatVector": dict(n=2),
 "MultiHeadAttention": dict(num_heads=2, key_dim=2),
 "GroupedQueryAttention": dict(head_dim=2, num_query_heads=2, num_key_value_heads=1),
 "Activation": dict(activation="relu"), "Resizing": dict(height=2, width=2),
 "CenterCrop": dict(height=2, width=2),
 "RandomCrop": dict(height=2, width=2), "Rescaling": dict(scale=0.5),
 "RandomRotation": dict(factor=0.1),
 "RandomZoom": dict(height_factor=0.1),
 "RandomTranslation": dict(height_factor=0.1, width_factor=0.1),
 "RandomContrast": dict(factor=0.1), "RandomBrightness": dict(factor=0.1),
 "GroupNormalization": dict(groups=1),
 "CategoryEncoding": dict(num_tokens=3), "Hashing": dict(num_bins=3),
 "HashedCrossing": dict(num_bins=3),
 "Discretization": dict(bin_boundaries=[0.0, 1.0]), "Cropping1D": {}, "UnitNormalization": {},
 "Lambda": None, "TimeDistributed": None, "Bidirectional": None, "RNN": None, "Wrapper": None,
 "StackedRNNCells": None, "TFSMLayer": None, "TorchModuleWrapper": None, "JaxLayer": None,
 "FlaxLayer": None,
 "InputLayer": None, "Layer": None, "InputSpec": None, "SpectralNormalization": None,
 "RandomHue": dict(factor=0.1), "RandomSaturation": dict(factor=0.1),
 "RandomSharpness": dict(factor=0.1),
 "RandomColorJitter": {}, "RandomShear": dict(x_factor=0.1), "RandomPerspective": {},
 "RandomGaussianBlur": {},
 "RandomPosterization": dict(factor=(1, 4)), "Solarization": {}, "RandomInvert": {},
 "RandomElasticTransform": {},
 "Equalization": {}, "AutoContrast": {}, "RandomGrayscale": {}, "RandomErasing": {},
 "MaxNumBoundingBoxes": dict(max_number=2),
 "RandomColorDegeneration": dict(factor=0.1), "MixUp": {}, "CutMix": {}, "AugMix": {},
 "RandAugment": {},
 "Pipeline": dict(layers=[]), "IntegerLookup": {}, "StringLookup": {}, "TextVectorization": {},
 "Dot": dict(axes=1),
 **{f"{k}Pooling{d}D": dict(pool_size=2) for k in ("Average",) for d in (1, 2, 3)},
 **{f"Adaptive{k}Pooling{d}D": dict(output_size=2) for k in ("Average", "Max") for d in (1, 2, 3)},
 "ReversibleEmbedding": dict(input_dim=5, output_dim=2), "STFTSpectrogram": {},
 "MelSpectrogram": {},
}
out = {}
for name in sorted(dir(layers)):
    cls = getattr(layers, name)
    if not (inspect.isclass(cls) and issubclass(cls, layers.Layer)) or ARGS.get(name, 0) is None:
        continue
    kw = ARGS.get(name, {})
    try:
        cfg = cls(**kw).get_config()
    except Exception as e:
        print("skipped", name, type(e).__name__, e)
        continue
    out[name] = {"kwargs": kw, "config": json.loads(json.dumps(cfg, default=str))}
print(len(out))
out["_keras_version"] = keras.__version__
path = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures",
                    "keras_layer_config_keys.json")
with open(path, "w") as f:
    json.dump(out, f, indent=0, sort_keys=True)
