"""String names, get/serialize/deserialize and config round trips, driven by the registry."""
import inspect
import json

import numpy as np
import pytest

from minikeras import optimizers
from minikeras.optimizers import OPTIMIZERS, schedules
from minikeras.registry import register_keras_serializable
from minikeras.variables import Variable

NEEDS_ARGUMENTS = {optimizers.Optimizer, optimizers.LossScaleOptimizer, optimizers.MultiOptimizer}
NAMES = OPTIMIZERS.names()
CLASSES = sorted({cls for _, cls in OPTIMIZERS.items()}, key=lambda c: c.__name__)
KERAS_NAMES = ["sgd", "rmsprop", "adam", "adamw", "adadelta", "adagrad", "adamax", "adafactor",
               "nadam", "ftrl", "lion", "muon", "schedulefreeadamw", "lamb"]


@pytest.mark.parametrize("name", NAMES)
def test_every_registered_name_resolves(name):
    cls = OPTIMIZERS.lookup(name)
    if cls in NEEDS_ARGUMENTS:
        with pytest.raises(ValueError, match="cannot be made from its name alone"):
            optimizers.get(name)
    else:
        opt = optimizers.get(name)
        assert type(opt) is cls
        default = inspect.signature(cls).parameters["learning_rate"].default
        assert opt.get_config()["learning_rate"] == pytest.approx(default, rel=1e-6)


@pytest.mark.parametrize("name", KERAS_NAMES)
def test_keras_names_any_casing(name):
    assert optimizers.get(name.upper()).__class__ is optimizers.get(name).__class__
    assert type(optimizers.get(name)).__name__.lower() == name


def test_every_exported_optimizer_class_is_registered():
    for name in optimizers.__all__:
        obj = getattr(optimizers, name)
        if isinstance(obj, type) and issubclass(obj, optimizers.Optimizer):
            assert OPTIMIZERS.lookup(name) is obj


def test_unknown_name_suggests_close_names():
    with pytest.raises(ValueError,
                       match=r"Could not interpret optimizer identifier: adamm\..*'adam'"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(42)


def test_get_passes_through_and_builds():
    opt = optimizers.Adam()
    assert optimizers.get(opt) is opt
    assert optimizers.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: <class "):
        optimizers.get(optimizers.Nadam)  # Keras refuses a class (parentheses forgotten)
    opt = optimizers.get({"class_name": "rmsprop", "config": {"learning_rate": 0.5, "rho": 0.8}})
    assert isinstance(opt, optimizers.RMSprop) and opt.rho == 0.8
    assert opt.learning_rate == 0.5


def make_non_default(cls):
    """An instance with a non-default learning rate (schedule for one) and base options."""
    if cls is optimizers.LossScaleOptimizer:
        return cls(optimizers.Adam(0.01, clipnorm=1.0), initial_scale=256.0,
                   dynamic_growth_steps=10)
    if cls is optimizers.Optimizer:
        return cls(0.5)
    if cls is optimizers.MultiOptimizer:
        return cls(optimizers.OptimizerMap(optimizers.SGD(0.5, momentum=0.9),
                                           {"dense/.*": optimizers.Adam(0.01, clipnorm=1.0)}),
                   loss_scale_factor=4.0, name="custom_name")
    return cls(learning_rate=schedules.CosineDecay(0.01, 100, warmup_target=0.1, warmup_steps=5),
               use_ema=True, ema_momentum=0.9, clipvalue=2.0, gradient_accumulation_steps=3,
               name="custom_name")


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_config_round_trip(cls):
    for opt in ([] if cls in NEEDS_ARGUMENTS else [cls()]) + [make_non_default(cls)]:
        config = opt.get_config()
        json.dumps(config)  # plain python values only
        again = cls.from_config(config)
        assert again.get_config() == config
        data = optimizers.serialize(opt)
        assert data["module"] == "keras.optimizers" and data["class_name"] == cls.__name__
        assert optimizers.deserialize(json.loads(json.dumps(data))).get_config() == config


def test_config_keys_follow_keras():
    config = optimizers.Adam(0.01).get_config()
    assert list(config) == ["name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm",
                            "clipvalue", "use_ema", "ema_momentum", "ema_overwrite_frequency",
                            "loss_scale_factor", "gradient_accumulation_steps", "beta_1", "beta_2",
                            "epsilon", "amsgrad"]
    assert config["learning_rate"] == 0.009999999776482582


def test_keras2_config():
    config = {"class_name": "Adam", "config": {
        "name": "Adam", "lr": 0.01, "decay": 0.0, "beta_1": 0.9, "beta_2": 0.999,
        "epsilon": 1e-07, "amsgrad": False, "is_legacy_optimizer": False, "jit_compile": True}}
    with pytest.warns(DeprecationWarning):
        opt = optimizers.deserialize(config)
    assert opt.name == "Adam" and opt.learning_rate == pytest.approx(0.01)


def test_registered_callable_learning_rate_round_trip():
    @register_keras_serializable(package="test_optimizers")
    def half_rate():
        return 0.5

    opt = optimizers.SGD(half_rate)
    config = opt.get_config()
    assert config["learning_rate"]["config"] == "test_optimizers>half_rate"
    assert optimizers.SGD.from_config(config).learning_rate == 0.5


def test_unregistered_callable_learning_rate_config_names_it_as_keras_does():
    def quarter_rate():
        return 0.25

    config = optimizers.SGD(quarter_rate).get_config()
    assert config["learning_rate"] == {"module": "builtins", "class_name": "function",
                                       "config": "quarter_rate", "registered_name": "function"}
    with pytest.raises(TypeError, match="Could not locate function 'quarter_rate'"):
        optimizers.SGD.from_config(config)


def test_loss_scale_optimizer():
    inner = optimizers.SGD(0.5)
    opt = optimizers.LossScaleOptimizer(inner, initial_scale=4.0, dynamic_growth_steps=2)
    w = Variable(np.array([1.0], np.float32), name="w")
    assert opt.scale_loss(1.5) == 6.0
    opt.apply([np.array([4.0], np.float32)], [w])  # unscaled gradient 1.0
    assert float(w.numpy()[0]) == pytest.approx(0.5)
    opt.apply([np.array([0.0], np.float32)], [w])  # second finite step: scale doubles
    assert float(opt.dynamic_scale.numpy()) == 8.0
    opt.apply([np.array([np.inf], np.float32)], [w])  # skipped, scale halves
    assert float(opt.dynamic_scale.numpy()) == 4.0 and float(w.numpy()[0]) == pytest.approx(0.5)
    assert int(opt.iterations) == 2 and opt.learning_rate == 0.5
    opt.learning_rate = 0.1
    assert inner.learning_rate == pytest.approx(0.1)
    assert [v.name for v in opt.variables][:4] == ["iteration", "learning_rate", "step_counter",
                                                   "dynamic_scale"]
    with pytest.raises(TypeError, match="inner_optimizer"):
        optimizers.LossScaleOptimizer("adam")
    with pytest.raises(ValueError, match="clipnorm"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=1.0)


def test_legacy_aliases():
    from minikeras.optimizers import legacy
    assert legacy.Adam is optimizers.Adam and legacy.SGD is optimizers.SGD


def test_muon_keeps_adam_lr_ratio_as_given():
    """Keras 3.15's config holds the default's int 1 (and a float given as a float)."""
    assert repr(optimizers.Muon().get_config()["adam_lr_ratio"]) == "1"
    assert repr(optimizers.Muon(adam_lr_ratio=0.5).get_config()["adam_lr_ratio"]) == "0.5"
