"""Keras's weight files load: a file Keras wrote in the layout of its published application
weights (fixtures/README.md) gives Keras's predictions, from a path and through the
``weights="imagenet"`` download path served by a local HTTP server (conftest.py, offline)."""
import hashlib
import json
import pathlib
import shutil

import numpy as np
import pytest

from minikeras import applications
from minikeras.applications import imagenet_utils, mobilenet, mobilenet_v3

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
WEIGHTS = FIXTURES / "mobilenet_2_5_128_tf_no_top.h5"
KWARGS = dict(alpha=0.25, input_shape=(128, 128, 3), include_top=False, pooling="avg")


def _images():
    """Two 128x128 sine-pattern images with values in [0, 255] (as the fixture script)."""
    i, j = np.mgrid[0:128, 0:128]
    return np.stack([np.stack([127.5 * (1 + np.sin(i * 0.05 * (k + 1) + j * 0.03 * (c + 1)))
                               for c in range(3)], -1) for k in range(2)]).astype("float32")


def _keras_predictions():
    return np.load(FIXTURES / "mobilenet_025_128_predictions.npz")["predictions"]


def _predict(model):
    return model.predict(mobilenet.preprocess_input(_images()), verbose=0)


def test_weights_path_gives_keras_predictions():
    model = applications.MobileNet(weights=str(WEIGHTS), **KWARGS)
    np.testing.assert_allclose(_predict(model), _keras_predictions(), rtol=1e-4, atol=1e-4)


def test_weights_path_must_fit_the_architecture():
    with pytest.raises(ValueError):
        applications.MobileNet(weights=str(WEIGHTS), alpha=0.5, include_top=False)


def test_imagenet_weights_download_through_get_file(server, tmp_path, monkeypatch):
    site, url = server
    shutil.copy(WEIGHTS, site / WEIGHTS.name)
    monkeypatch.setattr(mobilenet, "BASE_WEIGHT_PATH", url)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    downloaded = applications.MobileNet(weights="imagenet", **KWARGS)
    assert (tmp_path / "home" / "models" / WEIGHTS.name).read_bytes() == WEIGHTS.read_bytes()
    direct = applications.MobileNet(weights=None, **KWARGS)
    direct.load_weights(str(WEIGHTS))
    predicted, from_direct = _predict(downloaded), _predict(direct)
    np.testing.assert_array_equal(predicted, from_direct)
    np.testing.assert_allclose(predicted, _keras_predictions(), rtol=1e-4, atol=1e-4)
    (site / WEIGHTS.name).unlink()  # a second build reads the cache, not the server
    cached = applications.MobileNet(weights="imagenet", **KWARGS)
    np.testing.assert_array_equal(_predict(cached), from_direct)


def test_downloaded_file_with_the_wrong_hash_is_refused(server, tmp_path, monkeypatch):
    site, url = server
    name = "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5"
    shutil.copy(WEIGHTS, site / name)  # not the file Keras's hash names
    monkeypatch.setattr(mobilenet_v3, "BASE_WEIGHT_PATH", url)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    with pytest.raises(ValueError, match=mobilenet_v3.WEIGHTS_HASHES[
            "small_224_1.0_float"][1]):
        applications.MobileNetV3Small(weights="imagenet", include_top=False,
                                      input_shape=(224, 224, 3))
    models = tmp_path / "home" / "models"
    assert not models.exists() or not any(models.iterdir())


def test_decode_predictions_fetches_the_class_index_once(server, tmp_path, monkeypatch):
    site, url = server
    payload = json.dumps({str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}).encode()
    (site / "imagenet_class_index.json").write_bytes(payload)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_PATH", url + "imagenet_class_index.json")
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", hashlib.md5(payload).hexdigest())
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    preds = np.eye(1000, dtype="float32")[[42]]
    assert applications.vgg16.decode_predictions(preds, top=1) == [
        [("n00000042", "class_42", 1.0)]]
    assert (tmp_path / "home" / "models" / "imagenet_class_index.json").exists()
