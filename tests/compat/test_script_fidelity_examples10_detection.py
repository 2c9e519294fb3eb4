"""Object detection and segmentation scripts run beside Keras 3.15 (round 10): RetinaNet's
anchors, label encoder, loss, a fit of the model on a tiny backbone, a keras.applications
backbone's feature maps and the decoding with a greedy NMS in ops; object detection with a
Vision Transformer; segmentation with per-pixel weights and IoU metrics; DeepLabV3+'s
colouring; keras.utils.bounding_boxes in a pipeline; and the bounding-box-aware
preprocessing layers (Resizing, CenterCrop, RandomFlip, RandomCrop, RandomRotation,
RandomTranslation, RandomZoom, the colour layers, a Pipeline) on {"images",
"bounding_boxes"} dicts.

The scripts are in tests/fixtures/examples10_detection_cases.py; what Keras printed and
computed is in tests/fixtures/keras_examples10_detection.json, written once with real Keras
3.15 (torch backend) by tools/make_examples10_detection_fixture.py. Printed text must be
equal (times normalized), numbers equal to float32 round-off.

Found here and fixed:
- The image layers take ``bounding_box_format`` and a dict input {"images",
  "bounding_boxes": {"boxes", "labels"}, "labels", "segmentation_masks"} as Keras 3 does
  (minikeras refused the argument): Resizing, CenterCrop, RandomFlip, RandomCrop,
  RandomRotation, RandomTranslation, RandomZoom, RandomShear and RandomPerspective move
  the boxes with their images (clipped, padding boxes kept at 0), move the masks with them (nearest), keep the
  labels; a dict with boxes but no format, or boxes / labels of the wrong rank, fail with
  Keras's messages.
- Resizing keeps an integer image's dtype in a dict input as on a plain one.
- The colour layers (RandomBrightness, RandomContrast, RandomSaturation,
  RandomColorJitter, AutoContrast, Equalization, ...) take the same dict, augment the images and pass boxes, labels
  and masks unchanged, as Keras's do.

Not compared (NOT_COMPARED): differences that are deliberate (docs/porting.md).
"""
import functools
import numpy as np
import pytest

import minikeras as keras
from tests.compat.script_compare import assert_same, without
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples10_detection_cases", "keras_examples10_detection.json")

# (case, key) -> why minikeras differs there (docs/porting.md says the same)
NOT_COMPARED = {
    ("random_crop_with_boxes", "boxes_follow_offset"):
        "Keras 3.15 moves a cropped box's x by the crop's top and its y by its left; "
        "minikeras moves x by the left and y by the top",
    ("random_crop_with_boxes", "inference"):
        "RandomCrop at inference: minikeras resizes the centred box of the aspect ratio "
        "(images and boxes), Keras 3.15 returns its input unchanged",
    ("fixed_warps_with_boxes", "masks_rotated"):
        "Keras 3.15's RandomRotation does not rotate the segmentation masks as it rotates "
        "their images (most of a mask comes out 0); minikeras moves them with the images "
        "(test_rotated_masks_follow_their_images)",
}


without_not_compared = functools.partial(without, NOT_COMPARED)


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_script_matches_keras(name):
    assert_same(without_not_compared(name, cases.CASES[name](keras)),
                without_not_compared(name, KERAS[name]), name)


def test_not_compared_entries_exist_in_the_record():
    for name, key in NOT_COMPARED:
        assert key in KERAS[name], (name, key)


def box_data():
    return {"images": cases.IMAGES.copy(),
            "bounding_boxes": {"boxes": cases.BOXES.copy(), "labels": cases.LABELS.copy()}}


def test_random_crop_moves_boxes_by_the_crop_offset():
    """x less the crop's left, y less its top, floored at 0 (Keras 3.15 swaps the two)."""
    layer = keras.layers.RandomCrop(6, 6, seed=3, bounding_box_format="xyxy")
    result = layer(box_data())
    images = result["images"].numpy()
    top, left = [(t, l) for t in range(3) for l in range(7)
                 if np.allclose(images[0], cases.IMAGES[0, t:t + 6, l:l + 6])][0]
    assert top != left  # the seed draws an offset where the two rules differ
    np.testing.assert_allclose(result["bounding_boxes"]["boxes"].numpy(),
                               np.maximum(cases.BOXES - [left, top, left, top], 0))


def test_random_crop_at_inference_resizes_boxes_with_the_images():
    """At inference RandomCrop resizes the centred box of its aspect ratio, and the boxes
    as Resizing(crop_to_aspect_ratio=True) moves them."""
    got = keras.layers.RandomCrop(6, 6, bounding_box_format="xyxy")(box_data(), training=False)
    expected = keras.layers.Resizing(6, 6, crop_to_aspect_ratio=True,
                                     bounding_box_format="xyxy")(box_data())
    np.testing.assert_allclose(got["images"].numpy(), expected["images"].numpy(), atol=1e-6)
    np.testing.assert_allclose(got["bounding_boxes"]["boxes"].numpy(),
                               expected["bounding_boxes"]["boxes"].numpy())
    # the box (2, 2, 4, 4) of the 8 x 12 image: scaled by 6/8, x less (9 - 6) // 2
    np.testing.assert_allclose(got["bounding_boxes"]["boxes"].numpy()[1, 1],
                               [0.5, 1.5, 2.0, 3.0])


def test_every_case_was_recorded_by_keras():
    assert sorted(KERAS) == sorted(cases.CASES)


def test_rotated_masks_follow_their_images():
    """Masks go through the images' rotation, sampled nearest (a mask equal to the images'
    first channel stays equal to it)."""
    layer = keras.layers.RandomRotation((-0.125, -0.125), fill_mode="constant",
                                        interpolation="nearest", bounding_box_format="xyxy")
    out = layer({"images": cases.IMAGES, "segmentation_masks": cases.IMAGES[..., :1]})
    np.testing.assert_array_equal(out["segmentation_masks"].numpy(),
                                  out["images"].numpy()[..., :1])
    assert not np.array_equal(out["images"].numpy(), cases.IMAGES)
