"""The image layers on Keras's detection dicts {"images", "bounding_boxes": {"boxes",
"labels"}, "labels", "segmentation_masks"} (minikeras/layers/preprocessing/image_data.py),
by hand. Against Keras 3.15: tests/compat/test_script_fidelity_examples10_detection.py."""
import json

import numpy as np
import pytest

from minikeras import layers

IMAGES = np.arange(2 * 8 * 12 * 3, dtype="float32").reshape(2, 8, 12, 3) / 500.0
BOXES = np.array([[[1, 2, 5, 6]], [[0, 0, 12, 8]]], "float32")
LABELS = np.array([[3], [4]], "int32")


def data(images=IMAGES, boxes=BOXES, labels=LABELS):
    return {"images": images.copy(), "bounding_boxes": {"boxes": boxes.copy(),
                                                        "labels": labels.copy()}}


def test_translation_moves_boxes_by_its_shift_and_clips_them():
    layer = layers.RandomTranslation((0.25, 0.25), (0.5, 0.5), fill_mode="constant",
                                     bounding_box_format="xyxy")
    out = layer(data())
    # 2 rows down, 6 columns right; the second box is cut at the image's edges
    np.testing.assert_allclose(out["bounding_boxes"]["boxes"].numpy(),
                               [[[7, 4, 11, 8]], [[6, 2, 12, 8]]])
    np.testing.assert_array_equal(out["bounding_boxes"]["labels"].numpy(), LABELS)
    np.testing.assert_allclose(out["images"].numpy()[:, 2:, 6:], IMAGES[:, :6, :6])


def test_boxes_are_read_and_written_in_the_layer_format():
    center = np.array([[[3, 4, 4, 4]], [[6, 4, 12, 8]]], "float32")   # BOXES as center_xywh
    out = layers.Resizing(16, 24, bounding_box_format="center_xywh")(data(boxes=center))
    np.testing.assert_allclose(out["bounding_boxes"]["boxes"].numpy(), center * 2)


def test_channels_first_images_and_one_image():
    images = IMAGES.transpose(0, 3, 1, 2)
    out = layers.Resizing(4, 6, bounding_box_format="xyxy", data_format="channels_first")(
        data(images=images))
    assert out["images"].shape == (2, 3, 4, 6)
    np.testing.assert_allclose(out["bounding_boxes"]["boxes"].numpy(), BOXES / 2)
    single = layers.RandomFlip("vertical", seed=1, bounding_box_format="xyxy")(
        data(IMAGES[0], BOXES[0], LABELS[0]))
    assert single["images"].shape == (8, 12, 3)
    assert single["bounding_boxes"]["boxes"].shape == (1, 4)
    flipped = np.allclose(single["images"].numpy(), IMAGES[0, ::-1])
    expected = [[1, 8 - 6, 5, 8 - 2]] if flipped else [[1, 2, 5, 6]]
    np.testing.assert_allclose(single["bounding_boxes"]["boxes"].numpy(), expected, rtol=1e-6)


def test_inference_leaves_boxes_and_images_of_the_random_layers():
    for layer in (layers.RandomFlip(seed=1, bounding_box_format="xyxy"),
                  layers.RandomRotation(0.3, seed=1, bounding_box_format="xyxy"),
                  layers.RandomZoom(0.3, seed=1, bounding_box_format="xyxy")):
        out = layer(data(), training=False)
        np.testing.assert_array_equal(out["images"].numpy(), IMAGES)
        np.testing.assert_array_equal(out["bounding_boxes"]["boxes"].numpy(), BOXES)


def test_masks_use_nearest_and_images_alone_are_fine():
    masks = (IMAGES[..., :1] * 500 % 3).astype("float32")
    out = layers.Resizing(4, 6, bounding_box_format="xyxy")(
        {"images": IMAGES, "segmentation_masks": masks, "labels": np.array([0, 1])})
    assert set(np.unique(out["segmentation_masks"].numpy())) <= {0.0, 1.0, 2.0}
    np.testing.assert_array_equal(out["labels"].numpy(), [0, 1])
    assert "bounding_boxes" not in out


def test_config_keeps_the_format_and_reloads():
    layer = layers.RandomZoom(0.2, bounding_box_format="rel_xyxy")
    config = layer.get_config()
    assert config["bounding_box_format"] == "rel_xyxy"
    assert "bounding_box_format" not in layers.RandomZoom(0.2).get_config()
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert rebuilt.bounding_box_format == "rel_xyxy"


@pytest.mark.parametrize("bad, message", [
    ({"images": IMAGES, "bounding_boxes": {"boxes": BOXES}},
     "Expected `bounding_boxes` agurment to be a dict with keys 'boxes' and 'labels'"),
    (data(boxes=BOXES[0, 0]), r"to have rank 2 or 3, with shape \(num_boxes, 4\) or "
                              r"\(batch_size, num_boxes, 4\). Received: "
                              r"bounding_boxes\['boxes'\].shape=\(4,\)"),
    (data(labels=LABELS[..., None, None]), r"expected bounding_boxes\['labels'\] to have rank 2 "
                                           r"or 3, but received: bounding_boxes\['labels'\]"),
])
def test_bad_boxes_are_named(bad, message):
    with pytest.raises(ValueError, match=message):
        layers.RandomRotation(0.1, bounding_box_format="xyxy")(bad)


def test_boxes_without_a_format_say_which_argument_is_missing():
    with pytest.raises(ValueError, match="Pass a `bounding_box_format` argument to your "
                                         "RandomZoom layer"):
        layers.RandomZoom(0.1)(data())


def test_colour_layers_pass_boxes_and_masks():
    masks = IMAGES[..., :1].copy()
    out = layers.RandomBrightness((0.1, 0.1), value_range=(0, 1), bounding_box_format="xyxy")(
        {**data(), "segmentation_masks": masks})
    np.testing.assert_allclose(out["images"].numpy(), np.clip(IMAGES + 0.1, 0, 1), atol=1e-6)
    np.testing.assert_array_equal(out["bounding_boxes"]["boxes"].numpy(), BOXES)
    np.testing.assert_array_equal(out["segmentation_masks"].numpy(), masks)


@pytest.mark.parametrize("layer", [layers.RandomElasticTransform(bounding_box_format="xyxy"),
                                   layers.RandAugment(bounding_box_format="xyxy")])
def test_geometric_layers_without_box_support_refuse_a_dict(layer):
    with pytest.raises(NotImplementedError, match=f"{type(layer).__name__} does not take a "
                                                  "dict input"):
        layer(data())
