"""Galleries of images in a matplotlib grid: plain (``plot_image_gallery``), with boxes
drawn (``plot_bounding_box_gallery``) and beside their segmentation masks
(``plot_segmentation_mask_gallery``).

matplotlib is the optional ``examples`` extra; it is imported when a gallery is plotted.
"""
import math

import numpy as np

from .. import ops
from ..ops.convolution import standardize_data_format
from .drawing import (batched_images, channels_last, draw_bounding_boxes,
                      draw_segmentation_masks)


def _pyplot(function):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(f'{function}() needs matplotlib: pip install "minikeras[examples]" '
                          '(or pip install matplotlib).') from exc
    return plt


def _to_pixel_range(images, value_range):
    """Images (float32) mapped linearly from ``value_range`` onto [0, 255]."""
    low, high = (np.float32(v) for v in value_range)
    images = images.astype("float32")
    if (low, high) == (0, 255):
        return images
    return (images - low) / (high - low) * np.float32(255)


def _grid(batch, rows, cols):
    """Keras's grid: rows = ceil(sqrt(batch)), cols = batch // rows (so a batch that is
    not rows x cols shows only the first rows * cols images)."""
    rows = rows or int(math.ceil(math.sqrt(batch)))
    cols = cols or max(1, batch // rows)
    return rows, cols


def _title(index, y_true, y_pred, label_map):
    parts = [f"{name}: {label_map.get(values[index].item(), 'Unknown')}"
             for name, values in (("Label", y_true), ("Pred", y_pred))
             if values is not None and index < len(values)]
    return "  ".join(parts)


def plot_image_gallery(images, y_true=None, y_pred=None, label_map=None, rows=None, cols=None,
                       value_range=(0, 255), scale=2, path=None, show=None, transparent=True,
                       dpi=60, legend_handles=None, data_format=None):
    """Show a batch of images in a rows x cols grid, each titled with its true and
    predicted class names (``label_map``: ``{class id: name}``) when given.

    ``value_range``: the images' range, mapped to [0, 255]. ``scale``: inches per image.
    ``path``: save the figure there (``dpi``, ``transparent``) and close it; else, with
    ``show`` (default: no path), ``plt.show()``; ``show=False`` leaves the figure open.
    ``legend_handles``: matplotlib artists for a legend at the bottom.
    """
    plt = _pyplot("plot_image_gallery")
    if path is not None and show:
        raise ValueError("plot_image_gallery() takes `path` (save the figure) or `show=True`"
                         f" (display it), not both. Received: path={path!r}, show={show!r}")
    if (y_true is not None or y_pred is not None) and label_map is None:
        raise ValueError("plot_image_gallery() needs `label_map` ({class id: name}) to title "
                         "the images with `y_true` or `y_pred`.")
    show = path is None if show is None else show
    data_format = standardize_data_format(data_format)
    images = channels_last(batched_images(images, "plot_image_gallery"), data_format)
    rows, cols = _grid(images.shape[0], rows, cols)
    images = _to_pixel_range(images[:rows * cols], value_range)
    y_true, y_pred = (None if y is None else np.asarray(y).reshape(-1) for y in (y_true, y_pred))

    fig, axes = plt.subplots(nrows=rows, ncols=cols, figsize=(cols * scale, rows * scale),
                             frameon=False, layout="tight", squeeze=False, sharex="row",
                             sharey="col")
    fig.subplots_adjust(wspace=0, hspace=0)
    if legend_handles is not None:
        fig.legend(handles=legend_handles, loc="lower center")
    for index, axis in enumerate(axes.reshape(-1)):
        axis.axis("off")
        if index >= len(images):  # a grid larger than the batch: empty cells
            continue
        image = images[index].astype("uint8")
        axis.imshow(image[..., 0] if image.shape[-1] == 1 else image,
                    cmap="gray" if image.shape[-1] == 1 else None)
        axis.margins(x=0, y=0)
        title = _title(index, y_true, y_pred, label_map)
        if title:
            axis.set_title(title, fontsize=8)
    if path is not None:
        plt.savefig(fname=path, pad_inches=0, bbox_inches="tight", transparent=transparent,
                    dpi=dpi)
        plt.close()
    elif show:
        plt.show()
        plt.close()


def plot_bounding_box_gallery(images, bounding_box_format, y_true=None, y_pred=None,
                              value_range=(0, 255), true_color=(0, 188, 212),
                              pred_color=(255, 235, 59), line_thickness=2, font_scale=1.0,
                              text_thickness=None, class_mapping=None,
                              ground_truth_mapping=None, prediction_mapping=None, legend=False,
                              legend_handles=None, rows=None, cols=None, data_format=None,
                              **kwargs):
    """``plot_image_gallery`` of the images with the true boxes (``y_true``, in
    ``true_color``) and predicted boxes (``y_pred``, in ``pred_color``) drawn by
    ``draw_bounding_boxes``; ``ground_truth_mapping`` / ``prediction_mapping`` name their
    classes (default: ``class_mapping``). ``legend=True`` adds a legend of the two colours
    (or pass your own ``legend_handles``, not both). Other keyword arguments go to
    ``plot_image_gallery``.
    """
    _pyplot("plot_bounding_box_gallery")
    from matplotlib import patches
    if legend and legend_handles:
        raise ValueError("plot_bounding_box_gallery() takes `legend=True` (a legend of the "
                         "true and predicted colours) or `legend_handles`, not both.")
    data_format = standardize_data_format(data_format)
    images = channels_last(batched_images(images, "plot_bounding_box_gallery"), data_format)
    # Boxes are drawn on the images brought to [0, 255] as uint8 (Keras draws first, which
    # breaks any other value_range), so the gallery shows them from (0, 255).
    plotted = np.clip(_to_pixel_range(images, value_range), 0, 255).astype("uint8")
    for boxes, color, mapping in ((y_true, true_color, ground_truth_mapping or class_mapping),
                                  (y_pred, pred_color, prediction_mapping or class_mapping)):
        if boxes is not None:
            plotted = draw_bounding_boxes(plotted, dict(boxes), bounding_box_format,
                                          class_mapping=mapping, color=color,
                                          line_thickness=line_thickness,
                                          text_thickness=text_thickness,
                                          font_scale=font_scale, data_format="channels_last")
    if legend:
        legend_handles = [patches.Patch(color=np.array(true_color) / 255.0, label="Ground Truth"),
                          patches.Patch(color=np.array(pred_color) / 255.0, label="Prediction")]
    return plot_image_gallery(plotted, value_range=(0, 255), legend_handles=legend_handles,
                              rows=rows, cols=cols, data_format="channels_last", **kwargs)


def plot_segmentation_mask_gallery(images, num_classes, value_range=(0, 255), y_true=None,
                                   y_pred=None, color_mapping=None, blend=True, alpha=0.8,
                                   ignore_index=-1, data_format=None, **kwargs):
    """``plot_image_gallery`` with one row per image: the image, then its true mask
    (``y_true``) and its predicted mask (``y_pred``) each drawn over it by
    ``draw_segmentation_masks`` (same ``num_classes``, ``color_mapping``, ``alpha``,
    ``blend``, ``ignore_index``). Other keyword arguments go to ``plot_image_gallery``.
    """
    _pyplot("plot_segmentation_mask_gallery")
    data_format = standardize_data_format(data_format)
    images = channels_last(batched_images(images, "plot_segmentation_mask_gallery"),
                           data_format)
    images = _to_pixel_range(images, value_range)   # masks are blended in [0, 255]
    columns = [images]
    for masks in (y_true, y_pred):
        if masks is not None:
            masks = ops.convert_to_numpy(masks)
            masks = masks.astype("int32") if masks.dtype.kind == "f" else masks
            columns.append(draw_segmentation_masks(
                images, channels_last(masks, data_format) if masks.ndim == 4 else masks,
                num_classes=num_classes, color_mapping=color_mapping, alpha=alpha,
                blend=blend, ignore_index=ignore_index, data_format="channels_last"))
    gallery = np.stack([column.astype("float32") for column in columns], axis=1)
    gallery = gallery.reshape((-1,) + images.shape[1:])   # image, true, pred, next image ...
    return plot_image_gallery(gallery, value_range=(0, 255), rows=images.shape[0],
                              cols=len(columns), data_format="channels_last", **kwargs)
