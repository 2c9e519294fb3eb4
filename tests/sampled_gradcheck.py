"""minikeras.autodiff.gradcheck's float64 central differences, probing a sample of a large
input's coordinates: every index of every axis at least once (each sample, row, column and
channel: the borders, the padding and every thread part alike), both corners, then random
others; the whole gradient of an input of at most ``probes`` elements. Same cotangent, step
and tolerances as the library's gradcheck; the autodiff gradient is computed whole and
compared at the probed coordinates. Each probe costs two forward passes, so this is for the
tests whose inputs have hundreds of elements; ``gradcheck(..., reuse=)`` keeps a case's finite
differences for a second run of the same case under another setting of the code under test."""
import numpy as np

from minikeras.autodiff.gradcheck import _check_recorded_first_order
from minikeras.autodiff.tensor import Tensor, backprop, grad

PROBES = 96


def probe_coordinates(shape, probes=PROBES, seed=0):
    """Flat indices into an array of ``shape`` to probe, sorted: all of them when there are at
    most ``probes``; else each index of each axis at least once (one coordinate per index of
    the longest axis, the other axes' indices cycled and shuffled), the first and the last
    element, and random others up to ``probes``."""
    size = int(np.prod(shape, dtype=np.int64))
    if size <= probes:
        return np.arange(size)
    rng = np.random.default_rng(seed)
    longest = max(shape)
    cover = np.ravel_multi_index(
        [rng.permutation(np.arange(longest) % n) for n in shape], shape)
    chosen = set(cover.tolist()) | {0, size - 1}
    others = rng.permutation(size)
    chosen.update(others[~np.isin(others, list(chosen))][:max(0, probes - len(chosen))].tolist())
    return np.array(sorted(chosen))


def numerical_grad_at(fn, arrays, index, coords, eps=1e-6):
    """The library's ``numerical_grad`` at the flat indices ``coords`` of arrays[index]
    only (the array of its values there)."""
    flat = arrays[index].reshape(-1)
    numeric = np.empty(len(coords))
    for k, i in enumerate(coords):
        old = flat[i]
        flat[i] = old + eps
        up = fn(*arrays)
        flat[i] = old - eps
        down = fn(*arrays)
        flat[i] = old
        numeric[k] = (up - down) / (2 * eps)
    return numeric


def assert_close_at(analytic, numeric, coords, atol, rtol, what):
    """``analytic`` (a whole gradient) matches ``numeric`` (its values at ``coords``), as
    the library's gradcheck compares (np.allclose), naming the worst element."""
    got = np.asarray(analytic).reshape(-1)[coords]
    if not np.allclose(got, numeric, atol=atol, rtol=rtol):
        k = int(np.argmax(np.abs(got - numeric)))
        worst = np.unravel_index(coords[k], np.shape(analytic))
        raise AssertionError(f"{what} at {worst}: autodiff {got[k]!r}, finite differences "
                             f"{numeric[k]!r}.")


def gradcheck(fn, *inputs, wrt=None, eps=1e-6, atol=1e-5, rtol=1e-4, seed=0, probes=PROBES,
              reuse=None):
    """``minikeras.autodiff.gradcheck.gradcheck`` with each input's finite differences at
    ``probe_coordinates`` (every element of an input of at most ``probes``).

    ``reuse``: a dict that keeps the inputs and their finite differences, for a case checked
    again with the same function and inputs under another setting of the code under test
    (the recurrences' batch rows split over threads): the autodiff gradient is computed
    again and compared with the kept finite differences; other inputs are an error."""
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

    if reuse is not None:
        kept = reuse.setdefault("inputs", [a.copy() for a in arrays])
        assert len(kept) == len(arrays) and all(
            k.shape == a.shape and np.array_equal(k, a) for k, a in zip(kept, arrays)), \
            "reuse holds the finite differences of other inputs"
    for i in wrt:
        coords = probe_coordinates(arrays[i].shape, probes, seed=i)
        if reuse is not None and (i, eps) in reuse:
            numeric = reuse[i, eps]
        else:
            numeric = numerical_grad_at(scalar, arrays, i, coords, eps)
            if reuse is not None:
                reuse[i, eps] = numeric
        assert_close_at(leaves.get(tensors[i], np.zeros_like(arrays[i])), numeric, coords,
                        atol, rtol, f"Gradient mismatch for input {i}")
    return True


def gradgradcheck(fn, *inputs, wrt=None, order=2, eps=1e-6, atol=1e-5, rtol=1e-4, seed=0,
                  probes=PROBES):
    """``minikeras.autodiff.gradcheck.gradgradcheck`` with each input's finite differences
    of T(order-1) at ``probe_coordinates`` (every element of an input of at most
    ``probes``); the recorded first gradients are compared with the plain ones whole."""
    if not isinstance(order, int) or order < 2:
        raise ValueError(f"gradgradcheck checks derivatives of order 2 or more. Received "
                         f"order={order!r}.")
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
        coords = probe_coordinates(arrays[i].shape, probes, seed=i)
        numeric = numerical_grad_at(lambda *arrs: top(arrs, plain_last=True), arrays, i,
                                    coords, eps)
        assert_close_at(np.asarray(got.data if isinstance(got, Tensor) else got), numeric,
                        coords, atol, rtol, f"Order-{order} gradient mismatch for input {i}")
    return True
