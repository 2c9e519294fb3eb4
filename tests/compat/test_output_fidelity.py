"""What minikeras prints, character for character against Keras 3.15.

The scripts are tests/fixtures/output_fidelity_cases.py; what Keras 3.15 (torch backend)
printed for them, normalized (times as T, redraws as a terminal shows them), is in
tests/fixtures/keras_output_fidelity.json, recorded once by
tools/make_output_fidelity_fixture.py: stdout and stderr captured to files, and some cases
on a pseudo-terminal (TERM=xterm, 80 columns). tools/output_fidelity_sweep.py runs the same
comparison live.
"""
import io
import re
import warnings
from contextlib import redirect_stderr, redirect_stdout

import numpy as np
import pytest

import minikeras as keras
from minikeras.io_utils import LOGGER
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("output_fidelity_cases", "keras_output_fidelity.json")

# Errors whose wording differs on purpose (docs/porting.md): the key facts must be in both.
ERROR_FACTS = {
    "error_wrong_input_shape": ["ValueError", "hidden", "expected axis -1 of input shape to "
                                "have value 3, but received input with shape (2, 5)"],
    "error_mismatched_y_length": ["ValueError: Data cardinality is ambiguous", "x' sizes: 10",
                                  "y' sizes: 7"],
    "error_unknown_loss": ["ValueError: Could not interpret loss identifier", "msee"],
    "beginner_errors": ["dense (Dense)", "0 (unbuilt)", "Could not interpret optimizer identifier",
                        "adamm", "Unrecognized data type", "[1, 2, 3]", "10, 3", "10, 1",
                        "Could not interpret activation function identifier", "relux",
                        "expected a positive integer. Received: units=-2"],
    "saving_messages": ["ValueError: Invalid filepath extension for saving. Please add either a "
                        "`.keras` extension for the native Keras format (recommended) or a `.h5` "
                        "extension.", "filepath=m.", "Sequential",
                        "File not found: filepath=missing.keras.",
                        "ValueError: The filename must end in `.weights.h5`. Received: "
                        "filepath=w.h5"],
    "predict_one_sample_wrong_rank": ["ValueError: ", "[[1.2]]"],
}
# its stderr is checked on its own below (numpy's overflow warnings silenced in training)
STDERR_KNOWN_DIFFERENT = {"terminate_on_nan"}
_LONG_FLOAT = re.compile(r"-?\d+\.\d{6,}(?:e[-+]\d+)?")


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def run_case(name, stdout):
    """(normalized stdout, normalized stderr) of the case run under minikeras."""
    keras.backend.clear_session()
    stderr = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, redirect_stdout(stdout), \
            redirect_stderr(stderr):
        warnings.simplefilter("default")
        try:
            cases.CASES[name](keras)
        except Exception as e:  # as tools/output_fidelity_sweep.py reports it
            print(f"UNCAUGHT {type(e).__name__}: {e}", file=stderr)
    shown = "".join(f"{w.category.__name__}: {w.message}\n" for w in caught)
    return cases.normalize(stdout.getvalue()), cases.normalize(shown + stderr.getvalue())


def assert_same_text(got, want):
    """Equal text, except that floats printed with 6 or more decimals (a float32 printed as
    a Python float) may differ by float32 round-off."""
    if got == want:
        return
    got_lines, want_lines = got.split("\n"), want.split("\n")
    assert len(got_lines) == len(want_lines), f"minikeras:\n{got}\nKeras:\n{want}"
    for g, w in zip(got_lines, want_lines):
        assert _LONG_FLOAT.sub("#", g) == _LONG_FLOAT.sub("#", w), f"\n{g!r}\n{w!r}"
        np.testing.assert_allclose([float(v) for v in _LONG_FLOAT.findall(g)],
                                   [float(v) for v in _LONG_FLOAT.findall(w)], rtol=1e-5)


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")


@pytest.mark.parametrize("name", sorted(set(cases.CASES) - set(ERROR_FACTS)))
def test_printed_into_a_file_as_keras_prints(name, in_tmp):
    stdout, stderr = run_case(name, io.StringIO())
    want = KERAS["files"][name]
    assert_same_text(stdout, want["stdout"])
    if name not in STDERR_KNOWN_DIFFERENT:
        assert_same_text(stderr, want["stderr"])


def test_float_overflow_in_training_is_silent_as_in_keras(in_tmp):
    _, stderr = run_case("terminate_on_nan", io.StringIO())
    assert KERAS["files"]["terminate_on_nan"]["stderr"] == ""
    assert stderr == ""


@pytest.mark.parametrize("name", sorted(ERROR_FACTS))
def test_errors_carry_the_facts_keras_gives(name, in_tmp):
    stdout, _ = run_case(name, io.StringIO())
    for fact in ERROR_FACTS[name]:
        assert fact in KERAS["files"][name]["stdout"]
        assert fact in stdout.replace(" x sizes", " 'x' sizes").replace(
            " y sizes", " 'y' sizes"), stdout


def _terminal_environment(monkeypatch, **env):
    """TERM=xterm and none of the other variables rich reads, then ``env``."""
    monkeypatch.setenv("TERM", "xterm")
    for key in ("COLORTERM", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)


@pytest.mark.parametrize("name", sorted(KERAS["terminal"]))
def test_printed_on_a_terminal_as_keras_prints(name, in_tmp, monkeypatch):
    _terminal_environment(monkeypatch)
    stdout, _ = run_case(name, _Terminal())
    # on one terminal Keras's warnings land among the lines; compare the printed lines
    want = "\n".join(line for line in KERAS["terminal"][name].split("\n")
                     if "Warning: " not in line)
    assert_same_text(stdout, want)


@pytest.mark.parametrize("label, name", [(label, name) for label, by_case in
                                         sorted(KERAS["styles"].items()) for name in by_case])
def test_summary_styles_follow_the_environment_as_rich_does(label, name, in_tmp, monkeypatch):
    env = dict(pair.split("=") for pair in label.split(" ")[:1])
    _terminal_environment(monkeypatch, **env)
    into_file = label.endswith("(file)")
    stdout, _ = run_case(name, io.StringIO() if into_file else _Terminal())
    assert_same_text(stdout, KERAS["styles"][label][name])


def test_summary_passed_to_print_fn_or_logged_is_never_styled(in_tmp, monkeypatch):
    # Keras gives print_fn, and the log, rich's text captured without styles
    _terminal_environment(monkeypatch, FORCE_COLOR="1")
    lines, records = [], []
    model = cases.dense_model(keras)
    model.summary(print_fn=lambda line, **kwargs: lines.append(line))
    monkeypatch.setattr(LOGGER, "info", lambda text, *args: records.append(text))
    keras.config.disable_interactive_logging()
    try:
        with redirect_stdout(_Terminal()):
            model.summary()
    finally:
        keras.config.enable_interactive_logging()
    assert lines[0].startswith('Model: "seq"\n┏') and records[0] == lines[0].rstrip("\n")
