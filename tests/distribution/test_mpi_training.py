"""Data-parallel training on two real MPI ranks (``mpiexec -n 2``), against one process.

The scripts in mpi_scripts/ run under mpiexec; these tests read what they wrote. Without
mpi4py and mpiexec the tests skip, except in CI (CI=true), where .ci/run installs them.
"""
import importlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

import minikeras as keras
from tests.child_bytecode import cached_bytecode_environment

SCRIPTS = pathlib.Path(__file__).parent / "mpi_scripts"
ROOT = pathlib.Path(__file__).resolve().parents[2]


def _mpiexec():
    beside_python = pathlib.Path(sys.executable).parent / "mpiexec"
    found = str(beside_python) if beside_python.exists() else shutil.which("mpiexec")
    try:
        importlib.import_module("mpi4py")
    except ImportError:
        found = None
    if found is None and os.environ.get("CI") == "true":
        pytest.fail("CI must install the mpi extra (mpi4py and mpich): see .ci/run")
    if found is None:
        pytest.skip("mpi4py / mpiexec not installed (pip install 'minikeras[mpi]')")
    return found


# The scripts' environment: os.environ with a bytecode cache the ~20 processes of this
# module share (tests/child_bytecode.py), set before the module's first launch.
ENVIRONMENT = dict(os.environ)


@pytest.fixture(scope="module", autouse=True)
def _shared_bytecode(tmp_path_factory):
    ENVIRONMENT.clear()
    ENVIRONMENT.update(cached_bytecode_environment(tmp_path_factory))


def run(script, *args, ranks=2, timeout=120, env=None):
    command = [_mpiexec(), "-n", str(ranks), sys.executable, str(SCRIPTS / script), *args]
    environment = dict(ENVIRONMENT, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1",
                       **(env or {}))
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env=environment, cwd=ROOT)


def run_single(script, *args):
    return subprocess.run([sys.executable, str(SCRIPTS / script), *args], capture_output=True,
                          text=True, timeout=120, env=dict(ENVIRONMENT, PYTHONPATH=str(ROOT)),
                          cwd=ROOT, check=True)


def run_both(script, distributed, single):
    """``script`` on 2 ranks writing into ``distributed`` and alone into ``single``; the
    2-rank run's stdout."""
    result = run(script, str(distributed), "distributed")
    assert result.returncode == 0, result.stderr
    run_single(script, str(single), "single")
    return result.stdout


@pytest.fixture(scope="module")
def data_parallel_run(tmp_path_factory):
    distributed = tmp_path_factory.mktemp("distributed")
    single = tmp_path_factory.mktemp("single")
    return distributed, single, run_both("data_parallel_fit.py", distributed, single)


def _arrays(folder, rank):
    with np.load(folder / f"rank{rank}.npz") as f:
        return {k: f[k] for k in f.files}


def test_both_ranks_hold_bit_identical_weights_and_outputs(data_parallel_run):
    distributed, _, _ = data_parallel_run
    rank0, rank1 = _arrays(distributed, 0), _arrays(distributed, 1)
    assert rank0.keys() == rank1.keys()
    for key in rank0:
        np.testing.assert_array_equal(rank0[key], rank1[key], err_msg=key)


def test_two_ranks_train_like_one_process_on_the_same_global_batches(data_parallel_run):
    distributed, single, _ = data_parallel_run
    two, one = _arrays(distributed, 0), _arrays(single, 0)
    for key in one:  # weights, evaluate() and predict(): equal to float32 round-off
        np.testing.assert_allclose(two[key], one[key], rtol=1e-5, atol=1e-6, err_msg=key)
    h2 = json.loads((distributed / "history0.json").read_text())
    h1 = json.loads((single / "history0.json").read_text())
    assert h2.keys() == h1.keys() == {"accuracy", "loss", "val_accuracy", "val_loss"}
    for key in h1:  # the logs are global: sums over both ranks
        np.testing.assert_allclose(h2[key], h1[key], rtol=1e-5, atol=1e-6, err_msg=key)
    assert json.loads((distributed / "history1.json").read_text()) == h2


