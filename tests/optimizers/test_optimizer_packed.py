"""The packed path (all weights views of one flat buffer) against the per-variable path.

Both must give bit-identical weights and optimizer state, for every optimizer and for
the base options that work on flat buffers (clipping, weight decay with exclusions, EMA,
accumulation, constraints, None gradients).
"""
import numpy as np
import pytest

from minikeras import optimizers
from minikeras.optimizers import schedules
from minikeras.variables import Variable, pack, packed_buffer

SHAPES = ((4, 3), (3,), (3, 2), (2,), (2, 1, 2), ())
OPTIMIZER_CLASSES = sorted({cls for _, cls in optimizers.OPTIMIZERS.items()
                            if cls not in (optimizers.Optimizer, optimizers.LossScaleOptimizer)},
                           key=lambda c: c.__name__)
OPTIONS = {
    "defaults": {},
    "weight_decay": {"weight_decay": 0.1},
    "clipnorm": {"clipnorm": 0.5},
    "global_clipnorm": {"global_clipnorm": 0.5},
    "clipvalue": {"clipvalue": 0.3},
    "ema": {"use_ema": True, "ema_momentum": 0.7, "ema_overwrite_frequency": 3},
    "accumulation": {"gradient_accumulation_steps": 2},
    "loss_scale": {"loss_scale_factor": 8.0},
}


def problem(seed=0, steps=5):
    rng = np.random.default_rng(seed)
    w0 = [rng.normal(size=s).astype(np.float32) for s in SHAPES]
    grads = [[rng.normal(size=s).astype(np.float32) for s in SHAPES] for _ in range(steps)]
    return w0, grads


def make_variables(w0, packed):
    variables = [Variable(w.copy(), name=("bias" if w.ndim == 1 else "kernel"))
                 for w in w0]
    for i, v in enumerate(variables):
        v.path = f"layer_{i}/{v.name}"
    if packed:
        pack(variables)
        assert packed_buffer(variables) is not None
    return variables


def train(make, packed, grads, w0, exclude=False, none_at=None):
    variables = make_variables(w0, packed)
    opt = make()
    if exclude:
        opt.exclude_from_weight_decay(var_names=["bias"])
    for step, g in enumerate(grads):
        g = list(g)
        if none_at is not None and step % 2 == 1:
            g[none_at] = None
        opt.apply(g, variables)
    return [v.numpy() for v in variables], [v.numpy() for v in opt.variables], opt


def assert_same(make, **kwargs):
    w0, grads = problem()
    wp, sp, opt = train(make, True, grads, w0, **kwargs)
    wu, su, _ = train(make, False, grads, w0, **kwargs)
    for a, b in zip(wp + sp, wu + su):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(wp[0], w0[0])  # it trained
    return opt


@pytest.mark.parametrize("cls", OPTIMIZER_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_packed_equals_unpacked(cls, option):
    kwargs = dict(OPTIONS[option])
    if cls is optimizers.Muon and "weight_decay" in kwargs:
        kwargs["adam_weight_decay"] = kwargs["weight_decay"]
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        opt = assert_same(lambda: cls(learning_rate=0.01, **kwargs))
    if cls.elementwise:
        assert opt._packed  # the single flat update really ran


@pytest.mark.parametrize("make", [
    lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True, weight_decay=0.05),
    lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True, weight_decay=0.05),
    lambda: optimizers.Adam(0.01, amsgrad=True, weight_decay=0.05),
    lambda: optimizers.AdamW(schedules.CosineDecay(0.01, 4), clipnorm=0.5),
    lambda: optimizers.Ftrl(0.05, l1_regularization_strength=0.01,
                            l2_shrinkage_regularization_strength=0.1, weight_decay=0.05),
], ids=["sgd-nesterov", "rmsprop-centered", "adam-amsgrad", "adamw-schedule", "ftrl-l1"])
def test_packed_equals_unpacked_with_exclusions(make):
    assert_same(make, exclude=True)


@pytest.mark.parametrize("make", [lambda: optimizers.Adam(0.01, use_ema=True),
                                  lambda: optimizers.SGD(0.1, momentum=0.9, clipnorm=0.5)],
                         ids=["adam-ema", "sgd-clipnorm"])
def test_packed_equals_unpacked_with_missing_gradients(make):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert_same(make, none_at=2)


def test_slots_are_views_of_flat_buffers():
    w0, grads = problem(steps=2)
    variables = make_variables(w0, packed=True)
    opt = optimizers.Adam(0.01)
    for g in grads:
        opt.apply(g, variables)
    momentums = opt._momentums
    flat = opt._slot_flats[0]
    for m in momentums:
        assert np.shares_memory(m.data, flat)
    assert [m.shape for m in momentums] == [v.shape for v in variables]
    # writing a slot (as loading a file does) changes the state the next step uses
    momentums[0].assign(np.zeros(momentums[0].shape))
    assert not flat[:momentums[0].size].any()


def test_packing_after_build_switches_to_the_flat_path():
    w0, grads = problem(steps=3)
    reference = make_variables(w0, packed=False)
    variables = make_variables(w0, packed=False)
    ref_opt, opt = optimizers.Adam(0.01), optimizers.Adam(0.01)
    opt.build(variables)
    ref_opt.apply(grads[0], reference)
    opt.apply(grads[0], variables)
    assert not opt._packed
    pack(variables)  # what the trainer does
    for g in grads[1:]:
        ref_opt.apply(g, reference)
        opt.apply(g, variables)
    assert opt._packed
    for a, b in zip(variables, reference):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_float64_model():
    w0, grads = problem(steps=2)
    variables = [Variable(w.astype(np.float64), dtype="float64", name=f"v{i}")
                 for i, w in enumerate(w0)]
    pack(variables)
    opt = optimizers.Adam(0.01)
    for g in grads:
        opt.apply(g, variables)
    assert all(v.dtype == np.float64 for v in opt.variables[2:])
    assert variables[0].dtype == np.float64


def test_repacking_and_foreign_buffers():
    w0, grads = problem(steps=4)
    reference = make_variables(w0, packed=False)
    variables = make_variables(w0, packed=True)
    ref_opt, opt = optimizers.RMSprop(0.01), optimizers.RMSprop(0.01)
    for step, g in enumerate(grads):
        if step == 1:
            pack(variables)  # a new buffer: the optimizer follows it
        if step == 2:
            pack(variables[::-1])  # one buffer, but not in the optimizer's order
            assert packed_buffer(variables) is None
        ref_opt.apply(g, reference)
        opt.apply(g, variables)
        assert opt._packed == (step < 2)
    for a, b in zip(variables, reference):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
