"""keras.optimizers: every Keras 3 optimizer, the schedules, and get/serialize/deserialize.

String names are the class names in any casing (``"adam"``, ``"RMSprop"``, ``"sgd"``,
``"lamb"``, ...), read from the one registry ``OPTIMIZERS`` that each class registers
itself in. See docs/optimizers.md for the update rule of each optimizer.
"""
from . import legacy, schedules  # noqa: F401
from .adafactor import Adafactor
from .adagrad import Adadelta, Adagrad
from .adam import Adam, Adamax, AdamW, Nadam
from .ftrl import Ftrl
from .lamb import Lamb
from .lion import Lion
from .loss_scale_optimizer import LossScaleOptimizer
from .multi_optimizer import MultiOptimizer, OptimizerMap
from .muon import Muon
from .identifiers import deserialize, get, serialize
from .optimizer import OPTIMIZERS, LearningRateValue, Optimizer
from .rmsprop import RMSprop
from .schedule_free_adamw import ScheduleFreeAdamW
from .sgd import SGD

__all__ = ["Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lamb", "Lion",
           "LossScaleOptimizer", "MultiOptimizer", "Muon", "Nadam", "Optimizer", "OptimizerMap",
           "RMSprop", "SGD", "ScheduleFreeAdamW", "deserialize", "get", "legacy", "schedules",
           "serialize"]
