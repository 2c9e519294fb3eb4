"""Keras's overridable training hooks and losses added by layers, from the guides
"Customizing what happens in fit()" and the endpoint-layer pattern. Numbers by hand:

One Dense(1) unit, kernel and bias 0, x = 1, y = 2, SGD(0.1), mean squared error:
step 1: pred 0, loss (0 - 2)^2 = 4, mae 2; dL/dw = dL/db = 2 (0 - 2) = -4, so w = b = 0.4;
step 2: pred 0.8, loss 1.2^2 = 1.44, mae 1.2.
"""
import warnings

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops
from minikeras.autodiff import grad

X = np.ones((4, 1), "float32")
Y = np.full((4, 1), 2.0, "float32")


def _zero_dense():
    return layers.Dense(1, kernel_initializer="zeros", bias_initializer="zeros")


class _ZeroDenseModel(keras.Model):
    """A subclassed model around one zero Dense; tests add their own steps."""

    def __init__(self):
        super().__init__()
        self.dense = _zero_dense()

    def call(self, x):
        return self.dense(x)


class CustomStep(keras.Model):
    """The guide's model: its own train_step, metrics kept as attributes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
        self.loss_fn = keras.losses.MeanSquaredError()

    def train_step(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=True)
        loss = self.loss_fn(y, y_pred)
        grads = grad(loss, self.trainable_variables)
        self.optimizer.apply(grads, self.trainable_variables)
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    @property
    def metrics(self):  # as in the guide: these are reset at each epoch's start
        return [self.loss_tracker, self.mae_metric]


def test_custom_train_step_with_attribute_metrics_reset_each_epoch():
    inputs = keras.Input((1,))
    model = CustomStep(inputs, _zero_dense()(inputs))
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    # without the override, Metric attributes are tracked after the compiled ones
    assert keras.Model.metrics.fget(model)[-2:] == [model.loss_tracker, model.mae_metric]
    history = model.fit(X, Y, epochs=2, batch_size=4, verbose=0)
    np.testing.assert_allclose(history.history["loss"], [4.0, 1.44], rtol=1e-5)
    np.testing.assert_allclose(history.history["mae"], [2.0, 1.2], rtol=1e-5)


def test_custom_test_and_predict_steps():
    class Steps(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1, kernel_initializer="ones", bias_initializer="zeros")

        def call(self, x):
            return self.dense(x)

        def test_step(self, data):
            x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
            return {"gap": ops.mean(ops.abs(self(x) - y))}

        def predict_step(self, data):
            x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
            return self(x) * 10.0

    model = Steps()
    model.compile("sgd", "mse")
    # ones kernel: pred 1 against 2: gap 1
    assert model.evaluate(X, Y, verbose=0, return_dict=True) == {"gap": pytest.approx(1.0)}
    np.testing.assert_allclose(model.predict(X, verbose=0), np.full((4, 1), 10.0))
    # Keras 3's predict_on_batch runs the predict step too
    np.testing.assert_allclose(model.predict_on_batch(X), np.full((4, 1), 10.0))


def test_compute_loss_override_gets_training_only_when_it_takes_it():
    seen = []

    class WithTraining(_ZeroDenseModel):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            seen.append(training)
            return ops.mean(ops.abs(y_pred - y))  # mae: 2 at the start

    class WithoutTraining(WithTraining):
        def compute_loss(self, x, y, y_pred, sample_weight):
            seen.append("no flag")
            return ops.mean(ops.abs(y_pred - y))

    model = WithTraining()
    model.compile(keras.optimizers.SGD(0.1))
    assert model.evaluate(X, Y, verbose=0) == pytest.approx(2.0)
    model.fit(X, Y, epochs=1, batch_size=4, verbose=0)
    assert seen == [False, True]
    other = WithoutTraining()
    other.compile("sgd")
    other.fit(X, Y, epochs=1, batch_size=4, verbose=0)
    assert seen[-1] == "no flag"


def test_compute_metrics_override_is_called():
    class Counting(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = _zero_dense()
            self.batches = keras.metrics.Sum(name="batches")

        def call(self, x):
            return self.dense(x)

        def compute_metrics(self, x, y, y_pred, sample_weight=None):
            self.batches.update_state(1.0)
            return super().compute_metrics(x, y, y_pred, sample_weight)

    model = Counting()
    model.compile("sgd", "mse")
    history = model.fit(np.ones((8, 1)), np.ones((8, 1)), batch_size=4, epochs=1, verbose=0)
    assert history.history["batches"] == [2.0]


def test_deprecated_compiled_loss_and_metrics_still_work():
    class Old(_ZeroDenseModel):
        def train_step(self, data):
            x, y = data
            y_pred = self(x, training=True)
            loss = self.compiled_loss(y, y_pred)
            self.optimizer.apply(grad(loss, self.trainable_variables), self.trainable_variables)
            self.compiled_metrics.update_state(y, y_pred)
            return {"loss": loss, **{m.name: m.result() for m in self.metrics[1:]}}

    model = Old()
    model.compile(keras.optimizers.SGD(0.1), "mse", metrics=["mae"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(X, Y, batch_size=4, epochs=1, verbose=0)
    assert any("deprecated" in str(w.message) for w in caught)
    assert history.history["loss"] == [pytest.approx(4.0)]
    assert history.history["mae"] == [pytest.approx(2.0)]


def test_a_train_step_must_return_logs():
    class NoLogs(_ZeroDenseModel):
        def train_step(self, data):
            return None

    model = NoLogs()
    model.compile("sgd", "mse")
    with pytest.raises(TypeError, match=r"`train_step\(data\)` must return a dict of logs"):
        model.fit(X, Y, verbose=0)


class SquaredGap(layers.Layer):
    """An endpoint layer: adds mean((predictions - targets)^2) and returns predictions."""

    def call(self, predictions, targets=None):
        if targets is not None:
            self.add_loss(ops.mean(ops.square(predictions - targets)))
        return predictions


def test_added_losses_alone_train_a_model_fit_without_y():
    inputs, targets = keras.Input((1,), name="inputs"), keras.Input((1,), name="targets")
    outputs = SquaredGap()(_zero_dense()(inputs), targets)
    model = keras.Model([inputs, targets], outputs)
    model.compile(keras.optimizers.SGD(0.1))
    data = {"inputs": X, "targets": Y}
    assert model.evaluate(data, verbose=0) == pytest.approx(4.0)
    history = model.fit(data, epochs=2, batch_size=4, verbose=0)
    np.testing.assert_allclose(history.history["loss"], [4.0, 1.44], rtol=1e-5)


def test_without_loss_and_without_added_losses_fit_says_so():
    inputs = keras.Input((1,))
    model = keras.Model(inputs, _zero_dense()(inputs))
    model.compile("sgd")
    with pytest.raises(ValueError, match="No loss to compute"):
        model.fit(X, verbose=0)
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="Expected target data `y`"):
        model.fit(X, verbose=0)


def test_a_step_given_x_alone_receives_it_as_keras_packs_it():
    # Keras 3.15 (torch) hands a step the lone batch itself for fit(x) / evaluate(x) /
    # predict(x) and a dict as a dict (a GAN's train_step(real_images) reads its shape),
    # a tuple of inputs as a one-tuple, and (x, y) when there are targets.
    seen = []

    class Recorder(_ZeroDenseModel):
        def train_step(self, data):
            seen.append(("train", type(data).__name__, len(data) if isinstance(data, tuple)
                         else np.shape(data)))
            return {}

        def test_step(self, data):
            seen.append(("test", type(data).__name__, np.shape(data)))
            return {}

        def predict_step(self, data):
            seen.append(("predict", type(data).__name__, np.shape(data)))
            return self(data)

    model = Recorder()
    model.compile()
    model.fit(X, batch_size=4, verbose=0)
    model.fit(X, Y, batch_size=4, verbose=0)
    model.fit((X, X), batch_size=4, verbose=0)
    model.fit({"a": X}, batch_size=4, verbose=0)
    model.evaluate(X, batch_size=4, verbose=0)
    model.predict(X, batch_size=4, verbose=0)
    assert seen == [("train", "ndarray", (4, 1)), ("train", "tuple", 2), ("train", "tuple", 1),
                    ("train", "dict", ()), ("test", "ndarray", (4, 1)),
                    ("predict", "ndarray", (4, 1))]



def test_a_step_given_several_inputs_receives_them_in_the_container_they_came_in():
    # Keras 3.15 (torch): fit([a, b]) hands train_step ([a, b],) and fit((a, b)) ((a, b),)
    # (keras-io's wgan-graphs unpacks only a tuple; round 15's fixture)
    seen = []

    class Recorder(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = _zero_dense()

        def call(self, inputs):
            return self.dense(inputs[0])

        def train_step(self, data):
            seen.append((type(data).__name__, len(data), type(data[0]).__name__))
            return {}

    model = Recorder()
    model.compile()
    model.fit([X, X], batch_size=4, epochs=1, verbose=0)
    model.fit((X, X), batch_size=4, epochs=1, verbose=0)
    assert seen[0] == ("tuple", 1, "list") and seen[-1] == ("tuple", 1, "tuple")

def test_a_custom_train_step_may_take_no_targets_even_with_a_compiled_loss():
    # keras-io's metric_learning: compile(loss=...) and fit(pairs) with no y; its own
    # train_step makes the labels. Keras runs it; the loss here is mse(pred, 2) on the
    # zero Dense of the module docstring: 4.
    class OwnTargets(_ZeroDenseModel):
        def __init__(self):
            super().__init__()
            self.tracker = keras.metrics.Mean(name="loss")

        def train_step(self, data):
            loss = self.compute_loss(y=Y, y_pred=self(data, training=True))
            self.tracker.update_state(loss)
            return {"loss": self.tracker.result()}

    model = OwnTargets()
    model.compile("sgd", "mse")
    history = model.fit(X, batch_size=4, epochs=1, verbose=0)
    assert history.history["loss"] == [pytest.approx(4.0)]


def test_the_guides_train_step_updates_the_compiled_metrics_from_the_first_step():
    # Keras's "Customizing fit()" loop: for metric in self.metrics: update_state(y, y_pred).
    # Keras builds the compiled metrics before the first step; Keras 3.15 (torch) logged
    # mae 15.620672225952148 and loss 244.5314483642578 for this run.
    class GuideModel(keras.Model):
        def train_step(self, data):
            x, y = data
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            self.optimizer.apply(grad(loss, self.trainable_weights), self.trainable_weights)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    inputs = keras.Input(shape=(32,))
    model = GuideModel(inputs, layers.Dense(1, kernel_initializer="ones")(inputs))
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x = np.random.RandomState(0).random((100, 32)).astype("float32")
    y = np.random.RandomState(1).random((100, 1)).astype("float32")
    history = model.fit(x, y, epochs=1, verbose=0, shuffle=False).history
    np.testing.assert_allclose(history["mae"], [15.620672225952148], rtol=1e-6)
    np.testing.assert_allclose(history["loss"], [244.5314483642578], rtol=1e-6)


def test_an_own_compute_loss_reads_a_dict_of_targets_unlike_the_outputs():
    """As in Keras: with compute_loss overridden and no metric compiled, y goes to it as
    given (keys that name no output)."""
    class Scorer(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)

        def call(self, inputs):
            return self.dense(inputs)

        def compute_loss(self, x, y, y_pred, sample_weight, training=True):
            return ops.mean(ops.square(y_pred[:, 0] - y["score"] * y["scale"]))

    model = Scorer()
    model.compile(optimizer="sgd")
    x = np.ones((4, 2), "float32")
    y = {"score": np.arange(4, dtype="float32"), "scale": np.full(4, 0.5, "float32")}
    history = model.fit(x, y, epochs=2, batch_size=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_train_on_batch_takes_inputs_of_different_lengths_fit_does_not():
    """A graph batch (nodes beside edges) given whole: Keras's batch methods do not check
    the inputs' lengths against each other, fit does."""
    nodes = keras.Input((2,))
    edges = keras.Input((2,), dtype="int32")
    pooled = layers.Lambda(lambda t: ops.sum(t[0], axis=0, keepdims=True)
                           + ops.cast(ops.sum(t[1]), "float32") * 0)([nodes, edges])
    model = keras.Model([nodes, edges], layers.Dense(1)(pooled))
    model.compile(optimizer="sgd", loss="mse")
    x = [np.ones((5, 2), "float32"), np.zeros((3, 2), "int32")]
    assert np.isfinite(model.train_on_batch(x, np.ones((1, 1))))
    assert np.isfinite(model.test_on_batch(x, np.ones((1, 1))))
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        model.fit(x, np.ones((1, 1)), verbose=0)
