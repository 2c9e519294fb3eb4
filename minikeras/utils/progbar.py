"""Keras 3's progress display, drawn with tqdm.

verbose=1 redraws one line per step (``12/45 ━━━━━━━━━━━━━━━━━━━━ 1s 9ms/step -
accuracy: 0.9 - loss: 0.3``): through tqdm on a terminal; into a pipe or file as Keras
writes it there (on POSIX each redraw, at most every ``interval`` seconds, backspaces over
the previous one and starts with a carriage return, ANSI colours kept; elsewhere each
redraw starts a new line); to the log, finished lines only, after
``keras.config.disable_interactive_logging()``. verbose=2 prints
``45/45 - 1s - 9ms/step - accuracy: ...`` once at the end.
"""
import math
import os
import re
import sys
import time

from ..config import is_interactive_logging_enabled
from ..io_utils import LOGGER

BAR_CHAR = "━"
_NO_LIMIT = 10**6
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def format_value(value, signed_abs=True):
    """``%.4f`` for |v| > 1e-3, else ``%.4e`` (verbose=2 compares v itself, not |v|)."""
    if not isinstance(value, (int, float)):
        return f"{value}"
    big = abs(value) > 1e-3 if signed_abs else value > 1e-3
    return f"{value:.4f}" if big else f"{value:.4e}"


def format_time_per_unit(seconds, unit_name="step"):
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit_name}"
    return f"{seconds * 1e6:.0f}us/{unit_name}"


def format_eta(seconds):
    if seconds > 3600:
        return f"{seconds // 3600:.0f}:{(seconds % 3600) // 60:02.0f}:{seconds % 60:02.0f}"
    if seconds > 60:
        return f"{seconds // 60:.0f}:{seconds % 60:02.0f}"
    return f"{seconds:.0f}s"


def is_interactive(file=None):
    """Whether ``file`` (default stdout) is a terminal, where the bar is redrawn in place
    (never while interactive logging is off: then finished lines go to the log)."""
    file = file or sys.stdout
    return is_interactive_logging_enabled() and hasattr(file, "isatty") and file.isatty()


