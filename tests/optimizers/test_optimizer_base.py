"""The shared base: options, learning rate, variables, saving, and bad input."""
import warnings

import numpy as np
import pytest

from minikeras import optimizers
from minikeras.optimizers import schedules
from minikeras.variables import Variable


def var(value, name="w", path=None):
    v = Variable(np.asarray(value, np.float32), name=name)
    if path:
        v.path = path
    return v


def f32(*values):
    return [np.asarray(v, np.float32) for v in values]


# ---- clipping --------------------------------------------------------------------------------
def test_clipnorm_is_per_tensor():
    a, b = var([0.0, 0.0]), var([0.0, 0.0])
    opt = optimizers.SGD(1.0, clipnorm=1.0)
    opt.apply(f32([3.0, 4.0], [0.3, 0.4]), [a, b])  # norms 5 (clipped to 1) and 0.5 (kept)
    np.testing.assert_allclose(a.numpy(), [-0.6, -0.8], rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), [-0.3, -0.4], rtol=1e-6)


def test_global_clipnorm_scales_all_together():
    a, b = var([0.0]), var([0.0])
    opt = optimizers.SGD(1.0, global_clipnorm=1.0)
    opt.apply(f32([3.0], [4.0]), [a, b])  # global norm 5 -> scale 0.2
    np.testing.assert_allclose([a.numpy()[0], b.numpy()[0]], [-0.6, -0.8], rtol=1e-6)


def test_clipvalue_and_zero_gradient_clipnorm():
    a = var([0.0, 0.0, 0.0])
    optimizers.SGD(1.0, clipvalue=0.5).apply(f32([2.0, -0.1, -3.0]), [a])
    np.testing.assert_allclose(a.numpy(), [-0.5, 0.1, 0.5], rtol=1e-6)
    b = var([1.0, 2.0])
    optimizers.SGD(1.0, clipnorm=1.0).apply(f32([0.0, 0.0]), [b])  # zero norm: no NaN
    np.testing.assert_array_equal(b.numpy(), [1.0, 2.0])


# ---- weight decay ----------------------------------------------------------------------------
@pytest.mark.parametrize("per_variable", [False, True], ids=["flat", "per-variable"])
def test_weight_decay_exclusions(per_variable):
    kernel, bias, other = var([1.0, 2.0], "kernel"), var([1.0], "bias"), var([4.0], "other")
    # a variable without a gradient sends the step down the per-variable path
    extra = [var([9.0], "no_gradient")] if per_variable else []
    opt = optimizers.SGD(0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_list=[other], var_names=["bias"])
    for _ in range(2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            opt.apply(f32([1.0, 1.0], [1.0], [1.0]) + [None] * len(extra),
                      [kernel, bias, other] + extra)
    if extra:
        np.testing.assert_array_equal(extra[0].numpy(), [9.0])  # no gradient: no decay
    # kernel: w <- w * (1 - 0.05) - 0.1 twice; bias and other: w <- w - 0.1 twice
    k = np.array([1.0, 2.0])
    for _ in range(2):
        k = k * 0.95 - 0.1
    np.testing.assert_allclose(kernel.numpy(), k, rtol=1e-6)
    np.testing.assert_allclose(bias.numpy(), [0.8], rtol=1e-6)
    np.testing.assert_allclose(other.numpy(), [3.8], rtol=1e-6)


def test_weight_decay_uses_the_scheduled_rate():
    opt = optimizers.SGD(schedules.PiecewiseConstantDecay([0], [0.1, 0.2]), weight_decay=1.0)
    w = var([1.0])
    opt.apply(f32([0.0]), [w])  # lr 0.1: w * 0.9
    opt.apply(f32([0.0]), [w])  # lr 0.2: w * 0.8
    np.testing.assert_allclose(w.numpy(), [0.72], rtol=1e-6)


# ---- EMA, accumulation, loss scale, constraints ----------------------------------------------
def test_ema_overwrite_frequency():
    opt = optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2)
    w = var(1.0)
    values = []
    for g in (0.5, -1.0, 2.0):
        opt.apply(f32(g), [w])
        values.append(float(w.numpy()))
    # steps: w 0.95 (avg 0.95); w 1.05, avg 1.0, overwritten -> 1.0; w 0.8 (avg 0.9)
    np.testing.assert_allclose(values, [0.95, 1.0, 0.8], rtol=1e-6)
    assert float(opt._averages[0].numpy()) == pytest.approx(0.9)


