"""``keras.preprocessing``: Keras 3's legacy namespace for the data utilities.

The same functions as in ``keras.utils``, under the names older scripts import:
``keras.preprocessing.image_dataset_from_directory``, ``keras.preprocessing.image.load_img``,
``keras.preprocessing.sequence.pad_sequences`` ...
"""
from ..utils import (image_dataset_from_directory, text_dataset_from_directory,
                     timeseries_dataset_from_array)
from . import image, sequence

__all__ = ["image", "image_dataset_from_directory", "sequence", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]
