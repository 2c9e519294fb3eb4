"""The fused recurrences: forward against a per-step numpy reference, float64 gradient checks
with masks, go_backwards, recurrent dropout and the final states; each also with the batch
rows split over threads (one part per thread, BLAS on one thread)."""
import warnings
import zlib

import numpy as np
import pytest

from minikeras.autodiff import blas_threads, parallel, recurrence
from minikeras.autodiff import primitives as P
from minikeras.autodiff.gradcheck import gradcheck
from minikeras.autodiff.tensor import Tensor

rng = np.random.default_rng(3)
B, T, F, U = 3, 5, 3, 2   # F != U, so a kernel never has the recurrent kernel's shape


def r(*shape, scale=1.0):
    return rng.uniform(-scale, scale, shape)


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def masked_product(v, masks, weight):
    """``v @ weight`` with ``v`` times a mask: none, one shared (batch, n), or one per gate
    (gates, batch, n) for the gate's columns of ``weight``."""
    if masks is None or masks.ndim == 2:
        return (v if masks is None else v * masks) @ weight
    u = weight.shape[1] // len(masks)
    return np.concatenate([(v * m) @ weight[:, g * u:(g + 1) * u] for g, m in enumerate(masks)],
                          axis=1)


def reference(kind, x, W, Ur, b, rb, states, mask=None, backwards=False, rd=None,
              reset_after=True, dp=None):
    """The textbook step loop (Keras's cell formulas), in plain numpy; ``dp`` are per-gate
    input masks, ``rd`` one recurrent mask or one per gate."""
    states = [s.copy() for s in states]
    out, outs = np.zeros_like(states[0]), []
    order = range(T - 1, -1, -1) if backwards else range(T)
    u = Ur.shape[0]
    for t in order:
        h = states[0]
        xp = masked_product(x[:, t], dp, W) + (0 if b is None else b)
        if kind == "simple":
            new = [np.tanh(xp + masked_product(h, rd, Ur))]
        elif kind == "lstm":
            a = xp + masked_product(h, rd, Ur)
            i, f, g, o = (sigmoid(a[:, :u]), sigmoid(a[:, u:2 * u]), np.tanh(a[:, 2 * u:3 * u]),
                          sigmoid(a[:, 3 * u:]))
            c = f * states[1] + i * g
            new = [o * np.tanh(c), c]
        else:
            if reset_after:
                m = masked_product(h, rd, Ur) + (0 if rb is None else rb)
                z, rr = sigmoid(xp[:, :u] + m[:, :u]), sigmoid(xp[:, u:2 * u] + m[:, u:2 * u])
                hh = np.tanh(xp[:, 2 * u:] + rr * m[:, 2 * u:])
            else:
                m = masked_product(h, rd if rd is None or rd.ndim == 2 else rd[:2], Ur[:, :2 * u])
                z, rr = sigmoid(xp[:, :u] + m[:, :u]), sigmoid(xp[:, u:2 * u] + m[:, u:])
                hd = h if rd is None else h * rd[-1] if rd.ndim == 3 else h * rd
                hh = np.tanh(xp[:, 2 * u:] + (rr * hd) @ Ur[:, 2 * u:])
            new = [z * h + (1 - z) * hh]
        keep = np.ones((B, 1), bool) if mask is None else mask[:, t:t + 1]
        states = [np.where(keep, n, s) for n, s in zip(new, states)]
        out = np.where(keep, new[0], out)
        outs.append(out)
    return np.concatenate([np.stack(outs, 1)] + [s[:, None] for s in states], axis=1)


@pytest.fixture(params=["one part", "row parts"])
def parts(request, monkeypatch):
    """"row parts": every recurrence runs its batch rows in parts on 2 threads (B=3 rows:
    parts 0:1 and 1:3), checked to have happened by the recorded parts."""
    if request.param == "one part":
        yield
        return
    if not blas_threads.available():
        pytest.skip("this BLAS's thread count cannot be set: recurrences never split")
    seen = []
    split = parallel.for_thread_parts

    def recording(fn, n, min_part):
        split(lambda lo, hi: (seen.append((lo, hi)), fn(lo, hi)), n, min_part)

    monkeypatch.setattr(recurrence, "MIN_PART_WORK", 1)
    monkeypatch.setattr(parallel, "for_thread_parts", recording)
    parallel.set_threads(2)
    yield
    parallel.reset_threads()
    assert sorted(set(seen)) == [(0, 1), (1, 3)]


