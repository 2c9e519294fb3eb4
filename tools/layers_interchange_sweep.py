"""Sweep every layer class minikeras shares with Keras 3: numbers and files, both ways.

    KERAS_BACKEND=torch nice -n 19 /work/scratch-keras/bin/python tools/layers_interchange_sweep.py
        [--only Dense,Conv2D] [--keep DIR]

For each case (a layer class with its default arguments, or with one or two notable options)
a one-layer functional model is built in Keras with fixed-seed weights and a fixed-seed
input, then:

1. Keras predicts and saves ``.keras``, ``.weights.h5`` and the legacy ``.h5``;
2. minikeras (a separate process on /work/venv/bin/python, which never imports Keras) loads
   each file and predicts; it also builds the model from Keras's JSON config, sets Keras's
   weights, predicts, and saves ``.keras``, ``.weights.h5`` and ``.h5`` of its own;
3. Keras loads minikeras's files and predicts.

Every prediction is compared with Keras's first one (rtol 1e-5, atol 1e-5 times the largest
magnitude; integer and string outputs exactly). Random layers are compared in inference
(``predict``). The table at the end names, per case, the first step that diverged and the
error. This is a tool, not a test: it needs the scratch Keras and writes under /tmp.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MINIKERAS_PYTHON = "/work/venv/bin/python"

# Divergences that are deliberate or known, with where they are written down.
DOCUMENTED = {
    "Activation sparsemax": "Keras 3.15's sparsemax threshold bug (docs/porting.md)",
    "Resizing bicubic": "torch's bicubic a=-0.75; minikeras a=-0.5 as Keras's other backends "
                        "(docs/porting.md)",
    "UpSampling2D bicubic": "as Resizing bicubic (docs/porting.md)",
    "ContrastLimitedAdaptiveHistogramEqualization": "Keras 3.15 on torch truncates the clip "
                                                    "limit (docs/porting.md)",
    "RandomCrop": "Keras 3.15 does not crop at inference, keras-team/keras#21868 "
                  "(docs/porting.md)",
    **{f"{name} lora": "LoRA is not supported yet (docs/layers.md)"
       for name in ("Dense", "EinsumDense", "Embedding")},
}

# Keras layer classes not swept: the abstract bases, input-only classes, wrappers of other
# frameworks' modules, and classes swept under another case (the cells run inside RNN).
NOT_SWEPT = {
    "Layer": "abstract base", "Wrapper": "abstract base", "InputSpec": "not a layer",
    "InputLayer": "input only (every case's model has one)",
    "Lambda": "Keras stores Python bytecode; minikeras refuses code in files on purpose",
    **{cell: "swept inside the RNN cases" for cell in (
        "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells")},
    **{name: "another framework's module" for name in (
        "FlaxLayer", "JaxLayer", "TFSMLayer", "TorchModuleWrapper")},
}

F, U, IMG, POS = "f", "u", "img", "pos"  # normal, uniform [0,1), uniform [0,255), positive
F64 = "f64"  # normal, float64


def I(n):  # noqa: E743  integers in [0, n)
    return f"i{n}"


def case(label, make, *inputs, call="single", call_kwargs=None, pre=(), sequential=False,
         training=False):
    """One sweep case: ``make(L)`` builds the Keras layer (``L``: keras.layers plus
    ``Sequential``); ``inputs`` are (shape, kind) pairs.

    ``call``: "single" (``layer(x)``), "list" (``layer([a, b])``), "args" (``layer(a, b)``),
    "self" (``layer(x, x)``) or "listself" (``layer([x, x])``). ``pre``: layer makers applied
    in turn to every input before the layer (masks come from them). ``sequential``: a Sequential model instead of a functional
    one. ``training``: compare ``model(x, training=True)`` (deterministic layers only)
    instead of ``predict``.
    """
    return dict(label=label, make=make, inputs=list(inputs), call=call,
                call_kwargs=call_kwargs or {}, pre=list(pre), sequential=sequential,
                training=training)


ACTIVATIONS = ["relu", "sigmoid", "softmax", "softplus", "softsign", "tanh", "selu", "elu",
               "exponential", "gelu", "hard_sigmoid", "hard_silu", "silu", "leaky_relu",
               "relu6", "mish", "log_softmax", "linear", "celu", "glu", "hard_tanh",
               "log_sigmoid", "sparse_plus", "soft_shrink", "hard_shrink", "tanh_shrink",
               "squareplus", "sparsemax"]

CASES = [
    # core
    case("Dense", lambda L: L.Dense(3), ((4,), F)),
    case("Dense relu no bias, 3D", lambda L: L.Dense(3, activation="relu", use_bias=False),
         ((2, 4), F)),
    case("EinsumDense", lambda L: L.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="c"),
         ((4,), F)),
    case("EinsumDense 3D relu", lambda L: L.EinsumDense("abc,cde->abde", output_shape=(2, 3, 2),
                                                        bias_axes="de", activation="relu"),
         ((2, 4), F)),
    *[case(f"Activation {name}", lambda L, n=name: L.Activation(n), ((2, 4), F))
      for name in ACTIVATIONS],
    case("Identity", lambda L: L.Identity(), ((3,), F)),
    case("Masking", lambda L: L.Masking(0.0), ((4, 3), "masked")),
    case("Embedding", lambda L: L.Embedding(6, 3), ((4,), I(6))),
    case("Embedding mask_zero", lambda L: L.Embedding(6, 3, mask_zero=True), ((4,), I(6))),
    case("ReversibleEmbedding", lambda L: L.ReversibleEmbedding(6, 3), ((4,), I(6))),
    case("ReversibleEmbedding untied", lambda L: L.ReversibleEmbedding(6, 3, tie_weights=False),
         ((4,), I(6))),
    case("ELU", lambda L: L.ELU(), ((3,), F)),
    case("ELU alpha", lambda L: L.ELU(alpha=0.5), ((3,), F)),
    case("LeakyReLU", lambda L: L.LeakyReLU(), ((3,), F)),
    case("LeakyReLU 0.1", lambda L: L.LeakyReLU(negative_slope=0.1), ((3,), F)),
    case("PReLU", lambda L: L.PReLU(), ((2, 3), F)),
    case("PReLU shared", lambda L: L.PReLU(shared_axes=[1]), ((2, 3), F)),
    case("ReLU", lambda L: L.ReLU(), ((3,), F)),
    case("ReLU options", lambda L: L.ReLU(max_value=0.8, negative_slope=0.1, threshold=0.1),
         ((3,), F)),
    case("Softmax", lambda L: L.Softmax(), ((2, 3), F)),
    case("Softmax axis 1", lambda L: L.Softmax(axis=1), ((2, 3), F)),
    # convolutional
    case("Conv1D", lambda L: L.Conv1D(2, 2), ((5, 3), F)),
    case("Conv1D same strides relu", lambda L: L.Conv1D(2, 3, strides=2, padding="same",
                                                         activation="relu"), ((6, 3), F)),
    case("Conv1D causal dilated", lambda L: L.Conv1D(2, 2, padding="causal", dilation_rate=2),
         ((5, 3), F)),
    case("Conv1D channels_first", lambda L: L.Conv1D(2, 2, data_format="channels_first"),
         ((3, 5), F)),
    case("Conv2D", lambda L: L.Conv2D(2, 3), ((5, 5, 2), F)),
    case("Conv2D same strides nobias", lambda L: L.Conv2D(2, 3, strides=2, padding="same",
                                                           use_bias=False), ((5, 5, 2), F)),
    case("Conv2D channels_first", lambda L: L.Conv2D(2, 2, data_format="channels_first"),
         ((2, 4, 4), F)),
    case("Conv2D groups dilation", lambda L: L.Conv2D(4, 2, groups=2, dilation_rate=2),
         ((5, 5, 2), F)),
    case("Conv3D", lambda L: L.Conv3D(2, 2), ((3, 3, 3, 2), F)),
    case("Conv3D same strides", lambda L: L.Conv3D(2, 2, strides=2, padding="same"),
         ((3, 3, 3, 2), F)),
    case("DepthwiseConv1D", lambda L: L.DepthwiseConv1D(2), ((5, 2), F)),
    case("DepthwiseConv1D same dm2", lambda L: L.DepthwiseConv1D(3, padding="same",
                                                                  depth_multiplier=2),
         ((5, 2), F)),
    case("DepthwiseConv2D", lambda L: L.DepthwiseConv2D(3), ((5, 5, 2), F)),
    case("DepthwiseConv2D strides same", lambda L: L.DepthwiseConv2D(
        3, strides=2, padding="same", depth_multiplier=2), ((5, 5, 2), F)),
    case("DepthwiseConv2D channels_first", lambda L: L.DepthwiseConv2D(
        2, data_format="channels_first"), ((2, 4, 4), F)),
    case("SeparableConv1D", lambda L: L.SeparableConv1D(2, 2), ((5, 2), F)),
    case("SeparableConv1D same dm2", lambda L: L.SeparableConv1D(
        2, 3, padding="same", depth_multiplier=2, activation="relu"), ((5, 2), F)),
    case("SeparableConv2D", lambda L: L.SeparableConv2D(2, 3), ((5, 5, 2), F)),
    case("SeparableConv2D strides same", lambda L: L.SeparableConv2D(
        2, 3, strides=2, padding="same", depth_multiplier=2), ((5, 5, 2), F)),
    case("Conv1DTranspose", lambda L: L.Conv1DTranspose(2, 3), ((4, 2), F)),
    case("Conv1DTranspose strides same", lambda L: L.Conv1DTranspose(
        2, 3, strides=2, padding="same"), ((4, 2), F)),
    case("Conv2DTranspose", lambda L: L.Conv2DTranspose(2, 3), ((3, 3, 2), F)),
    case("Conv2DTranspose strides same", lambda L: L.Conv2DTranspose(
        2, 3, strides=2, padding="same"), ((3, 3, 2), F)),
    case("Conv2DTranspose output_padding", lambda L: L.Conv2DTranspose(
        2, 3, strides=2, output_padding=1), ((3, 3, 2), F)),
    case("Conv2DTranspose channels_first", lambda L: L.Conv2DTranspose(
        2, 2, strides=2, data_format="channels_first"), ((2, 3, 3), F)),
    case("Conv3DTranspose", lambda L: L.Conv3DTranspose(2, 2), ((2, 2, 2, 1), F)),
    case("Conv3DTranspose strides same", lambda L: L.Conv3DTranspose(
        2, 3, strides=2, padding="same"), ((2, 2, 2, 1), F)),
    # pooling
    case("MaxPooling1D", lambda L: L.MaxPooling1D(), ((5, 2), F)),
    case("MaxPooling1D same", lambda L: L.MaxPooling1D(3, strides=2, padding="same"),
         ((5, 2), F)),
    case("MaxPooling2D", lambda L: L.MaxPooling2D(), ((5, 5, 2), F)),
    case("MaxPooling2D same", lambda L: L.MaxPooling2D(3, strides=2, padding="same"),
         ((5, 5, 2), F)),
    case("MaxPooling2D channels_first", lambda L: L.MaxPooling2D(
        data_format="channels_first"), ((2, 4, 4), F)),
    case("MaxPooling3D", lambda L: L.MaxPooling3D(), ((4, 4, 4, 1), F)),
    case("MaxPooling3D same", lambda L: L.MaxPooling3D(3, strides=2, padding="same"),
         ((3, 3, 3, 1), F)),
    case("AveragePooling1D", lambda L: L.AveragePooling1D(2), ((5, 2), F)),
    case("AveragePooling1D same", lambda L: L.AveragePooling1D(3, strides=2, padding="same"),
         ((5, 2), F)),
    case("AveragePooling2D", lambda L: L.AveragePooling2D(2), ((5, 5, 2), F)),
    case("AveragePooling2D same", lambda L: L.AveragePooling2D(3, strides=2, padding="same"),
         ((5, 5, 2), F)),
    case("AveragePooling2D channels_first", lambda L: L.AveragePooling2D(
        2, data_format="channels_first"), ((2, 4, 4), F)),
    case("AveragePooling3D", lambda L: L.AveragePooling3D(2), ((4, 4, 4, 1), F)),
    case("AveragePooling3D same", lambda L: L.AveragePooling3D(3, strides=2, padding="same"),
         ((3, 3, 3, 1), F)),
    *[case(f"Global{kind}Pooling{d}D{label}",
           lambda L, k=kind, d=d, kw=kw: getattr(L, f"Global{k}Pooling{d}D")(**kw),
           ((3,) * d + (2,), F))
      for kind in ("Average", "Max") for d in (1, 2, 3)
      for label, kw in (("", {}), (" keepdims", {"keepdims": True}),
                        (" channels_first", {"data_format": "channels_first"}))],
    *[case(f"Adaptive{kind}Pooling{d}D{label}",
           lambda L, k=kind, d=d, kw=kw: getattr(L, f"Adaptive{k}Pooling{d}D")(**kw),
           ((5,) * d + (2,), F))
      for kind in ("Average", "Max") for d in (1, 2, 3)
      for label, kw in ((" 2", {"output_size": 2}),
                        (" 3 channels_first", {"output_size": 3,
                                               "data_format": "channels_first"}))],
    # normalization
    case("BatchNormalization", lambda L: L.BatchNormalization(), ((3, 4), F)),
    case("BatchNormalization axis1 noscale", lambda L: L.BatchNormalization(
        axis=1, center=False, scale=False, epsilon=0.01), ((3, 4), F)),
    case("LayerNormalization", lambda L: L.LayerNormalization(), ((3, 4), F)),
    case("LayerNormalization rms axes", lambda L: L.LayerNormalization(
        axis=[1, 2], rms_scaling=True), ((3, 4), F)),
    case("LayerNormalization nocenter", lambda L: L.LayerNormalization(center=False,
                                                                       epsilon=0.1),
         ((3, 4), F)),
    case("UnitNormalization", lambda L: L.UnitNormalization(), ((3, 4), F)),
    case("UnitNormalization axes", lambda L: L.UnitNormalization(axis=[1, 2]), ((3, 4), F)),
    case("GroupNormalization", lambda L: L.GroupNormalization(groups=2), ((3, 4), F)),
    case("GroupNormalization channels 1", lambda L: L.GroupNormalization(groups=2, axis=1),
         ((4, 3), F)),
    case("RMSNormalization", lambda L: L.RMSNormalization(), ((3, 4), F)),
    case("RMSNormalization axes", lambda L: L.RMSNormalization(axis=[1, 2], epsilon=0.1),
         ((3, 4), F)),
    case("SpectralNormalization", lambda L: L.SpectralNormalization(L.Dense(3)), ((4,), F)),
    # regularization (inference: identity or a fixed scale)
    case("Dropout", lambda L: L.Dropout(0.5), ((3,), F)),
    case("SpatialDropout1D", lambda L: L.SpatialDropout1D(0.5), ((3, 2), F)),
    case("SpatialDropout2D", lambda L: L.SpatialDropout2D(0.5), ((2, 2, 2), F)),
    case("SpatialDropout3D", lambda L: L.SpatialDropout3D(0.5), ((2, 2, 2, 2), F)),
    case("GaussianNoise", lambda L: L.GaussianNoise(0.5), ((3,), F)),
    case("GaussianDropout", lambda L: L.GaussianDropout(0.5), ((3,), F)),
    case("AlphaDropout", lambda L: L.AlphaDropout(0.5), ((3,), F)),
    case("ActivityRegularization", lambda L: L.ActivityRegularization(l1=0.1, l2=0.1),
         ((3,), F)),
    # reshaping
    case("Flatten", lambda L: L.Flatten(), ((2, 3), F)),
    case("Flatten channels_first", lambda L: L.Flatten(data_format="channels_first"),
         ((2, 3, 4), F)),
    case("Reshape", lambda L: L.Reshape((3, 2)), ((2, 3), F)),
    case("Reshape -1", lambda L: L.Reshape((-1, 2)), ((2, 3, 2), F)),
    case("Permute", lambda L: L.Permute((2, 1)), ((2, 3), F)),
    case("RepeatVector", lambda L: L.RepeatVector(3), ((2,), F)),
    case("ZeroPadding1D", lambda L: L.ZeroPadding1D(), ((3, 2), F)),
    case("ZeroPadding1D (1,2)", lambda L: L.ZeroPadding1D((1, 2)), ((3, 2), F)),
    case("ZeroPadding2D", lambda L: L.ZeroPadding2D(), ((2, 2, 1), F)),
    case("ZeroPadding2D asym channels_first", lambda L: L.ZeroPadding2D(
        ((1, 0), (0, 2)), data_format="channels_first"), ((1, 2, 2), F)),
    case("ZeroPadding3D", lambda L: L.ZeroPadding3D(), ((1, 2, 2, 1), F)),
    case("ZeroPadding3D (1,2,0)", lambda L: L.ZeroPadding3D((1, 2, 0)), ((1, 2, 2, 1), F)),
    case("UpSampling1D", lambda L: L.UpSampling1D(), ((3, 2), F)),
    case("UpSampling1D 3", lambda L: L.UpSampling1D(3), ((3, 2), F)),
    case("UpSampling2D", lambda L: L.UpSampling2D(), ((2, 3, 1), F)),
    case("UpSampling2D bilinear", lambda L: L.UpSampling2D((2, 3), interpolation="bilinear"),
         ((2, 3, 1), F)),
    case("UpSampling2D channels_first", lambda L: L.UpSampling2D(
        data_format="channels_first"), ((1, 2, 3), F)),
    case("UpSampling3D", lambda L: L.UpSampling3D(), ((1, 2, 2, 1), F)),
    case("Cropping1D", lambda L: L.Cropping1D(), ((4, 2), F)),
    case("Cropping1D (0,2)", lambda L: L.Cropping1D((0, 2)), ((4, 2), F)),
    case("Cropping2D", lambda L: L.Cropping2D(), ((3, 3, 1), F)),
    case("Cropping2D asym channels_first", lambda L: L.Cropping2D(
        ((1, 0), (0, 1)), data_format="channels_first"), ((1, 3, 3), F)),
    case("Cropping3D", lambda L: L.Cropping3D(), ((3, 3, 3, 1), F)),
    # merging
    *[case(name, lambda L, n=name: getattr(L, n)(), ((3,), F), ((3,), F), call="list")
      for name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")],
    case("Add broadcast 3", lambda L: L.Add(), ((2, 3), F), ((2, 3), F), ((2, 3), F),
         call="list"),
    case("Concatenate", lambda L: L.Concatenate(), ((3,), F), ((2,), F), call="list"),
    case("Concatenate axis1", lambda L: L.Concatenate(axis=1), ((2, 3), F), ((1, 3), F),
         call="list"),
    case("Dot", lambda L: L.Dot(axes=1), ((3,), F), ((3,), F), call="list"),
    case("Dot normalize 3D", lambda L: L.Dot(axes=(2, 2), normalize=True),
         ((2, 3), F), ((4, 3), F), call="list"),
    # preprocessing: numbers
    case("Rescaling", lambda L: L.Rescaling(1.0 / 255), ((3,), IMG)),
    case("Rescaling offset", lambda L: L.Rescaling(0.5, offset=1.0), ((3,), F)),
    case("Normalization", lambda L: L.Normalization(mean=[1.0, 2.0, 3.0],
                                                    variance=[1.0, 4.0, 0.25]), ((3,), F)),
    case("Normalization invert", lambda L: L.Normalization(mean=2.0, variance=4.0,
                                                           invert=True), ((3,), F)),
    case("Discretization", lambda L: L.Discretization(bin_boundaries=[-0.5, 0.0, 0.5]),
         ((3,), F)),
    case("Discretization one_hot", lambda L: L.Discretization(
        bin_boundaries=[-0.5, 0.0, 0.5], output_mode="one_hot"), ((1,), F)),
    case("CategoryEncoding", lambda L: L.CategoryEncoding(num_tokens=4), ((3,), I(4))),
    case("CategoryEncoding count", lambda L: L.CategoryEncoding(4, output_mode="count"),
         ((3,), I(4))),
    case("CategoryEncoding one_hot", lambda L: L.CategoryEncoding(4, output_mode="one_hot"),
         ((1,), I(4))),
    case("Hashing", lambda L: L.Hashing(num_bins=5), ((3,), I(100))),
    case("Hashing salt mask", lambda L: L.Hashing(num_bins=5, salt=7, mask_value=0),
         ((3,), I(100))),
    case("HashedCrossing", lambda L: L.HashedCrossing(num_bins=5), ((1,), I(9)), ((1,), I(9)),
         call="list"),
    case("StringLookup", lambda L: L.StringLookup(vocabulary=["a", "b"]), ((3,), "s")),
    case("IntegerLookup", lambda L: L.IntegerLookup(vocabulary=[3, 5]), ((3,), I(7))),
    case("IntegerLookup multi_hot", lambda L: L.IntegerLookup(vocabulary=[3, 5],
                                                              output_mode="multi_hot"),
         ((3,), I(7))),
    case("TextVectorization", lambda L: L.TextVectorization(vocabulary=["a", "b"],
                                                            output_sequence_length=4),
         ((), "s")),
    # preprocessing: images and audio (the random ones are identity in inference)
    case("Resizing", lambda L: L.Resizing(3, 2), ((4, 4, 2), IMG)),
    case("Resizing bicubic", lambda L: L.Resizing(3, 5, interpolation="bicubic"),
         ((4, 4, 2), IMG)),
    case("Resizing nearest crop", lambda L: L.Resizing(2, 3, interpolation="nearest",
                                                       crop_to_aspect_ratio=True),
         ((4, 4, 2), IMG)),
    case("Resizing pad channels_first", lambda L: L.Resizing(
        3, 2, pad_to_aspect_ratio=True, data_format="channels_first"), ((2, 4, 4), IMG)),
    case("CenterCrop", lambda L: L.CenterCrop(2, 3), ((4, 4, 1), IMG)),
    case("CenterCrop upsize", lambda L: L.CenterCrop(5, 3), ((4, 4, 1), IMG)),
    case("AutoContrast", lambda L: L.AutoContrast(), ((3, 3, 2), IMG)),
    case("Equalization", lambda L: L.Equalization(), ((3, 3, 1), IMG)),
    case("ContrastLimitedAdaptiveHistogramEqualization",
         lambda L: L.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2)),
         ((4, 4, 1), IMG)),
    case("MaxNumBoundingBoxes", lambda L: L.MaxNumBoundingBoxes(max_number=2),
         ((3, 3, 1), IMG)),
    case("Solarization", lambda L: L.Solarization(addition_factor=0.2, threshold_factor=0.5,
                                                  seed=1), ((2, 2, 1), IMG)),
    *[case(name, lambda L, n=name, kw=kw: getattr(L, n)(seed=1, **kw), (shape, IMG))
      for name, kw, shape in (
          ("RandomCrop", dict(height=2, width=2), (3, 4, 1)),
          ("RandomFlip", {}, (3, 3, 1)),
          ("RandomRotation", dict(factor=0.2), (3, 3, 1)),
          ("RandomTranslation", dict(height_factor=0.2, width_factor=0.2), (3, 3, 1)),
          ("RandomZoom", dict(height_factor=0.2), (3, 3, 1)),
          ("RandomContrast", dict(factor=0.2), (3, 3, 1)),
          ("RandomBrightness", dict(factor=0.2), (3, 3, 1)),
          ("RandomGrayscale", {}, (2, 2, 3)),
          ("RandomInvert", {}, (2, 2, 1)),
          ("RandomSaturation", dict(factor=0.3), (2, 2, 3)),
          ("RandomHue", dict(factor=0.3), (2, 2, 3)),
          ("RandomColorDegeneration", dict(factor=0.3), (2, 2, 3)),
          ("RandomPosterization", dict(factor=4), (2, 2, 1)),
          ("RandomShear", dict(x_factor=0.3, y_factor=0.2), (3, 3, 1)),
          ("MixUp", {}, (3, 3, 1)),
          ("CutMix", {}, (3, 3, 1)),
          ("RandomErasing", {}, (3, 3, 1)),
          ("RandomGaussianBlur", {}, (3, 3, 1)),
          ("RandomSharpness", dict(factor=0.3), (3, 3, 1)),
          ("RandomColorJitter", dict(brightness_factor=0.2, hue_factor=0.1), (3, 3, 3)),
          ("RandAugment", {}, (4, 4, 3)),
          ("AugMix", {}, (4, 4, 3)),
          ("RandomPerspective", {}, (3, 3, 1)),
          ("RandomElasticTransform", {}, (4, 4, 1)))],
    case("Pipeline", lambda L: L.Pipeline([L.Rescaling(0.5), L.CenterCrop(2, 2)]),
         ((3, 3, 1), IMG)),
    case("STFTSpectrogram", lambda L: L.STFTSpectrogram(frame_length=4, frame_step=2),
         ((9, 1), F)),
    case("STFTSpectrogram magnitude hann", lambda L: L.STFTSpectrogram(
        mode="log", frame_length=4, frame_step=2, window="hann"), ((9, 2), F)),
    case("MelSpectrogram", lambda L: L.MelSpectrogram(fft_length=8, sequence_stride=4,
                                                      num_mel_bins=3, sampling_rate=800),
         ((16,), F)),
    # recurrent
    case("SimpleRNN", lambda L: L.SimpleRNN(2), ((3, 2), F)),
    case("SimpleRNN seq backwards", lambda L: L.SimpleRNN(2, return_sequences=True,
                                                           go_backwards=True), ((3, 2), F)),
    case("LSTM", lambda L: L.LSTM(3), ((3, 2), F)),
    case("LSTM seq state", lambda L: L.LSTM(3, return_sequences=True, return_state=True,
                                            unit_forget_bias=False), ((3, 2), F)),
    case("GRU", lambda L: L.GRU(3), ((3, 2), F)),
    case("GRU reset_after False backwards", lambda L: L.GRU(3, reset_after=False,
                                                             go_backwards=True), ((3, 2), F)),
    case("ConvLSTM1D", lambda L: L.ConvLSTM1D(2, 2), ((3, 5, 2), F)),
    case("ConvLSTM2D same seq", lambda L: L.ConvLSTM2D(2, 2, padding="same",
                                                       return_sequences=True),
         ((2, 3, 3, 1), F)),
    case("ConvLSTM3D", lambda L: L.ConvLSTM3D(1, 2), ((2, 2, 2, 3, 1), F)),
    case("RNN SimpleRNNCell", lambda L: L.RNN(L.SimpleRNNCell(2)), ((3, 2), F)),
    case("RNN LSTMCell seq", lambda L: L.RNN(L.LSTMCell(2), return_sequences=True),
         ((3, 2), F)),
    case("RNN GRUCell state", lambda L: L.RNN(L.GRUCell(2), return_state=True), ((3, 2), F)),
    case("RNN StackedRNNCells", lambda L: L.RNN(L.StackedRNNCells(
        [L.SimpleRNNCell(2), L.GRUCell(3)])), ((3, 2), F)),
    case("RNN list of cells", lambda L: L.RNN([L.LSTMCell(2), L.SimpleRNNCell(3)]),
         ((3, 2), F)),
    case("Bidirectional", lambda L: L.Bidirectional(L.LSTM(2)), ((3, 2), F)),
    case("Bidirectional GRU seq sum", lambda L: L.Bidirectional(
        L.GRU(2, return_sequences=True), merge_mode="sum"), ((3, 2), F)),
    case("TimeDistributed", lambda L: L.TimeDistributed(L.Dense(2)), ((3, 2), F)),
    case("TimeDistributed Conv2D", lambda L: L.TimeDistributed(L.Conv2D(2, 2)),
         ((2, 3, 3, 1), F)),
    # attention
    case("MultiHeadAttention", lambda L: L.MultiHeadAttention(2, 2), ((3, 4), F), ((2, 4), F),
         call="args"),
    case("MultiHeadAttention scores causal", lambda L: L.MultiHeadAttention(
        2, 3, value_dim=2, output_shape=5), ((3, 4), F), ((3, 4), F), call="args",
         call_kwargs=dict(return_attention_scores=True, use_causal_mask=True)),
    case("MultiHeadAttention key nobias", lambda L: L.MultiHeadAttention(
        2, 2, use_bias=False, attention_axes=(1,)), ((3, 4), F), ((2, 4), F), ((2, 3), F),
         call="args"),
    case("GroupQueryAttention", lambda L: L.GroupQueryAttention(
        head_dim=2, num_query_heads=4, num_key_value_heads=2), ((3, 4), F), ((2, 4), F),
         call="args"),
    case("GroupQueryAttention gate causal", lambda L: L.GroupQueryAttention(
        head_dim=2, num_query_heads=2, num_key_value_heads=1, use_gate=True),
         ((3, 4), F), ((3, 4), F), call="args", call_kwargs=dict(use_causal_mask=True)),
    case("Attention", lambda L: L.Attention(), ((3, 2), F), ((4, 2), F), call="list"),
    case("Attention scale concat", lambda L: L.Attention(use_scale=True, score_mode="concat"),
         ((3, 2), F), ((4, 2), F), call="list"),
    case("Attention causal scores", lambda L: L.Attention(), ((3, 2), F), ((3, 2), F),
         call="list", call_kwargs=dict(use_causal_mask=True, return_attention_scores=True)),
    case("AdditiveAttention", lambda L: L.AdditiveAttention(), ((3, 2), F), ((4, 2), F),
         call="list"),
    case("AdditiveAttention noscale key", lambda L: L.AdditiveAttention(use_scale=False),
         ((3, 2), F), ((4, 2), F), ((4, 2), F), call="list"),
    # more options a trained model carries
    case("Dense float64", lambda L: L.Dense(3, dtype="float64"), ((4,), F64)),
    case("Conv2D float64", lambda L: L.Conv2D(2, 2, dtype="float64"), ((3, 3, 2), F64)),
    case("LSTM float64", lambda L: L.LSTM(2, dtype="float64"), ((3, 2), F64)),
    case("BatchNormalization float64", lambda L: L.BatchNormalization(dtype="float64"),
         ((3,), F64)),
    case("MultiHeadAttention float64", lambda L: L.MultiHeadAttention(2, 2, dtype="float64"),
         ((3, 4), F64), ((2, 4), F64), call="args"),
    case("Embedding float64", lambda L: L.Embedding(6, 3, dtype="float64"), ((4,), I(6))),
    case("Dense lora", lambda L: L.Dense(3, lora_rank=2), ((4,), F)),
    case("EinsumDense lora", lambda L: L.EinsumDense("ab,bc->ac", output_shape=3,
                                                     lora_rank=2), ((4,), F)),
    case("Embedding lora", lambda L: L.Embedding(6, 3, lora_rank=2), ((4,), I(6))),
    case("Conv1D groups channels_first", lambda L: L.Conv1D(
        4, 2, groups=2, data_format="channels_first"), ((2, 5), F)),
    case("Conv3D channels_first dilated", lambda L: L.Conv3D(
        2, 2, dilation_rate=2, data_format="channels_first"), ((1, 3, 3, 3), F)),
    case("Conv2DTranspose dilated", lambda L: L.Conv2DTranspose(2, 2, dilation_rate=2),
         ((3, 3, 2), F)),
    case("Conv1DTranspose channels_first same", lambda L: L.Conv1DTranspose(
        2, 3, strides=2, padding="same", data_format="channels_first"), ((2, 4), F)),
    case("Conv3DTranspose channels_first", lambda L: L.Conv3DTranspose(
        2, 2, strides=2, data_format="channels_first"), ((1, 2, 2, 2), F)),
    case("SeparableConv2D channels_first dilated", lambda L: L.SeparableConv2D(
        2, 2, dilation_rate=2, data_format="channels_first"), ((2, 5, 5), F)),
    case("DepthwiseConv1D channels_first", lambda L: L.DepthwiseConv1D(
        2, data_format="channels_first"), ((2, 5), F)),
    case("ConvLSTM2D channels_first", lambda L: L.ConvLSTM2D(
        2, 2, data_format="channels_first"), ((2, 1, 3, 3), F)),
    case("Resizing antialias", lambda L: L.Resizing(2, 3, antialias=True), ((5, 7, 1), IMG)),
    case("Resizing area", lambda L: L.Resizing(2, 3, interpolation="area"), ((4, 6, 1), IMG)),
    case("Resizing lanczos3", lambda L: L.Resizing(3, 5, interpolation="lanczos3"),
         ((4, 4, 1), IMG)),
    case("UpSampling2D bicubic", lambda L: L.UpSampling2D(2, interpolation="bicubic"),
         ((2, 3, 1), F)),
    case("BatchNormalization training", lambda L: L.BatchNormalization(), ((3, 4), F),
         training=True),
    case("GroupNormalization training", lambda L: L.GroupNormalization(groups=2),
         ((3, 4), F), training=True),
    case("Bidirectional merge None", lambda L: L.Bidirectional(L.LSTM(2), merge_mode=None),
         ((3, 2), F)),
    case("Bidirectional ave state", lambda L: L.Bidirectional(
        L.GRU(2, return_state=True), merge_mode="ave"), ((3, 2), F)),
    case("Bidirectional mul backward_layer", lambda L: L.Bidirectional(
        L.SimpleRNN(2, return_sequences=True), merge_mode="mul",
        backward_layer=L.SimpleRNN(2, return_sequences=True, go_backwards=True)),
         ((3, 2), F)),
    case("TimeDistributed BatchNormalization", lambda L: L.TimeDistributed(
        L.BatchNormalization()), ((3, 2), F)),
    case("LSTM unroll dropout nobias", lambda L: L.LSTM(
        2, unroll=True, dropout=0.3, recurrent_dropout=0.3, use_bias=False), ((3, 2), F)),
    case("GRU activations", lambda L: L.GRU(2, activation="relu",
                                           recurrent_activation="hard_sigmoid"), ((3, 2), F)),
    # masks from a previous layer
    case("LSTM masked", lambda L: L.LSTM(3), ((5,), "ipad6"), pre=[lambda L: L.Embedding(6, 3, mask_zero=True)]),
    case("LSTM masked seq", lambda L: L.LSTM(3, return_sequences=True), ((5,), "ipad6"),
         pre=[lambda L: L.Embedding(6, 3, mask_zero=True)]),
    case("GRU masked backwards", lambda L: L.GRU(2, go_backwards=True), ((5,), "ipad6"),
         pre=[lambda L: L.Embedding(6, 3, mask_zero=True)]),
    case("SimpleRNN after Masking", lambda L: L.SimpleRNN(2, return_sequences=True),
         ((4, 3), "masked"), pre=[lambda L: L.Masking(0.0)]),
    case("Bidirectional masked", lambda L: L.Bidirectional(L.LSTM(2, return_sequences=True)),
         ((5,), "ipad6"), pre=[lambda L: L.Embedding(6, 3, mask_zero=True)]),
    case("ConvLSTM1D after Masking", lambda L: L.ConvLSTM1D(2, 2, return_sequences=True),
         ((3, 4, 2), "masked"), pre=[lambda L: L.Masking(0.0)]),
    case("GlobalAveragePooling1D masked", lambda L: L.GlobalAveragePooling1D(),
         ((5,), "ipad6"), pre=[lambda L: L.Embedding(6, 3, mask_zero=True)]),
    case("GlobalMaxPooling1D masked", lambda L: L.GlobalMaxPooling1D(), ((5,), "ipad6"),
         pre=[lambda L: L.Embedding(6, 3, mask_zero=True)]),
    case("MultiHeadAttention masked self", lambda L: L.MultiHeadAttention(2, 2),
         ((5,), "ipad6"), call="self", pre=[lambda L: L.Embedding(6, 3, mask_zero=True)]),
    case("GroupQueryAttention masked self", lambda L: L.GroupQueryAttention(
        head_dim=2, num_query_heads=2, num_key_value_heads=1), ((5,), "ipad6"), call="self",
         pre=[lambda L: L.Embedding(6, 3, mask_zero=True)]),
    case("Attention masked self", lambda L: L.Attention(), ((5,), "ipad6"), call="listself",
         pre=[lambda L: L.Embedding(6, 3, mask_zero=True)]),
    case("AdditiveAttention masked self", lambda L: L.AdditiveAttention(), ((5,), "ipad6"),
         call="listself", pre=[lambda L: L.Embedding(6, 3, mask_zero=True)]),
    case("TimeDistributed masked", lambda L: L.TimeDistributed(L.Dense(2)), ((5,), "ipad6"),
         pre=[lambda L: L.Embedding(6, 3, mask_zero=True)]),
    case("Concatenate masked", lambda L: L.Concatenate(axis=1), ((5,), "ipad6"),
         ((5,), "ipad6"), call="list", pre=[lambda L: L.Embedding(6, 3, mask_zero=True)]),
    # inputs of any length (None), and options that live in the config only
    case("LSTM any length", lambda L: L.LSTM(2, return_sequences=True), ((None, 2), F)),
    case("Conv1D any length same", lambda L: L.Conv1D(2, 3, padding="same"), ((None, 2), F)),
    case("Conv2D any size", lambda L: L.Conv2D(2, 2), ((None, None, 2), F)),
    case("GlobalAveragePooling2D any size", lambda L: L.GlobalAveragePooling2D(),
         ((None, None, 2), F)),
    case("MultiHeadAttention any length", lambda L: L.MultiHeadAttention(2, 2),
         ((None, 4), F), ((None, 4), F), call="args"),
    case("Embedding any length masked LSTM", lambda L: L.LSTM(2), ((None,), "ipad6"),
         pre=[lambda L: L.Embedding(6, 3, mask_zero=True)]),
    case("Dense regularized constrained frozen", lambda L: L.Dense(
        3, kernel_regularizer="l2", bias_regularizer=L_l1(), activity_regularizer="l1",
        kernel_constraint="max_norm", bias_constraint="non_neg", trainable=False,
        kernel_initializer="he_normal"), ((4,), F)),
    case("Conv2D regularized constrained", lambda L: L.Conv2D(
        2, 2, kernel_regularizer="l1", kernel_constraint="unit_norm"), ((3, 3, 1), F)),
    case("LSTM regularized", lambda L: L.LSTM(
        2, recurrent_regularizer="l2", recurrent_constraint="max_norm",
        recurrent_initializer="glorot_uniform"), ((3, 2), F)),
    case("BatchNormalization regularized", lambda L: L.BatchNormalization(
        gamma_regularizer="l2", beta_constraint="non_neg", momentum=0.9), ((3,), F)),
    # state from adapt(), a user's registered layer
    case("Normalization adapted", lambda L: adapted(
        L.Normalization(), np.arange(12).reshape(4, 3) ** 1.5), ((3,), F)),
    case("Normalization adapted axis None invert", lambda L: adapted(
        L.Normalization(axis=None, invert=True), np.arange(12.0)), ((3,), F)),
    case("Discretization adapted", lambda L: adapted(
        L.Discretization(num_bins=4), np.arange(20.0) / 10 - 1), ((3,), F)),
    case("custom registered layer", lambda L: L.Scaled(3, power=1.5), ((4,), F)),
    case("custom registered layer in Sequential", lambda L: L.Scaled(2), ((4,), F),
         sequential=True, pre=[lambda L: L.Dense(3)]),
    # models inside models, and Sequential files
    case("Functional nested", lambda L: nested_model(L), ((4,), F)),
    case("Functional nested in Sequential", lambda L: nested_model(L), ((4,), F),
         sequential=True),
    case("Sequential Conv2D MaxPooling2D Flatten Dense", lambda L: L.Dense(3, "softmax"),
         ((6, 6, 1), F), sequential=True, pre=[
             lambda L: L.Conv2D(2, 3, activation="relu"), lambda L: L.MaxPooling2D(),
             lambda L: L.Flatten()]),
    case("Sequential Embedding LSTM Dense", lambda L: L.Dense(1, "sigmoid"), ((5,), "ipad6"),
         sequential=True, pre=[lambda L: L.Embedding(6, 3, mask_zero=True), lambda L: L.LSTM(3)]),
    case("Sequential nested", lambda L: L.Sequential([L.Dense(3), L.BatchNormalization(),
                                                      L.Dense(2)]), ((4,), F)),
    case("Sequential nested in Sequential", lambda L: L.Sequential([L.Dense(3), L.Dense(2)]),
         ((4,), F), sequential=True, pre=[lambda L: L.Dense(4)]),
]


def L_l1():
    """A regularizer object (not a name) in a layer's arguments."""
    import keras
    return keras.regularizers.L1(0.05)


