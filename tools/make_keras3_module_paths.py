"""Add Keras 3's importable module paths to tools/keras3_names.json (key "modules"): every
package of the installed ``keras`` except its private ``keras.src`` and ``keras._tf_keras``
trees, e.g. "keras.applications.resnet50", "keras.ops.nn".

Run once, outside the project's environment:
    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_keras3_module_paths.py
"""
import json
import os

import keras

PATH = os.path.join(os.path.dirname(__file__), "keras3_names.json")


def module_paths(package):
    root = os.path.dirname(package.__file__)
    for folder, subfolders, files in os.walk(root):
        relative = os.path.relpath(folder, root)
        parts = [] if relative == "." else relative.split(os.sep)
        if parts and parts[0] in ("src", "_tf_keras"):
            subfolders.clear()
            continue
        if "__init__.py" in files:
            yield ".".join([package.__name__] + parts)


with open(PATH, encoding="utf-8") as f:
    data = json.load(f)
data["modules"] = sorted(module_paths(keras))
data["made_with"] += " The module paths: tools/make_keras3_module_paths.py."
with open(PATH, "w", encoding="utf-8") as f:
    json.dump(data, f, indent=1)
    f.write("\n")
