"""The flat layout the optimizer owns, and its two paths through one update.

Every elementwise step runs on blocks of whole flat buffers; when some variables have no
gradient, decay, step and constraints run per variable on the others. Both must give
bit-identical weights and optimizer state, for every optimizer and every base option.
"""
import re
import warnings

import numpy as np
import pytest

import minikeras as keras
from minikeras import optimizers
from minikeras.autodiff import grad
from minikeras.optimizers import flat_layout, schedules
from minikeras.variables import Variable

SHAPES = ((4, 3), (3,), (3, 2), (2,), (2, 1, 2), ())
OPTIMIZER_CLASSES = sorted({cls for _, cls in optimizers.OPTIMIZERS.items()
                            if cls not in (optimizers.Optimizer, optimizers.LossScaleOptimizer,
                                           optimizers.MultiOptimizer)},
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


def make_variables(w0):
    variables = [Variable(w.copy(), name=("bias" if w.ndim == 1 else "kernel")) for w in w0]
    for i, v in enumerate(variables):
        v.path = f"layer_{i}/{v.name}"
    return variables


def train(make, grads, w0, per_variable, exclude=False):
    """Train on ``grads``; with ``per_variable`` the optimizer also holds a variable that
    never gets a gradient, so every step takes the per-variable path for the others."""
    variables = make_variables(w0)
    extra = [Variable(np.ones(3, np.float32), name="unused")] if per_variable else []
    opt = make()
    if exclude:
        opt.exclude_from_weight_decay(var_names=["bias"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for g in grads:
            opt.apply(list(g) + [None] * len(extra), variables + extra)
    slots = {_slot_key(v): v.numpy() for v in opt.variables if "unused" not in v.name}
    return [v.numpy() for v in variables], slots, opt


def _slot_key(variable):
    """A slot's name; an unnamed variable's without its counter (Nadam's u_product is the
    next unnamed variable, as in Keras: "variable_3")."""
    return "variable" if re.fullmatch(r"variable(_\d+)?", variable.name) else variable.name


def assert_same(make, **kwargs):
    w0, grads = problem()
    w_flat, s_flat, opt = train(make, grads, w0, per_variable=False, **kwargs)
    w_each, s_each, _ = train(make, grads, w0, per_variable=True, **kwargs)
    for a, b in zip(w_flat, w_each):
        np.testing.assert_array_equal(a, b)
    assert list(s_flat) == list(s_each)
    for key in s_flat:
        np.testing.assert_array_equal(s_flat[key], s_each[key], err_msg=key)
    assert not np.allclose(w_flat[0], w0[0])  # it trained
    return opt


@pytest.mark.parametrize("cls", OPTIMIZER_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_flat_path_equals_per_variable_path(cls, option):
    kwargs = dict(OPTIONS[option])
    if cls is optimizers.Muon and "weight_decay" in kwargs:
        kwargs["adam_weight_decay"] = kwargs["weight_decay"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert_same(lambda: cls(learning_rate=0.01, **kwargs))


@pytest.mark.parametrize("make", [
    lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True, weight_decay=0.05),
    lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True, weight_decay=0.05),
    lambda: optimizers.Adam(0.01, amsgrad=True, weight_decay=0.05),
    lambda: optimizers.AdamW(schedules.CosineDecay(0.01, 4), clipnorm=0.5),
    lambda: optimizers.Ftrl(0.05, l1_regularization_strength=0.01,
                            l2_shrinkage_regularization_strength=0.1, weight_decay=0.05),
], ids=["sgd-nesterov", "rmsprop-centered", "adam-amsgrad", "adamw-schedule", "ftrl-l1"])
def test_flat_path_equals_per_variable_path_with_exclusions(make):
    assert_same(make, exclude=True)


@pytest.mark.parametrize("cls", [optimizers.Adam, optimizers.Nadam, optimizers.Ftrl],
                         ids=lambda c: c.__name__)
def test_blocks_smaller_than_a_variable_give_the_same_numbers(cls, monkeypatch):
    w0, grads = problem()
    whole, _, _ = train(lambda: cls(0.01), grads, w0, per_variable=False)
    monkeypatch.setattr(flat_layout, "BLOCK_SIZE", 5)  # blocks cut across variables
    blocked, _, opt = train(lambda: cls(0.01), grads, w0, per_variable=False)
    assert len(opt._elementwise_pieces(None)) == -(-opt._layout.size // 5)
    for a, b in zip(whole, blocked):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cls", [optimizers.Adam, optimizers.RMSprop], ids=lambda c: c.__name__)
def test_per_variable_blocks_give_the_same_numbers_and_share_one_scratch_block(cls, monkeypatch):
    w0, grads = problem()
    whole, _, _ = train(lambda: cls(0.01, weight_decay=0.05), grads, w0, per_variable=True)
    monkeypatch.setattr(flat_layout, "BLOCK_SIZE", 5)  # the (4, 3) kernel spans 3 blocks
    blocked, _, opt = train(lambda: cls(0.01, weight_decay=0.05), grads, w0, per_variable=True)
    for a, b in zip(whole, blocked):
        np.testing.assert_array_equal(a, b)
    pieces = opt._elementwise_pieces(list(range(len(SHAPES))))
    assert [p[0].size for p in pieces] == [5, 5, 2, 3, 5, 1, 2, 4, 1]  # cut per variable
    # every piece computes in the first block of the scratch buffer (kept in cache)
    start = opt._scratch[0].__array_interface__["data"][0]
    assert all(p[2][0].__array_interface__["data"][0] == start for p in pieces)


def test_build_packs_weights_and_slots_into_flat_buffers():
    w0, grads = problem(steps=2)
    variables = make_variables(w0)
    opt = optimizers.Adam(0.01)
    opt.build(variables)
    layout = opt._layout
    for v, w in zip(variables, w0):
        assert np.shares_memory(v.data, layout.weights)  # the weights are views of one buffer
        np.testing.assert_array_equal(v.numpy(), w)  # with their values kept
    for g in grads:
        opt.apply(g, variables)
    for m, v in zip(opt._momentums, variables):
        assert np.shares_memory(m.data, opt._slot_flats[0]) and m.shape == v.shape
    # writing a slot (as loading a file does) changes the state the next step uses
    opt._momentums[0].assign(np.zeros(opt._momentums[0].shape))
    assert not opt._slot_flats[0][:opt._momentums[0].size].any()


def test_variables_moved_by_another_optimizer_are_packed_back():
    w0, grads = problem(steps=4)
    reference = make_variables(w0)
    variables = make_variables(w0)
    ref_opt, opt = optimizers.RMSprop(0.01), optimizers.RMSprop(0.01)
    for step, g in enumerate(grads):
        if step == 2:  # a second optimizer packs the same variables into its own buffer
            optimizers.SGD(0.0).build(variables[::-1])
            assert not np.shares_memory(variables[0].data, opt._layout.weights)
        ref_opt.apply(g, reference)
        opt.apply(g, variables)
        assert np.shares_memory(variables[0].data, opt._layout.weights)
    for a, b in zip(variables, reference):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_float64_variables():
    w0, grads = problem(steps=2)
    variables = [Variable(w.astype(np.float64), dtype="float64", name=f"v{i}")
                 for i, w in enumerate(w0)]
    opt = optimizers.Adam(0.01)
    for g in grads:
        opt.apply(g, variables)
    assert all(v.dtype == "float64" for v in opt.variables[2:])
    assert variables[0].dtype == "float64" and opt._layout.weights.dtype == np.float64


def test_backward_writes_gradients_into_the_optimizer_buffer():
    w0, _ = problem()
    variables = make_variables(w0)
    unused = Variable(np.ones(2, np.float32), name="unused")
    opt = optimizers.SGD(0.1)
    buffers = opt.gradient_buffers(variables + [unused])
    buffers[-1][...] = 7.0  # stale content of a buffer with no path to the loss
    a, b = variables[0], variables[1]
    loss = ((a * a).sum() + (a * 3.0).sum() + b.sum())  # a reached twice: contributions add
    out = grad(loss, variables + [unused], out=buffers)
    assert out is buffers and out[0] is buffers[0]
    np.testing.assert_allclose(out[0], 2 * w0[0] + 3.0, rtol=1e-6)
    np.testing.assert_array_equal(out[1], np.ones(3))
    np.testing.assert_array_equal(out[-1], np.zeros(2))  # no path: zero
    assert np.shares_memory(out[0], opt._layout.gradients)


def test_backward_destinations_must_match_the_inputs():
    a = Variable(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"one array per input.*\[\(3, 2\)\].*\[\(2, 3\)\]"):
        grad((a * 2.0).sum(), [a], out=[np.zeros((3, 2), np.float32)])
    with pytest.raises(ValueError, match="one array per input"):
        grad((a * 2.0).sum(), [a], out=[])


def test_fit_trains_through_the_layout_without_copies():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    x = np.random.default_rng(0).random((16, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    history = model.fit(x, y, epochs=5, batch_size=4, verbose=0)
    layout = model.optimizer._layout
    assert all(np.shares_memory(v.data, layout.weights) for v in model.trainable_weights)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_unknown_variable_is_refused():
    opt = optimizers.SGD(0.1)
    opt.build([Variable(np.zeros(2, np.float32))])
    with pytest.raises(ValueError, match="Unknown variable.*recreate a new optimizer"):
        opt.gradient_buffers([Variable(np.zeros(2, np.float32), name="stranger")])


def test_a_part_cuts_variables_into_pieces_and_reduceat_segments():
    variables = [keras.Variable(np.zeros(s, "float32")) for s in [(2, 3), (0,), (4,), (5,)]]
    layout = flat_layout.FlatLayout(variables, "float32")  # offsets 0, 6, 6, 10, 15
    part = slice(4, 12)
    assert layout.pieces(part) == [slice(4, 6), slice(6, 6), slice(6, 10), slice(10, 12)]
    starts, sizes, owners = layout.segments(part)
    assert starts.tolist() == [0, 2, 6] and sizes.tolist() == [2, 4, 2]
    assert owners.tolist() == [0, 1, 2]  # indices among the non-empty variables 0, 2, 3
    assert layout.block_ranges(None, part) == [(4, 12)]
    assert layout.block_ranges([0, 3], part) == [(4, 6), (10, 12)]
    empty = layout.segments(slice(15, 15))
    assert [a.size for a in empty] == [0, 0, 0]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_every_flat_buffer_starts_on_a_cache_line(dtype):
    w0, grads = problem(steps=1)
    variables = [Variable(w.astype(dtype), dtype=dtype, name=f"v{i}") for i, w in enumerate(w0)]
    opt = optimizers.Adam(0.01, use_ema=True)
    opt.apply([g.astype(dtype) for g in grads[0]], variables)
    layout = opt._layout
    flats = (layout.weights, layout.gradients) + opt._scratch + opt.flat_state()
    assert len(flats) == 6  # weights, gradients, scratch, momentum, velocity, EMA
    for flat in flats:
        assert flat.ctypes.data % flat_layout.ALIGNMENT == 0
        assert flat.dtype == np.dtype(dtype) and flat.shape == (layout.size,)


def test_aligned_zeros():
    assert flat_layout.aligned_zeros(0, np.float32).shape == (0,)  # (no data to align)
    for size in (1, 7, 1000):
        a = flat_layout.aligned_zeros(size, np.float32)
        assert a.shape == (size,) and a.dtype == np.float32 and not a.any()
        assert a.ctypes.data % flat_layout.ALIGNMENT == 0 and a.flags.writeable