def make_input(rng, shape, kind, batch=2):
    full = (batch,) + tuple(4 if d is None else d for d in shape)  # None: any length
    if kind in (F, F64):
        return rng.standard_normal(full).astype(input_dtype(kind))
    if kind == U:
        return rng.uniform(size=full).astype("float32")
    if kind == IMG:
        return rng.uniform(0, 255, full).astype("float32")
    if kind == POS:
        return rng.uniform(0.5, 2.0, full).astype("float32")
    if kind.startswith("ipad"):  # token ids with trailing zeros (padding)
        x = rng.integers(1, int(kind[4:]), full).astype("int32")
        x[0, -2:] = 0
        x[1, -1:] = 0
        return x
    if kind == "masked":  # some all-zero timesteps
        x = rng.standard_normal(full).astype("float32")
        x[:, 1] = 0.0
        return x
    if kind == "s":
        return rng.choice(np.array(["a b", "b", "c a"] if not shape else ["a", "b", "c"]), full)
    if is_integer(kind):
        return rng.integers(0, int(kind[1:]), full).astype("int32")
    raise ValueError(kind)


def is_integer(kind):
    return kind.startswith("i") and kind[1:].isdigit()


def input_dtype(kind):
    if kind == "s":
        return "string"
    if is_integer(kind) or kind.startswith("ipad"):
        return "int32"
    return "float64" if kind == F64 else "float32"


