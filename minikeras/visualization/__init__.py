"""keras.visualization: boxes and segmentation masks drawn into image arrays (numpy), and
galleries of images plotted with matplotlib (the ``examples`` extra, imported only when a
gallery is plotted)."""
from .drawing import draw_bounding_boxes, draw_segmentation_masks
from .galleries import (plot_bounding_box_gallery, plot_image_gallery,
                        plot_segmentation_mask_gallery)

__all__ = ["draw_bounding_boxes", "draw_segmentation_masks", "plot_bounding_box_gallery",
           "plot_image_gallery", "plot_segmentation_mask_gallery"]
