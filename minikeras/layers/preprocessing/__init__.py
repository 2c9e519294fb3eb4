"""Preprocessing layers: numeric, categorical, lookup, text and image."""
from .category_encoding import CategoryEncoding, HashedCrossing, Hashing
from .lookup import IntegerLookup, StringLookup
from .numeric import Discretization, Normalization
from .pipeline import Pipeline
from .text_vectorization import TextVectorization
from .image_augmentation import (AutoContrast, RandomBrightness, RandomContrast, RandomCrop,
                                 RandomFlip, RandomGrayscale, RandomInvert, RandomRotation,
                                 RandomTranslation, RandomZoom)
from .image_resizing import CenterCrop, Resizing
