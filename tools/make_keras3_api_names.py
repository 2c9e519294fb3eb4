"""Add Keras 3's top-level names and its config, saving and backend namespaces to
tools/keras3_names.json (families "keras", "config", "saving", "backend"): the public names
of ``keras`` (classes and functions, not submodules) and of ``keras.config``,
``keras.saving`` and ``keras.backend``, each dir() without leading underscores.

Run once, outside the project's environment:
    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_keras3_api_names.py
"""
import inspect
import json
import os

import keras

PATH = os.path.join(os.path.dirname(__file__), "keras3_names.json")


def public(module, modules_too=True):
    return [n for n in dir(module) if not n.startswith("_")
            and (modules_too or not inspect.ismodule(getattr(module, n)))]


with open(PATH, encoding="utf-8") as f:
    data = json.load(f)
data["families"]["keras"] = public(keras, modules_too=False)
for family in ("config", "saving", "backend"):
    data["families"][family] = public(getattr(keras, family))
data["made_with"] += (" The keras (top-level classes and functions), config, saving and "
                      "backend families: tools/make_keras3_api_names.py.")
with open(PATH, "w", encoding="utf-8") as f:
    json.dump(data, f, indent=1)
    f.write("\n")
