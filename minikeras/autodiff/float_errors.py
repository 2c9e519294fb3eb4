"""numpy's floating-point warnings off while minikeras computes, as Keras's backends compute
inf and nan without a word: ``ops.log(0)`` is -inf, ``0 / 0`` nan, and a script run with
``-W error`` gets them as Keras does instead of a RuntimeWarning raised.

numpy 2 keeps its error state in a context variable: setting it to a state captured once
costs ~0.8 us with the check (a tenth of a small eager primitive), where entering
``np.errstate`` costs ~3 us. Every primitive's forward pass (``Function.__call__``), every
outermost layer or model call (``Layer._call_in_context``) and every backward pass runs
silenced; the check alone (``STATE.get() is QUIET``, ~0.1 us) finds it so inside ``fit``
or a model's call. Under numpy 1, where that variable does not exist, ``fit``, ``evaluate``,
``predict``, ``optimizer.apply`` and the backward pass enter ``np.errstate(all="ignore")``
and a primitive called on its own still warns.
"""
import numpy as np

try:  # numpy's error state (None under numpy 1)
    from numpy._core._ufunc_config import _extobj_contextvar as STATE
except ImportError:
    STATE = None

if STATE is not None:
    with np.errstate(all="ignore"):
        QUIET = STATE.get()  # the error state with every floating-point warning off
else:
    QUIET = None


class silenced:
    """Context manager: numpy's floating-point warnings (overflow, invalid value, divide by
    zero, underflow) off inside the block, the caller's state restored after it."""

    __slots__ = ("token", "errstate")

    def __enter__(self):
        if STATE is not None:
            self.token = STATE.set(QUIET)
        else:
            self.errstate = np.errstate(all="ignore")
            self.errstate.__enter__()
        return self

    def __exit__(self, *exc):
        if STATE is not None:
            STATE.reset(self.token)
        else:
            self.errstate.__exit__(*exc)
