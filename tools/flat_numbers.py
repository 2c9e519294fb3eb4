"""Runs fixture cases (tests/fixtures/*_cases.py: each takes the ``keras`` module and returns
{key: array}) with real Keras and flattens their numbers for an .npz fixture, read back by
tests/fixture_cases.py ``load_flat_numbers``."""
import warnings

import numpy as np


def flat_numbers(cases, keras):
    """{"index", "values", "errors"}: every array as float32 in one flat ``values``, described
    by ``index`` ("<case>|<key>|<shape>", in order); ``errors`` holds "<case>|<message>" for
    each case Keras refuses."""
    index, values, errors = [], [], []
    for name, case in cases.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                result = case(keras)
            except Exception as e:  # recorded: the tests check minikeras's answer to it
                errors.append(f"{name}|{type(e).__name__}: {e}")
                continue
        for key, value in result.items():
            value = np.asarray(value, "float32")
            index.append(f"{name}|{key}|{','.join(map(str, value.shape))}")
            values.append(value.ravel())
    return {"index": np.array(index), "values": np.concatenate(values),
            "errors": np.array(errors)}
