"""Run once with real Keras 3 to add the quantizers and dtype_policies families to
tools/keras3_names.json (the public names of each namespace: dir(), no leading underscore,
modules left out).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_keras3_quantization_names.py
"""
import json
import pathlib
import types

import keras

NAMES_FILE = pathlib.Path(__file__).resolve().parent / "keras3_names.json"
FAMILIES = {"quantizers": keras.quantizers, "dtype_policies": keras.dtype_policies}


def public_names(module):
    return sorted(name for name in dir(module) if not name.startswith("_")
                  and not isinstance(getattr(module, name), types.ModuleType))


data = json.loads(NAMES_FILE.read_text(encoding="utf-8"))
for family, module in FAMILIES.items():
    data["families"][family] = public_names(module)
data["made_with"] += (" The quantizers and dtype_policies families: "
                      "tools/make_keras3_quantization_names.py (torch backend), modules "
                      "left out.")
NAMES_FILE.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
print({family: len(names) for family, names in data["families"].items()})
