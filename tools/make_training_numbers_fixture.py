"""Writes tests/fixtures/keras_training_numbers.npz from real Keras 3.15 (run once, outside
the project's environment):

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_training_numbers_fixture.py

It holds every number of every case in tests/fixtures/training_numbers_cases.py, as float32
in one flat array ``values`` described by ``index`` (one "<case>|<key>|<shape>" string per
array, in order), the messages of the cases Keras refuses in ``errors`` ("<case>|<message>"),
and Keras's ``pearson_correlation`` on rows with a tiny and a zero spread.
tests/compat/test_training_numbers.py runs the same cases with minikeras and compares.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))

import keras  # noqa: E402
import training_numbers_cases as cases  # noqa: E402
from flat_numbers import flat_numbers  # noqa: E402

PEARSON_TRUE = np.array([[0.0, 1.0, 0.5], [1.0, 1.0, 0.2], [0.3, 0.3, 0.3]], "float32")
PEARSON_PRED = np.array([[0.1, 0.9, 0.5], [1.0, 1.0001, 1.0], [0.1, 0.2, 0.4]], "float32")


def main():
    arrays = {"keras_version": np.array(keras.__version__),
              "pearson/y_true": PEARSON_TRUE, "pearson/y_pred": PEARSON_PRED,
              "pearson/per_sample": keras.ops.convert_to_numpy(
                  keras.metrics.pearson_correlation(PEARSON_TRUE, PEARSON_PRED))}
    arrays.update(flat_numbers(cases.all_cases(), keras))
    path = os.path.join(HERE, "..", "tests", "fixtures", "keras_training_numbers.npz")
    np.savez_compressed(path, **arrays)


if __name__ == "__main__":
    main()
