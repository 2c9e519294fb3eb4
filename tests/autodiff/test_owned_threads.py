"""Primitives split into thread parts (parallel.for_parts) while BLAS is
pinned to one thread, and the choice of that way per loop (parallel.StepThreading).

The parts depend only on the sizes and the thread budget, so the kernels are compared bit
for bit: run with their parts on the threads at once (BLAS pinned) against the same parts
one after another on the caller. A small convolutional network trained both ways ends with
the same weights. The choice between the ways follows the first step's products."""
import contextlib
import threading

import numpy as np
import pytest

import minikeras as keras
from minikeras.autodiff import blas_threads, linear, parallel
from minikeras.autodiff import primitives as P
from minikeras.autodiff.gradcheck import gradcheck
from minikeras.autodiff.tensor import Tensor, backprop, grad

needs_openblas = pytest.mark.skipif(not blas_threads.available(),
                                    reason="no OpenBLAS loaded in this process")
rng = np.random.default_rng(11)


@pytest.fixture
def three_parts(monkeypatch):
    """Every for_parts call splits into up to 3 parts, whatever its size, and a part's row
    blocks (``parallel.row_blocks``) are a few rows each."""
    monkeypatch.setattr(parallel, "MIN_PART", 1)
    monkeypatch.setattr(parallel, "BLOCK_ELEMENTS", 12)
    parallel.set_threads(3)
    yield
    parallel.reset_threads()


def run_and_grads(fn, arrays):
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    y = fn(*tensors)
    leaves = backprop(y, np.random.default_rng(0).standard_normal(y.shape).astype(y.dtype))
    return [y.data] + [leaves[t] for t in tensors]


KEEP = np.random.default_rng(5).random((7, 5, 3)) < 0.6     # a dropout mask
ATTENTION_KEEP = np.random.default_rng(6).random((7, 1, 4, 5)) < 0.7
ATTENTION_KEEP[2, 0, 3] = False                                # a query that sees no key
KERNELS = {
    "conv relu then max pool": (
        lambda x, w, b: P.max_pool(P.conv(x, w, b, activation="relu"), 2),
        [(4, 7, 7, 4), (3, 3, 4, 3), (3,)]),
    "conv few channels, kept im2col": (
        lambda x, w, b: P.conv(x, w, b, activation="tanh"), [(4, 8, 8, 1), (3, 3, 1, 6), (6,)]),
    "conv same, strided, dilated": (
        lambda x, w: P.conv(x, w, strides=2, padding="same", dilation_rate=1),
        [(8, 9, 7, 6), (3, 2, 6, 5)]),
    "conv 1x1": (lambda x, w, b: P.conv(x, w, b), [(5, 4, 3, 6), (1, 1, 6, 4), (4,)]),
    "conv_transpose": (lambda x, w, b: P.conv_transpose(x, w, b, strides=2, padding="same"),
                       [(5, 4, 3, 2), (3, 3, 4, 2), (4,)]),
    "depthwise conv relu, multiplier 2, strided same": (
        lambda x, w, b: P.conv(x, w, b, strides=2, padding="same", groups=4, activation="relu"),
        [(4, 7, 6, 4), (3, 3, 1, 8), (8,)]),
    "depthwise conv dilated valid": (
        lambda x, w: P.conv(x, w, dilation_rate=2, groups=3), [(5, 8, 7, 3), (2, 3, 1, 3)]),
    "clip, residual add, multiply": (
        lambda x, y: P.multiply(P.add(P.clip(x, -0.2513, 0.4507), y), y),
        [(6, 5, 4, 3), (6, 5, 4, 3)]),
    "dropout (masked scale), concatenate on channels": (
        lambda x, y: P.concatenate([P.masked_scale(x, KEEP, 2.5), y], -1),
        [(7, 5, 3), (7, 5, 2)]),
    "upsampling (broadcast_to of a reshape)": (
        lambda x: P.reshape(P.broadcast_to(P.reshape(x, (5, 3, 1, 2, 1, 4)), (5, 3, 2, 2, 3, 4)),
                            (5, 6, 6, 4)), [(5, 3, 2, 4)]),
    "sigmoid, tanh": (lambda x: P.tanh(P.sigmoid(x)), [(6, 4, 3)]),
    "global average and sum pooling": (
        lambda x: P.add(P.mean(x, axis=(1, 2)), P.sum(x, axis=(1, 2))), [(7, 5, 3, 4)]),
    "average pool same, overlapping": (lambda x: P.average_pool(x, 3, 2, "same"), [(5, 7, 6, 3)]),
    "max_pool overlapping": (lambda x: P.max_pool(x, 3, 2, "same"), [(5, 7, 7, 3)]),
    "batch norm then relu": (
        lambda x, g, b: P.relu(P.batch_norm_training(x, g, b)[0]), [(6, 5, 4, 3), (3,), (3,)]),
    "attention, masked, rows masked everywhere uniform": (
        lambda q, k, v: P.attention(q, k, v, keep=ATTENTION_KEEP, all_masked_uniform=True),
        [(7, 4, 2, 3), (7, 5, 2, 3), (7, 5, 2, 2)]),
    "layer norm over the last axis": (
        lambda x, g, b: P.layer_norm(x, g, b), [(7, 5, 6), (6,), (6,)]),
    "softmax by rows, stacked matmul": (
        lambda a, b: P.matmul(P.softmax(a, -1), b), [(4, 2, 4, 5), (4, 2, 5, 3)]),
}


