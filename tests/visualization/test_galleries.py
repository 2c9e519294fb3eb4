"""keras.visualization's galleries, rendered with matplotlib's Agg backend: the grid Keras
lays out (axes, titles, legend) and the colours in the saved file; bad input."""
import sys

import numpy as np
import pytest

import minikeras as keras
from tests.optional_extras import require_module

V = keras.visualization
COLOURS = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]], "float32")
# matplotlib (with pyplot, ~1 CPU s) is imported by the first test, not at collection
matplotlib = plt = None


@pytest.fixture(autouse=True)
def close_figures():
    global matplotlib, plt
    if plt is None:
        matplotlib = require_module("matplotlib", "examples")
        matplotlib.use("Agg")
        import matplotlib.image
        import matplotlib.pyplot
        plt = matplotlib.pyplot
    yield
    plt.close("all")


def solid_images(colours, height=12, width=16):
    return np.broadcast_to(colours[:, None, None, :], (len(colours), height, width, 3)).copy()


def share_of(png, rgb):
    """Fraction of the file's pixels that have colour ``rgb`` (0-255)."""
    pixels = (matplotlib.image.imread(png)[..., :3] * 255).round()
    return np.mean(np.all(pixels == np.asarray(rgb), axis=-1))


def test_image_gallery_grid_titles_and_pixels(tmp_path):
    images = solid_images(COLOURS)
    V.plot_image_gallery(images, y_true=[0, 1, 0, 1], y_pred=[1, 1, 0, 7],
                         label_map={0: "cat", 1: "dog"}, value_range=(0, 1), show=False)
    axes = plt.gcf().axes
    assert len(axes) == 4   # Keras's grid: rows = ceil(sqrt(4)) = 2, cols = 4 // 2 = 2
    assert [a.get_title() for a in axes] == ["Label: cat  Pred: dog", "Label: dog  Pred: dog",
                                             "Label: cat  Pred: cat",
                                             "Label: dog  Pred: Unknown"]
    plt.close("all")
    path = tmp_path / "gallery.png"
    V.plot_image_gallery(images, value_range=(0, 1), path=str(path), transparent=False)
    assert not plt.get_fignums()   # saved and closed
    for colour in COLOURS * 255:
        assert share_of(path, colour) > 0.1


def test_grid_follows_keras_for_a_batch_that_is_not_square():
    V.plot_image_gallery(solid_images(np.ones((5, 3), "float32")), show=False)
    assert len(plt.gcf().axes) == 3   # rows = ceil(sqrt(5)) = 3, cols = 5 // 3 = 1
    plt.close("all")
    V.plot_image_gallery(solid_images(np.ones((2, 3), "float32")), rows=2, cols=2, show=False)
    assert len(plt.gcf().axes) == 4 and not plt.gcf().axes[3].images   # empty cells stay blank


def test_bounding_box_gallery_draws_true_and_predicted_colours(tmp_path):
    images = np.zeros((2, 20, 24, 3), "float32")
    y_true = {"boxes": np.array([[[1, 1, 10, 18]]] * 2, "float32"), "labels": np.array([[0]] * 2)}
    y_pred = {"boxes": np.array([[[12, 2, 22, 18]]] * 2, "float32"),
              "labels": np.array([[1]] * 2)}
    path = tmp_path / "boxes.png"
    V.plot_bounding_box_gallery(images, "xyxy", y_true=y_true, value_range=(0, 1),
                                line_thickness=-1, path=str(path), transparent=False)
    assert share_of(path, (0, 188, 212)) > 0.2 and share_of(path, (255, 235, 59)) == 0
    V.plot_bounding_box_gallery(images, "xyxy", y_true=y_true, y_pred=y_pred,
                                line_thickness=-1, legend=True, show=False)
    assert len(plt.gcf().axes) == 2   # rows = ceil(sqrt(2)) = 2, cols = 2 // 2 = 1
    [legend] = plt.gcf().legends
    assert [t.get_text() for t in legend.get_texts()] == ["Ground Truth", "Prediction"]
    path = tmp_path / "both.png"
    plt.savefig(path)
    assert share_of(path, (255, 235, 59)) > 0.05


def test_segmentation_gallery_rows_of_image_truth_prediction(tmp_path):
    images = np.full((2, 8, 8, 3), 0.5, "float32")
    truth = np.ones((2, 8, 8, 1), "int32")
    V.plot_segmentation_mask_gallery(images, num_classes=2, value_range=(0, 1), y_true=truth,
                                     y_pred=np.zeros((2, 8, 8)), show=False)
    assert len(plt.gcf().axes) == 6   # one row per image: image, truth, prediction
    plt.close("all")
    path = tmp_path / "masks.png"
    V.plot_segmentation_mask_gallery(images, num_classes=2, value_range=(0, 1), y_true=truth,
                                     color_mapping={0: (0, 0, 0), 1: (250, 0, 40)}, blend=False,
                                     path=str(path), transparent=False)
    assert share_of(path, (250, 0, 40)) > 0.2 and share_of(path, (127, 127, 127)) > 0.2


@pytest.mark.parametrize("call, error, match", [
    (lambda: V.plot_image_gallery(np.zeros((1, 4, 4, 3)), path="x.png", show=True), ValueError,
     "`path` .* or `show=True`.*not both"),
    (lambda: V.plot_image_gallery(np.zeros((1, 4, 4, 3)), y_true=[1]), ValueError,
     "needs `label_map`"),
    (lambda: V.plot_image_gallery(np.zeros((4, 4, 3))), ValueError,
     r"Received: images.shape=\(4, 4, 3\)"),
    (lambda: V.plot_bounding_box_gallery(np.zeros((1, 4, 4, 3)), "xyxy", legend=True,
                                         legend_handles=["h"]), ValueError, "not both"),
    (lambda: V.plot_bounding_box_gallery(np.zeros((1, 4, 4, 3)), "xyxy",
                                         y_true={"boxes": np.zeros((1, 1, 4))}), ValueError,
     r"Received keys: \['boxes'\]"),
    (lambda: V.plot_segmentation_mask_gallery(np.zeros((4, 4, 3)), 2), ValueError,
     "batch of images"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    for call in (lambda: V.plot_image_gallery(np.zeros((1, 4, 4, 3))),
                 lambda: V.plot_bounding_box_gallery(np.zeros((1, 4, 4, 3)), "xyxy"),
                 lambda: V.plot_segmentation_mask_gallery(np.zeros((1, 4, 4, 3)), 2)):
        with pytest.raises(ImportError, match=r'pip install "minikeras\[examples\]"'):
            call()
