"""What the script-fixture writers share (tools/make_examples*_fixture.py, run once under
real Keras 3 with the torch backend): running a cases module's ``CASES``, each in a scratch
folder of its own, and writing the record as JSON; torch's autograd stands in for
``tf.GradientTape`` where a case takes gradients (``minikeras.autodiff.grad`` in the tests).

A writer's command line: no argument writes tests/fixtures/<its JSON>; a path writes there
instead (to compare a run by hand), and further arguments name the cases to run.
"""
import json
import os
import subprocess
import sys
import tempfile

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)  # the cases modules, which import their siblings by name


def recorded(cases, keras, *arguments, names=(), folder=True):
    """{case name: what ``fn(keras, scratch folder, *arguments)`` returned} for each case of
    ``cases.CASES`` (those in ``names`` when given); without ``folder``, ``fn(keras,
    *arguments)``."""
    out = {}
    for name, fn in cases.CASES.items():
        if names and name not in names:
            continue
        if not folder:
            out[name] = fn(keras, *arguments)
            continue
        with tempfile.TemporaryDirectory() as scratch:
            out[name] = fn(keras, scratch, *arguments)
    return out


def write(json_name, record):
    """Write ``record(names)`` (the case names given after the path) as JSON to the path on
    the command line, else to tests/fixtures/``json_name``."""
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(FIXTURES, json_name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record(sys.argv[2:]), f, sort_keys=True, indent=0)
    print("wrote", path)


ONE_BACKEND = "--one-backend"  # a child's flag: record this interpreter's backend only


def on_each_backend(script, names, backends=("jax", "torch")):
    """{backend: record} of the fixture writer ``script`` run once per backend, each in a
    fresh interpreter with KERAS_BACKEND set (``script --one-backend PATH names...`` writes
    that backend's record of the named cases to PATH; see ``main_of_each_backend``)."""
    out = {}
    with tempfile.TemporaryDirectory() as scratch:
        for backend in backends:
            path = os.path.join(scratch, f"{backend}.json")
            subprocess.run([sys.executable, os.path.abspath(script), ONE_BACKEND, path,
                            *names], check=True, env=dict(os.environ, KERAS_BACKEND=backend))
            with open(path, encoding="utf-8") as f:
                out[backend] = json.load(f)
    return out


def main_of_each_backend(script, json_name, one_backend):
    """A two-backend writer's command line: as a child (``--one-backend PATH names...``),
    ``one_backend(PATH, names)``; else the record of every backend written to
    ``json_name`` (see ``write``)."""
    if len(sys.argv) > 2 and sys.argv[1] == ONE_BACKEND:
        one_backend(sys.argv[2], sys.argv[3:])
    else:
        write(json_name, lambda names: on_each_backend(script, names))


def torch_grad(target, sources, create_graph=False, retain_graph=None):
    """The gradients of ``target`` (summed, as tf.GradientTape sums a tensor target) for
    ``sources``: Keras variables, watched tensors or tensors computed on the way; None for
    one the target does not reach. ``create_graph``: they record, for a gradient of a
    gradient (a tape inside a tape); ``retain_graph``: the forward pass stays for a second
    gradient (two tapes over one pass)."""
    import torch
    tensors = [getattr(s, "value", s) for s in sources]
    return list(torch.autograd.grad(target.sum(), tensors, allow_unused=True,
                                    create_graph=create_graph, retain_graph=retain_graph))


def torch_watch(array):
    """``array`` as a leaf tensor autograd tracks (tf.GradientTape.watch's role)."""
    import torch
    return torch.tensor(array, requires_grad=True)