def test_accumulation_uses_public_steps_for_bias_correction():
    opt = optimizers.Adam(0.1, gradient_accumulation_steps=2)
    w = var(1.0)
    opt.apply(f32(0.2), [w])
    assert float(w.numpy()) == 1.0  # only accumulated
    opt.apply(f32(0.8), [w])  # mean gradient 0.5 -> Adam's first step (t = 1)
    assert float(w.numpy()) == pytest.approx(0.9000013, abs=1e-7)
    assert int(opt.iterations) == 1


def test_accumulation_schedule_sees_internal_count():
    opt = optimizers.SGD(schedules.ExponentialDecay(0.1, 1, 0.5), gradient_accumulation_steps=2)
    w = var(1.0)
    opt.apply(f32(1.0), [w])
    opt.apply(f32(1.0), [w])  # updated at internal count 1: lr = 0.05
    assert float(w.numpy()) == pytest.approx(0.95)


def test_loss_scale_factor():
    opt = optimizers.SGD(0.1, loss_scale_factor=4.0)
    w = var(1.0)
    opt.apply(f32(2.0), [w])
    assert float(w.numpy()) == pytest.approx(0.95)
    assert opt.scale_loss(3.0) == 12.0
    assert optimizers.SGD().scale_loss(3.0) == 3.0


@pytest.mark.parametrize("per_variable", [False, True], ids=["flat", "per-variable"])
def test_constraints_after_the_step(per_variable):
    a, b = var([0.0, 0.3]), var([0.0])
    extra = [var([9.0], "no_gradient")] if per_variable else []
    a.constraint = lambda v: np.clip(v.numpy(), 0.0, 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        optimizers.SGD(1.0).apply(f32([1.0, -1.0], [1.0]) + [None] * len(extra), [a, b] + extra)
    np.testing.assert_allclose(a.numpy(), [0.0, 0.5])
    np.testing.assert_allclose(b.numpy(), [-1.0])


# ---- learning rate -----------------------------------------------------------------------------
def test_learning_rate_read_and_set():
    opt = optimizers.Adam()
    assert opt.learning_rate == pytest.approx(0.001)
    opt.learning_rate = 0.01
    assert opt.learning_rate == pytest.approx(0.01)
    assert opt.get_config()["learning_rate"] == float(np.float32(0.01))  # 0.009999999776...
    assert float(opt.variables[1].numpy()) == pytest.approx(0.01)
    opt.learning_rate.assign(0.5)  # Keras 3 style
    assert opt.lr == 0.5  # Keras 2 attribute
    opt.lr = 0.25
    assert opt.learning_rate == 0.25
    assert isinstance(opt.learning_rate, float) and f"{opt.learning_rate:.2f}" == "0.25"


def test_a_settable_learning_rate_reads_as_its_variable():
    opt = optimizers.Adam(0.01)
    rate = opt.learning_rate
    assert (rate.path, rate.name, rate.shape, rate.trainable) == (
        f"{opt.name}/learning_rate", "learning_rate", (), False)
    assert rate.dtype == "float32" and rate.value == np.float32(0.01)
    rate.assign_add(0.01)
    assert opt.learning_rate == pytest.approx(0.02)
    scheduled = optimizers.SGD(schedules.ExponentialDecay(0.1, 1, 0.5)).learning_rate
    with pytest.raises(AttributeError, match="'path'"):
        scheduled.path  # a schedule's rate is a value, not a variable


def test_learning_rate_set_during_training_takes_effect():
    opt, w = optimizers.SGD(0.1), var(1.0)
    opt.apply(f32(1.0), [w])
    opt.learning_rate = 0.01
    opt.apply(f32(1.0), [w])
    assert float(w.numpy()) == pytest.approx(0.89)


def test_schedule_and_callable_learning_rates():
    opt = optimizers.SGD(schedules.ExponentialDecay(0.1, 1, 0.5))
    assert [v.name for v in opt.variables] == ["iteration"]  # no learning_rate variable
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.1
    box = {"lr": 0.5}
    opt = optimizers.SGD(lambda: box["lr"])
    w = var(1.0)
    opt.apply(f32(1.0), [w])
    box["lr"] = 0.25
    opt.apply(f32(1.0), [w])
    assert float(w.numpy()) == pytest.approx(0.25)
    assert opt.learning_rate == 0.25
    opt = optimizers.SGD(0.1)
    opt.learning_rate = schedules.ExponentialDecay(0.1, 1, 0.5)  # replaces the variable
    assert [v.name for v in opt.variables] == ["iteration"]


def test_keras2_lr_keyword_and_decay():
    with pytest.warns(DeprecationWarning, match="learning_rate") as record:
        opt = optimizers.Adam(lr=0.05)
    assert record[0].filename == __file__  # points at the user's line
    assert opt.learning_rate == pytest.approx(0.05)
    with pytest.raises(ValueError, match="both"):
        optimizers.Adam(0.01, lr=0.05)
    with pytest.warns(UserWarning, match="decay"):
        opt = optimizers.SGD(0.1, decay=1e-4)
    assert "decay" not in opt.get_config()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizers.SGD(0.1, decay=0.0)  # Keras 2 configs carry decay=0.0: no noise


@pytest.mark.parametrize("value", [1, np.float32(0.1), np.float64(0.1), np.int64(2),
                                   np.array(0.5)])
def test_friendly_learning_rate_types(value):
    assert optimizers.SGD(learning_rate=value).learning_rate == pytest.approx(float(value))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True, "0.01", None, [0.1]])
