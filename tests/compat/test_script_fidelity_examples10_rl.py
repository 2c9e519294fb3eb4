"""keras-io's reinforcement-learning examples and hand-written training loops, run beside
Keras 3.15 (round 10): the actor-critic on CartPole, deep Q-learning on Breakout, DDPG on
the pendulum (with its first BatchNormalization version) and PPO on CartPole, on tiny
deterministic numpy environments; the pieces they lean on (eager single-sample calls and
predict, keras.ops on the outputs, stop_gradient, Huber on tensors, target networks by
set_weights and by assign, gradient clipping, keras.random with seeds, the agents' weights
files); and the guide "Writing a training loop from scratch"'s per-batch loop with metrics
reset per epoch and a SeedGenerator.

The scripts are in tests/fixtures/examples10_rl_cases.py; what Keras printed, recorded and
computed is in tests/fixtures/keras_examples10_rl.json, written once with real Keras 3.15
(torch backend) by tools/make_examples10_rl_fixture.py. Gradients come from torch autograd
there and from minikeras.autodiff.grad here (docs/porting.md).
"""
import functools

import pytest

import minikeras as keras
from minikeras.autodiff import grad
from tests.compat.script_compare import assert_same, without
from tests.fixture_cases import load_cases

cases, KERAS = load_cases("examples10_rl_cases", "keras_examples10_rl.json")

# (case, key) -> why minikeras differs there (docs/porting.md says the same)
NOT_COMPARED = {
    ("ddpg_pendulum", "mixed_inputs"):
        "a list input mixing a tensor and a numpy array: Keras refuses it (\"In a nested "
        "call() argument, you cannot mix tensors and non-tensors\"); minikeras, whose "
        "tensors wrap numpy arrays, runs it (a check in Layer.__call__ would cost every call)",
    ("huber_on_tensors", "config"):
        "deliberate (docs/losses.md): Huber's get_config keeps delta, so it round-trips; "
        "Keras 3.15 returns only name and reduction",
    ("int_shape_input", "int"):
        "deliberate (tests/test_bad_input_table.py): Input(shape=3) is read as (3,), as "
        "Keras 2 read it; Keras 3 raises \"Cannot convert '3' to a shape.\"",
    ("stop_gradient_advantage", "detached_critic_head"):
        "minikeras.autodiff.grad gives zeros for a variable the target does not reach; "
        "tf.GradientTape and torch give None (reported to the autodiff round)",
}

# (case, key) -> (relative, absolute) tolerance: numbers after many chained Adam steps,
# where float32 round-off in a gradient near zero moves Adam's normalized step
LOOSE = {}


without_not_compared = functools.partial(without, NOT_COMPARED)


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_script_matches_keras(name, tmp_path):
    got = cases.CASES[name](keras, str(tmp_path), grad)
    loose = {key: tolerance for (case_name, key), tolerance in LOOSE.items()
             if case_name == name}
    assert_same(without_not_compared(name, got), without_not_compared(name, KERAS[name]), name,
                loose=loose)


def test_every_case_was_recorded_by_keras():
    assert sorted(KERAS) == sorted(cases.CASES)


def test_not_compared_entries_exist_in_the_record():
    """Each exclusion names something Keras recorded (a renamed key cannot hide a case)."""
    for name, key in list(NOT_COMPARED) + list(LOOSE):
        assert key in KERAS[name], (name, key)
