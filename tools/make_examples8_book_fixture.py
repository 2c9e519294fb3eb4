"""Run once with real Keras 3.15 (torch backend) and tensorflow beside it (TextVectorization
and timeseries_dataset_from_array run on TensorFlow):

    KERAS_BACKEND=torch COLUMNS=80 /work/scratch-tf/bin/python tools/make_examples8_book_fixture.py

The listings are in tests/fixtures/examples8_book_cases.py; this writes what Keras gives for
each to tests/fixtures/keras_examples8_book.json, which
tests/compat/test_script_fidelity_examples8_book.py compares with minikeras (it never
imports Keras). With case names as arguments only those run, and the record is printed
instead of written (to compare a run by hand).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)


def recorded(names):
    import keras
    import examples8_book_cases as cases
    return {name: cases.CASES[name](keras) for name in names}


def main():
    import examples8_book_cases as cases
    if sys.argv[1:]:
        json.dump(recorded(sys.argv[1:]), sys.stdout, indent=1, sort_keys=True)
        return
    path = os.path.join(FIXTURES, "keras_examples8_book.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(recorded(list(cases.CASES)), f, indent=1, sort_keys=True)
    print("wrote", path)


if __name__ == "__main__":
    main()
