"""compile / fit / evaluate / predict: logs, options, determinism and bad input."""
import io
import re
import warnings

import numpy as np
import pytest

import minikeras as keras
from tests.screen import screen


def data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 3)).astype("float32")
    y = (x.sum(axis=1) > 1.5).astype("float32")
    return x, y


def binary_model(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dropout(0.3), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model


def test_fit_returns_history_with_sorted_keys_epochs_and_params():
    x, y = data()
    history = binary_model().fit(x, y, epochs=5, initial_epoch=2, batch_size=16,
                                 validation_data=(x[:8], y[:8]), verbose=0)
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.epoch == [2, 3, 4]
    assert history.params == {"verbose": 0, "epochs": 5, "steps": 3}
    assert all(len(v) == 3 for v in history.history.values())


def test_same_seed_gives_bit_identical_training():
    x, y = data()
    runs = []
    for _ in range(2):
        model = binary_model(seed=7)
        model.fit(x, y, epochs=3, batch_size=8, verbose=0)
        runs.append(model.get_weights())
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_epoch_loss_is_the_sample_weighted_mean_of_batch_losses():
    # batches of 3 and 1 with per-batch losses l1, l2 give (3 l1 + 1 l2) / 4.
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False,
                                                                    kernel_initializer="zeros")])
    model.compile(keras.optimizers.SGD(0.0), "mse")
    x = np.array([[1.0], [2.0], [3.0], [4.0]], "float32")
    y = np.array([1.0, 2.0, 3.0, 10.0], "float32")
    loss = model.fit(x, y, batch_size=3, shuffle=False, verbose=0).history["loss"][0]
    assert loss == pytest.approx((3 * (1 + 4 + 9) / 3 + 100) / 4)


def test_class_weight_equals_sample_weight_and_divides_by_n():
    x, y = data(12)
    losses = []
    for kwargs in ({"class_weight": {0: 1.0, 1: 3.0}}, {"sample_weight": np.where(y == 1, 3.0, 1.0)}):
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid",
                                                                        kernel_initializer="ones")])
        model.compile(keras.optimizers.SGD(0.0), "binary_crossentropy")
        losses.append(model.fit(x, y, batch_size=12, verbose=0, **kwargs).history["loss"][0])
    p = 1 / (1 + np.exp(-x.sum(axis=1)))
    per_sample = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    expected = np.sum(np.where(y == 1, 3.0, 1.0) * per_sample) / 12
    assert losses[0] == pytest.approx(expected, rel=1e-5)
    assert losses[1] == pytest.approx(expected, rel=1e-5)


def test_class_weight_keys_beyond_the_one_hot_classes_are_ignored_as_keras_does():
    # equal logits: each sample's crossentropy is ln 2; labels 0,1,0,1,1,1,0,0 weigh 1 and 3
    # (the key 2 names no class of these labels), summed over the batch of 8
    x = np.arange(16, dtype="float32").reshape(8, 2)
    y = np.eye(2, dtype="float32")[[0, 1, 0, 1, 1, 1, 0, 0]]
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(
        2, activation="softmax", kernel_initializer="ones")])
    model.compile(keras.optimizers.SGD(0.1), "categorical_crossentropy")
    loss = model.fit(x, y, class_weight={0: 1.0, 1: 3.0, 2: 5.0}, batch_size=8,
                     verbose=0).history["loss"][0]
    assert loss == pytest.approx((4 * 1 + 4 * 3) * np.log(2) / 8, rel=1e-6)


def test_evaluate_return_forms_and_metric_order():
    x, y = data()
    model = binary_model()
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy", "mse", "acc"])
    values = model.evaluate(x, y, verbose=0)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(logs) == ["acc", "accuracy", "loss", "mse"]
    assert values == [logs["loss"], logs["accuracy"], logs["mse"], logs["acc"]]
    model.compile("sgd", "binary_crossentropy", metrics=[])
    assert isinstance(model.evaluate(x, y, verbose=0), float)


def test_compiling_again_without_loss_or_metrics_keeps_them():
    """Keras 3 replaces the compiled loss / metrics only when new ones are given (checked
    side by side with Keras 3.15: the logs keep ``accuracy`` after ``compile("adam")``)."""
    x, y = data()
    model = binary_model()
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    model.compile("adam")
    assert model.loss == "binary_crossentropy"
    assert type(model.optimizer).__name__ == "Adam"
    assert list(model.evaluate(x, y, verbose=0, return_dict=True)) == ["accuracy", "loss"]
    model.compile("sgd", "mse")
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(logs) == ["accuracy", "loss"]
    assert logs["loss"] == pytest.approx(float(np.mean((model.predict(x, verbose=0)[:, 0] - y) ** 2)),
                                         rel=1e-5)