NUMERIC = {}


def case_draws(*case):
    """Draw a case's arrays from its own seed; its kept central differences (a dict for
    ``gradcheck``'s ``cache``). The case's "one part" and "row parts" runs draw the same arrays, so
    the second compares its autodiff gradients with the first's finite differences (the
    same numbers: each row's recurrence reads only that row) instead of computing them
    again; either run's forward is checked against the step reference."""
    global rng
    rng = np.random.default_rng(zlib.crc32(repr(case).encode()))
    return NUMERIC.setdefault(case, {})


MASK = np.array([[1, 1, 0, 1, 1], [0, 0, 1, 1, 0], [1, 1, 1, 1, 1]], bool)
GATES = {"simple": 1, "lstm": 4, "gru": 3}


def call(kind, x, W, Ur, b, rb, states, reset_after=True, **options):
    if kind == "simple":
        return P.simple_rnn_recurrence(x, W, Ur, b, *states, **options)
    if kind == "lstm":
        return P.lstm_recurrence(x, W, Ur, b, *states, **options)
    return P.gru_recurrence(x, W, Ur, b, rb, *states, reset_after=reset_after, **options)


def weights(kind, reset_after=True):
    g = GATES[kind]
    rb = r(g * U) if kind == "gru" and reset_after else None
    states = [r(B, U) for _ in range(2 if kind == "lstm" else 1)]
    return r(B, T, F), r(F, g * U), r(U, g * U), r(g * U), rb, states


CONFIGS = [dict(), dict(mask=MASK), dict(go_backwards=True), dict(mask=MASK, go_backwards=True),
           dict(rd=True)]


@pytest.mark.parametrize("kind,reset_after", [("simple", True), ("lstm", True), ("gru", True),
                                              ("gru", False)])
@pytest.mark.parametrize("config", range(len(CONFIGS)))
def test_forward_matches_step_reference(kind, reset_after, config, parts):
    options = dict(CONFIGS[config])
    rd = (rng.random((B, U)) > 0.4) / 0.6 if options.pop("rd", False) else None
    x, W, Ur, b, rb, states = weights(kind, reset_after)
    got = call(kind, x, W, Ur, b, rb, states, reset_after=reset_after,
               recurrent_dropout_mask=rd, **options).data
    want = reference(kind, x, W, Ur, b, rb, states, options.get("mask"),
                     options.get("go_backwards", False), rd, reset_after)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind,reset_after", [("simple", True), ("lstm", True), ("gru", True),
                                              ("gru", False)])
@pytest.mark.parametrize("config", range(len(CONFIGS)))
def test_gradient_matches_finite_differences(kind, reset_after, config, parts):
    """Every input (x, kernels, biases, initial states) against central differences; the
    cotangent covers every output step and the final states (return_state)."""
    kept = case_draws("gradient", kind, reset_after, config)
    options = dict(CONFIGS[config])
    rd = (rng.random((B, U)) > 0.4) / 0.6 if options.pop("rd", False) else None
    x, W, Ur, b, rb, states = weights(kind, reset_after)
    if rb is None:
        def fn(x, W, Ur, b, *states):
            return call(kind, x, W, Ur, b, None, states, reset_after=reset_after,
                        recurrent_dropout_mask=rd, **options)
        assert gradcheck(fn, x, W, Ur, b, *states, probes=96, cache=kept)
    else:
        def fn(x, W, Ur, b, rb, *states):
            return call(kind, x, W, Ur, b, rb, states, recurrent_dropout_mask=rd, **options)
        assert gradcheck(fn, x, W, Ur, b, rb, *states, probes=96, cache=kept)


