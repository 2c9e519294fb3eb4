"""Shared harness: thread limits, timing, data, process memory, and torch/minikeras helpers.

Import this module FIRST in every benchmark script: it sets the BLAS thread count before
numpy is imported (OpenBLAS sizes its thread pool when it loads) and then pins it again at
run time with threadpoolctl when that is installed. Nothing here touches OPENBLAS_CORETYPE
or OPENBLAS_L2_SIZE: the benchmarks report numbers for the environment they run in.
"""
import os
import sys

THREADS = int(os.environ.get("MINIKERAS_BENCH_THREADS", "2"))
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(THREADS))
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
os.environ.setdefault("MKL_NUM_THREADS", str(THREADS))

import gc  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

_LIMITER = None


def limit_threads(threads=THREADS):
    """Pin every loaded BLAS/OpenMP pool to ``threads`` (call again after importing torch)."""
    global _LIMITER
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # the environment variables set above still apply
        return None
    _LIMITER = threadpool_limits(limits=threads)
    return _LIMITER


def import_torch(threads=THREADS):
    """Import torch with ``threads`` intra-op threads and one inter-op thread."""
    import torch
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set by an earlier import in this process
        pass
    limit_threads(threads)
    return torch


def blas_info():
    """A short description of the BLAS libraries loaded in this process and their threads."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    parts = []
    for pool in threadpool_info():
        parts.append(f"{pool.get('internal_api')}:{pool.get('num_threads')}"
                     f"({pool.get('architecture') or pool.get('version') or ''})")
    return ", ".join(parts)


def environment():
    """The settings that change BLAS speed, for the report header."""
    keys = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
    return {k: os.environ.get(k, "<unset>") for k in keys}


# ---- a quiet machine -------------------------------------------------------------------------
def _cpu_times():
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return idle, sum(fields[:8])


def cpu_busy(interval=1.0):
    """Fraction of all CPUs busy over ``interval`` seconds (from /proc/stat), or None."""
    try:
        idle0, total0 = _cpu_times()
        time.sleep(interval)
        idle1, total1 = _cpu_times()
    except (OSError, ValueError, IndexError):
        return None
    return 1.0 - (idle1 - idle0) / max(total1 - total0, 1)


def wait_for_quiet(threshold=0.15, max_wait=300.0, window=2.0):
    """Wait (up to ``max_wait`` s) until other processes use < ``threshold`` of the CPUs.

    With 2 threads on a small machine, a busy neighbour preempts one worker and every
    parallel region then waits for it (OpenMP barriers), which can slow PyTorch 10-50x and
    numpy's BLAS less; timing then measures the neighbour, not the framework. Returns the
    busy fraction seen last (so the report can state it).
    """
    deadline = time.time() + max_wait
    busy = cpu_busy(window)
    while busy is not None and busy > threshold and time.time() < deadline:
        busy = cpu_busy(window)
    return busy


# ---- timing ----------------------------------------------------------------------------------
def median_time(fn, repeats=5, warmup=1):
    """Median wall time of ``fn()`` over ``repeats`` calls after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        if QUIET_GATE:
            wait_for_quiet(max_wait=60.0, window=0.5)
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


QUIET_GATE = os.environ.get("MINIKERAS_BENCH_NO_WAIT") != "1"


def interleaved_median(fns, repeats=5, warmup=1):
    """Time several callables alternately (A B A B ...) so drift hits each one equally.

    Before each round, wait (up to 60 s) for other processes to leave the CPUs idle, unless
    MINIKERAS_BENCH_NO_WAIT=1. ``fns`` maps a label to a zero-argument callable; returns
    ``{label: (median, times)}``.
    """
    times = _interleaved_times(fns, repeats, warmup, time.perf_counter, QUIET_GATE)
    return {label: (statistics.median(t), t) for label, t in times.items()}


def interleaved_best_cpu(fns, repeats=5, warmup=1):
    """Like ``interleaved_median``, but each callable's least CPU time of the running thread
    (``time.thread_time``): with 1 BLAS thread, a loaded machine's preemption does not count.
    Returns ``{label: (least, times)}``."""
    times = _interleaved_times(fns, repeats, warmup, time.thread_time, False)
    return {label: (min(t), t) for label, t in times.items()}


def _interleaved_times(fns, repeats, warmup, clock, quiet_gate):
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times = {label: [] for label in fns}
    for _ in range(repeats):
        if quiet_gate:
            wait_for_quiet(max_wait=60.0, window=0.5)
        for label, fn in fns.items():
            gc.collect()
            start = clock()
            fn()
            times[label].append(clock() - start)
    return times