def test_bad_learning_rates(value):
    with pytest.raises(ValueError, match="learning_rate"):
        optimizers.Adam(learning_rate=value)
    opt = optimizers.Adam()
    with pytest.raises(ValueError, match="learning_rate"):
        opt.learning_rate = value


@pytest.mark.parametrize("value", [-0.1, 1.5, "0.9", True, None, float("nan")])
def test_bad_momentum(value):
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=value)
    with pytest.raises(ValueError, match="momentum"):
        optimizers.RMSprop(momentum=value)


def test_momentum_accepts_ints():
    assert optimizers.SGD(momentum=1).momentum == 1.0
    assert optimizers.SGD(momentum=np.float32(0.5)).momentum == 0.5


@pytest.mark.parametrize("make, match", [
    (lambda: optimizers.SGD(clipnorm=1.0, clipvalue=1.0), "Only one of"),
    (lambda: optimizers.SGD(clipnorm=-1.0), "clipnorm"),
    (lambda: optimizers.SGD(ema_momentum=2.0), "ema_momentum"),
    (lambda: optimizers.SGD(gradient_accumulation_steps=1), "gradient_accumulation_steps"),
    (lambda: optimizers.SGD(gradient_accumulation_steps=2.5), "gradient_accumulation_steps"),
    (lambda: optimizers.SGD(ema_overwrite_frequency=0), "ema_overwrite_frequency"),
    (lambda: optimizers.SGD(loss_scale_factor=0.0), "loss_scale_factor"),
    (lambda: optimizers.Adam(beta1=0.9), "beta_1"),
    (lambda: optimizers.Adam(beta_1=1.0), "beta_1"),
    (lambda: optimizers.Adam(epsilon=-1.0), "epsilon"),
    (lambda: optimizers.Adam(amsgrad="yes"), "amsgrad"),
    (lambda: optimizers.AdamW(weight_decay=None), "weight_decay"),
    (lambda: optimizers.Lion(beta_1=0.0), "SignSGD"),
    (lambda: optimizers.Ftrl(learning_rate_power=0.5), "learning_rate_power"),
    (lambda: optimizers.Ftrl(l1_regularization_strength=-1.0), "l1_regularization_strength"),
    (lambda: optimizers.Adagrad(initial_accumulator_value=-0.1), "initial_accumulator_value"),
])
def test_bad_hyperparameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()


