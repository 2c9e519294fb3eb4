"""Every script in examples/ runs; the digits MLP (the README's main job) reaches >= 0.95."""
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def run(script):
    return subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def digits_mlp_reaches_the_promised_accuracy(stdout):
    accuracy = float(re.search(r"Test accuracy: ([0-9.]+)", stdout).group(1))
    assert accuracy >= 0.95
    assert "Epoch 30/30" in stdout and "━" in stdout


def text_classifier_reaches_90_percent(stdout):
    assert float(re.search(r"Test accuracy: ([0-9.]+)", stdout).group(1)) >= 0.9


def forecaster_beats_the_naive_forecast(stdout):
    mae, naive = map(float, re.search(r"Test MAE: ([0-9.]+) \(naive last-value forecast: "
                                      r"([0-9.]+)\)", stdout).groups())
    assert mae < 0.8 * naive


# What each example must print, beyond running cleanly.
OUTPUT_CHECKS = {"digits_mlp.py": digits_mlp_reaches_the_promised_accuracy,
                 "text_classifier.py": text_classifier_reaches_90_percent,
                 "time_series_forecast.py": forecaster_beats_the_naive_forecast}


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script):
    result = run(script)
    assert result.returncode == 0, result.stderr[-2000:]
    OUTPUT_CHECKS.get(script.name, lambda stdout: None)(result.stdout)
