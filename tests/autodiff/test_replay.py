"""A recorded graph run again on new inputs (``autodiff/replay.py``): the same numbers as
computing it again with the primitives, and the graphs it refuses, each with its reason."""
import numpy as np
import pytest

from minikeras.autodiff import primitives as P
from minikeras.autodiff.replay import NotReplayable, record
from minikeras.autodiff.grad_mode import no_grad
from minikeras.autodiff.tensor import Tensor, grad


def _weights(seed=0):
    rng = np.random.default_rng(seed)
    return (Tensor(rng.standard_normal((6, 4)).astype(np.float32), requires_grad=True),
            Tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True))


def _is_weight(weights):
    return lambda leaf: any(leaf is w for w in weights)


def _network(x, w, b, activation="relu"):
    """A dense layer, a square and a mean over a view of the input: three kinds of node."""
    h = P.dense(P.reshape(x, (-1, 6)), w, b, activation=activation)
    return P.mean(P.square(h)), h


def test_a_run_computes_what_the_primitives_compute_on_the_new_inputs():
    w, b = _weights()
    rng = np.random.default_rng(1)
    first, second = (rng.random((5, 2, 3), dtype=np.float32) for _ in range(2))
    loss, h = _network(Tensor(first), w, b)
    program = record([loss, h], [first], _is_weight((w, b)))
    assert [(index, shape) for _, index, shape in program.feeds] == [(0, (5, 6))]

    replayed_loss, replayed_h = program.run([second])
    expected_loss, expected_h = _network(Tensor(second), w, b)
    np.testing.assert_array_equal(replayed_h.data, expected_h.data)
    assert replayed_loss.data.tobytes() == expected_loss.data.tobytes()
    # the backward pass walks the recorded graph with what the run saved
    replayed = grad(replayed_loss, [w, b], retain_graph=True)
    for got, want in zip(replayed, grad(expected_loss, [w, b])):
        np.testing.assert_array_equal(got, want)


def test_a_weight_is_read_when_the_program_runs():
    w, b = _weights()
    x = np.ones((2, 6), np.float32)
    loss, h = _network(Tensor(x), w, b, activation=None)
    program = record([h], [x], _is_weight((w, b)))
    b.data = b.data + 1  # a new value for the state between runs
    np.testing.assert_array_equal(program.run([x])[0].data, x @ w.data + b.data)


def test_moving_statistics_updated_by_the_primitive_move_at_each_run():
    from minikeras.variables import Variable
    rng = np.random.default_rng(3)
    batches = [rng.standard_normal((8, 4)).astype(np.float32) for _ in range(3)]
    gamma, beta = (Tensor(np.full(4, v, np.float32), requires_grad=True) for v in (1.5, 0.5))

    def normalized(x, moving):
        return P.batch_norm_training(Tensor(x), gamma, beta, 1e-3, *moving, 0.9)[0]

    recorded = [Variable(np.zeros(4, np.float32)), Variable(np.ones(4, np.float32))]
    eager = [Variable(np.zeros(4, np.float32)), Variable(np.ones(4, np.float32))]
    program = record([normalized(batches[0], recorded)], [batches[0]],
                     lambda leaf: leaf is gamma or leaf is beta)
    assert program.assignments == 2
    normalized(batches[0], eager)
    for x in batches[1:]:
        np.testing.assert_array_equal(program.run([x])[0].data, normalized(x, eager).data)
    for got, want in zip(recorded, eager):
        np.testing.assert_array_equal(got.data, want.data)
    # by hand: the moving mean after three batches, momentum 0.9
    expected = np.zeros(4, np.float32)
    for x in batches:
        expected = expected * 0.9 + x.mean(axis=0, dtype=np.float32) * np.float32(1 - 0.9)
    np.testing.assert_allclose(recorded[0].data, expected, rtol=1e-6, atol=1e-7)


