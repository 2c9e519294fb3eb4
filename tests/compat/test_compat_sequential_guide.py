"""Keras guide "The Sequential model" and subclassed-model basics, run with minikeras.

Expectations come from the guide's text and Keras 3's documented behaviour: a built
Sequential exposes ``inputs`` / ``outputs`` and each layer's ``input`` / ``output`` as
KerasTensors; Keras 3 layers have no ``output_shape``; a subclassed model's ``layers`` are
the layers assigned to it (also inside lists); its summary shows each layer's output for
the batch it was first called with.
"""
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


def summary_lines(model, **kwargs):
    lines = []
    model.summary(print_fn=lambda text: lines.extend(text.splitlines()), **kwargs)
    return lines


def test_built_sequential_has_symbolic_inputs_outputs_and_layer_outputs():
    model = keras.Sequential([keras.Input(shape=(250, 250, 3)),
                              layers.Conv2D(32, 5, strides=2, activation="relu"),
                              layers.Conv2D(32, 3, activation="relu", name="mid"),
                              layers.MaxPooling2D(3)])
    assert [t.shape for t in model.inputs] == [(None, 250, 250, 3)]
    # (250 - 5) // 2 + 1 = 123; 123 - 2 = 121; 121 // 3 = 40 (the guide's "(40, 40, 32)")
    assert [t.shape for t in model.outputs] == [(None, 40, 40, 32)]
    assert model.get_layer(name="mid").output.shape == (None, 121, 121, 32)
    assert model.layers[1].input is model.layers[0].output
    assert model.input is model.inputs[0] and model.output is model.outputs[0]
    assert isinstance(model.inputs[0], keras.KerasTensor)


def test_unbuilt_sequential_and_uncalled_layer_have_no_symbolic_tensors():
    model = keras.Sequential([layers.Dense(2)])
    with pytest.raises(AttributeError, match="no defined inputs"):
        model.inputs
    with pytest.raises(AttributeError, match="has never been called"):
        layers.Dense(3).output
    model(np.ones((1, 4), "float32"))  # building on data defines them
    # with the data's batch size, as Keras 3.15 does (probed: (1, 4) and (1, 2))
    assert model.inputs[0].shape == (1, 4) and model.outputs[0].shape == (1, 2)


def test_keras_tensor_repr_and_names():
    t = keras.Input(shape=(3,), name="digits")
    assert repr(t) == ("<KerasTensor shape=(None, 3), dtype=float32, sparse=False, "
                       "ragged=False, name=digits>")
    assert t.ndim == 2


def test_keras3_layers_have_no_output_shape_attribute():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    with pytest.raises(AttributeError):
        model.layers[0].output_shape
    assert model.output_shape == (None, 2)  # the model keeps it


class TwoDense(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.blocks = [layers.Dense(4, activation="relu"), layers.Dense(3)]
        self.dropout = layers.Dropout(0.5)

    def call(self, inputs, training=False):
        x = inputs
        for block in self.blocks:
            x = self.dropout(block(x), training=training)
        return x


def test_subclassed_model_tracks_layers_in_lists_and_trains_them():
    model = TwoDense()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x = np.ones((8, 5), "float32")
    model.fit(x, np.zeros((8, 3), "float32"), batch_size=8, verbose=0)
    assert [type(l).__name__ for l in model.layers] == ["Dense", "Dense", "Dropout"]
    # 5*4 + 4 and 4*3 + 3 weights, all trainable
    assert [w.shape for w in model.get_weights()] == [(5, 4), (4,), (4, 3), (3,)]
    assert len(model.trainable_weights) == 4
    assert model.get_layer(index=2) is model.dropout
    with pytest.raises(AttributeError, match="reserved"):
        model.layers = []


def test_subclassed_model_summary_rows_use_first_batch_shape():
    model = TwoDense(name="two")
    model(np.ones((7, 5), "float32"))
    lines = summary_lines(model)
    assert lines[0] == 'Model: "two"'
    row = lines[4]
    assert row.startswith("│ dense") and "(Dense)" in row and "(7, 4)" in row
    assert row.rstrip("│ ").endswith("24")
    assert " Total params: 39 (156.00 B)" in lines  # 24 + 15 float32 params


def test_summary_is_capped_at_terminal_width_minus_four(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")  # what a pipe gets: 80 columns
    model = keras.Sequential([keras.Input((4,)), layers.Dense(2, name="d")])
    lines = summary_lines(model)
    assert all(len(line) == 76 for line in lines[1:6])


def test_summary_show_trainable_layout_follows_keras():
    # Keras: line 100, positions scaled by 0.9 plus a last column, centred Y/N/-; columns
    # ask int(p * 100) - previous + 2 padding = 42, 34, 20, 12, and the 13 extra are taken
    # in equal shares (3, 3, 4, 3): inner widths 39, 31, 16, 9 -> header "Traina…".
    model = keras.Sequential([keras.Input((4,)), layers.Dense(2, name="d"),
                              layers.Dropout(0.1, name="drop")])
    model.layers[0].trainable = False
    lines = summary_lines(model, show_trainable=True)
    assert lines[1] == "┏" + "━" * 39 + "┳" + "━" * 31 + "┳" + "━" * 16 + "┳" + "━" * 9 + "┓"
    assert lines[2].endswith("┃ Traina… ┃")
    assert lines[4].endswith("│    N    │") and lines[6].endswith("│    -    │")


def test_summary_cuts_a_word_longer_than_its_cell_with_an_ellipsis():
    name = "a_very_long_layer_name_that_does_not_fit_in_the_column"
    model = keras.Sequential([keras.Input((4,)), layers.Dense(2, name=name)])
    lines = summary_lines(model)
    assert lines[4].startswith("│ " + name[:35] + "… │")
    assert lines[5].startswith("│ (Dense) ")


def test_freezing_all_but_last_layer_trains_only_the_last():
    model = keras.Sequential([keras.Input(shape=(6,)), layers.Dense(4, activation="relu"),
                              layers.Dense(4, activation="relu"), layers.Dense(2)])
    for layer in model.layers[:-1]:
        layer.trainable = False
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    before = model.get_weights()
    model.fit(np.ones((4, 6), "float32"), np.ones((4, 2), "float32"), verbose=0)
    after = model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before[:4], after[:4]))
    assert not np.array_equal(before[5], after[5])  # last bias moved
