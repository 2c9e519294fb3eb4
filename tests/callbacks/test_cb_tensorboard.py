"""TensorBoard: the event files are read back with TensorBoard's own EventAccumulator.

The model has fixed weights and learning rate 0, so every number is known: kernel
[0, 0.5, 1], bias 0; x rows of X give predictions [2, 1.5, 0.5, 1] against targets 2, so
mse = (0 + 0.25 + 2.25 + 1) / 4 = 0.875; validation targets 1 on the first two rows give
(1 + 0.25) / 2 = 0.625.
"""
import io
import os

import numpy as np
import pytest
from cb_helpers import X, tiny_model

import minikeras as keras
from tests.optional_extras import require_module

KERNEL = np.array([[0.0], [0.5], [1.0]], "float32")
Y2 = np.full((4, 1), 2.0, "float32")
VAL = (X[:2], np.ones((2, 1), "float32"))


@pytest.fixture(autouse=True)
def tensorboard_installed():
    require_module("tensorboard", "tensorboard")


def fitted(log_dir, epochs=2, **kwargs):
    keras.utils.clear_session()  # names from scratch: sequential/dense/kernel
    model = tiny_model(learning_rate=0.0)
    model.set_weights([KERNEL, np.zeros((1,), "float32")])
    board = keras.callbacks.TensorBoard(log_dir=str(log_dir), **kwargs)
    model.fit(X, Y2, epochs=epochs, batch_size=2, verbose=0, validation_data=VAL, shuffle=False,
              callbacks=[board])
    return model