def as_list(out):
    if isinstance(out, dict):
        return [out[k] for k in sorted(out)]
    if isinstance(out, (list, tuple)):
        return list(out)
    return [out]


CLOSEST = {}  # case id -> the largest error of a passing comparison, in units of the atol


def compare(got, want, cid=None):
    """None when ``got`` matches ``want`` (lists of arrays), else a short description. The
    error of a match is kept in CLOSEST[cid], to show how close the passes are."""
    got, want = as_list(got), as_list(want)
    if len(got) != len(want):
        return f"{len(got)} outputs, Keras {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        g, w = np.asarray(g), np.asarray(w)
        if g.shape != w.shape:
            return f"output {i} shape {g.shape}, Keras {w.shape}"
        if w.dtype.kind in "fc":
            scale = max(1.0, float(np.max(np.abs(w))) if w.size else 1.0)
            if not np.allclose(g, w, rtol=1e-5, atol=1e-5 * scale, equal_nan=True):
                err = float(np.max(np.abs(g.astype("float64") - w)))
                return f"output {i} max abs diff {err:.3g} (Keras max |y| {scale:.3g})"
            finite = np.isfinite(w)
            err = float(np.max(np.abs(g[finite].astype("float64") - w[finite]), initial=0.0))
            CLOSEST[cid] = max(CLOSEST.get(cid, 0.0), err / (1e-5 * scale))
        elif not np.array_equal(g.astype(w.dtype) if w.dtype.kind != "U" else g, w):
            return f"output {i} values differ"
    return None


