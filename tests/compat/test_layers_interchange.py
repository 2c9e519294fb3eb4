"""Divergences found by tools/layers_interchange_sweep.py, checked against Keras 3.15's
own files and numbers (tests/fixtures/keras_layers_interchange.h5 and _io.npz, made by
tools/make_layers_interchange_fixture.py; see that script for what the model holds)."""
import json
import os

import h5py
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")
H5 = os.path.join(FIXTURES, "keras_layers_interchange.h5")
OUTPUTS = ["mha", "mha_dropout", "gqa", "lstm", "pipeline"]


@pytest.fixture(scope="module")
def io():
    return np.load(os.path.join(FIXTURES, "keras_layers_interchange_io.npz"))


@pytest.fixture(scope="module")
def model():
    with pytest.warns(UserWarning, match="not\\* compiled"):
        return keras.saving.load_model(H5)


@pytest.fixture(scope="module")
def predictions(model, io):
    return dict(zip(OUTPUTS, model.predict([io["tokens"], io["image"]], verbose=0)))


@pytest.mark.parametrize("name", OUTPUTS)
def test_keras_legacy_h5_with_a_mask_op_node_predicts_as_keras(predictions, io, name):
    # the file holds a NotEqual op node without its module (Keras 3.15 cannot load it) and
    # GroupQueryAttention under its Python class name, GroupedQueryAttention
    np.testing.assert_allclose(predictions[name], io[name], rtol=1e-5, atol=1e-6)


def test_padded_query_rows_follow_keras_attention_paths(predictions, io, model):
    # a query row whose keys are all masked: uniform weights in Keras's fused kernel (no
    # dropout), none in its softmax path (dropout set), where the output is the bias
    padded = io["tokens"] == 0
    bias = model.get_layer("mha_dropout").output_dense.bias.numpy()
    np.testing.assert_allclose(predictions["mha_dropout"][padded],
                               np.broadcast_to(bias, (padded.sum(), bias.size)), rtol=1e-6)
    assert not np.allclose(predictions["mha"][padded], model.get_layer("mha").output_dense
                           .bias.numpy())
    np.testing.assert_allclose(predictions["mha"][padded], io["mha"][padded], rtol=1e-5,
                               atol=1e-6)


def _layer_entries(path):
    with h5py.File(path, "r") as f:
        config = json.loads(f.attrs["model_config"])
    return {entry["config"]["name"]: entry for entry in config["config"]["layers"]}


def test_legacy_h5_config_written_as_keras_writes_it(model, tmp_path):
    path = str(tmp_path / "model.h5")
    model.save(path)
    ours, keras_entries = _layer_entries(path), _layer_entries(H5)
    assert {n: e["class_name"] for n, e in ours.items()} == \
        {n: e["class_name"] for n, e in keras_entries.items()}
    assert ours["gqa"]["class_name"] == "GroupedQueryAttention"
    # Pipeline's own layers keep Keras 3 entries (module and all): Keras's reader needs them
    nested = [{k: e[k] for k in ("module", "class_name", "registered_name")}
              for e in ours["pipeline"]["config"]["layers"]]
    assert nested == [{k: e[k] for k in ("module", "class_name", "registered_name")}
                      for e in keras_entries["pipeline"]["config"]["layers"]]


class Pair(layers.Layer):
    """Returns the masks its call received, as arrays (0 where none)."""

    def call(self, first, second, first_mask=None, second_mask=None):
        return [keras.ops.zeros((2, 3)) if m is None else keras.ops.cast(m, "float32")
                for m in (first_mask, second_mask)]


def test_masks_of_several_tensor_arguments_reach_their_mask_arguments():
    # Keras's rule (Layer.__call__): a call given several tensors gets `<name>_mask` filled
    # with the mask of the tensor passed as `<name>`, unless it is given
    ids = np.array([[1, 0, 2], [0, 3, 3]])
    embedded = layers.Embedding(4, 2, mask_zero=True)(ids)
    plain = keras.ops.ones((2, 3, 2))
    first, second = Pair()(embedded, plain)
    np.testing.assert_array_equal(first.numpy(), ids != 0)
    np.testing.assert_array_equal(second.numpy(), np.zeros((2, 3)))
    given = np.array([[True, True, False], [False, False, True]])
    first, _ = Pair()(embedded, plain, first_mask=given)
    np.testing.assert_array_equal(first.numpy(), given)
