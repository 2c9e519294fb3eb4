"""keras-io's vision examples run beside Keras 3.15 (round 15): knowledge_distillation,
mnist_moe, fully_convolutional_network (FCN-32s / 16s / 8s), NNCLR, depth_estimation,
semisupervised_simclr, pointnet_segmentation, focal_modulation_network and GCViT.

The scripts are in tests/fixtures/examples15_vision2_cases.py; what Keras printed, recorded
and computed is in tests/fixtures/keras_examples15_vision2.json, written once with real Keras
3.15 (torch backend; fully_convolutional_network with the TensorFlow backend, where torch
fails) by tools/make_examples15_vision2_fixture.py. Gradients come from torch autograd there
and from minikeras.autodiff.grad here.

Found here and fixed:
- ``ops.take_along_axis`` did not broadcast ``x`` and the indices on the other axes
  (mnist_moe gathers (batch, experts, units) outputs with (batch, k, 1) indices).
- Sparse cross-entropy raised on fractional labels; Keras casts them to int (the FCN trains
  on bilinearly resized masks).
- For a model with its own train / test step: a PyDataset batch nesting
  ``((x, y), (x2, y2))`` failed the outputs check and the cardinality check (NNCLR, SimCLR);
  the compiled loss was run on the first batch although the steps never use it
  (depth_estimation's unused sparse loss raised on its depth targets); a model without
  ``call`` and without compiled metrics was called to build them.
- A step's non-scalar log value (NNCLR's per-sample contrastive loss) failed; Keras keeps the
  array in the history and shows its mean.
- The PyDataset missing-``super().__init__()`` warning lacked Keras's backquotes.
- Extra positional arguments that are not tensors (the focal-modulation blocks' sizes) were
  taken; Keras raises "Only input tensors may be passed as positional arguments".
- A load's first line said "1 object could not be loaded"; Keras writes "1 objects".

Not compared (NOT_COMPARED): differences that are deliberate or not fixed.
"""
import functools

import pytest

import minikeras as keras
from minikeras.autodiff import grad
from tests.compat.script_compare import assert_same, watch, without
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples15_vision2_cases", "keras_examples15_vision2.json")

# (case, key) -> why minikeras differs there (not fixed in round 15)
NOT_COMPARED = {
    ("fully_convolutional_network", "summary"): "recorded under Keras's TensorFlow backend "
    "(torch's backward of its bilinear upsampling fails there), whose optimizer "
    "`iterations` is int64: 748 B of optimizer params where Keras on torch, and minikeras, "
    "count 744 B",
    ("gcvit", "warnings"): "the skip_mismatch warning of a load into a model whose head "
    "differs: after Keras's first line minikeras lists the mismatched weights with their "
    "shapes (docs/porting.md, errors), where Keras names the layer's expected variables",
}

# case -> {key: (rtol, atol)} for numbers that amplify float32 round-off: the convolution
# biases before BatchNormalization get gradients that are float32 noise (BatchNormalization
# cancels them) and Adam turns that noise into full steps
LOOSE = {
    "depth_estimation": {"weights": (2e-3, 2e-4)},
    "pointnet_segmentation": {"trained": (2e-3, 2e-4), "weights": (2e-3, 2e-4)},
}


without_not_compared = functools.partial(without, NOT_COMPARED)


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_script_matches_keras(name, tmp_path):
    got = cases.CASES[name](keras, str(tmp_path), grad, watch)
    assert_same(without_not_compared(name, got), without_not_compared(name, KERAS[name]), name,
                loose=LOOSE.get(name))


def test_every_case_was_recorded_by_keras():
    assert sorted(KERAS) == sorted(cases.CASES)


def test_not_compared_entries_exist_in_the_record():
    """Each exclusion names something Keras recorded (a renamed key cannot hide a case)."""
    for name, key in NOT_COMPARED:
        assert key in KERAS[name], (name, key)
