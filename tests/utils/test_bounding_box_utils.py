"""keras.utils.bounding_boxes: every function against real Keras 3.15 (fixture made by
tools/make_vision_utils_fixture.py), small cases by hand, and bad input."""
from pathlib import Path

import numpy as np
import pytest

import minikeras as keras

BB = keras.utils.bounding_boxes
E = np.load(Path(__file__).parents[1] / "fixtures" / "keras_vision_utils.npz")
FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx",
           "rel_xywh", "rel_center_xywh")
AFFINE = [E[f"affine_{k}"] for k in ("angle", "translate_x", "translate_y", "scale", "shear_x",
                                     "shear_y")]


def close(got, expected, atol=1e-5):
    got = keras.ops.convert_to_numpy(got)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=atol)


@pytest.mark.parametrize("source", FORMATS)
@pytest.mark.parametrize("target", FORMATS)
def test_convert_format_matches_keras(source, target):
    got = BB.convert_format(E["boxes"], source, target, height=40, width=50)
    np.testing.assert_array_equal(got.numpy(), E[f"convert_{source}_{target}"])


def test_convert_format_by_hand():
    boxes = np.array([[10, 20, 30, 40], [50, 60, 70, 80]])
    np.testing.assert_array_equal(BB.convert_format(boxes, "xyxy", "xywh").numpy(),
                                  [[10, 20, 20, 20], [50, 60, 20, 20]])
    np.testing.assert_array_equal(BB.convert_format(boxes, "XYXY", "Center_YXHW").numpy(),
                                  [[30, 20, 20, 20], [70, 60, 20, 20]])
    np.testing.assert_allclose(BB.convert_format(boxes, "xyxy", "rel_yxyx", height=200,
                                                 width=100).numpy(),
                               [[0.1, 0.1, 0.2, 0.3], [0.3, 0.5, 0.4, 0.7]], rtol=1e-6)
    # two relative formats need no image size; dtype is honoured
    rel = BB.convert_format(np.array([[0.1, 0.2, 0.5, 0.6]]), "rel_xyxy", "rel_xywh",
                            dtype="float64")
    assert rel.dtype == "float64"
    np.testing.assert_allclose(rel.numpy(), [[0.1, 0.2, 0.4, 0.4]])


def test_convert_format_dict_is_converted_in_place_as_keras():
    data = {"boxes": np.array([[[1.0, 2.0, 5.0, 8.0]]]), "labels": np.array([[3]]), "x": 1}
    out = BB.convert_format(data, "xyxy", "center_xywh")
    assert out is data and out["x"] == 1
    np.testing.assert_array_equal(out["boxes"].numpy(), [[[3, 5, 4, 6]]])


def test_clip_crop_pad_match_keras():
    boxes = E["clip_boxes"]
    data = {"boxes": boxes, "labels": E["clip_labels"], "other": "kept"}
    clipped = BB.clip_to_image_size(data, height=40, width=50)
    close(clipped["boxes"], E["clip_out_boxes"])
    np.testing.assert_array_equal(clipped["labels"].numpy(), E["clip_out_labels"])
    assert clipped["other"] == "kept" and data["boxes"] is boxes  # a new dict
    rel = BB.clip_to_image_size({"boxes": E["clip_boxes"] / 50.0, "labels": E["clip_labels"]},
                                bounding_box_format="rel_xyxy")
    close(rel["boxes"], E["clip_rel_boxes"])
    np.testing.assert_array_equal(rel["labels"].numpy(), E["clip_rel_labels"])
    close(BB.crop(E["boxes"], top=5, left=7, height=20, width=25), E["crop"])
    close(BB.pad(E["boxes"], top=3, left=4), E["pad"])


def test_clip_crop_pad_by_hand():
    box = np.array([[-2.0, 3.0, 12.0, 9.0]])
    only_boxes = BB.clip_to_image_size({"boxes": box}, height=8, width=10)
    assert set(only_boxes) == {"boxes"}
    np.testing.assert_array_equal(only_boxes["boxes"].numpy(), [[0, 3, 10, 8]])
    np.testing.assert_array_equal(BB.crop(box, top=1, left=2, height=4, width=5).numpy(),
                                  [[0, 2, 5, 4]])
    np.testing.assert_array_equal(BB.crop(box, top=1, left=2, height=None, width=None).numpy(),
                                  [[0, 2, 10, 8]])
    np.testing.assert_array_equal(BB.pad(box, top=1, left=2).numpy(), [[0, 4, 14, 10]])


def test_affine_transform_matches_keras():
    close(BB.affine_transform(E["boxes"], *AFFINE, height=40, width=50), E["affine"])
    close(BB.affine_transform(E["boxes"], *AFFINE, height=40, width=50, center_x=0.25,
                              center_y=0.75), E["affine_centred"])


