"""Make tests/fixtures/keras_vision_utils.npz with real Keras 3.15: the functions of
keras.utils.bounding_boxes on small boxes (every format pair of convert_format, clipping,
cropping, padding, the affine map, delta encoding and decoding, IoU and CIoU) and the
arrays keras.visualization draws (boxes without text labels, segmentation masks).

Run once, outside the project's environment (draw_bounding_boxes needs OpenCV there:
``/work/scratch-keras/bin/pip install opencv-python-headless``):
    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_vision_utils_fixture.py
"""
import os

import keras
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures")
BB = keras.utils.bounding_boxes
FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx",
           "rel_xywh", "rel_center_xywh")
np_ = keras.ops.convert_to_numpy
rng = np.random.default_rng(0)
E = {}

# Boxes in pixels of a 40 x 50 (height x width) image; the same numbers are read in every
# source format (the relative formats just see big fractions).
E["boxes"] = np.array([[[2, 3, 20, 30], [10, 5, 45, 38], [-4, 8, 12, 44]],
                       [[0, 0, 50, 40], [25.5, 12.25, 30, 19], [33, 2, 41, 9]]], "float32")
for source in FORMATS:
    for target in FORMATS:
        E[f"convert_{source}_{target}"] = np_(BB.convert_format(
            E["boxes"], source, target, height=40, width=50))

# Clipping keeps the labels of boxes with area left, -1 for the others.
E["clip_boxes"] = np.array([[[-5, -6, 20, 30], [45, 30, 70, 60], [60, 5, 80, 20]]], "float32")
E["clip_labels"] = np.array([[1, 2, 3]], "int32")
clipped = BB.clip_to_image_size({"boxes": E["clip_boxes"], "labels": E["clip_labels"]},
                                height=40, width=50)
E["clip_out_boxes"], E["clip_out_labels"] = np_(clipped["boxes"]), np_(clipped["labels"])
rel = BB.clip_to_image_size({"boxes": E["clip_boxes"] / 50.0, "labels": E["clip_labels"]},
                            bounding_box_format="rel_xyxy")
E["clip_rel_boxes"], E["clip_rel_labels"] = np_(rel["boxes"]), np_(rel["labels"])

E["crop"] = np_(BB.crop(E["boxes"], top=5, left=7, height=20, width=25))
E["pad"] = np_(BB.pad(E["boxes"], top=3, left=4))

# The affine map of RandomAffine-style parameters, one per image.
E["affine_angle"] = np.array([30.0, -12.0], "float32")
E["affine_translate_x"] = np.array([0.1, -0.05], "float32")
E["affine_translate_y"] = np.array([-0.2, 0.0], "float32")
E["affine_scale"] = np.array([1.2, 0.8], "float32")
E["affine_shear_x"] = np.array([5.0, 0.0], "float32")
E["affine_shear_y"] = np.array([0.0, -8.0], "float32")
E["affine"] = np_(BB.affine_transform(
    E["boxes"], E["affine_angle"], E["affine_translate_x"], E["affine_translate_y"],
    E["affine_scale"], E["affine_shear_x"], E["affine_shear_y"], height=40, width=50))
E["affine_centred"] = np_(BB.affine_transform(
    E["boxes"], E["affine_angle"], E["affine_translate_x"], E["affine_translate_y"],
    E["affine_scale"], E["affine_shear_x"], E["affine_shear_y"], height=40, width=50,
    center_x=0.25, center_y=0.75))

E["anchors"] = np.array([[0, 0, 10, 10], [5, 5, 25, 15], [20, 10, 40, 38]], "float32")
E["variance"] = np.array([0.1, 0.1, 0.2, 0.2], "float32")
for encoding in ("center_yxhw", "center_xywh"):
    E[f"encode_{encoding}"] = np_(BB.encode_box_to_deltas(
        E["anchors"], E["boxes"], "xyxy", "xyxy", encoding_format=encoding))
    E[f"encode_var_{encoding}"] = np_(BB.encode_box_to_deltas(
        E["anchors"], E["boxes"], "xyxy", "xyxy", encoding_format=encoding,
        variance=E["variance"]))
E["deltas"] = rng.uniform(-0.5, 0.5, (2, 3, 4)).astype("float32")
deltas = keras.ops.convert_to_tensor(E["deltas"])  # Keras's decode multiplies it by a tensor
E["decode"] = np_(BB.decode_deltas_to_boxes(E["anchors"], deltas, "xyxy", "xywh"))
E["decode_var_rel"] = np_(BB.decode_deltas_to_boxes(
    E["anchors"], deltas, "xyxy", "rel_xyxy", encoded_format="center_xywh",
    variance=E["variance"], image_shape=(40, 50, 3)))
