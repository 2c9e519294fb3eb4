"""keras-io examples that take gradients, run beside Keras 3.15 (round 9): the DCGAN, the
conditional GAN and the WGAN-GP model classes (a compile of their own with two optimizers,
Mean trackers in a metrics property, a GANMonitor callback), the WGAN-GP's gradient
penalty value, Grad-CAM (the gradient for a convolution's output), integrated gradients,
the fast gradient sign method, DeepDream and neural style transfer (the gradient for an
input image, a keras.Variable image under SGD with a schedule), and the DDPM model class
(a schedule gathered per timestep, an EMA network).

The scripts are in tests/fixtures/examples9_generative_cases.py; what Keras printed, recorded
and computed is in tests/fixtures/keras_examples9_generative.json, written once with real
Keras 3.15 (torch backend) by tools/make_examples9_generative_fixture.py. Gradients come from
torch autograd there and from minikeras.autodiff.grad here; an image is watched as a
``Tensor(array, requires_grad=True)`` here, a leaf torch tensor there (docs/porting.md).

Found here and fixed:
- ``grad`` for a tensor computed on the way to the target (Grad-CAM's convolution output)
  returned zeros: only leaves collected gradients; a computed tensor asked for gets the
  sum over its consumers now.
- A layer whose ``activation`` was set to None after construction (Grad-CAM's
  ``model.layers[-1].activation = None``) failed calling None; Dense and the convolutions
  skip it, as Keras does.
- An epoch's (and evaluate's) logs are the metrics' results when the last step's logs have
  exactly their names (Keras's rule): the DDPM step returns ``{"loss": loss}`` from a model
  compiled without a loss, and Keras logs the never-updated loss tracker (0); minikeras
  logged the last step's loss.

The gradient of a gradient, which the WGAN-GP's gradient penalty needs, arrived in round
10 (``grad(..., create_graph=True)``): the case here computes the penalty with weight 0,
tests/compat/test_script_fidelity_examples10_secondorder.py trains it with weight 10.

Not compared (NOT_COMPARED): differences that are deliberate or not fixed.
"""
import functools

import pytest

import minikeras as keras
from minikeras.autodiff import grad
from tests.compat.script_compare import assert_same, watch, without
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples9_generative_cases", "keras_examples9_generative.json")

# (case, key) -> why minikeras differs there (docs/porting.md says the same)
NOT_COMPARED = {
    ("conditional_gan_train_step", "warnings"):
        "BinaryCrossentropy(from_logits=True) on a sigmoid output: minikeras warns that it "
        "does not represent logits (as Keras's TensorFlow backend does); torch's is silent",
    ("ddpm_train_step", "compiled_loss_without_targets"):
        "a compiled loss and fit on images alone (the DDPM example): Keras 3.15 on torch "
        "fails at fit's symbolic build (\"ValueError: Invalid dtype: object\", the loss given "
        "y_true None), on TensorFlow it trains; minikeras trains, as TensorFlow does",
    ("grad_cam_heatmap", "warnings"):
        "a numpy array given to a model built on model.inputs (a list of one): Keras warns "
        "that the structure does not match; minikeras, whose tensors are numpy arrays, runs "
        "it without a warning",
}


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
