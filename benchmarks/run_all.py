"""Run every benchmark and print a Markdown table: workload, minikeras, PyTorch, ratio, target, met?

    python benchmarks/run_all.py                 # as the environment is
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/run_all.py
    python benchmarks/run_all.py --quick         # fewer repeats, smaller data (smoke run)
    python benchmarks/run_all.py --json out.json # also keep the raw numbers

Ratio is always minikeras / PyTorch. Each workload runs in this process (memory in fresh
subprocesses, import time in fresh interpreters); a workload that fails is reported as an
error row and the rest still run. See benchmarks/README.md for the method behind each number.
"""
import argparse
import json
import os
import platform
import sys
import time
import traceback

import common
from common import blas_info, environment, fmt


def _safe(label, fn, errors):
    try:
        return fn()
    except Exception:  # report and go on: the framework under test may be incomplete
        errors[label] = traceback.format_exc(limit=6)
        return None


def _row(rows, workload, mk, pt, target=None, higher_is_better=True, unit=""):
    ratio = None if (mk is None or pt in (None, 0)) else mk / pt
    met = ""
    if target is not None and ratio is not None:
        met = "yes" if (ratio >= target if higher_is_better else ratio <= target) else "NO"
        target = f"{'≥' if higher_is_better else '≤'} {target:.2f}x"
    rows.append((workload, fmt(mk) + unit, fmt(pt) + unit, "n/a" if ratio is None else
                 f"{ratio:.2f}x", target or "—", met or "—"))


def _load():
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def _pct(value):
    return None if value is None else 100.0 * value


def build_table(results):
    rows = []
    mlp = results.get("mlp")
    if mlp:
        _row(rows, "1. MLP fit, batch 128 (samples/s)", mlp["fit_sps"]["minikeras"],
             mlp["fit_sps"]["torch"], 1.3)
        _row(rows, "1. MLP predict, batch 1024 (samples/s)", mlp["predict_sps"]["minikeras"],
             mlp["predict_sps"]["torch"], 1.0)
        mem = mlp.get("memory")
        if mem:
            _row(rows, "1. MLP fit peak memory above baseline (MiB)",
                 mem["minikeras"]["fit_peak_mib"], mem["torch"]["fit_peak_mib"], 1.0,
                 higher_is_better=False)
    over = results.get("overhead")
    if over:
        _row(rows, "2. 9x Dense(32)+Dense(10) fit, batch 32 (samples/s)",
             over["fit_sps"]["minikeras"], over["fit_sps"]["torch"], 3.0)
        _row(rows, "2. overhead per layer per step (µs)", over["per_layer_us"]["minikeras"],
             over["per_layer_us"]["torch"], None)
        _row(rows, "2. step time, 0 hidden layers (µs)", over["step_us"]["0"]["minikeras"],
             over["step_us"]["0"]["torch"], None)
    imp = results.get("import_time")
    if imp:
        mk = imp["minikeras"]["median_s"]
        pt = imp.get("torch", {}).get("median_s")
        met = "yes" if mk <= 0.25 else "NO"
        rows.append(("3. `python -c \"import minikeras\"` wall (s) [PyTorch col: import torch]",
                     f"{mk:.3f}", "n/a" if pt is None else f"{pt:.3f}",
                     "n/a" if pt is None else f"{mk / pt:.2f}x", "≤ 0.25 s", met))
        fu = imp.get("minikeras_first_use", {}).get("median_s")
        if fu is not None:
            rows.append(("3. same + first use (Sequential, Input, Dense, Adam, loss, metrics) (s)",
                         f"{fu:.3f}", "n/a" if pt is None else f"{pt:.3f}",
                         "n/a" if pt is None else f"{fu / pt:.2f}x", "≤ 0.25 s",
                         "yes" if fu <= 0.25 else "NO"))
        rows.append(("3. reference: `import numpy` [PyTorch col: `-c pass`] wall (s)",
                     f"{imp['numpy']['median_s']:.3f}", f"{imp['pass']['median_s']:.3f}",
                     "—", "—", "—"))
    for key, label in (("breakdown", "MLP"), ("breakdown_cnn", "CNN")):
        brk = results.get(key)
        if brk:
            for phase in ("optimizer", "forward", "loss", "backward", "metrics", "other"):
                _row(rows, f"4. share of {label} fit time: {phase} (%)",
                     _pct(brk["minikeras"][phase]), _pct(brk["torch"][phase]), None)
    return rows


