"""Differences found by running keras-io keras_recipes and small vision examples beside Keras 3.15.

Expected numbers come from tests/fixtures/keras_recipes_fidelity.npz, written once with real
Keras 3.15 (torch backend) by tools/make_recipes_fidelity_fixture.py.
"""
import json
import math
import os
import zipfile

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "keras_recipes_fidelity.npz")


@pytest.fixture(scope="module")
def expected():
    with np.load(FIXTURE) as data:
        return dict(data)


def _standardized(kernel):
    mean, var = ops.moments(kernel, axes=[0, 1, 2], keepdims=True)
    return (kernel - mean) / ops.sqrt(var + 1e-10)


class ConvOverridingItsOp(layers.Conv2D):
    def convolution_op(self, inputs, kernel):
        return ops.conv(inputs, _standardized(kernel), padding="valid",
                        strides=list(self.strides))


class ConvCallingItsOp(layers.Conv2D):
    def call(self, inputs):
        result = self.convolution_op(inputs, _standardized(self.kernel))
        if self.use_bias:
            result = result + self.bias
        return result


def test_conv_convolution_op_is_the_hook_of_subclassing_conv_layers(expected):
    """keras-io subclassing_conv_layers: Conv2D.convolution_op existed nowhere (AttributeError);
    overriding it changes what call convolves, bias and activation still applied."""
    # the generator's Sequential, built functionally (same weights, same order)
    inputs = keras.Input((8, 8, 2))
    hidden = ConvCallingItsOp(3, 3, activation="relu")(inputs)
    hidden = ConvOverridingItsOp(4, 3, strides=2, activation="tanh")(hidden)
    model = keras.Model(inputs, layers.Dense(3)(layers.Flatten()(hidden)))
    model.set_weights([expected[f"conv_w{i}"] for i in range(6)])
    x, y = expected["conv_x"], expected["conv_y"]
    np.testing.assert_allclose(model.predict(x, verbose=0), expected["conv_out"],
                               rtol=1e-5, atol=1e-6)
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(0.1))
    np.testing.assert_allclose(model.train_on_batch(x, y), expected["conv_loss"], rtol=1e-5)
    for i, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(w, expected[f"conv_trained_w{i}"], rtol=1e-4, atol=1e-6)


def test_plain_conv_convolution_op_is_its_convolution():
    """The base hook is the layer's own convolution (no bias, no activation), channels first too."""
    layer = layers.Conv2D(2, 3, strides=2, padding="same", data_format="channels_first",
                          activation="relu", bias_initializer="ones")
    x = np.random.default_rng(0).normal(size=(2, 3, 7, 7)).astype("float32")
    out = ops.convert_to_numpy(layer(x))
    raw = ops.convert_to_numpy(layer.convolution_op(x, layer.kernel))
    np.testing.assert_allclose(out, np.maximum(raw + 1.0, 0.0), rtol=1e-6, atol=1e-6)


class ConvThroughItsOp(layers.Conv2D):
    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, kernel)


def test_a_convolution_op_override_keeps_bias_and_activation_channels_first():
    args = dict(filters=2, kernel_size=3, padding="same", data_format="channels_first",
                activation="relu", bias_initializer="random_normal")
    plain, through = layers.Conv2D(**args), ConvThroughItsOp(**args)
    x = np.random.default_rng(1).normal(size=(2, 3, 5, 5)).astype("float32")
    plain.build(x.shape)
    through.build(x.shape)
    through.set_weights(plain.get_weights())
    np.testing.assert_allclose(ops.convert_to_numpy(through(x)), ops.convert_to_numpy(plain(x)),
                               rtol=1e-6, atol=1e-6)


class PairOutput(layers.Layer):
    """Returns a tuple, like keras-io involution's Involution layer (output, kernel)."""

    def call(self, x):
        return x, x * 2.0


class DictOutput(layers.Layer):
    def call(self, x):
        return {"b": x, "a": x * 2.0}


def test_predict_of_a_model_with_a_tuple_among_its_outputs():
    """keras-io involution: vis_model.predict with outputs [inv_1.output, inv_2.output] raised
    AttributeError ('tuple' has no 'data'). Keras 3.15 returns the nested structure: here a
    list holding a tuple of arrays, batches concatenated leaf by leaf."""
    inp = keras.Input((3,))
    a, b = PairOutput()(inp)
    model = keras.Model(inp, [(a, b), a + 1.0])
    x = np.arange(15, dtype="float32").reshape(5, 3)
    out = model.predict(x, batch_size=2, verbose=0)
    assert type(out) is list and type(out[0]) is tuple and len(out[0]) == 2
    np.testing.assert_array_equal(out[0][0], x)
    np.testing.assert_array_equal(out[0][1], 2 * x)
    np.testing.assert_array_equal(out[1], x + 1)
    by_name = keras.Model(inp, {"x": (a, b)}).predict(x, batch_size=2, verbose=0)
    assert type(by_name) is dict and type(by_name["x"]) is tuple
    np.testing.assert_array_equal(by_name["x"][1], 2 * x)
    on_batch = model.predict_on_batch(x)
    assert type(on_batch) is list and type(on_batch[0]) is tuple


