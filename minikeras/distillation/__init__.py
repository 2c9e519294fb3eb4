"""keras.distillation: knowledge distillation, training a small student model from a frozen
teacher model (see docs/distillation.md)."""
from .distillation_loss import (DISTILLATION_OBJECTS, DistillationLoss, FeatureDistillation,
                                LogitsDistillation)
from .distiller import Distiller

__all__ = ["DistillationLoss", "Distiller", "FeatureDistillation", "LogitsDistillation"]
