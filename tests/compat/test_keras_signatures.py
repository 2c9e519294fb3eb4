"""Arguments by position and by name as Keras 3.15.1 takes them
(tests/fixtures/keras_signatures.json, written by tools/make_keras_signatures_fixture.py):
for every public callable both have, minikeras's positional parameters carry Keras's names
in Keras's order (``LSTM(64, "relu")`` sets the activation), and every parameter name Keras
takes is a name minikeras takes (unless minikeras passes ``**kwargs`` on)."""
import functools
import importlib
import inspect
import json
import os


import minikeras

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "keras_signatures.json")

# Where minikeras's positional order departs on purpose, and why.
DIFFERENT_ORDER = {
    "optimizers.Muon": "Keras lists the base optimizer's options (clipnorm, ...) before "
                       "Muon's own; minikeras takes those by name only",
    **{f"{owner}.compute_mask": "the mask argument is named `mask` here: subclasses "
                                "override compute_mask(inputs, mask=None), as Keras's guides do"
       for owner in ("layers.Layer", "Model", "Sequential")},
    "KerasTensor": "made by keras.Input and layer calls, not by scripts; Keras's "
                   "record_history is internal to its tracing",
    "Variable": "Keras's `layout` places a variable on a device mesh (JAX distribution), "
                "which minikeras does not have",
}
POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def ours(qualified):
    """minikeras's object for a Keras name ("layers.Dense", "Model.fit"), or None: the
    attribute path from the package, importing a submodule only where no attribute is
    (``losses.hinge`` is the function, not the module of that name)."""
    obj, path = minikeras, "minikeras"
    for part in qualified.split("."):
        path += "." + part
        if hasattr(obj, part):
            obj = getattr(obj, part)
            continue
        try:
            obj = importlib.import_module(path)
        except ImportError:
            return None
    return obj


def signature(obj):
    target = obj.__init__ if inspect.isclass(obj) else obj
    return list(inspect.signature(target).parameters.values())


# Read and resolved at first use, not at collection (resolving imports every subpackage).
@functools.lru_cache(maxsize=None)
def keras_callables():
    """Keras's callables from the fixture: {name: {"positional": [...], "names": [...]}}."""
    with open(FIXTURE, encoding="utf-8") as f:
        return json.load(f)["callables"]


@functools.lru_cache(maxsize=None)
def cases():
    """The Keras names with a signature in the fixture that minikeras has, sorted."""
    keras = keras_callables()
    return sorted(name for name in keras if keras[name] and ours(name) is not None)


def compared():
    """(name, minikeras's parameters) of every case not listed in DIFFERENT_ORDER."""
    return [(name, [p for p in signature(ours(name)) if p.name != "self"])
            for name in cases() if name not in DIFFERENT_ORDER]


def test_most_keras_callables_are_compared():
    assert len(cases()) > 1000


def test_positional_parameters_have_keras_names_in_keras_order():
    wrong = []
    for name, params in compared():
        if any(p.kind is p.VAR_POSITIONAL for p in params):
            continue
        mine = [p.name for p in params if p.kind in POSITIONAL]
        theirs = keras_callables()[name]["positional"]
        shared = min(len(mine), len(theirs))
        if mine[:shared] != theirs[:shared]:
            wrong.append((name, mine[:shared], theirs[:shared]))
    assert wrong == []


def test_every_keras_parameter_name_is_taken():
    missing = []
    for name, params in compared():
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            absent = sorted(set(keras_callables()[name]["names"]) - {p.name for p in params})
            if absent:
                missing.append((name, absent))
    assert missing == []


def test_the_listed_differences_are_keras_callables():
    assert set(DIFFERENT_ORDER) <= set(keras_callables())
