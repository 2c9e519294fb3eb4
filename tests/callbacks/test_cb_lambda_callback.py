"""LambdaCallback: hooks from plain functions, extra keywords, bad arguments."""
import pytest
from cb_helpers import X, Y, tiny_model

import minikeras as keras

# ---- LambdaCallback ---------------------------------------------------------------------------
def test_lambda_callback_hooks_in_order():
    events = []
    cb = keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: events.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: events.append(f"epoch_begin {epoch}"),
        on_train_batch_begin=lambda batch, logs: events.append(f"batch_begin {batch}"),
        on_train_batch_end=lambda batch, logs: events.append(f"batch_end {batch} {sorted(logs)}"),
        on_epoch_end=lambda epoch, logs: events.append(f"epoch_end {epoch} {sorted(logs)}"),
        on_train_end=lambda logs: events.append("train_end"))
    tiny_model().fit(X, Y, epochs=2, batch_size=2, verbose=0, callbacks=[cb])
    one_epoch = ["batch_begin 0", "batch_end 0 ['loss']", "batch_begin 1",
                 "batch_end 1 ['loss']"]
    assert events == (["train_begin", "epoch_begin 0"] + one_epoch + ["epoch_end 0 ['loss']",
                      "epoch_begin 1"] + one_epoch + ["epoch_end 1 ['loss']", "train_end"])


def test_lambda_callback_extra_kwargs_are_hooks():
    batches, tests = [], []
    cb = keras.callbacks.LambdaCallback(on_batch_end=lambda batch, logs: batches.append(batch),
                                        on_test_end=lambda logs: tests.append(sorted(logs)))
    model = tiny_model()
    model.fit(X, Y, epochs=2, batch_size=2, verbose=0, validation_data=(X, Y), callbacks=[cb])
    assert batches == [0, 1, 0, 1]
    assert tests == [["loss"], ["loss"]]
    model.evaluate(X, Y, verbose=0, callbacks=[cb])
    assert len(tests) == 3


def test_lambda_callback_given_train_batch_end_replaces_on_batch_end():
    calls = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: calls.append("new"),
                                        on_batch_end=lambda b, logs: calls.append("old"))
    tiny_model().fit(X, Y, epochs=1, batch_size=4, verbose=0, callbacks=[cb])
    assert calls == ["new"]


def test_lambda_callback_can_add_logs_keys_seen_by_history():
    cb = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: logs.update(double=2 * epoch))
    history = tiny_model().fit(X, Y, epochs=2, verbose=0, callbacks=[cb])
    assert history.history["double"] == [0, 2]


def test_lambda_callback_bad_arguments():
    with pytest.raises(TypeError, match="`on_epoch_end` must be a function"):
        keras.callbacks.LambdaCallback(on_epoch_end=3)
    with pytest.raises(TypeError, match="`on_test_end` must be a function"):
        keras.callbacks.LambdaCallback(on_test_end="x")
    with pytest.warns(UserWarning, match="Did you mean 'on_epoch_end'"):
        cb = keras.callbacks.LambdaCallback(on_epoch_ends=print)
    assert cb.on_epoch_ends is print      # still set as an attribute, as in Keras


def test_fit_runs_batch_hooks_only_of_callbacks_that_have_them():
    # fit skips the per-batch hooks when no callback overrides one (nor wants batch logs);
    # a Keras 2 `on_batch_begin` override still counts as one
    class Epochs(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            pass

    class OldBatches(keras.callbacks.Callback):
        seen = []

        def on_batch_begin(self, batch, logs=None):
            self.seen.append(batch)

    assert not Epochs().runs_on_train_batches()
    assert not keras.callbacks.History().runs_on_train_batches()
    assert not keras.callbacks.LambdaCallback(on_epoch_end=print).runs_on_train_batches()
    assert keras.callbacks.LambdaCallback(on_train_batch_begin=print).runs_on_train_batches()
    old = OldBatches()
    assert old.runs_on_train_batches()
    tiny_model().fit(X, Y, epochs=1, batch_size=2, verbose=0, callbacks=[Epochs(), old])
    assert old.seen == [0, 1]
