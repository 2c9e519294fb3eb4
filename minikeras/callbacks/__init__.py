"""keras.callbacks: objects whose hooks fit / evaluate / predict call as they run."""
from .backup_and_restore import BackupAndRestore
from .callback import CALLBACKS, Callback, CallbackList, History, ProgbarLogger
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping
from .lambda_callback import LambdaCallback
from .learning_rate import LearningRateScheduler, ReduceLROnPlateau
from .model_checkpoint import ModelCheckpoint
from .remote_monitor import RemoteMonitor
from .swap_ema_weights import SwapEMAWeights
from .tensorboard import TensorBoard
from .terminate_on_nan import TerminateOnNaN

__all__ = ["BackupAndRestore", "CALLBACKS", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History",
           "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint", "RemoteMonitor",
           "ProgbarLogger", "ReduceLROnPlateau", "SwapEMAWeights", "TensorBoard",
           "TerminateOnNaN"]
