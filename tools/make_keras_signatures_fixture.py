"""Write tests/fixtures/keras_signatures.json: for every public callable of Keras 3's
namespaces (classes by their constructor) and the Model / Layer methods scripts call, the
names of the parameters that can be given by position, in order, and every parameter name
it takes; also every public method (and ``__call__``) of the classes scripts call or subclass. tests/compat/test_keras_signatures.py checks minikeras against it.

Run once, outside the project's environment:
    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_keras_signatures_fixture.py
"""
import importlib
import inspect
import json
import os

import keras

PATH = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures",
                    "keras_signatures.json")
NAMESPACES = ("", "layers", "losses", "optimizers", "optimizers.schedules", "metrics",
              "activations", "callbacks", "utils", "ops", "ops.nn", "ops.numpy", "ops.linalg",
              "ops.image", "random", "initializers", "regularizers", "constraints", "models",
              "saving", "preprocessing", "preprocessing.image", "preprocessing.sequence",
              "applications", "backend", "config", "tree", "quantizers", "dtype_policies",
              "visualization", "mixed_precision", "distribution", "wrappers")
# classes whose public methods scripts call or override
CLASSES = ("Model", "Sequential", "layers.Layer", "optimizers.Optimizer", "metrics.Metric",
           "losses.Loss", "callbacks.Callback", "callbacks.CallbackList", "utils.Progbar",
           "utils.PyDataset", "Variable", "random.SeedGenerator",
           "optimizers.schedules.LearningRateSchedule", "initializers.Initializer",
           "regularizers.Regularizer", "constraints.Constraint")
POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
NAMED = POSITIONAL + (inspect.Parameter.KEYWORD_ONLY,)


def parameters(obj):
    """(positional names, all names) of a function, or of a class's constructor."""
    try:
        params = list(inspect.signature(obj.__init__ if inspect.isclass(obj) else obj)
                      .parameters.values())
    except (TypeError, ValueError):
        return None
    params = [p for p in params if p.name != "self"]
    return {"positional": [p.name for p in params if p.kind in POSITIONAL],
            "names": sorted(p.name for p in params if p.kind in NAMED)}


def _defined_by_keras(cls, method):
    """Whether ``method`` comes from Keras itself (not torch's nn.Module, which the torch
    backend mixes into Keras's layers)."""
    owner = next(k for k in cls.__mro__ if method in vars(k))
    return owner.__module__.startswith("keras")


def main():
    found = {}
    for namespace in NAMESPACES:
        module = importlib.import_module("keras" + ("." + namespace if namespace else ""))
        for name in dir(module):
            obj = getattr(module, name)
            if name.startswith("_") or inspect.ismodule(obj) or not callable(obj):
                continue
            described = parameters(obj)
            if described is not None:
                found[f"{namespace}.{name}" if namespace else name] = described
    for owner in CLASSES:
        cls = keras
        for part in owner.split("."):
            cls = getattr(cls, part)
        for method in dir(cls):
            function = getattr(cls, method)
            if method.startswith("_") and method != "__call__" or not callable(function) \
                    or inspect.isclass(function) or method in dir(object) and \
                    method != "__call__" or not _defined_by_keras(cls, method):
                continue
            described = parameters(function)
            if described is not None:
                found[f"{owner}.{method}"] = described
    with open(PATH, "w", encoding="utf-8") as f:
        json.dump({"keras_version": keras.__version__, "callables": found}, f, indent=0,
                  sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