def test_only_rank_zero_prints_and_writes_files(data_parallel_run):
    distributed, _, stdout = data_parallel_run
    assert stdout.count("Epoch 1/3") == 1 and stdout.count("Epoch 3/3") == 1
    assert (distributed / "checkpoint.weights.h5").exists()
    lines = (distributed / "log.csv").read_text().splitlines()
    assert lines[0] == "epoch,accuracy,loss,val_accuracy,val_loss" and len(lines) == 4


def test_a_failing_rank_stops_every_rank_with_its_error():
    result = run("failing_rank.py", timeout=90, env={"MINIKERAS_MPI_TIMEOUT": "30"})
    assert result.returncode != 0
    assert "rank 1 fails on purpose" in result.stderr
    assert "aborting all 2 ranks" in result.stderr


def test_a_rank_stalled_mid_step_stops_every_rank_at_the_deadline():
    started = time.monotonic()
    # 2 s: the ranks meet in an untimed barrier just before fit, so only the skew of two
    # training steps on a loaded machine must stay below it (the deadline's length is
    # not what is tested: that every rank stops at it)
    result = run("stalled_rank.py", timeout=60, env={"MINIKERAS_MPI_TIMEOUT": "2"})
    assert result.returncode != 0
    assert time.monotonic() - started < 30  # not the 60 s the stalled rank sleeps
    assert "TimeoutError: Rank 0: the gradient sum of a sharded update waited more than 2 s" \
        in result.stderr
    assert "aborting all 2 ranks" in result.stderr


SETUP_MISTAKES = {
    "odd_batch": "batch_size must be a multiple of 2. Received: batch_size=9",
    "different_models": "ranks [1] differ from rank 0",
    "loss_scale": "DataParallel does not train with a LossScaleOptimizer",
    "different_logs": "rank 0 returned ['loss'], rank 1 returned ['extra', 'loss']",
}


@pytest.fixture(scope="module")
def setup_mistakes():
    """{mistake: the lines its fit printed} of one 2-rank run that makes every mistake in
    turn, each with its own model (one MPI launch instead of one per mistake)."""
    result = run("bad_setup.py", *SETUP_MISTAKES)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    return {mistake: [line for line in lines if line.startswith(f"{mistake}: ")]
            for mistake in SETUP_MISTAKES}


@pytest.mark.parametrize("mistake", list(SETUP_MISTAKES))
def test_setup_mistakes_fail_on_every_rank(setup_mistakes, mistake):
    message, printed = SETUP_MISTAKES[mistake], "\n".join(setup_mistakes[mistake])
    for rank in (0, 1):
        assert f"rank {rank}: ValueError:" in printed and message in printed


def test_horovod_script_averages_gradients_and_warms_up_the_rate(tmp_path):
    result = run("horovod_fit.py", str(tmp_path))
    assert result.returncode == 0, result.stderr
    with np.load(tmp_path / "hvd0.npz") as a, np.load(tmp_path / "hvd1.npz") as b:
        for key in a.files:  # different seeds, yet identical: broadcast + averaged updates
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
        # warmup from 0.1 / 2 to 0.1 over 2 epochs of 4 steps: 0.075 after the first epoch
        np.testing.assert_allclose(a["lr"], [0.075, 0.1, 0.1], rtol=1e-6)
        assert a["loss"][-1] < a["loss"][0] / 5
    assert result.stdout.count("Epoch 1/3") == 1


def test_synchronized_batchnorm_on_two_ranks_equals_one_process(tmp_path):
    distributed, single = tmp_path / "two", tmp_path / "one"
    distributed.mkdir()
    single.mkdir()
    run_both("synchronized_batchnorm.py", distributed, single)
    with np.load(distributed / "sync0.npz") as a, np.load(distributed / "sync1.npz") as b, \
            np.load(single / "sync0.npz") as one:
        for key in one.files:  # every weight, moving mean and variance included
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
            np.testing.assert_allclose(a[key], one[key], rtol=1e-4, atol=1e-5, err_msg=key)