def test_recordings_of_the_same_code_are_one_program_and_other_code_is_not():
    w, b = _weights()
    x1, x2 = np.ones((3, 6), np.float32), np.zeros((3, 6), np.float32)
    relu = [record(list(_network(Tensor(x), w, b)), [x], _is_weight((w, b))) for x in (x1, x2)]
    tanh = record(list(_network(Tensor(x2), w, b, "tanh")), [x2], _is_weight((w, b)))
    other_weight = _weights(1)
    elsewhere = record(list(_network(Tensor(x2), *other_weight)), [x2],
                       _is_weight(other_weight))
    assert relu[0].same_as(relu[1])
    assert not relu[0].same_as(tanh)       # another configuration of a primitive
    assert not relu[0].same_as(elsewhere)  # other weights


@pytest.mark.parametrize("build, reason", [
    (lambda x, w: P.masked_scale(P.matmul(x, w), np.array([True, False, True, True]), 2.0),
     "primitive MaskedScale is not replayable"),  # a dropout mask made outside the graph
    (lambda x, w: P.matmul(Tensor(x.data * 2), w), "computed outside the recorded graph"),
])
def test_graphs_that_cannot_run_again_are_refused_with_the_reason(build, reason):
    w, _ = _weights()
    x = np.ones((3, 6), np.float32)
    out = build(Tensor(x), w)
    with pytest.raises(NotReplayable, match=reason):
        record([out], [x], _is_weight((w,)))


class _Source:
    """A random source as a Dropout layer holds one: each call gives the generator of one
    draw (here one stream, drawn on from call to call)."""

    def __init__(self, seed):
        self.stream = np.random.default_rng(seed)

    def generator(self):
        return self.stream


def _dropped(x, w, source):
    return P.drawn_masked_scale(P.matmul(x, w), source.generator, (3, 4), 2**31,
                                np.float32(2.0))


def test_a_drawn_mask_is_drawn_again_at_each_run_as_the_eager_calls_draw_it():
    w, _ = _weights()
    rng = np.random.default_rng(2)
    batches = [rng.random((3, 6), dtype=np.float32) for _ in range(3)]
    recorded, eager = _Source(5), _Source(5)
    program = record([_dropped(Tensor(batches[0]), w, recorded)], [batches[0]],
                     _is_weight((w,)))
    expected = [_dropped(Tensor(batches[0]), w, eager)]
    outputs = []
    for x in batches[1:]:
        outputs.append(program.run([x])[0].data.copy())
        expected.append(_dropped(Tensor(x), w, eager))
    for got, want in zip(outputs, expected[1:]):
        np.testing.assert_array_equal(got, want.data)
    masks = [out == 0 for out in outputs]
    assert masks[0].any() and not np.array_equal(masks[0], masks[1])  # drawn afresh


def test_recordings_drawing_from_the_same_source_are_one_program_and_another_is_not():
    w, _ = _weights()
    x = np.ones((3, 6), np.float32)
    source, other = _Source(5), _Source(5)
    first, second, elsewhere = (record([_dropped(Tensor(x), w, s)], [x], _is_weight((w,)))
                                for s in (source, source, other))
    assert first.same_as(second)
    assert not first.same_as(elsewhere)


def test_two_draws_from_one_source_are_refused():
    # which draws first, the graph does not show
    w, _ = _weights()
    x = np.ones((3, 6), np.float32)
    source = _Source(5)
    out = P.add(_dropped(Tensor(x), w, source), _dropped(Tensor(x), w, source))
    with pytest.raises(NotReplayable, match="one random source"):
        record([out], [x], _is_weight((w,)))


def test_a_comparison_of_a_recorded_tensor_is_a_node_and_one_of_the_inputs_alone_is_not():
    # the inputs alone go through no recorded node: what a step computes from them, some
    # Python may have chosen by their values (a loss reading its labels' format)
    w, _ = _weights()
    x = np.linspace(-1, 1, 18, dtype=np.float32).reshape(3, 6)

    def network(x):
        h = P.matmul(Tensor(x), w)
        return P.where(h > 0.5, h, P.multiply(h, 0.1))

    program = record([network(x)], [x], _is_weight((w,)))
    other = -2 * x
    np.testing.assert_array_equal(program.run([other])[0].data, network(other).data)
    fed = Tensor(x)
    with pytest.raises(NotReplayable, match="computed outside"):
        record([P.matmul(P.where(fed > 0.0, fed, 0.0), w)], [x], _is_weight((w,)))


