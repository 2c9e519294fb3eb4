"""Differences found by running keras-io guides and examples side by side with Keras 3.15.

Each expected string or number below was read off the same lines run under Keras 3.15
(torch and jax backends gave the same output).
"""
import json
import os
import warnings

import numpy as np
import pytest

import minikeras as keras


def test_scalar_variable_repr_shows_a_python_number():
    # Keras: <Variable path=a, shape=(), dtype=float32, value=0.0010000000474974513>
    assert repr(keras.Variable(np.float32(0.001), name="a")) == (
        "<Variable path=a, shape=(), dtype=float32, value=0.0010000000474974513>")
    assert repr(keras.Variable(np.array([0.001, 0.1], "float32"), name="c")) == (
        "<Variable path=c, shape=(2,), dtype=float32, value=[0.001 0.1  ]>")


def test_settable_learning_rate_prints_as_its_variable():
    # The "Writing your own callbacks" guide prints model.optimizer.learning_rate.
    optimizer = keras.optimizers.SGD(0.1, name="sgd")
    expected = "<Variable path=sgd/learning_rate, shape=(), dtype=float32, value=0.10000000149011612>"
    assert str(optimizer.learning_rate) == f"{optimizer.learning_rate}" == expected
    assert repr(optimizer.learning_rate) == expected
    optimizer.learning_rate = 0.5
    assert str(optimizer.learning_rate) == (
        "<Variable path=sgd/learning_rate, shape=(), dtype=float32, value=0.5>")
    # It stays a number for arithmetic and float().
    assert float(optimizer.learning_rate) == 0.5
    assert optimizer.learning_rate * 2 == 1.0


def _constant_first_model():
    ops = keras.ops
    x = keras.Input((3,), name="x")
    y = 2.0 - x
    z = -0.5 * ops.mean(y, axis=1, keepdims=True)
    w = keras.layers.Dense(2, kernel_initializer="ones")(z)
    return keras.Model(x, [y, z, w])


def test_op_with_a_number_first_on_keras_tensors():
    # The subclassing guide's `-0.5 * ops.mean(...)` on KerasTensors; `2.0 - x` likewise.
    model = _constant_first_model()
    assert [tuple(t.shape) for t in model.outputs] == [(None, 3), (None, 1), (None, 2)]
    y, z, w = model.predict(np.arange(6, dtype="float32").reshape(2, 3), verbose=0)
    # Keras 3.15: [[2, 1, 0], [-1, -2, -3]], [[-0.5], [1]], [[-0.5, -0.5], [1, 1]]
    np.testing.assert_array_equal(y, [[2, 1, 0], [-1, -2, -3]])
    np.testing.assert_array_equal(z, [[-0.5], [1.0]])
    np.testing.assert_array_equal(w, [[-0.5, -0.5], [1.0, 1.0]])
    entry = model.get_config()["layers"][1]
    # Keras 3.15 writes the number as the node's first argument
    assert entry["inbound_nodes"][0]["args"][0] == 2.0
    loaded = keras.Model.from_config(model.get_config())
    np.testing.assert_array_equal(loaded.predict(np.ones((1, 3), "float32"), verbose=0)[1],
                                  [[-0.5]])


def test_op_nodes_name_the_keras_module_of_their_class():
    ops = keras.ops
    x = keras.Input((4,))
    model = keras.Model(x, [ops.relu(x), ops.logsumexp(x, axis=1), ops.cast(x, "float16"),
                            ops.norm(x, axis=1), x[:, 0], ops.sum(x, axis=1), x * 2])
    modules = [(e["class_name"], e["module"]) for e in model.get_config()["layers"][1:]]
    # read off Keras 3.15's get_config() of the same model
    assert modules == [("Relu", "keras.src.ops.nn"), ("Logsumexp", "keras.src.ops.math"),
                       ("Cast", "keras.src.ops.core"), ("Norm", "keras.src.ops.linalg"),
                       ("GetItem", "keras.src.ops.numpy"), ("Sum", "keras.src.ops.numpy"),
                       ("Multiply", "keras.src.ops.numpy")]


