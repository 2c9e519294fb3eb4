"""The image layers' dict inputs, as Keras 3 takes them:

    {"images": (batch, h, w, c) or (h, w, c),
     "bounding_boxes": {"boxes": (batch, n, 4) or (n, 4), "labels": (batch, n) or (n,)},
     "labels": ..., "segmentation_masks": (batch, h, w, 1) or (h, w, 1)}

A box-aware layer draws one transformation for the images and applies it to every entry:
the images, the boxes (read in the layer's ``bounding_box_format``), the segmentation masks
(nearest-neighbour where the images are interpolated); class labels pass unchanged. The
entries are written into the given dict, which is returned, as Keras does.

A layer takes part by defining:
    draw(images, training) -> the transformation of a batch (rank 4), None when inactive
    apply(images, transformation, interpolation=None) -> the transformed batch
    move_boxes(boxes, transformation, height, width) -> boxes (batch, n, 4) in the layer's
        format, moved as the images were (height, width: of the input images)
    transform_masks(masks, transformation) -> the masks (batch, h, w, 1): unchanged by a
        layer that changes pixel values only (``ChangesPixelValues``), moved as the images
        by ``MovesPixels``
"""
from ... import ops
from .bounding_boxes.formats import convert_format
from .bounding_boxes.geometry import clip_to_image_size


def transform_data(layer, data, training):
    """Run ``layer``'s transformation on every entry of the dict ``data``."""
    images = layer._checked_images(data["images"], cast=not layer._keeps_image_dtype)
    batched = images.ndim == 4
    images = images if batched else ops.expand_dims(images, 0)
    height, width = layer._hw(images.shape)
    transformation = layer.draw(images, training)
    data["images"] = _one_or_batch(layer.apply(images, transformation), batched)
    if "bounding_boxes" in data:
        if layer.bounding_box_format is None:
            raise ValueError(
                "You passed an input with a 'bounding_boxes' key, but you didn't specify a "
                "bounding box format. Pass a `bounding_box_format` argument to your "
                f"{type(layer).__name__} layer, e.g. `bounding_box_format='xyxy'`.")
        boxes = dense_bounding_boxes(data["bounding_boxes"])
        if not batched:
            boxes = {key: ops.expand_dims(value, 0) for key, value in boxes.items()}
        if transformation is not None:
            boxes = layer.move_boxes(boxes, transformation, height, width)
        data["bounding_boxes"] = {key: _one_or_batch(value, batched)
                                  for key, value in boxes.items()}
    if "labels" in data:
        data["labels"] = ops.convert_to_tensor(data["labels"])
    if "segmentation_masks" in data:
        masks = ops.convert_to_tensor(data["segmentation_masks"])
        masks = masks if batched else ops.expand_dims(masks, 0)
        data["segmentation_masks"] = _one_or_batch(layer.transform_masks(masks, transformation),
                                                   batched)
    return data


class ChangesPixelValues:
    """Layers that change pixel values only (colour, contrast, blur), as Keras's do on a
    dict: the images go through ``augment`` (which draws any random parameters), boxes
    and masks pass unchanged."""

    def augment(self, images):
        """Transform a batch (rank 4) of images, with fresh random parameters if any."""
        raise NotImplementedError

    def draw(self, images, training):
        return None if training is False else True

    def apply(self, images, active, interpolation=None):
        return self.augment(images) if active else images

    def move_boxes(self, boxes, transformation, height, width):
        return boxes

    def transform_masks(self, masks, transformation):
        return masks


class MovesPixels:
    """Geometric layers: segmentation masks move as the images, sampled nearest so that
    they keep their class ids."""

    def transform_masks(self, masks, transformation):
        if transformation is None:
            return masks
        return self.apply(masks, transformation, interpolation="nearest")


def _one_or_batch(value, batched):
    return value if batched else ops.squeeze(value, 0)


def dense_bounding_boxes(bounding_boxes):
    """``{"boxes", "labels"}`` checked as Keras checks them, boxes as float32 tensors."""
    if not isinstance(bounding_boxes, dict) or not {"boxes", "labels"} <= set(bounding_boxes):
        # "agurment": Keras's spelling, kept so that the messages match
        raise ValueError("Expected `bounding_boxes` agurment to be a dict with keys 'boxes' "
                         f"and 'labels'. Received: bounding_boxes={bounding_boxes}")
    boxes = ops.convert_to_tensor(bounding_boxes["boxes"], "float32")
    labels = ops.convert_to_tensor(bounding_boxes["labels"])
    label_ranks = {2: (1, 2), 3: (2, 3)}.get(boxes.ndim)
    if label_ranks is None:
        raise ValueError("Expected `bounding_boxes['boxes']` to have rank 2 or 3, with shape "
                         "(num_boxes, 4) or (batch_size, num_boxes, 4). Received: "
                         f"bounding_boxes['boxes'].shape={tuple(boxes.shape)}")
    if labels.ndim not in label_ranks:
        raise ValueError(f"Found bounding_boxes['boxes'].shape={tuple(boxes.shape)} and "
                         f"expected bounding_boxes['labels'] to have rank {label_ranks[0]} "
                         f"or {label_ranks[1]}, but received: bounding_boxes['labels'].shape="
                         f"{tuple(labels.shape)} ")
    return {**bounding_boxes, "boxes": boxes, "labels": labels}


def moved_in_pixels(layer, boxes, height, width, move):
    """Boxes converted from the layer's format to pixel corners, moved by
    ``move(corners)``, clipped to the (height, width) image and converted back."""
    corners = convert_format(boxes["boxes"], layer.bounding_box_format, "xyxy",
                             height=height, width=width)
    clipped = clip_to_image_size({**boxes, "boxes": move(corners)}, height=height, width=width)
    return {**clipped, "boxes": convert_format(clipped["boxes"], "xyxy",
                                               layer.bounding_box_format, height=height,
                                               width=width)}
