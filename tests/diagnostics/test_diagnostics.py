"""keras.diagnostics: exact figures on hand-built layers, and the effects the examples teach
(vanishing gradients through stacked sigmoids, dead ReLUs at a high learning rate) on small
seeded networks."""
import math
import warnings

import numpy as np
import pytest

import minikeras as keras
from minikeras.diagnostics import Diagnostics

L = keras.layers


def fixed(layers, weights, learning_rate=0.0, loss="mse"):
    model = keras.Sequential(layers)
    model.set_weights([np.asarray(w, "float32") for w in weights])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss=loss)
    return model


def test_gradient_weight_and_update_figures_of_one_sgd_step():
    # pred = 1*1 + 2*1 + 0 = 3 against 0: mse 9, dL/dpred = 6, so dW = [6, 6], db = 6:
    # |g| = sqrt(108). SGD(0.01) moves the weights by 0.01 g: ratio 0.01 sqrt(108) / sqrt(5).
    # After the step W = [0.94, 1.94], b = -0.06.
    model = fixed([keras.Input((2,)), L.Dense(1, name="out")], [[[1.0], [2.0]], [0.0]], 0.01)
    diagnostics = Diagnostics(measure_every=1)
    history = model.fit(np.ones((1, 2), "float32"), np.zeros((1, 1), "float32"), verbose=0,
                        callbacks=[diagnostics])
    figures = diagnostics.history[0]["out"]
    assert figures["grad_norm"] == pytest.approx(math.sqrt(108), rel=1e-6)
    assert figures["update_ratio"] == pytest.approx(0.01 * math.sqrt(108) / math.sqrt(5),
                                                    rel=1e-5)
    assert figures["weight_norm"] == pytest.approx(math.sqrt(0.94**2 + 1.94**2 + 0.06**2),
                                                   rel=1e-6)
    assert history.history["grad_norm/out"] == [pytest.approx(math.sqrt(108), rel=1e-6)]
    assert "flags" in diagnostics.history[0] and diagnostics.history[0]["flags"] == {}


def test_dead_relu_units_never_fire_over_the_epoch():
    # inputs [1, 0] and [0, 1]; unit 0 fires on both, unit 2 on the first only, units 1 and
    # 3 on neither: half the units are dead. Validation input [-1, -1] would wake unit 1,
    # but evaluation does not count.
    kernel = [[1.0, -1.0, 1.0, -1.0], [1.0, -1.0, -1.0, -2.0]]
    model = fixed([keras.Input((2,)), L.Dense(4, activation="relu", name="hidden"),
                   L.Dense(1, name="out")], [kernel, np.zeros(4), np.ones((4, 1)), [0.0]])
    diagnostics = Diagnostics()
    model.fit(np.eye(2, dtype="float32"), np.zeros((2, 1), "float32"), batch_size=1,
              verbose=0, callbacks=[diagnostics],
              validation_data=(-np.ones((1, 2), "float32"), np.zeros((1, 1), "float32")))
    assert diagnostics.history[0]["hidden"]["dead_fraction"] == 0.5
    assert "dead_fraction" not in diagnostics.history[0]["out"]


@pytest.mark.parametrize("activation, kernel", [
    # sigmoid(±10) is within 0.01 of 0 / 1, sigmoid(0) = 0.5 and sigmoid(0.5) = 0.62 are not
    ("sigmoid", [[10.0, -10.0, 0.0, 0.5]]),
    # tanh(±3) = ±0.995 is within 0.01 of ±1, tanh(0.1) and tanh(0) are not
    ("tanh", [[3.0, -3.0, 0.1, 0.0]]),
])
def test_saturated_fraction(activation, kernel):
    model = fixed([keras.Input((1,)), L.Dense(4, activation=activation, name="squash"),
                   L.Dense(1)], [kernel, np.zeros(4), np.ones((4, 1)), [0.0]])
    diagnostics = Diagnostics()
    model.fit(np.ones((3, 1), "float32"), np.zeros((3, 1), "float32"), verbose=0,
              callbacks=[diagnostics])
    assert diagnostics.history[0]["squash"]["saturated_fraction"] == 0.5


