"""keras.callbacks.TensorBoard: event files the TensorBoard app opens, in Keras's layout.

The files are written with the ``tensorboard`` package's own event writer and summary
protos (the optional extra ``minikeras[tensorboard]``, which is what users install to view
the logs anyway); TensorFlow is not needed. Summaries are TF2-style tensor summaries with
the scalars / histograms / images plugin metadata, as ``tf.summary`` writes them for Keras.
"""
import os
import struct
import time
import zlib

import numpy as np

from .callback import CALLBACKS, Callback

_EXTRA_HINT = 'pip install "minikeras[tensorboard]"'


def _tensorboard():
    """The pieces of the ``tensorboard`` package the writer uses, imported on first use."""
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.plugins.histogram import summary_v2 as histogram_summary
        from tensorboard.plugins.image import metadata as image_metadata
        from tensorboard.plugins.scalar import summary_v2 as scalar_summary
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
        from tensorboard.util import tensor_util
    except ImportError as error:
        raise ImportError(
            "keras.callbacks.TensorBoard writes event files with the `tensorboard` package, "
            f"which is not installed ({error}). Install it with: {_EXTRA_HINT}") from None
    return {"event_pb2": event_pb2, "summary_pb2": summary_pb2,
            "histogram": histogram_summary, "image_metadata": image_metadata,
            "scalar": scalar_summary, "EventFileWriter": EventFileWriter,
            "tensor_util": tensor_util}


def png_bytes(image):
    """A ``(height, width, channels)`` uint8 array (1, 3 or 4 channels) as PNG file bytes."""
    height, width, channels = image.shape
    color_type = {1: 0, 3: 2, 4: 6}[channels]  # grey, RGB, RGBA
    rows = np.concatenate([np.zeros((height, 1), np.uint8),  # filter byte 0 per row
                           image.reshape(height, width * channels)], axis=1)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
            chunk(b"IDAT", zlib.compress(rows.tobytes())) + chunk(b"IEND", b""))


class EventWriter:
    """One run's event file (``logs/train`` or ``logs/validation``) and its summaries."""

    def __init__(self, log_dir):
        self._tb = _tensorboard()
        os.makedirs(log_dir, exist_ok=True)
        self._writer = self._tb["EventFileWriter"](log_dir)

    def _add(self, summary, step):
        event = self._tb["event_pb2"].Event(wall_time=time.time(), step=int(step),
                                            summary=summary)
        self._writer.add_event(event)

    def scalar(self, tag, value, step):
        self._add(self._tb["scalar"].scalar_pb(tag, float(np.asarray(value))), step)

    def histogram(self, tag, values, step):
        """Keras's 30 equal-width buckets between the minimum and the maximum."""
        values = np.asarray(values, dtype=np.float64)
        self._add(self._tb["histogram"].histogram_pb(tag, values), step)

    def image(self, tag, images, step, max_outputs=3):
        """``images``: ``(k, height, width, channels)`` floats, shown as ``tf.summary.image``
        shows them: scaled by 255 and clipped to [0, 255] (so values outside [0, 1] saturate);
        at most ``max_outputs`` images are kept."""
        images = np.asarray(images, dtype=np.float64)[:max_outputs]
        pixels = np.clip(images * 255.5, 0, 255).astype(np.uint8)
        height, width = images.shape[1:3]
        strings = [str(width).encode(), str(height).encode()] + [png_bytes(p) for p in pixels]
        tensor = self._tb["tensor_util"].make_tensor_proto(strings, dtype=np.object_)
        metadata = self._tb["image_metadata"].create_summary_metadata(
            display_name=None, description=None)
        summary = self._tb["summary_pb2"].Summary()
        summary.value.add(tag=tag, metadata=metadata, tensor=tensor)
        self._add(summary, step)

    def text_tensor(self, tag, text, step, plugin_name, content):
        """A string tensor under a plugin's name (Keras's model JSON for the graph tab)."""
        tensor = self._tb["tensor_util"].make_tensor_proto([text.encode()], dtype=np.object_)
        summary = self._tb["summary_pb2"].Summary()
        value = summary.value.add(tag=tag, tensor=tensor)
        value.metadata.plugin_data.plugin_name = plugin_name
        value.metadata.plugin_data.content = content
        self._add(summary, step)

    def flush(self):
        self._writer.flush()

    def close(self):
        self._writer.close()