@needs_openblas
@pytest.mark.parametrize("name", sorted(KERNELS))
def test_parts_on_the_threads_give_the_numbers_of_parts_in_turn(name, three_parts):
    fn, shapes = KERNELS[name]
    arrays = [np.round(rng.uniform(-2, 2, s), 1).astype("float32") for s in shapes]
    in_turn = run_and_grads(fn, arrays)
    with blas_threads.single_threaded():
        at_once = run_and_grads(fn, arrays)
    for a, b in zip(in_turn, at_once):
        np.testing.assert_array_equal(b, a)


@needs_openblas
@pytest.mark.parametrize("name", ["conv relu then max pool", "conv few channels, kept im2col",
                                  "conv_transpose", "batch norm then relu",
                                  "depthwise conv relu, multiplier 2, strided same",
                                  "depthwise conv dilated valid",
                                  "clip, residual add, multiply",
                                  "dropout (masked scale), concatenate on channels",
                                  "upsampling (broadcast_to of a reshape)", "sigmoid, tanh",
                                  "global average and sum pooling",
                                  "average pool same, overlapping",
                                  "attention, masked, rows masked everywhere uniform",
                                  "softmax by rows, stacked matmul",
                                  "layer norm over the last axis"])
def test_kernels_split_into_parts_pass_gradcheck(name, three_parts):
    """Central differences at every element of the inputs of up to 96 elements; of the
    larger ones at every sample (so every thread part), row, column and channel and 96 in
    all (minikeras.autodiff.gradcheck.probe_coordinates).

    The central differences are taken with the parts in turn on the caller (BLAS not
    pinned; the same parts, so the same function) and kept in ``cache``: the gradients
    with the parts on the threads at once are compared with them (and the outputs both
    ways), without the threads' handoffs in each probe's forward passes (35% less CPU)."""
    fn, shapes = KERNELS[name]
    arrays = [rng.permutation(np.prod(s)).reshape(s) / np.prod(s) - 0.4 for s in shapes]
    kept = {}
    assert gradcheck(fn, *arrays, probes=96, cache=kept)
    in_turn = fn(*[Tensor(a) for a in arrays]).data
    with blas_threads.single_threaded():
        assert parallel.parts_run_at_once()
        np.testing.assert_allclose(fn(*[Tensor(a) for a in arrays]).data, in_turn,
                                   rtol=1e-12, atol=1e-12)
        assert gradcheck(fn, *arrays, probes=96, cache=kept)


@needs_openblas
def test_clip_by_parts_gives_zero_gradient_outside_even_for_inf(three_parts):
    # by hand: d clip(x, 0, 6)/dx is 1 inside [0, 6], else 0; 0 * inf must stay 0 there
    x = Tensor(np.array([[-1.0, 0.0], [3.0, 7.0], [6.0, 9.0]], "float32"), requires_grad=True)
    gy = np.array([[np.inf, 2.0], [np.inf, -np.inf], [5.0, np.nan]], "float32")
    with blas_threads.single_threaded():
        y = P.clip(x, 0.0, 6.0)
        grads = backprop(y, gy)
    np.testing.assert_array_equal(y.data, [[0, 0], [3, 6], [6, 6]])
    np.testing.assert_array_equal(grads[x], [[0, 2], [np.inf, 0], [5, 0]])


