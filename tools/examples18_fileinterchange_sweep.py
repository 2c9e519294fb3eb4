"""Sweep file interchange with Keras 3.15 both ways over the compiled models of
tests/fixtures/examples18_fileinterchange_cases.py:

    KERAS_BACKEND=torch nice -n 19 /work/scratch-tf/bin/python \
        tools/examples18_fileinterchange_sweep.py
        [--only name,name] [--keep DIR]

1. Keras (torch) builds each model, trains two steps and saves ``.keras``, ``.weights.h5``
   and the legacy ``.h5``; it loads each of its own files and records the predictions,
   ``get_config()`` and one more training step (logs and weights): the reference.
2. minikeras (a separate process, /work/venv/bin/python) loads Keras's files the same way
   and compares; it saves the three formats from the model it loaded from Keras's
   ``.keras`` and compares each file's layout (zip entries, config.json, metadata.json,
   HDF5 groups, datasets and attributes) with Keras's file.
3. Keras loads minikeras's files, on torch and on jax, and compares with its own files
   loaded on the same backend (with the torch reference where Keras on jax cannot load
   its own file: a difference there may be the backends').

This is a tool, not a test: it needs the scratch Keras and writes under /tmp.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
import examples18_fileinterchange_cases as cases  # noqa: E402

KERAS_PYTHON = "/work/scratch-keras/bin/python"  # with jax
KERAS_TF_PYTHON = "/work/scratch-tf/bin/python"  # Keras's Hashing and adapt need tensorflow
MINIKERAS_PYTHON = "/work/venv/bin/python"
EXTS = (".keras", ".weights.h5", ".h5")


def save_tree(path, tree):
    """A nested dict / list of arrays as an npz with one key per leaf path."""
    flat = {}

    def walk(value, key):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{key}/d:{k}")
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                walk(v, f"{key}/l:{i}")
        else:
            flat[key or "/a"] = np.asarray(value)
    walk(tree, "")
    np.savez(path, **flat)


def load_tree(path):
    data = np.load(path)
    if list(data.files) == ["/a"]:
        return data["/a"]
    root = {}
    for key in data.files:
        parts = key.strip("/").split("/")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = data[key]

    def build(node):
        if not isinstance(node, dict):
            return node
        if all(k.startswith("l:") for k in node):
            return [build(node[f"l:{i}"]) for i in range(len(node))]
        return {k[2:]: build(v) for k, v in node.items()}
    return build(root)


def close(mine, theirs, rtol=1e-4, atol=1e-5):
    """None when two plain-data trees of numbers agree, else the first difference."""
    if isinstance(theirs, dict):
        if not isinstance(mine, dict) or sorted(mine) != sorted(theirs):
            return f"keys {sorted(mine) if isinstance(mine, dict) else type(mine)} vs " \
                   f"{sorted(theirs)}"
        for k in theirs:
            bad = close(mine[k], theirs[k], rtol, atol)
            if bad:
                return f"[{k}] {bad}"
        return None
    if isinstance(theirs, list) and theirs and isinstance(theirs[0], (list, dict)) \
            and np.asarray(theirs, dtype=object).dtype == object:
        if not isinstance(mine, list) or len(mine) != len(theirs):
            return f"{len(mine) if isinstance(mine, list) else type(mine)} items vs {len(theirs)}"
        for i, (a, b) in enumerate(zip(mine, theirs)):
            bad = close(a, b, rtol, atol)
            if bad:
                return f"[{i}] {bad}"
        return None
    a, b = np.asarray(mine, dtype=float), np.asarray(theirs, dtype=float)
    if a.shape != b.shape:
        return f"shape {a.shape} vs {b.shape}"
    if not np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True):
        return f"max diff {np.max(np.abs(a - b)):.3g}"
    return None


def weights_model(keras, name, path):
    """The builder's model, its optimizer built, with ``path``'s weights loaded."""
    keras.utils.set_random_seed(0)
    model, _, _ = cases.BUILDERS[name](keras)
    model.optimizer.build(model.trainable_variables)
    model.load_weights(path)
    return model


def load(keras, name, path):
    if path.endswith(".weights.h5"):
        return weights_model(keras, name, path)
    # Keras 3.15 cannot compile from its own legacy .h5 (metrics by name, Lamb, ...)
    return keras.saving.load_model(path, compile=not path.endswith(".h5"))


def trains(name, path):
    """Whether a loaded file is trained a step: not a legacy .h5 (loaded uncompiled)."""
    legacy = path.endswith(".h5") and not path.endswith(".weights.h5")
    return name not in cases.INFERENCE_ONLY and not legacy


def run_loaded(keras, name, path, x, y):
    """What a loaded file gives: predictions, get_config and one training step."""
    model = load(keras, name, path)
    config = json.loads(json.dumps(model.get_config(), default=str))
    out = {"predict": cases.predicted(model, x), "config": config}
    if trains(name, path):
        out["step"] = cases.step(model, x, y)
    return out


def short(exc):
    return f"{type(exc).__name__}: {exc}".replace("\n", " ")[:200]


# ---------------------------------------------------------------- Keras, phase 1

def keras_phase1(work, names):
    import keras
    cases.custom_objects(keras)
    index = {}
    for name in names:
        entry = index[name] = {"results": {}}
        try:
            model, x, y = cases.trained(keras, name)
        except Exception as exc:
            entry["results"]["keras builds"] = "keras error: " + short(exc)
            continue
        save_tree(os.path.join(work, name + ".x.npz"), x)
        save_tree(os.path.join(work, name + ".y.npz"), y)
        for ext in EXTS:
            path = os.path.join(work, "k_" + name + ext)
            try:
                (model.save_weights if ext == ".weights.h5" else model.save)(path)
                entry[ext] = run_loaded(keras, name, path, x, y)
            except Exception as exc:
                entry["results"][f"keras own {ext}"] = "keras error: " + short(exc)
        # the layouts to match: Keras's files of its model loaded from its .keras in a
        # fresh session, as minikeras's files will be written
        keras.backend.clear_session()
        loaded = keras.saving.load_model(os.path.join(work, "k_" + name + ".keras"))
        for ext in EXTS:
            path = os.path.join(work, "kk_" + name + ext)
            try:
                (loaded.save_weights if ext == ".weights.h5" else loaded.save)(path)
            except ValueError as exc:  # Keras cannot write it: no layout to match
                entry["results"][f"keras saves loaded {ext}"] = "keras error: " + short(exc)
                continue
            entry["layout" + ext] = cases.layout(path)
    return index


# ---------------------------------------------------------------- minikeras, phase 2

def compare_run(mine, theirs, compare_config=True):
    out = {}
    out["predict"] = close(mine["predict"], theirs["predict"])
    if "step" in theirs:
        out["step logs"] = close(mine["step"]["logs"], theirs["step"]["logs"])
        out["step weights"] = close(mine["step"]["weights"], theirs["step"]["weights"])
    if compare_config:  # not for a .weights.h5: the builder's layer names are the session's
        diff = cases.differences(mine["config"], theirs["config"])
        out["get_config"] = "; ".join(diff) or None
    return {k: v for k, v in out.items() if v}


def minikeras_phase2(work):
    sys.path.insert(0, ROOT)
    import minikeras as mk
    cases.custom_objects(mk)
    with open(os.path.join(work, "index.json")) as f:
        index = json.load(f)
    for name, entry in index.items():
        res = entry["results"]
        if "keras builds" in res:
            continue
        x = load_tree(os.path.join(work, name + ".x.npz"))
        y = load_tree(os.path.join(work, name + ".y.npz"))
        for ext in EXTS:
            if ext not in entry:
                continue
            try:
                got = run_loaded(mk, name, os.path.join(work, "k_" + name + ext), x, y)
                res[f"minikeras loads {ext}"] = compare_run(
                    got, entry[ext], ext != ".weights.h5") or None
            except Exception as exc:
                res[f"minikeras loads {ext}"] = short(exc)
        try:
            mk.backend.clear_session()
            model = mk.saving.load_model(os.path.join(work, "k_" + name + ".keras"))
        except Exception as exc:
            res["minikeras saves"] = "cannot load: " + short(exc)
            continue
        for ext in EXTS:
            path = os.path.join(work, "m_" + name + ext)
            try:
                (model.save_weights if ext == ".weights.h5" else model.save)(path)
            except Exception as exc:
                res[f"minikeras saves {ext}"] = short(exc)
                continue
            if "layout" + ext in entry:
                diff = cases.differences(cases.layout(path), entry["layout" + ext])
                res[f"layout {ext}"] = "; ".join(diff) or None
    with open(os.path.join(work, "index.json"), "w") as f:
        json.dump(index, f)


# ---------------------------------------------------------------- Keras, phase 3

def keras_phase3(work):
    import keras
    cases.custom_objects(keras)
    backend = keras.backend.backend()
    with open(os.path.join(work, "index.json")) as f:
        index = json.load(f)
    for name, entry in index.items():
        if "keras builds" in entry["results"]:
            continue
        x = load_tree(os.path.join(work, name + ".x.npz"))
        y = load_tree(os.path.join(work, name + ".y.npz"))
        for ext in EXTS:
            mine_path = os.path.join(work, "m_" + name + ext)
            if not os.path.exists(mine_path) or ext not in entry:
                continue
            key = f"keras {backend} loads minikeras {ext}"
            try:
                own = run_loaded(keras, name, os.path.join(work, "k_" + name + ext), x, y)
            except Exception as exc:  # compared with Keras's torch run instead
                entry["results"][f"keras {backend} loads keras {ext}"] = \
                    "keras error: " + short(exc)
                own = entry[ext]
            try:
                got = run_loaded(keras, name, mine_path, x, y)
                entry["results"][key] = compare_run(got, own, ext != ".weights.h5") or None
            except Exception as exc:
                entry["results"][key] = short(exc)
    with open(os.path.join(work, "index.json"), "w") as f:
        json.dump(index, f)


# documented (docs/porting.md, docs/saving.md): minikeras records its version beside
# Keras's, and names its backend
DOCUMENTED = ("minikeras_version: only minikeras", "backend: minikeras numpy keras torch")


def print_table(index):
    failing = 0
    for name, entry in index.items():
        bad = {}
        for k, v in entry["results"].items():
            if isinstance(v, str) and k.startswith("layout"):
                v = "; ".join(d for d in v.split("; ") if not d.endswith(DOCUMENTED))
            if v:
                bad[k] = v
        failing += bool(bad)
        print(f"\n== {name}: {'pass' if not bad else ''}")
        for k, v in bad.items():
            print(f"   [{k}] {v if isinstance(v, str) else json.dumps(v)[:600]}")
    print(f"\n{len(index)} models, {len(index) - failing} with every step passing")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="")
    parser.add_argument("--keep", default="")
    parser.add_argument("--phase", default="", help=argparse.SUPPRESS)
    parser.add_argument("--work", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "minikeras":
        return minikeras_phase2(args.work)
    if args.phase == "keras3":
        return keras_phase3(args.work)
    names = [n for n in args.only.split(",") if n] or list(cases.BUILDERS)
    work = args.keep or tempfile.mkdtemp(prefix="fileinterchange_")
    os.makedirs(work, exist_ok=True)
    os.environ["KERAS_BACKEND"] = "torch"
    index = keras_phase1(work, names)
    with open(os.path.join(work, "index.json"), "w") as f:
        json.dump(index, f)
    me = os.path.abspath(__file__)
    steps = [([MINIKERAS_PYTHON, me, "--phase", "minikeras", "--work", work], {}),
             ([KERAS_TF_PYTHON, me, "--phase", "keras3", "--work", work],
              {"KERAS_BACKEND": "torch"}),
             ([KERAS_PYTHON, me, "--phase", "keras3", "--work", work], {"KERAS_BACKEND": "jax"})]
    for command, env in steps:
        done = subprocess.run(command, cwd=ROOT, env={**os.environ, **env,
                                                      "PYTHONPATH": ROOT})
        if done.returncode:
            sys.exit(f"{command[3]} phase failed")
    with open(os.path.join(work, "index.json")) as f:
        print_table(json.load(f))
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