def render(results, errors, args):
    lines = ["## minikeras vs PyTorch", ""]
    env = environment()
    lines.append(f"- date: {time.strftime('%Y-%m-%d %H:%M')}; python {platform.python_version()}; "
                 f"numpy {results.get('versions', {}).get('numpy')}; torch "
                 f"{results.get('versions', {}).get('torch')}; cpus: {os.cpu_count()}; "
                 f"threads: {common.THREADS}")
    lines.append("- environment: " + ", ".join(f"{k}={v}" for k, v in env.items()))
    lines.append(f"- BLAS pools: {results.get('blas', 'n/a')}")
    lines.append(f"- load average at start / end: {results.get('load_start')} / "
                 f"{results.get('load_end')}; CPU busy (other processes) just before each "
                 f"workload: {results.get('busy_before', {})}")
    lines.append(f"- repeats: {args.repeats} timed (median) after {args.warmup} warm-up")
    lines.append("")
    lines.append("| workload | minikeras | PyTorch | ratio (mk/pt) | target | met? |")
    lines.append("|---|---:|---:|---:|---|---|")
    for row in build_table(results):
        lines.append("| " + " | ".join(row) + " |")
    for label, tb in errors.items():
        lines.append(f"| {label} | error | | | | NO |")
    lines.append("")
    best = []
    mlp = results.get("mlp")
    if mlp:
        for key, label, n in (("fit_times", "MLP fit", mlp["samples"]),
                              ("predict_times", "MLP predict", mlp["samples"] * 4)):
            t = mlp.get(key, {})
            if "minikeras" in t and "torch" in t:
                mk, pt = n / min(t["minikeras"]), n / min(t["torch"])
                best.append(f"{label} {mk:,.0f} vs {pt:,.0f} ({mk / pt:.2f}x)")
    over = results.get("overhead")
    if over and over.get("fit_times"):
        t = over["fit_times"]
        mk, pt = over["samples"] / min(t["minikeras"]), over["samples"] / min(t["torch"])
        best.append(f"overhead fit {mk:,.0f} vs {pt:,.0f} ({mk / pt:.2f}x), per layer "
                    f"{over['best_per_layer_us']['minikeras']:.0f} vs "
                    f"{over['best_per_layer_us']['torch']:.0f} µs")
    if best:
        lines.append("- best of the timed repeats (min time; less sensitive to neighbours), "
                     "samples/s minikeras vs PyTorch: " + "; ".join(best))
    if mlp:
        if "torch_fused_adam" in mlp["fit_sps"]:
            f = mlp["fit_sps"]["torch_fused_adam"]
            lines.append(f"- reference: PyTorch MLP fit with `Adam(fused=True)`: {f:,.0f} "
                         f"samples/s (minikeras / that = {mlp['fit_sps']['minikeras'] / f:.2f}x)")
        lines.append(f"- sanity (MLP, same initial weights): first-epoch loss minikeras "
                     f"{mlp['check']['minikeras_first_epoch_loss']:.4f}, PyTorch "
                     f"{mlp['check']['torch_first_epoch_loss']:.4f} (dropout masks differ)")
        if mlp.get("memory"):
            m = mlp["memory"]
            lines.append(f"- memory baselines after import + data (MiB): minikeras "
                         f"{m['minikeras']['baseline_mib']:.0f}, PyTorch "
                         f"{m['torch']['baseline_mib']:.0f}; whole-process peak: minikeras "
                         f"{m['minikeras']['peak_mib']:.0f}, PyTorch {m['torch']['peak_mib']:.0f}"
                         f" (exact peak reset: {m['minikeras']['exact_reset']})")
    over = results.get("overhead")
    if over:
        s = over["step_us"]
        lines.append(f"- overhead model step time (µs), 9 hidden: minikeras "
                     f"{s['9']['minikeras']:.0f}, PyTorch {s['9']['torch']:.0f}; 0 hidden: "
                     f"minikeras {s['0']['minikeras']:.0f}, PyTorch {s['0']['torch']:.0f}")
        if "torch_1thread" in s["9"]:
            lines.append(f"- reference: PyTorch with 1 thread on the overhead model: "
                         f"{over['fit_sps']['torch_1thread']:,.0f} samples/s (minikeras / that = "
                         f"{over['fit_sps']['minikeras'] / over['fit_sps']['torch_1thread']:.2f}x)"
                         f"; per layer per step {over['per_layer_us']['torch_1thread']:.0f} µs; "
                         f"step 9 hidden {s['9']['torch_1thread']:.0f} µs, 0 hidden "
                         f"{s['0']['torch_1thread']:.0f} µs")
        c = over["check"]["depth9_first_epoch_loss"]
        lines.append(f"- sanity (overhead model, same weights, no dropout): first-epoch loss "
                     f"minikeras {c['minikeras']:.5f}, PyTorch {c['torch']:.5f}")
    imp = results.get("import_time")
    if imp and imp.get("importtime"):
        top = imp["importtime"]["top_self"][:8]
        lines.append(f"- `-X importtime` of the first-use statement: "
                     f"{imp['importtime']['total_self_us'] / 1000:.0f} ms in modules the bare "
                     "interpreter does not load; slowest (self µs): " + ", ".join(
            f"{t['module']} {t['self_us']}" for t in top))
    for label, tb in errors.items():
        lines.append(f"\n<details><summary>{label} failed</summary>\n\n```\n{tb}```\n</details>")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--quick", action="store_true",
                        help="2 repeats, smaller data: checks the harness, not the numbers")
    parser.add_argument("--only", nargs="*", default=None,
                        choices=("mlp", "overhead", "import_time", "breakdown"))
    parser.add_argument("--no-wait", action="store_true",
                        help="do not wait for other processes to leave the CPUs idle first")
    parser.add_argument("--max-wait", type=float, default=300.0,
                        help="longest wait (s) for a quiet machine before each workload")
    parser.add_argument("--json", help="also write the raw results to this file")
    parser.add_argument("--out", help="also write the Markdown report to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats = 2
    if args.no_wait:
        common.QUIET_GATE = False
    mlp_samples, over_samples = (2048, 1024) if args.quick else (10240, 4096)
    only = set(args.only or ("mlp", "overhead", "import_time", "breakdown"))

    import numpy
    results, errors = {"versions": {"numpy": numpy.__version__}}, {}
    results["load_start"] = _load()
    try:
        torch = common.import_torch()
        results["versions"]["torch"] = torch.__version__
    except ImportError:
        results["versions"]["torch"] = None
    busy = results["busy_before"] = {}

    def quiet(label):
        if not args.no_wait:
            value = common.wait_for_quiet(max_wait=args.max_wait)
            busy[label] = None if value is None else f"{100 * value:.0f}%"

    if "mlp" in only:
        quiet("mlp")
        import mlp
        results["mlp"] = _safe("mlp", lambda: mlp.run(args.repeats, args.warmup, mlp_samples),
                               errors)
    results["blas"] = blas_info()
    if "overhead" in only:
        quiet("overhead")
        import overhead
        results["overhead"] = _safe("overhead", lambda: overhead.run(
            args.repeats, args.warmup, over_samples), errors)
    if "import_time" in only:
        quiet("import_time")
        import import_time
        results["import_time"] = _safe("import_time", lambda: import_time.run(
            3 if args.quick else 7), errors)
    if "breakdown" in only:
        quiet("breakdown")
        import breakdown
        results["breakdown"] = _safe("breakdown", lambda: breakdown.run(
            2 if args.quick else 3, mlp_samples, "mlp"), errors)
        results["breakdown_cnn"] = _safe("breakdown_cnn", lambda: breakdown.run(
            2 if args.quick else 3, 512 if args.quick else None, "cnn"), errors)
    results["environment"] = environment()
    results["load_end"] = _load()
    report = render(results, errors, args)
    print(report)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "errors": errors}, f, indent=1, default=str)
    if args.out:
        with open(args.out, "w") as f:
            f.write(report + "\n")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
