"""keras.visualization.draw_bounding_boxes / draw_segmentation_masks: arrays equal to real
Keras 3.15's (fixture made by tools/make_vision_utils_fixture.py, with OpenCV drawing the
outlines), small cases by hand, bad input."""
from pathlib import Path

import numpy as np
import pytest

import minikeras as keras
from tests.optional_extras import require_module

V = keras.visualization
E = np.load(Path(__file__).parents[1] / "fixtures" / "keras_vision_utils.npz")
BOXES = {"boxes": E["draw_boxes"], "labels": E["draw_labels"]}


@pytest.mark.parametrize("thickness", [1, 2, 3, 6, -1])
def test_outlines_equal_keras(thickness):
    got = V.draw_bounding_boxes(E["draw_images"], BOXES, "xyxy", color=(255, 10, 0),
                                line_thickness=thickness)
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, E[f"draw_t{thickness}"])


def test_float_images_and_relative_boxes_equal_keras():
    np.testing.assert_array_equal(V.draw_bounding_boxes(E["draw_float_images"], BOXES, "xyxy"),
                                  E["draw_float"])
    np.testing.assert_array_equal(
        V.draw_bounding_boxes(E["draw_float_images"] * 300 - 20, BOXES, "xyxy"),
        E["draw_float_255"])
    rel = {"boxes": np.array([[[0.5, 0.5, 0.5, 0.25]]] * 2, "float32"),
           "labels": np.array([[1]] * 2)}
    np.testing.assert_array_equal(
        V.draw_bounding_boxes(E["draw_images"], rel, "rel_center_xywh", color=(0, 0, 255)),
        E["draw_rel_center"])


def test_one_pixel_outline_by_hand_and_padding_skipped():
    images = np.zeros((1, 6, 7, 3), "uint8")
    boxes = {"boxes": np.array([[[1.9, 1, 4, 3], [0, 0, 6, 5]]]), "labels": np.array([[2, -1]])}
    drawn = V.draw_bounding_boxes(images, boxes, "xyxy", color=(9, 8, 7), line_thickness=1)
    expected = np.zeros((6, 7), bool)
    expected[1, 1:5] = expected[3, 1:5] = True    # x 1.9 truncates to 1, as Keras
    expected[1:4, 1] = expected[1:4, 4] = True
    np.testing.assert_array_equal(drawn[0, ..., 0] > 0, expected)
    np.testing.assert_array_equal(drawn[0][expected], [[9, 8, 7]] * expected.sum())
    assert not images.any()   # the input is not drawn on


def test_channels_first_and_grey_images():
    first = V.draw_bounding_boxes(E["draw_images"].transpose(0, 3, 1, 2), BOXES, "xyxy",
                                  color=(255, 10, 0), line_thickness=3,
                                  data_format="channels_first")
    np.testing.assert_array_equal(first.transpose(0, 2, 3, 1), E["draw_t3"])
    grey = V.draw_bounding_boxes(E["draw_images"][..., :1], BOXES, "xyxy", color=(255, 10, 0),
                                 line_thickness=3)
    np.testing.assert_array_equal(grey, E["draw_t3"][..., :1])


def test_labels_are_written_above_the_box():
    require_module("PIL", "images")
    images = np.zeros((1, 60, 80, 3), "uint8")
    boxes = {"boxes": np.array([[[10, 40, 70, 58]]]), "labels": np.array([[1]]),
             "confidences": np.array([[0.5]])}
    plain = V.draw_bounding_boxes(images, boxes, "xyxy", color=(0, 255, 0), line_thickness=1,
                                  font_scale=0.5)
    named = V.draw_bounding_boxes(images, boxes, "xyxy", class_mapping={1: "cat"},
                                  color=(0, 255, 0), line_thickness=1, font_scale=0.5)
    text = (named[0] != plain[0]).any(-1)
    rows, cols = np.nonzero(text)
    # font_scale 0.5: Keras's place is 8 pixels above the box's top (y 40): baseline y 32,
    # text starting at the box's left (x 10); only "|" reaches below the baseline
    assert rows.max() < 40 and np.mean(rows <= 32) > 0.9 and rows.min() >= 32 - 15
    assert cols.min() >= 10
    assert text.sum() > 20 and (named[0][text][:, [0, 2]] == 0).all()   # green only


