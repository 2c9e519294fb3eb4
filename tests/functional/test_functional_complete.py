"""Functional models as Keras's functional-API guide uses them: functional subclasses,
feature extraction from intermediate tensors (of functional and Sequential models),
from_config, nested models trained and saved, the last smaller batch, and keras.ops calls
on KerasTensors becoming nodes. Expected numbers are worked out by hand in the comments.
"""
import json

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops


def fixed_dense(units, value, name=None):
    """A Dense whose kernel is all ``value`` and bias 0, once built."""
    return layers.Dense(units, kernel_initializer=keras.initializers.Constant(value),
                        name=name)


class TwoDense(keras.Model):
    """A functional subclass: it passes inputs / outputs to Model.__init__."""

    def __init__(self, units=2, **kwargs):
        inputs = keras.Input((3,))
        hidden = fixed_dense(units, 1.0)(inputs)
        super().__init__(inputs=inputs, outputs=fixed_dense(1, 0.5)(hidden), **kwargs)
        self.units = units


def test_functional_subclass_calls_trains_and_round_trips_its_config():
    model = TwoDense(units=2)
    assert isinstance(model, keras.Model) and len(model.layers) == 3
    # hidden = [1+2+3]*2 = [6, 6]; output = 0.5 * 12 = 6
    np.testing.assert_allclose(model(np.array([[1.0, 2.0, 3.0]])).numpy(), [[6.0]])
    # Keras 3.15 gives such a subclass the base config (its get_config is Functional's,
    # not the default one, so no automatic config): name, trainable and dtype, no units.
    config = model.get_config()
    assert sorted(config) == ["dtype", "name", "trainable"]
    again = TwoDense.from_config(config)
    assert isinstance(again, TwoDense) and again.units == 2 and again.name == model.name
    model.compile("sgd", "mse")
    history = model.fit(np.ones((4, 3)), np.zeros((4, 1)), epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]


def test_functional_subclass_with_a_call_without_inputs_is_refused():
    class Broken(keras.Model):
        def __init__(self):
            inputs = keras.Input((2,))
            super().__init__(inputs=inputs, outputs=layers.Dense(1)(inputs))

        def call(self):
            return None

    with pytest.raises(TypeError, match=r"must take the inputs as its first argument.*call\(self\)"):
        Broken()


def _block_model():
    inputs = keras.Input((2,), name="x")
    x = fixed_dense(2, 1.0, name="block1")(inputs)
    x = fixed_dense(2, 2.0, name="block2")(x)
    return keras.Model(inputs, fixed_dense(1, 1.0, name="block3")(x))


def test_feature_extraction_from_intermediate_outputs_and_inputs():
    base = _block_model()
    x = np.array([[1.0, 2.0]], "float32")
    # block1: [3, 3]; block2: 2 * 6 = [12, 12]; block3: 24
    np.testing.assert_allclose(base(x).numpy(), [[24.0]])
    features = keras.Model(base.input, base.get_layer("block2").output)
    np.testing.assert_allclose(features(x).numpy(), [[12.0, 12.0]])
    # a model starting at block1's output: [1, 1] -> block2 [4, 4] -> block3 8
    head = keras.Model(base.get_layer("block1").output, base.output)
    assert [type(layer).__name__ for layer in head.layers] == ["InputLayer", "Dense", "Dense"]
    np.testing.assert_allclose(head(np.ones((1, 2))).numpy(), [[8.0]])
    rebuilt = keras.Model.from_config(json.loads(json.dumps(head.get_config())))
    assert [layer.name for layer in rebuilt.layers][1:] == ["block2", "block3"]


def test_feature_extraction_from_a_sequential_model():
    seq = keras.Sequential([keras.Input((2,)), fixed_dense(3, 1.0), fixed_dense(1, 1.0)])
    features = keras.Model(seq.inputs, seq.layers[-2].output)
    # [1, 2] -> 3 in each of 3 units
    np.testing.assert_allclose(features(np.array([[1.0, 2.0]])).numpy(), [[3.0, 3.0, 3.0]])
    assert features.layers[1] is seq.layers[0]  # the same layer: weights are shared


def test_model_and_sequential_from_config_rebuild_the_same_function():
    base = _block_model()
    rebuilt = keras.Model.from_config(base.get_config())
    rebuilt.set_weights(base.get_weights())
    x = np.array([[1.0, -1.0], [2.0, 0.5]], "float32")
    np.testing.assert_allclose(rebuilt(x).numpy(), base(x).numpy())
    seq = keras.Sequential([keras.Input((2,)), layers.Dense(3), layers.Dense(1)])
    seq2 = keras.Sequential.from_config(seq.get_config())
    seq2.set_weights(seq.get_weights())
    np.testing.assert_allclose(seq2(x).numpy(), seq(x).numpy())