def test_batch_methods():
    x, y = data()
    model = binary_model()
    loss, acc = model.train_on_batch(x, y)
    assert np.isfinite(loss) and 0 <= acc <= 1
    assert set(model.test_on_batch(x, y, return_dict=True)) == {"accuracy", "loss"}
    assert model.predict_on_batch(x).shape == (40, 1)


def test_steps_per_epoch_limits_batches():
    x, y = data()
    history = binary_model().fit(x, y, batch_size=4, steps_per_epoch=3, epochs=2, verbose=0)
    assert history.params["steps"] == 3


def test_custom_loss_written_with_ops_trains():
    x, _ = data(64)
    target = x @ np.array([[1.0], [-1.0], [0.5]], "float32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.3),
                  loss=lambda t, p: keras.ops.mean(keras.ops.square(t - p)))
    history = model.fit(x, target, epochs=30, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]


def test_verbose_2_prints_one_keras_line_per_epoch(capsys):
    x, y = data(24)
    binary_model().fit(x, y, epochs=2, batch_size=8, verbose=2)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Epoch 1/2" and out[2] == "Epoch 2/2"
    assert re.fullmatch(r"3/3 - \d+s - \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}",
                        out[1]), out[1]


@pytest.mark.parametrize("verbose, epoch_lines, bar", [
    (True, False, True), (False, False, False), (3, True, False), ("1", True, False)])
def test_any_verbose_value_is_taken_as_keras_takes_it(capsys, verbose, epoch_lines, bar):
    # Keras 3.15: True is 1 (the bar), False is 0, another true value prints fit's
    # "Epoch i/N" lines and nothing else (its progress bar draws only for 1 and 2)
    x, y = data(8)
    model = binary_model()
    model.fit(x, y, epochs=2, batch_size=8, verbose=verbose)
    model.evaluate(x, y, verbose=verbose)
    out = capsys.readouterr().out
    assert ("Epoch 1/2" in out) == (epoch_lines or bar) and ("━" in out) == bar
    if not bar:
        assert out == ("Epoch 1/2\nEpoch 2/2\n" if epoch_lines else "")


def test_verbose_1_into_a_pipe_redraws_as_keras_does(capsys):
    # Keras 3.15 into a pipe (POSIX): "\r" + the styled line after the first step, then
    # backspaces over its characters, "\r" and the final line with its "\n".
    x, y = data(24)
    binary_model().fit(x, y, epochs=1, batch_size=8, validation_split=0.25, verbose=1)
    out = capsys.readouterr().out
    assert out.startswith("\r\x1b[1m1/3\x1b[0m \x1b[32m━━━━━━\x1b[0m\x1b[37m" + "━" * 14)
    first = screen(out[:out.index("\b")])
    assert out.count("\b") == len(first) and "Epoch" not in out and out.endswith("\n")
    # 24 samples, 6 held out for validation: 18 in batches of 8 is 3 steps.
    assert re.fullmatch(r"3/3 ━{20} \d+s \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: "
                        r"\d\.\d{4} - val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}\n",
                        screen(out)), screen(out)


def test_predict_and_evaluate_show_a_bar_by_default(capsys):
    x, y = data(8)
    model = binary_model()
    model.predict(x)
    model.evaluate(x, y)
    out = screen(capsys.readouterr().out).splitlines()
    assert re.fullmatch(r"1/1 ━{20} \d+s \d+(us|ms|s)/step", out[0]), out[0]
    assert out[1].startswith("1/1 ━") and out[1].endswith(out[1][-6:])


def test_progbar_draws_on_a_terminal_with_tqdm():
    class Terminal(io.StringIO):
        def isatty(self):
            return True
    term = Terminal()
    bar = keras.utils.Progbar(3, file=term, interval=0.0)
    for step in range(1, 4):
        bar.update(step, [("loss", 0.5)], finalize=step == 3)
    text = term.getvalue()
    assert "\r" in text and "\x1b[32m" in text and "loss: 0.5000" in text


# ---- bad input -----------------------------------------------------------------------------

def test_fit_before_compile():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"must call `compile\(\)`"):
        model.fit(*data(), verbose=0)


def test_x_and_y_of_different_lengths():
    x, y = data()
    with pytest.raises(ValueError, match="'x' sizes: 40\n'y' sizes: 39\n"):
        binary_model().fit(x, y[:-1], verbose=0)


@pytest.mark.parametrize("split", [-0.1, 1.5, "0.2"])
def test_validation_split_outside_range(split):
    with pytest.raises(ValueError, match=r"validation_split.*\[0, 1\)"):
        binary_model().fit(*data(), validation_split=split, verbose=0)


def test_validation_split_of_one_leaves_no_training_data():
    """Keras's error for a split that leaves one side empty."""
    with pytest.raises(ValueError, match=r"not sufficient to split it .* `validation_split=1.0`"):
        binary_model().fit(*data(), validation_split=1.0, verbose=0)


