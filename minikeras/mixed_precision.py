"""keras.mixed_precision: the dtype-policy names under Keras's mixed-precision module (Keras 2's
``set_global_policy`` / ``global_policy`` / ``Policy`` included) and LossScaleOptimizer.
See ``dtype_policies`` for how minikeras runs a mixed policy."""
from .dtype_policies import DTypePolicy, dtype_policy, set_dtype_policy
from .optimizers.loss_scale_optimizer import LossScaleOptimizer

Policy = DTypePolicy
global_policy = dtype_policy
set_global_policy = set_dtype_policy

__all__ = ["DTypePolicy", "LossScaleOptimizer", "Policy", "dtype_policy", "global_policy",
           "set_dtype_policy", "set_global_policy"]