class Progbar:
    """A progress line over ``target`` steps (``keras.utils.Progbar``).

    Args:
        target: total number of steps, or None if unknown.
        width: bar width in characters.
        verbose: 1 (redrawn line), 2 (one final line) or 0 (silent).
        interval: minimum seconds between redraws.
        stateful_metrics: names whose values are shown as given; others are
            averaged over the steps seen so far, except at the final update (``finalize``,
            by default when ``current`` reaches ``target``), which shows the values given.
        stateless_metrics: instead of ``stateful_metrics`` (not both): the names that are
            averaged; the others are shown as given.
        unit_name: ``"step"`` or ``"sample"``.
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step", file=None):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Only one of `stateful_metrics` or `stateless_metrics` can be provided. "
                "`stateful_metrics` names the metrics shown as given (the others are "
                "averaged); `stateless_metrics` names the metrics averaged (the others are "
                f"shown as given). Received: stateful_metrics={stateful_metrics!r}, "
                f"stateless_metrics={stateless_metrics!r}")
        self.target, self.width, self.verbose = target, width, verbose
        self.interval, self.unit_name = interval, unit_name
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self.stateful_metrics = None if stateless_metrics is not None else set(
            stateful_metrics or ())
        self.file = file or sys.stdout
        self.interactive = is_interactive(self.file)
        self.styled = is_interactive_logging_enabled()  # ANSI styles, except in the log
        self._drawn_width = 0  # characters shown by the last redraw into a pipe or file
        self._last_draw = 0.0
        self._values = {}
        self._seen = 0
        self._start = time.time()
        self._first_step_end = None
        self._tqdm = None

    def _averaged(self, name):
        if self.stateless_metrics is not None:
            return name in self.stateless_metrics
        return name not in self.stateful_metrics

    def update(self, current, values=None, finalize=None):
        """Record ``values`` (a list of (name, value)) at step ``current`` and redraw."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or ():
            if not self._averaged(name):
                self._values[name] = value
            elif finalize:  # Keras: the final update shows the value given, not the average
                self._values[name] = (value, 1)
            else:
                step = max(current - self._seen, 1)
                total, count = self._values.get(name, (0.0, 0))
                self._values[name] = (total + value * step, count + step)
        self._seen = current
        now = time.time()
        if self._first_step_end is None and current > 0:
            self._first_step_end = (now, current)
        if self.verbose == 1:
            self._draw(current, now, finalize)
        elif self.verbose == 2 and finalize and self.target:  # Keras: no line without a target
            self._write(self._epoch_line(current, now) + "\n")

    def add(self, n, values=None):
        self.update(self._seen + n, values)

    def _time_per_unit(self, current, now):
        # The first step is excluded when possible: it includes one-off warm-up work.
        if self._first_step_end is not None and current > self._first_step_end[1]:
            t0, c0 = self._first_step_end
            return (now - t0) / (current - c0)
        return (now - self._start) / current if current else 0.0

    def _metrics_text(self, signed_abs=True):
        parts = []
        for name, value in self._values.items():
            if isinstance(value, tuple):
                value = float(value[0]) / max(1, value[1])
            parts.append(f" - {name}: {format_value(value, signed_abs)}")
        return "".join(parts)

    def _bar(self, current):
        if self.target is None:
            return f"{current:7d}/Unknown"
        digits = int(math.log10(self.target)) + 1 if self.target > 0 else 1
        done = int(self.width * current / self.target) if self.target else self.width
        count = f"{current:>{digits}d}/{self.target}"
        if not self.styled:
            return f"{count} {BAR_CHAR * self.width}"
        done_part = f"\x1b[32m{BAR_CHAR * done}\x1b[0m" if done else ""  # Keras: none at 0
        return (f"\x1b[1m{count}\x1b[0m {done_part}"
                f"\x1b[37m{BAR_CHAR * (self.width - done)}\x1b[0m")

    def _line(self, current, now, finalize):
        per_unit = self._time_per_unit(current, now)
        if finalize or self.target is None:
            when = f"{now - self._start:.0f}s"
        else:
            when = format_eta(per_unit * (self.target - current))
        if self.styled:
            when = f"\x1b[1m{when}\x1b[0m"
        return (f"{self._bar(current)} {when} {format_time_per_unit(per_unit, self.unit_name)}"
                f"{self._metrics_text()}")

    def _epoch_line(self, current, now):
        digits = int(math.log10(self.target)) + 1 if self.target else 1
        count = f"{current:>{digits}d}/{self.target}" if self.target else f"{current}"
        per_unit = format_time_per_unit(self._time_per_unit(current, now), self.unit_name)
        return f"{count} - {now - self._start:.0f}s - {per_unit}{self._metrics_text(False)}"

    def _draw(self, current, now, finalize):
        if not self.interactive:
            if not self.styled:  # the log takes finished lines
                if finalize:
                    self._write(self._line(current, now, True) + "\n")
            elif finalize or now - self._last_draw >= self.interval:
                self._last_draw = now
                self._write(self._redraw_text(self._line(current, now, finalize), finalize))
            return
        if self._tqdm is None:
            from tqdm import tqdm  # lazy: only a terminal needs it, and it is slow to import
            # Keras never trims the line to the terminal width; tqdm would (and prints nothing
            # when a pseudo-terminal reports a 0x0 size), so give it no limits.
            self._tqdm = tqdm(total=self.target, bar_format="{desc}", file=self.file,
                              mininterval=self.interval, leave=True, ncols=_NO_LIMIT,
                              nrows=_NO_LIMIT)
            self._tqdm.ncols = None  # else each line it trims to ncols ends in an ANSI reset
        self._tqdm.set_description_str(self._line(current, now, finalize), refresh=False)
        self._tqdm.update(current - self._tqdm.n)
        if finalize:
            self._tqdm.refresh()
            self._tqdm.close()
            self._tqdm = None

    def _redraw_text(self, line, finalize):
        """``line`` as Keras redraws it into a pipe or file: on POSIX backspaces over the
        previous line's characters and a carriage return, else a line break, before it;
        spaces after it to cover a longer previous line; a line break when finished."""
        width = len(_ANSI.sub("", line))
        start = "\b" * self._drawn_width + "\r" if os.name == "posix" else "\n"
        pad = " " * max(self._drawn_width - width, 0)
        self._drawn_width = width
        return start + line + pad + ("\n" if finalize else "")

    def _write(self, text):
        if not is_interactive_logging_enabled():
            LOGGER.info(text)  # with its line break, as Keras logs it
            return
        self.file.write(text)
        self.file.flush()
