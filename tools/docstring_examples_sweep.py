"""Run the examples in Keras 3's own API docstrings under Keras and under minikeras.

A developer tool (not a test): it reads the docstrings of public names in a Keras
source checkout (a git mirror, read with `git show` at a tag, so nothing is copied into
this repository), runs every example block once under real Keras and once under
minikeras, and lists where the two differ: outcome (runs or raises), and for each value
an example produces, its shape, dtype and numbers (to float32 round-off).

    python tools/docstring_examples_sweep.py \
        --keras-repo /work/.mirror/keras-team+keras/repo --tag v3.15.1 \
        --keras-python /work/scratch-keras/bin/python --out /tmp/docsweep

The three steps can also be run one by one (`extract`, `run`, `compare`); `run` is
executed by the interpreter of the side it runs (Keras needs its own install;
minikeras runs from this checkout).

What an example block is: all the `>>>` examples of one docstring, in order, in one
namespace; or one fenced ```python block of an `Example:` section. Each top-level
statement runs in turn; the value of every expression statement is recorded, and so
are the array values left in the namespace at the end. Keras runs each block twice
with two seeds: a value that differs between those runs is random, and only its
shape and dtype are compared. Blocks that need TensorFlow, JAX or tf.data are skipped
and counted, and so are blocks Keras itself cannot run here (a fragment using names it
never defines, invalid Python, a data-set download, a layer that needs TensorFlow). Two
sides that raise the same error at the same statement count as matching. The examples
run in the output folder (some save model files there).
"""

import argparse
import ast
import contextlib
import doctest
import io
import json
import os
import re
import signal
import subprocess
import sys

import numpy as np

# Keras source files (and folders) whose public docstrings are swept.
SOURCES = (
    "keras/src/ops/numpy.py",
    "keras/src/ops/math.py",
    "keras/src/ops/nn.py",
    "keras/src/ops/core.py",
    "keras/src/ops/linalg.py",
    "keras/src/ops/image.py",
    "keras/src/layers/core/",
    "keras/src/layers/merging/",
    "keras/src/layers/reshaping/",
    "keras/src/layers/pooling/",
    "keras/src/layers/normalization/",
    "keras/src/layers/activations/",
    "keras/src/layers/preprocessing/",
    "keras/src/losses/",
    "keras/src/metrics/",
    "keras/src/activations/",
    "keras/src/initializers/",
    "keras/src/layers/convolutional/",
    "keras/src/layers/rnn/",
    "keras/src/layers/attention/",
    "keras/src/layers/regularization/",
    "keras/src/optimizers/",
    "keras/src/callbacks/",
    "keras/src/models/",
    "keras/src/saving/",
    "keras/src/utils/",
    "keras/src/random/",
    "keras/src/backend/common/",
    "keras/src/regularizers/",
    "keras/src/constraints/",
    "keras/src/trainers/",
)

# A block that mentions one of these needs a backend or library minikeras does not
# replace; it is skipped (and counted) with the reason given.
SKIP_MARKERS = (
    (re.compile(r"\btf\.data\b|\.map\(|Dataset\b"), "needs tf.data"),
    (re.compile(r"\btf\.|import tensorflow"), "needs TensorFlow"),
    (re.compile(r"\bjax\b|\bjnp\b"), "needs JAX"),
    (re.compile(r"\btorch\b"), "needs PyTorch tensors"),
)

# A block on which Keras itself raises one of these is not an example Keras can run
# here: the layer needs TensorFlow, the docstring has a typo, the snippet is a fragment
# that uses names it never defines, or it downloads a data set (no network here).
KERAS_CANNOT_RUN = {
    "ImportError": "Keras needs TensorFlow for it",
    "SyntaxError": "the Keras docstring is not valid Python",
    "NameError": "a fragment: it uses names it does not define",
}
DOWNLOAD_FAILURE = "URL fetch failure"


def _why_keras_cannot_run(step):
    if DOWNLOAD_FAILURE in step.get("message", ""):
        return "it downloads a data set"
    return KERAS_CANNOT_RUN.get(step["raised"])


FENCE = re.compile(r"```python\n(.*?)```", re.S)
MAX_VALUES = 4096
RTOL = 1e-5
ATOL = 1e-5  # float32 round-off of results near 0 (pinv(a) @ a)


# ----------------------------------------------------------------------- extraction


def _git(repo, *args):
    return subprocess.run(
        ["git", "-C", repo, *args], check=True, capture_output=True, text=True
    ).stdout


def _source_files(repo, tag, sources):
    names = _git(repo, "ls-tree", "-r", "--name-only", tag, "keras/src/").split()
    for name in names:
        if not name.endswith(".py") or name.endswith("_test.py"):
            continue
        if any(
            name == s or (s.endswith("/") and name.startswith(s)) for s in sources
        ):
            yield name


