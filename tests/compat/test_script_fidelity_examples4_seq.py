"""keras-io sequence, text and time-series scripts run beside Keras 3.15 (round 4): seq2seq
addition, character-level text generation, weather forecasting on timeseries datasets,
timeseries classification and anomaly detection, text classification with
TextVectorization, a bidirectional LSTM on padded sequences, a stateful GRU, custom and
stacked RNN cells, attention in a seq2seq, a subclassed transformer encoder, masking through
TimeDistributed and Bidirectional under temporal sample weights.

The scripts are in tests/fixtures/examples4_seq_cases.py; what Keras gave for each in
tests/fixtures/keras_examples4_seq.json (and keras_examples4_transformer.keras), written
once with real Keras 3.15 (torch backend, tensorflow beside it for tf.data) by
tools/make_examples4_seq_fixture.py. Every case is compared whole: printed output of
fit / evaluate / predict, History, predictions, summaries, configs, utility outputs and
error texts.

Found here and fixed:
- ``Attention(...)([q, v], return_attention_scores=True)`` on KerasTensors of unknown
  length returns ``[output, scores]`` (minikeras gave one tensor, so unpacking failed).
- ``RNN(StackedRNNCells([LSTMCell, GRUCell]), return_state=True)`` on KerasTensors returns
  the states nested as the cells' ``state_size`` (``[out, [h1, c1], h2]``) as its eager call
  did; minikeras gave them flat.
- A layer called with more tensor arguments than its input (an RNN given
  ``initial_state``) gets no mask from its input, as in Keras: the seq2seq decoder's LSTM
  runs over the padded steps (minikeras skipped them, so predictions there differed).
- A registered custom class's config names its module (``"module": "examples4_seq_cases"``
  beside ``"registered_name": "examples4>MinimalRNNCell"``); minikeras wrote None.
- ``timeseries_dataset_from_array`` with no window that fits returns an empty dataset
  (minikeras raised), and its argument errors quote the names in backticks as Keras does.
- Input-spec errors read as Keras's ("Input 0 with name 'None' of layer 'lstm' is
  incompatible with the layer: expected ndim=3, found ndim=2. Full shape received: (2, 3)";
  the shape only after rank problems); LSTM, GRU and SimpleRNN have Keras's
  ``InputSpec(ndim=3)``; TimeDistributed's rank error is Keras's sentence.

Not compared (see NOT_COMPARED): differences that are deliberate or not fixed.
"""
import os
import re

import numpy as np
import pytest

import minikeras as keras
from tests.fixture_cases import FIXTURES, load_cases

cases, KERAS = load_cases("examples4_seq_cases", "keras_examples4_seq.json")
RTOL, ATOL = 1e-5, 1e-6

_TORCH_IN_PLACE_WEIGHTS = (
    "deliberate (docs/porting.md): Keras 3.15 on torch multiplies the batch's sample_weight "
    "in place by the loss's mask scale (total / valid steps) before the weighted metrics "
    "read it, so over several batches they weigh batches by that scale")
# (case, key path prefix) -> why it is left out
NOT_COMPARED = {
    ("masked_time_distributed_weights", "history/weighted_mae"): _TORCH_IN_PLACE_WEIGHTS,
    ("masked_time_distributed_weights", "printed"): _TORCH_IN_PLACE_WEIGHTS,
    ("stateful_gru", "wrong_batch"): "error frame: compared in its own test below",
    ("sequence_misuse_errors", "bidirectional_dense"): (
        "deliberate: Keras fails copying the Dense with go_backwards (a TypeError about "
        "deserialization); minikeras raises a ValueError asking for a recurrent layer"),
    ("sequence_misuse_errors", "initial_state_count"): (
        "deliberate: Keras's LSTM raises IndexError 'list index out of range'; minikeras "
        "a ValueError naming the state count it expects"),
}
_CALLBACK_MESSAGE = re.compile(r"^Epoch \d+: ")


def settled(text):
    """Printed output without the progress bar caught before a callback's message (a
    callback printing at an epoch's end shows the bar as far as it was drawn, which depends
    on timing), trailing spaces dropped."""
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(line for line, following in zip(lines, lines[1:] + [""])
                     if not ("━" in line and _CALLBACK_MESSAGE.match(following)))


def assert_same(got, expected, path, skipped):
    if any(path == key or path.startswith(key + "/") for key in skipped):
        return
    if isinstance(expected, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(expected), path
        for key in expected:
            assert_same(got[key], expected[key], f"{path}/{key}" if path else key, skipped)
    elif isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected), path
        for i, (mine, theirs) in enumerate(zip(got, expected)):
            assert_same(mine, theirs, f"{path}[{i}]", skipped)
    elif isinstance(expected, float) and isinstance(got, (int, float)):
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL, err_msg=path)
    elif isinstance(expected, str) and isinstance(got, str):
        assert settled(got).rstrip() == settled(expected).rstrip(), path
    else:
        assert got == expected, path