# ---- data ------------------------------------------------------------------------------------
def classification_data(n, features, classes, seed=0):
    """Random float32 inputs and float32 one-hot labels (identical for both frameworks)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features), dtype=np.float32)
    labels = rng.integers(0, classes, size=n)
    y = np.zeros((n, classes), dtype=np.float32)
    y[np.arange(n), labels] = 1.0
    return x, y


def glorot_dense_weights(sizes, seed=1):
    """Glorot-uniform kernels (in, out) and zero biases for a stack of Dense sizes."""
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        weights.append(rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32))
        weights.append(np.zeros(fan_out, dtype=np.float32))
    return weights


# ---- memory ----------------------------------------------------------------------------------
def rss_status():
    """(current RSS, peak RSS) of this process in MiB, from /proc/self/status."""
    values = {}
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    key, rest = line.split(":")
                    values[key] = int(rest.split()[0]) / 1024.0
    except OSError:
        import resource
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        return peak, peak
    return values["VmRSS"], values["VmHWM"]


def reset_peak_rss():
    """Reset the kernel's peak-RSS counter to the current RSS (Linux >= 4.0). True if it worked."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def run_child(args, timeout=900):
    """Run ``python <args>`` in a fresh process (same environment) and parse its last JSON line."""
    proc = subprocess.run([sys.executable] + list(args), capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"child {' '.join(args)} failed ({proc.returncode}):\n"
                           f"{proc.stderr[-3000:]}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1])


# ---- model builders --------------------------------------------------------------------------
def keras_dense_stack(keras, input_dim, hidden, classes, dropout=None, weights=None):
    """Input -> Dense(h, relu) [-> Dropout after the first] ... -> Dense(classes, softmax)."""
    layers = [keras.Input((input_dim,))]
    for i, units in enumerate(hidden):
        layers.append(keras.layers.Dense(units, activation="relu"))
        if dropout and i == 0:
            layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(classes, activation="softmax"))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    if weights is not None:
        model.set_weights(weights)
    return model


def torch_dense_stack(torch, input_dim, hidden, classes, dropout=None, weights=None):
    """The same stack in plain PyTorch; the model returns logits (softmax lives in the loss)."""
    nn = torch.nn
    modules, fan_in = [], input_dim
    for i, units in enumerate(hidden):
        modules += [nn.Linear(fan_in, units), nn.ReLU()]
        if dropout and i == 0:
            modules.append(nn.Dropout(dropout))
        fan_in = units
    modules.append(nn.Linear(fan_in, classes))
    model = nn.Sequential(*modules)
    if weights is not None:
        linears = [m for m in model if isinstance(m, nn.Linear)]
        with torch.no_grad():
            for layer, kernel, bias in zip(linears, weights[0::2], weights[1::2]):
                layer.weight.copy_(torch.from_numpy(kernel.T.copy()))
                layer.bias.copy_(torch.from_numpy(bias))
    # Keras's Adam defaults: beta_1=0.9, beta_2=0.999, epsilon=1e-7.
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    return model, optimizer


def keras_mnist_convnet(keras):
    """Keras's mnist_convnet: Conv2D(32,3)-MaxPool-Conv2D(64,3)-MaxPool-Flatten-Dropout(0.5)-
    Dense(10, softmax) on 28x28x1 inputs, Adam, categorical crossentropy, accuracy."""
    layers = keras.layers
    model = keras.Sequential([
        keras.Input((28, 28, 1)), layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2), layers.Flatten(),
        layers.Dropout(0.5), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def torch_mnist_convnet(torch, keras_weights):
    """The same convnet in PyTorch, on NHWC inputs, starting from ``keras_weights``
    (Keras's conv kernels are (kh, kw, in, out), PyTorch's (out, in, kh, kw))."""
    nn = torch.nn

    class Permute(nn.Module):
        def __init__(self, *order):
            super().__init__()
            self.order = order

        def forward(self, x):
            return x.permute(*self.order)

    model = nn.Sequential(
        Permute(0, 3, 1, 2), nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        Permute(0, 2, 3, 1), nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10))
    k1, b1, k2, b2, w3, b3 = keras_weights
    with torch.no_grad():
        for layer, kernel, bias in ((model[1], k1, b1), (model[4], k2, b2)):
            layer.weight.copy_(torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy()))
            layer.bias.copy_(torch.from_numpy(bias))
        model[10].weight.copy_(torch.from_numpy(w3.T.copy()))
        model[10].bias.copy_(torch.from_numpy(b3))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    return model, optimizer


