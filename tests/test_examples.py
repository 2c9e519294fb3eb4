"""Every script in examples/ runs (in a scratch folder) and prints what it promises."""
import importlib.util
import json
import os
import pathlib
import re
import select
import subprocess
import sys
import time

import pytest

from tests.optional_extras import in_ci

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


# Runs each example as a fork of one process that has imported minikeras (what every example
# does first: about half a CPU second each), so a fork is a `python example.py` started
# in its folder after `import minikeras`: argv, sys.path[0], __main__, its own stdin,
# stdout and stderr, exceptions and exit as the interpreter gives them. It reads jobs
# "id<TAB>script<TAB>folder<TAB>output prefix" on stdin, runs up to argv[1] at once and
# answers "id<TAB>exit code" (or "id<TAB>timeout" after argv[2] seconds) as each ends.
SERVER = """
import gc, os, runpy, select, signal, sys, time
import minikeras as keras
for name in ("layers", "models", "optimizers", "losses", "metrics", "callbacks", "utils"):
    getattr(keras, name)
# the objects made so far are the forks' shared start: out of the collector's reach, no fork
# copies their pages to traverse them in its collections and at its exit (0.13 -> 0.04
# CPU s per fork's exit alone)
gc.freeze()


def start(script, folder, out):
    pid = os.fork()
    if pid:
        return pid
    os.chdir(folder)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    for fd, suffix in ((1, ".stdout"), (2, ".stderr")):
        os.dup2(os.open(out + suffix, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), fd)
    sys.argv, sys.path[0] = [script], os.path.dirname(script)
    runpy.run_path(script, run_name="__main__")
    sys.exit()  # the interpreter's own ending (an exception above ends it with 1)


parallel, timeout = int(sys.argv[1]), float(sys.argv[2])
pending, waiting, running, reading = b"", [], {}, True
while reading or waiting or running:
    while waiting and len(running) < parallel:
        job, script, folder, out = waiting.pop(0)
        running[start(script, folder, out)] = job, time.monotonic() + timeout
    if reading and select.select([0], [], [], 0.02)[0]:
        chunk = os.read(0, 65536)
        reading = bool(chunk)
        *lines, pending = (pending + chunk).split(b"\\n")
        waiting += [line.decode().split("\\t") for line in lines]
    elif not reading:
        time.sleep(0.02)
    for pid, (job, deadline) in list(running.items()):
        done, status = os.waitpid(pid, os.WNOHANG)
        if not done and time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        if done or time.monotonic() > deadline:
            del running[pid]
            code = os.waitstatus_to_exitcode(status) if done else "timeout"
            print(f"{job}\\t{code}", flush=True)
"""
TIMEOUT = 300  # seconds an example may run
# The examples' environment: a clean one, with the parent's BLAS thread counts if it set them.
ENV = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", **{
    name: os.environ[name] for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                         "MKL_NUM_THREADS") if name in os.environ}}


class Examples:
    """The examples this process runs, each in its own scratch folder (see SERVER)."""

    def __init__(self, folders, parallel):
        self.folders, self.ids, self.answers, self.read = folders, {}, {}, b""
        scratch = folders["server"]
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(parallel), str(TIMEOUT)], cwd=scratch, env=ENV,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=open(scratch / "server.stderr", "wb"))

    def start(self, script):
        if script not in self.ids:
            self.ids[script] = str(len(self.ids))
            out = self.folders["server"] / script.stem
            self.process.stdin.write(
                f"{self.ids[script]}\t{script}\t{self.folders[script]}\t{out}\n".encode())
            self.process.stdin.flush()

    def result(self, script):
        """The finished run of ``script`` (started now if it was not yet)."""
        self.start(script)
        # the runner times each example out itself; this only guards against a runner
        # that stopped answering (every example started before might run to its limit)
        job, deadline = self.ids[script], time.monotonic() + TIMEOUT * len(self.ids) + 60
        while job not in self.answers:
            ready = select.select([self.process.stdout], [], [],
                                  max(0.0, deadline - time.monotonic()))[0]
            chunk = os.read(self.process.stdout.fileno(), 65536) if ready else b""
            if not chunk:
                errors = (self.folders["server"] / "server.stderr").read_text()
                raise RuntimeError(f"the example runner stopped answering: {errors[-2000:]}")
            *lines, self.read = (self.read + chunk).split(b"\n")
            self.answers.update(line.decode().split("\t") for line in lines)
        if self.answers[job] == "timeout":
            raise subprocess.TimeoutExpired(str(script), TIMEOUT)
        out = self.folders["server"] / script.stem
        return subprocess.CompletedProcess(
            str(script), int(self.answers[job]), (out.parent / (out.name + ".stdout")).read_text(),
            (out.parent / (out.name + ".stderr")).read_text())

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=60)


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
def examples(request, tmp_path_factory):
    """The example runner of this process, its scratch folders made.

    Alone, or under xdist keeping a module on one worker, this process runs every example
    the session selected: they start now, side by side, one per CPU (they are independent,
    so the module takes about the longest chain, not the sum). Under xdist's default load
    distribution another worker may run some of them: each test then starts its own.
    """
    folders = {script: tmp_path_factory.mktemp(script.stem) for script in EXAMPLES}
    folders["server"] = tmp_path_factory.mktemp("example_runner")
    worker = os.environ.get("PYTEST_XDIST_WORKER") is not None
    runner = Examples(folders, 1 if worker else max(1, min(4, os.cpu_count() or 1)))
    if not worker or request.config.getoption("dist", "no") in ("loadfile", "loadscope"):
        scripts = sorted({item.callspec.params["script"] for item in request.session.items
                          if getattr(item, "function", None) is test_example_runs})
        # the longest runs (5-11 s here) start at once; the short ones fill in around them
        for script in sorted(scripts, key=lambda script: script.name not in LONGEST_RUNS):
            runner.start(script)
    yield runner
    runner.close()


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script, examples):
    result = examples.result(script)
    assert result.returncode == 0, result.stderr[-2000:]
    OUTPUT_CHECKS[script.name](result.stdout, examples.folders[script])
