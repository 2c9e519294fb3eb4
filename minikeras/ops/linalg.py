"""Products and matrix functions of ``keras.ops``: dot, tensordot, einsum, norm, trace, tril,
and the ``keras.ops.linalg`` functions: inverse, determinants, solves, decompositions.

Products are composed from multiply, matmul, reshape, transpose, sum and indexing; the
matrix functions rest on the primitives of ``autodiff/linalg.py`` (inv, det, log |det|, solve,
cholesky, eigh, qr, singular values), so every gradient is derived or checked.
"""
import string

import numpy as np

from ..autodiff import linalg as L
from ..autodiff import primitives as P
from ..autodiff.tensor import Tensor, array_dtype
from . import reductions
from .core import as_float, convert_to_tensor, data

__all__ = [
    "cdist", "cholesky", "cholesky_inverse", "cross", "det", "diag", "diagflat", "diagonal",
    "dot", "eig", "eigh", "einsum", "inner", "inv", "kron", "logdet", "lstsq", "lu_factor",
    "matmul", "matrix_rank", "norm", "outer", "pinv", "qr", "slogdet", "solve",
    "solve_triangular", "svd", "tensordot", "trace", "tril", "triu", "vander", "vdot",
]


def _int8_widened(operands):
    """``operands`` as int32 when every one is int8 (Keras's rule for matmul and einsum:
    int8 products overflow int8, so they are computed and returned in int32), else as
    they are."""
    if operands and all(array_dtype(o) == np.int8 for o in operands):
        return [P.cast(o, "int32") for o in operands]
    return operands


def matmul(x1, x2):
    """Matrix product with numpy's broadcasting rules; int8 by int8 gives int32."""
    x1, x2 = _int8_widened([convert_to_tensor(x1), convert_to_tensor(x2)])
    return P.matmul(x1, x2)


def dot(x1, x2):
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return P.multiply(x1, x2)
    return P.matmul(x1, x2)


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 - numpy's argument name
    """Vector norms along ``axis`` (any p, 0, ±inf) or matrix norms over two axes.

    Matrix orders: None/"fro" (Frobenius), 1/-1 (max/min column abs sum), inf/-inf
    (max/min row abs sum). ``axis=None`` means all axes for a vector or matrix input.
    """
    x = as_float(x)
    if axis is None:
        axis = tuple(range(x.ndim)) if (ord is None or x.ndim != 2) else (0, 1)
        if ord is not None and x.ndim == 1:
            axis = 0
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    if isinstance(axis, tuple) and len(axis) == 2 and ord not in (None, "fro", "euclidean"):
        return _matrix_norm(x, ord, axis, keepdims)
    if ord in (None, 2, "fro", "euclidean"):
        return P.sqrt(P.sum(P.square(x), axis, keepdims))
    if ord == 1:
        return P.sum(P.abs(x), axis, keepdims)
    if ord in (np.inf, "inf"):
        return P.max(P.abs(x), axis, keepdims)
    if ord in (-np.inf, "-inf"):
        return P.min(P.abs(x), axis, keepdims)
    if ord == 0:
        return Tensor(np.sum(data(x) != 0, axis=axis, keepdims=keepdims).astype(x.dtype))
    if isinstance(ord, (int, float)):
        return P.power(P.sum(P.power(P.abs(x), float(ord)), axis, keepdims), 1.0 / ord)
    raise ValueError(f"Unsupported norm order {ord!r}. Expected None, a number, 'fro' or inf.")


def _matrix_norm(x, ord, axis, keepdims):  # noqa: A002
    rows, cols = (a % x.ndim for a in axis)
    if ord in (1, -1):          # column sums (over rows), then max/min over columns
        sums, other = P.sum(P.abs(x), rows, keepdims=True), cols
    elif ord in (np.inf, -np.inf):
        sums, other = P.sum(P.abs(x), cols, keepdims=True), rows
    elif ord in (2, -2, "nuc"):
        moved = P.transpose(x, [i for i in range(x.ndim) if i not in (rows, cols)] +
                            [rows, cols])
        s = L.singular_values(moved)
        out = P.sum(s, -1) if ord == "nuc" else (P.max if ord == 2 else P.min)(s, -1)
        if keepdims:
            out = P.reshape(out, [1 if i in (rows, cols) else n for i, n in enumerate(x.shape)])
        return out
    else:
        raise ValueError(f"Unsupported matrix norm order {ord!r}: use None, 'fro', 'nuc', 1, "
                         "-1, 2, -2, inf or -inf.")
    pick = P.max if ord in (1, np.inf) else P.min
    out = pick(sums, other, keepdims=True)
    return out if keepdims else P.reshape(out, [n for i, n in enumerate(x.shape)
                                               if i not in (rows, cols)])


