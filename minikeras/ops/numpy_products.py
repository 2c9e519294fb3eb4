"""Products of ``keras.ops``: prod, cumprod, outer/inner/vdot, tensordot, kron, cross, einsum.

All composed from multiply, matmul, reshape, transpose, sum and indexing, so every
gradient is derived.
"""
import numpy as np

from ..autodiff import primitives as P
from ..autodiff.tensor import Tensor
from .core import cast, convert_to_tensor
from .numpy_extra import _axes, _f, diagonal

__all__ = ["cross", "cumprod", "einsum", "inner", "kron", "outer", "prod", "tensordot", "vdot"]


# ---- products ------------------------------------------------------------------------

def prod(x, axis=None, keepdims=False, dtype=None):
    """Product of the elements along ``axis`` (all axes when None), by pairwise halving."""
    x = convert_to_tensor(x)
    if dtype is not None:
        x = cast(x, dtype)
    axes = _axes(axis, x.ndim)
    keep = [a for a in range(x.ndim) if a not in axes]
    moved = P.transpose(x, keep + list(axes)) if x.ndim else x
    lead = [x.shape[a] for a in keep]
    flat = P.reshape(moved, lead + [-1])                     # (..., n)
    while flat.shape[-1] > 1:
        n = flat.shape[-1]
        if n % 2:                                           # pad an odd length with a 1
            flat = P.concatenate([flat, Tensor(np.ones(lead + [1], flat.dtype))], -1)
        flat = P.multiply(flat[..., 0::2], flat[..., 1::2])
    if flat.shape[-1] == 0:
        flat = Tensor(np.ones(lead + [1], flat.dtype))
    out = P.reshape(flat, lead)
    if keepdims:
        out = P.reshape(out, [1 if a in axes else x.shape[a] for a in range(x.ndim)])
    return out


def cumprod(x, axis=None, dtype=None):
    """Running product along ``axis`` (flattened when None), in log2(n) composed steps."""
    x = convert_to_tensor(x)
    if dtype is not None:
        x = cast(x, dtype)
    if axis is None:
        x, axis = P.reshape(x, (-1,)), 0
    axis %= x.ndim
    y, n, step = x, x.shape[axis], 1
    while step < n:                                         # Hillis-Steele scan
        head = [slice(None)] * x.ndim
        tail = list(head)
        prev = list(head)
        head[axis], tail[axis], prev[axis] = slice(0, step), slice(step, None), slice(0, n - step)
        y = P.concatenate([y[tuple(head)], P.multiply(y[tuple(tail)], y[tuple(prev)])], axis)
        step *= 2
    return y


def outer(x1, x2):
    a, b = convert_to_tensor(x1), convert_to_tensor(x2)
    return P.multiply(P.reshape(a, (-1, 1)), P.reshape(b, (1, -1)))


def inner(x1, x2):
    a, b = convert_to_tensor(x1), convert_to_tensor(x2)
    if a.ndim == 0 or b.ndim == 0:
        return P.multiply(a, b)
    return tensordot(a, b, axes=([a.ndim - 1], [b.ndim - 1]))


def vdot(x1, x2):
    return P.sum(P.multiply(P.reshape(x1, (-1,)), P.reshape(x2, (-1,))))


def tensordot(x1, x2, axes=2):
    """Sum of products over ``axes`` (an int: the last/first n axes; or two lists)."""
    a, b = convert_to_tensor(x1), convert_to_tensor(x2)
    if isinstance(axes, int):
        axes_a, axes_b = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        axes_a, axes_b = axes
        axes_a = [axes_a] if isinstance(axes_a, int) else list(axes_a)
        axes_b = [axes_b] if isinstance(axes_b, int) else list(axes_b)
    axes_a = [i % a.ndim for i in axes_a]
    axes_b = [i % b.ndim for i in axes_b]
    free_a = [i for i in range(a.ndim) if i not in axes_a]
    free_b = [i for i in range(b.ndim) if i not in axes_b]
    k = int(np.prod([a.shape[i] for i in axes_a]))
    am = P.reshape(P.transpose(a, free_a + axes_a), (-1, k))   # (free_a, k)
    bm = P.reshape(P.transpose(b, axes_b + free_b), (k, -1))   # (k, free_b)
    out_shape = [a.shape[i] for i in free_a] + [b.shape[i] for i in free_b]
    return P.reshape(P.matmul(am, bm), out_shape)


