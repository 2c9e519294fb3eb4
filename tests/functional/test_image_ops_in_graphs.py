"""keras.ops.image functions called on keras.Input tensors become nodes of a functional model,
written as Keras 3.15 writes them (probed: module "keras.src.ops.image", class_name
"Resize", node name "resize"), and the model saves, loads and predicts the same."""
import json

import numpy as np

import minikeras as keras


def test_image_ops_on_symbolic_tensors(tmp_path):
    x = keras.Input((8, 8, 3))
    y = keras.ops.image.resize(x, (4, 4))
    gray = keras.ops.image.rgb_to_grayscale(y)
    assert (y.shape, gray.shape) == ((None, 4, 4, 3), (None, 4, 4, 1))
    model = keras.Model(x, gray)
    entry = json.loads(json.dumps(model.get_config()))["layers"][1]
    assert (entry["module"], entry["class_name"], entry["name"]) == \
        ("keras.src.ops.image", "Resize", "resize")
    images = np.random.default_rng(0).random((2, 8, 8, 3)).astype("float32")
    expected = keras.ops.image.rgb_to_grayscale(keras.ops.image.resize(images, (4, 4))).numpy()
    np.testing.assert_allclose(model.predict(images, verbose=0), expected, rtol=1e-6)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(images, verbose=0), expected, rtol=1e-6)
