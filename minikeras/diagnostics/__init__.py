"""keras.diagnostics (a minikeras extension, not in Keras): see what training does per layer.

``Diagnostics`` is a callback measuring, per layer and per epoch, gradient and weight
norms, update-to-weight ratios, dead ReLU units and saturated sigmoid / tanh outputs, and
flagging vanishing or exploding gradients; ``report`` trains with it and prints the table.
"""
from .callback import Diagnostics
from .report import report

__all__ = ["Diagnostics", "report"]