def read_run(run_dir):
    """{tag: [(step, value array), ...]} from the run's event files."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util import tensor_util
    accumulator = EventAccumulator(str(run_dir), size_guidance={"tensors": 0})
    accumulator.Reload()
    return {tag: [(e.step, tensor_util.make_ndarray(e.tensor_proto))
                  for e in accumulator.Tensors(tag)]
            for tag in accumulator.Tags()["tensors"]}


def plugin_of(run_dir, tag):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    accumulator = EventAccumulator(str(run_dir))
    accumulator.Reload()
    return accumulator.SummaryMetadata(tag).plugin_data.plugin_name


def scalars(events):
    return [(step, float(value)) for step, value in events]


def test_folder_layout_and_epoch_scalars(tmp_path):
    fitted(tmp_path / "logs")
    assert sorted(os.listdir(tmp_path / "logs")) == ["train", "validation"]
    train, val = read_run(tmp_path / "logs/train"), read_run(tmp_path / "logs/validation")
    assert scalars(train["epoch_loss"]) == [(0, 0.875), (1, 0.875)]
    assert scalars(train["epoch_learning_rate"]) == [(0, 0.0), (1, 0.0)]
    assert scalars(val["epoch_loss"]) == [(0, 0.625), (1, 0.625)]
    # two batches per epoch: the optimizer has made 2, then 4 steps at each evaluation
    assert scalars(val["evaluation_loss_vs_iterations"]) == [(2, 0.625), (4, 0.625)]
    assert not any(tag.startswith("batch_") for tag in train)
    assert plugin_of(tmp_path / "logs/train", "epoch_loss") == "scalars"
    assert plugin_of(tmp_path / "logs/train", "keras") == "graph_keras_model"
    config = train["keras"][0][1].item().decode()
    assert '"class_name": "Sequential"' in config and '"Dense"' in config


def test_batch_scalars_every_update_freq_batches(tmp_path):
    fitted(tmp_path, epochs=2, update_freq=3, write_steps_per_second=True)
    train = read_run(tmp_path / "train")
    # 4 batches in all (2 per epoch), numbered from 1; every 3rd is written
    assert [step for step, _ in train["batch_loss"]] == [3]
    # the running mean over the epoch's first batch: rows 0-1 give (0 + 0.25) / 2
    assert scalars(train["batch_loss"]) == [(3, 0.125)]
    assert [step for step, _ in train["batch_steps_per_second"]] == [3]
    assert all(float(v) > 0 for _, v in train["epoch_steps_per_second"])


def test_update_freq_batch_means_every_batch(tmp_path):
    fitted(tmp_path, epochs=1, update_freq="batch")
    assert [s for s, _ in read_run(tmp_path / "train")["batch_loss"]] == [1, 2]


def test_weight_histograms_and_images(tmp_path):
    fitted(tmp_path, epochs=3, histogram_freq=2, write_images=True)
    train = read_run(tmp_path / "train")
    kernel = train["sequential/dense/kernel/histogram"]
    assert [step for step, _ in kernel] == [0, 2]
    buckets = kernel[0][1]  # rows of (left edge, right edge, count): 30 buckets over [0, 1]
    assert buckets.shape == (30, 3)
    assert buckets[0, 0] == 0.0 and buckets[-1, 1] == 1.0
    assert buckets[:, 2].sum() == 3 and buckets[0, 2] == 1 and buckets[15, 2] == 1 \
        and buckets[29, 2] == 1
    assert plugin_of(tmp_path / "train", "sequential/dense/kernel/histogram") == "histograms"
    assert "sequential/dense/bias/histogram" in train
    width, height, png = train["sequential/dense/kernel/image"][0][1]
    assert (int(width), int(height)) == (1, 3)  # the (3, 1) kernel squeezed to one column
    if require_module("PIL.Image", "examples") is not None:
        from PIL import Image
        pixels = np.asarray(Image.open(io.BytesIO(png)))
        # tf.summary.image's conversion: value * 255.5, clipped, truncated
        assert pixels.reshape(-1).tolist() == [0, 127, 255]


def test_evaluate_alone_writes_the_evaluation_scalars(tmp_path):
    model = fitted(tmp_path / "a", epochs=1)
    board = keras.callbacks.TensorBoard(log_dir=str(tmp_path / "b"), write_graph=False)
    model.evaluate(*VAL, verbose=0, callbacks=[board])
    val = read_run(tmp_path / "b/validation")
    assert scalars(val["evaluation_loss_vs_iterations"]) == [(2, 0.625)]


@pytest.mark.parametrize("kwargs, message", [
    ({"update_freq": "sometimes"}, "update_freq"),
    ({"update_freq": 0}, "update_freq"),
    ({"histogram_freq": -1}, "histogram_freq"),
    ({"embeddings_freq": 1.5}, "embeddings_freq"),
    ({"profile_batch": 2}, "profile_batch"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras.callbacks.TensorBoard(**kwargs)


def test_missing_tensorboard_names_the_extra(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    monkeypatch.setitem(sys.modules, "tensorboard.compat", None)
    monkeypatch.setitem(sys.modules, "tensorboard.compat.proto", None)
    with pytest.raises(ImportError, match=r'minikeras\[tensorboard\]'):
        keras.callbacks.TensorBoard()


def test_diagnostics_figures_reach_tensorboard(tmp_path):
    keras.utils.clear_session()
    model = tiny_model(learning_rate=0.1)
    board = keras.callbacks.TensorBoard(log_dir=str(tmp_path), write_graph=False)
    model.fit(X, Y2, epochs=1, verbose=0,
              callbacks=[keras.diagnostics.Diagnostics(measure_every=1), board])
    train = read_run(tmp_path / "train")
    assert [step for step, _ in train["epoch_grad_norm/dense"]] == [0]
    assert float(train["epoch_weight_norm/dense"][0][1]) > 0


def test_the_apps_plugins_find_every_kind_of_summary(tmp_path):
    # plugin_event_accumulator is what the TensorBoard app's data provider reads with
    from tensorboard.backend.event_processing.plugin_event_accumulator import EventAccumulator
    fitted(tmp_path, epochs=1, histogram_freq=1, write_images=True)
    accumulator = EventAccumulator(str(tmp_path / "train"))
    accumulator.Reload()
    assert {"epoch_loss", "epoch_learning_rate"} <= set(accumulator.PluginTagToContent("scalars"))
    assert "sequential/dense/kernel/histogram" in accumulator.PluginTagToContent("histograms")
    assert "sequential/dense/kernel/image" in accumulator.PluginTagToContent("images")
    assert "keras" in accumulator.PluginTagToContent("graph_keras_model")


def test_embeddings_checkpoints_and_projector_config(tmp_path):
    keras.utils.clear_session()
    model = keras.Sequential([keras.Input((3,), dtype="int32"),
                              keras.layers.Embedding(5, 2, name="words"),
                              keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    board = keras.callbacks.TensorBoard(log_dir=str(tmp_path), embeddings_freq=2,
                                        embeddings_metadata={"words": "vocab.tsv"})
    model.fit(np.zeros((4, 3), "int32"), np.zeros((4, 1), "float32"), epochs=3, verbose=0,
              callbacks=[board])
    assert sorted(f for f in os.listdir(tmp_path / "train") if f.endswith(".h5")) == [
        "keras_embedding.ckpt-0.weights.h5", "keras_embedding.ckpt-2.weights.h5"]
    config = (tmp_path / "projector_config.pbtxt").read_text()
    assert config == ('embeddings {\n'
                      '  tensor_name: "layer_with_weights-0/embeddings/.ATTRIBUTES/VARIABLE_VALUE"\n'
                      '  metadata_path: "vocab.tsv"\n}\n')
    bad = keras.callbacks.TensorBoard(log_dir=str(tmp_path / "bad"), embeddings_freq=1,
                                      embeddings_metadata={"nope": "x.tsv"})
    with pytest.raises(ValueError, match="Unrecognized `Embedding` layer names"):
        model.fit(np.zeros((4, 3), "int32"), np.zeros((4, 1), "float32"), verbose=0,
                  callbacks=[bad])