def _public_docstrings(tree):
    """(qualified name, docstring) of public top-level functions and classes, and of
    the public methods of public classes."""
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            continue
        if node.name.startswith("_"):
            continue
        doc = ast.get_docstring(node, clean=True)
        if doc:
            yield node.name, doc
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and not item.name.startswith("_"):
                    doc = ast.get_docstring(item, clean=True)
                    if doc:
                        yield f"{node.name}.{item.name}", doc


def _blocks_of(doc):
    """The example blocks of one docstring: its doctest examples (one block) and each
    fenced python block."""
    examples = doctest.DocTestParser().get_examples(doc)
    if examples:
        yield [e.source for e in examples], [e.want.strip() for e in examples]
    for fenced in FENCE.findall(doc):
        if ">>>" not in fenced:
            yield [fenced], [None]


def extract(repo, tag, sources=SOURCES):
    blocks = []
    for path in _source_files(repo, tag, sources):
        tree = ast.parse(_git(repo, "show", f"{tag}:{path}"))
        for name, doc in _public_docstrings(tree):
            for i, (snippets, wants) in enumerate(_blocks_of(doc)):
                code = "\n".join(snippets)
                skip = next((why for pat, why in SKIP_MARKERS if pat.search(code)), None)
                blocks.append(
                    {
                        "id": f"{path}:{name}#{i}",
                        "snippets": snippets,
                        "wants": wants,
                        "skip": skip,
                    }
                )
    return blocks


# -------------------------------------------------------------------------- running