def test_without_bias():
    x, W, Ur, _, _, states = weights("lstm")
    got = P.lstm_recurrence(x, W, Ur, None, *states).data
    np.testing.assert_allclose(got, reference("lstm", x, W, Ur, None, None, states), rtol=1e-10)
    assert gradcheck(lambda x, W, Ur, h, c: P.lstm_recurrence(x, W, Ur, None, h, c),
                     x, W, Ur, *states)


@pytest.mark.parametrize("kind,reset_after", [("lstm", True), ("gru", True), ("gru", False)])
def test_saturated_float32_gates_without_overflow_warnings(kind, reset_after):
    """Pre-activations of +-hundreds: exp(-a) of a sigmoid gate overflows float32 (to inf,
    sigma = 0) without numpy's warning, and the outputs are float64's to float32 round-off."""
    x, W, Ur, b, rb, states = weights(kind, reset_after)
    W = W * 400  # |x @ W| up to ~1,000
    ref = reference(kind, x, W, Ur, b, rb, states, reset_after=reset_after)
    f32 = [None if a is None else np.float32(a) for a in (x, W, Ur, b, rb)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = call(kind, *f32[:5], [np.float32(s) for s in states], reset_after=reset_after).data
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)


def test_fully_masked_rows_output_zeros_and_keep_the_initial_state():
    """Keras's rnn: before the first unmasked step the output is zeros; states carry over."""
    x, W, Ur, b, _, states = weights("lstm")
    mask = np.zeros((B, T), bool)
    y = P.lstm_recurrence(x, W, Ur, b, *states, mask=mask).data
    np.testing.assert_array_equal(y[:, :T], 0)
    np.testing.assert_array_equal(y[:, T], states[0])
    np.testing.assert_array_equal(y[:, T + 1], states[1])


@pytest.mark.parametrize("kind,reset_after", [("simple", True), ("lstm", True), ("gru", True),
                                              ("gru", False)])
@pytest.mark.parametrize("config", [0, 1, 4])
def test_gradient_when_the_sequence_needs_none(kind, reset_after, config, parts):
    """The backward skips the input's gradient when x does not require one (a model's first
    layer): the weights' and states' gradients against central differences on that path.
    The case draws test_gradient_matches_finite_differences's arrays, so their central
    differences, kept in the same cache, are computed once for both (x is left out of
    ``wrt``: its Tensor then does not require a gradient)."""
    kept = case_draws("gradient", kind, reset_after, config)
    options = dict(CONFIGS[config])
    rd = (rng.random((B, U)) > 0.4) / 0.6 if options.pop("rd", False) else None
    x, W, Ur, b, rb, states = weights(kind, reset_after)
    arrays = [x, W, Ur, b] + ([] if rb is None else [rb]) + states
    if rb is None:
        def fn(x, W, Ur, b, *states):
            return call(kind, x, W, Ur, b, None, states, reset_after=reset_after,
                        recurrent_dropout_mask=rd, **options)
    else:
        def fn(x, W, Ur, b, rb, *states):
            return call(kind, x, W, Ur, b, rb, states, recurrent_dropout_mask=rd, **options)

    def needs_none(x, *rest):
        assert not x.requires_grad
        return fn(x, *rest)
    assert gradcheck(needs_none, *arrays, wrt=range(1, len(arrays)), probes=96, cache=kept)


@pytest.mark.parametrize("kind,reset_after", [("simple", True), ("lstm", True), ("gru", True),
                                              ("gru", False)])
@pytest.mark.parametrize("config", range(len(CONFIGS)))
def test_forward_while_recording_matches_step_reference(kind, reset_after, config, parts):
    """With weights that require gradients the forward keeps every step's buffers (the
    other tests' plain arrays run it with two alternating slots)."""
    options = dict(CONFIGS[config])
    rd = (rng.random((B, U)) > 0.4) / 0.6 if options.pop("rd", False) else None
    x, W, Ur, b, rb, states = weights(kind, reset_after)
    tW = Tensor(W, requires_grad=True)
    got = call(kind, x, tW, Ur, b, rb, states, reset_after=reset_after,
               recurrent_dropout_mask=rd, **options).data
    want = reference(kind, x, W, Ur, b, rb, states, options.get("mask"),
                     options.get("go_backwards", False), rd, reset_after)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_reused_scratch_buffers_carry_nothing_between_calls():
    """The step buffers come back from ``scratch`` on the next call of the same shape."""
    first, second = weights("lstm"), weights("lstm")
    want = P.lstm_recurrence(*first[:4], *first[5]).data.copy()
    for _ in range(2):
        P.lstm_recurrence(*second[:4], *second[5])
        np.testing.assert_array_equal(P.lstm_recurrence(*first[:4], *first[5]).data, want)


