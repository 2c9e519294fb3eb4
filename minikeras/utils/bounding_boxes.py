"""keras.utils.bounding_boxes: box formats, geometry, anchor deltas and IoU.

The functions live beside the preprocessing layers that transform boxes
(minikeras/layers/preprocessing/bounding_boxes/), below utils in the import order, so that
those layers can use them; this module is their public Keras name.
"""
from ..layers.preprocessing.bounding_boxes import (affine_transform, clip_to_image_size,
                                                   compute_ciou, compute_iou, convert_format,
                                                   crop, decode_deltas_to_boxes,
                                                   encode_box_to_deltas, pad)

__all__ = ["affine_transform", "clip_to_image_size", "compute_ciou", "compute_iou",
           "convert_format", "crop", "decode_deltas_to_boxes", "encode_box_to_deltas", "pad"]