def test_from_config_with_custom_objects_and_unknown_class():
    class Scale(layers.Layer):
        def call(self, inputs):
            return inputs * 3.0

    inputs = keras.Input((1,))
    model = keras.Model(inputs, Scale()(inputs))
    config = model.get_config()
    rebuilt = keras.Model.from_config(config, custom_objects={"Scale": Scale})
    np.testing.assert_allclose(rebuilt(np.array([[2.0]])).numpy(), [[6.0]])
    with pytest.raises(TypeError, match="Could not locate class 'Scale'"):
        keras.Model.from_config(config)


def test_nested_models_train_end_to_end_and_save(tmp_path):
    inner_in = keras.Input((3,))
    inner = keras.Model(inner_in, layers.Dense(4, activation="relu")(inner_in), name="inner")
    outer_in = keras.Input((3,))
    outer = keras.Model(outer_in, layers.Dense(1)(inner(outer_in)))
    before = [w.copy() for w in inner.get_weights()]
    outer.compile("sgd", "mse")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 1))
    outer.fit(x, y, epochs=2, batch_size=4, verbose=0)
    assert any(not np.allclose(b, a) for b, a in zip(before, inner.get_weights()))
    path = tmp_path / "nested.keras"
    outer.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), outer.predict(x, verbose=0),
                               rtol=1e-6)


def test_input_batch_size_accepts_the_last_smaller_batch():
    inputs = keras.Input((2,), batch_size=4)
    model = keras.Model(inputs, layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    model.fit(np.ones((10, 2)), np.ones((10, 1)), batch_size=4, verbose=0)  # 4, 4, 2
    assert model.predict(np.ones((3, 2)), verbose=0).shape == (3, 1)
    with pytest.raises(ValueError, match=r"expected shape=\(4, 2\), found shape=\(3, 5\)"):
        model(np.ones((3, 5)))


def test_operators_and_ops_on_keras_tensors_become_saved_nodes(tmp_path):
    a, b = keras.Input((3,)), keras.Input((3,))
    joined = ops.concatenate([a * 2, a + b, -b], axis=1)  # 9 columns
    out = joined[:, 0:4] + 1.0
    model = keras.Model([a, b], out)
    xa = np.array([[0.0, 1.0, 2.0]], "float32")
    xb = np.ones((1, 3), "float32")
    # a*2 = [0, 2, 4]; a+b first = 1; first four columns [0, 2, 4, 1]; + 1
    expected = [[1.0, 3.0, 5.0, 2.0]]
    np.testing.assert_allclose(model([xa, xb]).numpy(), expected)
    # Keras 3.15.1 (checked): the op calls are nodes of the config, not model.layers
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "InputLayer"]
    assert [entry["class_name"] for entry in model.get_config()["layers"]][2:] == [
        "Multiply", "Add", "Negative", "Concatenate", "GetItem", "Add"]
    rebuilt = keras.Model.from_config(json.loads(json.dumps(model.get_config())))
    np.testing.assert_allclose(rebuilt([xa, xb]).numpy(), expected)
    path = tmp_path / "ops.keras"
    model.save(path)
    np.testing.assert_allclose(keras.saving.load_model(path)([xa, xb]).numpy(), expected)


def test_an_unknown_op_in_a_config_is_refused():
    a = keras.Input((2,))
    config = keras.Model(a, a * 2.0).get_config()
    entry = next(e for e in config["layers"] if e["class_name"] == "Multiply")
    entry["class_name"] = "NoSuchOp"
    with pytest.raises(ValueError, match="unknown op 'no_such_op'"):
        keras.Model.from_config(config)


def test_a_loss_dict_naming_some_outputs_trains_only_those():
    inputs = keras.Input((2,))
    a = fixed_dense(1, 1.0, name="a")(inputs)
    b = fixed_dense(1, 3.0, name="b")(inputs)
    model = keras.Model(inputs, {"a": a, "b": b})
    model.compile(keras.optimizers.SGD(0.1), loss={"a": "mse"})
    x = np.ones((4, 2), "float32")
    # output a = 1 + 1 = 2 against 0: mse 4; output b has no loss
    assert model.evaluate(x, {"a": np.zeros((4, 1))}, verbose=0) == pytest.approx(4.0)
    b_kernel = model.get_layer("b").kernel.numpy().copy()
    model.fit(x, {"a": np.zeros((4, 1))}, epochs=2, verbose=0)
    np.testing.assert_array_equal(model.get_layer("b").kernel.numpy(), b_kernel)
    assert model.evaluate(x, {"a": np.zeros((4, 1))}, verbose=0) < 4.0


FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures"


def test_a_keras_written_model_with_ops_nodes_loads_and_predicts_the_same():
    # made by Keras 3.15.1 (fixtures/README.md): Dense, x * 2.0, a + b, -b, concatenate,
    # [:, 0:5], + 1.0, each an op node in the file's config
    expected = np.load(FIXTURES / "ops_nodes_expected.npz")
    model = keras.saving.load_model(FIXTURES / "ops_nodes.keras")
    assert {"Concatenate", "GetItem", "Negative"} <= {
        entry["class_name"] for entry in model.get_config()["layers"]}
    np.testing.assert_allclose(model.predict([expected["xa"], expected["xb"]], verbose=0),
                               expected["y"], rtol=1e-6, atol=1e-6)


