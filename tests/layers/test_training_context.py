"""Keras 3's call-context rule for ``training``: a call takes the value given, else the outer
call's, else its own default; and the value it resolves stays for the layers called after
it until the outermost call returns (Keras 3.15.1 gives each result below; the numbers are
worked out by hand)."""
import numpy as np

import minikeras as keras
from minikeras import layers


class Recorder(layers.Layer):
    """Passes its input through and keeps the ``training`` it was called with."""

    def call(self, inputs, training=None):
        self.seen = training
        return inputs


def test_a_resizing_layer_puts_the_batch_norm_after_it_in_training_mode():
    inputs = keras.Input((4, 4, 2))
    norm = layers.BatchNormalization(momentum=0.5)
    model = keras.Model(inputs, norm(layers.Resizing(4, 4)(inputs)))
    data = np.arange(64, dtype="float32").reshape(2, 4, 4, 2) / 10
    out = model(data)  # Resizing's call defaults to training=True, which stays
    # channel means 3.1 and 3.2; momentum 0.5 from zeros: half of each
    np.testing.assert_allclose(norm.moving_mean.numpy(), [1.55, 1.6], rtol=1e-6)
    assert abs(float(np.sum(out.numpy()))) < 1e-4  # normalized by the batch statistics
    model.predict(data, verbose=0)  # predict passes training=False: nothing moves
    np.testing.assert_allclose(norm.moving_mean.numpy(), [1.55, 1.6], rtol=1e-6)


def test_a_default_stays_for_the_layers_after_it():
    after_dropout, after_dense, after_flip = Recorder(), Recorder(), Recorder()
    keras.Sequential([keras.Input((3,)), layers.Dropout(0.5), after_dropout])(np.ones((2, 3)))
    keras.Sequential([keras.Input((3,)), layers.Dense(3), after_dense])(np.ones((2, 3)))
    keras.Sequential([keras.Input((4, 4, 1)), layers.RandomFlip(), after_flip])(
        np.ones((1, 4, 4, 1)))
    assert after_dropout.seen is False  # Dropout's call defaults to training=False
    assert after_dense.seen is None  # Dense's call takes no training: nothing set
    assert after_flip.seen is True


def test_an_explicit_value_inside_a_call_stays_for_the_layers_after_it():
    class Frozen(keras.Model):
        def __init__(self):
            super().__init__()
            self.base = layers.BatchNormalization()
            self.head = Recorder()

        def call(self, x, training=None):
            return self.head(self.base(x, training=False))

    model = Frozen()
    model(np.ones((2, 3)), training=True)
    assert model.head.seen is False


def test_the_context_ends_with_the_outermost_call():
    recorder = Recorder()
    keras.Sequential([keras.Input((3,)), layers.Dropout(0.5)])(np.ones((1, 3)), training=True)
    recorder(np.ones((1, 3)))
    assert recorder.seen is None


class _NormalizedHead(keras.Model):
    """A subclassed model whose ``call`` has no ``training`` parameter."""

    def __init__(self):
        super().__init__()
        self.norm = layers.BatchNormalization(momentum=0.5)
        self.head = layers.Dense(1, kernel_initializer="ones")

    def call(self, inputs):
        return self.head(self.norm(inputs))


def test_fit_calls_a_model_without_a_training_parameter_without_it():
    """Keras's train step passes training=True only to a call that takes it: otherwise its
    BatchNormalization runs in inference mode (moving statistics unchanged)."""
    model = _NormalizedHead()
    model.compile(optimizer="sgd", loss="mse")
    x = np.arange(8, dtype="float32").reshape(4, 2)
    model.fit(x, np.ones((4, 1)), epochs=1, verbose=0)
    np.testing.assert_array_equal(model.norm.moving_mean.numpy(), [0.0, 0.0])


def test_fit_passes_training_to_a_call_that_takes_it():
    class WithTraining(_NormalizedHead):
        def call(self, inputs, training=None):
            return self.head(self.norm(inputs, training=training))

    model = WithTraining()
    model.compile(optimizer="sgd", loss="mse")
    x = np.arange(8, dtype="float32").reshape(4, 2)
    model.fit(x, np.ones((4, 1)), epochs=1, verbose=0)
    np.testing.assert_allclose(model.norm.moving_mean.numpy(), [1.5, 2.0])  # half of 3, 4