@pytest.fixture(scope="module")
def results():
    """Each case's result, run once with minikeras (JSON round trip, as the fixture), with
    summaries at the 80 columns the fixture was made at."""
    import json
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COLUMNS", "80")
        return {name: json.loads(json.dumps(run(keras)))
                for name, run in cases.all_cases().items()}


def test_keras_ran_every_case():
    assert sorted(KERAS) == sorted(cases.all_cases())
    assert [name for name, got in KERAS.items() if "error" in got] == []


@pytest.mark.parametrize("name", sorted(cases.all_cases()))
def test_script_matches_keras(results, name):
    skipped = {key for case, key in NOT_COMPARED if case == name}
    assert_same(results[name], KERAS[name], "", skipped)


def test_left_out_keys_exist():
    for case, key in NOT_COMPARED:
        node = KERAS[case]
        for part in key.split("/"):
            node = node[part]


def test_stateful_batch_error_names_both_sizes(results):
    """Keras wraps the RNN's error in its "Exception encountered when calling GRU.call()"
    frame (docs/porting.md: minikeras raises the layer's own message); the sizes agree."""
    mine, theirs = results["stateful_gru"]["wrong_batch"], KERAS["stateful_gru"]["wrong_batch"]
    sizes = re.compile(r"- (?:Expected|Received) batch size: \d+")
    assert mine.startswith("ValueError: ") and theirs.startswith("ValueError: ")
    assert sizes.findall(mine) == sizes.findall(theirs) != []


def test_a_keras_saved_transformer_loads_and_predicts_as_built_here():
    """The subclassed PositionalEmbedding / TransformerEncoder model Keras saved (its config
    holds the NotEqual mask node) loads with the registered classes and computes what the
    same model built here computes."""
    keras.backend.clear_session()
    built = cases.transformer_model(keras)
    cases.seed_weights(built)
    loaded = keras.models.load_model(os.path.join(FIXTURES, "keras_examples4_transformer.keras"))
    np.testing.assert_allclose(loaded.predict(cases.TRANSFORMER_X, verbose=0),
                               built.predict(cases.TRANSFORMER_X, verbose=0),
                               rtol=RTOL, atol=ATOL)


def test_attention_scores_come_back_for_unknown_lengths():
    query = keras.Input((None, 4))
    value = keras.Input((None, 4))
    query_mask = keras.Input((None,), dtype="bool")
    for layer in (keras.layers.Attention(), keras.layers.AdditiveAttention()):
        output, scores = layer([query, value], return_attention_scores=True,
                               mask=[query_mask, None])
        assert (output.shape, scores.shape) == ((None, None, 4), (None, None, None))
        # the query's mask through an op node, as Keras 3.15's compute_mask passes it on
        # (round 6 asserted the mask itself, before masks were graph nodes)
        mask_op, _, _ = output._keras_mask._keras_history
        assert type(mask_op).__name__ == "OpCall" and mask_op.op == "convert_to_tensor"
        assert mask_op._inbound_nodes[0].args == (query_mask,)


def test_stacked_cells_return_their_states_nested():
    inputs = keras.Input((None, 3))
    cells = keras.layers.StackedRNNCells([keras.layers.LSTMCell(4), keras.layers.GRUCell(2)])
    symbolic = keras.layers.RNN(cells, return_state=True)(inputs)
    eager = keras.layers.RNN(cells, return_state=True)(np.ones((1, 2, 3), "float32"))
    shapes = [[tuple(t.shape) for t in part] if isinstance(part, list) else tuple(part.shape)
              for part in symbolic]
    assert shapes == [(None, 2), [(None, 4), (None, 4)], (None, 2)]
    # Keras 3.15's call returns a built-in cell's single state as a list (its symbolic call
    # leaves it bare): tests/fixtures/keras_examples21_recurrent.json, RNN/Stacked/state
    assert [len(p) if isinstance(p, list) else None for p in eager] == [None, 2, 1]


def test_an_rnn_given_initial_state_is_not_masked_by_its_input():
    layers = keras.layers
    tokens, state = keras.Input((None,), dtype="int32"), keras.Input((2,))
    embedded = layers.Embedding(5, 2, mask_zero=True, embeddings_initializer="ones")(tokens)
    lstm = layers.LSTM(2, return_sequences=True, kernel_initializer="ones",
                       recurrent_initializer="ones")
    model = keras.Model([tokens, state], lstm(embedded, initial_state=[state, state]))
    out = model.predict([np.array([[1, 2, 0, 0]]), np.full((1, 2), 0.5)], verbose=0)
    assert not np.allclose(out[0, 2], out[0, 1])  # the padded steps still update
    masked = layers.LSTM(2, return_sequences=True)(embedded)  # one tensor: masked
    assert masked._keras_mask is not None