@needs_openblas
def test_parts_cover_the_range_once_on_pinned_blas(three_parts):
    seen, getter = [], blas_threads._funcs()[1]
    with blas_threads.single_threaded():
        parallel.for_parts(lambda a, b: seen.append((a, b, getter())), 10, 10)
    assert sorted(seen) == [(0, 3, 1), (3, 6, 1), (6, 10, 1)]


@needs_openblas
def test_a_helper_part_runs_in_the_callers_context(three_parts):
    # numpy's error state is a context variable: a part on another thread must see the
    # caller's. The first part waits until another thread has taken a part.
    seen, other_started, caller = [], threading.Event(), threading.get_ident()

    def part(a, b):
        if threading.get_ident() != caller:
            other_started.set()
        elif a == 0:
            assert other_started.wait(10)
        seen.append((threading.get_ident() != caller, np.geterr()["divide"]))

    with np.errstate(divide="raise"), blas_threads.single_threaded():
        parallel.for_parts(part, 3, 3)
    assert (True, "raise") in seen and all(state == "raise" for _, state in seen)


def test_parts_depend_on_work_and_threads_not_on_pinning(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_PART", 10)
    parallel.set_threads(2)
    try:
        for n, work, want in ((9, 100, [(0, 4), (4, 9)]), (9, 19, [(0, 9)]), (1, 100, [(0, 1)])):
            seen = []
            parallel.for_parts(lambda a, b: seen.append((a, b)), n, work)   # not pinned
            assert seen == want                                        # in turn, in order
    finally:
        parallel.reset_threads()


def test_plain_passes_split_only_with_pass_parts_min_parts_each(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_PART", 10)
    monkeypatch.setattr(parallel, "PASS_PARTS", 4)          # 40 element passes a part
    parallel.set_threads(2)
    try:
        for elements, passes, want in ((79, 1, [(0, 9)]), (80, 1, [(0, 4), (4, 9)]),
                                       (40, 2, [(0, 4), (4, 9)])):
            seen = []
            parallel.for_passes(lambda a, b: seen.append((a, b)), 9, elements, passes)
            assert seen == want
    finally:
        parallel.reset_threads()


@needs_openblas
def test_an_elementwise_op_runs_whole_unless_its_parts_run_at_once(three_parts):
    """Parts in turn would only add Python (a dtype probe, a copy per part): an
    elementwise op then runs in one call on the whole arrays, and by parts when pinned."""
    from minikeras.autodiff.elementwise import map_parts
    x = rng.standard_normal((6, 4)).astype("float32")
    for pinned, want_rows in ((False, [6]), (True, [1, 2, 2, 2])):   # probe, then 3 parts
        seen = []

        def tanh(a):
            seen.append(len(a))
            return np.tanh(a)

        with blas_threads.single_threaded() if pinned else contextlib.nullcontext():
            y = map_parts(tanh, x)
        assert seen == want_rows
        np.testing.assert_array_equal(y, np.tanh(x))


@needs_openblas
def test_a_part_inside_a_part_runs_in_turn(three_parts):
    threads = []

    def outer(a, b):
        me = threading.get_ident()
        parallel.for_parts(lambda c, d: threads.append(threading.get_ident() == me), 6, 6)

    with blas_threads.single_threaded():
        parallel.for_parts(outer, 6, 6)
    assert threads and all(threads)


def choose(products):
    """The ways StepThreading runs three steps, each counting ``products`` ((multiply-adds,
    way) pairs), on 2 threads."""
    parallel.set_threads(2)
    try:
        choice, ways = parallel.StepThreading(), []

        def step(value):
            ways.append(blas_threads.pinned())
            for multiply_adds, way in products:
                parallel.count_products(multiply_adds, way)
            return value * 2

        assert [choice.run(step, 21) for _ in range(3)] == [42] * 3
        return choice.owned, ways
    finally:
        parallel.reset_threads()


@needs_openblas
@pytest.mark.parametrize("products", [[(100, "blas"), (900, "owned")],
                                      [(500, "blas"), (500, "owned")], [(10, "owned")]])
def test_steps_stay_owned_when_products_for_owned_steps_are_half_or_more(products):
    assert choose(products) == (True, [True, True, True])


@needs_openblas
@pytest.mark.parametrize("products", [[(501, "blas"), (499, "owned")], [(10, "blas")], []])
def test_steps_run_on_blas_threads_otherwise(products):
    # the first step runs owned, to count
    assert choose(products) == (False, [True, False, False])


@needs_openblas
@pytest.mark.parametrize("shape, layers, owned", [
    # convolutions: products by samples
    ((28, 28, 1), [keras.layers.Conv2D(32, 3), keras.layers.MaxPooling2D(),
                   keras.layers.Flatten(), keras.layers.Dense(10)], True),
    # a Conv2D(16) (16 x 9 x 26 x 26 = 97,344 multiply-adds a sample) under a Dense(256) on
    # its 2,704 features (692,224 a sample: 22 million at batch 32, a large product)
    ((28, 28, 1), [keras.layers.Conv2D(16, 3), keras.layers.Flatten(),
                   keras.layers.Dense(256)], False),
    # a product OpenBLAS threads, not a large one (32 x 784 x 32 = 802,816 multiply-adds),
    # then products it runs on one thread anyway (32 x 32 x 32)
    ((784,), [keras.layers.Dense(32) for _ in range(4)], True),
    # those alone: nothing counted
    ((32,), [keras.layers.Dense(32) for _ in range(4)], False),
])
def test_the_choice_follows_the_models_products(shape, layers, owned):
    model = keras.Sequential([keras.Input(shape)] + layers)
    parallel.set_threads(2)
    try:
        model.predict(np.zeros((64,) + shape, np.float32), batch_size=32, verbose=0)
        assert model._threading["predict"].owned is owned
    finally:
        parallel.reset_threads()


@pytest.mark.parametrize("count, multiply_adds, counted", [
    (3, linear.ONE_THREAD_GEMM, {}),                         # one thread either way
    (3, linear.ONE_THREAD_GEMM + 1, {"owned": 3 * (linear.ONE_THREAD_GEMM + 1)}),
    (2, linear.SPLIT_GEMM - 1, {"owned": 2 * (linear.SPLIT_GEMM - 1)}),
    (2, linear.SPLIT_GEMM, {"blas": 2 * linear.SPLIT_GEMM}),
])
def test_whole_products_count_by_their_size(monkeypatch, count, multiply_adds, counted):
    monkeypatch.setattr(parallel, "_products", {"owned": 0, "blas": 0})
    linear.count_whole_products(count, multiply_adds)
    assert parallel._products == {"owned": 0, "blas": 0, **counted}


@pytest.mark.parametrize("a, b, products", [
    ((5, 7), (7,), 5 * 7), ((7,), (7, 5), 7 * 5), ((7,), (7,), 7),
    ((4, 3, 6, 7), (3, 7, 5), 12 * 6 * 7 * 5)])       # broadcast stacks
def test_matmul_counts_each_whole_product(monkeypatch, a, b, products):
    seen = []
    monkeypatch.setattr(linear, "count_whole_products", lambda n, each: seen.append(n * each))
    monkeypatch.setattr(linear, "_by_parts", lambda *arrays: False)
    P.matmul(np.ones(a, np.float32), np.ones(b, np.float32))
    assert seen == [products]


def test_two_seeded_fits_end_with_the_same_weights_on_two_threads():
    # the choice reads sizes, not times: an MLP's steps on BLAS's threads after an owned
    # first step, every run alike
    x = np.random.default_rng(0).random((512, 784), np.float32)
    y = np.eye(10, dtype=np.float32)[np.arange(512) % 10]
    parallel.set_threads(2)
    try:
        weights = []
        for _ in range(2):
            keras.utils.set_random_seed(3)
            model = keras.Sequential([keras.Input((784,)),
                                      keras.layers.Dense(512, activation="relu"),
                                      keras.layers.Dropout(0.2), keras.layers.Dense(10)])
            model.compile("adam", keras.losses.CategoricalCrossentropy(from_logits=True))
            model.fit(x, y, batch_size=128, epochs=2, verbose=0)
            weights.append(model.get_weights())
    finally:
        parallel.reset_threads()
    for first, second in zip(*weights):
        np.testing.assert_array_equal(first, second)


def test_one_thread_means_no_trial_and_blas_on_one_thread():
    parallel.set_threads(1)
    try:
        choice, ways = parallel.StepThreading(), []
        choice.run(lambda: ways.append(blas_threads.pinned()))
        pinned = blas_threads.available()   # without a settable BLAS count: its own threads
        assert choice.owned is pinned and ways == [pinned]
    finally:
        parallel.reset_threads()


@needs_openblas
def test_the_first_step_warms_blas_once_on_every_thread_at_once(three_parts, monkeypatch):
    # one product per thread, all inside one block of BLAS on one thread, at the same time
    # (each then holds its own OpenBLAS work buffer); later loops do not warm again
    monkeypatch.setitem(parallel._state, "blas_warm", False)
    seen = []
    monkeypatch.setattr(parallel, "np", _RecordingNumpy(seen))
    parallel.StepThreading().run(lambda: None)
    parallel.StepThreading().run(lambda: None)
    assert len(seen) == 3 and all(pinned for _, pinned in seen)
    assert len({thread for thread, _ in seen}) == 3


@needs_openblas
def test_a_custom_loops_first_grad_warms_blas(monkeypatch):
    monkeypatch.setitem(parallel._state, "blas_warm", False)
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    grad(P.sum(x), [x])
    assert parallel._state["blas_warm"]


class _RecordingNumpy:
    """numpy, but ``ones`` notes (thread, BLAS pinned) once per product (its first operand)."""

    def __init__(self, seen):
        self.seen = seen

    def __getattr__(self, name):
        return getattr(np, name)

    def ones(self, shape, dtype):
        if shape[0] == 64:
            self.seen.append((threading.get_ident(), blas_threads.pinned()))
        return np.ones(shape, dtype)


@pytest.mark.parametrize("files, expected", [
    ({"v2": "200000 100000\n"}, 2),           # a quota of 2 CPUs
    ({"v2": "150000 100000\n"}, 1),           # 1.5 CPUs: one whole CPU
    ({"v2": "20000 100000\n"}, 1),            # a fifth of a CPU: still one thread
    ({"v2": "max 100000\n"}, None),           # no quota
    ({"quota": "300000\n", "period": "100000\n"}, 3),   # cgroup v1
    ({"quota": "-1\n", "period": "100000\n"}, None),
    ({"v2": "garbled"}, None),
    ({}, None),                                # no cgroup files (not Linux, or not mounted)
])
def test_cpu_quota_of_the_cgroup(tmp_path, monkeypatch, files, expected):
    paths = {name: tmp_path / name for name in ("v2", "quota", "period")}
    for name, text in files.items():
        paths[name].write_text(text)
    monkeypatch.setattr(parallel, "_CGROUP_V2", str(paths["v2"]))
    monkeypatch.setattr(parallel, "_CGROUP_V1", (str(paths["quota"]), str(paths["period"])))
    assert parallel._cpu_quota() == expected


def test_a_cpu_quota_caps_the_default_thread_count(tmp_path, monkeypatch):
    quota = tmp_path / "cpu.max"
    quota.write_text("100000 100000\n")
    monkeypatch.setattr(parallel, "_CGROUP_V2", str(quota))
    for name in parallel._ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3},
                        raising=False)
    assert parallel._default_threads() == 1
    quota.write_text("max 100000\n")
    assert parallel._default_threads() == 4