def tril(x, k=0):
    x = convert_to_tensor(x)
    mask = np.tri(x.shape[-2], x.shape[-1], k, dtype=bool)
    return P.where(mask, x, np.zeros((), x.dtype))  # keeps x's dtype (bool stays bool)


def triu(x, k=0):
    x = convert_to_tensor(x)
    mask = ~np.tri(x.shape[-2], x.shape[-1], k - 1, dtype=bool)
    return P.where(mask, x, np.zeros((), x.dtype))  # keeps x's dtype (bool stays bool)


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal of axes (axis1, axis2), moved to the last axis (numpy's layout)."""
    x = convert_to_tensor(x)
    a1, a2 = axis1 % x.ndim, axis2 % x.ndim
    rest = [i for i in range(x.ndim) if i not in (a1, a2)]
    moved = P.transpose(x, rest + [a1, a2])
    n1, n2 = x.shape[a1], x.shape[a2]
    rows = np.arange(max(0, -offset), min(n1, n2 - offset))
    index = (Ellipsis, rows, rows + offset)
    return P.getitem(moved, index)


def diag(x, k=0):
    """A 1-D input becomes a square matrix with it on diagonal k; a 2-D input gives diagonal k."""
    x = convert_to_tensor(x)
    if x.ndim == 1:
        n = x.shape[0] + abs(k)
        rows = np.arange(x.shape[0]) + max(0, -k)
        cols = rows + k
        gather = np.zeros((n, n), dtype=int)
        mask = np.zeros((n, n), dtype=bool)
        gather[rows, cols] = np.arange(x.shape[0])
        mask[rows, cols] = True
        return P.where(mask, P.take(x, gather), 0)
    if x.ndim == 2:
        return diagonal(x, k)
    raise ValueError(f"diag expects a 1-D or 2-D input, got shape {x.shape}.")


def trace(x, offset=0, axis1=0, axis2=1):
    """Sum of diagonal ``offset`` (integers sum in ``ops.sum``'s dtype: int32 stays int32)."""
    return reductions.sum(diagonal(x, offset, axis1, axis2), axis=-1)


def outer(x1, x2):
    a, b = convert_to_tensor(x1), convert_to_tensor(x2)
    return P.multiply(P.reshape(a, (-1, 1)), P.reshape(b, (1, -1)))


def inner(x1, x2):
    a, b = convert_to_tensor(x1), convert_to_tensor(x2)
    if a.ndim == 0 or b.ndim == 0:
        return P.multiply(a, b)
    return tensordot(a, b, axes=([a.ndim - 1], [b.ndim - 1]))


def vdot(x1, x2):
    return reductions.sum(P.multiply(P.reshape(x1, (-1,)), P.reshape(x2, (-1,))))


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
    # explicit sizes, not -1: a 0-size axis (contracted or free) leaves -1 undetermined
    m = int(np.prod([a.shape[i] for i in free_a]))
    n = int(np.prod([b.shape[i] for i in free_b]))
    am = P.reshape(P.transpose(a, free_a + axes_a), (m, k))
    bm = P.reshape(P.transpose(b, axes_b + free_b), (k, n))
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
    a, b = convert_to_tensor(x1), convert_to_tensor(x2)
    for name, v, along in (("x1", a, axisa), ("x2", b, axisb)):
        if v.shape[along] not in (2, 3):
            raise ValueError(f"`{name}`'s dim on `axis={along}` must be either 2 or 3, but "
                             f"received: {v.shape[along]}")
    a, b = P.transpose(a, _last(a.ndim, axisa)), P.transpose(b, _last(b.ndim, axisb))
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


def _sublist_subscripts(args):
    """(subscripts string, operands) of ``einsum(op0, sublist0, op1, sublist1, ..., [out])``."""
    def term(sublist):
        return "".join("..." if axis is Ellipsis else string.ascii_letters[int(axis)]
                       for axis in sublist)

    pairs = args[:len(args) - len(args) % 2]
    inputs = ",".join(term(sublist) for sublist in pairs[1::2])
    output = "->" + term(args[-1]) if len(args) % 2 else ""
    return inputs + output, pairs[0::2]


def einsum(subscripts, *operands):
    """Einstein summation, composed: align, multiply, then sum the contracted indices.

    ``subscripts`` like ``"ij,jk->ik"``; ``...`` stands for leading broadcast axes. numpy's
    other form works too: ``einsum(a, [0, 1], b, [1])``, operands each followed by its list
    of axis numbers (or ``...``), then optionally the output's list.
    """
    if not isinstance(subscripts, str):
        subscripts, operands = _sublist_subscripts((subscripts,) + operands)
    ops_ = _int8_widened([convert_to_tensor(o) for o in operands])
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
    # integer dtypes as Keras gives them: a contraction of several operands is in their
    # promoted dtype (uint8 x uint8 stays uint8, wrapping as Keras's does; int8 x uint8 is
    # int16; int8 alone was widened to int32 above), bools count in int32 (ops.sum's rule),
    # and a one-operand reduction ("ii", "ij->i") widens to int64, as Keras's torch einsum
    reduce = reductions.sum if len(ops_) > 1 else P.sum
    out = reduce(product, axis=summed) if summed else product
    promoted = np.result_type(*(o.dtype for o in ops_))
    if len(ops_) > 1 and promoted.kind in "iu" and out.dtype != promoted:
        out = P.cast(out, promoted)
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


def diagflat(x, k=0):
    """A square matrix with the flattened ``x`` on diagonal ``k``."""
    return diag(P.reshape(convert_to_tensor(x), (-1,)), k)


def vander(x, N=None, increasing=False):  # noqa: N803 - numpy's argument name
    """The Vandermonde matrix of 1-D ``x``: columns ``x**(N-1), ..., x, 1`` (or increasing).

    Raises:
        ValueError: if ``x`` is not 1-D or ``N`` is negative.
    """
    x = convert_to_tensor(x)
    if x.ndim != 1:
        raise ValueError(f"x must be a one-dimensional array. Received: x.shape={x.shape}")
    n = x.shape[0] if N is None else int(N)
    if n < 0:
        raise ValueError(f"N must be non-negative. Received: N={N}")
    powers = np.arange(n) if increasing else np.arange(n)[::-1]
    columns = P.broadcast_to(P.reshape(x, (-1, 1)), (x.shape[0], n))
    return P.power(columns, powers.astype(x.dtype))


def cdist(x, y):
    """Euclidean distances between the rows of ``x`` (..., m, d) and of ``y`` (..., n, d):
    shape (..., m, n). Formula: ``sqrt(sum_k (x_ik - y_jk)^2)``."""
    x, y = as_float(x), as_float(y)
    if x.ndim < 2 or y.ndim < 2 or x.shape[-1] != y.shape[-1]:
        raise ValueError(f"cdist expects x of shape (..., m, d) and y of shape (..., n, d) "
                         f"with the same d. Received: x.shape={x.shape}, y.shape={y.shape}")
    differences = P.subtract(P.reshape(x, x.shape[:-1] + (1, x.shape[-1])),
                             P.reshape(y, y.shape[:-2] + (1,) + y.shape[-2:]))
    return P.sqrt(P.sum(P.square(differences), -1))


# ---- keras.ops.linalg: square-matrix functions and decompositions --------------------------

def _matrices(x, name, square=True):
    """``x`` as a float Tensor of rank >= 2 (square in its last two axes when ``square``)."""
    x = as_float(x)
    if x.ndim < 2:
        raise ValueError(f"{name}: Expected input to have rank >= 2. Received input with "
                         f"shape {x.shape}.")
    if square and x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{name}: Expected a square matrix. Received non-square input with "
                         f"shape {x.shape}")
    return x


