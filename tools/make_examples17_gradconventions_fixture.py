"""Run once with real Keras 3: the gradients Keras's jax and torch backends give at the
points where a gradient is a convention (round 17, tests/fixtures/examples17_gradconventions_cases.py).

    nice -n 19 /work/scratch-keras/bin/python tools/make_examples17_gradconventions_fixture.py

Runs the cases twice, in a fresh interpreter per backend (KERAS_BACKEND=jax: ``jax.grad``;
KERAS_BACKEND=torch: ``torch.autograd.grad`` on watched leaf tensors), and writes
tests/fixtures/keras_examples17_gradconventions.json as {"jax": record, "torch": record},
which tests/compat/test_script_fidelity_examples17_gradconventions.py compares with
minikeras (it never imports Keras). With a path argument the record goes there instead,
and further arguments name the cases to run.
"""
import json

import numpy as np

from case_recording import main_of_each_backend, recorded, torch_watch


def jax_gradient(fn, *arrays):
    """(fn(*arrays), the gradients of its sum for each array), by ``jax.grad``."""
    import jax
    import jax.numpy as jnp
    xs = [jnp.asarray(a) for a in arrays]
    grads = jax.grad(lambda *ys: jnp.sum(fn(*ys)), argnums=tuple(range(len(xs))))(*xs)
    return np.asarray(fn(*xs)), [np.asarray(g) for g in grads]


def torch_gradient(fn, *arrays):
    """(fn(*arrays), the gradients of its sum for each array), by torch's autograd on leaf
    tensors; zeros where no path (or none that records) reaches an array."""
    import torch
    xs = [torch_watch(a) for a in arrays]
    value = fn(*xs)
    grads = [None] * len(xs)
    if value.requires_grad:
        grads = torch.autograd.grad(value.sum(), xs, allow_unused=True)
    return (value.detach().numpy(),
            [np.zeros_like(a) if g is None else g.numpy() for a, g in zip(arrays, grads)])


def one_backend(path, names):
    """Record the cases (``names`` when given) with this interpreter's backend, to ``path``."""
    import keras
    import examples17_gradconventions_cases as cases
    gradient = jax_gradient if keras.backend.backend() == "jax" else torch_gradient
    with open(path, "w", encoding="utf-8") as f:
        json.dump(recorded(cases, keras, gradient, names=names, folder=False), f)


if __name__ == "__main__":
    main_of_each_backend(__file__, "keras_examples17_gradconventions.json", one_backend)