def short(exc):
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ")
    return text[:160]


# ---------------------------------------------------------------- Keras side (phases 1, 3)

def perturb_weights(model, rng):
    for w in model.weights:
        if "float" not in str(w.dtype):
            continue
        low, high = (0.5, 1.5) if "variance" in w.path else (-0.6, 0.6)
        w.assign(rng.uniform(low, high, tuple(w.shape)).astype(str(w.dtype)))


def layer_namespace(keras):
    import types
    return types.SimpleNamespace(**{n: getattr(keras.layers, n) for n in dir(keras.layers)},
                                 Sequential=keras.Sequential, Model=keras.Model,
                                 Scaled=custom_layer_class(keras))


_CUSTOM = {}


def custom_layer_class(keras):
    """A user's layer, registered under "sweep>Scaled": the same code runs on Keras and on
    minikeras (each process defines it once on its own module)."""
    if keras.__name__ in _CUSTOM:
        return _CUSTOM[keras.__name__]

    @keras.saving.register_keras_serializable(package="sweep")
    class Scaled(keras.layers.Layer):
        def __init__(self, units, power=2.0, **kwargs):
            super().__init__(**kwargs)
            self.units, self.power = units, power

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), name="w")
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

        def call(self, x):
            y = keras.ops.matmul(x, self.w) * self.scale
            return keras.ops.sign(y) * keras.ops.power(keras.ops.abs(y), self.power)

        def get_config(self):
            return {**super().get_config(), "units": self.units, "power": self.power}

    _CUSTOM[keras.__name__] = Scaled
    return Scaled


