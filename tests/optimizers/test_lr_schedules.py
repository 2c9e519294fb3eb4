"""keras.optimizers.schedules: Keras's golden values at several steps, config round trips."""
import json

import numpy as np
import pytest

from minikeras import optimizers
from minikeras.optimizers import schedules
from minikeras.optimizers.schedules import SCHEDULES
from minikeras.variables import Variable

# KERAS_REFERENCE.md section 2.4 (lr0 = 1, D = 10; steps 0, 5, 10, 15, 25), then hand-derived rows
STEPS = [0, 5, 10, 15, 25]
GOLDEN = {
    "ExponentialDecay": (lambda: schedules.ExponentialDecay(1.0, 10, 0.5), STEPS,
                         [1, 0.707107, 0.5, 0.353553, 0.176777]),
    "InverseTimeDecay": (lambda: schedules.InverseTimeDecay(1.0, 10, 0.5), STEPS,
                         [1, 0.8, 0.666667, 0.571429, 0.444444]),
    "PolynomialDecay": (lambda: schedules.PolynomialDecay(1.0, 10), STEPS,
                        [1, 0.50005, 1e-4, 1e-4, 1e-4]),
    "CosineDecay": (lambda: schedules.CosineDecay(1.0, 10), STEPS, [1, 0.5, 0, 0, 0]),
    "CosineDecayRestarts": (lambda: schedules.CosineDecayRestarts(1.0, 10), STEPS,
                            [1, 0.5, 1, 0.853553, 0.146447]),
    "PiecewiseConstantDecay": (lambda: schedules.PiecewiseConstantDecay([5, 10], [1, 0.5, 0.1]),
                               [0, 5, 6, 10, 11], [1, 1, 0.5, 0.5, 0.1]),
    "CosineDecay warmup": (lambda: schedules.CosineDecay(0.0, 10, warmup_target=1.0,
                                                         warmup_steps=5),
                           [0, 2, 5, 10, 15, 20], [0, 0.4, 1, 0.5, 0, 0]),
    # hand-derived: staircase floors s/D -> rate**0, rate**0, rate**1
    "ExponentialDecay staircase": (lambda: schedules.ExponentialDecay(1.0, 10, 0.5, staircase=True),
                                   [0, 9, 15], [1, 1, 0.5]),
    # 1 / (1 + 0.5 * floor(s/10))
    "InverseTimeDecay staircase": (lambda: schedules.InverseTimeDecay(1.0, 10, 0.5, staircase=True),
                                   [9, 15, 20], [1, 1 / 1.5, 0.5]),
    # cycle: D' = 10 * ceil(s/10): s=15 -> p = 0.75 -> 0.9999 * 0.25 + 1e-4; s=20 -> p = 1
    "PolynomialDecay cycle power": (lambda: schedules.PolynomialDecay(1.0, 10, cycle=True,
                                                                      power=2.0),
                                    [0, 5, 15, 20], [1, 0.9999 * 0.25 + 1e-4,
                                                     0.9999 * 0.0625 + 1e-4, 1e-4]),
    # alpha = 0.1: 0.1 + 0.9 * 0.5 * (1 + cos(pi s / 10))
    "CosineDecay alpha": (lambda: schedules.CosineDecay(2.0, 10, alpha=0.1), [5, 10, 30],
                          [2 * 0.55, 0.2, 0.2]),
    # t_mul = 1, m_mul = 0.5: period i starts at 0.5**i; s=15 is half-way through period 1
    "CosineDecayRestarts m_mul": (lambda: schedules.CosineDecayRestarts(1.0, 10, t_mul=1.0,
                                                                        m_mul=0.5),
                                  [10, 15, 20], [0.5, 0.25, 0.25]),
}


@pytest.mark.parametrize("label", sorted(GOLDEN))
def test_golden_values(label):
    make, steps, expected = GOLDEN[label]
    schedule = make()
    got = [float(schedule(s)) for s in steps]
    np.testing.assert_allclose(got, expected, rtol=2e-6, atol=1e-6)
    # an array of steps gives the same values, in float32
    values = schedule(np.asarray(steps))
    assert values.dtype == np.float32
    np.testing.assert_allclose(values, got, rtol=1e-6)


def test_every_schedule_has_golden_values():
    tested = {label.split(" ")[0] for label in GOLDEN}
    assert {name for name, _ in SCHEDULES.items()} - tested == {"LearningRateSchedule"}


def test_scalar_results_and_variable_steps():
    schedule = schedules.ExponentialDecay(0.1, 1, 0.5)
    value = schedule(2)
    assert isinstance(value, np.float32) and value == np.float32(0.025)
    assert schedule(Variable(np.array(3, np.int64), name="step")) == pytest.approx(0.0125)
    assert schedules.ExponentialDecay(np.float64(0.1), 1, 0.5)(1).dtype == np.float64


@pytest.mark.parametrize("label", sorted(GOLDEN))
def test_serialize_round_trip(label):
    schedule = GOLDEN[label][0]()
    data = schedules.serialize(schedule)
    assert data["module"] == "keras.optimizers.schedules"
    assert data["class_name"] == type(schedule).__name__
    again = schedules.deserialize(json.loads(json.dumps(data)))
    assert type(again) is type(schedule) and again.get_config() == schedule.get_config()


@pytest.mark.parametrize("make, match", [
    (lambda: schedules.ExponentialDecay(0.1, 0, 0.5), "decay_steps"),
    (lambda: schedules.PolynomialDecay(0.1, -5), "decay_steps"),
    (lambda: schedules.CosineDecayRestarts(0.1, 0), "first_decay_steps"),
    (lambda: schedules.PiecewiseConstantDecay([1, 2], [1.0, 0.5]), "length of boundaries"),
    (lambda: schedules.PiecewiseConstantDecay([5, 2], [1.0, 0.5, 0.1]), "increasing"),
    (lambda: schedules.ExponentialDecay("0.1", 10, 0.5), "initial_learning_rate"),
    (lambda: schedules.CosineDecay(0.1, 10, warmup_target=1.0, warmup_steps=-1), "warmup_steps"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_custom_schedule_in_an_optimizer():
    class Halving(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 0.4 * 0.5 ** step

    opt = optimizers.SGD(Halving())
    w = Variable(np.array(1.0, np.float32), name="w")
    for _ in range(2):
        opt.apply([np.array(1.0, np.float32)], [w])
    assert float(w.numpy()) == pytest.approx(1 - 0.4 - 0.2)
    with pytest.raises(NotImplementedError, match="get_config"):
        Halving().get_config()
    with pytest.raises(NotImplementedError, match="__call__"):
        schedules.LearningRateSchedule()(0)


def test_unknown_schedule_class_in_an_optimizer_config_raises_keras_message_first():
    config = {"name": "s", "learning_rate": {
        "class_name": "NoSuchDecay", "config": {}, "module": "keras.optimizers.schedules",
        "registered_name": None}}
    with pytest.raises(ValueError) as raised:
        optimizers.SGD.from_config(config)
    assert str(raised.value).startswith(
        "Could not deserialize 'keras.optimizers.schedules.NoSuchDecay' because it is not a "
        "KerasSaveable subclass. Could not interpret learning rate schedule identifier")