def test_layer_output_of_several_tensors_is_their_flat_list():
    """Keras 3.15: layer.output / layer.input are one KerasTensor, or the flat list of them
    (a tuple or dict result becomes a list, dict values by sorted key; a list of one, the
    tensor). involution builds its visualisation model from these."""
    inp, other = keras.Input((3,)), keras.Input((3,))
    pair = PairOutput()
    pair(inp)
    assert type(pair.output) is list and len(pair.output) == 2
    named = DictOutput()
    named(inp)
    assert type(named.output) is list
    assert [t.shape for t in named.output] == [(None, 3), (None, 3)]
    add = layers.Add()
    add([inp, other])
    assert type(add.input) is list and len(add.input) == 2
    dense = layers.Dense(2)
    dense(inp)
    assert dense.input is inp
    vis = keras.Model(inp, [pair.output])
    assert type(vis.predict(np.ones((2, 3), "float32"), verbose=0)) is list


def _erf(v):
    return np.vectorize(math.erf)(v)


def test_activations_called_on_keras_tensors_record_ops_nodes(tmp_path):
    """keras-io memory_efficient_embeddings: ``keras.activations.sigmoid(logits) * 5`` on a
    KerasTensor raised ValueError (every activation but linear did; linear returned a wrong
    Tensor). Keras 3.15 records the keras.ops op: the file holds Sigmoid / Gelu nodes
    (module keras.src.ops.nn) and the model predicts the activations' formulas."""
    inp = keras.Input((3,), name="x")
    h = layers.Dense(4, name="d")(inp)
    model = keras.Model(inp, [keras.activations.sigmoid(h) * 5, keras.activations.gelu(h),
                              keras.activations.linear(h), keras.activations.get("tanh")(h)])
    kernel = np.arange(12, dtype="float32").reshape(3, 4) / 10 - 0.5
    bias = np.array([0.1, -0.2, 0.3, -1.0], "float32")
    model.set_weights([kernel, bias])
    x = np.array([[1.0, -2.0, 0.5], [0.3, 0.2, -0.1]], "float32")
    z = x.astype(np.float64) @ kernel + bias
    expected = [5 / (1 + np.exp(-z)), 0.5 * z * (1 + _erf(z / np.sqrt(2))), z, np.tanh(z)]
    out = model.predict(x, verbose=0)
    for got, want in zip(out, expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Dense"]
    path = str(tmp_path / "activations.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        entries = json.loads(archive.read("config.json"))["config"]["layers"]
    nodes = [(e["class_name"], e.get("module")) for e in entries[2:]]
    assert nodes[:3] == [("Sigmoid", "keras.src.ops.nn"), ("Multiply", "keras.src.ops.numpy"),
                         ("Gelu", "keras.src.ops.nn")]
    loaded = keras.saving.load_model(path)
    for got, want in zip(loaded.predict(x, verbose=0), out):
        np.testing.assert_allclose(got, want, rtol=1e-6)


class SharedBlocksTwice(layers.Layer):
    """keras-io patch_convnet's Trunk: one list of layers wrapped in two Sequentials."""

    def build(self, input_shape):
        shared = [layers.Dense(4, name="shared"), layers.BatchNormalization(name="bn")]
        self.blocks = [keras.Sequential(shared) for _ in range(2)]

    def call(self, x):
        for block in self.blocks:
            x = block(x)
        return x


def test_weights_reached_through_two_sublayers_are_listed_once():
    """keras-io patch_convnet: the Trunk counted 6,048 params where Keras 3.15 shows 3,024 and
    the model had 45 weights for Keras's 35. Keras lists each variable once (facts from a
    Keras 3.15 run: 6 weights, 4 trainable, 2 non-trainable, 36 params; frozen 0 / 6)."""
    layer = SharedBlocksTwice()
    layer(np.ones((2, 4), "float32"))
    assert (len(layer.weights), len(layer.trainable_weights),
            len(layer.non_trainable_weights), layer.count_params()) == (6, 4, 2, 36)
    # one path each, through the first Sequential (names are numbered over the process)
    assert ["/".join(w.path.split("/")[-2:]) for w in layer.weights] == [
        "shared/kernel", "shared/bias", "bn/gamma", "bn/beta", "bn/moving_mean",
        "bn/moving_variance"]
    assert len({w.path.split("/")[1] for w in layer.weights}) == 1
    layer.trainable = False
    assert (len(layer.weights), len(layer.trainable_weights),
            len(layer.non_trainable_weights)) == (6, 0, 6)
    inp = keras.Input((4,))
    model = keras.Model(inp, SharedBlocksTwice()(inp))
    assert (len(model.weights), model.count_params(), len(model.get_weights())) == (6, 36, 6)


class LogisticEndpoint(layers.Layer):
    """keras-io endpoint_layer_pattern: the layer adds the loss and updates its own metric."""

    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        self.accuracy_fn = keras.metrics.BinaryAccuracy(name="accuracy")

    def call(self, logits, targets=None, sample_weight=None):
        if targets is not None:
            self.add_loss(self.loss_fn(targets, logits, sample_weight))
            self.accuracy_fn.update_state(targets, logits, sample_weight)
        return ops.sigmoid(logits)


def test_a_layers_metric_is_among_the_models_metrics_and_logs():
    """keras-io endpoint_layer_pattern: Keras 3.15 lists a metric held by a layer in
    model.metrics (['loss', 'accuracy']) and logs it; here only 'loss' was shown."""
    rng = np.random.default_rng(3)
    inputs, targets = keras.Input((4,), name="inputs"), keras.Input((1,), name="targets")
    logits = layers.Dense(1)(inputs)
    model = keras.Model([inputs, targets], LogisticEndpoint()(logits, targets))
    kernel = rng.normal(size=(4, 1)).astype("float32")
    model.set_weights([kernel, np.zeros(1, "float32")])
    data = {"inputs": rng.normal(size=(32, 4)).astype("float32"),
            "targets": (rng.random((32, 1)) > 0.5).astype("float32")}
    model.compile(keras.optimizers.SGD(0.0))
    history = model.fit(data, epochs=2, batch_size=8, verbose=0)
    assert [m.name for m in model.metrics] == ["loss", "accuracy"]
    z = data["inputs"] @ kernel  # BinaryAccuracy thresholds the logits at 0.5
    accuracy = np.mean((z > 0.5) == (data["targets"] > 0.5))
    np.testing.assert_allclose(history.history["accuracy"], [accuracy] * 2, rtol=1e-6)
    assert sorted(history.history) == ["accuracy", "loss"]


class AddsItsSum(layers.Layer):
    def call(self, x):
        self.add_loss(ops.sum(x))
        return x


def test_building_a_model_leaves_it_no_add_loss_penalties():
    """keras-io endpoint_layer_pattern: right after building, Keras 3.15's model.losses is
    empty (here the building run's penalty stayed: 1); a call then holds that call's."""
    inp = keras.Input((2,))
    model = keras.Model(inp, AddsItsSum()(inp))
    assert model.losses == []
    model(np.ones((1, 2), "float32"))
    assert [float(ops.convert_to_numpy(v)) for v in model.losses] == [2.0]
    assert keras.Sequential([keras.Input((2,)), AddsItsSum()]).losses == []


class _TwoHeads(keras.Model):
    def __init__(self):
        super().__init__()
        self.a, self.b = layers.Dense(2), layers.Dense(3)

    def call(self, x):
        return self.a(x), self.b(x)


def test_a_loss_list_matches_a_subclassed_models_outputs_at_the_first_batch():
    # keras-io patch_convnet: compile(loss=[fn, None]) on a subclassed model with a tuple
    # output; Keras 3.15 trains the first head only and warns about the second's weights
    x, y = np.random.rand(8, 4).astype("float32"), np.random.rand(8, 2).astype("float32")
    model = _TwoHeads()
    model.compile("sgd", loss=["mse", None])
    first, _ = model.predict(x, verbose=0)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(np.mean((first - y) ** 2), rel=1e-5)
    b_kernel = model.b.kernel.numpy().copy()
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        model.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_array_equal(model.b.kernel.numpy(), b_kernel)

    model.compile("sgd", loss=["mse", "mse"])
    z = np.random.rand(8, 3).astype("float32")
    first, second = model.predict(x, verbose=0)
    logs = model.evaluate(x, (y, z), verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(
        np.mean((first - y) ** 2) + np.mean((second - z) ** 2), rel=1e-5)


def test_nested_outputs_take_a_loss_each_as_keras_flattens_them():
    # keras-io involution's [(a, b), a] outputs with a loss each; Keras 3.15 printed
    # [13.0, 6.25, 0.5, 6.25] for both target forms, and these history keys
    inputs = keras.Input((3,))
    a = layers.Dense(2, kernel_initializer="ones", name="dense")(inputs)
    b = layers.Dense(2, kernel_initializer="zeros", name="dense_1")(inputs)
    model = keras.Model(inputs, [(a, b), a])
    model.compile("sgd", ["mse", "mae", "mse"])
    x, y = np.ones((4, 3), "float32"), np.full((4, 2), 0.5, "float32")
    # a = 3 everywhere, b = 0: mse (3 - 0.5)^2 = 6.25, mae 0.5
    assert model.evaluate(x, [y, y, y], verbose=0) == pytest.approx([13.0, 6.25, 0.5, 6.25])
    assert model.evaluate(x, [(y, y), y], verbose=0) == pytest.approx([13.0, 6.25, 0.5, 6.25])
    history = model.fit(x, [y, y, y], epochs=1, verbose=0).history
    assert sorted(history) == ["0/dense_1_loss", "0/dense_loss", "dense_loss", "loss"]
