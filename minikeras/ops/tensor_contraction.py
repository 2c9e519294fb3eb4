"""Two-operand einsum as one batched matrix product: ``contract("abc,cde->abde", x, w)``.

Why a second einsum: ``ops.einsum`` is composed as broadcast-multiply-then-sum, which
materializes the full product of both operands (batch x seq x in x heads x dim for an
attention projection) and is slow. Every two-operand contraction without repeated
letters is a transpose, a reshape, one GEMM (``P.matmul``), a reshape and a transpose,
so it runs at BLAS speed and its gradient comes from those primitives. The operands go in
the order the output lists their free axes, so the product needs no transpose after it
(an attention's scores ``"aecd,abcd->acbe"``: query times key, not key times query).
"""
import numpy as np

from ..autodiff import primitives as P
from .core import convert_to_tensor


def _expand_ellipsis(terms, operands, output):
    ranks = [o.ndim - len(t.replace("...", "")) for t, o in zip(terms, operands) if "..." in t]
    ell = "".join(chr(0x100 + i) for i in range(max(ranks, default=0)))
    terms = [t.replace("...", ell[len(ell) - (o.ndim - len(t.replace("...", ""))):])
             for t, o in zip(terms, operands)]
    return terms, output.replace("...", ell)


def contract(equation, a, b):
    """``einsum(equation, a, b)`` for equations with an explicit output (``"ab,bc->ac"``),
    ``...`` allowed; each letter appears at most once per operand."""
    a, b = convert_to_tensor(a), convert_to_tensor(b)
    inputs, arrow, output = equation.replace(" ", "").partition("->")
    terms = inputs.split(",")
    if not arrow or len(terms) != 2:
        raise ValueError(f"contract expects an equation 'x,y->z' for two operands with an "
                         f"explicit output; received {equation!r}.")
    (ta, tb), output = _expand_ellipsis(terms, (a, b), output)
    for term, x in ((ta, a), (tb, b)):
        if len(term) != x.ndim or len(set(term)) != len(term):
            raise ValueError(f"contract: term {term!r} of {equation!r} does not fit an operand "
                             f"of shape {tuple(x.shape)} (one distinct letter per axis).")
    a, ta = _sum_unused(a, ta, tb + output)
    b, tb = _sum_unused(b, tb, ta + output)
    b_free = [c for c in output if c in tb and c not in ta]
    if b_free and output.index(b_free[0]) < min(
            (output.index(c) for c in output if c in ta and c not in tb), default=len(output)):
        # the output lists b's free axes first: b @ a gives them in that order, no transpose
        (a, ta), (b, tb) = (b, tb), (a, ta)
    batch = [c for c in output if c in ta and c in tb]
    summed = [c for c in ta if c in tb and c not in output]
    a_free = [c for c in output if c in ta and c not in tb]
    b_free = [c for c in output if c in tb and c not in ta]
    size = {**dict(zip(ta, a.shape)), **dict(zip(tb, b.shape))}

    def prod(letters):
        return int(np.prod([size[c] for c in letters], dtype=np.int64))

    a2 = P.reshape(_transpose(a, ta, batch + a_free + summed),
                   [prod(batch), prod(a_free), prod(summed)])
    b2 = P.reshape(_transpose(b, tb, batch + summed + b_free),
                   [prod(batch), prod(summed), prod(b_free)])
    out = P.reshape(P.matmul(a2, b2), [size[c] for c in batch + a_free + b_free])
    return _transpose(out, "".join(batch + a_free + b_free), list(output))


def _sum_unused(x, term, elsewhere):
    """Sum away the axes whose letter appears nowhere else."""
    unused = tuple(i for i, c in enumerate(term) if c not in elsewhere)
    if not unused:
        return x, term
    return P.sum(x, axis=unused), "".join(c for c in term if c in elsewhere)


def _transpose(x, term, order):
    perm = [term.index(c) for c in order]
    return x if perm == list(range(len(perm))) else P.transpose(x, perm)