class _Alias:
    """Meta-path finder and loader that answer `import keras...` with the already
    imported `minikeras...` module (no second execution of its code)."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "keras" and not fullname.startswith("keras."):
            return None
        import importlib.util

        # Docstrings sometimes import Keras's private `keras.src` tree.
        target = "mini" + fullname.replace("keras.src", "keras", 1)
        if importlib.util.find_spec(target) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        import importlib

        return importlib.import_module("mini" + spec.name.replace("keras.src", "keras", 1))

    def exec_module(self, module):
        pass


def _keras_module(side):
    if side == "minikeras":
        import minikeras

        sys.modules["keras"] = minikeras
        sys.meta_path.insert(0, _Alias())
    import keras

    return keras


def _to_numpy(keras, value):
    if isinstance(value, np.ndarray):
        return value
    return np.asarray(keras.ops.convert_to_numpy(value))


def describe(keras, value, depth=0):
    """A JSON-able record of a value: kind, and for arrays shape, dtype and numbers."""
    if value is None or isinstance(value, (bool, str)):
        return {"kind": type(value).__name__, "value": value}
    if isinstance(value, (int, float, np.generic)) and not hasattr(value, "shape"):
        return {"kind": "number", "value": float(value)}
    if isinstance(value, (list, tuple)) and depth < 3:
        if value and all(isinstance(v, (int, float, bool)) for v in value):
            return {"kind": "pylist", "value": [float(v) for v in value]}
        return {"kind": "seq", "items": [describe(keras, v, depth + 1) for v in value[:16]]}
    if isinstance(value, dict) and depth < 3:
        return {
            "kind": "dict",
            "items": {str(k): describe(keras, v, depth + 1) for k, v in value.items()},
        }
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        shape = [None if d is None else int(d) for d in value.shape]
        dtype = keras.backend.standardize_dtype(value.dtype)
        record = {"kind": "array", "shape": shape, "dtype": dtype}
        if any(d is None for d in shape) or type(value).__name__ == "KerasTensor":
            record["symbolic"] = True
            return record
        try:
            array = _to_numpy(keras, value)
        except Exception as error:  # noqa: BLE001 - recorded, compared as text
            record["unreadable"] = type(error).__name__
            return record
        flat = array.reshape(-1)[:MAX_VALUES]
        if flat.dtype.kind in "biuf":
            record["values"] = [float(v) for v in flat.astype(np.float64)]
        elif flat.dtype.kind in "SUO":
            record["values"] = [str(v) for v in flat]
        return record
    if isinstance(value, np.dtype) or type(value).__name__ in ("dtype", "DType"):
        return {"kind": "dtype", "value": keras.backend.standardize_dtype(value)}
    return {"kind": "object", "type": type(value).__name__}


def _timeout(signum, frame):
    raise TimeoutError("example block took too long")


def run_block(keras, block, seed):
    keras.utils.set_random_seed(seed)
    namespace = {"keras": keras, "np": np, "ops": keras.ops, "layers": keras.layers}
    steps = []
    signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(60)
    try:
        for snippet, want in zip(block["snippets"], block["wants"]):
            try:
                module = ast.parse(snippet)
            except SyntaxError as error:
                steps.append({"raised": "SyntaxError", "message": str(error)[:200]})
                return steps, {}
            for statement in module.body:
                step = {"source": ast.unparse(statement)[:200]}
                if want:
                    step["want"] = want[:300]
                steps.append(step)
                try:
                    with contextlib.redirect_stdout(io.StringIO()):
                        if isinstance(statement, ast.Expr):
                            code = compile(ast.Expression(statement.value), "<ex>", "eval")
                            value = eval(code, namespace)  # noqa: S307 - dev tool
                            # A doctest line with no output shown claims no value.
                            if want != "":
                                step["value"] = describe(keras, value)
                        else:
                            code = compile(ast.Module([statement], []), "<ex>", "exec")
                            exec(code, namespace)  # noqa: S102 - dev tool runs Keras docs
                except Exception as error:  # noqa: BLE001 - the outcome is the result
                    step["raised"] = type(error).__name__
                    step["message"] = str(error)[:300]
                    return steps, {}
    finally:
        signal.alarm(0)
    final = {}
    for name, value in namespace.items():
        if name.startswith("_") or name in ("keras", "np", "ops", "layers"):
            continue
        if hasattr(value, "shape") and hasattr(value, "dtype"):
            final[name] = describe(keras, value)
    return steps, final


def run(side, blocks_path, out_path, seeds):
    keras = _keras_module(side)
    with open(blocks_path) as f:
        blocks = json.load(f)
    os.chdir(os.path.dirname(os.path.abspath(out_path)))  # files the examples save land here
    results = {}
    for block in blocks:
        if block["skip"]:
            continue
        runs = []
        for seed in seeds:
            steps, final = run_block(keras, block, seed)
            runs.append({"steps": steps, "final": final})
        results[block["id"]] = runs
    with open(out_path, "w") as f:
        json.dump(results, f)


# ------------------------------------------------------------------------ comparing


def _compare_value(ref, ref_other, got, where):
    """Differences between Keras's record `ref` and minikeras's `got`; `ref_other` is
    Keras's record of the same value under another seed (None when not random)."""
    if got is None:
        return [f"{where}: missing in minikeras"]
    if ref["kind"] != got["kind"]:
        if {ref["kind"], got["kind"]} <= {"number", "array"}:
            pass
        else:
            return [f"{where}: kind {ref['kind']} vs {got['kind']}"]
    if ref["kind"] in ("seq",):
        if len(ref["items"]) != len(got["items"]):
            return [f"{where}: length {len(ref['items'])} vs {len(got['items'])}"]
        other = ref_other["items"] if ref_other else [None] * len(ref["items"])
        out = []
        for i, (r, o, g) in enumerate(zip(ref["items"], other, got["items"])):
            out += _compare_value(r, o, g, f"{where}[{i}]")
        return out
    if ref["kind"] == "dict":
        out = []
        for k, r in ref["items"].items():
            o = ref_other["items"].get(k) if ref_other else None
            out += _compare_value(r, o, got["items"].get(k), f"{where}[{k}]")
        return out
    if ref["kind"] == "array" and got["kind"] == "array":
        out = []
        if ref["shape"] != got["shape"]:
            out.append(f"{where}: shape {ref['shape']} vs {got['shape']}")
        if ref["dtype"] != got["dtype"]:
            out.append(f"{where}: dtype {ref['dtype']} vs {got['dtype']}")
        if out or "values" not in ref or "values" not in got:
            return out
        return _compare_numbers(ref["values"], ref_other, got["values"], where)
    if ref["kind"] in ("number", "pylist", "array") and got["kind"] in (
        "number",
        "pylist",
        "array",
    ):
        r = ref.get("values", ref.get("value"))
        g = got.get("values", got.get("value"))
        return _compare_numbers(r, ref_other, g, where)
    if ref["kind"] == "object":
        return [] if ref["type"] == got.get("type") else [
            f"{where}: object {ref['type']} vs {got.get('type')}"
        ]
    return [] if ref == got else [f"{where}: {ref} vs {got}"]


def _compare_numbers(ref, ref_other, got, where):
    if ref is None or got is None:
        return [] if ref == got else [f"{where}: {ref} vs {got}"]
    r = np.atleast_1d(np.asarray(ref))
    g = np.atleast_1d(np.asarray(got))
    if r.shape != g.shape:
        return [f"{where}: {r.size} values vs {g.size}"]
    if r.dtype.kind not in "biuf" or g.dtype.kind not in "biuf":
        return [] if (r == g).all() else [f"{where}: values differ"]
    if ref_other is not None:
        o = ref_other.get("values", ref_other.get("value"))
        if o is not None and not np.array_equal(np.atleast_1d(np.asarray(o)), r, equal_nan=True):
            return []  # random: shape and dtype only
    if np.allclose(r, g, rtol=RTOL, atol=ATOL, equal_nan=True):
        return []
    bad = np.flatnonzero(~np.isclose(r, g, rtol=RTOL, atol=ATOL, equal_nan=True))[0]
    return [f"{where}: value[{bad}] {r[bad]!r} vs {g[bad]!r}"]


