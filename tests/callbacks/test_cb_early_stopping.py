"""EarlyStopping and the shared monitor/mode logic, on a tiny real model.

Each expected stopping epoch is derived by hand from the rule (reference section 7): at
each epoch end wait += 1; an improvement sets best and resets wait (unless a baseline is
set and not beaten) and returns; otherwise stop once wait >= patience and epoch > 0.
"""
import warnings

import numpy as np
import pytest
from cb_helpers import X, Y, Inject, WeightRecorder, tiny_model

import minikeras as keras


def run(sequence, key="val_loss", epochs=8, metrics=None, **kwargs):
    model = tiny_model(metrics=metrics)
    stopper = keras.callbacks.EarlyStopping(monitor=key, **kwargs)
    history = model.fit(X, Y, epochs=epochs, batch_size=2, shuffle=False, verbose=0,
                        callbacks=[Inject(**{key: sequence}), stopper])
    return history, stopper


def test_patience_zero_stops_at_first_non_improvement():
    # ep0 improves (best None), ep1 improves (2 < 3), ep2: 2.5 not < 2, wait 1 >= 0 -> stop.
    history, stopper = run([3, 2, 2.5, 1, 1, 1, 1, 1], mode="min")
    assert history.epoch == [0, 1, 2]
    assert stopper.stopped_epoch == 2
    assert stopper.best == 2.0


def test_patience_counts_epochs_without_improvement():
    # best 1 at ep1; ep2 wait 1, ep3 wait 2 -> stop at ep3 with patience 2.
    history, stopper = run([3, 1, 2, 2, 0, 0, 0, 0], patience=2)
    assert history.epoch == [0, 1, 2, 3]
    assert stopper.stopped_epoch == 3


def test_min_delta_small_gains_are_not_improvements():
    # 0.95 - (-0.1) = 1.05 not < 1 -> no improvement at ep1 -> stop there (patience 0).
    history, _ = run([1.0, 0.95, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1], min_delta=0.1)
    assert history.epoch == [0, 1]
    # with min_delta=-0.01, |min_delta| is used: 0.95 + 0.01 < 1 -> improvement; ep2 too.
    history, _ = run([1.0, 0.95, 0.96, 0.1, 0.1, 0.1, 0.1, 0.1], min_delta=-0.01)
    assert history.epoch == [0, 1, 2]


def test_no_stop_when_always_improving():
    history, stopper = run([8, 7, 6, 5, 4, 3, 2, 1])
    assert len(history.epoch) == 8 and stopper.stopped_epoch == 0


def test_constant_real_loss_with_sgd_zero_and_verbose_message(capsys):
    model = tiny_model(learning_rate=0.0)
    stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=1, verbose=1)
    history = model.fit(X, Y, epochs=10, batch_size=2, shuffle=False, verbose=0,
                        callbacks=[stopper])
    # ep0 improves; ep1 equal loss -> wait 1 >= 1 -> stop after epoch index 1.
    assert history.epoch == [0, 1]
    assert history.history["loss"][0] == history.history["loss"][1]
    assert capsys.readouterr().out == "Epoch 2: early stopping\n"


def test_restore_best_weights_restores_that_epochs_weights(capsys):
    model = tiny_model()
    recorder = WeightRecorder()
    stopper = keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    # best at ep1; ep2, ep3 no improvement -> stop at ep3; restore the end-of-ep1 weights.
    model.fit(X, Y, epochs=8, batch_size=2, shuffle=False, verbose=0,
              callbacks=[Inject(val_loss=[3, 1, 2, 2, 0, 0, 0, 0]), recorder, stopper])
    assert len(recorder.weights) == 4
    for got, want in zip(model.get_weights(), recorder.weights[1]):
        np.testing.assert_array_equal(got, want)
    assert not np.array_equal(recorder.weights[1][0], recorder.weights[3][0])  # weights moved
    assert capsys.readouterr().out == ("Epoch 4: early stopping\n"
                                       "Restoring model weights from the end of the best epoch: "
                                       "2.\n")


def test_restore_best_weights_even_without_early_stop():
    model = tiny_model()
    recorder = WeightRecorder()
    stopper = keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True)
    model.fit(X, Y, epochs=3, batch_size=2, shuffle=False, verbose=0,
              callbacks=[Inject(val_loss=[2, 1, 3]), recorder, stopper])
    assert stopper.stopped_epoch == 0
    for got, want in zip(model.get_weights(), recorder.weights[1]):
        np.testing.assert_array_equal(got, want)