def weight_image(weight):
    """A weight as a batch of greyscale images, as Keras shows it (None when it cannot):
    a bias is one row, a kernel is (smaller side) x (larger side), a 3-D kernel is one
    image per channel (channels_last)."""
    image = np.squeeze(np.asarray(weight, dtype=np.float64))
    if image.ndim == 1:
        return image.reshape(1, image.shape[0], 1, 1)
    if image.ndim == 2:
        if image.shape[0] > image.shape[1]:
            image = image.T
        return image.reshape(1, image.shape[0], image.shape[1], 1)
    if image.ndim == 3:
        image = np.transpose(image, (2, 0, 1))
        return image.reshape(image.shape + (1,))
    return None


@CALLBACKS.register("TensorBoard")
class TensorBoard(Callback):
    """Write training logs as TensorBoard event files (needs ``minikeras[tensorboard]``).

    Layout and tags are Keras's: ``log_dir/train`` and ``log_dir/validation`` hold one
    event file each; at every epoch end ``epoch_<key>`` scalars (``val_`` keys go to
    ``validation`` without the prefix; ``epoch_learning_rate`` and, with
    ``write_steps_per_second``, ``epoch_steps_per_second`` join the train run), at the end of
    each evaluation ``evaluation_<key>_vs_iterations`` (step: optimizer iterations), and
    with an integer ``update_freq`` (or ``"batch"``, i.e. 1) ``batch_<key>`` scalars every
    that many batches (step: the global batch count, from 1). ``histogram_freq=N`` writes
    ``<weight path>/histogram`` every N epochs, with ``<weight path>/image`` as well when
    ``write_images`` is set; ``write_graph`` writes the model's JSON config under the
    ``keras`` tag (TensorBoard's graph tab shows it). ``embeddings_freq=N`` saves the
    weights as ``train/keras_embedding.ckpt-<epoch>.weights.h5`` every N epochs and writes
    ``projector_config.pbtxt`` for the model's Embedding layers.

    Args:
        log_dir: the folder of the logs. Default ``"logs"``.
        histogram_freq: epochs between weight histograms; 0 (default) writes none.
        write_graph: write the model config for the graph tab. Default True.
        write_images: write weights as images along with the histograms.
        write_steps_per_second: log training steps per second (epoch, and per batch when
            ``update_freq`` is a number).
        update_freq: ``"epoch"`` (default), ``"batch"``, or a number of batches.
        profile_batch: must be 0: minikeras has no profiler to trace.
        embeddings_freq: epochs between embedding checkpoints; 0 (default) saves none.
        embeddings_metadata: a metadata file path, or a dict of Embedding layer name ->
            path.
    """

    writes_files = True  # under keras.distribution only rank 0 runs it

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        _tensorboard()  # fail when the callback is made, not after the first epoch
        if profile_batch:
            raise ValueError(
                "Profiling is not available in minikeras (Keras profiles only on the jax "
                f"and tensorflow backends). Received: profile_batch={profile_batch!r} "
                "(must be 0)")
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool) or
                                       not isinstance(update_freq, int) or update_freq < 1):
            raise ValueError("`update_freq` must be 'epoch', 'batch' or a positive integer. "
                             f"Received: update_freq={update_freq!r}")
        for name, value in (("histogram_freq", histogram_freq),
                            ("embeddings_freq", embeddings_freq)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"`{name}` must be a non-negative integer. Received: "
                                 f"{name}={value!r}")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq, self.write_graph = histogram_freq, write_graph
        self.write_images, self.write_steps_per_second = write_images, write_steps_per_second
        self.update_freq, self.profile_batch = update_freq, profile_batch
        self.embeddings_freq, self.embeddings_metadata = embeddings_freq, embeddings_metadata
        self._writers = {}
        self._global_train_batch = 0
        self._epoch_start = (0, 0.0)  # (iterations, time) at the epoch's start
        self._batch_start_time = 0.0

    # ---- writers ---------------------------------------------------------------------------
    def _writer(self, run):
        if run not in self._writers:
            self._writers[run] = EventWriter(os.path.join(self.log_dir, run))
        return self._writers[run]

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def set_model(self, model):
        super().set_model(model)
        self._close_writers()
        if self.write_graph and type(model).__name__ in ("Functional", "Sequential"):
            self._writer("train").text_tensor("keras", model.to_json(), 0,
                                              "graph_keras_model", b"1")
        if self.embeddings_freq:
            self._write_projector_config()

    # ---- hooks ----------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._global_train_batch = 0

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None:
            return
        writer = self._writer("validation")
        for name, value in (logs or {}).items():
            writer.scalar(f"evaluation_{name}_vs_iterations", value, _iterations(optimizer))
        writer.flush()

    def wants_batch_logs(self):
        return self.update_freq != "epoch"

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        step = self._global_train_batch
        if self.update_freq == "epoch" or step % self.update_freq:
            return
        writer = self._writer("train")
        if self.write_steps_per_second:
            elapsed = time.perf_counter() - self._batch_start_time
            writer.scalar("batch_steps_per_second", 1.0 / max(elapsed, 1e-9), step)
        for name, value in (logs or {}).items():
            writer.scalar(f"batch_{name}", value, step)

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start = (_iterations(self.model.optimizer), time.perf_counter())

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, logs or {})
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self.model.save_weights(os.path.join(
                self.log_dir, "train", f"keras_embedding.ckpt-{epoch}.weights.h5"))

    # ---- what is written -------------------------------------------------------------------
    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if optimizer is not None:
            train["learning_rate"] = float(np.asarray(optimizer.learning_rate))
        if self.write_steps_per_second:
            iterations, start = self._epoch_start
            elapsed = max(time.perf_counter() - start, 1e-9)
            train["steps_per_second"] = (_iterations(self.model.optimizer) - iterations) / elapsed
        for run, values in (("train", train), ("validation", val)):
            if values:
                writer = self._writer(run)
                for name, value in values.items():
                    writer.scalar(f"epoch_{name}", value, epoch)
                writer.flush()

    def _log_weights(self, epoch):
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                name = weight.path.replace(":", "_")
                value = np.asarray(weight)
                writer.histogram(f"{name}/histogram", value, epoch)
                if self.write_images:
                    image = weight_image(value)
                    if image is not None:
                        writer.image(f"{name}/image", image, epoch)
        writer.flush()

    def _write_projector_config(self):
        names = [layer.name for layer in self.model.layers
                 if type(layer).__name__ == "Embedding"]
        metadata = self.embeddings_metadata
        if isinstance(metadata, dict):
            unknown = sorted(set(metadata) - set(names))
            if unknown:
                raise ValueError("Unrecognized `Embedding` layer names passed to "
                                 "`keras.callbacks.TensorBoard` `embeddings_metadata` "
                                 f"argument: {unknown}. Embedding layers: {names}")
        lines = []
        for name in names:
            lines += ["embeddings {",
                      '  tensor_name: "layer_with_weights-0/embeddings/.ATTRIBUTES/'
                      'VARIABLE_VALUE"']
            path = metadata if isinstance(metadata, str) else (metadata or {}).get(name)
            if path is not None:
                lines.append(f'  metadata_path: "{path}"')
            lines.append("}")
        os.makedirs(self.log_dir, exist_ok=True)
        with open(os.path.join(self.log_dir, "projector_config.pbtxt"), "w") as f:
            f.write("\n".join(lines) + ("\n" if lines else ""))


def _iterations(optimizer):
    return int(np.asarray(optimizer.iterations))
