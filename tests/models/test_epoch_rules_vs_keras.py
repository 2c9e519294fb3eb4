"""Keras 3's epoch rules for in-memory arrays with ``steps_per_epoch``, and the progress
line's final update. Expected values are derived by hand from Keras 3.15's EpochIterator /
ProgbarLogger / Progbar behaviour (checked side by side with Keras 3.15)."""
import io
import warnings

import numpy as np

import minikeras as keras
from tests.screen import screen

X = np.arange(40 * 2, dtype="float32").reshape(40, 2) / 80
Y = np.zeros((40, 1), "float32")


def batch_counts(steps_per_epoch, epochs, batch_size=16, verbose=0):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    counts = []
    count = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: counts.append(0),
        on_train_batch_end=lambda batch, logs: counts.__setitem__(-1, counts[-1] + 1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, Y, batch_size=batch_size, epochs=epochs, steps_per_epoch=steps_per_epoch,
                  verbose=verbose, shuffle=False, callbacks=[count])
    ran_out = sum("ran out of data" in str(w.message) for w in caught)
    return counts, ran_out


def test_an_epoch_continues_the_pass_and_never_runs_into_the_next():
    # 40 samples in batches of 16: a pass is 3 batches. Two steps per epoch take batches
    # 1-2, then batch 3 alone (the pass ends: Keras warns), then a new pass.
    assert batch_counts(2, 4) == ([2, 1, 2, 1], 2)


def test_more_steps_than_batches_gives_one_pass_per_epoch_with_a_warning():
    assert batch_counts(5, 2) == ([3, 3], 2)


def test_steps_equal_to_the_batches_of_a_pass_do_not_warn():
    assert batch_counts(3, 2) == ([3, 3], 0)


def test_progress_line_of_a_short_epoch_ends_at_the_target(capsys):
    batch_counts(5, 1, verbose=1)
    assert screen(capsys.readouterr().out).startswith("5/5 ━━━━━━━━━━━━━━━━━━━━ ")


def test_progbar_final_update_shows_the_values_given_not_their_average():
    out = io.StringIO()
    bar = keras.utils.Progbar(4, verbose=2, stateful_metrics=["s"], file=out)
    for step in range(4):
        bar.update(step + 1, values=[("a", -1.0 * step), ("s", step)])
    # a: 0, -1, -2, -3 -> the last one (-3) at the final update, in %.4e as it is < 1e-3
    assert out.getvalue().endswith(" - a: -3.0000e+00 - s: 3.0000\n")
    out = io.StringIO()
    bar = keras.utils.Progbar(2, verbose=1, file=out)
    bar.update(1, values=[("a", 2.0)])
    bar.update(2, values=[("a", 5.0)])
    assert out.getvalue().endswith(" - a: 5.0000\n")


def test_progbar_without_target_prints_no_verbose_2_line():
    out = io.StringIO()
    bar = keras.utils.Progbar(None, verbose=2, file=out)
    bar.add(1, values=[("a", 2.0)])
    bar.update(2, values=[("a", 5.0)], finalize=True)
    assert out.getvalue() == ""


def test_progbar_averages_before_the_final_update():
    out = io.StringIO()
    bar = keras.utils.Progbar(4, verbose=2, file=out)
    bar.update(1, values=[("a", 1.0)])
    bar.update(2, values=[("a", 3.0)])
    bar.update(4, values=[("a", 8.0)], finalize=False)
    bar.update(4, finalize=True)  # nothing new at the end: the running average stays
    # (1*1 + 3*1 + 8*2) / 4 = 5
    assert out.getvalue().endswith(" - a: 5.0000\n")


class _Clock:
    """A stand-in for the progress bar's ``time`` module: ``now`` moves only when told."""

    def __init__(self):
        self.now = 1000.0

    def time(self):
        return self.now


def test_progbar_into_a_pipe_writes_keras_redraws(monkeypatch):
    # The bytes Keras 3.15 wrote into a pipe for Progbar(100): update(1), update(2) within
    # the 0.05 s interval (not drawn), update(50) after it, update(100); values averaged.
    clock = _Clock()
    monkeypatch.setattr("minikeras.utils.progbar.time", clock)
    monkeypatch.setattr("minikeras.utils.progbar.os.name", "posix")
    out = io.StringIO()
    bar = keras.utils.Progbar(100, file=out)
    bar.update(1, [("loss", 0.5)])
    bar.update(2, [("loss", 0.25)])
    clock.now += 0.06
    bar.update(50, [("loss", 2.0)])
    clock.now += 0.05
    bar.update(100, [("loss", 1.0)])
    white, green = "\x1b[37m", "\x1b[32m"
    first = f"\x1b[1m  1/100\x1b[0m {white}{'━' * 20}\x1b[0m \x1b[1m0s\x1b[0m 0s/step - loss: 0.5000"
    middle = (f"\x1b[1m 50/100\x1b[0m {green}{'━' * 10}\x1b[0m{white}{'━' * 10}\x1b[0m "
              # 0.06 s over the 49 steps after the first: 1ms; loss (0.5 + 0.25 + 2 * 48) / 50
              "\x1b[1m0s\x1b[0m 1ms/step - loss: 1.9350")
    last = (f"\x1b[1m100/100\x1b[0m {green}{'━' * 20}\x1b[0m{white}\x1b[0m "
            "\x1b[1m0s\x1b[0m 1ms/step - loss: 1.0000")
    # the shown widths: 54 then 55 characters (backspaced before the next redraw)
    assert out.getvalue() == ("\r" + first + "\b" * 54 + "\r" + middle + "\b" * 55 + "\r"
                              + last + "\n")


def test_progbar_into_a_pipe_pads_a_shorter_redraw_and_shows_unknown_targets(monkeypatch):
    monkeypatch.setattr("minikeras.utils.progbar.time", _Clock())
    monkeypatch.setattr("minikeras.utils.progbar.os.name", "posix")
    out = io.StringIO()
    bar = keras.utils.Progbar(None, file=out)
    bar.update(3, [("loss", 123456.0)])
    bar.update(7, [("loss", 1.0)], finalize=True)
    # no time passed: Keras writes 0s/step
    first = "      3/Unknown \x1b[1m0s\x1b[0m 0s/step - loss: 123456.0000"
    # 46 characters shown, then a final line 5 shorter: 5 spaces cover the rest
    assert out.getvalue() == ("\r" + first + "\b" * 46 + "\r"
                              + "      7/Unknown \x1b[1m0s\x1b[0m 0s/step - loss: 1.0000"
                              + " " * 5 + "\n")


def test_progbar_into_a_pipe_off_posix_starts_each_redraw_on_a_new_line(monkeypatch):
    monkeypatch.setattr("minikeras.utils.progbar.time", _Clock())
    monkeypatch.setattr("minikeras.utils.progbar.os.name", "nt")
    out = io.StringIO()
    bar = keras.utils.Progbar(2, file=out)
    bar.update(1)
    bar.update(2)
    assert "\b" not in out.getvalue() and "\r" not in out.getvalue()
    assert screen(out.getvalue()) == "\n1/2 " + "━" * 20 + " 0s 0s/step\n2/2 " + "━" * 20 + \
        " 0s 0s/step\n"
