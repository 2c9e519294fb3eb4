"""Linear-algebra primitives: inverse, determinant, log |det|, linear solves, Cholesky, and the
symmetric eigen- and singular-value decompositions.

Each works on the last two axes (leading axes are a batch) through numpy.linalg, and its
backward is the matrix-calculus rule written beside it (M. Giles, "An extended collection of
matrix derivative results for forward and reverse mode AD", 2008; I. Murray, "Differentiation
of the Cholesky decomposition", 2016). Inputs of the symmetric decompositions are taken as
symmetric: their gradient is symmetrized.

Second order: each ``vjp`` is the same rule written with the primitives (the decomposition
recomputed by its own callable form, so that it records), to any order. The singular values
have no primitive for their singular vectors: their vjp takes them from ``eigh`` of A^T A (or
A A^T), which needs distinct, nonzero singular values (as any second derivative of them does).
"""
import numpy as np

from .elementwise import sqrt
from .function import Function, primitive
from .linear import matmul
from .shape import reshape, transpose


def _mT(a):  # noqa: N802 - the matrix transpose of a batch
    return np.swapaxes(a, -1, -2)


def _sym(a):
    return (a + _mT(a)) / 2


def _t(a):
    """The matrix transpose of a batch of Tensors (recorded)."""
    return transpose(a, tuple(range(a.ndim - 2)) + (a.ndim - 1, a.ndim - 2))


def _as_matrices(g):
    """A batch of scalars (a Tensor) as a batch of 1x1 matrices, to scale matrices by."""
    return reshape(g, tuple(g.shape) + (1, 1))


def _triangle_mask(n, lower, dtype, diagonal=1.0):
    """(n, n) ones on the lower (or upper) triangle, ``diagonal`` on the diagonal."""
    mask = np.tril(np.ones((n, n), dtype), -1) if lower else np.triu(np.ones((n, n), dtype), 1)
    return mask + diagonal * np.eye(n, dtype=dtype)


class Inv(Function):
    """Y = A^-1; backward -Y^T gY Y^T."""

    def forward(self, a):
        self.y = np.linalg.inv(a)
        return self.y

    def backward(self, gy):
        yt = _mT(self.y)
        return (-(yt @ gy @ yt),)

    def vjp(self, gy):
        yt = _t(inv(self.inputs[0]))
        return (-(yt @ gy @ yt),)


@primitive
def inv(a):
    return Inv()(a)


class Det(Function):
    """det A; backward g · det A · A^-T."""

    def forward(self, a):
        self.a, self.det = a, np.linalg.det(a)
        return self.det

    def backward(self, gy):
        return (np.asarray(gy * self.det)[..., None, None] * _mT(np.linalg.inv(self.a)),)

    def vjp(self, gy):
        a = self.inputs[0]
        return (_as_matrices(gy * det(a)) * _t(inv(a)),)


@primitive
def det(a):
    return Det()(a)


class LogAbsDet(Function):
    """log |det A|; backward g · A^-T."""

    def forward(self, a):
        self.a = a
        return np.linalg.slogdet(a)[1]

    def backward(self, gy):
        return (np.asarray(gy)[..., None, None] * _mT(np.linalg.inv(self.a)),)

    def vjp(self, gy):
        return (_as_matrices(gy) * _t(inv(self.inputs[0])),)


@primitive
def log_abs_det(a):
    return LogAbsDet()(a)


class Solve(Function):
    """X = A^-1 B (B of shape (..., n, k)); backward gB = A^-T gX, gA = -gB X^T.

    ``lower`` True / False solves with only that triangle of A (and A's gradient keeps to
    it); None uses all of A."""

    def __init__(self, lower=None):
        self.lower = lower

    def _triangle(self, a):
        if self.lower is None:
            return a
        return np.tril(a) if self.lower else np.triu(a)

    def forward(self, a, b):
        self.a = self._triangle(a)
        self.x = np.linalg.solve(self.a, b)
        return self.x

    def backward(self, gx):
        gb = np.linalg.solve(_mT(self.a), gx)
        return self._triangle(-(gb @ _mT(self.x))), gb

    def vjp(self, gx):
        a, b = self.inputs
        mask = None if self.lower is None else _triangle_mask(a.shape[-1], self.lower,
                                                              self.a.dtype)
        gb = solve(_t(a if mask is None else a * mask), gx)
        ga = -(gb @ _t(solve(a, b, self.lower)))
        return ga if mask is None else ga * mask, gb


@primitive
def solve(a, b, lower=None):
    return Solve(lower)(a, b)


class Cholesky(Function):
    """L with A = L L^T (lower); backward (Murray 2016) with Phi = lower triangle, half
    diagonal: S = L^-T Phi(L^T gL) L^-1, gA = (S + S^T) / 2."""

    def forward(self, a):
        try:
            self.l = np.linalg.cholesky(a)
        except np.linalg.LinAlgError as error:
            raise ValueError("cholesky expects a symmetric positive-definite matrix; the "
                             f"input is not ({error}).") from None
        return self.l

    def backward(self, gl):
        eye = np.eye(self.l.shape[-1], dtype=self.l.dtype)
        l_inv = np.linalg.solve(self.l, np.broadcast_to(eye, self.l.shape))
        p = np.tril(_mT(self.l) @ gl)
        p = p - 0.5 * np.eye(p.shape[-1], dtype=p.dtype) * p
        s = _mT(l_inv) @ p @ l_inv
        return (_sym(s),)

    def vjp(self, gl):
        l_inv = inv(cholesky(self.inputs[0]))
        p = (_t(inv(l_inv)) @ gl) * _triangle_mask(gl.shape[-1], True, self.l.dtype, 0.5)
        s = _t(l_inv) @ p @ l_inv
        return ((s + _t(s)) / 2,)


