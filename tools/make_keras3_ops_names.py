"""Run once with real Keras 3 (jax backend) to add the ops, random and tree families to
tools/keras3_names.json (the public names of each namespace: dir(), no leading underscore,
modules left out).

    KERAS_BACKEND=jax /work/scratch-keras/bin/python tools/make_keras3_ops_names.py
"""
import json
import pathlib
import types

import keras

NAMES_FILE = pathlib.Path(__file__).resolve().parent / "keras3_names.json"
FAMILIES = {"ops": keras.ops, "ops.nn": keras.ops.nn, "ops.linalg": keras.ops.linalg,
            "ops.numpy": keras.ops.numpy, "ops.image": keras.ops.image,
            "random": keras.random, "tree": keras.tree}


def public_names(module):
    return sorted(name for name in dir(module) if not name.startswith("_")
                  and not isinstance(getattr(module, name), types.ModuleType))


def add_families(families, note):
    """Write the public names of each ``{family: module}`` into keras3_names.json, and
    ``note`` (how they were made) into its made_with field."""
    data = json.loads(NAMES_FILE.read_text(encoding="utf-8"))
    for family, module in families.items():
        data["families"][family] = public_names(module)
    data["made_with"] += " " + note
    NAMES_FILE.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print({family: len(names) for family, names in data["families"].items()})


if __name__ == "__main__":
    add_families(FAMILIES, "The ops, ops.nn, ops.linalg, ops.numpy, ops.image, random and "
                           "tree families: tools/make_keras3_ops_names.py (jax backend), "
                           "modules left out.")
