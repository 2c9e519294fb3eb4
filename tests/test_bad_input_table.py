"""Issue 10's bad-input table: each input gets a clear error naming what was expected and given."""
import warnings

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers

X = np.ones((8, 3), np.float32)
Y = np.ones((8, 2), np.float32)


def compiled():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    model.compile("sgd", "mse")
    return model


TABLE = {
    "fit on empty arrays": (lambda: compiled().fit(np.zeros((0, 3), np.float32),
                                                   np.zeros((0, 2), np.float32), verbose=0),
                            "empty data: x has 0 samples"),
    "evaluate on empty arrays": (lambda: compiled().evaluate(np.zeros((0, 3), np.float32),
                                                             np.zeros((0, 2), np.float32),
                                                             verbose=0),
                                 "empty data: x has 0 samples"),
    "loss_weights for two outputs on one": (
        lambda: keras.Sequential([keras.Input((3,)), layers.Dense(2)]).compile(
            "sgd", "mse", loss_weights=[1, 2]), "`loss_weights` must match the number of losses"),
    "predict(batch_size=0)": (lambda: compiled().predict(X, batch_size=0, verbose=0),
                              "positive integer. Received: 0"),
    "evaluate(batch_size=0)": (lambda: compiled().evaluate(X, Y, batch_size=0, verbose=0),
                               "positive integer. Received: 0"),
    "fit(epochs=-1)": (lambda: compiled().fit(X, Y, epochs=-1, verbose=0),
                       r"non-negative integer. Received: epochs=-1"),
    "fit(epochs=1.5)": (lambda: compiled().fit(X, Y, epochs=1.5, verbose=0),
                        r"non-negative integer. Received: epochs=1.5"),
    "Input(shape=(-1,))": (lambda: keras.Input(shape=(-1,)), "Negative dimensions"),
    "Input(shape='a')": (lambda: keras.Input(shape="a"), "Cannot convert shape='a'"),
    "Input(shape=(1e9,))": (lambda: keras.Input(shape=(1e9,)), "invalid entry 1000000000.0"),
    "Input(shape=(2.5,))": (lambda: keras.Input(shape=(2.5,)), "invalid entry 2.5"),
    "Input(batch_shape=(None, True))": (lambda: keras.Input(batch_shape=(None, True)),
                                        "invalid entry True"),
    "Dense(units=2e8)": (lambda: layers.Dense(units=2e8), "positive integer"),
    "Embedding(input_dim=1e10)": (lambda: layers.Embedding(input_dim=1e10, output_dim=4),
                                  "positive integer"),
    "model_from_json(bytes)": (lambda: keras.models.model_from_json(b"\xff\xfe"),
                               "could not be parsed"),
    "strings as x in fit": (lambda: compiled().fit(TEXT, Y, verbose=0),
                            r"'dense.*' \(Dense\) computes on numbers, but received an array of "
                            r"strings \(dtype <U1, shape \(8, 3\)\)"),
    "strings as x in predict": (lambda: compiled().predict(TEXT, verbose=0),
                                r"\(Dense\) computes on numbers.*dtype <U1"),
    "strings as x of a functional model": (
        lambda: keras.Model(*_functional()).predict(TEXT, verbose=0),
        r"\(Dense\) computes on numbers.*dtype <U1"),
    "strings as y": (lambda: compiled().fit(X, TEXT[:, :2], verbose=0),
                     r"compare numbers, but received an array of strings \(dtype <U1, shape "
                     r"\(8, 2\)\)"),
    "a list of two arrays into a Sequential model": (
        lambda: compiled().predict([X, X], verbose=0),
        r"Sequential model '.*' expects 1 input, but it received 2 input tensors"),
    "strings in Model.set_weights": (
        lambda: compiled().set_weights([TEXT[:3, :2], np.zeros(2)]),
        r"dtype <U1 to variable '.*dense.*/kernel' of dtype float32: expected numbers"),
}


TEXT = np.array([["a", "b", "c"]] * 8)


def _functional():
    inputs = keras.Input((3,))
    return inputs, layers.Dense(1)(inputs)


@pytest.mark.parametrize("case", sorted(TABLE))
def test_bad_input_gets_a_clear_error(case):
    call, message = TABLE[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=message):
            call()


def test_good_neighbours_of_the_table_still_work():
    assert keras.Input(shape=(0, 3)).shape == (None, 0, 3)
    assert keras.Input(shape=(np.int64(4),)).shape == (None, 4)
    model = compiled()
    assert len(model.fit(X, Y, epochs=2, initial_epoch=2, verbose=0).history) == 0
    model.fit(X, np.zeros((8, 2), np.float32), class_weight={0: 2.0}, verbose=0)
    assert model.predict(X, batch_size=3, verbose=0).shape == (8, 2)
    text = keras.Input((3,), dtype="string")  # strings are fine where a text layer takes them
    ids = layers.StringLookup(vocabulary=["a", "b"])(text)
    reader = keras.Model(text, layers.Dense(1)(layers.Flatten()(ids)))
    assert reader.predict(TEXT, verbose=0).shape == (8, 1)


def test_set_weights_with_strings_changes_nothing():
    model = compiled()
    model.fit(X, Y, verbose=0)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match="expected numbers"):
        model.set_weights([np.zeros((3, 2)), np.array(["a", "b"])])  # the bias is the bad one
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)
    optimizer = model.optimizer
    moments = [w.copy() for w in optimizer.get_weights()]
    bad = [np.full(w.shape, "x") if i == len(moments) - 1 else w + 1
           for i, w in enumerate(moments)]
    with pytest.raises(ValueError, match="expected numbers"):
        optimizer.set_weights(bad)
    for old, new in zip(moments, optimizer.get_weights()):
        np.testing.assert_array_equal(old, new)


class CountingName(layers.ReLU):
    """A layer that counts how often its name is read."""

    reads = 0

    @property
    def name(self):
        CountingName.reads += 1
        return self.__dict__["_counted_name"]

    @name.setter
    def name(self, value):
        self.__dict__["_counted_name"] = value


def test_sequential_add_reads_each_name_a_bounded_number_of_times():
    model = keras.Sequential()
    stack = [CountingName() for _ in range(400)]
    CountingName.reads = 0
    for layer in stack:
        model.add(layer, rebuild=False)
    assert CountingName.reads < 10 * len(stack)  # a scan of all names per add reads ~80,000
    with pytest.raises(ValueError, match="unique names"):
        model.add(stack[5], rebuild=False)


def test_one_hot_refuses_a_float_number_of_classes_as_keras_eager_does():
    with pytest.raises(TypeError, match=r"one_hot expects `num_classes` as an int\. Received: "
                                        r"num_classes=2\.5 of type float"):
        keras.ops.one_hot(np.array([0, 1]), 2.5)
    assert keras.ops.one_hot(np.array([0, 1]), np.int64(2)).shape == (2, 2)