def kron(x1, x2):
    a, b = convert_to_tensor(x1), convert_to_tensor(x2)
    nd = max(a.ndim, b.ndim)
    a = P.reshape(a, (1,) * (nd - a.ndim) + a.shape)
    b = P.reshape(b, (1,) * (nd - b.ndim) + b.shape)
    # interleave: a (..., i, 1, ...) * b (..., 1, j, ...) -> (..., i*j, ...)
    a_shape = sum(((n, 1) for n in a.shape), ())
    b_shape = sum(((1, n) for n in b.shape), ())
    out = P.multiply(P.reshape(a, a_shape), P.reshape(b, b_shape))
    return P.reshape(out, [m * n for m, n in zip(a.shape, b.shape)])


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3-vectors (2-vectors get a zero third component)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a = P.transpose(_f(x1), _last(convert_to_tensor(x1).ndim, axisa))
    b = P.transpose(_f(x2), _last(convert_to_tensor(x2).ndim, axisb))
    a, b = _pad3(a), _pad3(b)
    c = [P.subtract(P.multiply(a[..., i], b[..., j]), P.multiply(a[..., j], b[..., i]))
         for i, j in ((1, 2), (2, 0), (0, 1))]
    out = P.stack(c, -1)
    return P.transpose(out, np.argsort(_last(out.ndim, axisc)))


def _last(ndim, axis):
    perm = list(range(ndim))
    perm.append(perm.pop(axis % ndim))
    return perm


def _pad3(v):
    if v.shape[-1] == 3:
        return v
    return P.concatenate([v, Tensor(np.zeros(v.shape[:-1] + (1,), v.dtype))], -1)


def einsum(subscripts, *operands):
    """Einstein summation, composed: align, multiply, then sum the contracted indices.

    ``subscripts`` like ``"ij,jk->ik"``; ``...`` stands for leading broadcast axes.
    """
    ops_ = [convert_to_tensor(o) for o in operands]
    spec = subscripts.replace(" ", "")
    inputs, _, output = spec.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(ops_):
        raise ValueError(f"einsum: {len(terms)} operand terms in {subscripts!r} but "
                         f"{len(ops_)} operands were given.")
    ell_rank = max((o.ndim - len(t.replace("...", "")) for t, o in zip(terms, ops_)
                    if "..." in t), default=0)
    ell = "".join(chr(0x100 + i) for i in range(ell_rank))   # private letters for "..."
    terms = [t.replace("...", ell[len(ell) - (o.ndim - len(t.replace("...", ""))):])
             for t, o in zip(terms, ops_)]
    if not _:
        counts = {c: sum(t.count(c) for t in terms) for c in "".join(terms)}
        output = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        output = output.replace("...", ell)
    letters = list(dict.fromkeys(output + "".join(terms)))
    product = None
    for term, x in zip(terms, ops_):
        x = _diagonal_letters(term, x)
        term = "".join(dict.fromkeys(term))
        perm = sorted(range(len(term)), key=lambda i: letters.index(term[i]))
        x = P.transpose(x, perm) if x.ndim else x
        present = [term[i] for i in perm]
        sizes = dict(zip(present, x.shape))
        x = P.reshape(x, [sizes.get(c, 1) for c in letters])
        product = x if product is None else P.multiply(product, x)
    summed = tuple(i for i, c in enumerate(letters) if c not in output)
    out = P.sum(product, axis=summed) if summed else product
    kept = [c for c in letters if c in output]
    return P.transpose(out, [kept.index(c) for c in output]) if out.ndim > 1 else out


def _diagonal_letters(term, x):
    """Take the diagonal for a letter repeated within one term (``"ii->i"``)."""
    while len(set(term)) < len(term):
        c = next(c for c in term if term.count(c) > 1)
        i, j = term.index(c), term.index(c, term.index(c) + 1)
        x = diagonal(x, 0, i, j)                    # removes i, j; appends the diagonal
        term = term[:i] + term[i + 1:j] + term[j + 1:] + c
    return x
