"""preprocess_input's three modes and decode_predictions, with numbers derived by hand from
Keras's definitions (imagenet_utils docstring)."""

import numpy as np
import pytest

from minikeras import applications, ops
from minikeras.applications import imagenet_utils

PIXEL = np.array([[[[10.0, 20.0, 30.0]]]], dtype="float32")  # one RGB pixel, (1, 1, 1, 3)


@pytest.mark.parametrize("mode, expected", [
    # caffe: BGR order, minus (103.939, 116.779, 123.68)
    ("caffe", [30 - 103.939, 20 - 116.779, 10 - 123.68]),
    # tf: x / 127.5 - 1
    ("tf", [10 / 127.5 - 1, 20 / 127.5 - 1, 30 / 127.5 - 1]),
    # torch: (x / 255 - mean) / std
    ("torch", [(10 / 255 - 0.485) / 0.229, (20 / 255 - 0.456) / 0.224,
               (30 / 255 - 0.406) / 0.225]),
])
def test_modes_on_arrays_and_tensors(mode, expected):
    out = imagenet_utils.preprocess_input(PIXEL.copy(), mode=mode)
    np.testing.assert_allclose(out.reshape(3), expected, rtol=1e-6)
    tensor_out = imagenet_utils.preprocess_input(ops.convert_to_tensor(PIXEL), mode=mode)
    np.testing.assert_allclose(ops.convert_to_numpy(tensor_out).reshape(3), expected,
                               rtol=1e-6)


def test_channels_first_and_a_single_image():
    image = np.transpose(PIXEL[0], (2, 0, 1)).copy()  # (3, 1, 1)
    out = imagenet_utils.preprocess_input(image, data_format="channels_first", mode="caffe")
    np.testing.assert_allclose(out.reshape(3), [30 - 103.939, 20 - 116.779, 10 - 123.68],
                               rtol=1e-6)


def test_float_arrays_change_in_place_integers_are_converted():
    x = PIXEL.copy()
    applications.resnet_v2.preprocess_input(x)
    np.testing.assert_allclose(x.reshape(3), [10 / 127.5 - 1, 20 / 127.5 - 1, 30 / 127.5 - 1],
                               rtol=1e-6)
    ints = np.full((1, 2, 2, 3), 255, dtype="uint8")
    out = applications.mobilenet_v2.preprocess_input(ints)
    assert out.dtype == np.float32 and np.all(out == 1.0) and np.all(ints == 255)


def test_family_modes():
    x = np.full((1, 1, 1, 3), 255.0, dtype="float32")
    assert applications.mobilenet_v3.preprocess_input(x) is x  # the model rescales itself
    np.testing.assert_allclose(applications.densenet.preprocess_input(x.copy()).reshape(3),
                               [(1 - 0.485) / 0.229, (1 - 0.456) / 0.224,
                                (1 - 0.406) / 0.225], rtol=1e-6)
    np.testing.assert_allclose(applications.vgg16.preprocess_input(x.copy()).reshape(3),
                               [255 - 103.939, 255 - 116.779, 255 - 123.68], rtol=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    (dict(mode="keras"), "Expected mode to be one of `caffe`, `tf` or `torch`"),
    (dict(data_format="NHWC"), "Expected data_format to be one of"),
])
def test_bad_preprocess_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        imagenet_utils.preprocess_input(PIXEL.copy(), **kwargs)


def test_decode_predictions_reads_the_class_index(tmp_path, monkeypatch):
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", index)
    preds = np.zeros((2, 1000), dtype="float32")
    preds[0, [3, 7, 500]] = [0.2, 0.5, 0.3]
    preds[1, 999] = 1.0
    decoded = applications.resnet.decode_predictions(preds, top=3)
    assert [entry[:2] for entry in decoded[0]] == [("n00000007", "class_7"),
                                                   ("n00000500", "class_500"),
                                                   ("n00000003", "class_3")]
    assert decoded[0][0][2] == pytest.approx(0.5)
    assert decoded[1][0][:2] == ("n00000999", "class_999") and len(decoded[1]) == 3


def test_decode_predictions_needs_1000_classes():
    with pytest.raises(ValueError, match=r"\(samples, 1000\).*\(2, 10\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))