def adapted(layer, data):
    layer.adapt(np.asarray(data, "float32"))
    return layer


def nested_model(L):
    inputs = L.Input((4,))
    hidden = L.Dense(3, activation="relu")(inputs)
    return L.Model(inputs, L.Dense(2)(L.BatchNormalization()(hidden)), name="inner")


def keras_model(keras, c, entry):
    L = layer_namespace(keras)
    ins = [keras.Input(shape, dtype=input_dtype(kind)) for shape, kind in c["inputs"]]
    L.Input = keras.Input
    layer = c["make"](L)
    entry["class"] = type(layer).__name__
    pre = [make(L) for make in c["pre"]]
    if c["sequential"]:
        return keras.Sequential([ins[0]] + pre + [layer])
    xs = list(ins)
    for p in pre:  # one shared layer over every input
        xs = [p(x) for x in xs]
    if c["call"] == "list":
        out = layer(xs, **c["call_kwargs"])
    elif c["call"] == "args":
        out = layer(*xs, **c["call_kwargs"])
    elif c["call"] == "self":
        out = layer(xs[0], xs[0], **c["call_kwargs"])
    elif c["call"] == "listself":
        out = layer([xs[0], xs[0]], **c["call_kwargs"])
    else:
        out = layer(xs[0], **c["call_kwargs"])
    return keras.Model(ins, out)


