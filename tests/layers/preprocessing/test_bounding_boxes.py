"""MaxNumBoundingBoxes: boxes and labels cut or padded to one count (by hand), the config
against Keras's (fixture made by tools/make_image_filters_fixture.py).
Bad arguments: test_augmentation_bad_arguments.py."""
from pathlib import Path

import numpy as np
import pytest

from minikeras import layers
from tests.layers.keras_configs import assert_keras_config

E = np.load(Path(__file__).parents[2] / "fixtures" / "keras_image_filters.npz")


def test_boxes_and_labels_are_cut_or_padded():
    images = np.zeros((2, 4, 4, 3), "float32")
    boxes = np.arange(2 * 4 * 4, dtype="float32").reshape(2, 4, 4)
    labels = np.array([[1, 2, 3, 4], [5, 6, 7, 8]], "float32")
    data = {"images": images, "bounding_boxes": {"boxes": boxes, "labels": labels}}
    cut = layers.MaxNumBoundingBoxes(2, bounding_box_format="xyxy")(data)
    np.testing.assert_array_equal(cut["bounding_boxes"]["boxes"].numpy(), boxes[:, :2])
    np.testing.assert_array_equal(cut["bounding_boxes"]["labels"].numpy(), labels[:, :2])
    np.testing.assert_array_equal(cut["images"].numpy(), images)
    padded = layers.MaxNumBoundingBoxes(6, fill_value=-2, bounding_box_format="xyxy")(
        data)["bounding_boxes"]
    assert padded["boxes"].shape == (2, 6, 4)
    np.testing.assert_array_equal(padded["boxes"].numpy()[:, 4:], -2)
    np.testing.assert_array_equal(padded["labels"].numpy(), [[1, 2, 3, 4, -2, -2],
                                                             [5, 6, 7, 8, -2, -2]])
    shape = layers.MaxNumBoundingBoxes(6).compute_output_shape(
        {"images": (2, 4, 4, 3), "bounding_boxes": {"boxes": (2, 4, 4), "labels": (2, 4)}})
    assert shape["bounding_boxes"] == {"boxes": (2, 6, 4), "labels": (2, 6)}
    np.testing.assert_array_equal(layers.MaxNumBoundingBoxes(3)(images).numpy(), images)


def test_boxes_need_a_format_as_in_keras():
    # Keras 3.15 raises this for its own docstring example (no bounding_box_format)
    data = {"images": np.zeros((1, 4, 4, 3), "float32"),
            "bounding_boxes": {"boxes": np.zeros((1, 2, 4), "float32"),
                               "labels": np.zeros((1, 2), "float32")}}
    with pytest.raises(ValueError, match="didn't specify a bounding box format. Pass a "
                                         "`bounding_box_format` argument"):
        layers.MaxNumBoundingBoxes(2)(data)
    with pytest.raises(ValueError, match="Received: bounding_box_format='corners'"):
        layers.MaxNumBoundingBoxes(2, bounding_box_format="corners")
    layer = layers.MaxNumBoundingBoxes(2, bounding_box_format="YXYX")
    assert layer.get_config()["bounding_box_format"] == "yxyx"
    assert "bounding_box_format" not in layers.MaxNumBoundingBoxes(2).get_config()


def test_config_has_keras_keys_and_keeps_the_fill():
    layer = layers.MaxNumBoundingBoxes(3, fill_value=-2)
    assert_keras_config(layer, E["max_boxes_config"], ours_only=("name", "dtype", "fill_value"))
    assert layers.MaxNumBoundingBoxes.from_config(layer.get_config()).fill_value == -2
