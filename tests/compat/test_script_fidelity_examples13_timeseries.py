"""keras-io's timeseries and structured-data examples run beside Keras 3.15 (round 13):
lstm_vs_cnn_timeseries_classification (an LSTM and a Conv1D classifier trained with
ModelCheckpoint(save_best_only) and EarlyStopping(restore_best_weights), the best checkpoint
reloaded and evaluated) and regression_boston_housing (Dense given ``input_shape``, mse with
mae / mse metrics, EarlyStopping, evaluate at verbose=2, a flattened predict) and
customer_lifetime_value's hybrid model (a one-hot country row through Embedding, Flatten and
RepeatVector, an LSTM decoder with an L1L2 recurrent_regularizer) and eeg_bci_ssvepformer
(a complex spectrum from ops.rfft, per-channel Dense with Reshape layers made inside call,
SGD with momentum and weight_decay) and feature_engineering_with_lambda (Lambda features
on a dict of Inputs, BinaryAccuracy and AUC, a save and a load with custom_objects).

Found here and fixed:
- A built Sequential's summary gave a user's layer without ``compute_output_shape`` (the
  SSVEPFormer's ComplexSpectrum) its input's shape, and every later layer's shape from it;
  Keras shows the shapes its traced call gave, which minikeras has from its sample run.

The scripts are in tests/fixtures/examples13_timeseries_cases.py; what Keras printed,
recorded and computed is in tests/fixtures/keras_examples13_timeseries.json, written once
with real Keras 3.15 (torch backend) by tools/make_examples13_timeseries_fixture.py.

Not compared (NOT_COMPARED): differences that are deliberate or not fixed.
"""
import functools

import pytest

import minikeras as keras
from tests.compat.script_compare import assert_same, without
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples13_timeseries_cases", "keras_examples13_timeseries.json")

# (case, key) -> why minikeras differs there (not fixed in round 13)
NOT_COMPARED = {}


without_not_compared = functools.partial(without, NOT_COMPARED)


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_script_matches_keras(name, tmp_path):
    got = cases.CASES[name](keras, str(tmp_path))
    assert_same(without_not_compared(name, got), without_not_compared(name, KERAS[name]), name)


def test_every_case_was_recorded_by_keras():
    assert sorted(KERAS) == sorted(cases.CASES)


def test_not_compared_entries_exist_in_the_record():
    """Each exclusion names something Keras recorded (a renamed key cannot hide a case)."""
    for name, key in NOT_COMPARED:
        assert key in KERAS[name], (name, key)