def deep_net(activation, depth=6, seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((16,))] +
                             [L.Dense(32, activation=activation) for _ in range(depth)] +
                             [L.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy")
    return model


def binary_data(n=256, features=16, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, features), dtype=np.float32)
    return x, (x.sum(axis=1) > features / 2).astype("float32")


def test_gradients_vanish_through_stacked_sigmoids_but_not_relus():
    x, y = binary_data()
    figures = {}
    for activation in ("sigmoid", "relu"):
        diagnostics = Diagnostics(measure_every=1)
        deep_net(activation).fit(x, y, epochs=1, verbose=0, callbacks=[diagnostics])
        figures[activation] = diagnostics.history[-1]["flags"]
    # each sigmoid multiplies the backward signal by at most 0.25: six of them leave the
    # first layer well under 1% of the last layer's gradient
    assert figures["sigmoid"]["grad_norm_ratio"] < 1e-2
    assert figures["sigmoid"]["vanishing_gradients"] == 1.0
    assert figures["relu"]["grad_norm_ratio"] > 0.1
    assert figures["relu"]["vanishing_gradients"] == 0.0
    assert figures["relu"]["exploding_gradients"] == 0.0


def relu_classifier(learning_rate):
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((10,)), L.Dense(32, activation="relu"),
                              L.Dense(32, activation="relu", name="second"),
                              L.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="binary_crossentropy")
    return model


def test_relus_die_at_a_high_learning_rate():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((512, 10)).astype("float32")
    y = (x[:, :3].sum(axis=1) > 0).astype("float32")
    dead = {}
    for learning_rate in (0.05, 30.0):
        diagnostics = Diagnostics()
        relu_classifier(learning_rate).fit(x, y, epochs=3, batch_size=32, verbose=0,
                                           callbacks=[diagnostics])
        dead[learning_rate] = diagnostics.history[-1]["second"]["dead_fraction"]
    assert dead[0.05] == 0.0
    assert dead[30.0] >= 0.5


