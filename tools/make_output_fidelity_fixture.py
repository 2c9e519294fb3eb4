"""Run once: record what Keras 3 (torch backend) prints for the cases of
tests/fixtures/output_fidelity_cases.py.

    nice -n 19 /work/venv/bin/python tools/make_output_fidelity_fixture.py

Runs the cases under /work/scratch-keras in subprocesses (tools/output_fidelity_sweep.py),
with stdout and stderr captured to files and, for the cases in ``TERMINAL_CASES``, on a
pseudo-terminal (TERM=xterm, 80 columns), and two summaries under the environment variables
rich reads for its styles; writes the normalized text (times as T, redraws
rendered) to tests/fixtures/keras_output_fidelity.json for tests/compat/test_output_fidelity.py.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import output_fidelity_sweep as sweep  # noqa: E402

# rich (Keras's summary printer) picks its styles from the environment
STYLE_ENVIRONMENTS = {"TERM=xterm-256color": {"TERM": "xterm-256color"},
                      "COLORTERM=truecolor": {"COLORTERM": "truecolor"},
                      "NO_COLOR=1": {"NO_COLOR": "1"}, "TERM=dumb": {"TERM": "dumb"}}
STYLE_CASES = ["summary_expand_nested_show_trainable"]
TERMINAL_CASES = ["fit_verbose_1_validation_data", "fit_generator_unknown_length",
                  "progbar_direct", "summary_sequential", "summary_expand_nested_show_trainable",
                  "summary_branching", "summary_subclassed", "summary_wider_than_the_terminal"]


def main():
    cases = sweep.load_cases()
    names = list(cases.CASES)
    captured = sweep.capture("keras", names)
    fixture = {"files": {name: {"stdout": cases.normalize(out), "stderr": cases.normalize(err)}
                         for name, (out, err) in captured.items()}}
    os.environ.update(TERM="xterm", COLUMNS="80")
    os.environ.pop("COLORTERM", None)
    on_terminal = sweep.capture_pty("keras", TERMINAL_CASES)
    fixture["terminal"] = {name: cases.normalize(out) for name, (out, _) in on_terminal.items()}
    fixture["styles"] = {}
    for label, env in STYLE_ENVIRONMENTS.items():
        os.environ.update(env)
        captured = sweep.capture_pty("keras", STYLE_CASES)
        fixture["styles"][label] = {name: cases.normalize(out)
                                    for name, (out, _) in captured.items()}
        for key in env:
            os.environ.pop(key)
        os.environ["TERM"] = "xterm"
    os.environ["FORCE_COLOR"] = "1"  # styles also into a file
    captured = sweep.capture("keras", STYLE_CASES)
    fixture["styles"]["FORCE_COLOR=1 (file)"] = {name: cases.normalize(out)
                                                 for name, (out, _) in captured.items()}
    path = os.path.join(sweep.FIXTURES, "keras_output_fidelity.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(fixture, f, indent=1, sort_keys=True, ensure_ascii=False)
    print("wrote", path)


if __name__ == "__main__":
    main()