def inv(x):
    """The inverse of each square matrix in the last two axes."""
    return L.inv(_matrices(x, "inv"))


def slogdet(x):
    """``(sign, log|det|)`` of each square matrix: det = sign · exp(log|det|). The sign has
    no gradient; log|det| has A^-T."""
    x = _matrices(x, "slogdet")
    sign = Tensor(np.linalg.slogdet(x.data)[0].astype(x.dtype))
    return sign, L.log_abs_det(x)


def det(x):
    """The determinant of each square matrix (gradient ``det · x^-T``)."""
    return L.det(_matrices(x, "det"))


def logdet(x):
    """``log(det(x))`` of matrices with a positive determinant (Hermitian positive-definite
    in Keras's use); NaN where the determinant is negative."""
    sign, log_abs = slogdet(x)
    return P.where(sign.data > 0, log_abs, np.asarray(np.nan, log_abs.dtype))


def solve(a, b):
    """``x`` with ``a @ x = b``; ``b`` of shape ``(..., n, k)`` or a vector ``(..., n)``."""
    return _solve(a, b, None, "solve")


def solve_triangular(a, b, lower=False):
    """``solve`` reading only the lower (``lower=True``) or upper triangle of ``a``."""
    return _solve(a, b, bool(lower), "solve_triangular")


