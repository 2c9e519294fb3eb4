"""LearningRateScheduler and ReduceLROnPlateau on a tiny real model.

The optimizer keeps its rate in float32, so the logged rates are float32 values
(e.g. 0.1 is logged as float(np.float32(0.1))); `f32` spells that out.
"""
import numpy as np
import pytest
from cb_helpers import X, Y, Inject, tiny_model

import minikeras as keras


def f32(values):
    return [float(np.float32(v)) for v in values]


# ---- LearningRateScheduler --------------------------------------------------------------------
def test_halving_schedule_from_0_1_reference_values():
    model = tiny_model(learning_rate=0.1)
    cb = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    history = model.fit(X, Y, epochs=2, verbose=0, callbacks=[cb])
    assert history.history["learning_rate"] == f32([0.05, 0.025])   # reference section 7
    assert float(model.optimizer.learning_rate) == float(np.float32(0.025))


def test_one_argument_schedule_keras2_style():
    model = tiny_model()
    cb = keras.callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    history = model.fit(X, Y, epochs=3, verbose=0, callbacks=[cb])
    assert history.history["learning_rate"] == f32([0.1, 0.05, 0.1 / 3])


def test_schedule_changes_the_actual_update():
    # schedule 0 from the start: SGD with rate 0 leaves the weights unchanged.
    model = tiny_model(learning_rate=0.5)
    before = model.get_weights()
    model.fit(X, Y, epochs=2, verbose=0,
              callbacks=[keras.callbacks.LearningRateScheduler(lambda e, lr: 0.0)])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_numpy_float_results_are_accepted():
    model = tiny_model()
    cb = keras.callbacks.LearningRateScheduler(lambda e, lr: np.float32(0.25))
    history = model.fit(X, Y, epochs=1, verbose=0, callbacks=[cb])
    assert history.history["learning_rate"] == [0.25]


def test_scheduler_verbose_message(capsys):
    model = tiny_model()
    cb = keras.callbacks.LearningRateScheduler(lambda e, lr: 0.5, verbose=1)
    model.fit(X, Y, epochs=2, verbose=0, callbacks=[cb])
    assert capsys.readouterr().out == (
        "\nEpoch 1: LearningRateScheduler setting learning rate to 0.5.\n"
        "\nEpoch 2: LearningRateScheduler setting learning rate to 0.5.\n")


def test_int_result_raises():
    model = tiny_model()
    cb = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 1)
    with pytest.raises(ValueError, match="should be a float. Got: 1"):
        model.fit(X, Y, epochs=1, verbose=0, callbacks=[cb])


def test_non_callable_schedule_raises():
    with pytest.raises(TypeError, match="`schedule` must be a function"):
        keras.callbacks.LearningRateScheduler(0.1)


def test_type_error_inside_schedule_is_not_hidden():
    def schedule(epoch, lr):
        return lr + "oops"   # a bug in the user's two-argument schedule

    model = tiny_model()
    with pytest.raises(TypeError, match="unsupported operand"):
        model.fit(X, Y, epochs=1, verbose=0,
                  callbacks=[keras.callbacks.LearningRateScheduler(schedule)])


# ---- ReduceLROnPlateau -----------------------------------------------------------------------
def fit_plateau(sequence, key="val_loss", metrics=None, **kwargs):
    model = tiny_model(learning_rate=0.1, metrics=metrics)
    cb = keras.callbacks.ReduceLROnPlateau(monitor=key, **kwargs)
    history = model.fit(X, Y, epochs=len(sequence), verbose=0,
                        callbacks=[Inject(**{key: sequence}), cb])
    return history.history["learning_rate"], cb


def test_plateau_halves_after_patience():
    # ep0 improves; from ep1 every epoch is a plateau and wait reaches patience 1 -> halve.
    # Logged: the rate used during the epoch (before that epoch's reduction).
    rates, _ = fit_plateau([1] * 5, factor=0.5, patience=1)
    assert rates == f32([0.1, 0.1, 0.05, 0.025, 0.0125])


def test_plateau_patience_two():
    # ep1 wait 1, ep2 wait 2 -> reduce; ep3 wait 1; ep4 wait 2 -> reduce.
    rates, _ = fit_plateau([1] * 6, factor=0.5, patience=2)
    assert rates == f32([0.1, 0.1, 0.1, 0.05, 0.05, 0.025])