def test_affine_transform_by_hand():
    box = np.array([[10.0, 20.0, 30.0, 24.0]])
    same = BB.affine_transform(box, 0, 0, 0, 1, 0, 0, height=41, width=51)
    np.testing.assert_allclose(same.numpy(), box, atol=1e-5)
    # a shift of 0.1 of (width - 1) = 50 pixels moves the boxes 5 pixels right
    shifted = BB.affine_transform(box, 0, 0.1, 0, 1, 0, 0, height=41, width=51)
    np.testing.assert_allclose(shifted.numpy(), [[15, 20, 35, 24]], atol=1e-5)
    # a half turn about the centre (25, 20): corners mirrored through it
    turned = BB.affine_transform(box, 180, 0, 0, 1, 0, 0, height=41, width=51)
    np.testing.assert_allclose(turned.numpy(), [[20, 16, 40, 20]], atol=1e-4)


def test_deltas_match_keras_and_invert():
    for encoding in ("center_yxhw", "center_xywh"):
        close(BB.encode_box_to_deltas(E["anchors"], E["boxes"], "xyxy", "xyxy",
                                      encoding_format=encoding), E[f"encode_{encoding}"])
        deltas = BB.encode_box_to_deltas(E["anchors"], E["boxes"], "xyxy", "xyxy",
                                         encoding_format=encoding, variance=E["variance"])
        close(deltas, E[f"encode_var_{encoding}"])
        back = BB.decode_deltas_to_boxes(E["anchors"], deltas, "xyxy", "xyxy",
                                         encoded_format=encoding, variance=E["variance"])
        close(back, E["boxes"], atol=1e-4)
    close(BB.decode_deltas_to_boxes(E["anchors"], E["deltas"], "xyxy", "xywh"), E["decode"])
    close(BB.decode_deltas_to_boxes(E["anchors"], E["deltas"], "xyxy", "rel_xyxy",
                                    encoded_format="center_xywh", variance=E["variance"],
                                    image_shape=(40, 50, 3)), E["decode_var_rel"])
    close(BB.encode_box_to_deltas(E["anchors"] / 50.0, E["boxes"], "rel_xyxy", "xyxy",
                                  image_shape=(40, 50, 3)), E["encode_rel"])
    levels = BB.decode_deltas_to_boxes({"p3": E["anchors"]}, {"p3": E["deltas"]}, "xyxy",
                                       "xywh")
    close(levels["p3"], E["decode"])


def test_deltas_by_hand():
    anchor = np.array([[0.0, 0.0, 4.0, 2.0]])          # centre (2, 1), size 4 x 2
    box = np.array([[2.0, 1.0, 6.0, 5.0]])             # centre (4, 3), size 4 x 4
    deltas = BB.encode_box_to_deltas(anchor, box, "xyxy", "xyxy", encoding_format="center_xywh")
    np.testing.assert_allclose(deltas.numpy(), [[0.5, 1.0, 0.0, np.log(2.0)]], rtol=1e-6)


def test_iou_matches_keras():
    close(BB.compute_iou(E["iou_a"], E["iou_b"], "xyxy"), E["iou"])
    close(BB.compute_iou(E["iou_a"], E["iou_b"], "xyxy", use_masking=True, mask_val=-7),
          E["iou_masked"])
    close(BB.compute_iou(E["boxes"], E["boxes"][:, :2], "xyxy"), E["iou_batched"])
    close(BB.compute_iou(E["boxes"], np.stack([E["iou_b"]] * 2), "xyxy", use_masking=True),
          E["iou_batched_masked"])
    close(BB.compute_iou(E["boxes"], E["iou_b"], "xyxy"), E["iou_mixed"])
    close(BB.compute_iou(E["iou_a"], E["iou_b"], "xywh"), E["iou_xywh"])
    close(BB.compute_iou(E["iou_a"] / 50, E["iou_b"] / 50, "rel_yxyx", image_shape=(40, 50, 3)),
          E["iou_rel"])
    close(BB.compute_ciou(E["boxes"], E["ciou_b"], "xyxy"), E["ciou"])
    close(BB.compute_ciou(E["boxes"], E["ciou_b"], "center_xywh"), E["ciou_center"])


def test_iou_by_hand():
    a = np.array([[0.0, 0.0, 2.0, 2.0]])
    b = np.array([[1.0, 1.0, 3.0, 3.0], [5.0, 5.0, 6.0, 6.0]])
    np.testing.assert_allclose(BB.compute_iou(a, b, "xyxy").numpy(), [[1 / 7, 0]], rtol=1e-5)
    # unbatched boxes1 against batched boxes2 -> (batch, m, n)
    assert BB.compute_iou(a, b[None], "xyxy").shape == (1, 1, 2)
    # identical boxes: iou 1, no centre distance, no aspect term -> ciou 1
    np.testing.assert_allclose(BB.compute_ciou(a, a, "xyxy").numpy(), [1.0], rtol=1e-5)


