"""Run once with real Keras 3.15 and tensorflow beside it (the lookup and text layers run
on TensorFlow):

    KERAS_BACKEND=torch python tools/make_examples5_tabular_fixture.py

The scripts are in tests/fixtures/examples5_tabular_cases.py; this writes what Keras gives
for each (or the error it raised) to tests/fixtures/keras_examples5_tabular.json, which
tests/compat/test_script_fidelity_examples5_tabular.py compares with minikeras (it never
imports Keras), and the end-to-end text model (cases.text_model) and the structured-data
model (cases.structured_model, adapted, untrained) as Keras saves them to
keras_examples5_text_model.keras and keras_examples5_structured_model.keras. The cases in ``TENSORFLOW_BACKEND`` (string tensors
through a model) run in a second process with KERAS_BACKEND=tensorflow, the only Keras
backend that carries strings.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)


def recorded(names):
    import keras
    import examples5_tabular_cases as cases
    out = {}
    for name in names:
        try:
            out[name] = cases.CASES[name](keras)
        except Exception as e:  # recorded: the test expects the same refusal
            out[name] = {"error": f"{type(e).__name__}: {e}"}
    return out


def main():
    import examples5_tabular_cases as cases
    if sys.argv[1:] == ["--tensorflow-cases"]:
        import keras
        keras.backend.clear_session()
        cases.text_model(keras).save(os.path.join(FIXTURES, "keras_examples5_text_model.keras"))
        keras.backend.clear_session()
        cases.structured_model(keras).save(
            os.path.join(FIXTURES, "keras_examples5_structured_model.keras"))
        json.dump(recorded(cases.TENSORFLOW_BACKEND), sys.stdout)
        return
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "COLUMNS": "80"}
    child = subprocess.run([sys.executable, __file__, "--tensorflow-cases"], env=env,
                           check=True, capture_output=True, text=True)
    results = json.loads(child.stdout)
    results.update(recorded([n for n in cases.CASES if n not in cases.TENSORFLOW_BACKEND]))
    path = os.path.join(FIXTURES, "keras_examples5_tabular.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    print("wrote", path)


if __name__ == "__main__":
    main()
