"""Every name keras.layers exports (Keras 3.15.1: tools/keras3_names.json) exists in
minikeras.layers or is listed, with its reason, in docs/porting.md; and nothing listed there
exists here."""
import json
import os
import re

from minikeras import layers

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def _listed_as_missing():
    with open(os.path.join(ROOT, "docs", "porting.md"), encoding="utf-8") as f:
        text = f.read()
    section = text.split("### Keras 3 layers that minikeras does not have", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`(\w+)`", row.split("|")[1])}


def test_every_keras_layer_exists_or_is_listed_with_a_reason():
    with open(os.path.join(ROOT, "tools", "keras3_names.json")) as f:
        keras_layers = set(json.load(f)["families"]["layers"])
    ours = {name for name in keras_layers if hasattr(layers, name)}
    listed = _listed_as_missing()
    assert sorted(keras_layers - ours - listed) == []      # missing and not explained
    assert sorted(listed & ours) == []                     # explained but present: update docs
    assert sorted(listed - keras_layers) == []             # not a Keras layer at all
