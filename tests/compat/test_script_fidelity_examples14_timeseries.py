"""keras-io's timeseries, structured-data, NLP and recipe examples run beside Keras 3.15
(round 14): timeseries_anomaly_detection and its structured_data twin (Conv1D /
Conv1DTranspose autoencoders, EarlyStopping, the MAE threshold and the anomalies),
multivariate_timeseries_forecasting_using_lstm, the LSTM temperature forecast,
dimension_adaptive_neural_architecture (a user pooling layer with compute_output_shape, an
accumulated-gradient loop), the payment-card fraud FFN, feature_engineering_with_custom_layer,
mixture_of_experts, sentiment_span_extraction, text_generation_fnet, imdb_lstm_sentiment and
better_knowledge_distillation (a Distiller with a metrics property, a warm-up cosine
schedule, and the three places where the script as written fails in Keras 3) and
text_generation_transformer_decoder (causal decoder blocks, a top-k generator callback).

The scripts are in tests/fixtures/examples14_timeseries_cases.py; what Keras printed,
recorded and computed is in tests/fixtures/keras_examples14_timeseries.json, written once
with real Keras 3.15 (torch backend) by tools/make_examples14_timeseries_fixture.py.
Gradients come from torch autograd there and from minikeras.autodiff.grad here.

Found here and fixed:
- fit(shuffle=True) on a keras.utils dataset (the tf.data stand-in) now warns as Keras warns
  for a tf.data.Dataset: the flag is ignored, the dataset keeps its order.
- A weight whose shape holds a list (Conv2DMoE's kernel_size read back from its config as a
  list) raised a TypeError from int(); Keras's ValueError "Cannot convert '(...)' to a
  shape. Found invalid dimension ..." now, and a None dimension given to keras.Variable
  gets Keras's "must be fully-defined" error.
- A user layer without compute_output_shape whose call raised a NameError on the
  placeholder runs of unknown sizes (the FNet decoder reads padding_mask, set only when a
  mask arrives, and a call given two tensors gets none) was given its input's shape; the
  error is raised now, as Keras raises it.

Not compared (NOT_COMPARED): differences that are deliberate or not fixed.
"""
import functools

import pytest

import minikeras as keras
from minikeras.autodiff import grad
from tests.compat.script_compare import assert_same, without
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples14_timeseries_cases", "keras_examples14_timeseries.json")

# (case, key) -> why minikeras differs there
NOT_COMPARED = {
    ("dimension_adaptive_training", "warnings"):
        "deliberate (docs/porting.md): SparseCategoricalCrossentropy(from_logits=True) on a "
        "softmax output warns here, as Keras's TensorFlow backend warns; its torch backend "
        "is silent",
    ("knowledge_distillation_recipe", "has_compiled_metrics"):
        "deliberate (docs/custom_models.md): model.compiled_metrics / compiled_loss stay as "
        "Keras 3's TensorFlow backend keeps them (deprecated, warning); its torch backend "
        "has neither",
}


without_not_compared = functools.partial(without, NOT_COMPARED)


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_script_matches_keras(name, tmp_path):
    got = cases.CASES[name](keras, str(tmp_path), grad)
    assert_same(without_not_compared(name, got), without_not_compared(name, KERAS[name]), name)


def test_every_case_was_recorded_by_keras():
    assert sorted(KERAS) == sorted(cases.CASES)


def test_not_compared_entries_exist_in_the_record():
    """Each exclusion names something Keras recorded (a renamed key cannot hide a case)."""
    for name, key in NOT_COMPARED:
        assert key in KERAS[name], (name, key)
