"""Write tests/fixtures/keras_instance_attributes.json: for each object of
tests/fixtures/instance_attributes_cases.py as Keras 3.15 builds it (every layer class
called on a small input, models before and after build / compile / fit, every optimizer,
loss, metric, callback, initializer, regularizer, constraint and schedule class, a History,
variables, symbolic tensors, ...), its public names split into data attributes, properties
and methods, and the values of its attributes and properties that are plain data
(instance_attributes_cases.simple), or the error reading one raises, and the type of those
of a plain Python type (instance_attributes_cases.plain_type: a tuple, not a list).
tests/compat/test_keras_instance_attributes.py checks minikeras against it.

Run once, outside the project's environment:
    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_keras_instance_attributes_fixture.py

What the torch backend adds is left out: names defined by torch.nn.Module (which Keras
mixes into its layers) and the attributes torch.nn.Module.__init__ sets.
"""
import inspect
import json
import os
import sys
import tempfile
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import torch  # noqa: E402

import instance_attributes_cases as cases  # noqa: E402

PATH = os.path.join(FIXTURES, "keras_instance_attributes.json")
# namespaces whose every class becomes a case (besides keras.layers), and the states a
# class's instance is recorded in ("" for as made)
CLASS_NAMESPACES = {"optimizers": ("", "built"), "losses": ("",), "metrics": ("", "updated"),
                    "callbacks": ("",), "initializers": ("",), "regularizers": ("",),
                    "constraints": ("",), "optimizers.schedules": ("",)}
# layer classes left out: they wrap another framework's model, or need TensorFlow under
# Keras (the lookups and hashing layers), or bounding boxes (MaxNumBoundingBoxes)
SKIPPED_LAYERS = {"TorchModuleWrapper", "JaxLayer", "FlaxLayer", "TFSMLayer", "Hashing",
                  "HashedCrossing", "IntegerLookup", "StringLookup", "TextVectorization",
                  "MaxNumBoundingBoxes", "Wrapper"}
TORCH_INSTANCE_NAMES = set(vars(torch.nn.Module()))


def namespace_classes(namespace):
    """The public classes of ``keras.<namespace>`` under their own names (not aliases)."""
    module = keras
    for part in namespace.split("."):
        module = getattr(module, part)
    return [name for name in dir(module) if not name.startswith("_")
            and inspect.isclass(getattr(module, name))
            and getattr(module, name).__name__ == name]


def case_names():
    names = [f"layers.{name}{state}" for name in namespace_classes("layers")
             if issubclass(getattr(keras.layers, name), keras.layers.Layer)
             and name not in SKIPPED_LAYERS for state in ("", " unbuilt")
             if not state or name not in ("InputLayer", "Layer")]  # never called
    for namespace, states in CLASS_NAMESPACES.items():
        for name in namespace_classes(namespace):
            names += [f"{namespace}.{name} {state}".strip() for state in states]
    return names + list(cases.SPECIAL)


def keras_class_names():
    """The names of Keras's public classes (a value of such a class is recorded by name)."""
    names = {"Model", "Sequential", "Variable", "KerasTensor", "InputSpec", "DTypePolicy"}
    for namespace in ("layers", "random", "dtype_policies", *CLASS_NAMESPACES):
        names.update(namespace_classes(namespace))
    return names


def kind_of(obj, name):
    """"property", "method" or "attribute", and whether torch defines the name."""
    owner = next((k for k in type(obj).__mro__ if name in vars(k)), None)
    if owner is None:
        from_torch = isinstance(obj, torch.nn.Module) and name in TORCH_INSTANCE_NAMES
        return "attribute", from_torch
    from_torch = owner.__module__.split(".")[0] == "torch"
    static = vars(owner)[name]
    if isinstance(static, property):
        return "property", from_torch
    if inspect.isfunction(static) or isinstance(static, (classmethod, staticmethod)):
        return "method", from_torch
    return "attribute", from_torch


def describe(obj, keras_classes, folder):
    described = {"values": {}, "types": {}}
    names = dict(attribute=[], property=[], method=[])
    for name in dir(obj):
        if name.startswith("_"):
            continue
        kind, from_torch = kind_of(obj, name)
        if from_torch:
            continue
        names[kind].append(name)
        if kind == "method":
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                raw = getattr(obj, name)
            value = cases.simple(raw, keras_classes, folder)
        except Exception as error:  # noqa: BLE001 - the error type is the recorded value
            raw, value = None, {"raises": type(error).__name__}
        if value is not None:
            described["values"][name] = value
        if cases.plain_type(raw) in ("bool", "int", "float", "tuple", "list"):  # the types
            described["types"][name] = cases.plain_type(raw)  # equal values can hide
    return {**described, **{kind: " ".join(listed) for kind, listed in names.items()}}


def main():
    keras_classes = keras_class_names()
    found, skipped = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        for case in case_names():
            try:
                obj = cases.build(keras, case, folder)
            except Exception as error:  # noqa: BLE001 - a class not made with defaults
                skipped[case] = f"{type(error).__name__}: {error}"[:200]
                continue
            found[case] = describe(obj, keras_classes, folder)
            found[case]["class"] = type(obj).__name__
    for case, why in skipped.items():
        print("skipped", case, why)
    print(len(found), "cases,", sum(len(d[kind].split()) for d in found.values()
                                    for kind in ("attribute", "property", "method")), "names")
    with open(PATH, "w", encoding="utf-8") as f:
        json.dump({"keras_version": keras.__version__, "cases": found}, f, indent=0,
                  sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
