"""Sequential: building, shapes, weights, summary and config."""
import numpy as np
import pytest

import minikeras as keras

REFERENCE_HEADER = [
    "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓",
    "┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃",
    "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩",
]
RULE = "├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤"
BOTTOM = "└──────────────────────────────────────┴─────────────────────────────┴─────────────────┘"


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    """Keras caps the summary at the terminal width - 4 (80 columns off a terminal); these
    tests check the 88-column layout a wide terminal gets."""
    monkeypatch.setenv("COLUMNS", "200")


def row(name, shape, params):
    return f"│ {name:<36} │ {shape:<27} │ {params:>15} │"


def small_model(name="seq"):
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu", name="hidden"),
                             keras.layers.Dense(1, name="out")], name=name)


def test_summary_matches_keras_table_layout():
    lines = []
    small_model().summary(print_fn=lambda text: lines.extend(text.splitlines()))
    assert lines == ['Model: "seq"', *REFERENCE_HEADER,
                     row("hidden (Dense)", "(None, 3)", "15"), RULE,
                     row("out (Dense)", "(None, 1)", "4"), BOTTOM,
                     " Total params: 19 (76.00 B)",
                     " Trainable params: 19 (76.00 B)",
                     " Non-trainable params: 0 (0.00 B)"]


def test_summary_wraps_long_names_and_uses_thousands_separators():
    model = keras.Sequential([keras.Input((784,)),
                              keras.layers.Dense(512, name="a_rather_long_layer_name_for_wrap")])
    lines = []
    model.summary(print_fn=lambda text: lines.extend(text.splitlines()))
    assert lines[4] == row("a_rather_long_layer_name_for_wrap", "(None, 512)", "401,920")
    assert lines[5] == row("(Dense)", "", "")
    assert lines[-3] == " Total params: 401,920 (1.53 MB)"


def test_unbuilt_model_summary_shows_question_marks():
    model = keras.Sequential([keras.layers.Dense(2, name="d")], name="lazy")
    lines = []
    model.summary(print_fn=lambda text: lines.extend(text.splitlines()))
    assert lines[4] == row("d (Dense)", "?", "0 (unbuilt)")
    assert lines[-3] == " Total params: 0 (0.00 B)"  # Keras 3.15: totals are plain counts


def test_input_shape_kwarg_on_first_layer_builds_the_model():
    model = keras.Sequential([keras.layers.Dense(3, input_shape=(5,)), keras.layers.Dense(2)])
    assert model.built and model.input_shape == (None, 5) and model.output_shape == (None, 2)
    assert [w.shape for w in model.get_weights()] == [(5, 3), (3,), (3, 2), (2,)]
    assert model.count_params() == 5 * 3 + 3 + 3 * 2 + 2


def test_lazy_model_builds_on_first_call_and_add_pop():
    model = keras.Sequential()
    model.add(keras.layers.Dense(4))
    assert not model.built
    out = model.predict(np.ones((2, 3), "float32"), verbose=0)
    assert out.shape == (2, 4) and model.built
    model.add(keras.layers.Dense(1))
    assert model.predict(np.ones((2, 3), "float32"), verbose=0).shape == (2, 1)
    popped = model.pop()
    assert isinstance(popped, keras.layers.Dense) and len(model.layers) == 1


def test_set_weights_checks_count_and_shapes_and_changes_nothing_on_error():
    model = small_model()
    before = model.get_weights()
    with pytest.raises(ValueError, match="expecting 4 weights"):
        model.set_weights(before[:3])
    bad = [w.copy() for w in before]
    bad[3] = np.zeros((2,))
    with pytest.raises(ValueError, match=r"\(1,\).*\(2,\)"):
        model.set_weights([w + 1 for w in bad])
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_wrong_input_shape_names_layer_and_both_shapes():
    model = small_model()
    with pytest.raises(ValueError, match=r"layer 'hidden'.*value 4.*\(2, 3\)"):
        model.predict(np.ones((2, 3), "float32"), verbose=0)


def test_predict_on_model_without_layers_is_a_clear_error():
    with pytest.raises(ValueError, match="no layers"):
        keras.Sequential().predict(np.ones((2, 3)), verbose=0)


def test_duplicate_layer_names_and_non_layers_are_rejected():
    with pytest.raises(ValueError, match="unique names"):
        keras.Sequential([keras.layers.Dense(2, name="x"), keras.layers.Dense(2, name="x")])
    with pytest.raises(ValueError, match="Only instances of `keras.Layer`"):
        keras.Sequential([lambda x: x])


def test_dense_keeps_leading_axes():
    layer = keras.layers.Dense(5)
    assert layer(np.ones((2, 7, 3), "float32")).shape == (2, 7, 5)


