"""Run once with real Keras 3 (torch backend): what Keras prints, records and computes for
the keras-io timeseries, structured-data, NLP and recipe examples of round 14
(tests/fixtures/examples14_timeseries_cases.py).

    KERAS_BACKEND=torch /work/scratch-tf/bin/python tools/make_examples14_timeseries_fixture.py

(scratch-tf: keras.utils.timeseries_dataset_from_array needs TensorFlow.) Writes
tests/fixtures/keras_examples14_timeseries.json, which
tests/compat/test_script_fidelity_examples14_timeseries.py compares with minikeras (it never
imports Keras). Gradients come from torch's autograd here (the examples' tf.GradientTape),
from minikeras.autodiff.grad in the test. With a path argument the record goes there instead
(to compare a run by hand), and further arguments name the cases to run.
"""
from case_recording import recorded, torch_grad, write

import keras  # noqa: E402
import examples14_timeseries_cases as cases  # noqa: E402

if __name__ == "__main__":
    write("keras_examples14_timeseries.json",
          lambda names: recorded(cases, keras, torch_grad, names=names))
