"""Run once with real Keras 3 (torch backend): what Keras prints, records and computes for
the keras-io timeseries and structured-data examples of round 13
(tests/fixtures/examples13_timeseries_cases.py).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples13_timeseries_fixture.py

Writes tests/fixtures/keras_examples13_timeseries.json, which
tests/compat/test_script_fidelity_examples13_timeseries.py compares with minikeras (it never
imports Keras). With a path argument the record goes there instead (to compare a run by
hand), and further arguments name the cases to run.
"""
from case_recording import recorded, write

import keras  # noqa: E402
import examples13_timeseries_cases as cases  # noqa: E402

if __name__ == "__main__":
    write("keras_examples13_timeseries.json",
          lambda names: recorded(cases, keras, names=names))