def _solve(a, b, lower, name):
    a, b = _matrices(a, name), as_float(b)
    vector = b.ndim == a.ndim - 1
    if (b.shape[-1] if vector else b.shape[-2]) != a.shape[-1]:
        raise ValueError("Incompatible shapes between `a` and `b`. Expected `a.shape[-2] == "
                         f"b.shape[-2]`. Received: a.shape={a.shape}, b.shape={b.shape}")
    x = L.solve(a, P.reshape(b, b.shape + (1,)) if vector else b, lower)
    return P.reshape(x, b.shape) if vector else x


def cholesky(x, upper=False):
    """The Cholesky factor of symmetric positive-definite matrices: lower ``L`` with
    ``x = L L^T`` (or upper ``U = L^T`` with ``x = U^T U``).

    Raises:
        ValueError: if a matrix is not positive definite.
    """
    factor = L.cholesky(_matrices(x, "cholesky"))
    return P.transpose(factor, _swap_last(factor.ndim)) if upper else factor


def cholesky_inverse(x, upper=False):
    """The inverse of ``L L^T`` from its lower Cholesky factor ``x`` (``U^T U`` from an upper
    one): ``L^-T L^-1``."""
    factor = _matrices(x, "cholesky_inverse")
    eye = np.broadcast_to(np.eye(factor.shape[-1], dtype=factor.dtype), factor.shape)
    inverse = solve_triangular(factor, eye, lower=not upper)      # L^-1 (or U^-1)
    inverse_t = P.transpose(inverse, _swap_last(inverse.ndim))
    return P.matmul(inverse, inverse_t) if upper else P.matmul(inverse_t, inverse)


def _swap_last(ndim):
    return list(range(ndim - 2)) + [ndim - 1, ndim - 2]


def eig(x):
    """Eigenvalues and eigenvectors (columns) of square matrices, as complex tensors
    (complex64; complex128 from float64), in LAPACK's order. No gradient."""
    x = _matrices(x, "eig")
    w, v = np.linalg.eig(x.data)
    dtype = np.complex128 if x.data.dtype == np.float64 else np.complex64
    return Tensor(w.astype(dtype)), Tensor(v.astype(dtype))


def eigh(x):
    """Eigenvalues (ascending) and eigenvectors (columns) of symmetric matrices, reading
    their lower triangle: ``(w, v)`` with ``x = v diag(w) v^T``."""
    x = _matrices(x, "eigh")
    packed = L.eigh(x)                                     # (..., n + 1, n)
    return P.getitem(packed, (Ellipsis, 0, slice(None))), \
        P.getitem(packed, (Ellipsis, slice(1, None), slice(None)))


