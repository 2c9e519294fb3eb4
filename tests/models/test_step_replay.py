"""``fit``'s step run as a recorded program (``models/step_replay.py``): the layers' Python
runs only while a batch signature is recorded, the numbers are those of the eager step
(``run_eagerly=True``) bit for bit, and every model the recording cannot speak for runs
eagerly at every step."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers as L
from minikeras.autodiff import parallel

SAMPLES, BATCH, EPOCHS = 100, 16, 2  # 7 batches an epoch, the last one of 4 samples


def _data(seed=0, features=12, classes=3):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((SAMPLES, features)).astype(np.float32)
    labels = rng.integers(0, classes, SAMPLES)
    return x, np.eye(classes, dtype=np.float32)[labels]


def _counting(monkeypatch, layer_class):
    """Count the calls of ``layer_class.call``: the layers' Python (in steps, and in the
    calls that build the model before them)."""
    counter = {"calls": 0}
    original = layer_class.call

    def counted(self, *args, **kwargs):
        counter["calls"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(layer_class, "call", counted)
    monkeypatch.setattr(counted, "__module__", original.__module__)
    return counter


def _fit(build, loss, run_eagerly, x, y, **fit_kwargs):
    keras.utils.set_random_seed(3)
    model = build()
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"], run_eagerly=run_eagerly)
    history = model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, verbose=0, **fit_kwargs)
    return history.history, model.get_weights()


def _assert_same_training(build, loss="categorical_crossentropy", x=None, y=None, **kwargs):
    if x is None:
        x, y = _data()
    eager = _fit(build, loss, True, x, y, **kwargs)
    compiled = _fit(build, loss, False, x, y, **kwargs)
    assert compiled[0] == eager[0]
    for got, want in zip(compiled[1], eager[1]):
        np.testing.assert_array_equal(got, want)


def _sequential_mlp():
    return keras.Sequential([keras.Input((12,)), L.Dense(8, activation="relu"),
                             L.Dense(8, activation="tanh"), L.Dense(3, activation="softmax")])


def _functional_residual():
    inputs = keras.Input((12,))
    h = L.Dense(8, activation="relu")(inputs)
    outputs = L.Dense(3, activation="softmax")(L.Add()([h, L.Dense(8)(h)]))
    return keras.Model(inputs, outputs)


def _concatenated():
    inputs = keras.Input((12,))
    a, b = L.Dense(6, activation="relu")(inputs), L.Dense(5, activation="tanh")(inputs)
    return keras.Model(inputs, L.Dense(3, activation="softmax")(L.Concatenate()([a, b])))


def _flatten_first():
    return keras.Sequential([keras.Input((3, 4)), L.Flatten(), L.Dense(8, activation="relu"),
                             L.Dense(3, activation="sigmoid")])


def _normalized():
    return keras.Sequential([keras.Input((12,)), L.Dense(8), L.BatchNormalization(),
                             L.Activation("relu"), L.Dense(3, activation="softmax")])


def _gelu_l2():  # python numbers in GELU's formula and in the L2 penalty
    return keras.Sequential([keras.Input((12,)), L.Dense(8, activation="gelu"),
                             L.Dense(3, activation="softmax", kernel_regularizer="l2")])


def _layer_normalized():
    return keras.Sequential([keras.Input((12,)), L.Dense(8), L.LayerNormalization(),
                             L.Activation("relu6"), L.Dense(3, activation="sigmoid")])


def _exponential_units():  # elu and selu choose by a comparison, a node of the graph
    return keras.Sequential([keras.Input((12,)), L.Dense(8, activation="elu"),
                             L.Dense(8, activation="selu"), L.Dense(6, activation="glu"),
                             L.Dense(3)])


def _dropped():  # the seeded one counts its draws in its seed generator's state
    return keras.Sequential([keras.Input((12,)), L.Dense(8, activation="relu"), L.Dropout(0.3),
                             L.Dense(8, activation="relu"), L.Dropout(0.5, seed=5),
                             L.Reshape((4, 2)), L.SpatialDropout1D(0.2), L.Flatten(),
                             L.Dense(3, activation="softmax")])


def _rescaled_first():  # the inputs alone go through a Rescaling and noise: nodes all the same
    return keras.Sequential([keras.Input((12,)), L.Rescaling(0.5, offset=1.0),
                             L.GaussianNoise(0.2), L.Dense(8, activation="relu"),
                             L.Dense(3, activation="softmax")])


def _noisy():  # the noise layers draw inside their primitives (one seeded, one a shared mask)
    return keras.Sequential([keras.Input((12,)), L.Dense(8, activation="relu"),
                             L.GaussianNoise(0.3), L.Dense(8, activation="selu"),
                             L.AlphaDropout(0.2, noise_shape=(None, 1)), L.Dense(8),
                             L.GaussianDropout(0.3, seed=3), L.Dense(3, activation="softmax")])


@pytest.mark.parametrize("build, loss, shape", [
    (_sequential_mlp, "categorical_crossentropy", (12,)),
    (_functional_residual, "categorical_crossentropy", (12,)),
    (_concatenated, "categorical_crossentropy", (12,)),
    (_flatten_first, "mse", (3, 4)),
    (_dropped, "categorical_crossentropy", (12,)),  # each run draws new masks
    (_noisy, "categorical_crossentropy", (12,)),  # and new noise
    (_rescaled_first, "categorical_crossentropy", (12,)),
    (_normalized, "categorical_crossentropy", (12,)),  # each run moves the moving statistics
    (_gelu_l2, "categorical_crossentropy", (12,)),
    (_layer_normalized, "binary_crossentropy", (12,)),
    (_exponential_units, "huber", (12,)),  # huber's comparison too
])
def test_replayed_steps_train_as_the_eager_steps_and_skip_the_layers_python(
        monkeypatch, build, loss, shape):
    x, y = _data()
    x = x.reshape((SAMPLES,) + shape)
    _assert_same_training(build, loss, x, y)
    dense_layers = sum(isinstance(layer, L.Dense) for layer in build().layers)
    # eager: 14 steps; replayed: two recordings of the full batches and two of the last
    # one (one an epoch), so 10 steps fewer
    assert _layer_calls(monkeypatch, build, loss, x, y) == 10 * dense_layers


def _convolutional():  # a relu conv's max pooling hands it its gradient; padding "same"
    return keras.Sequential([keras.Input((6, 6, 2)),
                             L.Conv2D(4, 3, padding="same", activation="relu"),
                             L.MaxPooling2D(2), L.Conv2D(6, 2, activation="relu"), L.Flatten(),
                             L.Dropout(0.2), L.Dense(3, activation="softmax")])


def _convolutional_mixed():  # padding and cropping: a constant pad, a slicing index
    return keras.Sequential([keras.Input((6, 6, 2)), L.Conv2D(4, 3, strides=2, padding="same"),
                             L.ZeroPadding2D(1), L.Cropping2D(1),
                             L.BatchNormalization(), L.Activation("relu"),
                             L.DepthwiseConv2D(3, padding="same"), L.AveragePooling2D(2),
                             L.Conv2D(5, 1, activation="tanh"), L.GlobalAveragePooling2D(),
                             L.Dense(3, activation="softmax")])


def _convolutional_transposed():  # an encoder and decoder, output padding, upsampling
    return keras.Sequential([keras.Input((6, 6, 2)), L.Conv2D(4, 3, strides=2, padding="same",
                                                              activation="relu"),
                             L.Conv2DTranspose(3, 3, strides=2, padding="same",
                                               output_padding=1, activation="relu"),
                             L.UpSampling2D(2), L.Conv2DTranspose(2, 2, dilation_rate=2),
                             L.Flatten(), L.Dense(3, activation="softmax")])


@pytest.mark.parametrize("build", [_convolutional, _convolutional_mixed,
                                   _convolutional_transposed])
def test_convolutional_steps_replay(monkeypatch, build):
    # one thread: the eager steps' threading (timed per fit) then cannot differ between the
    # two fits compared, and with it the order in which parts add up
    parallel.set_threads(1)
    try:
        _, y = _data()
        x = np.random.default_rng(4).random((SAMPLES, 6, 6, 2), dtype=np.float32)
        _assert_same_training(build, "categorical_crossentropy", x, y)
        dense_layers = sum(isinstance(layer, L.Dense) for layer in build().layers)
        assert _layer_calls(monkeypatch, build, "categorical_crossentropy", x, y) \
            == 10 * dense_layers
    finally:
        parallel.reset_threads()


def _self_attending():  # fused attention without a mask or dropout; a scale constant
    inputs = keras.Input((4, 3))
    h = L.Dense(8)(inputs)
    attended = L.MultiHeadAttention(2, 4)(h, h)
    h = L.LayerNormalization()(L.Add()([h, attended]))
    return keras.Model(inputs, L.Dense(3, activation="softmax")(L.GlobalAveragePooling1D()(h)))


def test_self_attention_steps_replay(monkeypatch):
    parallel.set_threads(1)  # as for the convolutions above
    try:
        _, y = _data()
        x = np.random.default_rng(6).standard_normal((SAMPLES, 4, 3)).astype(np.float32)
        _assert_same_training(_self_attending, "categorical_crossentropy", x, y)
        assert _layer_calls(monkeypatch, _self_attending, "categorical_crossentropy", x, y) \
            == 10 * 2
    finally:
        parallel.reset_threads()


def _layer_calls(monkeypatch, build, loss, x, y):
    """How many more Dense calls fit makes with ``run_eagerly=True`` than without."""
    counter = _counting(monkeypatch, L.Dense)
    _fit(build, loss, True, x, y)
    eager, counter["calls"] = counter["calls"], 0
    _fit(build, loss, False, x, y)
    return eager - counter["calls"]


def _with(layer):
    return lambda: keras.Sequential([keras.Input((12,)), L.Dense(8), layer(),
                                     L.Dense(3, activation="softmax")])


class OwnCall(L.Layer):
    def call(self, inputs):
        return inputs * 2.0


@pytest.mark.parametrize("build", [
    # normalized over axis 1: the moving statistics assigned outside any primitive
    lambda: keras.Sequential([keras.Input((12,)), L.Reshape((4, 3)),
                              L.BatchNormalization(axis=1), L.Flatten(),
                              L.Dense(3, activation="softmax")]),
    _with(lambda: L.BatchNormalization(scale=False)),  # ones made afresh each call
    _with(lambda: L.BatchNormalization(renorm=True)),  # stop_gradient: arrays off the graph
    # rescaled by factors of its own (arrays): not compared between recordings
    lambda: keras.Sequential([keras.Input((12,)), L.Rescaling(np.full(12, 0.5)),
                              L.Dense(3, activation="softmax")]),
    # a computation of the inputs alone (a relu before any weight): not recorded
    lambda: keras.Sequential([keras.Input((12,)), L.Activation("relu"),
                              L.Dense(3, activation="softmax")]),
    _with(OwnCall),                      # a call of the user's own
    _with(lambda: L.Lambda(lambda t: t * 2.0)),
])
def test_steps_the_recording_cannot_speak_for_run_eagerly_every_time(monkeypatch, build):
    _assert_same_training(build)
    assert _layer_calls(monkeypatch, build, "categorical_crossentropy", *_data()) == 0


@pytest.mark.parametrize("labels", [
    lambda y: y.argmax(-1),                                   # int64: the batch's own array
    lambda y: y.argmax(-1)[:, None],                          # a trailing axis of 1, a view
])
def test_sparse_categorical_crossentropy_takes_the_class_indices_into_its_primitive(
        monkeypatch, labels):
    x, y = _data()
    y = labels(y)
    _assert_same_training(_sequential_mlp, "sparse_categorical_crossentropy", x, y)
    dense_layers = sum(isinstance(layer, L.Dense) for layer in _sequential_mlp().layers)
    assert _layer_calls(monkeypatch, _sequential_mlp, "sparse_categorical_crossentropy",
                        x, y) == 10 * dense_layers


def test_a_replayed_step_checks_the_class_indices_as_the_loss_does():
    x, y = _data()
    y = y.argmax(-1)
    y[60] = 3
    _fit_refuses_the_fourth_batch(_sequential_mlp, x, y, r"sparse_categorical_crossentropy: "
                                  r"label 3 is outside the valid range \[0, 3\)")


def _fit_refuses_the_fourth_batch(build, x, y, match):
    """An epoch in order (the fourth batch, where the bad value sits, comes after two
    recordings of the first batches' signature: a replayed step) raises ``match``."""
    keras.utils.set_random_seed(3)
    model = build()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=match):
        model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)


