"""Preprocessing layers: data transformations that are part of the model (numeric,
categorical, lookup, text, image and audio)."""
from .bounding_boxes import MaxNumBoundingBoxes
from .category_encoding import CategoryEncoding, HashedCrossing, Hashing
from .histogram_equalization import ContrastLimitedAdaptiveHistogramEqualization, Equalization
from .image_augmentation import (AutoContrast, RandomBrightness, RandomColorDegeneration,
                                 RandomContrast, RandomCrop, RandomFlip, RandomGrayscale,
                                 RandomHue, RandomInvert, RandomPosterization, RandomRotation,
                                 RandomSaturation, RandomShear, RandomTranslation, RandomZoom,
                                 Solarization)
from .image_composite import AugMix, RandAugment, RandomColorJitter
from .image_filtering import RandomGaussianBlur, RandomSharpness
from .image_mixing import CutMix, MixUp, RandomErasing
from .image_resizing import CenterCrop, Resizing
from .image_warping import RandomElasticTransform, RandomPerspective
from .lookup import IntegerLookup, StringLookup
from .numeric import Discretization, Normalization
from .pipeline import Pipeline
from .rescaling import Rescaling
from .spectrograms import MelSpectrogram, STFTSpectrogram
from .text_vectorization import TextVectorization