def test_summary_of_a_chain_with_outputs_along_it_has_no_connected_to_column():
    lines = []
    _constant_first_model().summary(print_fn=lines.append)
    text = "\n".join(lines)
    # Keras 3.15 prints this model as a chain: three columns
    assert "Connected to" not in text
    assert "┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃" in text
    rows = [line for line in text.splitlines() if line.startswith("│")]
    assert len(rows) == 5 and all(row.count("│") == 4 for row in rows)


FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")


def _siamese():
    """Keras 3.15's siamese model (tools/make_shared_submodel_fixture.py) and its numbers."""
    model = keras.models.load_model(os.path.join(FIXTURES, "keras_shared_submodel.keras"))
    return model, np.load(os.path.join(FIXTURES, "keras_shared_submodel_io.npz"))


def test_keras_file_with_a_submodel_called_twice_loads_each_call_in_place():
    model, io = _siamese()
    distance, left, right = model.predict([io["left"], io["right"]], verbose=0)
    np.testing.assert_allclose(left, io["code_left"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(right, io["code_right"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(distance, io["distance"], rtol=1e-6, atol=1e-6)


def test_submodel_calls_are_numbered_as_keras_writes_them():
    config = _siamese()[0].get_config()
    # As in the Keras file: the calls' arguments count the encoder's calls from 0,
    # output_layers count its own node first.
    assert config["output_layers"][1:] == [["encoder", 1, 0], ["encoder", 2, 0]]
    subtract = next(e for e in config["layers"] if e["class_name"] == "Subtract")
    histories = [a["config"]["keras_history"] for a in subtract["inbound_nodes"][0]["args"]]
    assert histories == [["encoder", 0, 0], ["encoder", 1, 0]]


def test_recorded_training_false_does_not_switch_dropout_off_in_training():
    # The Keras file records training=False on the encoder's Dropout call; Keras's
    # functional call overrides it with the outer training flag.
    encoder = _siamese()[0].get_layer("encoder")
    codes = keras.ops.convert_to_numpy(encoder(np.ones((64, 3), "float32"), training=True))
    assert 0.3 < np.mean(codes == 0) < 0.7
    codes = keras.ops.convert_to_numpy(encoder(np.ones((64, 3), "float32")))
    assert np.mean(codes == 0) < 0.1


def test_layers_keras_builds_in_init_write_no_build_config():
    layers = keras.layers
    model = keras.Sequential([keras.Input((6, 6, 1)), layers.Conv2D(2, 3),
                              layers.MaxPooling2D(2), layers.Flatten(), layers.Dropout(0.5),
                              layers.Activation("relu"), layers.ReLU(),
                              layers.GaussianNoise(0.1), layers.UnitNormalization(),
                              layers.Dense(3)])
    build = {e["class_name"]: e.get("build_config") for e in model.get_config()["layers"]}
    # Keras 3.15: only the layers with their own build() record one (as a tuple)
    assert build == {"InputLayer": None, "Conv2D": {"input_shape": (None, 6, 6, 1)},
                     "MaxPooling2D": None, "Flatten": {"input_shape": (None, 2, 2, 2)},
                     "Dropout": None, "Activation": None, "ReLU": None, "GaussianNoise": None,
                     "UnitNormalization": None, "Dense": {"input_shape": (None, 8)}}

    class OwnBuild(layers.Dropout):
        def build(self, input_shape):
            pass

    class Plain(layers.Dropout):
        pass

    x = keras.Input((8, 3))
    own, plain = OwnBuild(0.1), Plain(0.1)
    own(x)
    plain(x)
    # Keras 3.15: a subclass with its own build() records it, one without does not
    assert own.get_build_config() == {"input_shape": (None, 8, 3)}
    assert plain.get_build_config() is None


def test_model_files_always_hold_compile_config_and_functional_build_config():
    x = keras.Input((4,))
    model = keras.Model(x, keras.layers.Dense(2)(x))
    config = json.loads(model.to_json())
    # Keras 3.15: an uncompiled model writes compile_config {}; a functional model is
    # built with build(None)
    assert config["compile_config"] == {}
    assert config["build_config"] == {"input_shape": None}


def test_unnamed_weights_are_numbered_over_the_process():
    # The subclassing guide's Linear layer; Keras 3.15 prints these paths for it
    class Linear(keras.layers.Layer):
        def __init__(self, units=4, input_dim=2):
            super().__init__()
            self.w = self.add_weight(shape=(input_dim, units), initializer="random_normal")
            self.b = self.add_weight(shape=(units,), initializer="zeros")

    keras.backend.clear_session()
    first, second = Linear(), Linear()
    assert [w.path for w in first.weights] == ["linear/variable", "linear/variable_1"]
    assert [w.path for w in second.weights] == ["linear_1/variable_2", "linear_1/variable_3"]


def test_functions_serialize_as_keras_writes_them():
    @keras.saving.register_keras_serializable(package="fidelity")
    def registered(x):
        return x

    def plain(x):
        return x

    serialize = keras.saving.serialize_keras_object
    # Keras 3.15 writes every function so, built-in or custom, registered or not
    for fn, name in [(registered, "fidelity>registered"), (plain, "plain"),
                     (keras.activations.relu, "relu"),
                     (keras.losses.mean_squared_error, "mean_squared_error")]:
        assert serialize(fn) == {"module": "builtins", "class_name": "function",
                                 "config": name, "registered_name": "function"}
    expected = serialize(registered)
    assert keras.layers.Dense(2, activation=registered).get_config()["activation"] == expected
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("adam", loss=registered, metrics=[registered])
    assert model.get_compile_config()["metrics"] == [expected]


class _Unregistered(keras.layers.Layer):
    def call(self, x):
        return x


def test_user_classes_serialize_as_keras_writes_them():
    @keras.saving.register_keras_serializable(package="fidelity")
    class Registered(keras.layers.Layer):
        def call(self, x):
            return x

    class Child(Registered):
        pass

    class MyLoss(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return y_true

    def identity(obj):
        config = keras.saving.serialize_keras_object(obj)
        return config["module"], config["registered_name"]

    # Keras 3.15: registered -> (its module, "package>Name"); unregistered -> (its module,
    # "Name"); the module None for __main__; built in -> (its public module, None)
    assert identity(Registered()) == (__name__, "fidelity>Registered")
    assert identity(Child()) == (__name__, "Child")
    assert identity(_Unregistered()) == (__name__, "_Unregistered")
    assert identity(MyLoss()) == (__name__, "MyLoss")
    assert identity(keras.layers.Dense(1)) == ("keras.layers", None)


def test_functional_weights_file_has_empty_input_layer_groups(tmp_path):
    import h5py
    a, b = keras.Input((3,)), keras.Input((2,))
    model = keras.Model([a, b], keras.layers.Dense(1)(keras.layers.concatenate([a, b])))
    model.save_weights(tmp_path / "m.weights.h5")
    with h5py.File(tmp_path / "m.weights.h5") as f:
        groups = []
        f.visit(groups.append)
        # Keras 3.15 writes layers/input_layer(_1)/vars, empty, named after the layer
        assert [g for g in groups if g.startswith("layers/input")] == [
            "layers/input_layer", "layers/input_layer/vars", "layers/input_layer_1",
            "layers/input_layer_1/vars"]
        assert f["layers/input_layer/vars"].attrs["name"] == a._keras_history[0].name


def test_input_shape_on_a_layer_warns_as_keras_does():
    # Keras 3.15's UserWarning (the Sequential guide's `Dense(2, input_shape=(4,))`)
    with pytest.warns(UserWarning, match=r"Do not pass an `input_shape`/`input_dim` argument "
                                         r"to a layer\. When using Sequential models, prefer "
                                         r"using an `Input\(shape\)` object"):
        keras.layers.Dense(2, input_shape=(4,))
    with pytest.warns(UserWarning, match="Do not pass an `input_shape`"):
        keras.layers.Dense(2, input_dim=4)


def test_outer_training_flag_overrides_a_recorded_training_argument():
    # Keras 3.15: Dropout(0.5)(x, training=True) in a functional model drops in a plain
    # call but not in predict() nor with training=False (the outer flag wins)
    x = keras.Input((100,))
    model = keras.Model(x, keras.layers.Dropout(0.5)(x, training=True))
    ones = np.ones((1, 100), "float32")
    assert np.mean(model.predict(ones, verbose=0) == 0) < 0.1
    assert np.mean(keras.ops.convert_to_numpy(model(ones)) == 0) > 0.1
    assert np.mean(keras.ops.convert_to_numpy(model(ones, training=False)) == 0) < 0.1


def test_softmax_over_a_size_one_axis_warns_in_keras_words():
    # Keras 3.15 (jax backend prints the shape as a tuple)
    with pytest.warns(UserWarning) as record:
        keras.ops.softmax(np.ones((4, 1), "float32"))
    assert str(record[0].message) == (
        "You are using a softmax over axis -1 of a tensor of shape (4, 1). This axis has size "
        "1. The softmax operation will always return the value 1, which is likely not what you "
        "intended. Did you mean to use a sigmoid instead?")


def test_subclassed_model_summary_shows_unknown_shape_for_layers_without_one():
    class Endpoint(keras.layers.Layer):  # no compute_output_shape, as in Keras's recipe
        def call(self, x):
            return keras.ops.softmax(x, axis=0)

    class WithShape(keras.layers.Layer):
        def call(self, x):
            return x

        def compute_output_shape(self, input_shape):
            return input_shape

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2)
            self.endpoint = Endpoint()
            self.same = WithShape()

        def call(self, x):
            return self.same(self.endpoint(self.dense(x)))

    net = Net()
    net(np.ones((3, 4), "float32"))
    lines = []
    net.summary(print_fn=lines.append)
    cells = {row.split("│")[1].split("(")[1].strip(" )"): row.split("│")[2].strip()
             for row in "\n".join(lines).splitlines() if row.startswith("│")}
    # Keras 3.15 prints this model's rows as (3, 2), ?, (3, 2)
    assert cells == {"Dense": "(3, 2)", "Endpoint": "?", "WithShape": "(3, 2)"}


def test_fit_on_a_generator_with_shuffle_warns_as_keras_does():
    def batches():
        while True:
            yield np.ones((2, 3), "float32"), np.ones((2, 1), "float32")

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    # Keras 3.15's UserWarning, for the default shuffle=True
    with pytest.warns(UserWarning, match=r"^`shuffle=True` was passed, but will be ignored "
                                         r"since the data `x` was provided as a generator\. "
                                         r"The generator is expected to yield already-shuffled "
                                         r"data\.$"):
        model.fit(batches(), steps_per_epoch=2, epochs=1, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(batches(), steps_per_epoch=2, epochs=1, verbose=0, shuffle=False)


def _keras_ops_model_file():
    return os.path.join(FIXTURES, "keras_ops_model.keras")


def test_keras_file_of_ops_with_positional_arguments_loads_and_predicts():
    io = np.load(os.path.join(FIXTURES, "keras_ops_model_io.npz"))
    outputs = keras.models.load_model(_keras_ops_model_file()).predict(io["x"], verbose=0)
    for i, output in enumerate(outputs):
        np.testing.assert_allclose(output, io[f"out{i}"], rtol=1e-6, atol=1e-6)


def test_ops_model_config_is_the_one_keras_writes():
    import zipfile

    from tools.make_keras_ops_model_fixture import ops_model

    keras.backend.clear_session()  # the names Keras gave in a fresh process
    with zipfile.ZipFile(_keras_ops_model_file()) as archive:
        expected = json.loads(archive.read("config.json"))["config"]
    assert json.loads(json.dumps(ops_model(keras).get_config())) == expected


def test_keras_tensor_comparisons_and_reflected_operators():
    x = keras.Input((3,))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # building the graph divides no user's number by 0
        outputs = [x > 0.5, x <= 0.0, x != 1.0, ~(x > 0.5), (x > 0) & (x < 1), 2.0 ** x,
                   7.0 // x, x % 2.0, 1.0 / x, keras.ops.log(x)]
    model = keras.Model(x, outputs)
    got = model.predict(np.array([[0.25, 1.0, 2.5]], "float32"), verbose=0)
    assert [v.tolist() for v in got[:5]] == [
        [[False, True, True]], [[False, False, False]], [[True, False, True]],
        [[True, False, False]], [[True, False, False]]]
    expected = [[2 ** 0.25, 2.0, 2 ** 2.5], [28.0, 7.0, 2.0], [0.25, 1.0, 0.5], [4.0, 1.0, 0.4],
                np.log([0.25, 1.0, 2.5])]
    for value, want in zip(got[5:], expected):
        np.testing.assert_allclose(value[0], want, rtol=1e-6)


def test_einsum_on_keras_tensors_records_its_subscripts_as_config():
    x = keras.Input((2, 3), name="x")
    model = keras.Model(x, keras.ops.einsum("bij,bkj->bik", x, x))
    entry = model.get_config()["layers"][1]
    # Keras 3.15's entry for this call, and its prediction
    assert (entry["class_name"], entry["module"]) == ("Einsum", "keras.src.ops.numpy")
    assert entry["config"]["subscripts"] == "bij,bkj->bik"
    assert len(entry["inbound_nodes"][0]["args"]) == 2
    loaded = keras.Model.from_config(model.get_config())
    for each in (model, loaded):
        got = each.predict(np.arange(6, dtype="float32").reshape(1, 2, 3), verbose=0)
        np.testing.assert_array_equal(got, [[[5.0, 14.0], [14.0, 50.0]]])


def test_sequential_starting_with_a_model_builds_from_its_input_as_keras_does():
    inner = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)], name="inner")
    outer = keras.Sequential([inner, keras.layers.Dense(1)])
    # Keras 3.15: built at once, an InputLayer first, the nested model written as a model
    assert outer.built and outer.input_shape == (None, 4)
    config = outer.get_config()
    assert [e["class_name"] for e in config["layers"]] == ["InputLayer", "Sequential", "Dense"]
    assert config["build_input_shape"] == (None, 4)
    nested = config["layers"][1]
    assert (nested["module"], nested["compile_config"]) == ("keras", {})


def test_callbacks_params_hold_verbose_as_given():
    seen = []

    class Params(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append(dict(self.params))

        def on_test_begin(self, logs=None):
            seen.append(dict(self.params))

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((8, 2), "float32"), np.ones((8, 1), "float32")
    history = model.fit(x, y, epochs=2, batch_size=4, verbose=0, callbacks=[Params()])
    model.fit(x, y, epochs=1, batch_size=4, callbacks=[Params()], verbose="auto")
    model.evaluate(x, y, verbose="auto", callbacks=[Params()])
    # Keras 3.15's params ("auto" is kept; the bar still shows as verbose=1)
    assert history.params == {"verbose": 0, "epochs": 2, "steps": 2}
    assert seen[1:] == [{"verbose": "auto", "epochs": 1, "steps": 2},
                        {"verbose": "auto", "epochs": 1, "steps": 1}]


class _Wrap(keras.layers.Layer):
    def __init__(self, inner, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def call(self, x):
        return self.inner(x)


class _TwoWrapsOfOneDense(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        dense = keras.layers.Dense(3, kernel_initializer="ones", activity_regularizer="l2",
                                   kernel_regularizer="l1", name="dense")
        self.a, self.b = _Wrap(dense, name="wrap"), _Wrap(dense, name="wrap_1")
        self.norm = keras.layers.BatchNormalization(name="batch_normalization")

    def call(self, x):
        return self.norm(self.b(self.a(x)))


def test_a_layer_reached_through_two_sublayers_lists_its_weights_once():
    layer = _TwoWrapsOfOneDense(name="outer")
    layer(np.ones((1, 3), "float32"))
    # Keras 3.15: the Dense is listed once, at its first place
    assert [w.path for w in layer.weights] == [
        "outer/wrap/dense/kernel", "outer/wrap/dense/bias", "outer/batch_normalization/gamma",
        "outer/batch_normalization/beta", "outer/batch_normalization/moving_mean",
        "outer/batch_normalization/moving_variance"]
    assert (len(layer.trainable_weights), len(layer.non_trainable_weights)) == (4, 2)
    # both calls' activity penalties, then the kernel's l1 (Keras 3.15's losses)
    np.testing.assert_allclose([float(v) for v in layer.losses], [0.27, 2.43, 0.09], rtol=1e-6)
    layer.trainable = False
    assert (len(layer.trainable_weights), len(layer.non_trainable_weights)) == (0, 6)
    x = keras.Input((3,))
    assert keras.Model(x, layer(x)).count_params() == 24


def test_a_layer_inside_a_submodel_and_the_model_lists_its_weights_once():
    dense = keras.layers.Dense(2, name="d2")
    x = keras.Input((3,))
    inner = keras.Sequential([keras.Input((3,)), dense], name="seq")
    model = keras.Model(x, dense(keras.layers.Dense(3, name="d3")(inner(x))))
    # Keras 3.15
    assert [w.path for w in model.weights] == ["seq/d2/kernel", "seq/d2/bias", "d3/kernel",
                                               "d3/bias"]


class _StepsOverSelfMetrics(keras.Model):
    """The 'Customizing what happens in fit()' guide's steps, without the gradient update."""

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        for metric in self.metrics:  # the guide's loop, in one line per metric
            metric.update_state(*((loss,) if metric.name == "loss" else (y, y_pred)))
        return {m.name: m.result() for m in self.metrics}

    train_step = test_step


class _LogKeys(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seen = []

    def on_train_batch_end(self, batch, logs=None):
        self.seen.append(("batch", list(logs)))

    def on_test_end(self, logs=None):
        self.seen.append(("test_end", list(logs)))


def test_compiled_metrics_are_one_entry_and_logs_are_laid_out_as_keras_does(capsys):
    x = np.linspace(0, 1, 64 * 32, dtype="float32").reshape(64, 32)
    y = np.linspace(0, 1, 64, dtype="float32").reshape(64, 1)
    inputs = keras.Input((32,))
    model = _StepsOverSelfMetrics(inputs, keras.layers.Dense(1, kernel_initializer="ones")(inputs))
    model.compile(loss="mse", metrics=["mse", "mae"])
    # Keras 3.15 (torch): model.metrics is [Mean "loss", CompileMetrics "compile_metrics"]
    assert [m.name for m in model.metrics] == ["loss", "compile_metrics"]
    logged = _LogKeys()
    # the step returns {"loss": ..., "compile_metrics": {...}}: Keras sorts the keys and puts
    # the nested ones in place, once for fit's logs, twice for the callbacks of evaluate
    history = model.fit(x, y, epochs=1, verbose=2, validation_split=0.5, callbacks=[logged])
    assert list(history.history) == ["mae", "mse", "loss", "val_loss", "val_mae", "val_mse"]
    assert logged.seen[0] == ("batch", ["mae", "mse", "loss"])
    line = capsys.readouterr().out.strip().split(" - ", 3)[-1]
    assert line == ("mae: 7.7501 - mse: 80.0644 - loss: 80.0644 - val_loss: 560.5606 - "
                    "val_mae: 23.2499 - val_mse: 560.5606") or line.endswith("val_mse: 560.5607")
    logs = model.evaluate(x, y, verbose=2, return_dict=True, callbacks=[logged])
    assert list(logs) == ["mae", "mse", "loss"]
    assert logged.seen[-1] == ("test_end", ["loss", "mae", "mse"])
    assert capsys.readouterr().out.strip().split(" - ", 3)[-1] == (
        "loss: 320.3125 - mae: 15.5000 - mse: 320.3125")
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), [320.3125, 320.3125, 15.5],
                               rtol=1e-6)


def test_mask_ops_on_keras_tensors_are_graph_nodes():
    ops, layers = keras.ops, keras.layers
    inp = keras.Input((5,), dtype="int32")
    embedded = layers.Embedding(10, 4, embeddings_initializer="ones")(inp)
    out = layers.LSTM(3, kernel_initializer="ones", recurrent_initializer="ones")(
        embedded, mask=ops.not_equal(inp, 0))
    pooled = layers.GlobalAveragePooling1D()(
        embedded, mask=ops.any(ops.not_equal(embedded, 0), axis=-1))
    model = keras.Model(inp, [out, pooled])
    # Keras 3.15: the op nodes in its layer order, and the same numbers after a config trip
    assert [e["class_name"] for e in model.get_config()["layers"]] == [
        "InputLayer", "Embedding", "NotEqual", "NotEqual", "Any", "LSTM",
        "GlobalAveragePooling1D"]
    x = np.array([[1, 2, 0, 0, 0], [3, 0, 0, 0, 0]])
    for m in (model, keras.Model.from_config(model.get_config())):
        lstm, avg = m.predict(x, verbose=0)
        np.testing.assert_allclose(lstm, [[0.9606] * 3, [0.7401] * 3], atol=1e-4)
        np.testing.assert_allclose(avg, np.ones((2, 4)))


def test_masks_of_keras_tensors_with_unknown_lengths():
    # The masking & padding guide's `print("Mask found:", x._keras_mask)` on Input((None,)):
    # Keras 3.15 shows the mask's KerasTensor, of shape (None, None) where the layer passes or
    # makes one, none where it drops it
    layers = keras.layers
    embedded = layers.Embedding(50, 4, mask_zero=True)(keras.Input((None,), dtype="int32"))
    assert embedded._keras_mask.shape == (None, None)
    assert embedded._keras_mask.dtype == "bool"
    cases = [(layers.LSTM(3, return_sequences=True), (None, None)), (layers.LSTM(3), None),
             (layers.Dense(2), (None, None)), (layers.GlobalAveragePooling1D(), None),
             (layers.Bidirectional(layers.LSTM(2, return_sequences=True)), (None, None)),
             (layers.TimeDistributed(layers.Dense(2)), (None, None))]
    for layer, expected in cases:
        mask = layer(embedded)._keras_mask
        assert (None if mask is None else tuple(mask.shape)) == expected, layer
    for merged in (layers.Concatenate(axis=1)([embedded, embedded]),
                   layers.Add()([embedded, embedded])):
        assert tuple(merged._keras_mask.shape) == (None, None)
    assert tuple(layers.Masking()(keras.Input((None, 3)))._keras_mask.shape) == (None, None)


def test_a_layer_passing_a_mask_on_shares_the_masks_keras_tensor():
    class PassesMask(keras.layers.Layer):  # the masking guide's MyActivation
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs):
            return keras.ops.relu(inputs)

    # Keras 3.15: the Embedding's mask KerasTensor is the one every later output carries
    for length in (None, 3):
        embedded = keras.layers.Embedding(50, 4, mask_zero=True)(
            keras.Input((length,), dtype="int32"))
        for layer in (PassesMask(), PassesMask(), keras.layers.Dense(3)):
            assert layer(embedded)._keras_mask is embedded._keras_mask


def test_normalization_adapts_on_a_float64_array_in_its_own_precision():
    # The preprocessing layers guide's first lines ("Features mean: 0.00"; minikeras printed
    # -0.00): Keras 3.15 takes np.mean / np.var of the float64 array, then stores float32
    data = np.array([[0.1, 0.2, 0.3], [0.8, 0.9, 1.0], [1.5, 1.6, 1.7]])
    layer = keras.layers.Normalization()
    layer.adapt(data)
    assert np.asarray(layer.mean).ravel().tolist() == [0.800000011920929, 0.8999999761581421, 1.0]
    assert np.asarray(layer.variance).ravel().tolist() == [0.3266666531562805] * 3
    out = keras.ops.convert_to_numpy(layer(data))
    assert float(out.mean()) == 2.6490953430879927e-08
    assert "Features mean: %.2f" % out.mean() == "Features mean: 0.00"


def test_subclassing_guide_symbolic_kl_loss_and_functional_add_loss():
    # The subclassing guide's functional VAE: `-0.5 * ops.mean(...)` of KerasTensors is a
    # scalar KerasTensor (minikeras crashed on it); Keras 3.15's Functional.add_loss then
    # raises NotImplementedError (minikeras kept the KerasTensor as a loss)
    ops = keras.ops
    inputs = keras.Input((6,))
    z_mean = keras.layers.Dense(2)(inputs)
    z_log_var = keras.layers.Dense(2)(inputs)
    kl_loss = -0.5 * ops.mean(z_log_var - ops.square(z_mean) - ops.exp(z_log_var) + 1)
    assert tuple(kl_loss.shape) == ()
    model = keras.Model(inputs, z_mean, name="vae")
    with pytest.raises(NotImplementedError, match="add_loss"):
        model.add_loss(kl_loss)


def test_ops_shape_of_a_keras_tensor_is_its_static_shape():
    # Keras 3.15: keras.ops.shape(keras.Input((4, 3))) == (None, 4, 3), a tuple (no node)
    shape = keras.ops.shape(keras.Input((4, 3)))
    assert shape == (None, 4, 3) and type(shape) is tuple


def test_op_on_a_scalar_keras_tensor_keeps_its_sizes():
    # Keras 3.15: ops.expand_dims(ops.sum(x), 0) has shape (1,); the 1 is no batch size
    x = keras.Input((4, 3))
    assert tuple(keras.ops.expand_dims(keras.ops.sum(x), 0).shape) == (1,)
    assert tuple((keras.ops.sum(x) * x).shape) == (None, 4, 3)


def test_keras_tensor_truth_and_iteration_fail_and_input_spec_prints_as_keras():
    x = keras.Input((4, 3))
    # Keras 3.15's errors, word for word
    with pytest.raises(TypeError, match="A symbolic KerasTensor cannot be used as a boolean."):
        bool(x)
    with pytest.raises(NotImplementedError,
                       match="Iterating over a symbolic KerasTensor is not supported."):
        list(x)
    dense = keras.layers.Dense(2)
    dense(x)
    assert repr(dense.input_spec) == "InputSpec(min_ndim=2, axes={-1: 3})"


def test_fit_leaves_weights_without_a_gradient_alone_and_warns_as_keras_does():
    # The training guide's compile(loss=[None, ...]): Keras 3.15 warns (each step) and does
    # not touch the output without a loss, even under AdamW's weight decay (minikeras
    # decayed it to 0.9025)
    layers = keras.layers
    inputs = keras.Input((4,))
    model = keras.Model(inputs, [
        layers.Dense(1, name="score_output", kernel_initializer="ones")(inputs),
        layers.Dense(3, name="class_output", kernel_initializer="ones")(inputs)])
    model.compile(optimizer=keras.optimizers.AdamW(0.1, weight_decay=0.5), loss=[None, "mse"])
    x = np.linspace(0, 1, 32, dtype="float32").reshape(8, 4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, [np.zeros((8, 1)), np.ones((8, 3))], batch_size=4, verbose=0,
                            shuffle=False)
    messages = [str(w.message) for w in caught if "Gradients" in str(w.message)]
    assert messages == ["Gradients do not exist for variables ['score_output/kernel', "
                        "'score_output/bias'] when minimizing the loss. If using "
                        "`model.compile()`, did you forget to provide a `loss` argument?"] * 2
    np.testing.assert_array_equal(model.get_layer("score_output").get_weights()[0], 1.0)
    np.testing.assert_allclose(model.get_layer("class_output").get_weights()[0][0],
                               [0.7291505336761475] * 3, rtol=1e-6)
    np.testing.assert_allclose(history.history["loss"], [1.6941841840744019], rtol=1e-6)


def test_layer_path_is_set_when_built_as_keras_sets_it():
    # Keras 3.15 (torch backend) printed these paths for the same objects
    dense = keras.layers.Dense(2, name="d0")
    assert dense.path is None
    dense.build((None, 3))
    assert dense.path == "d0"

    class Outer(keras.layers.Layer):
        def __init__(self):
            super().__init__(name="outer")
            self.inner = keras.layers.Dense(2, name="inner")

        def build(self, shape):
            self.inner.build(shape)

        def call(self, x):
            return self.inner(x)

    outer = Outer()
    outer(np.ones((1, 3), "float32"))
    assert (outer.path, outer.inner.path) == ("outer", "outer/inner")
    seq = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="dd")], name="seq")
    assert (seq.path, seq.layers[0].path) == ("seq", "seq/dd")
    activation = keras.layers.Activation("relu")  # Keras builds it in __init__: no path
    activation(np.ones((1, 3), "float32"))
    assert activation.path is None
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2, name="fd")(inputs), name="fm")
    assert (model.path, model.layers[1].path) == ("fm", "fd")