def _one_output(activation):
    return lambda: keras.Sequential([keras.Input((12,)), L.Dense(8, activation="relu"),
                                     L.Dense(1, activation=activation)])


@pytest.mark.parametrize("loss, activation, targets", [
    ("binary_crossentropy", "sigmoid", lambda y: y.argmax(-1) % 2),        # int64 (n,)
    ("binary_crossentropy", "sigmoid", lambda y: (y[:, :1] > 0).astype(np.int32)),  # (n, 1)
    ("binary_crossentropy", "sigmoid", lambda y: y[:, 0] > 0),             # bool
    ("mse", None, lambda y: y.argmax(-1) * 0.5),                           # float64 (n,)
])
def test_targets_of_another_dtype_are_cast_inside_the_recorded_graph(
        monkeypatch, loss, activation, targets):
    x, y = _data()
    y = targets(y)
    build = _one_output(activation)
    _assert_same_training(build, loss, x, y)
    assert _layer_calls(monkeypatch, build, loss, x, y) == 10 * 2


def _embedded():  # the token ids fed straight into the embedding's lookup
    return keras.Sequential([keras.Input((12,), dtype="int64"), L.Embedding(20, 4),
                             L.GlobalAveragePooling1D(), L.Dense(3, activation="softmax")])


def _token_ids(seed=5):
    return np.random.default_rng(seed).integers(0, 20, (SAMPLES, 12))


