"""TensorBoard: accepted so Keras scripts run; minikeras writes no event files."""
import warnings

from .callback import CALLBACKS, Callback


@CALLBACKS.register("TensorBoard")
class TensorBoard(Callback):
    """Keras's TensorBoard callback, without the writing.

    TensorBoard event files need TensorFlow's summary writer, which minikeras does not
    depend on. The callback takes Keras's arguments, warns once when training starts, and
    otherwise does nothing; use ``CSVLogger`` (or ``History``) to keep the logs.

    Args:
        log_dir, histogram_freq, write_graph, write_images, write_steps_per_second,
        update_freq, profile_batch, embeddings_freq, embeddings_metadata: as in Keras.
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        self.log_dir = str(log_dir)
        self.histogram_freq, self.write_graph = histogram_freq, write_graph
        self.write_images, self.write_steps_per_second = write_images, write_steps_per_second
        self.update_freq, self.profile_batch = update_freq, profile_batch
        self.embeddings_freq, self.embeddings_metadata = embeddings_freq, embeddings_metadata
        self._warned = False

    def on_train_begin(self, logs=None):
        if not self._warned:
            self._warned = True
            warnings.warn(
                "minikeras cannot write TensorBoard event files (that needs TensorFlow); the "
                f"TensorBoard callback writes nothing to '{self.log_dir}'. Use "
                "keras.callbacks.CSVLogger to keep the per-epoch logs.", stacklevel=2)
