"""Every script in examples/ runs (in a scratch folder) and prints what it promises."""
import concurrent.futures
import importlib.util
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

from tests.optional_extras import in_ci

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def run(script, cwd):
    return subprocess.run([sys.executable, str(script)], cwd=cwd, capture_output=True,
                          text=True, timeout=300,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def number(pattern, stdout):
    return float(re.search(pattern, stdout).group(1))


def digits_mlp(stdout, folder):
    assert number(r"Test accuracy: ([0-9.]+)", stdout) >= 0.95
    assert "Epoch 30/30" in stdout and "━" in stdout


def digits_convnet(stdout, folder):
    assert number(r"Test accuracy: ([0-9.]+)", stdout) >= 0.9


def regression_early_stopping(stdout, folder):
    epochs = number(r"Trained (\d+) of 200", stdout)
    assert epochs < 200  # it stopped early
    assert number(r"Test MAE: ([0-9.]+)", stdout) < 0.15


def binary_classification(stdout, folder):
    assert number(r"Test accuracy: ([0-9.]+)", stdout) >= 0.9
    assert number(r"auc: ([0-9.]+)", stdout) >= 0.95


def imbalanced_class_weight(stdout, folder):
    plain = number(r"without class_weight: .*recall of 9s ([0-9.]+)", stdout)
    weighted = number(r"with class_weight: .*recall of 9s ([0-9.]+)", stdout)
    assert weighted >= plain + 0.3


def custom_layer(stdout, folder):
    assert number(r"two rings: ([0-9.]+)", stdout) >= 0.95
    assert "predictions identical: True" in stdout


def custom_loss(stdout, folder):
    # the share of targets below the prediction is the quantile trained for
    assert abs(number(r"q=0.5: ([0-9.]+)%", stdout) - 50) < 5
    assert abs(number(r"q=0.9: ([0-9.]+)%", stdout) - 90) < 5


def checkpoint_resume(stdout, folder):
    assert "Restored weights equal: True" in stdout
    assert "Optimizer steps restored: 69" in stdout  # 3 epochs of ceil(1437 / 64) = 23
    assert "Epochs run after resuming: [3, 4, 5]" in stdout and "Epoch 4/6" in stdout


def softmax_crossentropy(stdout, folder):
    # the source texts' worked numbers
    assert "[0.4, 0.3, 0.05, 0.05, 0.2]: 0.9163" in stdout
    assert "[0.98, 0.01, 0, 0, 0.01]: 0.0202" in stdout
    assert "[[0.0171 0.9362 0.0466]" in stdout and "[0.0064 0.0471 0.9465]]" in stdout
    assert "by hand equal: True" in stdout and "stable: [[0.09   0.2447 0.6652]]" in stdout


def chain_rule(stdout, folder):
    assert "f = -12.0" in stdout and "df/dx = -4.0, df/dy = -4.0, df/dz = 3.0" in stdout


def two_layer_numpy_vs_minikeras(stdout, folder):
    assert "same numbers: True" in stdout


def batchnorm_train_vs_inference(stdout, folder):
    assert "equals (x - batch mean) / sqrt(batch var + eps): True" in stdout
    assert "same output as in the batch: True" in stdout


def plot_written(name):
    def check(folder):
        if importlib.util.find_spec("matplotlib") is None and not in_ci():
            return  # the example says how to get the picture
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return check


def vanishing_gradients(stdout, folder):
    flags = re.findall(r"vanishing flag: ([0-9.]+)", stdout)
    assert flags == ["1.0", "0.0"]  # sigmoid stack vanishes, relu stack does not
    plot_written("vanishing_gradients.png")(folder)


def dead_relus(stdout, folder):
    sane = re.search(r"learning rate 0.05: .*per epoch (\[.*\])", stdout).group(1)
    high = re.search(r"learning rate 10.0: .*per epoch (\[.*\])", stdout).group(1)
    assert max(json.loads(sane)) == 0.0 and json.loads(high)[-1] >= 0.5
    plot_written("dead_relus.png")(folder)


def class_weighted_crossentropy(stdout, folder):
    assert "minikeras with sample_weight:        2.7953" in stdout
    assert "PyTorch's weighted mean:    0.9318" in stdout


def text_classifier(stdout, folder):
    assert number(r"Test accuracy: ([0-9.]+)", stdout) >= 0.9


def time_series_forecast(stdout, folder):
    mae = number(r"Test MAE: ([0-9.]+)", stdout)
    assert mae < 0.8 * number(r"naive last-value forecast: ([0-9.]+)", stdout)


def feature_space_tabular(stdout, folder):
    # one-hot widths (vocabulary + OOV): sex 3, cp 5, fbs 3, restecg 4, exang 3, ca 5, thal 4;
    # age 32 bins, 5 normalized numbers, 2 crosses of 32: 128
    assert "Encoded features: (None, 128)" in stdout
    assert number(r"Validation accuracy: ([0-9.]+)", stdout) >= 0.85
    assert re.search(r"had a [0-9.]+ percent probability", stdout)
    assert "encodes the sample identically: True" in stdout


# What each example must print (or write), beyond running cleanly.
OUTPUT_CHECKS = {f.__name__ + ".py": f for f in (
    digits_mlp, digits_convnet, regression_early_stopping, binary_classification,
    imbalanced_class_weight, custom_layer, custom_loss, checkpoint_resume,
    softmax_crossentropy, chain_rule, two_layer_numpy_vs_minikeras,
    batchnorm_train_vs_inference, vanishing_gradients, dead_relus,
    class_weighted_crossentropy, text_classifier, time_series_forecast, feature_space_tabular)}


def test_every_example_has_a_check():
    assert sorted(OUTPUT_CHECKS) == sorted(p.name for p in EXAMPLES)


LONGEST_RUNS = ("feature_space_tabular.py", "digits_mlp.py", "digits_convnet.py", "dead_relus.py")


@pytest.fixture(scope="module")
def runs(request, tmp_path_factory):
    """{script: (its finished run's future, its scratch folder)} of the examples this session
    selected (a run's error, a timeout say, is raised by its own test).

    Each example is still its own process in its own folder; they run side by side, one per
    CPU, as they are independent, so the module takes about the longest chain, not the sum.
    """
    scripts = sorted({item.callspec.params["script"] for item in request.session.items
                      if getattr(item, "function", None) is test_example_runs})
    folders = {script: tmp_path_factory.mktemp(script.stem) for script in scripts}
    # the longest runs (5-11 s here) start at once; the short ones fill in around them
    scripts.sort(key=lambda script: script.name not in LONGEST_RUNS)
    with concurrent.futures.ThreadPoolExecutor(max(1, min(4, os.cpu_count() or 1))) as pool:
        futures = {script: pool.submit(run, script, folders[script]) for script in scripts}
    return {script: (future, folders[script]) for script, future in futures.items()}


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script, runs):
    future, folder = runs[script]
    result = future.result()
    assert result.returncode == 0, result.stderr[-2000:]
    OUTPUT_CHECKS[script.name](result.stdout, folder)