def test_masks_equal_keras():
    colours = {i: tuple(c) for i, c in enumerate(E["mask_colors"].tolist())}
    for name, kwargs in (("mask_blend", {}), ("mask_ignore_0", dict(alpha=0.3, ignore_index=0)),
                         ("mask_no_blend", dict(blend=False)),
                         ("mask_mapped", dict(color_mapping=colours))):
        got = V.draw_segmentation_masks(E["mask_images"], E["masks"], num_classes=4, **kwargs)
        assert got.dtype == E[name].dtype
        np.testing.assert_array_equal(got, E[name])


def test_masks_by_hand():
    images = np.full((1, 2, 2, 3), 100, "uint8")
    masks = np.array([[[0, 1], [2, -1]]])           # (batch, height, width): no channel axis
    drawn = V.draw_segmentation_masks(images, masks, color_mapping={0: (0, 0, 0),
                                                                    1: (200, 0, 0)}, alpha=0.5)
    # num_classes = max id = 2 (as Keras): class 2 is blended with itself, -1 untouched
    np.testing.assert_array_equal(drawn[0], [[[50, 50, 50], [150, 50, 50]],
                                             [[100, 100, 100], [100, 100, 100]]])
    # Keras's palette: class i is (i * (2^25 - 1, 2^15 - 1, 2^21 - 1)) mod 255, and as
    # 2^8 = 1 (mod 255), that is i * (2 - 1, 2^7 - 1, 2^5 - 1) = i * (1, 127, 31)
    hard = V.draw_segmentation_masks(images, masks, num_classes=3, blend=False, ignore_index=0)
    np.testing.assert_array_equal(hard[0], [[[100, 100, 100], [1, 127, 31]],
                                            [[2, 254, 62], [100, 100, 100]]])


IMAGES = np.zeros((2, 5, 5, 3), "uint8")
GOOD = {"boxes": np.zeros((2, 1, 4)), "labels": np.zeros((2, 1))}


@pytest.mark.parametrize("call, error, match", [
    (lambda: V.draw_bounding_boxes(IMAGES[0], GOOD, "xyxy"), ValueError,
     r"batch of images.*Received: images.shape=\(5, 5, 3\)"),
    (lambda: V.draw_bounding_boxes(IMAGES, [1, 2], "xyxy"), TypeError,
     "to be a dict with keys 'boxes' and 'labels'. Received: list"),
    (lambda: V.draw_bounding_boxes(IMAGES, {"boxes": GOOD["boxes"]}, "xyxy"), ValueError,
     r"the keys 'boxes' and 'labels'. Received keys: \['boxes'\]"),
    (lambda: V.draw_bounding_boxes(IMAGES, GOOD, "corners"), ValueError, "'corners'"),
    (lambda: V.draw_bounding_boxes(IMAGES, {"boxes": np.zeros((1, 1, 4)),
                                            "labels": np.zeros((1, 1))}, "xyxy"), ValueError,
     r"for 2 images. Received: boxes.shape=\(1, 1, 4\)"),
    (lambda: V.draw_bounding_boxes(IMAGES, GOOD, "xyxy", data_format="nhwc"), ValueError,
     "data_format=nhwc"),
    (lambda: V.draw_segmentation_masks(IMAGES, np.zeros((2, 5, 5), "float32")), TypeError,
     "integer class ids. Received dtype: float32"),
    (lambda: V.draw_segmentation_masks(IMAGES, np.zeros((2, 4, 5), "int32")), ValueError,
     r"\(batch, height, width\) = \(2, 5, 5\). Received shape: \(2, 4, 5\)"),
    (lambda: V.draw_segmentation_masks(IMAGES, np.zeros((2, 5, 5), "int32"), num_classes=2,
                                       color_mapping={0: (1, 2, 3)}), ValueError,
     r"every class 0..1; missing: \[1\]"),
    (lambda: V.draw_segmentation_masks(IMAGES[0], np.zeros((5, 5), "int32")), ValueError,
     "batch of images"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
