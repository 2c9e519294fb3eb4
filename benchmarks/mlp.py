"""Workload 1: MLP 784-512-Dropout(0.2)-512-10, Adam(1e-3), categorical crossentropy.

Measures, with minikeras and plain eager PyTorch side by side in one process (same data,
same initial weights, same batch order, shuffle off, float32, 2 threads each):

* fit throughput (samples/s) at batch 128, one epoch per timed call;
* predict throughput (samples/s) at batch 1024 (4 passes over the data per timed sample);
* peak memory of fit, each framework in its own fresh subprocess
  (``python benchmarks/mlp.py --memory-child minikeras|torch``).

Run alone:  python benchmarks/mlp.py [--repeats 5] [--samples 10240]
"""
import argparse
import json
import sys

import common  # noqa: F401  (sets thread limits before numpy loads)
from common import (TorchTrainer, classification_data, glorot_dense_weights, import_torch,
                    interleaved_median, keras_dense_stack, limit_threads, reset_peak_rss,
                    rss_status, run_child, torch_dense_stack)

FEATURES, HIDDEN, CLASSES, DROPOUT = 784, (512, 512), 10, 0.2
BATCH, PREDICT_BATCH, PREDICT_PASSES = 128, 1024, 4


def build_pair(x, y):
    """Both models with identical initial weights; returns (keras_model, TorchTrainer)."""
    import minikeras as keras
    torch = import_torch()
    weights = glorot_dense_weights((FEATURES,) + HIDDEN + (CLASSES,))
    kmodel = keras_dense_stack(keras, FEATURES, HIDDEN, CLASSES, DROPOUT, weights)
    tmodel, topt = torch_dense_stack(torch, FEATURES, HIDDEN, CLASSES, DROPOUT, weights)
    return kmodel, TorchTrainer(torch, tmodel, topt, x, y, BATCH)


def torch_fused_trainer(x, y):
    """Reference only: the same PyTorch model with ``Adam(fused=True)`` (a faster, non-default
    CPU kernel). The target rows compare against the default Adam a plain script gets."""
    torch = import_torch()
    weights = glorot_dense_weights((FEATURES,) + HIDDEN + (CLASSES,))
    tmodel, _ = torch_dense_stack(torch, FEATURES, HIDDEN, CLASSES, DROPOUT, weights)
    try:
        topt = torch.optim.Adam(tmodel.parameters(), lr=1e-3, eps=1e-7, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return None
    return TorchTrainer(torch, tmodel, topt, x, y, BATCH)


def run(repeats=5, warmup=1, samples=10240, memory=True):
    x, y = classification_data(samples, FEATURES, CLASSES)
    kmodel, trainer = build_pair(x, y)
    fused = torch_fused_trainer(x, y)
    limit_threads()

    # Sanity: one untimed epoch each from the same weights; losses should be close
    # (dropout masks differ, so not identical).
    k_hist = kmodel.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
    t_logs = trainer.fit_epoch()
    check = {"minikeras_first_epoch_loss": float(k_hist.history["loss"][-1]),
             "torch_first_epoch_loss": t_logs["loss"]}

    fit_fns = {
        "minikeras": lambda: kmodel.fit(x, y, batch_size=BATCH, epochs=1, verbose=0,
                                        shuffle=False),
        "torch": trainer.fit_epoch,
    }
    if fused is not None:
        fit_fns["torch_fused_adam"] = fused.fit_epoch
    fit = interleaved_median(fit_fns, repeats=repeats, warmup=warmup)
    def passes(fn):  # one predict pass is short (~0.1 s): time PREDICT_PASSES per sample
        def run_passes():
            for _ in range(PREDICT_PASSES):
                fn()
        return run_passes
    pred = interleaved_median({
        "minikeras": passes(lambda: kmodel.predict(x, batch_size=PREDICT_BATCH, verbose=0)),
        "torch": passes(lambda: trainer.predict(x, PREDICT_BATCH)),
    }, repeats=repeats, warmup=warmup)
    k_pred = kmodel.predict(x[:PREDICT_BATCH], batch_size=PREDICT_BATCH, verbose=0)
    check["predict_rows_sum_to_1"] = bool(abs(float(k_pred.sum(axis=1).mean()) - 1) < 1e-4)

    result = {
        "samples": samples,
        "fit_sps": {k: samples / v[0] for k, v in fit.items()},
        "fit_times": {k: v[1] for k, v in fit.items()},
        "predict_sps": {k: samples * PREDICT_PASSES / v[0] for k, v in pred.items()},
        "predict_times": {k: v[1] for k, v in pred.items()},
        "check": check,
    }
    if memory:
        result["memory"] = {fw: run_child(["benchmarks/mlp.py", "--memory-child", fw,
                                           "--samples", str(samples)])
                            for fw in ("minikeras", "torch")}
    return result


def memory_child(framework, samples, epochs=2):
    """Peak RSS growth during build + compile + fit, measured in a fresh process.

    Baseline = RSS after importing the framework and creating the data; the kernel's
    peak-RSS counter is then reset (/proc/self/clear_refs), so the peak seen afterwards
    belongs to building and fitting alone. Only the one framework is imported.
    """
    x, y = classification_data(samples, FEATURES, CLASSES)
    weights = glorot_dense_weights((FEATURES,) + HIDDEN + (CLASSES,))
    if framework == "minikeras":
        import minikeras as keras
        limit_threads()
        baseline, _ = rss_status()
        exact = reset_peak_rss()
        if not exact:
            _, baseline = rss_status()
        model = keras_dense_stack(keras, FEATURES, HIDDEN, CLASSES, DROPOUT, weights)
        model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0, shuffle=False)
    else:
        torch = import_torch()
        baseline, _ = rss_status()
        exact = reset_peak_rss()
        if not exact:
            _, baseline = rss_status()
        model, opt = torch_dense_stack(torch, FEATURES, HIDDEN, CLASSES, DROPOUT, weights)
        trainer = TorchTrainer(torch, model, opt, x, y, BATCH)
        for _ in range(epochs):
            trainer.fit_epoch()
    _, peak = rss_status()
    print(json.dumps({"framework": framework, "baseline_mib": baseline, "peak_mib": peak,
                      "fit_peak_mib": peak - baseline, "exact_reset": exact}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--samples", type=int, default=10240)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--memory-child", choices=("minikeras", "torch"))
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child, args.samples)
        return
    result = run(args.repeats, args.warmup, args.samples, memory=not args.no_memory)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    sys.exit(main())