def compare_block(ref_runs, got_runs):
    ref, other = ref_runs[0], ref_runs[1] if len(ref_runs) > 1 else None
    got = got_runs[0]
    ref_raise = next((s for s in ref["steps"] if "raised" in s), None)
    got_raise = next((s for s in got["steps"] if "raised" in s), None)
    if ref_raise and _why_keras_cannot_run(ref_raise):
        return None, _why_keras_cannot_run(ref_raise)
    if ref_raise or got_raise:
        if (ref_raise and got_raise and ref_raise.get("source") == got_raise.get("source")
                and ref_raise["raised"] == got_raise["raised"]):
            pass  # both raise the same error at the same statement
        else:
            r = f"{ref_raise['raised']} at `{ref_raise.get('source')}`" if ref_raise else "runs"
            g = (
                f"{got_raise['raised']}: {got_raise.get('message')} at "
                f"`{got_raise.get('source')}`"
                if got_raise
                else "runs"
            )
            return [f"outcome: Keras {r}; minikeras {g}"], None
    out = []
    other_steps = other["steps"] if other else [None] * len(ref["steps"])
    for i, (r, o, g) in enumerate(zip(ref["steps"], other_steps, got["steps"])):
        if "value" in r:
            ov = o.get("value") if o else None
            out += _compare_value(r["value"], ov, g.get("value"), f"`{r['source']}`")
    for name, r in ref["final"].items():
        o = other["final"].get(name) if other else None
        out += _compare_value(r, o, got["final"].get(name), f"final {name}")
    return out, None


def compare(blocks, ref, got):
    report = {"skipped": {}, "matched": [], "diverged": {}}
    for block in blocks:
        if block["skip"]:
            report["skipped"][block["id"]] = block["skip"]
            continue
        diffs, keras_fails = compare_block(ref[block["id"]], got[block["id"]])
        if keras_fails:
            report["skipped"][block["id"]] = keras_fails
        elif diffs:
            report["diverged"][block["id"]] = diffs
        else:
            report["matched"].append(block["id"])
    return report


def _print_report(report):
    print(f"skipped: {len(report['skipped'])}")
    reasons = {}
    for why in report["skipped"].values():
        reasons[why] = reasons.get(why, 0) + 1
    for why, n in sorted(reasons.items()):
        print(f"  {n:4d} {why}")
    ran = len(report["matched"]) + len(report["diverged"])
    print(f"ran: {ran}  matched: {len(report['matched'])}  diverged: {len(report['diverged'])}")
    for block_id, diffs in report["diverged"].items():
        print(f"- {block_id}")
        for d in diffs[:4]:
            print(f"    {d}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", nargs="?", default="all",
                        choices=["all", "extract", "run", "compare"])
    parser.add_argument("--keras-repo", default="/work/.mirror/keras-team+keras/repo")
    parser.add_argument("--tag", default="v3.15.1")
    parser.add_argument("--keras-python", default="/work/scratch-keras/bin/python")
    parser.add_argument("--side", choices=["keras", "minikeras"])
    parser.add_argument("--out", default="/tmp/docsweep")
    parser.add_argument("--sources", nargs="+", default=SOURCES,
                        help="Keras source files or folders (ending in /) to sweep")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    blocks_path = os.path.join(args.out, "blocks.json")
    if args.step in ("all", "extract"):
        with open(blocks_path, "w") as f:
            json.dump(extract(args.keras_repo, args.tag, args.sources), f, indent=1)
    if args.step == "run":
        seeds = (1, 2) if args.side == "keras" else (1,)
        run(args.side, blocks_path, os.path.join(args.out, f"{args.side}.json"), seeds)
    if args.step == "all":
        here = os.path.abspath(__file__)
        root = os.path.dirname(os.path.dirname(here))
        env = dict(os.environ, KERAS_BACKEND="torch")
        for side, python in (("keras", args.keras_python), ("minikeras", sys.executable)):
            subprocess.run(
                [python, here, "run", "--side", side, "--out", args.out],
                check=True, env=dict(env, PYTHONPATH=root if side == "minikeras" else ""),
            )
    if args.step in ("all", "compare"):
        with open(blocks_path) as f:
            blocks = json.load(f)
        with open(os.path.join(args.out, "keras.json")) as f:
            ref = json.load(f)
        with open(os.path.join(args.out, "minikeras.json")) as f:
            got = json.load(f)
        report = compare(blocks, ref, got)
        with open(os.path.join(args.out, "report.json"), "w") as f:
            json.dump(report, f, indent=1)
        _print_report(report)


if __name__ == "__main__":
    main()