def test_cooldown():
    # ep1 reduce (cooldown 2); ep2 counter 2->1 (in cooldown: no counting); ep3 counter
    # 1->0, then wait 1 -> reduce, cooldown 2; ep4 counter ->1; ep5 counter ->0, reduce;
    # ep6 counter 2->1.
    rates, cb = fit_plateau([1] * 7, factor=0.5, patience=1, cooldown=2)
    assert rates == f32([0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125])
    assert cb.cooldown_counter == 1


def test_improvement_resets_wait():
    # 1, 1(wait 1), 0.5 (improves: wait 0), 0.5 (wait 1), 0.5 (wait 2 -> reduce), 0.5
    rates, _ = fit_plateau([1, 1, 0.5, 0.5, 0.5, 0.5], factor=0.5, patience=2)
    assert rates == f32([0.1, 0.1, 0.1, 0.1, 0.1, 0.05])


def test_min_lr_bounds_the_rate():
    # 0.1 -> 0.05 -> max(0.025, 0.03) = 0.03 -> no further change (0.03 is not > min_lr)
    rates, _ = fit_plateau([1] * 5, factor=0.5, patience=1, min_lr=0.03)
    assert rates == f32([0.1, 0.1, 0.05, 0.03, 0.03])


def test_default_min_delta_1e_4():
    # a gain of 5e-5 is below min_delta=1e-4: plateau -> reduce at ep1 with patience 1.
    rates, _ = fit_plateau([1.0, 1.0 - 5e-5, 0.5], factor=0.5, patience=1)
    assert rates == f32([0.1, 0.1, 0.05])


def test_accuracy_is_maximised():
    # max mode: 0.7 > 0.6 improves; 0.65 is a plateau -> reduce at ep2 (patience 1).
    rates, _ = fit_plateau([0.6, 0.7, 0.65, 0.8], key="val_accuracy", metrics=["accuracy"],
                           factor=0.5, patience=1)
    assert rates == f32([0.1, 0.1, 0.1, 0.05])


def test_plateau_verbose_message(capsys):
    fit_plateau([1, 1], factor=0.5, patience=1, verbose=1)
    new_lr = float(np.float32(0.1)) * 0.5   # old rate read back as a float, times factor
    assert capsys.readouterr().out == (
        f"\nEpoch 2: ReduceLROnPlateau reducing learning rate to {new_lr}.\n")


def test_learning_rate_key_is_written_not_lr():
    model = tiny_model()
    cb = keras.callbacks.ReduceLROnPlateau(monitor="loss")
    history = model.fit(X, Y, epochs=2, verbose=0, callbacks=[cb])
    assert "learning_rate" in history.history and "lr" not in history.history


def test_keras2_epsilon_alias():
    with pytest.warns(UserWarning, match="`epsilon` argument is deprecated"):
        cb = keras.callbacks.ReduceLROnPlateau(epsilon=0.5)
    assert cb.min_delta == 0.5
    # 0.8 does not beat 1.0 by 0.5 -> plateau at ep1 -> reduce (patience 1)
    with pytest.warns(UserWarning):
        rates, _ = fit_plateau([1.0, 0.8, 0.6], factor=0.5, patience=1, epsilon=0.5)
    assert rates == f32([0.1, 0.1, 0.05])


def test_unknown_kwargs_are_ignored_with_a_warning():
    with pytest.warns(UserWarning, match="ignores the unknown argument"):
        keras.callbacks.ReduceLROnPlateau(foo=1)


def test_missing_monitor_warns_but_logs_the_rate():
    model = tiny_model()
    cb = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", patience=0)
    with pytest.warns(UserWarning, match="`val_loss` which is not available"):
        history = model.fit(X, Y, epochs=2, verbose=0, callbacks=[cb])
    assert history.history["learning_rate"] == f32([0.1, 0.1])


@pytest.mark.parametrize("factor", [1.0, 1.5])
def test_factor_at_least_one_raises(factor):
    with pytest.raises(ValueError, match=f"does not support a factor >= 1.0. "
                                         f"Received factor={factor}"):
        keras.callbacks.ReduceLROnPlateau(factor=factor)


@pytest.mark.parametrize("kwargs", [{"factor": -0.5}, {"patience": -1}, {"cooldown": "2"},
                                    {"min_lr": -1.0}, {"monitor": 3}])
def test_bad_arguments(kwargs):
    with pytest.raises((ValueError, TypeError), match=next(iter(kwargs))):
        keras.callbacks.ReduceLROnPlateau(**kwargs)


def test_unknown_monitor_auto_mode_asks_for_mode():
    with pytest.raises(ValueError, match="ReduceLROnPlateau callback received monitor=val_f1"):
        fit_plateau([1, 1], key="val_f1")