@pytest.mark.parametrize("call, error, match", [
    (lambda: BB.convert_format(np.zeros((2, 4)), "xyxy", "xyz"), ValueError,
     r"`target` must be one of \['xyxy'.*Received: target='xyz'"),
    (lambda: BB.convert_format(np.zeros((2, 4)), 3, "xyxy"), ValueError, "source=3"),
    (lambda: BB.convert_format(np.zeros((2, 3)), "xyxy", "xywh"), ValueError,
     r"last axis of 4 .*Received: boxes.shape=\(2, 3\)"),
    (lambda: BB.convert_format(np.zeros((2, 4)), "xyxy", "rel_xyxy"), ValueError,
     "needs the image's `height` and `width`.*height=None"),
    (lambda: BB.convert_format({"labels": [1]}, "xyxy", "xywh"), ValueError,
     r"keys \['boxes'\]; \['boxes'\] missing. Received keys: \['labels'\]"),
    (lambda: BB.clip_to_image_size(np.zeros((2, 4)), 5, 5), TypeError,
     "expects `bounding_boxes` to be a dict.*ndarray"),
    (lambda: BB.clip_to_image_size({"boxes": np.zeros((2, 4))}), ValueError,
     "needs the image's `height` and `width`"),
    (lambda: BB.clip_to_image_size({"boxes": np.zeros((2, 4))}, 5, 5, "xywh"), ValueError,
     r"one of \['xyxy', 'rel_xyxy'\].*'xywh'"),
    (lambda: BB.crop(np.zeros((2, 4)), 0, 0, 5, 5, "yxyx"), NotImplementedError,
     "only bounding_box_format='xyxy'.*'yxyx'"),
    (lambda: BB.pad(np.zeros((2, 4)), 0, 0, bounding_box_format="xywh"), NotImplementedError,
     "pad\\(\\) supports only"),
    (lambda: BB.pad(np.zeros((2, 5)), 0, 0), ValueError, r"shape=\(2, 5\)"),
    (lambda: BB.affine_transform(np.zeros((2, 4)), 0, 0, 0, 1, 0, 0, 5, 5, None, None,
                                 "xywh"), NotImplementedError, "affine_transform"),
    (lambda: BB.affine_transform(np.zeros((2, 3, 4)), [1, 2, 3], 0, 0, 1, 0, 0, 5, 5),
     ValueError, r"`angle` must be a number or one value per image \(shape \(2,\)\).*\(3,\)"),
    (lambda: BB.affine_transform(np.zeros((4,)), 0, 0, 0, 1, 0, 0, 5, 5), ValueError,
     r"rank 2 or 3.*shape=\(4,\)"),
    (lambda: BB.encode_box_to_deltas(np.zeros((2, 4)), np.zeros((2, 4)), "xyxy", "xyxy",
                                     variance=[1, 2, 3]), ValueError, "4 values.*1, 2, 3"),
    (lambda: BB.encode_box_to_deltas(np.zeros((2, 4)), np.zeros((2, 4)), "xyxy", "xyxy",
                                     encoding_format="xyxy"), ValueError,
     r"`encoding_format` must be one of \['center_xywh', 'center_yxhw'\]"),
    (lambda: BB.decode_deltas_to_boxes(np.zeros((2, 4)), np.zeros((2, 4)), "xyxy", "xyxy",
                                       encoded_format="yxyx"), ValueError, "encoded_format="),
    (lambda: BB.decode_deltas_to_boxes({"p3": np.zeros((2, 4))}, np.zeros((2, 4)), "xyxy",
                                       "xyxy"), ValueError,
     r"both dicts.*dict with keys \['p3'\] and ndarray"),
    (lambda: BB.decode_deltas_to_boxes(np.zeros((2, 4)), np.zeros((2, 4)), "xyxy", "rel_xyxy",
                                       image_shape=(5,)), ValueError,
     r"\(height, width\) or \(height, width, channels\).*\(5,\)"),
    (lambda: BB.compute_iou(np.zeros((4,)), np.zeros((2, 4)), "xyxy"), ValueError,
     r"`boxes1` must have rank 2 or 3.*shape=\(4,\)"),
    (lambda: BB.compute_iou(np.zeros((2, 4)), np.zeros((1, 1, 2, 4)), "xyxy"), ValueError,
     r"`boxes2` must have rank 2 or 3"),
    (lambda: BB.compute_iou(np.zeros((2, 4)), np.zeros((2, 4)), "rel_xyxy"), ValueError,
     "needs `image_shape`"),
    (lambda: BB.compute_ciou(np.zeros((2, 4)), np.zeros((2, 4)), "rel_xyxy"), ValueError,
     "does not take relative formats"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