def test_validation_split_takes_the_last_samples_before_shuffling():
    x, y = data(10)
    seen = []

    class Spy(keras.callbacks.Callback):
        def on_test_batch_begin(self, batch, logs=None):
            seen.append(batch)

    model = binary_model()
    history = model.fit(x, y, validation_split=0.3, batch_size=10, verbose=0, callbacks=[Spy()])
    expected = model.evaluate(x[7:], y[7:], verbose=0, return_dict=True)
    assert history.history["val_loss"][0] == pytest.approx(expected["loss"])
    assert seen == [0]


def test_nan_in_inputs_trains_into_nan_as_keras_does():
    # Keras 3 trains on NaN data: the loss and the weights the NaN reaches turn NaN
    x, y = data()
    x[5, 1] = np.nan
    model = binary_model()
    history = model.fit(x, y, batch_size=len(x), verbose=0)
    assert np.isnan(history.history["loss"][0])
    assert all(np.isnan(w).all() for w in model.get_weights())


def test_python_lists_are_rejected_as_keras_3_does():
    with pytest.raises(ValueError, match="np.asarray"):
        binary_model().fit([[1.0, 2.0, 3.0]], [1.0], verbose=0)


def test_unknown_names_suggest_close_matches():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="adam"):
        model.compile(optimizer="adma", loss="mse")
    with pytest.raises(ValueError, match="relu"):
        keras.layers.Dense(2, activation="rleu")
    with pytest.raises(ValueError, match="mean_squared_error"):
        model.compile(optimizer="adam", loss="mean_sqared_error")


def test_metrics_must_be_a_list():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"list, tuple, or dict"):
        model.compile("sgd", "mse", metrics="accuracy")


def test_integer_labels_to_categorical_crossentropy_suggest_the_fix():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy")
    x, _ = data(8)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy|to_categorical"):
        model.fit(x, np.arange(8) % 4, verbose=0)


def test_removed_keras2_fit_arguments_raise_type_error():
    with pytest.raises(TypeError, match="workers"):
        binary_model().fit(*data(), workers=2, verbose=0)


def test_progbar_on_a_narrow_or_sizeless_terminal_prints_the_whole_line(monkeypatch):
    import sys

    import tqdm.std

    class Terminal(io.StringIO):
        def isatty(self):
            return True
    term = Terminal()
    monkeypatch.setattr(sys, "stdout", term)
    # A pseudo-terminal that reports 40 columns and 0 rows: tqdm left to itself would trim
    # the line to 40 characters, or hide it; Keras prints it whole and lets it wrap.
    monkeypatch.setattr(tqdm.std, "_screen_shape_wrapper", lambda: lambda fp: (40, 0))
    bar = keras.utils.Progbar(2, interval=0.0)
    metrics = [(f"metric_{i}", 0.25) for i in range(8)]
    bar.update(1, metrics)
    bar.update(2, metrics, finalize=True)
    assert "metric_7: 0.2500" in term.getvalue()


def test_single_output_takes_the_same_list_and_weight_forms_as_several():
    """One output is a list of one: a one-entry loss list, a float or one-entry list of
    loss_weights, unprefixed metric keys, and a clear error for a second loss."""
    x, y = data()
    logs = []
    for loss, weights in (("mse", None), (["mse"], None), ("mse", 2.0), (["mse"], [2.0])):
        model = binary_model()
        model.compile(keras.optimizers.SGD(0.0), loss=loss, loss_weights=weights,
                      metrics=["mae", "mae"], weighted_metrics=["mae"])
        logs.append(model.evaluate(x, y, verbose=0, return_dict=True))
    assert list(logs[0]) == ["loss", "mae", "mae_1", "weighted_mae"]
    assert logs[0] == logs[1]
    assert logs[2]["loss"] == pytest.approx(2 * logs[0]["loss"])  # weight applies to the loss
    assert logs[2] == logs[3] and logs[2]["mae"] == logs[0]["mae"]  # but not to metrics
    with pytest.raises(ValueError, match=r"as many entries as the model has outputs \(1"):
        binary_model().compile("sgd", loss=["mse", "mae"])


