"""keras.layers: every layer, registered by class name."""
from .activations import ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU
from .adaptive_pooling import (AdaptiveAveragePooling1D, AdaptiveAveragePooling2D,
                               AdaptiveAveragePooling3D, AdaptiveMaxPooling1D,
                               AdaptiveMaxPooling2D, AdaptiveMaxPooling3D)
from .attention import AdditiveAttention, Attention, GroupQueryAttention, MultiHeadAttention
from .convolutional import (Conv1D, Conv2D, Conv3D, Convolution1D, Convolution2D,
                            Convolution3D)
from .convolutional_transpose import (Conv1DTranspose, Conv2DTranspose, Conv3DTranspose,
                                      Convolution1DTranspose, Convolution2DTranspose,
                                      Convolution3DTranspose)
from .convolutional_depthwise import (DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D,
                                      SeparableConv2D, SeparableConvolution1D,
                                      SeparableConvolution2D)
from .core import Activation, Dense, Identity, Input, InputLayer, Lambda, Masking
from .einsum_dense import EinsumDense
from .embedding import Embedding
from .layer import LAYERS, InputSpec, Layer
from .layer import serialize_layer as _serialize_layer
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract,
                      add, average, concatenate, dot, maximum, minimum, multiply, subtract)
from . import op_call  # noqa: F401  (keras.ops calls on KerasTensors become graph nodes)
from .normalization import (BatchNormalization, GroupNormalization, LayerNormalization,
                            RMSNormalization, UnitNormalization)
from .pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D, AvgPool1D, AvgPool2D,
                      AvgPool3D, GlobalAveragePooling1D, GlobalAveragePooling2D,
                      GlobalAveragePooling3D, GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D,
                      GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D, GlobalMaxPooling1D,
                      GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPool1D, MaxPool2D, MaxPool3D,
                      MaxPooling1D, MaxPooling2D, MaxPooling3D)
from .preprocessing import ContrastLimitedAdaptiveHistogramEqualization, MaxNumBoundingBoxes
from .preprocessing import (AugMix, CutMix, Equalization, MelSpectrogram, MixUp, RandAugment,
                            RandomColorJitter, RandomElasticTransform, RandomErasing,
                            RandomGaussianBlur, RandomPerspective, RandomSharpness,
                            STFTSpectrogram)
from .preprocessing import (AutoContrast, CategoryEncoding, CenterCrop, Discretization,
                            HashedCrossing, Hashing, IntegerLookup, Normalization, Pipeline,
                            RandomBrightness, RandomColorDegeneration, RandomContrast,
                            RandomCrop, RandomFlip, RandomGrayscale, RandomHue, RandomInvert,
                            RandomPosterization, RandomRotation, RandomSaturation, RandomShear,
                            RandomTranslation, RandomZoom, Rescaling, Resizing, Solarization,
                            StringLookup, TextVectorization)
from .regularization import (ActivityRegularization, AlphaDropout, Dropout, GaussianDropout,
                             GaussianNoise, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D)
from .reversible_embedding import ReversibleEmbedding
from .reshaping import (Cropping1D, Cropping2D, Cropping3D, Flatten, Permute, RepeatVector,
                        Reshape, UpSampling1D, UpSampling2D, UpSampling3D, ZeroPadding1D,
                        ZeroPadding2D, ZeroPadding3D)
from .rnn import (GRU, LSTM, RNN, Bidirectional, GRUCell, LSTMCell, SimpleRNN, SimpleRNNCell,
                  StackedRNNCells, TimeDistributed)
from .rnn import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from .spectral_normalization import SpectralNormalization
from .wrapper import Wrapper


def serialize(layer):
    """A layer's Keras config dict (with its build config when built)."""
    return _serialize_layer(layer)


def deserialize(config, custom_objects=None):
    """Rebuild a layer from its config dict."""
    return LAYERS.deserialize(config, custom_objects)


def get(identifier):
    if isinstance(identifier, Layer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    return LAYERS.lookup(identifier)()


__all__ = ["Activation", "Dense", "Dropout", "ELU", "Flatten", "Input", "InputLayer",
           "InputSpec", "LAYERS", "Layer", "LeakyReLU", "PReLU", "ReLU", "Reshape", "Softmax",
           "ThresholdedReLU",
           "deserialize", "get", "serialize"]
__all__ += ["Permute", "RepeatVector", "UpSampling1D", "UpSampling2D", "UpSampling3D",
            "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D"]
__all__ += ["Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "Convolution1DTranspose",
            "Convolution2DTranspose", "Convolution3DTranspose"]
__all__ += ["AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "AvgPool1D", "AvgPool2D",
            "AvgPool3D", "BatchNormalization", "Conv1D", "Conv2D", "Conv3D", "Convolution1D",
            "Convolution2D", "Convolution3D", "DepthwiseConv1D", "DepthwiseConv2D", "Embedding",
            "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
            "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool1D",
            "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
            "GlobalMaxPooling3D", "LayerNormalization", "MaxPool1D", "MaxPool2D", "MaxPool3D",
            "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "SeparableConv1D", "SeparableConv2D",
            "SeparableConvolution1D", "SeparableConvolution2D"]
__all__ += ["ActivityRegularization", "AlphaDropout", "Cropping1D", "Cropping2D", "Cropping3D",
            "GaussianDropout", "GaussianNoise", "Identity", "Lambda", "Masking", "Rescaling",
            "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "UnitNormalization"]
__all__ += ["Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract",
            "add", "average", "concatenate", "dot", "maximum", "minimum", "multiply", "subtract"]
__all__ += ["GroupNormalization", "RMSNormalization"]
__all__ += ["AutoContrast", "Pipeline", "RandomGrayscale", "RandomHue", "RandomInvert",
            "RandomSaturation", "Solarization", "RandomColorDegeneration",
            "RandomPosterization", "RandomShear"]
__all__ += ["CategoryEncoding", "CenterCrop", "Discretization", "HashedCrossing", "Hashing",
            "IntegerLookup", "Normalization", "RandomBrightness", "RandomContrast", "RandomCrop",
            "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "Resizing",
            "StringLookup", "TextVectorization"]
__all__ += ["AdditiveAttention", "Attention", "Bidirectional", "EinsumDense", "GRU", "GRUCell",
            "LSTM", "LSTMCell", "MultiHeadAttention", "RNN", "SimpleRNN", "SimpleRNNCell",
            "StackedRNNCells", "TimeDistributed"]
__all__ += ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
__all__ += ["AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
            "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D",
            "GroupQueryAttention", "ReversibleEmbedding",
            "SpectralNormalization", "Wrapper"]
__all__ += ["AugMix", "CutMix", "Equalization", "MixUp", "RandAugment", "RandomColorJitter",
            "RandomElasticTransform", "RandomErasing", "RandomGaussianBlur",
            "RandomPerspective", "RandomSharpness", "MelSpectrogram", "STFTSpectrogram",
            "ContrastLimitedAdaptiveHistogramEqualization", "MaxNumBoundingBoxes"]