E["encode_rel"] = np_(BB.encode_box_to_deltas(
    E["anchors"] / 50.0, E["boxes"], "rel_xyxy", "xyxy", image_shape=(40, 50, 3)))

E["iou_a"] = E["boxes"][0]
E["iou_b"] = np.array([[0, 0, 10, 10], [5, 5, 25, 35], [-1, -1, -1, -1]], "float32")
E["iou"] = np_(BB.compute_iou(E["iou_a"], E["iou_b"], "xyxy"))
E["iou_masked"] = np_(BB.compute_iou(E["iou_a"], E["iou_b"], "xyxy", use_masking=True,
                                     mask_val=-7))
E["iou_batched"] = np_(BB.compute_iou(E["boxes"], E["boxes"][:, :2], "xyxy"))
E["iou_batched_masked"] = np_(BB.compute_iou(E["boxes"], np.stack([E["iou_b"]] * 2), "xyxy",
                                             use_masking=True))
E["iou_mixed"] = np_(BB.compute_iou(E["boxes"], E["iou_b"], "xyxy"))
E["iou_xywh"] = np_(BB.compute_iou(E["iou_a"], E["iou_b"], "xywh"))
E["iou_rel"] = np_(BB.compute_iou(E["iou_a"] / 50, E["iou_b"] / 50, "rel_yxyx",
                                  image_shape=(40, 50, 3)))
E["ciou_b"] = np.array([[[1, 4, 22, 28], [0, 0, 10, 10], [-4, 8, 12, 44]],
                        [[5, 5, 45, 35], [25, 12, 31, 20], [0, 30, 8, 40]]], "float32")
E["ciou"] = np_(BB.compute_ciou(E["boxes"], E["ciou_b"], "xyxy"))
E["ciou_center"] = np_(BB.compute_ciou(E["boxes"], E["ciou_b"], "center_xywh"))

# Drawing: uint8 and [0, 1] float images; thin, thick and filled outlines; -1 labels skipped.
E["draw_images"] = rng.integers(0, 256, (2, 20, 24, 3)).astype("uint8")
E["draw_boxes"] = np.array([[[2.7, 3.2, 15.9, 12.5], [-3, 10, 30, 25], [4, 4, 8, 8]],
                            [[20, 1, 5, 18], [0, 0, 23, 19], [10, 10, 12, 12]]], "float32")
E["draw_labels"] = np.array([[0, 3, -1], [1, 2, 5]], "int32")
boxes = {"boxes": E["draw_boxes"], "labels": E["draw_labels"]}
for thickness in (1, 2, 3, 6, -1):
    E[f"draw_t{thickness}"] = keras.visualization.draw_bounding_boxes(
        E["draw_images"], dict(boxes), "xyxy", color=(255, 10, 0), line_thickness=thickness)
E["draw_float_images"] = rng.uniform(0, 1, (2, 20, 24, 3)).astype("float32")
E["draw_float"] = keras.visualization.draw_bounding_boxes(
    E["draw_float_images"], dict(boxes), "xyxy")
E["draw_float_255"] = keras.visualization.draw_bounding_boxes(
    E["draw_float_images"] * 300 - 20, dict(boxes), "xyxy")
E["draw_rel_center"] = keras.visualization.draw_bounding_boxes(
    E["draw_images"], {"boxes": np.array([[[0.5, 0.5, 0.5, 0.25]]] * 2, "float32"),
                       "labels": np.array([[1]] * 2)}, "rel_center_xywh", color=(0, 0, 255))

E["mask_images"] = rng.uniform(0, 255, (2, 6, 7, 3)).astype("float32")
E["masks"] = rng.integers(-1, 4, (2, 6, 7, 1)).astype("int32")  # torch's one_hot refuses >= 4
E["mask_blend"] = keras.visualization.draw_segmentation_masks(
    E["mask_images"], E["masks"], num_classes=4)
E["mask_ignore_0"] = keras.visualization.draw_segmentation_masks(
    E["mask_images"], E["masks"], num_classes=4, alpha=0.3, ignore_index=0)
E["mask_no_blend"] = np_(keras.visualization.draw_segmentation_masks(
    E["mask_images"], E["masks"], num_classes=4, blend=False))
E["mask_colors"] = np.array([[9, 8, 7], [200, 0, 0], [0, 200, 0], [0, 0, 200]], "int32")
E["mask_mapped"] = keras.visualization.draw_segmentation_masks(
    E["mask_images"], E["masks"], num_classes=4,
    color_mapping={i: tuple(c) for i, c in enumerate(E["mask_colors"].tolist())})

np.savez(os.path.join(OUT, "keras_vision_utils.npz"), **E)
print("wrote", len(E), "arrays")