# ---- gradients -----------------------------------------------------------------------------
def test_none_gradient_is_skipped_with_a_warning():
    a, b = var([1.0], path="dense/kernel"), var([1.0], path="dense/bias")
    opt = optimizers.SGD(0.1, momentum=0.9)
    opt.apply(f32([1.0], [1.0]), [a, b])
    with pytest.warns(UserWarning, match="dense/bias"):
        opt.apply([np.array([1.0], np.float32), None], [a, b])
    assert float(b.numpy()[0]) == pytest.approx(0.9)  # untouched despite its momentum
    assert float(a.numpy()[0]) == pytest.approx(0.9 - 0.19)
    assert int(opt.iterations) == 2
    with pytest.raises(ValueError, match="No gradients provided"), pytest.warns(UserWarning):
        opt.apply([None, None], [a, b])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nonfinite_gradient_is_applied_as_keras_applies_it(bad):
    # Keras 3 (jax and torch backends) writes a NaN or Inf gradient into the step: Adam's
    # first step moves each weight by lr * g / (|g| + eps'), so a NaN or Inf gradient makes
    # its weight NaN (inf / inf), the finite ones move by lr, and `iterations` counts it
    a, b = var([1.0, 2.0], path="dense/kernel"), var([3.0], path="dense/bias")
    opt = optimizers.Adam(0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no skipped-step warning, no numpy RuntimeWarning
        opt.apply(f32([0.5, bad], [-0.5]), [a, b])
    assert np.isnan(a.numpy()[1]) and int(opt.iterations) == 1
    np.testing.assert_allclose([a.numpy()[0], b.numpy()[0]], [0.9, 3.1], rtol=1e-5)


def test_gradient_shape_mismatch_names_the_variable():
    a = var(np.zeros((2, 3)), path="dense/kernel")
    with pytest.raises(ValueError, match=r"dense/kernel.*\(3, 2\).*\(2, 3\)"):
        optimizers.Adam().apply([np.zeros((3, 2), np.float32)], [a])


def test_gradient_count_and_unknown_variables():
    a, b = var([1.0]), var([1.0], path="other/w")
    opt = optimizers.SGD()
    with pytest.raises(ValueError, match="1 gradients for 2 variables"):
        opt.apply(f32([1.0]), [a, b])
    opt = optimizers.SGD()
    opt.build([a])
    with pytest.raises(ValueError, match=r"Unknown variable: <Variable path=other/w, shape=\(1,\)"):
        opt.apply(f32([1.0]), [b])


def test_apply_without_variables_needs_build():
    with pytest.raises(ValueError, match="build"):
        optimizers.SGD().apply(f32([1.0]))
    w = var([1.0])
    opt = optimizers.SGD(0.5)
    opt.build([w])
    opt.apply(f32([1.0]))
    assert float(w.numpy()[0]) == 0.5


def test_gradients_are_never_written():
    w = var(np.ones((2, 3)))
    g = np.broadcast_to(np.float64(0.5), (2, 3))  # read-only broadcast view, float64
    opt = optimizers.Adam(0.1, clipnorm=0.1)
    opt.apply([g], [w])
    opt.apply([g], [w])
    assert np.all(g == 0.5)
    assert w.dtype == "float32"


def test_tensor_and_list_gradients():
    from minikeras.autodiff.tensor import Tensor
    a, b = var([1.0]), var([1.0])
    optimizers.SGD(0.5).apply([Tensor(np.array([1.0], np.float32)), [1.0]], [a, b])
    assert a.numpy()[0] == b.numpy()[0] == 0.5


def test_build_checks_its_variables():
    with pytest.raises(TypeError, match="keras.Variable"):
        optimizers.SGD().build([np.zeros(3)])
    with pytest.raises(TypeError, match="floating-point"):
        optimizers.SGD().build([Variable(np.zeros(3, np.int32))])
    with pytest.raises(ValueError, match="one dtype"):
        optimizers.SGD().build([var([1.0]), Variable(np.zeros(2), dtype="float64")])


# ---- variables, names, API ---------------------------------------------------------------------
def test_variables_order_and_names():
    kernel = var(np.zeros((2, 2)), "kernel", path="seq/dense/kernel")
    bias = var(np.zeros(2), "bias", path="seq/dense/bias")
    opt = optimizers.Adam(name="adam")
    opt.build([kernel, bias])
    assert [v.path for v in opt.variables] == [
        "adam/iteration", "adam/learning_rate",
        "adam/seq_dense_kernel_momentum", "adam/seq_dense_kernel_velocity",
        "adam/seq_dense_bias_momentum", "adam/seq_dense_bias_velocity"]
    assert opt.variables[0] is opt.iterations
    opt = optimizers.RMSprop(momentum=0.5, centered=True, use_ema=True,
                             gradient_accumulation_steps=2, name="r")
    opt.build([kernel, bias])
    assert [v.name.split("_", 2)[-1] for v in opt.variables[2:]] == [
        "kernel_average", "bias_average", "kernel_gradient_accumulator",
        "bias_gradient_accumulator", "kernel_velocity", "bias_velocity", "kernel_momentum",
        "bias_momentum", "kernel_average_gradient", "bias_average_gradient"]


def test_build_is_idempotent_and_apply_gradients():
    w = var([1.0, 1.0])
    opt = optimizers.Adam(0.1)
    opt.build([w])
    count = len(opt.variables)
    opt.build([w])
    assert len(opt.variables) == count
    result = opt.apply_gradients(zip(f32([1.0, 1.0]), [w]))
    assert int(result) == 1 and len(opt.variables) == count


def test_auto_names():
    from minikeras import backend
    backend.clear_session()
    assert optimizers.Adam().name == "adam"
    assert optimizers.Adam().name == "adam_1"
    assert optimizers.RMSprop().name == "rm_sprop"
    assert optimizers.AdamW().name == "adam_w"
    assert optimizers.SGD().name == "sgd"
    assert optimizers.SGD(name="mine").name == "mine"


def test_save_and_load_own_variables_resume_training():
    w0, grads = [1.0, -2.0], [[0.5, 0.1], [-1.0, 0.3], [2.0, -0.2]]
    a, b = var(w0), var(w0)
    first, second = optimizers.Nadam(0.1), optimizers.Nadam(0.1)
    first.apply(f32(grads[0]), [a])
    store = {}
    first.save_own_variables(store)
    b.assign(a.numpy())
    second.build([b])
    second.load_own_variables(store)
    for g in grads[1:]:
        first.apply(f32(g), [a])
        second.apply(f32(g), [b])
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.warns(UserWarning, match="Skipping variable loading"):
        optimizers.Nadam().load_own_variables(store)


def test_get_and_set_weights():
    a = var([1.0, 2.0])
    opt = optimizers.Adam(0.1)
    opt.apply(f32([1.0, 1.0]), [a])
    weights = opt.get_weights()
    other = optimizers.Adam(0.1)
    with pytest.raises(ValueError, match="not yet been built"):
        other.set_weights(weights)
    other.build([var([0.0, 0.0])])
    other.set_weights(weights)
    for x, y in zip(other.get_weights(), weights):
        np.testing.assert_array_equal(x, y)
    with pytest.raises(ValueError, match="shape"):
        other.set_weights([weights[0], weights[1], np.zeros(3), weights[3]])


def test_finalize_without_ema_does_nothing():
    w = var([1.0])
    opt = optimizers.SGD(0.1)
    opt.apply(f32([1.0]), [w])
    opt.finalize_variable_values([w])
    assert float(w.numpy()[0]) == pytest.approx(0.9)


# ---- Keras's hook for custom optimizers ----------------------------------------------------
class PlainDescent(optimizers.Optimizer):
    """A user optimizer written against Keras's API only: ``w <- w - lr * g``."""

    def __init__(self, learning_rate=0.1, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.calls = []

    def update_step(self, gradient, variable, learning_rate):
        self.calls.append(variable.name)
        self.assign_sub(variable, learning_rate * gradient)


def test_custom_update_step_trains_like_sgd_and_skips_missing_gradients():
    import minikeras as keras
    rng = np.random.default_rng(0)
    x = rng.random((32, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32")
    weights = []
    for make in (lambda: optimizers.SGD(0.1), lambda: PlainDescent(0.1)):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4),
                                  keras.layers.Dense(1)])
        model.compile(make(), "mse")
        model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    # called once per variable with a gradient; a None gradient skips its variable
    a, b = var([1.0, 2.0], "a"), var([3.0], "b")
    opt = PlainDescent(0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        opt.apply([np.float32([2.0, 2.0]), None], [a, b])
    assert opt.calls == ["a"]
    np.testing.assert_allclose(a.numpy(), [0.0, 1.0])
    np.testing.assert_allclose(b.numpy(), [3.0])


# ---- round 19: Keras's messages for invalid options, and paths made by apply's build -------

@pytest.mark.parametrize("make, message", [
    (lambda: optimizers.SGD(momentum=1.5), "`momentum` must be a float between [0, 1]."),
    (lambda: optimizers.SGD(momentum="high"), "`momentum` must be a float between [0, 1]."),
    (lambda: optimizers.SGD(use_ema=True, ema_momentum=1.5),
     "`ema_momentum` must be in the range [0, 1]. Received: ema_momentum=1.5"),
    (lambda: optimizers.SGD(gradient_accumulation_steps=1),
     "`gradient_accumulation_steps` must be an integer >= 2. "
     "Received: gradient_accumulation_steps=1"),
    (lambda: optimizers.SGD(foo=1), "Argument(s) not recognized: {'foo': 1}"),
    (lambda: optimizers.Ftrl(learning_rate_power=0.5),
     "`learning_rate_power` needs to be negative or zero. Received: learning_rate_power=0.5."),
    (lambda: optimizers.Ftrl(l1_regularization_strength=-0.1),
     "`l1_regularization_strength` needs to be positive or zero. "
     "Received: l1_regularization_strength=-0.1."),
    (lambda: optimizers.Ftrl(initial_accumulator_value=-1),
     "`initial_accumulator_value` needs to be positive or zero. "
     "Received: initial_accumulator_value=-1."),
    (lambda: optimizers.Lion(beta_1=0.0),
     "Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer degenerates to "
     "SignSGD. Received: beta_1=0.0."),
])
def test_invalid_options_raise_keras_message_first(make, message):
    with pytest.raises(ValueError) as raised:
        make()
    assert str(raised.value).startswith(message)


def _paths(optimizer):
    return [v.path for v in optimizer.variables]


@pytest.mark.parametrize("make, bare", [
    (lambda: optimizers.Nadam(name="opt"), ["variable"]),
    (lambda: optimizers.Adafactor(name="opt"), ["w", "w"]),
])
def test_variables_made_outside_add_variable_take_apply_scope(make, bare):
    """As in Keras: a build inside ``apply`` puts them under the optimizer's name; an
    explicit ``build`` leaves their bare name."""
    w = Variable(np.ones(3, np.float32), name="w")
    explicit = make()
    explicit.build([w])
    lazy = make()
    lazy.apply_gradients([(np.ones(3, np.float32), w)])
    unscoped = [p for p in _paths(explicit) if "/" not in p]
    assert [p.split("_")[0] for p in unscoped] == bare
    assert [p for p in _paths(lazy) if "/" not in p] == []
    assert len(_paths(lazy)) == len(_paths(explicit))


def test_loss_scale_optimizer_built_by_apply_puts_inner_slots_under_its_name():
    """As in Keras: the inner optimizer's slots made while LossScaleOptimizer.apply builds
    are under the outer optimizer's name (its own counters keep theirs)."""
    w = Variable(np.ones(3, np.float32), name="w")
    opt = optimizers.LossScaleOptimizer(optimizers.Adam(name="inner"), name="outer")
    opt.apply_gradients([(np.ones(3, np.float32), w)])
    assert _paths(opt) == ["outer/iteration", "outer/learning_rate", "outer/step_counter",
                           "outer/dynamic_scale", "inner/iteration", "inner/learning_rate",
                           "outer/inner/w_momentum", "outer/inner/w_velocity"]
