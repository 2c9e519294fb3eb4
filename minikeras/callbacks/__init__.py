"""keras.callbacks: objects whose hooks fit / evaluate / predict call as they run."""
from .callback import CALLBACKS, Callback, CallbackList, History, ProgbarLogger
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping
from .learning_rate import LearningRateScheduler, ReduceLROnPlateau
from .misc import LambdaCallback, SwapEMAWeights, TerminateOnNaN
from .model_checkpoint import ModelCheckpoint
from .tensorboard import TensorBoard

__all__ = ["CALLBACKS", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History",
           "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint",
           "ProgbarLogger", "ReduceLROnPlateau", "SwapEMAWeights", "TensorBoard",
           "TerminateOnNaN"]