def test_op_nodes_on_tensors_with_unknown_axes_infer_their_shape():
    # shapes as Keras 3.15.1 gives them (checked once by hand)
    x = keras.Input((None, None, 4))
    y = keras.layers.Dense(4)(x)
    assert (x + y).shape == (None, None, None, 4)
    assert ops.concatenate([x, y], axis=-1).shape == (None, None, None, 8)
    assert ops.concatenate([x, y], axis=1).shape == (None, None, None, 4)
    assert ops.mean(x, axis=(1, 2)).shape == (None, 4)
    model = keras.Model(x, x + y)
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Dense"]
    # summary() and plot_model() still show the op node, as Keras's (model.operations)
    lines = []
    model.summary(print_fn=lambda text: lines.extend(text.splitlines()))
    op = model.operations[-1]
    assert op.op == "add" and op not in model.layers
    assert any(line.startswith(f"│ {op.name} ") for line in lines)
    assert model.predict(np.ones((1, 3, 5, 4), "float32"), verbose=0).shape == (1, 3, 5, 4)


class _PassSecond(layers.Layer):  # captcha_ocr's CTCLayer: returns its second argument
    def call(self, y_true, y_pred):
        return y_pred


class _ConcatenateSteps(layers.Layer):
    def call(self, a, b):
        return ops.concatenate([a, b], axis=1)


class _SumSteps(layers.Layer):
    def call(self, a):
        return ops.sum(a, axis=1)


def test_a_custom_layer_on_unknown_sizes_gets_the_traced_output_shape():
    # Shapes printed by Keras 3.15 (torch), which traces call() with the unknown sizes set
    # to 83 and then 89: (None, 10, 21) (None, None, 4) (None, 4).
    labels, features = keras.Input((None,)), keras.Input((10, 21))
    steps, fixed = keras.Input((None, 4)), keras.Input((3, 4))
    assert _PassSecond()(labels, features).shape == (None, 10, 21)
    assert _ConcatenateSteps()(steps, fixed).shape == (None, None, 4)
    assert _SumSteps()(steps).shape == (None, 4)


class _SquaredErrorLoss(layers.Layer):
    def call(self, y, prediction):
        self.add_loss(ops.mean(ops.square(ops.expand_dims(y, -1) - prediction)))
        return prediction


def test_validation_data_given_as_a_dict_of_inputs_only():
    # Keras unpacks validation_data as it unpacks a batch: a dict alone is x (captcha_ocr's
    # add_loss model). History printed by Keras 3.15 (torch) for the same run.
    x_in, y_in = keras.Input((3,), name="x"), keras.Input((), name="y")
    out = layers.Dense(1, kernel_initializer="ones", name="d")(x_in)
    model = keras.Model([x_in, y_in], _SquaredErrorLoss()(y_in, out))
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    xs = np.arange(12, dtype="float32").reshape(4, 3) / 10
    ys = np.array([1, 0, 1, 0], "float32")
    history = model.fit({"x": xs, "y": ys}, validation_data={"x": xs[:2], "y": ys[:2]},
                        epochs=2, batch_size=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(history["loss"], [2.7108631134033203, 0.9710358381271362],
                               rtol=1e-6)
    np.testing.assert_allclose(history["val_loss"], [0.8302429914474487, 0.908366322517395],
                               rtol=1e-6)


class _PositionalEmbedding(layers.Layer):  # keras-io's NMT transformer
    def __init__(self, sequence_length, vocab_size, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.token_embeddings = layers.Embedding(vocab_size, embed_dim)
        self.position_embeddings = layers.Embedding(sequence_length, embed_dim)

    def call(self, inputs):
        positions = ops.arange(0, ops.shape(inputs)[-1], 1)
        return self.token_embeddings(inputs) + self.position_embeddings(positions)


def test_a_custom_layer_that_cannot_run_on_the_trace_sizes_still_gets_its_shape():
    # Keras traces at sizes 83 and 89 on a meta device, where the 8-row position table is
    # never indexed; Keras 3.15 prints (None, None, 4) for this call
    tokens = keras.Input((None,), dtype="int64")
    assert _PositionalEmbedding(8, 30, 4)(tokens).shape == (None, None, 4)


class _FlattenTheBatch(layers.Layer):  # keras-io's Switch: reshapes to the batch's tokens
    def call(self, x):
        return ops.reshape(ops.reshape(x, [12]) * 2.0, [4, 3])


def test_a_custom_layer_runs_on_the_declared_batch_size():
    # Keras 3.15 runs such a call on the declared batch (4): (4, 3); one sample of 1
    # cannot be reshaped to 12 values
    inputs = keras.Input((3,), batch_size=4)
    model = keras.Model(inputs, _FlattenTheBatch()(inputs))
    assert model.output.shape == (4, 3)
    np.testing.assert_allclose(model.predict(np.ones((4, 3), "float32"), verbose=0),
                               np.full((4, 3), 2.0))
