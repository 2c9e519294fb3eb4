"""Bounding boxes: their formats and geometry (keras.utils.bounding_boxes) and the layer that
fixes each image's number of boxes."""
from .formats import convert_format
from .max_num_bounding_boxes import MaxNumBoundingBoxes
from .geometry import affine_transform, clip_to_image_size, crop, pad
from .deltas import decode_deltas_to_boxes, encode_box_to_deltas
from .iou import compute_ciou, compute_iou

__all__ = ["MaxNumBoundingBoxes", "affine_transform", "clip_to_image_size", "compute_ciou",
           "compute_iou", "convert_format", "crop", "decode_deltas_to_boxes",
           "encode_box_to_deltas", "pad"]
