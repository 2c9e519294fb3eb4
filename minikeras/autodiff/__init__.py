"""A small define-by-run reverse-mode autodiff on numpy arrays (knows nothing of Keras)."""
from . import primitives
from .grad_mode import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .primitives import PRIMITIVES
from .tensor import Tensor, as_tensor, backprop, grad

__all__ = ["PRIMITIVES", "Tensor", "as_tensor", "backprop", "detect_anomaly", "enable_grad",
           "grad", "is_grad_enabled", "no_grad", "primitives"]
