"""TerminateOnNaN: stop training when the loss stops being a finite number."""
import math

from .callback import CALLBACKS, Callback
from ..io_utils import print_msg


@CALLBACKS.register("TerminateOnNaN")
class TerminateOnNaN(Callback):
    """Stop training as soon as the running loss is NaN or infinite.

    Checked at every training batch end (``on_batch_end``).

    Args:
        raise_error: False (default): print ``Batch N: Invalid loss, terminating training``
            and set ``model.stop_training`` (training ends after this batch and the other
            callbacks' ``on_train_end`` still run). True: raise a RuntimeError at once.
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(float(loss)):
            return
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. "
                               f"Loss value: {loss}. Terminating training immediately.")
        print_msg(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
