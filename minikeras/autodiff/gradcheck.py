"""Finite-difference gradient checking (float64), for tests and for users."""
import numpy as np

from .tensor import Tensor, backprop


def numerical_grad(fn, arrays, index, eps=1e-6):
    """Central differences of sum(fn(*arrays) * cotangent) with respect to arrays[index]."""
    x = arrays[index]
    g = np.zeros_like(x)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = fn(*arrays)
        flat[i] = old - eps
        down = fn(*arrays)
        flat[i] = old
        gflat[i] = (up - down) / (2 * eps)
    return g


def gradcheck(fn, *inputs, wrt=None, eps=1e-6, atol=1e-5, rtol=1e-4, seed=0):
    """Check the autodiff gradient of ``fn`` against central differences.

    Args:
        fn: function of Tensors returning a Tensor.
        *inputs: arrays (cast to float64 when floating).
        wrt: indices of the inputs to check (default: every floating input).
        eps, atol, rtol: step and tolerances.

    Returns:
        True; raises AssertionError naming the input and the worst element otherwise.
    """
    arrays = [np.array(x, dtype=np.float64) if np.issubdtype(np.asarray(x).dtype, np.floating)
              else np.asarray(x) for x in inputs]
    if wrt is None:
        wrt = [i for i, a in enumerate(arrays) if a.dtype == np.float64]
    tensors = [Tensor(a, requires_grad=i in wrt) for i, a in enumerate(arrays)]
    out = fn(*tensors)
    cotangent = np.random.default_rng(seed).standard_normal(out.shape)
    leaves = backprop(out, cotangent)

    def scalar(*arrs):
        return float(np.sum(np.asarray(fn(*[Tensor(a) for a in arrs]).data) * cotangent))

    for i in wrt:
        analytic = leaves.get(tensors[i], np.zeros_like(arrays[i]))
        numeric = numerical_grad(scalar, arrays, i, eps)
        if not np.allclose(analytic, numeric, atol=atol, rtol=rtol):
            worst = np.unravel_index(np.argmax(np.abs(analytic - numeric)), numeric.shape)
            raise AssertionError(
                f"Gradient mismatch for input {i} at {worst}: autodiff {analytic[worst]!r}, "
                f"finite differences {numeric[worst]!r}.")
    return True