def test_exploding_flag_on_non_finite_gradients():
    model = fixed([keras.Input((1,)), L.Dense(1, name="a"), L.Dense(1, name="b")],
                  [[[1e30]], [0.0], [[1e30]], [0.0]], 0.1)
    diagnostics = Diagnostics(measure_every=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(np.ones((1, 1), "float32"), np.zeros((1, 1), "float32"), verbose=0,
                  callbacks=[diagnostics])
    assert diagnostics.history[0]["flags"]["exploding_gradients"] == 1.0


def test_figures_reach_history_csv_and_progress_line(tmp_path, capsys):
    x, y = binary_data(64)
    model = deep_net("relu", depth=2)
    path = tmp_path / "log.csv"
    history = model.fit(x, y, epochs=2, verbose=2, callbacks=[
        Diagnostics(), keras.callbacks.CSVLogger(str(path))])
    names = [layer.name for layer in model.layers]
    for key in (f"grad_norm/{names[0]}", f"dead_fraction/{names[1]}",
                f"saturated_fraction/{names[2]}", "vanishing_gradients", "grad_norm_ratio"):
        assert len(history.history[key]) == 2
        assert key in path.read_text().splitlines()[0].split(",")
    assert f"dead_fraction/{names[0]}:" in capsys.readouterr().out


def test_probes_are_removed_after_fit_and_absent_without_the_callback():
    x, y = binary_data(32)
    model = deep_net("relu", depth=2)
    model.fit(x, y, verbose=0, callbacks=[Diagnostics()])
    assert "apply" not in vars(model.optimizer)
    assert not any("call" in vars(layer) for layer in model.layers)


def test_summary_table_and_report():
    x, y = binary_data()
    lines = []
    diagnostics = keras.diagnostics.report(deep_net("sigmoid"), x, y, print_fn=lines.append,
                                           diagnostics=Diagnostics(measure_every=1))
    text = "\n".join(lines)
    assert text.startswith('Diagnostics of "sequential')
    assert "Grad norm" in text and "Dead ReLU" in text and "Saturated" in text
    assert all(layer.name in text for layer in diagnostics.model.layers)
    assert text.splitlines()[-1].endswith("(vanishing)")


@pytest.mark.parametrize("kwargs, message", [
    ({"vanishing_ratio": 0}, "vanishing_ratio"),
    ({"exploding_ratio": "big"}, "exploding_ratio"),
    ({"vanishing_ratio": 10.0, "exploding_ratio": 5.0}, "below `exploding_ratio`"),
    ({"saturation": 0.5}, "saturation"),
    ({"measure_every": 0}, "measure_every"),
    ({"measure_every": 2.5}, "measure_every"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Diagnostics(**kwargs)


def test_summary_before_fit_and_report_with_a_wrong_object():
    with pytest.raises(ValueError, match="fit the model"):
        Diagnostics().summary()
    x, y = binary_data(8)
    with pytest.raises(TypeError, match="Diagnostics instance"):
        keras.diagnostics.report(deep_net("relu", 1), x, y, diagnostics="loud")


def test_nested_models_and_weights_held_by_a_model_itself():
    class Scaled(keras.Model):
        """A subclassed model with its own weight and a Dense sublayer."""

        def __init__(self):
            super().__init__()
            self.inner = L.Dense(2, activation="relu", name="inner")

        def build(self, input_shape):
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

        def call(self, x):
            return self.inner(x) * self.scale

    keras.utils.set_random_seed(0)
    inner = keras.Sequential([keras.Input((3,)), L.Dense(4, activation="tanh", name="deep")],
                             name="block")
    model = Scaled()
    model.inner = inner
    model.compile(optimizer="sgd", loss="mse")
    diagnostics = Diagnostics(measure_every=1)
    model.fit(np.ones((4, 3), "float32"), np.zeros((4, 4), "float32"), verbose=0,
              callbacks=[diagnostics])
    figures = diagnostics.history[0]
    assert set(figures) == {model.name, "deep", "flags"}
    assert figures[model.name]["weight_norm"] == pytest.approx(1.0, abs=0.1)  # the scale
    assert "saturated_fraction" in figures["deep"] and "grad_norm" in figures["deep"]


def test_gradients_are_read_before_the_optimizer_touches_them():
    # clipnorm rescales the gradient inside the optimizer; the figure is the raw gradient's
    # norm, sqrt(108) as in the first test, while the update follows the clipped one: Keras
    # clips each variable's gradient to norm 1, kernel and bias, so |update| = 0.01 sqrt(2).
    model = fixed([keras.Input((2,)), L.Dense(1, name="out")], [[[1.0], [2.0]], [0.0]])
    model.compile(optimizer=keras.optimizers.SGD(0.01, clipnorm=1.0), loss="mse")
    diagnostics = Diagnostics(measure_every=1)
    model.fit(np.ones((1, 2), "float32"), np.zeros((1, 1), "float32"), verbose=0,
              callbacks=[diagnostics])
    figures = diagnostics.history[0]["out"]
    assert figures["grad_norm"] == pytest.approx(math.sqrt(108), rel=1e-6)
    assert figures["update_ratio"] == pytest.approx(0.01 * math.sqrt(2) / math.sqrt(5), rel=1e-4)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_dead_units_of_a_convolution_are_its_channels(data_format):
    # a 1x1 convolution with kernel [1, -1] and no bias on an all-positive image: channel 0
    # fires everywhere, channel 1 nowhere
    shape = (3, 3, 1) if data_format == "channels_last" else (1, 3, 3)
    model = fixed([keras.Input(shape), L.Conv2D(2, 1, activation="relu", use_bias=False,
                                                data_format=data_format, name="conv"),
                   L.Flatten(), L.Dense(1)],
                  [[[[[1.0, -1.0]]]], np.ones((18, 1)), [0.0]])
    diagnostics = Diagnostics()
    model.fit(np.ones((2,) + shape, "float32"), np.zeros((2, 1), "float32"), verbose=0,
              callbacks=[diagnostics])
    assert diagnostics.history[0]["conv"]["dead_fraction"] == 0.5