def test_an_embedding_of_the_fed_token_ids_replays_and_checks_them(monkeypatch):
    x, y = _token_ids(), _data()[1].argmax(-1)
    _assert_same_training(_embedded, "sparse_categorical_crossentropy", x, y)
    assert _layer_calls(monkeypatch, _embedded, "sparse_categorical_crossentropy", x, y) == 10
    x[60, 3] = -1  # numpy's take would count it from the end
    _fit_refuses_the_fourth_batch(_embedded, x, y, r"Layer 'embedding.*' \(Embedding\): "
                                  r"input index -1 is out of range \[0, 20\)")


def test_a_loss_choosing_by_the_labels_values_runs_eagerly_every_time(monkeypatch):
    # squared hinge maps 0/1 labels to -1/+1 only when every label is 0 or 1: a choice a
    # recording would freeze (here the first batches hold only 1s, a later one a -1)
    x, _ = _data()
    y = np.ones((SAMPLES, 3), np.float32)
    y[60:, 0] = -1
    _assert_same_training(_layer_normalized, "squared_hinge", x, y)
    assert _layer_calls(monkeypatch, _layer_normalized, "squared_hinge", x, y) == 0


def test_one_dropout_layer_called_twice_runs_eagerly_every_time(monkeypatch):
    # two draws from one generator: which comes first, the graph does not show
    def build():
        inputs = keras.Input((12,))
        h, dropout = L.Dense(8, activation="relu")(inputs), L.Dropout(0.3)
        return keras.Model(inputs, L.Dense(3, activation="softmax")(
            L.Concatenate()([dropout(h), dropout(L.Dense(8)(h))])))
    _assert_same_training(build)
    assert _layer_calls(monkeypatch, build, "categorical_crossentropy", *_data()) == 0


