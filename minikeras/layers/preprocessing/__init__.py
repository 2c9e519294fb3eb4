"""Preprocessing layers: numeric, categorical, lookup, text and image."""
from .category_encoding import CategoryEncoding, HashedCrossing, Hashing
from .lookup import IntegerLookup, StringLookup
from .numeric import Discretization, Normalization
from .text_vectorization import TextVectorization
