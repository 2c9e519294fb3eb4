"""Writes the quantization fixtures from real Keras 3.15 (run once, outside the project's
environment):

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_quantization_fixture.py

For each case and mode of tests/fixtures/quantization_cases.py: the model quantized by Keras
saved as tests/fixtures/quantization/<case>_<mode>.keras (and .weights.h5 for int8), and in
keras_quantization.npz the inputs, the float weights' predictions, the quantized model's
predictions, its variables by path, and its weights after one SGD step.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
OUT = os.path.join(FIXTURES, "quantization")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import quantization_cases as cases  # noqa: E402


def main():
    os.makedirs(OUT, exist_ok=True)
    arrays = {}
    for case in cases.CASES:
        x = cases.inputs(case)
        arrays[f"{case}/inputs"] = x
        for mode in cases.MODES:
            model = cases.build_model(keras, case)
            arrays[f"{case}/float_predict"] = model.predict(x, verbose=0)
            quantize_mode, config = cases.quantize_arguments(keras, mode)
            model.quantize(quantize_mode, config=config)
            key = f"{case}/{mode}"
            arrays[f"{key}/predict"] = model.predict(x, verbose=0)
            for v in model.weights:
                arrays[f"{key}/variables/{v.path}"] = keras.ops.convert_to_numpy(v)
            model.save(os.path.join(OUT, f"{case}_{mode}.keras"))
            if mode == "int8":
                model.save_weights(os.path.join(OUT, f"{case}_{mode}.weights.h5"))
            arrays[f"{key}/train_loss"] = np.float32(cases.train_one_step(keras, model, case))
            for v in model.weights:
                arrays[f"{key}/trained/{v.path}"] = keras.ops.convert_to_numpy(v)
    np.savez_compressed(os.path.join(FIXTURES, "keras_quantization.npz"), **arrays)


if __name__ == "__main__":
    main()