def test_row_parts_give_the_one_part_numbers(monkeypatch):
    """A batch split over 2 threads (uneven parts) gives the one-thread outputs and
    gradients: each row's recurrence reads only that row. To float32 round-off, not bit for
    bit: a BLAS may round a row's product differently in a matrix of another height (an AMD
    EPYC's OpenBLAS does, by one unit in the last place)."""
    if not blas_threads.available():
        pytest.skip("this BLAS's thread count cannot be set: recurrences never split")
    x, W, Ur, b, _, states = weights("lstm")
    x, W, Ur, b, *states = (a.astype(np.float32) for a in (x, W, Ur, b, *states))

    def run():
        tensors = [Tensor(a, requires_grad=True) for a in (x, W, Ur, b, *states)]
        y = P.lstm_recurrence(*tensors, mask=MASK)
        y.backward(np.arange(y.size, dtype=np.float32).reshape(y.shape) / y.size)
        return [y.data] + [t.grad for t in tensors]

    one = run()
    monkeypatch.setattr(recurrence, "MIN_PART_WORK", 1)
    parallel.set_threads(2)
    try:
        for want, got in zip(one, run()):
            atol = 16 * np.finfo(np.float32).eps * max(np.abs(want).max(), 1.0)
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=atol)
    finally:
        parallel.reset_threads()


@pytest.mark.parametrize("kind,reset_after", [("simple", True), ("lstm", True), ("gru", True),
                                              ("gru", False)])
@pytest.mark.parametrize("config", range(len(CONFIGS)))
def test_last_output_only(kind, reset_after, config, parts):
    """return_sequences=False keeps the last step's output and the final states: the step
    reference's columns T-1, T, ...; its gradient against central differences."""
    kept = case_draws("last output", kind, reset_after, config)
    options = dict(CONFIGS[config])
    rd = (rng.random((B, U)) > 0.4) / 0.6 if options.pop("rd", False) else None
    x, W, Ur, b, rb, states = weights(kind, reset_after)
    want = reference(kind, x, W, Ur, b, rb, states, options.get("mask"),
                     options.get("go_backwards", False), rd, reset_after)[:, T - 1:]

    def fn(x, W, Ur, b, *states):
        return call(kind, x, W, Ur, b, rb, states, reset_after=reset_after,
                    recurrent_dropout_mask=rd, return_sequences=False, **options)
    np.testing.assert_allclose(fn(x, W, Ur, b, *states).data, want, rtol=1e-10, atol=1e-12)
    assert gradcheck(fn, x, W, Ur, b, *states, probes=96, cache=kept)


def test_rows_split_only_when_each_part_has_enough_work(monkeypatch):
    """by_rows: parts of at least MIN_PART_WORK pre-activations per step, one per thread."""
    if not blas_threads.available():
        pytest.skip("this BLAS's thread count cannot be set: recurrences never split")
    monkeypatch.setattr(recurrence, "MIN_PART_WORK", 1024)
    parallel.set_threads(2)
    try:
        for batch, width, want in ((64, 512, [(0, 32), (32, 64)]), (4, 512, [(0, 2), (2, 4)]), (3, 512, [(0, 3)]),
                                   (64, 32, [(0, 32), (32, 64)]), (63, 32, [(0, 63)]),
                                   (1, 4096, [(0, 1)])):
            seen = []
            recurrence.by_rows(lambda lo, hi: seen.append((lo, hi)), batch, width)
            assert sorted(seen) == want, (batch, width)
    finally:
        parallel.reset_threads()


