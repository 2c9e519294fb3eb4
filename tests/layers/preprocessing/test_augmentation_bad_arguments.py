"""Bad arguments of the image layers added for Keras 3's list: each raises an error naming
the argument, what was expected and what was given."""
import numpy as np
import pytest

from minikeras import layers

CLAHE = layers.ContrastLimitedAdaptiveHistogramEqualization
IMAGES = np.zeros((1, 4, 4, 3), "float32")
BOXES = {"boxes": np.zeros((1, 1, 4)), "labels": np.zeros((1, 1)), "scores": np.zeros((1, 1))}

# (what is wrong, the call, the error type, what the message must say)
TABLE = [
    ("MixUp alpha 0", lambda: layers.MixUp(alpha=0), ValueError,
     r"`alpha` argument of MixUp .* positive.*alpha=0"),
    ("MixUp boxes", lambda: layers.MixUp()({"images": IMAGES, "bounding_boxes": IMAGES}),
     ValueError, r"keys 'images' and optionally 'labels'.*bounding"),
    ("CutMix factor 2", lambda: layers.CutMix(factor=2.0), ValueError,
     r"`factor` argument of CutMix .*\[0, 1\]. Received: factor=2.0"),
    ("RandomErasing 3 scales", lambda: layers.RandomErasing(scale=(0.2, 0.3, 0.4)),
     ValueError, r"`scale` argument of RandomErasing"),
    ("RandomErasing 2 fills", lambda: layers.RandomErasing(fill_value=[1, 2]), ValueError,
     r"`fill_value` argument .*fill_value=\[1, 2\]"),
    ("RandomErasing range", lambda: layers.RandomErasing(value_range=1), ValueError,
     r"`value_range` argument of RandomErasing .*value_range=1"),
    ("blur even kernel", lambda: layers.RandomGaussianBlur(kernel_size=4), ValueError,
     r"`kernel_size` must be an odd.*Received: kernel_size=4"),
    ("blur 3 kernel sizes", lambda: layers.RandomGaussianBlur(kernel_size=(3, 5, 7)),
     ValueError, r"kernel_size=\(3, 5, 7\)"),
    ("blur sigma 2", lambda: layers.RandomGaussianBlur(sigma=2), ValueError,
     r"`sigma` argument .* \[0, 1\]. Received: sigma=2"),
    ("blur factor", lambda: layers.RandomGaussianBlur(factor=1.5), ValueError,
     r"`factor` argument of RandomGaussianBlur"),
    ("sharpness factor", lambda: layers.RandomSharpness(factor=-0.5), ValueError,
     r"`factor` argument of RandomSharpness .*factor=-0.5"),
    ("sharpness range", lambda: layers.RandomSharpness(0.5, value_range=255), ValueError,
     r"`value_range` argument of RandomSharpness"),
    ("equalization bins", lambda: layers.Equalization(bins=1), ValueError,
     r"`bins` must be an integer of at least 2. Received: bins=1"),
    ("equalization range", lambda: layers.Equalization(value_range=(0, 1, 2)), ValueError,
     r"`value_range` argument of Equalization"),
    ("equalization rank 2", lambda: layers.Equalization()(np.ones((2, 3), "float32")),
     ValueError, r"expected images of rank 3 .* Received: input of shape \(2, 3\)"),
    ("CLAHE grid", lambda: CLAHE(tile_grid_size=(0, 2)), ValueError,
     r"`tile_grid_size` must be two positive integers.*\(0, 2\)"),
    ("CLAHE clip", lambda: CLAHE(clip_limit="4"), ValueError,
     r"`clip_limit` must be a number. Received: clip_limit='4'"),
    ("CLAHE range", lambda: CLAHE(value_range=(0,)), ValueError,
     r"`value_range` argument of Contrast"),
    ("RandAugment num_ops", lambda: layers.RandAugment(num_ops=0), ValueError,
     r"`num_ops` argument of RandAugment .*num_ops=0"),
    ("RandAugment factor", lambda: layers.RandAugment(factor=2), ValueError,
     r"`factor` argument of RandAugment"),
    ("RandAugment interpolation", lambda: layers.RandAugment(interpolation="cubic"),
     ValueError, r"`interpolation` of RandAugment.*'cubic'"),
    ("AugMix depth", lambda: layers.AugMix(chain_depth=1.5), ValueError,
     r"`chain_depth` argument of AugMix .*chain_depth=1.5"),
    ("AugMix alpha", lambda: layers.AugMix(alpha=-1), ValueError,
     r"`alpha` argument of AugMix .*alpha=-1"),
    ("jitter range", lambda: layers.RandomColorJitter(value_range=255), ValueError,
     r"`value_range` argument of RandomColorJitter"),
    ("jitter hue", lambda: layers.RandomColorJitter(hue_factor=3.0), ValueError,
     r"`factor` argument of RandomHue .*factor=3.0"),
    ("perspective scale", lambda: layers.RandomPerspective(scale=2), ValueError,
     r"`scale` argument should be a number in the range \[0,1\]. Received: scale=2"),
    ("perspective interpolation", lambda: layers.RandomPerspective(interpolation="bicubic"),
     NotImplementedError, r"Unknown `interpolation` 'bicubic'"),
    ("perspective factor", lambda: layers.RandomPerspective(factor=(0.1, 0.2, 0.3)),
     ValueError, r"`factor` argument of RandomPerspective"),
    ("elastic fill mode", lambda: layers.RandomElasticTransform(fill_mode="edge"),
     NotImplementedError, r"Unknown `fill_mode` 'edge'"),
    ("elastic scale", lambda: layers.RandomElasticTransform(scale=1.5), ValueError,
     r"`scale` argument of RandomElasticTransform .*scale=1.5"),
    ("elastic range", lambda: layers.RandomElasticTransform(value_range=[0]), ValueError,
     r"`value_range` argument of RandomElasticTransform"),
    ("max boxes text", lambda: layers.MaxNumBoundingBoxes("3"), ValueError,
     r"`max_number` must be an integer.*'3'"),
    ("max boxes negative", lambda: layers.MaxNumBoundingBoxes(-1), ValueError,
     r"`max_number` must be at least 0. Received: max_number=-1"),
    ("max boxes scores", lambda: layers.MaxNumBoundingBoxes(2, bounding_box_format="xyxy")(
        {"images": IMAGES, "bounding_boxes": BOXES}), KeyError,
     r"unsupported keys in `bounding_boxes`: \['scores'\]"),
]


@pytest.mark.parametrize("what, call, error, message", TABLE, ids=[row[0] for row in TABLE])
def test_bad_argument_is_named(what, call, error, message):
    with pytest.raises(error, match=message):
        call()