def test_sample_weights_and_a_structure_change_mid_fit_are_followed(monkeypatch):
    x, y = _data()
    weights = np.random.default_rng(5).random(SAMPLES).astype(np.float32)

    class Freeze(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 4:
                self.model.layers[0].trainable = False

    _assert_same_training(_sequential_mlp, x=x, y=y, sample_weight=weights,
                          callbacks=[Freeze()])
    frozen = _fit(_sequential_mlp, "categorical_crossentropy", False, x, y,
                  callbacks=[Freeze()])[1]
    keras.utils.set_random_seed(3)
    initial = _sequential_mlp().get_weights()
    assert not np.array_equal(frozen[0], initial[0])  # trained for 5 steps, then frozen


def test_train_on_batch_replays_across_calls(monkeypatch):
    x, y = _data()
    results = []
    for run_eagerly in (True, False):
        keras.utils.set_random_seed(3)
        model = _sequential_mlp()
        model.compile(optimizer="adam", loss="categorical_crossentropy",
                      run_eagerly=run_eagerly)
        model.train_on_batch(x[:BATCH], y[:BATCH])  # builds the model and the optimizer
        counter = _counting(monkeypatch, L.Dense)
        losses = [model.train_on_batch(x[i:i + BATCH], y[i:i + BATCH])
                  for i in range(BATCH, 96, BATCH)]
        results.append((losses, model.get_weights(), counter["calls"]))
        monkeypatch.undo()
    (eager_losses, eager_weights, eager_calls), (losses, weights, calls) = results
    assert losses == eager_losses
    for got, want in zip(weights, eager_weights):
        np.testing.assert_array_equal(got, want)
    assert (eager_calls, calls) == (5 * 3, 1 * 3)  # the second recording, then replays


def test_a_compute_loss_of_the_users_own_runs_at_every_step():
    calls = {True: 0, False: 0}

    class Counted(keras.Sequential):
        def compute_loss(self, *args, **kwargs):
            calls[self.run_eagerly] += 1
            return super().compute_loss(*args, **kwargs)

    for run_eagerly in calls:
        model = Counted(_sequential_mlp().layers)
        model.compile(optimizer="adam", loss="categorical_crossentropy",
                      run_eagerly=run_eagerly)
        model.fit(*_data(), batch_size=BATCH, epochs=EPOCHS, verbose=0)
    assert calls[False] == calls[True] >= 7 * EPOCHS


def test_one_array_given_as_x_and_y_is_another_signature_than_two(monkeypatch):
    """An autoencoder's train_on_batch(x, x) recorded twice, then (x, y) of the same
    shapes: y must not be read where x was."""
    rng = np.random.default_rng(2)
    x, y = (rng.standard_normal((BATCH, 12)).astype(np.float32) for _ in range(2))
    results = []
    for run_eagerly in (True, False):
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.Input((12,)), L.Dense(12, activation="tanh")])
        model.compile(optimizer="sgd", loss="mse", run_eagerly=run_eagerly)
        losses = [model.train_on_batch(x, x) for _ in range(3)]
        losses += [model.train_on_batch(x, y) for _ in range(3)]
        results.append((losses, model.get_weights()))
    assert results[0][0] == results[1][0]
    for got, want in zip(results[1][1], results[0][1]):
        np.testing.assert_array_equal(got, want)


def test_a_loss_resolved_in_the_first_step_is_replayed(monkeypatch):
    """``loss="crossentropy"`` is resolved by the first batch's shapes."""
    _assert_same_training(_sequential_mlp, loss="crossentropy")
    assert _layer_calls(monkeypatch, _sequential_mlp, "crossentropy", *_data()) == 10 * 3