def gate_masks(kind, dropout, recurrent):
    """Keras's implementation=1 masks: one input and one recurrent mask per gate."""
    g = GATES[kind]
    dp = (rng.random((g, B, F)) > 0.3) / 0.7 if dropout else None
    rd = (rng.random((g, B, U)) > 0.4) / 0.6 if recurrent else None
    return dp, rd


PER_GATE = [("lstm", True), ("gru", True), ("gru", False)]
MASK_OPTIONS = [dict(), dict(mask=MASK, go_backwards=True)]


@pytest.mark.parametrize("kind,reset_after", PER_GATE)
@pytest.mark.parametrize("dropout,recurrent", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("config", range(len(MASK_OPTIONS)))
def test_per_gate_dropout_masks(kind, reset_after, dropout, recurrent, config, parts):
    """One input and one recurrent mask per gate (recurrent_dropout's implementation=1):
    forward with and without recording against the step reference, gradient against
    central differences (x, weights, states)."""
    kept = case_draws("per gate", kind, reset_after, dropout, recurrent, config)
    options = MASK_OPTIONS[config]
    dp, rd = gate_masks(kind, dropout, recurrent)
    x, W, Ur, b, rb, states = weights(kind, reset_after)
    want = reference(kind, x, W, Ur, b, rb, states, options.get("mask"),
                     options.get("go_backwards", False), rd, reset_after, dp)

    def fn(x, W, Ur, b, *states):
        return call(kind, x, W, Ur, b, rb, states, reset_after=reset_after, dropout_masks=dp,
                    recurrent_dropout_mask=rd, **options)
    np.testing.assert_allclose(fn(x, W, Ur, b, *states).data, want, rtol=1e-10, atol=1e-12)
    recorded = fn(x, Tensor(W, requires_grad=True), Ur, b, *states).data
    np.testing.assert_allclose(recorded, want, rtol=1e-10, atol=1e-12)
    assert gradcheck(fn, x, W, Ur, b, *states, probes=96, cache=kept)


@pytest.mark.parametrize("option,shape", [("dropout_masks", (3, B, F)),
                                          ("dropout_masks", (4, B, F + 1)),
                                          ("recurrent_dropout_mask", (2, B, U)),
                                          ("recurrent_dropout_mask", (4, B + 1, U))])
def test_per_gate_masks_of_the_wrong_shape(option, shape):
    x, W, Ur, b, _, states = weights("lstm")
    with pytest.raises(ValueError, match=rf"{option} must have shape \(4, {B}, .*Received: "
                                         rf"shape=\({shape[0]}, {shape[1]}, {shape[2]}\)"):
        P.lstm_recurrence(x, W, Ur, b, *states, **{option: np.ones(shape)})


@pytest.fixture
def side_tasks(monkeypatch):
    """Every recording recurrence hands its time chunks' products to a helper thread
    (chunks of 2 steps: T=5 gives 0:2, 2:4, 4:5), checked to have happened."""
    if not blas_threads.available():
        pytest.skip("this BLAS's thread count cannot be set: no side tasks")
    handed = []
    add = parallel.SideTasks.add
    monkeypatch.setattr(parallel.SideTasks, "add",
                        lambda self, fn: (handed.append(fn), add(self, fn))[-1])
    monkeypatch.setattr(recurrence, "MIN_SIDE_WORK", 1)
    monkeypatch.setattr(recurrence, "CHUNK_ROWS", 2 * B)
    parallel.set_threads(2)
    yield
    parallel.reset_threads()
    assert handed


SIDE_CASES = [dict(), dict(mask=MASK, go_backwards=True), dict(rd=True), dict(per_gate=True)]


@pytest.mark.parametrize("kind,reset_after,case", [
    (kind, reset_after, case) for kind, reset_after in [("simple", True), ("lstm", True),
                                                        ("gru", True), ("gru", False)]
    for case in range(len(SIDE_CASES)) if kind != "simple" or "per_gate" not in SIDE_CASES[case]])
def test_products_on_a_helper_thread(kind, reset_after, case, side_tasks):
    """With the weight and input gradients computed chunk by chunk
    on a helper thread: the recorded forward against the step reference, every gradient
    against central differences."""
    options = dict(SIDE_CASES[case])
    dp = rd = None
    if options.pop("per_gate", False):  # one input and one recurrent mask per gate
        dp, rd = gate_masks(kind, True, True)
        options["dropout_masks"] = dp
    elif options.pop("rd", False):
        rd = (rng.random((B, U)) > 0.4) / 0.6
    x, W, Ur, b, rb, states = weights(kind, reset_after)
    want = reference(kind, x, W, Ur, b, rb, states, options.get("mask"),
                     options.get("go_backwards", False), rd, reset_after, dp)

    def fn(x, W, Ur, b, *states):
        return call(kind, x, W, Ur, b, rb, states, reset_after=reset_after,
                    recurrent_dropout_mask=rd, **options)
    recorded = fn(x, Tensor(W, requires_grad=True), Ur, b, *states).data
    np.testing.assert_allclose(recorded, want, rtol=1e-10, atol=1e-12)
    kept = {}  # the second check's central differences are the first's (same fn, arrays)
    assert gradcheck(fn, x, W, Ur, b, *states, cache=kept)

    def needs_none(x, *rest):  # x out of ``wrt``: its Tensor does not require a gradient
        assert not x.requires_grad
        return fn(x, *rest)
    assert gradcheck(needs_none, x, W, Ur, b, *states, wrt=range(1, 4 + len(states)),
                     cache=kept)


@pytest.mark.parametrize("options", [dict(), dict(mask=MASK, go_backwards=True)])
def test_lstm_factors_per_chunk(options, monkeypatch):
    """The LSTM's backward factors are computed once per time chunk (T=5, chunks of 2 steps:
    0:2, 2:4, 4:5): by the backward loop on one thread, on the helper thread as the forward
    passes each chunk with two; the results are the same (the weights' gradient up to
    round-off: with a helper it is summed over the chunks' products)."""
    if not blas_threads.available():
        pytest.skip("this BLAS's thread count cannot be set: no side tasks")
    monkeypatch.setattr(recurrence, "MIN_SIDE_WORK", 1)
    monkeypatch.setattr(recurrence, "CHUNK_ROWS", 2 * B)
    prepare, chunks = recurrence.LSTMRecurrence.prepare_chunk, []
    monkeypatch.setattr(recurrence.LSTMRecurrence, "prepare_chunk",
                        lambda self, s0, s1, rows: (chunks.append((s0, s1)),
                                                    prepare(self, s0, s1, rows)))
    x, W, Ur, b, _, states = weights("lstm", True)

    def run(threads):
        parallel.set_threads(threads)
        try:
            tensors = [Tensor(a, requires_grad=True) for a in (x, W, Ur, b, *states)]
            y = P.lstm_recurrence(*tensors, **options)
            in_forward = len(chunks)
            y.backward(np.arange(y.size, dtype=np.float64).reshape(y.shape) / y.size)
            return in_forward, [y.data] + [t.grad for t in tensors]
        finally:
            parallel.reset_threads()
    in_forward, one = run(1)
    assert in_forward == 0 and sorted(chunks) == [(0, 2), (2, 4), (4, 5)]
    chunks.clear()
    in_forward, two = run(2)
    assert in_forward == 3 and sorted(chunks) == [(0, 2), (2, 4), (4, 5)]
    for want, got in zip(one, two):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


def test_a_recurrent_bias_without_reset_after_is_refused():
    rng = np.random.default_rng(0)
    x, h0 = rng.normal(size=(2, 3, 4)), np.zeros((2, 5))
    kernel, recurrent = rng.normal(size=(4, 15)), rng.normal(size=(5, 15))
    with pytest.raises(ValueError,
                       match=r"recurrent_bias of shape \(15,\) with reset_after=False"):
        recurrence.gru_recurrence(Tensor(x), Tensor(kernel), Tensor(recurrent),
                                  Tensor(np.zeros(15)), Tensor(np.zeros(15)), Tensor(h0),
                                  reset_after=False)