def qr(x, mode="reduced"):
    """``(q, r)`` with ``x = q r``, q with orthonormal columns, r upper triangular.

    "reduced" (m >= n: q is m x n, r n x n) carries gradients; "complete" (q m x m, r m x n)
    and wide inputs (m < n) are computed without a gradient.
    """
    if mode not in ("reduced", "complete"):
        raise ValueError("`mode` argument value not supported. Expected one of "
                         f"{{'reduced', 'complete'}}. Received: mode={mode}")
    x = _matrices(x, "qr", square=False)
    m, n = x.shape[-2:]
    if mode == "complete" or m < n:
        q, r = np.linalg.qr(x.data, mode=mode)
        return Tensor(q.astype(x.dtype)), Tensor(r.astype(x.dtype))
    packed = L.qr(x)                                       # (..., m + n, n)
    return P.getitem(packed, (Ellipsis, slice(0, m), slice(None))), \
        P.getitem(packed, (Ellipsis, slice(m, None), slice(None)))


def svd(x, full_matrices=True, compute_uv=True):
    """Singular value decomposition ``x = u diag(s) vh``: ``(u, s, vh)``, or only ``s``
    (descending) when ``compute_uv=False``. The singular values carry gradients; u and vh
    are computed without one."""
    x = _matrices(x, "svd", square=False)
    s = L.singular_values(x)
    if not compute_uv:
        return s
    u, _, vh = np.linalg.svd(x.data, full_matrices=full_matrices)
    return Tensor(u.astype(x.dtype)), s, Tensor(vh.astype(x.dtype))


def pinv(x, rcond=None):
    """The Moore-Penrose pseudo-inverse (singular values below ``rcond · max(s)`` count as
    zero; default ``rcond`` is ``max(m, n) · eps``), no gradient."""
    x = _matrices(x, "pinv", square=False)
    if rcond is None:
        rcond = max(x.shape[-2:]) * np.finfo(x.dtype).eps
    return Tensor(np.linalg.pinv(x.data, rcond=rcond).astype(x.dtype))


def lstsq(a, b, rcond=None):
    """The least-squares solution ``x`` minimizing ``|a x - b|`` (a of rank 2, b of rank
    1 or 2), no gradient."""
    a, b = as_float(a), as_float(b)
    if a.ndim != 2:
        raise ValueError(f"Expected a to have rank 2. Received: a.shape={a.shape}")
    if b.ndim not in (1, 2):
        raise ValueError(f"Expected b to have rank 1 or 2. Received: b.shape={b.shape}")
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"Expected b.shape[0] to be equal to a.shape[0]. Received: "
                         f"a.shape={a.shape}, b.shape={b.shape}")
    if rcond is None:
        rcond = max(a.shape) * np.finfo(a.dtype).eps
    return Tensor(np.linalg.lstsq(a.data, b.data, rcond=rcond)[0].astype(a.dtype))


def matrix_rank(x, tol=None):
    """The number of singular values above ``tol`` (default ``max(s) · max(m, n) · eps``),
    int32."""
    x = _matrices(x, "matrix_rank", square=False)
    return Tensor(np.asarray(np.linalg.matrix_rank(x.data, tol=tol)).astype(np.int32))


def lu_factor(x):
    """LU decomposition with partial pivoting, packed as scipy and Keras give it: ``(lu,
    pivots)``, lu holding L (unit diagonal, below) and U (on and above), pivots the int32 row
    swapped with each row in turn. No gradient."""
    x = _matrices(x, "lu_factor")
    lu = np.array(x.data, dtype=x.dtype)
    n = lu.shape[-1]
    pivots = np.zeros(lu.shape[:-1], np.int32)
    rows = np.indices(lu.shape[:-2])
    for k in range(n):
        p = k + np.argmax(np.abs(lu[..., k:, k]), axis=-1)           # (...,)
        pivots[..., k] = p
        row_k, row_p = lu[(*rows, k)].copy(), lu[(*rows, p)].copy()
        lu[(*rows, k)], lu[(*rows, p)] = row_p, row_k
        pivot = lu[..., k, k][..., None]
        lu[..., k + 1:, k] /= np.where(pivot == 0, 1, pivot)
        lu[..., k + 1:, k + 1:] -= lu[..., k + 1:, k, None] * lu[..., k, None, k + 1:]
    return Tensor(lu), Tensor(pivots)
