"""Writes the quantization fixtures from real Keras 3.15 (run once, outside the project's
environment):

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_quantization_fixture.py

For each case and mode of tests/fixtures/quantization_cases.py: the model quantized by Keras
saved as tests/fixtures/quantization/<case>_<mode>.keras (and .weights.h5 for int8), and in
keras_quantization.npz the inputs, the float weights' predictions, the quantized model's
predictions, its variables by path, and its weights after one SGD step; and under
functions/ the outputs of quantize_and_dequantize, compute_float8_scale,
compute_float8_amax_history and fake_quant_with_min_max_vars (values and gradients, taken
with torch autograd) on FUNCTION_INPUTS.
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
import torch  # noqa: E402


def functions(arrays):
    """The quantizers' functions on the shared inputs of quantization_cases."""
    q = keras.quantizers
    numpy = keras.ops.convert_to_numpy
    for name, (x, scale) in cases.QDQ_INPUTS.items():
        arrays[f"functions/qdq/{name}"] = numpy(q.quantize_and_dequantize(
            x, np.float32(scale), name, "float32"))
    amax, scale, dtype_max = cases.FLOAT8_SCALE_INPUTS
    arrays["functions/float8_scale"] = numpy(q.compute_float8_scale(amax, scale, dtype_max))
    arrays["functions/float8_scale_margin"] = numpy(
        q.compute_float8_scale(amax, scale, dtype_max, margin=2))
    x, history = cases.AMAX_HISTORY_INPUTS
    arrays["functions/amax_history"] = numpy(q.compute_float8_amax_history(x, history))
    for name, (x, low, high, kwargs) in cases.FAKE_QUANT_INPUTS.items():
        tensors = [torch.tensor(a, requires_grad=True) for a in (x, low, high)]
        y = q.fake_quant_with_min_max_vars(*tensors, **kwargs)
        (y * torch.tensor(cases.fake_quant_upstream(x.shape))).sum().backward()
        arrays[f"functions/fake_quant/{name}/y"] = y.detach().numpy()
        for label, t in zip(("dx", "dmin", "dmax"), tensors):
            arrays[f"functions/fake_quant/{name}/{label}"] = t.grad.numpy()


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
    functions(arrays)
    np.savez_compressed(os.path.join(FIXTURES, "keras_quantization.npz"), **arrays)


if __name__ == "__main__":
    main()
