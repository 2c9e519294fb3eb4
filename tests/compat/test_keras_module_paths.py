"""Every module path of Keras 3.15.1 (tools/keras3_names.json, "modules") imports as the same
path under minikeras, so ``from keras.applications.resnet50 import preprocess_input`` and
``import keras.ops.nn`` run after the one-line change; the one exception is listed with its
reason in docs/porting.md."""
import importlib
import json
import os

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
with open(os.path.join(ROOT, "tools", "keras3_names.json"), encoding="utf-8") as f:
    KERAS_MODULES = json.load(f)["modules"]
NOT_PROVIDED = {"keras.export"}  # TensorFlow SavedModel / ONNX export: porting.md


def ours(keras_path):
    return "minikeras" + keras_path[len("keras"):]


@pytest.mark.parametrize("path", sorted(set(KERAS_MODULES) - NOT_PROVIDED))
def test_keras_module_path_imports(path):
    module = importlib.import_module(ours(path))
    assert module.__name__ == ours(path)


def test_the_module_not_provided_is_explained_and_absent():
    with open(os.path.join(ROOT, "docs", "porting.md"), encoding="utf-8") as f:
        not_supported = f.read().split("## Not supported yet", 1)[1]
    for path in NOT_PROVIDED:
        assert path in KERAS_MODULES
        assert f"`{path}`" in not_supported
        with pytest.raises(ImportError):
            importlib.import_module(ours(path))


def test_resnet50_module_holds_keras_names():
    from minikeras.applications import resnet, resnet50
    assert resnet50.ResNet50 is resnet.ResNet50
    assert resnet50.preprocess_input is resnet.preprocess_input
    assert resnet50.decode_predictions is resnet.decode_predictions
