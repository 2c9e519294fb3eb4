"""Writes tests/fixtures/keras_attention_fidelity.npz from real Keras 3.15 (run once, outside
the project's environment):

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_attention_fidelity_fixture.py

It holds every number of every case in tests/fixtures/attention_fidelity_cases.py as float32
in one flat array ``values`` described by ``index`` (one "<case>|<key>|<shape>" string per
array, in order), and the messages of the cases Keras refuses in ``errors``
("<case>|<message>"). tests/compat/test_attention_fidelity.py runs the same cases with
minikeras and compares.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))

import keras  # noqa: E402
import attention_fidelity_cases as cases  # noqa: E402
from flat_numbers import flat_numbers  # noqa: E402


def main():
    arrays = flat_numbers(cases.all_cases(), keras)
    path = os.path.join(HERE, "..", "tests", "fixtures", "keras_attention_fidelity.npz")
    np.savez_compressed(path, keras_version=np.array(keras.__version__), **arrays)
    print(len(arrays["index"]), "arrays; errors:", list(arrays["errors"]))

if __name__ == "__main__":
    main()