@needs_openblas
def test_a_convnet_trains_to_the_same_weights_owned_or_not(three_parts):
    x = rng.uniform(0, 1, (24, 10, 10, 2)).astype("float32")
    y = rng.integers(0, 3, 24)
    weights = []
    for owned in (False, True):
        keras.utils.set_random_seed(3)
        model = keras.Sequential([
            keras.Input((10, 10, 2)), keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.MaxPooling2D(), keras.layers.Conv2D(5, 2, padding="same"),
            keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy")
        for kind in model._threading.values():
            kind.owned = owned
        model.fit(x, y, batch_size=8, epochs=2, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_array_equal(b, a)


@needs_openblas
def test_dense_by_rows_on_the_threads(three_parts, monkeypatch):
    # a large dense layer's forward and input gradient go by rows over the parts in owned
    # steps: the same products row by row (BLAS may round a few rows' products differently
    # from one whole product, as a different thread count does), and exact gradients
    monkeypatch.setattr(linear, "SPLIT_GEMM", 1)
    fn = lambda x, w, b: P.dense(x, w, b, activation="relu")  # noqa: E731
    arrays = [rng.uniform(-2, 2, shape).astype("float32") for shape in [(9, 4, 6), (6, 5), (5,)]]
    whole = run_and_grads(fn, arrays)
    with blas_threads.single_threaded():
        by_rows = run_and_grads(fn, arrays)
        assert gradcheck(fn, *[a.astype("float64") for a in arrays])
    for a, b in zip(whole, by_rows):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-6)

