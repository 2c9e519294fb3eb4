"""Run once with real Keras 3 (torch backend): what Keras prints, records and writes for the
Keras recipes and developer-guide scripts of round 9 (tests/fixtures/examples9_recipes_cases.py;
sklearn_metric_callback needs scikit-learn installed beside Keras).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples9_recipes_fixture.py

Writes tests/fixtures/keras_examples9_recipes.json, which
tests/compat/test_script_fidelity_examples9_recipes.py compares with minikeras (it never
imports Keras). With a path argument the record goes there instead (to compare a run by hand).
"""
from case_recording import recorded, write

import keras  # noqa: E402
import examples9_recipes_cases as cases  # noqa: E402

if __name__ == "__main__":
    write("keras_examples9_recipes.json", lambda names: recorded(cases, keras, names=names))