def test_baseline_not_beaten_does_not_reset_wait():
    # baseline 3, constant 5: ep0 improves on None but not the baseline -> wait stays 1;
    # ep1 no improvement, wait 2 >= 2 -> stop at ep1.
    history, stopper = run([5] * 8, patience=2, baseline=3.0)
    assert history.epoch == [0, 1]
    assert stopper.best == 5.0
    # same without baseline: ep0 wait 0, ep1 wait 1, ep2 wait 2 -> stop at ep2.
    history, _ = run([5] * 8, patience=2)
    assert history.epoch == [0, 1, 2]
    # baseline beaten by ep0 (2.5 < 3): behaves like no baseline.
    history, _ = run([2.5] * 8, patience=2, baseline=3.0)
    assert history.epoch == [0, 1, 2]


def test_start_from_epoch_skips_warm_up():
    # epochs 0, 1 ignored; ep2 first value (improves); ep3 no improvement -> stop.
    history, stopper = run([1] * 8, start_from_epoch=2)
    assert history.epoch == [0, 1, 2, 3]
    assert stopper.stopped_epoch == 3
    history, _ = run([1] * 8)
    assert history.epoch == [0, 1]


def test_instance_can_be_reused_across_fits():
    model = tiny_model()
    stopper = keras.callbacks.EarlyStopping()
    for _ in range(2):  # best is reset at train begin, so the second fit runs 2 epochs too
        history = model.fit(X, Y, epochs=5, verbose=0,
                            callbacks=[Inject(val_loss=[1, 1, 1, 1, 1]), stopper])
        assert history.epoch == [0, 1]


# ---- mode inference --------------------------------------------------------------------------
def test_val_accuracy_is_maximised():
    # max mode: 0.6 > 0.5 improves at ep1, 0.55 does not -> stop at ep2 (min would stop at ep1)
    history, stopper = run([0.5, 0.6, 0.55, 0.9, 0.9, 0.9, 0.9, 0.9], key="val_accuracy",
                           metrics=["accuracy"])
    assert history.epoch == [0, 1, 2]
    assert stopper.monitor_op is np.greater


def test_val_loss_and_error_metrics_are_minimised():
    _, stopper = run([1, 1, 1, 1, 1, 1, 1, 1])
    assert stopper.monitor_op is np.less
    history, stopper = run([0.5, 0.4, 0.45, 0, 0, 0, 0, 0], key="val_mae", metrics=["mae"])
    assert history.epoch == [0, 1, 2] and stopper.monitor_op is np.less


def test_explicit_mode_overrides_name():
    history, _ = run([1.0, 2.0, 1.5, 3, 3, 3, 3, 3], key="val_loss", mode="max")
    assert history.epoch == [0, 1, 2]


def test_unknown_monitor_in_auto_mode_asks_for_mode():
    with pytest.raises(ValueError, match=r"monitor=val_foo.*Pass `mode='max'`.*`mode='min'`"):
        run([1] * 8, key="val_foo")


def test_custom_metric_function_has_no_direction():
    def my_score(y_true, y_pred):
        return keras.ops.mean(y_pred, axis=-1)

    with pytest.raises(ValueError, match="maximized or minimized"):
        run([1] * 8, key="my_score", metrics=[my_score])
    history, _ = run([1, 2, 3, 4, 5, 6, 7, 8], key="my_score", metrics=[my_score], mode="max")
    assert len(history.epoch) == 8


def test_invalid_mode_warns_and_falls_back_to_auto():
    with pytest.warns(UserWarning, match="mode 'maximum' is unknown, fallback to auto mode"):
        stopper = keras.callbacks.EarlyStopping(mode="maximum")
    assert stopper.mode == "auto"


def test_missing_monitor_warns_and_is_skipped():
    model = tiny_model()
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss")  # no validation data
    with pytest.warns(UserWarning, match=r"`val_loss` which is not available\. "
                                         r"Available metrics are: loss"):
        history = model.fit(X, Y, epochs=3, verbose=0, callbacks=[stopper])
    assert history.epoch == [0, 1, 2]


@pytest.mark.parametrize("kwargs", [{"patience": -1}, {"patience": "3"}, {"min_delta": None},
                                    {"baseline": "low"}, {"start_from_epoch": -2},
                                    {"monitor": None}])
def test_bad_arguments(kwargs):
    with pytest.raises((ValueError, TypeError), match=next(iter(kwargs))):
        keras.callbacks.EarlyStopping(**kwargs)


def test_signature_defaults():
    stopper = keras.callbacks.EarlyStopping()
    assert (stopper.monitor, stopper.min_delta, stopper.patience, stopper.verbose, stopper.mode,
            stopper.baseline, stopper.restore_best_weights, stopper.start_from_epoch) == \
        ("val_loss", 0, 0, 0, "auto", None, False, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        keras.callbacks.EarlyStopping(monitor="loss", mode="min", patience=3)
