"""Finite-difference gradient checking (float64), for tests and for users."""
import numpy as np

from .tensor import Tensor, backprop, grad


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
        _assert_close(leaves.get(tensors[i], np.zeros_like(arrays[i])),
                      numerical_grad(scalar, arrays, i, eps), atol, rtol,
                      f"Gradient mismatch for input {i}")
    return True


def _assert_close(analytic, numeric, atol, rtol, what):
    """Raise AssertionError naming ``what``, the worst element and both values unless the
    autodiff gradient matches the finite differences."""
    if not np.allclose(analytic, numeric, atol=atol, rtol=rtol):
        worst = np.unravel_index(np.argmax(np.abs(analytic - numeric)), numeric.shape)
        raise AssertionError(f"{what} at {worst}: autodiff {analytic[worst]!r}, finite "
                             f"differences {numeric[worst]!r}.")


def gradgradcheck(fn, *inputs, wrt=None, order=2, eps=1e-6, atol=1e-5, rtol=1e-4, seed=0):
    """Check ``order``-th derivatives of ``fn`` (``grad(..., create_graph=True)``) against
    central differences of the derivatives one order lower.

    With a random cotangent c and random directions v1, v2, ... (one array per input each),
    T0 = sum(fn(x) * c) and Tk = sum_i sum(d(Tk-1)/dx_i * vk_i): the gradient of T(order-1)
    (through ``order - 1`` recorded gradients) must match the finite differences of
    T(order-1), which takes one plain gradient less. The recorded first gradients must
    also equal the plain ones (a linear primitive's vjp is otherwise only checked through
    what follows it). Arguments as ``gradcheck``'s.

    Returns:
        True; raises AssertionError naming the input and the worst element otherwise.
    """
    if not isinstance(order, int) or order < 2:
        raise ValueError("gradgradcheck checks derivatives of order 2 or more (gradcheck "
                         f"checks the first). Received order={order!r}.")
    arrays = [np.array(x, dtype=np.float64) if np.issubdtype(np.asarray(x).dtype, np.floating)
              else np.asarray(x) for x in inputs]
    if wrt is None:
        wrt = [i for i, a in enumerate(arrays) if a.dtype == np.float64]
    rng = np.random.default_rng(seed)
    cotangent = rng.standard_normal(np.shape(fn(*[Tensor(a) for a in arrays]).data))
    directions = [[rng.standard_normal(arrays[i].shape) for i in wrt]
                  for _ in range(order - 1)]

    def top(arrs, plain_last):
        """T(order-1) at ``arrs``: a recorded Tensor, or (``plain_last``) its float with
        the last gradient a plain one."""
        tensors = [Tensor(a, requires_grad=i in wrt) for i, a in enumerate(arrs)]
        total = (fn(*tensors) * cotangent).sum()
        for level, vs in enumerate(directions):
            plain = plain_last and level == len(directions) - 1
            grads = grad(total, [tensors[i] for i in wrt], create_graph=not plain,
                         unconnected_gradients="zero")
            if plain:
                return float(sum(np.sum(g * v) for g, v in zip(grads, vs)))
            total = sum((g * v).sum() for g, v in zip(grads, vs))
        return tensors, total

    _check_recorded_first_order(fn, arrays, wrt, cotangent)
    tensors, total = top(arrays, plain_last=False)
    analytic = grad(total, [tensors[i] for i in wrt], unconnected_gradients="zero")
    for i, got in zip(wrt, analytic):
        _assert_close(got, numerical_grad(lambda *arrs: top(arrs, plain_last=True), arrays,
                                          i, eps), atol, rtol,
                      f"Order-{order} gradient mismatch for input {i}")
    return True


def _check_recorded_first_order(fn, arrays, wrt, cotangent):
    """The gradients ``grad(..., create_graph=True)`` records equal the plain ones."""
    def first(create_graph):
        tensors = [Tensor(a, requires_grad=i in wrt) for i, a in enumerate(arrays)]
        total = (fn(*tensors) * cotangent).sum()
        grads = grad(total, [tensors[i] for i in wrt], create_graph=create_graph,
                     unconnected_gradients="zero")
        return [np.asarray(g.data if isinstance(g, Tensor) else g) for g in grads]

    for i, recorded, plain in zip(wrt, first(True), first(False)):
        if recorded.shape != plain.shape or not np.allclose(recorded, plain, rtol=1e-10,
                                                            atol=1e-12):
            raise AssertionError(
                f"Recorded first-order gradient for input {i} differs from the plain one: "
                f"{recorded!r} against {plain!r}.")