def test_dense_rejects_bad_units():
    for units in (0, -3, 2.5, "8"):
        with pytest.raises(ValueError, match="positive integer"):
            keras.layers.Dense(units)


def test_get_config_round_trip_rebuilds_same_architecture():
    model = small_model("cfg")
    clone = keras.Sequential.from_config(model.get_config())
    assert [type(l).__name__ for l in clone.layers] == ["Dense", "Dense"]
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
    assert clone.layers[0].get_config()["activation"] == "relu"


class _Block(keras.layers.Layer):
    """Sublayers built lazily inside call (keras-io's TransformerBlock pattern)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = keras.layers.Dense(3, name="inner")
        self.seq = keras.Sequential([keras.layers.Dense(2, name="d")], name="ffn")

    def call(self, x):
        return self.seq(self.inner(x))


class _Outer(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.block = _Block(name="blk")

    def build(self, shape):
        self.w = self.add_weight(shape=(1,), name="w")

    def call(self, x):
        return self.block(x) * self.w


def test_sublayers_built_inside_a_call_get_the_callers_path():
    # Expected paths printed by Keras 3.15 (torch) for the same three models.
    inputs = keras.Input((4,))
    model = keras.Model(inputs, _Outer(name="outer")(inputs))
    assert [w.path for w in model.weights] == [
        "outer/w", "outer/blk/inner/kernel", "outer/blk/inner/bias",
        "outer/blk/ffn/d/kernel", "outer/blk/ffn/d/bias"]
    declared = keras.Sequential([keras.Input((4,)), _Block(name="b2")], name="seqm")
    assert [w.path for w in declared.weights] == [
        "seqm/b2/inner/kernel", "seqm/b2/inner/bias", "seqm/b2/ffn/d/kernel",
        "seqm/b2/ffn/d/bias"]
    lazy = keras.Sequential([_Block(name="b3")], name="lazy")
    lazy(np.ones((1, 4), "float32"))
    assert [w.path for w in lazy.weights] == [
        "lazy/b3/inner/kernel", "lazy/b3/inner/bias", "lazy/b3/ffn/d/kernel",
        "lazy/b3/ffn/d/bias"]


@pytest.mark.parametrize("name", ["a/b", 3])
def test_a_layer_name_must_be_a_string_without_a_slash(name):
    with pytest.raises(ValueError, match="cannot contain character `/`. Received: name="):
        keras.layers.Dense(2, name=name)


def test_calling_build_directly_marks_the_layer_built():
    layer = keras.layers.Dense(3)
    layer.build((None, 4))
    kernel = layer.kernel
    assert layer.built
    layer(np.ones((2, 4), "float32"))
    assert layer.kernel is kernel


def test_variable_paths_follow_keras_name_scopes():
    # Reference 5.1: `<scope>/<layer name>/<name>`, e.g. sequential/dense/kernel inside a model,
    # dense/kernel when built standalone.
    model = small_model("seq")
    assert [v.path for v in model.weights] == ["seq/hidden/kernel", "seq/hidden/bias",
                                               "seq/out/kernel", "seq/out/bias"]
    layer = keras.layers.Dense(2, name="alone")
    layer(np.ones((1, 3), "float32"))
    assert layer.kernel.path == "alone/kernel"

    class Net(keras.Model):
        def __init__(self):
            super().__init__(name="net")
            self.head = keras.layers.Dense(1, name="head")

        def call(self, x):
            return self.head(x)

    net = Net()
    net(np.ones((1, 3), "float32"))
    assert net.head.kernel.path == "net/head/kernel"
    net.compile("adam", "mse")
    net.fit(np.ones((2, 3), "float32"), np.ones((2, 1), "float32"), verbose=0)
    slot = f"{net.optimizer.name}/net_head_kernel_momentum"  # adam, adam_1, ... by creation order
    assert slot in [v.path for v in net.optimizer.variables]


class _DropoutInside(keras.layers.Layer):
    """A layer whose call takes no `training` but calls a Dropout: it must inherit the flag."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dropout = keras.layers.Dropout(0.5, seed=1)

    def call(self, inputs):
        return self.dropout(inputs)


class _RecordsTraining(keras.layers.Layer):
    def call(self, inputs, training=None):
        self.seen = training
        return inputs


@pytest.mark.parametrize("training", [True, False])
def test_sequential_hands_training_to_layers_with_and_without_the_argument(training):
    recorder = _RecordsTraining()
    model = keras.Sequential([keras.Input((200,)), _DropoutInside(), recorder])
    out = keras.ops.convert_to_numpy(model(np.ones((2, 200), "float32"), training=training))
    assert recorder.seen is training
    if training:  # Dropout(0.5): every entry is 0 or 1 / (1 - 0.5)
        assert set(np.unique(out)) == {0.0, 2.0}
    else:
        np.testing.assert_array_equal(out, np.ones((2, 200)))