@pytest.mark.parametrize("make", [
    lambda: keras.optimizers.SGD(0.1, loss_scale_factor=64.0),
    lambda: keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1), initial_scale=64.0),
], ids=["loss_scale_factor", "LossScaleOptimizer"])
def test_fit_scales_the_loss_the_optimizer_unscales(make):
    """The trainer backpropagates ``optimizer.scale_loss(loss)``; the optimizer divides the
    gradients by the same factor, so training matches the unscaled run (64 is a power of
    two: scaling is exact in float32)."""
    x, y = data()
    weights = []
    for optimizer in (keras.optimizers.SGD(0.1), make()):
        model = binary_model()
        model.compile(optimizer, "binary_crossentropy")
        model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_metrics_names_are_the_names_of_metrics_as_in_keras():
    # Keras 3.15 (torch) printed: [] uncompiled; ['my_loss'] for an uncompiled model holding
    # a Mean; ['loss', 'compile_metrics', 'my_loss'] once compiled with metrics; a GAN that
    # overrides the metrics property: ['d_loss', 'g_loss'].
    assert keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).metrics_names == []

    class Tracked(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)
            self.tracker = keras.metrics.Mean(name="my_loss")

        def call(self, x):
            return self.dense(x)

    tracked = Tracked()
    assert tracked.metrics_names == ["my_loss"]
    tracked.compile("sgd", "mse", metrics=["mae"])
    assert tracked.metrics_names == ["loss", "compile_metrics", "my_loss"]

    class GAN(Tracked):
        @property
        def metrics(self):
            return [keras.metrics.Mean(name="d_loss"), keras.metrics.Mean(name="g_loss")]

    gan = GAN()
    gan.compile()
    assert gan.metrics_names == ["d_loss", "g_loss"]


def test_metrics_follow_the_models_structure_without_walking_its_layers_per_read(monkeypatch):
    # model.metrics is read every batch (logs, train_on_batch's reset, a custom step's loop):
    # the metrics held as attributes come from the cached training plan, which a new metric
    # or layer (both make variables) renews
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"])
    x, y = np.ones((4, 3), "float32"), np.ones((4, 1), "float32")
    model.train_on_batch(x, y)
    assert model.metrics_names == ["loss", "compile_metrics"]
    held = keras.metrics.Mean(name="held")
    model.layers[0].held = held  # a metric set on a layer after training started
    assert model.metrics_names == ["loss", "compile_metrics", "held"]
    model.add(keras.layers.Dense(1))
    model.layers[-1].other = keras.metrics.Sum(name="other")
    assert model.metrics[2:] == [held, model.layers[-1].other]
    model.compile("sgd", "mse", metrics=["mae"])  # an optimizer for the new layer's weights
    model.train_on_batch(x, y)  # builds the new optimizer and compiled metrics

    walks = []
    original = keras.layers.Layer._attributes_of_type
    monkeypatch.setattr(keras.layers.Layer, "_attributes_of_type",
                        lambda self, kind: walks.append(self) or original(self, kind))
    for _ in range(3):
        model.train_on_batch(x, y)
        model.metrics
    assert walks == []


@pytest.mark.parametrize("metrics, names", [(None, ["loss"]), ([], ["loss", "compile_metrics"]),
                                            (["mae"], ["loss", "compile_metrics"])])
def test_metrics_names_count_an_empty_metrics_list(metrics, names):
    # Keras 3.15 (probed): compile(metrics=[]) still makes the compile_metrics container
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile("sgd", "mse", metrics=metrics)
    assert model.metrics_names == names
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)
    assert model.metrics_names == names


def test_overflowing_steps_compute_inf_and_nan_without_numpy_warnings():
    # Keras's backends compute inf and nan silently; the loss in the logs shows them
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(1e10), "mse")
    x, y = np.full((8, 2), 1e5, "float32"), np.full((8, 1), 1e5, "float32")
    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=RuntimeWarning, module="numpy")
        warnings.filterwarnings("error", message=".*encountered in")
        history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
        loss = model.evaluate(x, y, verbose=0)
        model.predict(x, verbose=0)
        model.train_on_batch(x, y)
        model.test_on_batch(x, y)
        model.predict_on_batch(x)
    assert not np.isfinite(history.history["loss"][-1]) and not np.isfinite(loss)


@pytest.mark.parametrize("source", ["arrays", "generator"])
def test_fit_builds_the_model_and_optimizer_before_on_train_begin(source):
    # as Keras's fit: callbacks starting training see the weights and the optimizer's slots
    x, y = data()
    model = keras.Sequential([keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    seen = {}
    probe = keras.callbacks.LambdaCallback(on_train_begin=lambda logs: seen.update(
        built=model.built, params=model.count_params(),
        slots=len(model.optimizer.variables), metrics=[m.name for m in model.metrics]))
    batches = ((x[i:i + 8], y[i:i + 8]) for i in range(0, 40, 8))
    if source == "arrays":
        model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[probe])
    else:
        model.fit(batches, epochs=1, verbose=0, callbacks=[probe])
    # 3*4+4 + 4*1+1 = 21 weights; Adam: iterations, learning rate, 2 slots per weight
    assert seen == {"built": True, "params": 21, "slots": 2 + 2 * 4,
                    "metrics": ["loss", "compile_metrics"]}
