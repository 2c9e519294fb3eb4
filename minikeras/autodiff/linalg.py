"""Linear-algebra primitives: inverse, determinant, log |det|, linear solves, Cholesky, and the
symmetric eigen- and singular-value decompositions.

Each works on the last two axes (leading axes are a batch) through numpy.linalg, and its
backward is the matrix-calculus rule written beside it (M. Giles, "An extended collection of
matrix derivative results for forward and reverse mode AD", 2008; I. Murray, "Differentiation
of the Cholesky decomposition", 2016). Inputs of the symmetric decompositions are taken as
symmetric: their gradient is symmetrized.
"""
import numpy as np

from .function import Function, primitive


def _mT(a):  # noqa: N802 - the matrix transpose of a batch
    return np.swapaxes(a, -1, -2)


def _sym(a):
    return (a + _mT(a)) / 2


class Inv(Function):
    """Y = A^-1; backward -Y^T gY Y^T."""

    def forward(self, a):
        self.y = np.linalg.inv(a)
        return self.y

    def backward(self, gy):
        yt = _mT(self.y)
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


@primitive
def qr(a):
    return QR()(a)