SHARDED_CONFIGS = ("adamw_mask_global_clipnorm_ema", "sgd_nesterov_clipnorm_accumulation",
                   "nadam_clipvalue_constraint", "adam_amsgrad", "adamax",
                   "rmsprop_centered_momentum", "adagrad", "adadelta", "ftrl_l1_l2", "lion",
                   "schedule_free_adamw_warmup", "custom_steps")
REPLICATED_CONFIGS = ("lamb_replicated", "adafactor_replicated", "muon_replicated")


EXCHANGES = {"NodeExchange": "1", "CollectiveExchange": "0"}  # MINIKERAS_MPI_SHARED_MEMORY


@pytest.fixture(scope="module")
def sharded_single(tmp_path_factory):
    """The folder of the sharded_update.py script run alone (one process: no exchange)."""
    single = tmp_path_factory.mktemp("sharded_single")
    run_single("sharded_update.py", str(single), "single")
    return single


@pytest.fixture(scope="module", params=list(EXCHANGES))
def sharded_run(tmp_path_factory, request, sharded_single):
    """The sharded_update.py script on 2 ranks with one exchange, and alone."""
    distributed = tmp_path_factory.mktemp("sharded")
    result = run("sharded_update.py", str(distributed), "distributed",
                 env={"MINIKERAS_MPI_SHARED_MEMORY": EXCHANGES[request.param]})
    assert result.returncode == 0, result.stderr
    return distributed, sharded_single, request.param


def _config(folder, name, rank):
    with np.load(folder / f"{name}_rank{rank}.npz") as f:
        arrays = {k: f[k] for k in f.files}
    return arrays, json.loads((folder / f"{name}_history{rank}.json").read_text())


@pytest.mark.parametrize("name", SHARDED_CONFIGS + REPLICATED_CONFIGS)
def test_sharded_and_replicated_updates_train_like_one_process(sharded_run, name):
    distributed, single, exchange = sharded_run
    (rank0, logs0), (rank1, logs1) = _config(distributed, name, 0), _config(distributed, name, 1)
    one, logs_one = _config(single, name, 0)
    assert bool(rank0["sharded"]) == (name in SHARDED_CONFIGS)  # the rule: elementwise or not
    if name in SHARDED_CONFIGS:
        assert str(rank0["exchange"]) == exchange
    for key in ("weights", "optimizer"):  # optimizer: every slot and EMA average, gathered
        np.testing.assert_array_equal(rank0[key], rank1[key], err_msg=key)
        np.testing.assert_allclose(rank0[key], one[key], rtol=1e-5, atol=1e-6, err_msg=key)
    assert logs0 == logs1
    for part in ("history", "evaluation"):  # custom_steps: its own logs, over both ranks
        assert logs0[part].keys() == logs_one[part].keys()
        for key, value in logs_one[part].items():
            np.testing.assert_allclose(logs0[part][key], value, rtol=1e-5, err_msg=key)


def test_each_rank_keeps_its_own_weights_after_a_sharded_fit(sharded_run):
    distributed = sharded_run[0]
    with np.load(distributed / "private_rank0.npz") as a, \
            np.load(distributed / "private_rank1.npz") as b:
        assert bool(a["untouched"])  # rank 1 zeroed its weights after the first fit
        np.testing.assert_array_equal(a["weights"], b["weights"])  # equal after the second
        assert np.abs(a["weights"]).sum() > 0


def test_a_checkpoint_saved_mid_epoch_holds_the_whole_sharded_optimizer_state(sharded_run):
    distributed, single, _ = sharded_run
    name = "adamw_mask_global_clipnorm_ema.keras"  # saved every 5 batches: mid-epoch 2
    two = keras.saving.load_model(distributed / name).optimizer.variables
    one = keras.saving.load_model(single / name).optimizer.variables
    assert int(two[0].numpy()) == int(one[0].numpy()) == 10  # the iteration saved
    for a, b in zip(two, one):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6, err_msg=a.path)
