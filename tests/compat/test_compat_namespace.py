"""Import styles and names Keras scripts use (Keras 3 API plus the Keras 2 spellings kept)."""
import importlib
import sys

import numpy as np
import pytest

import minikeras as keras


@pytest.mark.parametrize("module, names", [
    ("minikeras.models", ["Sequential", "Model", "load_model", "model_from_json", "clone_model",
                          "save_model"]),
    ("minikeras.layers", ["Dense", "Dropout", "Activation", "Conv2D", "MaxPooling2D", "Flatten",
                          "Reshape", "Embedding", "BatchNormalization", "Input", "InputLayer",
                          "Layer"]),
    ("minikeras.optimizers", ["Adam", "SGD", "RMSprop"]),
    ("minikeras.utils", ["to_categorical", "normalize", "set_random_seed", "plot_model",
                         "model_to_dot", "pad_sequences", "custom_object_scope",
                         "get_custom_objects", "serialize_keras_object",
                         "deserialize_keras_object", "register_keras_serializable",
                         "clear_session", "Progbar", "pack_x_y_sample_weight",
                         "unpack_x_y_sample_weight"]),
    ("minikeras.callbacks", ["EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau",
                             "CSVLogger", "LambdaCallback", "History", "Callback", "TensorBoard"]),
    ("minikeras.backend", ["clear_session", "floatx", "epsilon", "image_data_format"]),
    ("minikeras.config", ["floatx", "backend", "enable_unsafe_deserialization"]),
    ("minikeras.saving", ["load_model", "register_keras_serializable", "custom_object_scope"]),
])
def test_from_submodule_import_names(module, names):
    mod = importlib.import_module(module)
    missing = [name for name in names if not hasattr(mod, name)]
    assert not missing


@pytest.mark.parametrize("name", ["Input", "InputSpec", "KerasTensor", "Layer", "Loss",
                                  "Metric", "Model", "Optimizer", "Initializer", "Regularizer",
                                  "Sequential", "Variable", "layers", "ops", "utils",
                                  "callbacks", "random", "saving", "datasets", "version"])
def test_top_level_names(name):
    assert hasattr(keras, name)


def test_top_level_classes_are_the_family_bases():
    assert keras.Loss is keras.losses.Loss and keras.Metric is keras.metrics.Metric
    assert keras.Optimizer is keras.optimizers.Optimizer
    assert isinstance(keras.Input((2,)), keras.KerasTensor)
    assert keras.version() == keras.__version__


def test_plot_model_without_pydot_raises_kerass_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "pydot", None)  # as if it were not installed
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(ImportError, match=r"You must install pydot \(`pip install pydot`\)"):
        keras.utils.plot_model(model, to_file="model.png", show_shapes=True)


def test_plot_model_of_an_unbuilt_model_raises_value_error():
    with pytest.raises(ValueError, match="not yet been built"):
        keras.utils.plot_model(keras.Sequential([keras.layers.Dense(2)]))


def test_pad_sequences_docstring_examples():
    # The examples in Keras's pad_sequences docstring.
    sequence = [[1], [2, 3], [4, 5, 6]]
    np.testing.assert_array_equal(keras.utils.pad_sequences(sequence),
                                  [[0, 0, 1], [0, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(keras.utils.pad_sequences(sequence, value=-1),
                                  [[-1, -1, 1], [-1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(keras.utils.pad_sequences(sequence, padding="post"),
                                  [[1, 0, 0], [2, 3, 0], [4, 5, 6]])
    np.testing.assert_array_equal(keras.utils.pad_sequences(sequence, maxlen=2),
                                  [[0, 1], [2, 3], [5, 6]])
    assert keras.utils.pad_sequences(sequence).dtype == np.int32
    np.testing.assert_array_equal(
        keras.utils.pad_sequences(sequence, maxlen=2, truncating="post", padding="post"),
        [[1, 0], [2, 3], [4, 5]])


def test_pack_and_unpack_x_y_sample_weight():
    # Keras 3's docstring: a lone x is returned as it is (a tuple x is wrapped)
    assert keras.utils.pack_x_y_sample_weight(1) == 1
    assert keras.utils.pack_x_y_sample_weight((1, 2)) == ((1, 2),)
    assert keras.utils.pack_x_y_sample_weight(1, 2) == (1, 2)
    assert keras.utils.unpack_x_y_sample_weight((1, 2)) == (1, 2, None)
    assert keras.utils.unpack_x_y_sample_weight(5) == (5, None, None)


def test_clear_session_restarts_layer_names():
    keras.utils.clear_session()
    assert keras.layers.Dense(2).name == "dense"
    keras.backend.clear_session()
    assert keras.layers.Dense(2).name == "dense"


def test_classic_keras2_blog_script_runs():
    from minikeras.layers import Activation, Dense, Dropout
    from minikeras.models import Sequential
    from minikeras.optimizers import SGD
    from minikeras.utils import to_categorical

    keras.utils.set_random_seed(1)
    x = np.random.random((40, 20))
    y = to_categorical(np.random.randint(10, size=(40, 1)), num_classes=10)
    model = Sequential()
    model.add(Dense(16, input_dim=20))
    model.add(Activation("relu"))
    model.add(Dropout(0.5))
    model.add(Dense(10, activation="softmax"))
    with pytest.warns(DeprecationWarning):
        sgd = SGD(lr=0.01, momentum=0.9, nesterov=True)
    model.compile(loss="categorical_crossentropy", optimizer=sgd, metrics=["accuracy"])
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss"] and history.epoch == [0, 1]
    loss, acc = model.evaluate(x, y, batch_size=16, verbose=0)
    assert 0 <= acc <= 1 and loss > 0
    assert model.predict(x[:1], verbose=0).shape == (1, 10)