def run(model, x, training):
    """The model's outputs as a list of numpy arrays: ``predict``, or a training call."""
    if not training:
        return as_list(model.predict(x, verbose=0))
    out = as_list(model(x, training=True))
    return [o.detach().cpu().numpy() if hasattr(o, "detach") else np.asarray(o) for o in out]


def keras_phase1(cases, work):
    import keras
    index = []
    for n, c in enumerate(cases):
        cid = f"c{n:03d}"
        entry = dict(id=cid, label=c["label"], results={})
        index.append(entry)
        rng = np.random.default_rng(n)
        try:
            keras.utils.set_random_seed(n)
            model = keras_model(keras, c, entry)
            perturb_weights(model, rng)
            xs = [make_input(rng, shape, kind) for shape, kind in c["inputs"]]
            entry["training"] = c["training"]
            ys = run(model, xs if len(xs) > 1 else xs[0], c["training"])
        except Exception as exc:  # a case Keras itself cannot run is reported, not compared
            entry["keras_error"] = short(exc)
            keras_eager(c, entry, rng, work)
            continue
        np.savez(os.path.join(work, cid + ".io.npz"),
                 **{f"x{i}": x for i, x in enumerate(xs)},
                 **{f"y{i}": np.asarray(y) for i, y in enumerate(ys)})
        with open(os.path.join(work, cid + ".json"), "w") as f:
            f.write(model.to_json())
        np.savez(os.path.join(work, cid + ".w.npz"),
                 **{f"w{i:03d}": w for i, w in enumerate(model.get_weights())})
        for ext, save in ((".keras", model.save), (".weights.h5", model.save_weights),
                          (".h5", model.save)):
            path = os.path.join(work, "k_" + cid + ext)
            try:
                save(path)
            except Exception as exc:
                entry["results"][f"keras saves {ext}"] = "keras error: " + short(exc)
                if os.path.exists(path):  # half-written: nothing for minikeras to load
                    os.remove(path)
    return index