class TorchTrainer:
    """What ``model.fit`` does per step, written the way a PyTorch user would, in eager mode.

    Per batch: forward, cross-entropy on one-hot targets (from logits, as Keras trains a
    softmax output), backward, Adam step, and Keras's running metrics (mean loss and
    categorical accuracy = argmax(y_true) == argmax(y_pred), averaged over the epoch).
    """

    def __init__(self, torch, model, optimizer, x, y, batch_size):
        self.torch, self.model, self.optimizer = torch, model, optimizer
        self.x, self.y = torch.from_numpy(x), torch.from_numpy(y)  # zero-copy views
        self.batch_size = batch_size
        self.phase_times = None  # set by fit_epoch(instrument=True)

    def fit_epoch(self, instrument=False):
        torch, model, opt = self.torch, self.model, self.optimizer
        F = torch.nn.functional
        model.train()
        n, bs = len(self.x), self.batch_size
        loss_sum, correct, seen = 0.0, 0, 0
        clock = time.perf_counter
        phases = {"forward": 0.0, "loss": 0.0, "backward": 0.0, "optimizer": 0.0,
                  "metrics": 0.0}
        for start in range(0, n, bs):
            xb, yb = self.x[start:start + bs], self.y[start:start + bs]
            if instrument:
                t0 = clock()
            logits = model(xb)
            if instrument:
                t1 = clock()
            loss = F.cross_entropy(logits, yb)
            if instrument:
                t2 = clock()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if instrument:
                t3 = clock()
            opt.step()
            if instrument:
                t4 = clock()
            with torch.no_grad():
                rows = len(xb)
                loss_sum += loss.item() * rows
                correct += int((logits.argmax(1) == yb.argmax(1)).sum())
                seen += rows
            if instrument:
                t5 = clock()
                phases["forward"] += t1 - t0
                phases["loss"] += t2 - t1
                phases["backward"] += t3 - t2
                phases["optimizer"] += t4 - t3
                phases["metrics"] += t5 - t4
        if instrument:
            self.phase_times = phases
        return {"loss": loss_sum / seen, "accuracy": correct / seen}

    def predict(self, x, batch_size):
        torch, model = self.torch, self.model
        model.eval()
        xt = torch.from_numpy(x)
        outs = []
        with torch.inference_mode():
            for start in range(0, len(xt), batch_size):
                outs.append(torch.softmax(model(xt[start:start + batch_size]), dim=1))
        return torch.cat(outs).numpy()


def fmt(value, digits=3):
    if value is None:
        return "n/a"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.{digits}g}"
    return str(value)


def side_by_side(kmodel, torch_model, x, y, batch, predict_batch, repeats=3, warmup=1,
                 timer=interleaved_median, check_rows=64):
    """``fit_predict_throughput`` of a minikeras model against the PyTorch network
    ``torch_model(torch, kmodel)`` returns (model, optimizer) for, with the largest
    difference of their first predictions on ``check_rows`` samples (the same network)."""
    torch = import_torch()
    tmodel, topt = torch_model(torch, kmodel)
    trainer = TorchTrainer(torch, tmodel, topt, x, y, batch)
    limit_threads()
    same = np.abs(kmodel.predict(x[:check_rows], verbose=0) -
                  trainer.predict(x[:check_rows], check_rows)).max()
    return {"initial_predictions_max_abs_diff": float(same),
            **fit_predict_throughput(kmodel, trainer, x, y, batch, predict_batch, repeats,
                                     warmup, timer)}


def fit_predict_throughput(kmodel, trainer, x, y, batch, predict_batch, repeats=3, warmup=1,
                           timer=interleaved_median):
    """Samples/s of one epoch of ``fit`` and of ``predict`` over ``x``, minikeras against a
    TorchTrainer (interleaved medians, or another ``timer`` such as
    ``interleaved_best_cpu``), and the minikeras / PyTorch ratios."""
    fit = timer({
        "minikeras": lambda: kmodel.fit(x, y, batch_size=batch, epochs=1, verbose=0,
                                        shuffle=False),
        "torch": trainer.fit_epoch}, repeats=repeats, warmup=warmup)
    pred = timer({
        "minikeras": lambda: kmodel.predict(x, batch_size=predict_batch, verbose=0),
        "torch": lambda: trainer.predict(x, predict_batch)}, repeats=repeats, warmup=warmup)
    fit_sps = {k: len(x) / v[0] for k, v in fit.items()}
    pred_sps = {k: len(x) / v[0] for k, v in pred.items()}
    return {"fit_sps": fit_sps, "fit_ratio": fit_sps["minikeras"] / fit_sps["torch"],
            "predict_sps": pred_sps,
            "predict_ratio": pred_sps["minikeras"] / pred_sps["torch"]}
