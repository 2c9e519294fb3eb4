"""Writes tests/fixtures/keras_distillation.json (and keras_distiller.keras) from real Keras
3.15 (run once, outside the project's environment):

    COLUMNS=80 KERAS_BACKEND=torch /work/scratch-keras/bin/python \
        tools/make_distillation_fixture.py

The runs are in tests/fixtures/distillation_cases.py; the tests run them with minikeras.
keras_distiller.keras is the trained Distiller of the "logits_and_features" case, saved by
Keras (its predictions are the case's "predict").
"""
import json
import os
import sys

os.environ["COLUMNS"] = "80"  # the width of the summaries
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import distillation_cases as cases  # noqa: E402


def main():
    keras.utils.set_random_seed(0)
    out = {"keras_version": keras.__version__, "cases": {}, "summaries": {}}
    for name in cases.CASES:
        out["cases"][name], distiller = cases.run_case(keras, name)
        out["summaries"][name] = cases.summary_text(distiller)
        if name == "logits_and_features":
            distiller.save(os.path.join(FIXTURES, "keras_distiller.keras"))
    out["validation_run"] = cases.validation_run(keras)
    with open(os.path.join(FIXTURES, "keras_distillation.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