def keras_eager(c, entry, rng, work):
    """For a layer Keras cannot put in a model: its eager call and config, for phase 2."""
    import keras
    try:
        layer = c["make"](layer_namespace(keras))
        xs = [make_input(rng, shape, kind) for shape, kind in c["inputs"]]
        x = xs if c["call"] == "list" else xs[0]
        layer(x)  # builds
        for w in layer.weights:
            if "float" in str(w.dtype):
                w.assign(rng.uniform(-0.6, 0.6, tuple(w.shape)).astype(str(w.dtype)))
        ys = [keras.ops.convert_to_numpy(y) for y in as_list(layer(x, training=False))]
        weights = layer.get_weights()
        config = keras.saving.serialize_keras_object(layer)
    except Exception:
        return
    entry["eager"] = True
    np.savez(os.path.join(work, entry["id"] + ".io.npz"),
             **{f"x{i}": x for i, x in enumerate(xs)},
             **{f"y{i}": y for i, y in enumerate(ys)})
    np.savez(os.path.join(work, entry["id"] + ".w.npz"),
             **{f"w{i:03d}": w for i, w in enumerate(weights)})
    with open(os.path.join(work, entry["id"] + ".json"), "w") as f:
        json.dump(config, f)


def keras_phase3(index, work):
    import keras
    custom_layer_class(keras)
    for entry in index:
        cid = entry["id"]
        if "keras_error" in entry:
            continue
        io = np.load(os.path.join(work, cid + ".io.npz"))
        xs = [io[k] for k in sorted(io.files) if k.startswith("x")]
        ys = [io[k] for k in sorted(io.files, key=lambda k: int(k[1:])) if k.startswith("y")]
        x = xs if len(xs) > 1 else xs[0]

        def from_weights(path):
            with open(os.path.join(work, cid + ".json")) as f:
                model = keras.models.model_from_json(f.read())
            model.load_weights(path)
            return model

        for ext, load in ((".keras", keras.saving.load_model), (".weights.h5", from_weights),
                          (".h5", keras.saving.load_model)):
            for source in ("minikeras", "keras"):  # Keras's own file: the control
                path = os.path.join(work, source[0] + "_" + cid + ext)
                if not os.path.exists(path):
                    continue
                try:
                    result = compare(run(load(path), x, entry["training"]), ys, cid)
                except Exception as exc:
                    result = short(exc)
                entry["results"][f"keras loads {source} {ext}"] = result
            own = entry["results"].get(f"keras loads keras {ext}")
            if own is not None:  # Keras fails on its own file too: not a minikeras divergence
                entry["results"][f"keras loads keras {ext}"] = "keras error: " + own
                entry["results"].pop(f"keras loads minikeras {ext}", None)


