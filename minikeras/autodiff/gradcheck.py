"""Finite-difference gradient checking (float64), for tests and for users."""
import numpy as np

from .tensor import Tensor, backprop, grad


def numerical_grad(fn, arrays, index, eps=1e-6):
    """Central differences of sum(fn(*arrays) * cotangent) with respect to arrays[index]."""
    x = arrays[index]
    return finite_differences(fn, arrays, index, np.arange(x.size), eps).reshape(x.shape)


def finite_differences(fn, arrays, index, coords, eps=1e-6):
    """Central differences of the float ``fn(*arrays)`` with respect to arrays[index] at its
    flat indices ``coords`` (a vector of their values). Perturbs that array in place and
    restores it."""
    flat = arrays[index].reshape(-1)
    values = np.empty(len(coords))
    for k, i in enumerate(coords):
        old = flat[i]
        flat[i] = old + eps
        up = fn(*arrays)
        flat[i] = old - eps
        down = fn(*arrays)
        flat[i] = old
        values[k] = (up - down) / (2 * eps)
    return values


def probe_coordinates(shape, probes=None, seed=0):
    """The flat indices of an array of ``shape`` that a check probes, sorted.

    Every index when ``probes`` is None or the array has at most ``probes`` elements.
    Otherwise a sample, since each probe costs two evaluations: every index of every axis
    at least once (each sample, row, column, channel and kernel tap, so the borders and
    every thread part alike), the first and the last element, and random others up to
    ``probes``.
    """
    size = int(np.prod(shape, dtype=np.int64))
    if probes is None or size <= probes:
        return np.arange(size)
    rng = np.random.default_rng(seed)
    longest = max(shape)
    cover = np.ravel_multi_index([rng.permutation(np.arange(longest) % n) for n in shape],
                                 shape)
    chosen = set(cover.tolist()) | {0, size - 1}
    others = rng.permutation(size)
    others = others[~np.isin(others, list(chosen))]
    chosen.update(others[:max(0, probes - len(chosen))].tolist())
    return np.array(sorted(chosen))


def _float64_inputs(inputs):
    return [np.array(x, dtype=np.float64) if np.issubdtype(np.asarray(x).dtype, np.floating)
            else np.asarray(x) for x in inputs]


def gradcheck(fn, *inputs, wrt=None, eps=1e-6, atol=1e-5, rtol=1e-4, seed=0, probes=None,
              cache=None):
    """Check the autodiff gradient of ``fn`` against central differences.

    Args:
        fn: function of Tensors returning a Tensor.
        *inputs: arrays (cast to float64 when floating).
        wrt: indices of the inputs to check (default: every floating input).
        eps, atol, rtol: step and tolerances.
        probes: compare at every element (None), or at ``probe_coordinates(shape,
            probes)`` of each input larger than that.
        cache: a dict that keeps the inputs and their finite differences, to check the same
            ``fn`` and inputs again under another setting of the code under test (e.g. a
            thread split) without recomputing them; other inputs with the same cache are
            an error.

    Returns:
        True; raises AssertionError naming the input and the worst element otherwise.
    """
    arrays = _float64_inputs(inputs)
    if wrt is None:
        wrt = [i for i, a in enumerate(arrays) if a.dtype == np.float64]
    tensors = [Tensor(a, requires_grad=i in wrt) for i, a in enumerate(arrays)]
    out = fn(*tensors)
    cotangent = np.random.default_rng(seed).standard_normal(out.shape)
    leaves = backprop(out, cotangent)

    def scalar(*arrs):
        return float(np.sum(np.asarray(fn(*[Tensor(a) for a in arrs]).data) * cotangent))

    _check_cached_inputs(cache, arrays, "gradcheck")
    for i in wrt:
        coords = probe_coordinates(arrays[i].shape, probes, seed=i)
        numeric = _cached_finite_differences(cache, (i, eps, probes), scalar, arrays, i,
                                             coords, eps)
        assert_close_at(leaves.get(tensors[i], np.zeros_like(arrays[i])), numeric, coords,
                        atol, rtol, f"Gradient mismatch for input {i}")
    return True


def _check_cached_inputs(cache, arrays, checker):
    """Keep ``arrays`` in ``cache`` on first use; refuse other arrays later."""
    if cache is None:
        return
    kept = cache.setdefault("inputs", [a.copy() for a in arrays])
    if len(kept) != len(arrays) or not all(
            k.shape == a.shape and np.array_equal(k, a) for k, a in zip(kept, arrays)):
        raise ValueError(f"{checker}'s `cache` holds the finite differences of other "
                         "inputs.")


