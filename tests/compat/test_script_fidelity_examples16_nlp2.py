"""keras-io's NLP examples run beside Keras 3.15 (round 16): multi_label_trainer_tfidf (a
bigram tf_idf TextVectorization inside a Sequential, a multi-label sigmoid head),
character_and_byte_level_text_generation (Embedding -> LSTM -> softmax on float inputs,
greedy generation by eager calls), token_classification (labels aligned to word pieces with
-100, SparseCategoricalCrossentropy with ignore_class), text_classification_from_scratch's
end-to-end model (raw strings through the adapted TextVectorization into the model),
multiple_choice_task_with_transfer_learning (a shared classifier on SelectOption slices,
label smoothing, an LR callback, the best model saved and reloaded), summarization and
question_answering (plain models computing their loss from labels in their inputs,
compiled with only an optimizer, one after set_global_policy("mixed_float16")),
Generative_Pretrained_Transformer(GPT) (call(idx, targets) returning (logits, loss), its own
train_step and test_step), data_parallel_training_with_keras_hub (a masked LM around a
backbone with dict outputs, weighted_metrics, AdamW on PolynomialDecay) and
semantic_similarity_with_keras_hub (a pair classifier, AdamW on a user's
LearningRateSchedule, saved and reloaded with and without custom_objects).

The scripts are in tests/fixtures/examples16_nlp2_cases.py; what Keras printed, recorded and
computed is in tests/fixtures/keras_examples16_nlp2.json, written once with real Keras 3.15
by tools/make_examples16_nlp2_fixture.py (torch backend; the string cases with tensorflow).

Found here and fixed:
- TextVectorization's symbolic output in a vector mode (tf_idf, multi_hot, count) keeps the
  input's axis of one string as Keras's does: (None, 1) strings give (None, 1, depth) (its
  summary and the Dense layers after it); calls still give (batch, depth).
- A saved functional node's ``mask={"token_ids": None, ...}`` kwarg (a structure of Nones)
  counts as no mask: reloading the multiple-choice model warned of a dropped mask.
- int() / float() of a one-element tensor of any rank (``int(ops.argmax(x, axis=1))`` on one
  row) converts, as torch's tensors do; minikeras raised TypeError.
- A functional model with dict outputs called on inputs of unknown sizes returned a list;
  Keras returns the dict (``backbone(...)["sequence_output"]``).
- load_model of a model compiled with a user's unregistered LearningRateSchedule raised
  ValueError ("Could not interpret learning rate schedule identifier"); Keras's TypeError
  "Could not locate class ..." (the schedule is checked with the losses and metrics).

Not compared (NOT_COMPARED): differences that are deliberate or not fixed.
"""
import functools

import pytest

import minikeras as keras
from minikeras.autodiff import grad
from tests.compat.script_compare import assert_same, without
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples16_nlp2_cases", "keras_examples16_nlp2.json")

# (case, key) -> why minikeras differs there
NOT_COMPARED = {
    ("multi_label_trainer_tfidf", "idf_shape"):
        "deliberate (docs/porting.md): an adapted tf_idf lookup keeps its vocabulary and idf "
        "weights in get_config(); Keras's config holds only those given at construction",
    ("semantic_similarity_pairs", "load_error"):
        "as examples10_errors' load_model_with_an_unknown_custom_layer: Keras's top error "
        "blames AdamW's from_config (its 'Could not locate class' is the chained error, "
        "naming the backend's optimizer module); minikeras raises that one (the type is "
        "compared)",
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