# ---------------------------------------------------------------- minikeras side (phase 2)

def minikeras_eager(mk, entry, work):
    """The eager call of a layer rebuilt from Keras's config, against Keras's eager call."""
    io = np.load(os.path.join(work, entry["id"] + ".io.npz"))
    xs = [io[k] for k in sorted(io.files) if k.startswith("x")]
    ys = [io[k] for k in sorted(io.files, key=lambda k: int(k[1:])) if k.startswith("y")]
    with open(os.path.join(work, entry["id"] + ".json")) as f:
        config = json.load(f)
    step = "minikeras layer from config, eager call"
    wts = np.load(os.path.join(work, entry["id"] + ".w.npz"))
    try:
        layer = mk.layers.deserialize(config)
        x = xs if len(xs) > 1 else xs[0]
        layer(x)  # builds
        layer.set_weights([wts[k] for k in sorted(wts.files)])
        out = layer(x, training=False)
        entry["results"][step] = compare([np.asarray(o) for o in as_list(out)], ys,
                                         entry["id"])
    except Exception as exc:
        entry["results"][step] = short(exc)


def minikeras_phase2(work):
    sys.path.insert(0, ROOT)
    import minikeras as mk
    custom_layer_class(mk)  # the user's layer, registered as it is on the Keras side
    with open(os.path.join(work, "index.json")) as f:
        index = json.load(f)
    for entry in index:
        if "keras_error" in entry and not entry.get("eager"):
            continue
        cid = entry["id"]
        res = entry["results"]
        if entry.get("eager"):
            minikeras_eager(mk, entry, work)
            continue
        io = np.load(os.path.join(work, cid + ".io.npz"))
        xs = [io[k] for k in sorted(io.files) if k.startswith("x")]
        ys = [io[k] for k in sorted(io.files, key=lambda k: int(k[1:])) if k.startswith("y")]
        x = xs if len(xs) > 1 else xs[0]
        with open(os.path.join(work, cid + ".json")) as f:
            config_json = f.read()
        wts = np.load(os.path.join(work, cid + ".w.npz"))
        keras_weights = [wts[k] for k in sorted(wts.files)]

        def from_weights(path):
            model = mk.models.model_from_json(config_json)
            model.load_weights(path)
            return model

        for ext, load in ((".keras", mk.saving.load_model), (".weights.h5", from_weights),
                          (".h5", mk.saving.load_model)):
            path = os.path.join(work, "k_" + cid + ext)
            if not os.path.exists(path):
                continue
            step = f"minikeras loads keras {ext}"
            try:
                res[step] = compare(run(load(path), x, entry["training"]), ys, cid)
            except Exception as exc:
                res[step] = short(exc)
        step = "minikeras from config + set_weights"
        try:
            model = mk.models.model_from_json(config_json)
            model.set_weights(keras_weights)
            res[step] = compare(run(model, x, entry["training"]), ys, cid)
        except Exception as exc:
            res[step] = short(exc)
            continue
        for ext, save in ((".keras", model.save), (".weights.h5", model.save_weights),
                          (".h5", model.save)):
            try:
                save(os.path.join(work, "m_" + cid + ext))
            except Exception as exc:
                res[f"minikeras saves {ext}"] = short(exc)
    for entry in index:
        entry["closest"] = CLOSEST.get(entry["id"], 0.0)
    with open(os.path.join(work, "index.json"), "w") as f:
        json.dump(index, f)


# ---------------------------------------------------------------- driver

def print_table(index, shared):
    failed_classes, passed_classes, documented = set(), set(), set()
    print(f"\n{'case':44s} {'class':28s} result")
    for entry in index:
        if "keras_error" in entry:
            print(f"{entry['label']:44s} {entry.get('class', '?'):28s} "
                  f"KERAS CANNOT RUN: {entry['keras_error']}")
            if not entry.get("eager"):
                continue
        bad = {k: v for k, v in entry["results"].items()
               if v is not None and not v.startswith("keras error")}
        notes = {k: v for k, v in entry["results"].items() if v and v.startswith("keras error")}
        known = DOCUMENTED.get(entry["label"])
        if bad and known:
            documented.add(entry["class"])
        (failed_classes if bad and not known else passed_classes).add(entry["class"])
        text = "pass" if not bad else "; ".join(f"[{k}] {v}" for k, v in bad.items())
        if bad and known:
            text = f"KNOWN: {known}. {text}"
        if notes:
            text += "  (" + "; ".join(f"{k}: {v[:60]}" for k, v in notes.items()) + ")"
        print(f"{entry['label']:44s} {entry['class']:28s} {text}")
    ran = passed_classes | failed_classes
    print(f"\n{len(index)} cases over {len(ran)} classes; classes with every case passing: "
          f"{len(ran - failed_classes - documented)}; with a known, documented divergence "
          f"only: {len(documented - failed_classes)} ({', '.join(sorted(documented))}); "
          f"with an undocumented divergence: {len(failed_classes)} "
          f"({', '.join(sorted(failed_classes))})")
    closest = sorted(index, key=lambda e: -max(e.get("closest", 0.0),
                                               CLOSEST.get(e["id"], 0.0)))[:5]
    print("closest passes (largest error / atol):", ", ".join(
        f"{e['label']} {max(e.get('closest', 0.0), CLOSEST.get(e['id'], 0.0)):.2f}"
        for e in closest))
    missing = sorted(set(shared) - ran - set(NOT_SWEPT))
    if missing:
        print("shared classes not swept:", ", ".join(missing))


def shared_classes():
    import keras
    sys.path.insert(0, ROOT)
    names = set()
    for name in dir(keras.layers):
        obj = getattr(keras.layers, name)
        if isinstance(obj, type) and name == obj.__name__:
            names.add(name)
    return names


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="", help="comma-separated class names or labels")
    parser.add_argument("--keep", default="", help="work directory to keep (default: a temp)")
    parser.add_argument("--minikeras", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.minikeras:
        return minikeras_phase2(args.minikeras)
    os.environ.setdefault("KERAS_BACKEND", "torch")
    work = args.keep or tempfile.mkdtemp(prefix="layers_sweep_")
    os.makedirs(work, exist_ok=True)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    cases = [c for c in CASES if not only or any(
        c["label"] == o or c["label"].split(" ")[0] == o for o in only)]
    index = keras_phase1(cases, work)
    with open(os.path.join(work, "index.json"), "w") as f:
        json.dump(index, f)
    done = subprocess.run([MINIKERAS_PYTHON, os.path.abspath(__file__), "--minikeras", work],
                          cwd=ROOT)
    if done.returncode:
        sys.exit("the minikeras phase failed (see above)")
    with open(os.path.join(work, "index.json")) as f:
        index = json.load(f)
    keras_phase3(index, work)
    with open(os.path.join(work, "index.json"), "w") as f:
        json.dump(index, f)
    print_table(index, shared_classes() if not only else [])
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
