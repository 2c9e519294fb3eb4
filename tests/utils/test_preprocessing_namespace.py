"""``keras.preprocessing``: Keras 3's legacy namespace, and ``smart_resize``.

Expected arrays were read once from Keras 3.15 (``keras.preprocessing.image.smart_resize``)
outside the project, on the image ``arange(48).reshape(4, 6, 2)``.
"""
import numpy as np
import pytest

import minikeras as keras
from minikeras.preprocessing import image
from minikeras.preprocessing.sequence import pad_sequences

X = np.arange(4 * 6 * 2, dtype=np.float32).reshape(4, 6, 2)


def test_the_namespace_holds_keras_names():
    assert keras.preprocessing.image_dataset_from_directory is keras.utils.image_dataset_from_directory
    assert keras.preprocessing.timeseries_dataset_from_array is \
        keras.utils.timeseries_dataset_from_array
    assert image.load_img is keras.utils.load_img
    assert pad_sequences([[1, 2], [3]]).tolist() == [[1, 2], [0, 3]]


def test_smart_resize_crops_the_centre_then_resizes():
    # (4, 6) to (2, 2): the centred 4 x 4 box (columns 1..4), then bilinear halving
    np.testing.assert_array_equal(image.smart_resize(X, (2, 2))[..., 0], [[9, 13], [33, 37]])
    np.testing.assert_array_equal(
        image.smart_resize(X, (3, 5), interpolation="nearest")[..., 1],
        [[1, 3, 7, 9, 11], [13, 15, 19, 21, 23], [25, 27, 31, 33, 35]])
    batch = image.smart_resize(np.stack([X, X + 1]), (5, 3))
    np.testing.assert_allclose(batch[1, ..., 0], [[5, 6, 7], [13.4, 14.4, 15.4], [23, 24, 25],
                                                  [32.6, 33.6, 34.6], [41, 42, 43]], rtol=1e-6)
    first = image.smart_resize(X.transpose(2, 0, 1), (2, 2), data_format="channels_first")
    np.testing.assert_array_equal(first[0], [[9, 13], [33, 37]])
    assert isinstance(first, np.ndarray)


def test_smart_resize_bad_input():
    with pytest.raises(ValueError, match=r"Expected `size` to be a tuple of 2 integers, but got: "
                                         r"\(2, 2, 2\)"):
        image.smart_resize(X, (2, 2, 2))
    with pytest.raises(ValueError, match=r"incorrect rank, of shape \(4, 6\)"):
        image.smart_resize(X[..., 0], (2, 2))
