"""Run once with real Keras 3: layer-level gradients and one training step on Keras's jax and
torch backends (round 18, tests/fixtures/examples18_layergrads_cases.py).

    nice -n 19 /work/scratch-keras/bin/python tools/make_examples18_layergrads_fixture.py

Runs the cases in a fresh interpreter per backend (KERAS_BACKEND=torch: ``torch.autograd.grad``
on leaf input tensors and the layer's variables; KERAS_BACKEND=jax: ``jax.grad`` through
``layer.stateless_call``) and writes tests/fixtures/keras_examples18_layergrads.json as
{"jax": record, "torch": record}, which tests/compat/test_script_fidelity_examples18_layergrads.py
compares with minikeras (it never imports Keras). A case that raises on one side records
the error's type. With a path argument the record goes there instead, and further arguments
name the cases to run.
"""
import json

import numpy as np

from case_recording import main_of_each_backend, torch_watch


def floating(array):
    """Whether ``array`` holds floats (an input that gets a gradient)."""
    return np.issubdtype(np.asarray(array).dtype, np.floating)


def torch_gradient(layer, invoke, arrays, cotangents):
    """(outputs, input gradients, weight gradients) of sum(outputs * cotangents) by torch's
    autograd; zeros where no path reaches a source."""
    import torch
    from examples18_layergrads_cases import as_list
    xs = [torch_watch(a) if floating(a) else torch.tensor(a) for a in arrays]
    outputs = as_list(invoke(layer, xs))
    target = sum((o * torch.tensor(c)).sum() for o, c in zip(outputs, cotangents))
    sources = [x for x in xs if x.requires_grad] + [w.value for w in layer.trainable_weights]
    grads = torch.autograd.grad(target, sources, allow_unused=True)
    grads = [torch.zeros_like(s) if g is None else g for s, g in zip(sources, grads)]
    n = len(sources) - len(layer.trainable_weights)
    return [o.detach().numpy() for o in outputs], grads[:n], grads[n:]


def jax_gradient(layer, invoke, arrays, cotangents):
    """(outputs, input gradients, weight gradients) of sum(outputs * cotangents) by
    ``jax.grad`` of ``layer.stateless_call``."""
    import jax
    import jax.numpy as jnp
    from examples18_layergrads_cases import as_list
    trainable = [w.value for w in layer.trainable_weights]
    frozen = [w.value for w in layer.non_trainable_variables]
    float_at = [i for i, a in enumerate(arrays) if floating(a)]

    def outputs_of(float_inputs, weights):
        xs = [jnp.asarray(a) for a in arrays]
        for i, x in zip(float_at, float_inputs):
            xs[i] = x
        return as_list(invoke(lambda *a, **k: layer.stateless_call(weights, frozen, *a, **k)[0],
                              xs))

    def target(float_inputs, weights):
        return sum(jnp.sum(o * c) for o, c in zip(outputs_of(float_inputs, weights), cotangents))

    float_inputs = [jnp.asarray(arrays[i]) for i in float_at]
    input_grads, weight_grads = jax.grad(target, argnums=(0, 1))(float_inputs, trainable)
    return ([np.asarray(o) for o in outputs_of(float_inputs, trainable)],
            [np.asarray(g) for g in input_grads], [np.asarray(g) for g in weight_grads])


def shortest(record):
    """``record`` with each number as the shortest decimal that reads back as the same
    float32 (the fixture a third smaller, the comparison unchanged)."""
    if isinstance(record, dict):
        return {k: shortest(v) for k, v in record.items()}
    if isinstance(record, list):
        return [shortest(v) for v in record]
    if isinstance(record, float):
        return float(str(np.float32(record)))
    return record


def one_backend(path, names):
    """Record the cases (``names`` when given) with this interpreter's backend, to ``path``."""
    import keras
    import examples18_layergrads_cases as cases
    gradient = jax_gradient if keras.backend.backend() == "jax" else torch_gradient
    record = {}
    for name, fn in cases.CASES.items():
        if names and name not in names:
            continue
        try:
            record[name] = fn(keras, gradient)
        except Exception as error:  # noqa: BLE001 - a side that cannot run it is recorded
            record[name] = {"error": f"{type(error).__name__}: {error}"[:300]}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(shortest(record), f)


if __name__ == "__main__":
    main_of_each_backend(__file__, "keras_examples18_layergrads.json", one_backend)
