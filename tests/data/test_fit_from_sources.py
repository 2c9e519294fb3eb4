"""fit / evaluate / predict fed by generators, iterators, PyDatasets and Datasets."""
import numpy as np
import pytest

import minikeras as keras
from minikeras.utils.dataset import Dataset

RNG = np.random.default_rng(0)
X = RNG.random((64, 4), dtype=np.float32)
Y = (X.sum(axis=1, keepdims=True) > 2).astype("float32")


def _model(seed=1):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


def _batches(batch_size=16):
    for i in range(0, len(X), batch_size):
        yield X[i:i + batch_size], Y[i:i + batch_size]


class Arrays(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[part], self.y[part]

    def on_epoch_end(self):
        self.epochs_ended += 1


def _weights(model):
    return [w.numpy().copy() for w in model.weights]


def test_generator_pydataset_and_dataset_train_exactly_like_the_arrays():
    reference = _model()
    reference.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    expected = _weights(reference)
    sources = {
        "pydataset": Arrays(X, Y, 16),
        "pydataset_threads": Arrays(X, Y, 16, workers=3, max_queue_size=4),
        "dataset": Dataset.from_tensor_slices((X, Y)).batch(16),
    }
    for name, source in sources.items():
        model = _model()
        # shuffle=False: with fit's default, Keras visits a PyDataset's batches in a random
        # order (tests/compat/test_script_fidelity_examples3.py)
        history = model.fit(source, epochs=2, verbose=0, shuffle=False)
        assert len(history.history["loss"]) == 2, name
        for got, want in zip(_weights(model), expected):
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7, err_msg=name)
    # Keras's count: once before the first epoch (its iterator reset), then each epoch
    assert sources["pydataset"].epochs_ended == 3
    model = _model()
    model.fit(_batches(), epochs=1, verbose=0)  # a generator: one pass
    one_epoch = _model()
    one_epoch.fit(X, Y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for got, want in zip(_weights(model), _weights(one_epoch)):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_infinite_generator_with_steps_per_epoch_and_validation_steps():
    def forever():
        while True:
            yield from _batches()
    model = _model()
    history = model.fit(forever(), steps_per_epoch=3, epochs=3, verbose=0,
                        validation_data=forever(), validation_steps=2)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert len(history.history["val_loss"]) == 3
    assert int(model.optimizer.iterations.numpy()) == 9


def test_generator_running_out_ends_the_epoch_not_training():
    # Keras 3.15 (torch and jax, same script): 5 epochs and 10 steps, 3 epochs and 8 steps.
    # After the generator's 4 batches, each pass replays the 2 Keras read first.
    model = _model()
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(_batches(), steps_per_epoch=3, epochs=5, verbose=0)
    assert len(history.history["loss"]) == 5  # steps 3 + 1 + 2 + 2 + 2
    assert int(model.optimizer.iterations.numpy()) == 10
    model = _model()
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(_batches(), epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3  # steps 4 + 2 + 2
    assert int(model.optimizer.iterations.numpy()) == 8


def test_evaluate_and_predict_from_sources():
    model = _model()
    model.fit(X, Y, epochs=1, verbose=0)
    loss, acc = model.evaluate(X, Y, batch_size=16, verbose=0)
    for source in (_batches(), Arrays(X, Y, 16), Dataset.from_tensor_slices((X, Y)).batch(16)):
        got_loss, got_acc = model.evaluate(source, verbose=0)
        assert got_loss == pytest.approx(loss, rel=1e-6) and got_acc == pytest.approx(acc)
    expected = model.predict(X, verbose=0)
    only_x = (X[i:i + 10] for i in range(0, 64, 10))
    np.testing.assert_allclose(model.predict(only_x, verbose=0), expected, rtol=1e-6)
    np.testing.assert_allclose(model.predict(Arrays(X, Y, 16), verbose=0), expected, rtol=1e-6)
    assert model.predict(Arrays(X, Y, 16), steps=2, verbose=0).shape == (32, 1)


def test_progress_line_of_a_generator_counts_the_batches_seen(capsys):
    # the total is unknown until the generator ends; the finished line shows the count seen
    # as its total, as Keras does ("4/4 - ...")
    _model().fit(_batches(), verbose=2)
    assert capsys.readouterr().out.startswith("4/4 - ")
    _model().fit(Arrays(X, Y, 16), epochs=1, verbose=2)
    assert capsys.readouterr().out.startswith("4/4 - ")


def test_class_weight_applies_to_batches_from_a_source():
    plain, weighted = _model(), _model()
    plain.fit(Arrays(X, Y, 16), epochs=1, verbose=0)
    weighted.fit(Arrays(X, Y, 16), epochs=1, verbose=0, shuffle=False,
                 class_weight={0: 1.0, 1: 5.0})
    reference = _model()
    reference.fit(X, Y, batch_size=16, shuffle=False, epochs=1, verbose=0,
                  class_weight={0: 1.0, 1: 5.0})
    for got, want in zip(_weights(weighted), _weights(reference)):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    assert not all(np.allclose(a, b) for a, b in zip(_weights(plain), _weights(weighted)))


def test_bad_source_input_is_explained_and_history_kept():
    model = _model()
    with pytest.raises(ValueError, match="y cannot be given when `x` is a PyDataset"):
        model.fit(Arrays(X, Y, 16), Y)
    with pytest.raises(ValueError, match=r"`validation_split` is only supported for tensors or "
                                         r"NumPy arrays.Found incompatible type in the input: "
                                         r"\[<class 'generator'>\]"):
        model.fit(_batches(), validation_split=0.2)
    with pytest.raises(ValueError, match="infinite Dataset; pass steps_per_epoch"):
        model.fit(Dataset.from_tensor_slices((X, Y)).batch(8).repeat())

    def changing():
        yield X[:16], Y[:16]
        yield X[:16, :3], Y[:16]
    with pytest.raises(ValueError, match=r"Batch 1 of x does not match"):
        model.fit(changing(), verbose=0)

    class Failing(Arrays):
        def __getitem__(self, index):
            if self.epochs_ended == 2 and index == 2:  # the second epoch (one call before)
                raise IndexError("row 99 missing")
            return super().__getitem__(index)
    model = _model()
    failing = Failing(X, Y, 16)
    with pytest.raises(IndexError, match="row 99 missing"):
        model.fit(failing, epochs=3, verbose=0)
    assert len(model.history.history["loss"]) == 1  # the epoch before the failure


def test_image_directory_dataset_trains(tmp_path):
    pytest.importorskip("PIL")
    import os
    for label, value in (("dark", 30), ("light", 220)):
        os.makedirs(tmp_path / "img" / label)
        for i in range(6):
            keras.utils.save_img(str(tmp_path / "img" / label / f"{i}.png"),
                                 np.full((6, 6, 1), value + i, "float32"), scale=False)
    train, val = keras.utils.image_dataset_from_directory(
        str(tmp_path / "img"), image_size=(6, 6), color_mode="grayscale", batch_size=4,
        validation_split=0.25, subset="both", seed=3, verbose=False)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Rescaling(1 / 255),
                              keras.layers.Flatten(), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(0.05),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(train, validation_data=val, epochs=15, verbose=0)
    assert history.history["accuracy"][-1] == 1.0 and history.history["val_accuracy"][-1] == 1.0


def test_multi_input_batches_by_name_and_by_position():
    keras.utils.set_random_seed(2)
    a, b = keras.Input((4,), name="a"), keras.Input((2,), name="b")
    out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Concatenate()([a, b]))
    model = keras.Model([a, b], out)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    extra = np.ones((64, 2), "float32")
    by_name = ((({"a": X[i:i + 16], "b": extra[i:i + 16]}, Y[i:i + 16]))
               for i in range(0, 64, 16))
    by_position = (([X[i:i + 16], extra[i:i + 16]], Y[i:i + 16]) for i in range(0, 64, 16))
    arrays_loss = model.evaluate([X, extra], Y, batch_size=16, verbose=0)
    assert model.evaluate(by_name, verbose=0) == pytest.approx(arrays_loss, rel=1e-6)
    assert model.evaluate(by_position, verbose=0) == pytest.approx(arrays_loss, rel=1e-6)
    history = model.fit(Dataset.from_tensor_slices(({"a": X, "b": extra}, Y)).batch(16),
                        epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_class_weight_beside_batches_with_sample_weights_is_refused():
    weighted = ((X[i:i + 16], Y[i:i + 16], np.ones(16, "float32")) for i in range(0, 64, 16))
    with pytest.raises(ValueError, match="class_weight` and `sample_weight"):
        _model().fit(weighted, class_weight={0: 1.0, 1: 2.0}, verbose=0)
