"""keras-io's audio examples run beside Keras 3.15 (round 11): transformer_asr (the input
layers, the causal mask, the Transformer model class with its own train_step, test_step
and generate, DisplayOutputs, CustomSchedule), speaker_recognition_using_cnn,
melgan_spectrogram_inversion (MelSpec, the weight-normalizing wrapper, Conv1DTranspose,
grouped Conv1D, the MelGAN train_step), stft (STFTSpectrogram layers in models), a
MelSpectrogram layer in a model, uk_ireland_accent_recognition, eeg_signal,
vocal_track_separation (keras.ops.stft / istft inside a functional model) and
wav2vec2_audiocls's classification head (a small convolution for the pretrained encoder).

The scripts are in tests/fixtures/examples11_audio_cases.py; what Keras printed, recorded
and computed is in tests/fixtures/keras_examples11_audio.json, written once with real Keras
3.15 (torch backend) by tools/make_examples11_audio_fixture.py. Gradients come from torch
autograd there and from minikeras.autodiff.grad here.

Found here and fixed:
- fit / evaluate ran the model on the first batch after every compile; Keras does that only
  while the model, its compiled metrics or its compiled loss is unbuilt, so a custom
  train_step whose ``compute_loss`` already ran (transformer_asr's model, called on a dict
  its ``call`` indexes by position) trains instead of failing the build.
- A weight of a sublayer set as an attribute (MelGAN's ``self.v = self.layer.kernel``) is
  the wrapper's own too, as Keras tracks it: it comes before the weights the wrapper adds
  later in ``trainable_weights`` (the order an optimizer and ``set_weights`` see).
- A functional model's input check compared sizes axis by axis; Keras's input spec drops a
  trailing axis of 1 on either side first (the MelGAN generator, an Input of (None, 1),
  takes (batch, frames, mels) spectrograms at inference).
- A functional model built on a dict of inputs whose keys are not the Inputs' names
  (wav2vec2_audiocls's ``{"input_values": keras.Input(...), ...}``) gives Keras's warning,
  one per such key.

Not compared (NOT_COMPARED): differences that are deliberate or not fixed.
"""
import functools


import pytest

import minikeras as keras
from minikeras.autodiff import grad
from tests.compat.script_compare import assert_same, watch, without
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples11_audio_cases", "keras_examples11_audio.json")

# (case, key) -> why minikeras differs there (docs/porting.md says the same)
NOT_COMPARED = {}


without_not_compared = functools.partial(without, NOT_COMPARED)


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_script_matches_keras(name, tmp_path):
    got = cases.CASES[name](keras, str(tmp_path), grad, watch)
    assert_same(without_not_compared(name, got), without_not_compared(name, KERAS[name]), name)


def test_every_case_was_recorded_by_keras():
    assert sorted(KERAS) == sorted(cases.CASES)


def test_not_compared_entries_exist_in_the_record():
    """Each exclusion names something Keras recorded (a renamed key cannot hide a case)."""
    for name, key in NOT_COMPARED:
        assert key in KERAS[name], (name, key)