def _cached_finite_differences(cache, key, fn, arrays, index, coords, eps):
    """``finite_differences(fn, arrays, index, coords, eps)``, kept in ``cache`` (when given)
    under ``key`` and read from there the next time."""
    if cache is not None and key in cache:
        return cache[key]
    numeric = finite_differences(fn, arrays, index, coords, eps)
    if cache is not None:
        cache[key] = numeric
    return numeric


def assert_close_at(analytic, numeric, coords, atol, rtol, what):
    """Raise AssertionError naming ``what``, the worst element and both values unless the
    whole autodiff gradient ``analytic`` matches the finite differences ``numeric`` taken at
    its flat indices ``coords``."""
    analytic = np.asarray(analytic)
    got = analytic.reshape(-1)[coords]
    if not np.allclose(got, numeric, atol=atol, rtol=rtol):
        k = int(np.argmax(np.abs(got - numeric)))
        worst = np.unravel_index(coords[k], analytic.shape)
        raise AssertionError(f"{what} at {worst}: autodiff {got[k]!r}, finite "
                             f"differences {numeric[k]!r}.")


def gradgradcheck(fn, *inputs, wrt=None, order=2, eps=1e-6, atol=1e-5, rtol=1e-4, seed=0,
                  probes=None, cache=None):
    """Check ``order``-th derivatives of ``fn`` (``grad(..., create_graph=True)``) against
    central differences of the derivatives one order lower.

    With a random cotangent c and random directions v1, v2, ... (one array per input each),
    T0 = sum(fn(x) * c) and Tk = sum_i sum(d(Tk-1)/dx_i * vk_i): the gradient of T(order-1)
    (through ``order - 1`` recorded gradients) must match the finite differences of
    T(order-1), which takes one plain gradient less. The recorded first gradients must
    also equal the plain ones (a linear primitive's vjp is otherwise only checked through
    what follows it). Arguments as ``gradcheck``'s (``probes`` samples the coordinates of
    the finite differences; the recorded and plain first gradients are compared whole;
    ``cache`` keeps the finite differences for each ``order``, ``seed`` and ``wrt``, to
    check the same ``fn`` and inputs again without recomputing them).

    Returns:
        True; raises AssertionError naming the input and the worst element otherwise.
    """
    if not isinstance(order, int) or order < 2:
        raise ValueError("gradgradcheck checks derivatives of order 2 or more (gradcheck "
                         f"checks the first). Received order={order!r}.")
    arrays = _float64_inputs(inputs)
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
        total, output_grad = fn(*tensors), cotangent  # T0's gradient: backward from c
        for level, vs in enumerate(directions):
            plain = plain_last and level == len(directions) - 1
            grads = grad(total, [tensors[i] for i in wrt], output_grad,
                         create_graph=not plain, unconnected_gradients="zero")
            output_grad = None
            if plain:
                return float(sum(np.sum(g * v) for g, v in zip(grads, vs)))
            total = sum((g * v).sum() for g, v in zip(grads, vs))
        return tensors, total

    _check_cached_inputs(cache, arrays, "gradgradcheck")
    _check_recorded_first_order(fn, arrays, wrt, cotangent)
    tensors, total = top(arrays, plain_last=False)
    analytic = grad(total, [tensors[i] for i in wrt], unconnected_gradients="zero")
    for i, got in zip(wrt, analytic):
        coords = probe_coordinates(arrays[i].shape, probes, seed=i)
        numeric = _cached_finite_differences(
            cache, ("order", order, seed, tuple(wrt), i, eps, probes),
            lambda *arrs: top(arrs, plain_last=True), arrays, i, coords, eps)
        assert_close_at(got.data if isinstance(got, Tensor) else got, numeric, coords, atol,
                        rtol, f"Order-{order} gradient mismatch for input {i}")
    return True


def _check_recorded_first_order(fn, arrays, wrt, cotangent):
    """The gradients ``grad(..., create_graph=True)`` records equal the plain ones."""
    def first(create_graph):
        tensors = [Tensor(a, requires_grad=i in wrt) for i, a in enumerate(arrays)]
        grads = grad(fn(*tensors), [tensors[i] for i in wrt], cotangent,
                     create_graph=create_graph, unconnected_gradients="zero")
        return [np.asarray(g.data if isinstance(g, Tensor) else g) for g in grads]

    for i, recorded, plain in zip(wrt, first(True), first(False)):
        if recorded.shape != plain.shape or not np.allclose(recorded, plain, rtol=1e-10,
                                                            atol=1e-12):
            raise AssertionError(
                f"Recorded first-order gradient for input {i} differs from the plain one: "
                f"{recorded!r} against {plain!r}.")