@primitive
def cholesky(a):
    return Cholesky()(a)


class Eigh(Function):
    """Eigenvalues (ascending) and eigenvectors of a symmetric A, packed as one array
    (..., n + 1, n): row 0 holds w, rows 1.. hold V (A = V diag(w) V^T).

    Backward (distinct eigenvalues): gA = V (diag(gw) + F ∘ (V^T gV)) V^T, symmetrized, with
    F_ij = 1 / (w_j - w_i) off the diagonal and 0 on it."""

    def forward(self, a):
        self.w, self.v = np.linalg.eigh(a)
        return np.concatenate([self.w[..., None, :], self.v], axis=-2)

    def backward(self, g):
        gw, gv = g[..., 0, :], g[..., 1:, :]
        gaps = self.w[..., None, :] - self.w[..., :, None]           # w_j - w_i
        off = ~np.eye(gaps.shape[-1], dtype=bool)
        f = np.divide(1.0, gaps, out=np.zeros_like(gaps), where=off)
        inner = f * (_mT(self.v) @ gv)
        inner = inner + gw[..., None, :] * np.eye(gw.shape[-1], dtype=gw.dtype)
        return (_sym(self.v @ inner @ _mT(self.v)),)

    def vjp(self, g):
        packed = eigh(self.inputs[0])
        w, v = packed[..., 0, :], packed[..., 1:, :]
        eye = np.eye(w.shape[-1], dtype=self.w.dtype)
        # 1 / (w_j - w_i) off the diagonal, 0 on it
        f = (1 - eye) / (w[..., None, :] - w[..., :, None] + eye)
        inner = f * (_t(v) @ g[..., 1:, :]) + g[..., 0, :][..., None, :] * eye
        s = v @ inner @ _t(v)
        return ((s + _t(s)) / 2,)


@primitive
def eigh(a):
    return Eigh()(a)


class SingularValues(Function):
    """The singular values s of A (descending); backward U diag(gs) V^T (thin SVD)."""

    def forward(self, a):
        self.u, s, self.vt = np.linalg.svd(a, full_matrices=False)
        return s

    def backward(self, gs):
        return ((self.u * gs[..., None, :]) @ self.vt,)

    def vjp(self, gs):
        """U diag(gs) V^T = A V diag(gs / s) V^T, V from eigh(A^T A) (eigenvalues s², in
        ascending order: gs reversed), or U diag(gs / s) U^T A, U from eigh(A A^T)."""
        a = self.inputs[0]
        tall = a.shape[-2] >= a.shape[-1]
        packed = eigh(_t(a) @ a if tall else a @ _t(a))
        vectors = packed[..., 1:, :]
        scaled = vectors * (gs[..., ::-1] / sqrt(packed[..., 0, :]))[..., None, :]
        return (matmul(a, scaled @ _t(vectors)) if tall else scaled @ _t(vectors) @ a,)


@primitive
def singular_values(a):
    return SingularValues()(a)


class QR(Function):
    """The reduced QR decomposition of A (m x n, m >= n), packed as one array (..., m + n, n):
    rows :m hold Q, rows m: hold R.

    Backward (A of full column rank): M = R gR^T - gQ^T Q, C = copyltu(M) (M's lower
    triangle mirrored above the diagonal), gA = (gQ + Q C) R^-T."""

    def forward(self, a):
        self.q, self.r = np.linalg.qr(a)
        return np.concatenate([self.q, self.r], axis=-2)

    def backward(self, g):
        m = self.q.shape[-2]
        gq, gr = g[..., :m, :], g[..., m:, :]
        mm = self.r @ _mT(gr) - _mT(gq) @ self.q
        lower = np.tril(mm, -1)
        c = lower + _mT(lower) + np.eye(mm.shape[-1], dtype=mm.dtype) * mm
        rhs = gq + self.q @ c                                  # gA R^T = rhs
        return (_mT(np.linalg.solve(self.r, _mT(rhs))),)

    def vjp(self, g):
        m = self.q.shape[-2]
        packed = qr(self.inputs[0])
        q, r = packed[..., :m, :], packed[..., m:, :]
        gq, gr = g[..., :m, :], g[..., m:, :]
        mm = r @ _t(gr) - _t(gq) @ q
        # copyltu(M): M's lower triangle mirrored above the diagonal
        lower = mm * _triangle_mask(mm.shape[-1], True, self.r.dtype, 0.0)
        c = lower + _t(lower) + mm * np.eye(mm.shape[-1], dtype=self.r.dtype)
        return (_t(solve(r, _t(gq + q @ c), lower=False)),)


@primitive
def qr(a):
    return QR()(a)