def test_the_targets_cast_is_a_node_and_what_the_targets_alone_go_through_is_not():
    w, _ = _weights()
    x = np.linspace(-1, 1, 18, dtype=np.float32).reshape(3, 6)
    labels = np.array([1, 0, 3])
    targets = P.targets_cast(labels, "float32", (3, 1))
    assert targets.creator is not None and not targets.requires_grad
    assert targets.data.dtype == np.float32 and targets.data.shape == (3, 1)
    with no_grad():
        assert P.targets_cast(labels, "float32", (3,)).creator is None

    def loss(x, labels, transform=lambda t: t):
        scores = P.matmul(Tensor(x), w)[:, :1]
        return P.mean(P.square(scores - transform(P.targets_cast(labels, "float32", (3, 1)))))

    program = record([loss(x, labels)], [x, labels], _is_weight((w,)))
    other = np.array([2, 2, 0])
    np.testing.assert_array_equal(program.run([x, other])[0].data, loss(x, other).data)
    assert grad(program.outputs[0], [w], retain_graph=True)[0] is not None
    with pytest.raises(NotReplayable, match="computed outside"):  # 2 t: a leaf, not a node
        record([loss(x, labels, lambda t: t * 2.0)], [x, labels], _is_weight((w,)))


def test_a_convolution_run_again_fills_the_matrix_it_holds():
    # not one more held matrix per run (they go back only when the Function is collected)
    rng = np.random.default_rng(6)
    w = Tensor(rng.standard_normal((3, 3, 2, 4)).astype(np.float32), requires_grad=True)
    batches = [rng.random((2, 6, 6, 2), dtype=np.float32) for _ in range(3)]
    out = P.conv(Tensor(batches[0]), w, padding="same", activation="relu")
    program = record([out], [batches[0]], _is_weight((w,)))
    conv = program.steps[0][0]
    held = conv.held
    for x in batches[1:]:
        np.testing.assert_array_equal(program.run([x])[0].data,
                                      P.conv(Tensor(x), w, padding="same", activation="relu").data)
        assert conv.held is held


@pytest.mark.parametrize("bounds, replays", [((0.0, 6.0), True),
                                             ((np.zeros(4, np.float32), 6.0), False)])
def test_a_clip_replays_with_number_bounds_only(bounds, replays):
    # array bounds are not compared between recordings
    w, _ = _weights()
    x = np.ones((3, 6), np.float32)
    out = P.clip(P.matmul(Tensor(x), w), *bounds)
    if replays:
        record([out], [x], _is_weight((w,)))
    else:
        with pytest.raises(NotReplayable, match="Clip is not replayable"):
            record([out], [x], _is_weight((w,)))


@pytest.mark.parametrize("index, replays", [((slice(None), slice(1, 3)), True),
                                            ((slice(None), np.array([0, 2])), False)])
def test_an_index_replays_when_basic_only(index, replays):
    # an index array is not compared between recordings
    w, _ = _weights()
    x = np.ones((3, 6), np.float32)
    out = P.getitem(P.matmul(Tensor(x), w), index)
    if replays:
        record([out], [x], _is_weight((w,)))
    else:
        with pytest.raises(NotReplayable, match="GetItem is not replayable"):
            record([out], [x], _is_weight((w,)))


def test_a_tensor_carrying_a_mask_is_refused():
    w, _ = _weights()
    x = np.ones((3, 6), np.float32)
    out = P.matmul(Tensor(x), w)
    out.mask = np.array([True, False, True])
    with pytest.raises(NotReplayable, match="mask"):
        record([out], [x], _is_weight((w,)))


def test_a_view_of_memory_two_fed_arrays_share_is_refused():
    w, _ = _weights()
    data = np.ones((3, 2, 3), np.float32)
    x, y = data[:], data[:]  # two arrays, one memory: which one the view came from is lost
    out = P.matmul(Tensor(x.reshape(3, 6)), w)
    with pytest.raises(NotReplayable, match="several fed arrays"):
        record([out], [x, y], _is_weight((w,)))
    assert record([out], [x], _is_weight((w,))).feeds[0][1:] == (0, (3, 6))
