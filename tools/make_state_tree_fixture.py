"""Run once with real Keras 3 (torch backend): the layout (nesting, shapes, dtypes) of Keras
3.15's ``Model.get_state_tree()`` for the model in tests/fixtures/state_tree_cases.py.

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_state_tree_fixture.py

Writes tests/fixtures/keras_state_tree.json, which tests/models/test_state_tree.py compares
with minikeras (it never imports Keras).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import state_tree_cases as cases  # noqa: E402


def main():
    tree = cases.fitted_model(keras).get_state_tree()
    with open(os.path.join(FIXTURES, "keras_state_tree.json"), "w", encoding="utf-8") as f:
        json.dump({"keras_version": keras.__version__, "layout": cases.layout(tree)}, f,
                  indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
