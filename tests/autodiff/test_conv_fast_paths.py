"""The convolution and pooling fast paths agree with the plain formulas and pass gradcheck:
fused activations, the batch-chunked im2col (forward and kernel gradient), max pooling over
tiled / partly covered / overlapping windows, and the scratch arrays they reuse. The
gradchecks probe every element of an input of up to 96, of a larger one every index of every
axis (each sample, row, column, channel: every chunk and block) and 96 in all
(minikeras.autodiff.gradcheck.probe_coordinates)."""
import functools
import gc
import itertools

import numpy as np
import pytest

from minikeras.autodiff import conv as C
from minikeras.autodiff import no_grad, scratch
from minikeras.autodiff import primitives as P
from minikeras.autodiff.gradcheck import gradcheck as full_gradcheck
from minikeras.autodiff.tensor import Tensor, backprop

gradcheck = functools.partial(full_gradcheck, probes=96)
rng = np.random.default_rng(11)


def r(*shape):
    return rng.uniform(-2.0, 2.0, shape)


def distinct(*shape):
    """No ties, so every max has one winner."""
    return rng.permutation(np.arange(int(np.prod(shape)), dtype=float)).reshape(shape) * 0.37 - 1


def loop_conv(x, w, b, stride):
    """y[n, i, j, f] = sum_{a, b, c} x[n, i*s + a, j*s + b, c] w[a, b, c, f] + b[f] (valid)."""
    kh, kw, _, f = w.shape
    oh, ow = (x.shape[1] - kh) // stride + 1, (x.shape[2] - kw) // stride + 1
    y = np.empty((x.shape[0], oh, ow, f))
    for i, j in itertools.product(range(oh), range(ow)):
        patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
        y[:, i, j, :] = np.tensordot(patch, w, axes=3) + b
    return y


def loop_max_pool_grad(x, gy, pool, stride):
    """Gradient of valid max pooling routed to each window's first maximum (row-major)."""
    gx = np.zeros_like(x)
    for n, i, j, c in itertools.product(*(range(s) for s in gy.shape)):
        window = x[n, i * stride:i * stride + pool, j * stride:j * stride + pool, c]
        a, b = np.unravel_index(np.argmax(window), window.shape)   # argmax: first maximum
        gx[n, i * stride + a, j * stride + b, c] += gy[n, i, j, c]
    return gx


# ---- fused activation -----------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_conv_with_fused_activation_passes_gradcheck(activation):
    x = distinct(2, 5, 4, 3) / 10   # spread-out pre-activations: none sits on relu's kink
    assert gradcheck(lambda x, w, b: P.conv(x, w, b, strides=(2, 1), padding="same",
                                            activation=activation), x, r(3, 2, 3, 4), r(4))


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_conv_with_fused_activation_equals_composed(activation):
    x, w, b = r(2, 6, 5, 3), r(3, 3, 3, 4), r(4)
    composed = getattr(P, activation)(P.conv(x, w, b)).data
    np.testing.assert_allclose(P.conv(x, w, b, activation=activation).data, composed,
                               rtol=1e-12)


def test_conv_equals_the_loop_formula_with_bias_and_stride():
    x, w, b = r(2, 7, 6, 3), r(3, 2, 3, 5), r(5)
    np.testing.assert_allclose(P.conv(x, w, b, strides=2).data, loop_conv(x, w, b, 2),
                               rtol=1e-12, atol=1e-12)


# ---- batch-chunked im2col ----------------------------------------------------------------------

@pytest.fixture
def one_sample_chunks(monkeypatch):
    """An im2col budget so small that every chunk holds one sample."""
    monkeypatch.setattr(C, "IM2COL_BYTES", 1)


def _conv_and_grads(x, w, b):
    tensors = [Tensor(a, requires_grad=True) for a in (x, w, b)]
    y = P.conv(*tensors, strides=(1, 2), padding="same", dilation_rate=1, activation="relu")
    cot = np.random.default_rng(0).standard_normal(y.shape)
    leaves = backprop(y, cot)
    return [y.data] + [leaves[t] for t in tensors]


@pytest.mark.parametrize("channels", [5, 1])       # row-major and channel-plane matrices
@pytest.mark.parametrize("keep_bytes", [2 ** 30, 0])  # chunks kept in one buffer / rebuilt
def test_chunked_im2col_gives_the_same_numbers(monkeypatch, channels, keep_bytes):
    x, w, b = distinct(5, 6, 7, channels) / 10, r(3, 3, channels, 4), r(4)
    whole = _conv_and_grads(x, w, b)
    monkeypatch.setattr(C, "IM2COL_BYTES", 1)
    monkeypatch.setattr(C, "IM2COL_KEEP_BYTES", keep_bytes)
    kept = []
    kernel_grad = C.Conv._kernel_grad
    monkeypatch.setattr(C.Conv, "_kernel_grad", lambda self, g2, geometry: kept.append(
        self.cols is not None) or kernel_grad(self, g2, geometry))
    chunked = _conv_and_grads(x, w, b)
    assert kept == [keep_bytes > 0]
    for a, c in zip(whole, chunked):
        np.testing.assert_allclose(c, a, rtol=1e-12, atol=1e-12)


CHUNKED_CASE = {}


@pytest.mark.parametrize("keep_bytes", [2 ** 30, 0])
def test_chunked_im2col_passes_gradcheck(one_sample_chunks, monkeypatch, keep_bytes):
    """Both runs check one function (keeping the chunks changes only where the kernel
    gradient reads them) at the same arrays: the first run's central differences, kept in
    ``gradcheck``'s ``cache``, serve the second."""
    if not CHUNKED_CASE:
        draw = np.random.default_rng(12)
        CHUNKED_CASE.update(arrays=[draw.uniform(-2.0, 2.0, s)
                                    for s in ((3, 5, 4, 2), (3, 2, 2, 3), (3,))], cache={})
    monkeypatch.setattr(C, "IM2COL_KEEP_BYTES", keep_bytes)
    assert gradcheck(lambda x, w, b: P.conv(x, w, b, strides=(2, 1), padding="same",
                                            dilation_rate=(1, 2)), *CHUNKED_CASE["arrays"],
                     cache=CHUNKED_CASE["cache"])


def test_im2col_matrix_never_exceeds_its_budget(monkeypatch):
    budget = 64 * 1024
    monkeypatch.setattr(C, "IM2COL_BYTES", budget)
    taken = []
    real_take = scratch.take

    def recording_take(shape, dtype):
        array = real_take(shape, dtype)
        taken.append(array.nbytes)
        return array

    monkeypatch.setattr(scratch, "take", recording_take)
    x, w = r(40, 12, 12, 8).astype("float32"), r(3, 3, 8, 4).astype("float32")
    with no_grad():
        y = P.conv(x, w, padding="same").data
    # the whole-batch matrix would be 40 * 144 * 72 * 4 bytes = 1.6 MB
    assert taken and max(taken) <= budget
    monkeypatch.setattr(C, "IM2COL_BYTES", 2 ** 30)
    with no_grad():
        np.testing.assert_allclose(P.conv(x, w, padding="same").data, y, rtol=1e-5, atol=1e-5)


# ---- blocked GEMMs: output rows activated per block, col2im per block of samples ---------------

def loop_conv_input_grad(gy, w, x_shape, stride):
    """gx[n, i*s + a, j*s + b, c] = sum over (i, j, f) of gy[n, i, j, f] * w[a, b, c, f]
    (the adjoint of ``loop_conv``, valid padding), written out."""
    kh, kw = w.shape[:2]
    gx = np.zeros(x_shape)
    for i, j in itertools.product(range(gy.shape[1]), range(gy.shape[2])):
        gx[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :] += np.tensordot(
            gy[:, i, j, :], w, axes=([1], [3]))
    return gx


@pytest.fixture
def one_row_blocks(monkeypatch):
    """Block budgets so small that each output GEMM makes one row and col2im one sample."""
    monkeypatch.setattr(C, "OUTPUT_BLOCK_BYTES", 1)
    monkeypatch.setattr(C, "COL2IM_BLOCK_BYTES", 1)


@pytest.mark.parametrize("channels, stride", [(5, 1), (1, 1), (3, 2)])
def test_blocked_conv_equals_the_loop_formulas(one_row_blocks, channels, stride):
    x, w, b = r(3, 7, 6, channels), r(3, 2, channels, 4), r(4)
    xt = Tensor(x, requires_grad=True)
    y = P.conv(xt, w, b, strides=stride)
    np.testing.assert_allclose(y.data, loop_conv(x, w, b, stride), rtol=1e-12, atol=1e-12)
    gy = r(*y.shape)
    np.testing.assert_allclose(backprop(y, gy)[xt], loop_conv_input_grad(gy, w, x.shape, stride),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("groups", [1, 2])
def test_blocked_conv_gives_the_same_numbers_as_whole_batch_blocks(monkeypatch, groups):
    x, w, b = distinct(5, 6, 7, 4) / 10, r(3, 3, 4 // groups, 6), r(6)

    def run():
        tensors = [Tensor(a, requires_grad=True) for a in (x, w, b)]
        y = P.conv(*tensors, strides=(1, 2), padding="same", groups=groups, activation="relu")
        leaves = backprop(y, np.random.default_rng(0).standard_normal(y.shape))
        return [y.data] + [leaves[t] for t in tensors]

    whole = run()
    monkeypatch.setattr(C, "OUTPUT_BLOCK_BYTES", 1)
    # two samples a block: a 6x4 output of 4 channels of float64 per sample
    monkeypatch.setattr(C, "COL2IM_BLOCK_BYTES", 2 * 6 * 4 * 4 * 8)
    for a, c in zip(whole, run()):
        np.testing.assert_allclose(c, a, rtol=1e-12, atol=1e-12)


def test_blocked_conv_and_conv_transpose_pass_gradcheck(one_row_blocks):
    assert gradcheck(lambda x, w, b: P.conv(x, w, b, strides=(2, 1), padding="same",
                                            activation="relu"),
                     distinct(3, 5, 4, 2) / 10, r(3, 2, 2, 3), r(3))
    assert gradcheck(lambda x, w, b: P.conv_transpose(x, w, b, strides=2, padding="same"),
                     r(3, 3, 4, 2), r(3, 3, 4, 2), r(4))


def test_an_empty_batch_gives_empty_outputs_and_gradients():
    x = Tensor(np.zeros((0, 5, 5, 3)), requires_grad=True)
    y = P.conv(x, r(3, 3, 3, 4), r(4), activation="relu")
    assert y.shape == (0, 3, 3, 4)
    assert backprop(y, np.ones(y.shape))[x].shape == (0, 5, 5, 3)
    assert P.conv_transpose(np.zeros((0, 4, 4, 2)), r(3, 3, 5, 2)).shape == (0, 6, 6, 5)


# ---- max pooling: tiled, partly covered and overlapping windows ---------------------------------

@pytest.mark.parametrize("shape, pool, stride", [
    ((2, 6, 8, 3), 2, 2),     # windows tile the input exactly (no zero fill)
    ((2, 7, 5, 3), 2, 2),     # last row / column belong to no window (their gradient is 0)
    ((2, 7, 7, 3), 3, 2),     # overlapping windows (gradients add)
])
def test_max_pool_paths_match_the_loop_reference_with_ties(shape, pool, stride):
    x = np.maximum(r(*shape), 0)          # relu'd: many windows tie at 0
    x[0, :2, :2, 0] = 1.5                 # a window whose four values tie at the max
    xt = Tensor(x, requires_grad=True)
    y = P.max_pool(xt, pool, stride)
    gy = rng.standard_normal(y.shape)
    # exact where windows do not overlap; overlapping ones add in another order than the loop
    np.testing.assert_allclose(backprop(y, gy)[xt], loop_max_pool_grad(x, gy, pool, stride),
                               rtol=1e-14, atol=0)


@pytest.mark.parametrize("shape, pool, stride", [((2, 6, 8, 3), 2, 2), ((2, 7, 5, 3), 2, 2),
                                                 ((2, 7, 7, 3), 3, 2)])
def test_max_pool_paths_pass_gradcheck(shape, pool, stride):
    assert gradcheck(lambda x: P.max_pool(x, pool, stride), distinct(*shape))


# ---- scratch arrays ------------------------------------------------------------------------------

def test_scratch_array_is_reused_once_its_owner_is_collected():
    class Owner:
        pass

    owner = Owner()
    first = scratch.hold(owner, (3, 5), "float32")
    assert scratch.take((3, 5), "float32") is not first      # still held
    del owner
    gc.collect()
    assert scratch.take((3, 5), "float32") is first          # given back, then reused


def test_scratch_keeps_at_most_its_limit(monkeypatch):
    monkeypatch.setattr(scratch, "FREE_LIMIT_BYTES", 1000)
    old, new = np.empty(200, np.float32), np.empty(200, np.float32)   # 800 bytes each
    scratch.give_back(old)
    scratch.give_back(new)                                   # over the limit: the older goes
    assert scratch.take((200,), "float32") is new
    assert scratch.take((200,), "float32") is not old


def test_conv2d_layer_fuses_relu_in_both_data_formats():
    from minikeras import layers
    x = r(2, 6, 5, 3).astype("float32")
    last = layers.Conv2D(4, 3, padding="same", activation="relu", dilation_rate=2)
    y_last = last(x).numpy()
    first = layers.Conv2D(4, 3, padding="same", activation="relu", dilation_rate=2,
                          data_format="channels_first")
    first.build((None, 3, 6, 5))
    first.set_weights(last.get_weights())
    y_first = first(x.transpose(0, 3, 1, 2)).numpy()
    np.testing.assert_allclose(y_first, y_last.transpose(0, 3, 1, 2), rtol=1e-6, atol=1e-6)
    linear = P.conv(x, last.kernel.value, last.bias.value, padding="same", dilation_rate=2).data
    np.testing.assert_array_equal(y_last, np.maximum(linear, 0))


DEPTHWISE_CASES = [  # shape, kernel, multiplier, strides, padding, dilation
    ((2, 9, 8, 3), (3, 3), 1, (1, 1), "same", (1, 1)),      # the einsum input gradient
    ((2, 9, 8, 3), (3, 3), 2, (2, 2), "valid", (1, 1)),     # strided: by kernel offsets
    ((1, 7, 5, 4), (2, 3), 3, (1, 1), "same", (2, 1)),      # even kernel, dilated, m = 3
    ((2, 11, 3), (3,), 2, (2,), "valid", (1,)),
    ((2, 10, 2), (3,), 2, (1,), "causal", (2,)),            # padding all before
    ((1, 4, 5, 4, 2), (2, 2, 3), 1, (1, 1, 1), "same", (1, 1, 1)),
]


def per_channel_conv(x, w, strides, padding, dilation):
    """A depthwise convolution as one ordinary (im2col) convolution per input channel,
    their outputs side by side: channel c's filters are c*m .. c*m + m - 1."""
    channels, m = x.shape[-1], w.shape[-1] // x.shape[-1]
    return P.concatenate([P.conv(x[..., c:c + 1], w[..., c * m:(c + 1) * m], strides=strides,
                                 padding=padding, dilation_rate=dilation)
                          for c in range(channels)], axis=-1)


@pytest.mark.parametrize("shape, kernel, mult, strides, padding, dilation", DEPTHWISE_CASES)
def test_depthwise_values_and_gradients_equal_per_channel_convolutions(
        shape, kernel, mult, strides, padding, dilation):
    # a depthwise convolution (groups = channels) runs by einsums over windows both ways;
    # the reference is an independent path: per-channel convolutions through im2col
    channels = shape[-1]
    x, w = r(*shape).astype(np.float32), r(*kernel, 1, channels * mult).astype(np.float32)
    gy_seed = np.random.default_rng(3)
    results = []
    for run in (lambda x, w: P.conv(x, w, None, strides, padding, dilation, groups=channels),
                lambda x, w: per_channel_conv(x, w, strides, padding, dilation)):
        tensors = [Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)]
        y = run(*tensors)
        gy = gy_seed.standard_normal(y.shape).astype(np.float32)
        leaves = backprop(y, gy)
        results.append([y.data, leaves[tensors[0]], leaves[tensors[1]]])
        gy_seed = np.random.default_rng(3)                   # the same gy for both
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape, kernel, mult, strides, padding, dilation", DEPTHWISE_CASES)
def test_depthwise_passes_gradcheck(shape, kernel, mult, strides, padding, dilation):
    channels = shape[-1]
    assert gradcheck(lambda x, w, b: P.conv(x, w, b, strides, padding, dilation,
                                            groups=channels, activation="tanh"),
                     r(*shape), r(*kernel, 1, channels * mult), r(channels * mult))


def test_depthwise_without_gradient_equals_the_recorded_call():
    # no_grad and a recorded call take the same depthwise path: the same numbers
    x, w = r(2, 9, 8, 3).astype(np.float32), r(3, 3, 1, 6).astype(np.float32)
    recorded = P.conv(Tensor(x, requires_grad=True), Tensor(w), None, 1, "same", 1, groups=3)
    with no_grad():
        summed = P.conv(x, w, None, 1, "same", 1, groups=3)
    np.testing.assert_array_equal(summed.numpy(), recorded.numpy())


# ---- few input channels: im2col as channel planes ------------------------------------------------

@pytest.mark.parametrize("channels", [1, 3])
def test_channel_plane_im2col_equals_the_loop_formula_with_same_padding(channels):
    # 7x6 input, 3x3 kernel, stride 2, "same": out 4x3; total pad (4-1)*2+3-7 = 2 rows
    # (1 before, 1 after) and (3-1)*2+3-6 = 1 column (0 before, 1 after)
    x, w, b = r(2, 7, 6, channels), r(3, 3, channels, 5), r(5)
    padded = np.pad(x, ((0, 0), (1, 1), (0, 1), (0, 0)))
    np.testing.assert_allclose(P.conv(x, w, b, strides=2, padding="same").data,
                               loop_conv(padded, w, b, 2), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("channels, strides, padding, dilation", [
    (1, 1, "valid", 1), (1, (2, 1), "same", (1, 2)), (3, 2, "same", 1), (2, 1, "valid", 2)])
def test_channel_plane_im2col_passes_gradcheck(channels, strides, padding, dilation):
    assert gradcheck(lambda x, w, b: P.conv(x, w, b, strides=strides, padding=padding,
                                            dilation_rate=dilation, activation="relu"),
                     distinct(2, 7, 6, channels) / 10, r(3, 2, channels, 4), r(4))


def test_channel_plane_im2col_of_a_1d_convolution():
    # y[n, i, f] = sum_a x[n, i + a, 0] w[a, 0, f] (valid, stride 1), written out
    x, w = r(2, 9, 1), r(4, 1, 3)
    expected = sum(x[:, a:a + 6, :1] * w[a, 0] for a in range(4))
    np.testing.assert_allclose(P.conv(x, w).data, expected, rtol=1e-12, atol=1e-12)


# ---- max pooling: the winning offset kept from forward ---------------------------------------

def loop_max_pool_grad_padded(x, gy, pool, stride, pads):
    """The loop reference on x padded with -inf by ``pads`` ((top, bottom), (left, right))."""
    padded = np.pad(x, ((0, 0),) + pads + ((0, 0),), constant_values=-np.inf)
    gx = loop_max_pool_grad(padded, gy, pool, stride)
    return gx[:, pads[0][0]:pads[0][0] + x.shape[1], pads[1][0]:pads[1][0] + x.shape[2]]


@pytest.mark.parametrize("shape, pool, stride, pads", [
    # 5x6 input, 2x2 windows, stride 2, "same": out 3x3; total pad (3-1)*2+2-5 = 1 row
    # (0 before, 1 after), (3-1)*2+2-6 = 0 columns
    ((2, 5, 6, 3), 2, 2, ((0, 1), (0, 0))),
    # 6x7 input, 3x3 windows, stride 2, "same": out 3x4; pad (3-1)*2+3-6 = 1 row (0, 1),
    # (4-1)*2+3-7 = 2 columns (1, 1); windows overlap
    ((2, 6, 7, 2), 3, 2, ((0, 1), (1, 1))),
])
def test_max_pool_same_padding_matches_the_loop_reference_with_ties(shape, pool, stride, pads):
    x = np.maximum(r(*shape), 0)          # relu'd: many windows tie at 0
    x[1, -2:, -2:, 0] = 0.75              # a tie at the max in the bottom-right window
    xt = Tensor(x, requires_grad=True)
    y = P.max_pool(xt, pool, stride, "same")
    gy = rng.standard_normal(y.shape)
    # overlapping windows add their shares in another order than the loop: round-off only
    np.testing.assert_allclose(backprop(y, gy)[xt],
                               loop_max_pool_grad_padded(x, gy, pool, stride, pads),
                               rtol=1e-14, atol=1e-15)


def test_max_pool_with_more_than_255_window_offsets_routes_to_the_first_maximum():
    # 16 x 17 = 272 offsets: the winner index no longer fits one byte (uint16)
    x = np.maximum(r(2, 16, 17, 2), 0)
    x[0, 3, 5, 1] = x[0, 9, 2, 1] = 9.0   # a tie: (3, 5) comes first in row-major order
    xt = Tensor(x, requires_grad=True)
    y = P.max_pool(xt, (16, 17))
    gy = rng.standard_normal(y.shape)
    gx = backprop(y, gy)[xt]
    assert gx[0, 3, 5, 1] == gy[0, 0, 0, 1] and gx[0, 9, 2, 1] == 0
    np.testing.assert_array_equal(gx, _first_max_grad(x, gy))


def _first_max_grad(x, gy):
    """One window covering the whole 2-D input: gy goes to the first row-major maximum."""
    gx = np.zeros_like(x)
    for n, c in itertools.product(range(x.shape[0]), range(x.shape[-1])):
        a, b = np.unravel_index(np.argmax(x[n, :, :, c]), x.shape[1:3])
        gx[n, a, b, c] = gy[n, 0, 0, c]
    return gx


@pytest.mark.parametrize("pool, stride, padding", [(2, 2, "valid"), (3, 1, "same"), (1, 2, "valid")])
def test_max_pool_without_gradient_gives_the_same_output(pool, stride, padding):
    x = r(2, 7, 6, 3)
    recorded = P.max_pool(Tensor(x, requires_grad=True), pool, stride, padding).data
    with no_grad():
        np.testing.assert_array_equal(P.max_pool(x, pool, stride, padding).data, recorded)


@pytest.mark.parametrize("shape, pool, stride, padding", [
    ((2, 9, 3), 3, 2, "same"), ((1, 4, 5, 3, 2), 2, (2, 1, 2), "valid"),
    ((2, 5, 4, 2), 1, 2, "valid"), ((2, 5, 5, 2), (3, 2), 1, "same")])
def test_max_pool_1d_3d_unit_and_overlapping_windows_pass_gradcheck(shape, pool, stride, padding):
    assert gradcheck(lambda x: P.max_pool(x, pool, stride, padding), distinct(*shape))


def test_row_major_and_channel_plane_im2col_give_the_same_numbers(monkeypatch):
    x, w, b = distinct(2, 6, 7, 5) / 10, r(3, 3, 5, 4), r(4)
    monkeypatch.setattr(C, "PLANE_CHANNELS", 0)         # every conv row-major
    rows = _conv_and_grads(x, w, b)
    monkeypatch.setattr(C, "PLANE_CHANNELS", 100)       # every conv as channel planes
    planes = _conv_and_grads(x, w, b)
    for a, c in zip(rows, planes):
        np.testing.assert_allclose(c, a, rtol=1e-12, atol=1e-12)


# ---- a gradient that is zero on the output's last rows -------------------------------------

@pytest.mark.parametrize("shape, kernel, strides, padding", [
    ((3, 8, 8, 2), (3, 3), 1, "valid"),      # 6x6 -> pool 4: last 2 rows / columns dropped
    ((2, 9, 7, 5), (2, 3), (2, 1), "same"),   # 5x7 -> pool 4: 1 row, 3 columns dropped
])
def test_conv_under_a_pooling_that_drops_rows_equals_the_full_computation(
        monkeypatch, shape, kernel, strides, padding):
    x, w, b = distinct(*shape) / 10, r(*kernel, shape[-1], 4), r(4)

    def grads():
        tensors = [Tensor(a, requires_grad=True) for a in (x, w, b)]
        y = P.max_pool(P.conv(*tensors, strides=strides, padding=padding, activation="relu"),
                       4, 4)
        leaves = backprop(y, np.random.default_rng(0).standard_normal(y.shape))
        return [leaves[t] for t in tensors]

    seen, leading = [], C.Conv._leading_part
    monkeypatch.setattr(C.Conv, "_leading_part",
                        lambda self, out: seen.append(out) or leading(self, out))
    cropped = grads()
    assert seen == [(4, 4)]               # the 4x4 part the one 4x4 window reads
    _never_crop_nor_hand_on(monkeypatch)
    for a, c in zip(grads(), cropped):
        np.testing.assert_allclose(c, a, rtol=1e-12, atol=1e-12)


def _never_crop_nor_hand_on(monkeypatch):
    """The plain computation: no pooling hands its gradient on, no conv crops."""
    monkeypatch.setattr(C.MaxPool, "_activated_conv", lambda self: None)
    monkeypatch.setattr(C.Conv, "_nonzero_part", lambda self, gy: self)


def _pooled_conv_grads(arrays, pool, stride, activation, also=None):
    """Gradients of sum(cot * max_pool(conv(x, w, b))) [+ sum(also(conv output))]."""
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    y = P.conv(*tensors, activation=activation)
    out = P.max_pool(y, pool, stride)
    cot = np.random.default_rng(1).standard_normal(out.shape)
    total = P.sum(P.multiply(out, cot))
    if also is not None:
        total = P.add(total, P.sum(also(y)))
    leaves = backprop(total)
    return [leaves[t] for t in tensors]


@pytest.mark.parametrize("activation, pool, stride, left, kernel_channels", [
    ("relu", 2, 2, None, 2), ("relu", 3, 2, None, 2), ("relu", 3, 3, None, 2),
    ("relu", 2, 2, None, 1),              # groups = 2
    ("tanh", 2, 2, "tanh", 2)])
def test_pooling_applies_the_conv_relu_derivative_with_the_same_numbers(
        monkeypatch, activation, pool, stride, left, kernel_channels):
    # relu: many windows tie at 0 (all inactive); their gradient is 0 either way. tanh's
    # derivative is left to the conv (see MaxPool._activated_conv)
    arrays = (r(3, 9, 8, 2), r(2, 2, kernel_channels, 4), r(4))
    applied = _record_activation_left_to_the_conv(monkeypatch)
    handed = _pooled_conv_grads(arrays, pool, stride, activation)
    assert applied == [left]
    _never_crop_nor_hand_on(monkeypatch)
    for a, c in zip(_pooled_conv_grads(arrays, pool, stride, activation), handed):
        np.testing.assert_allclose(c, a, rtol=1e-12, atol=1e-12)


def test_a_conv_output_with_a_second_consumer_applies_its_own_derivative(monkeypatch):
    # the conv's gradient is the pooling's plus another: not the array the pooling handed on
    arrays = (r(2, 7, 6, 3), r(3, 3, 3, 4), r(4))
    applied = _record_activation_left_to_the_conv(monkeypatch)
    both = _pooled_conv_grads(arrays, 2, 2, "relu", also=P.square)
    assert applied == ["relu"]
    _never_crop_nor_hand_on(monkeypatch)
    for a, c in zip(_pooled_conv_grads(arrays, 2, 2, "relu", also=P.square), both):
        np.testing.assert_allclose(c, a, rtol=1e-12, atol=1e-12)


def _record_activation_left_to_the_conv(monkeypatch):
    """A list that gets, per Conv backward, the activation its own pass still applies."""
    applied, part = [], C.Conv._gradient_part

    def recording(self, gy):
        geometry, activation = part(self, gy)
        applied.append(activation)
        return geometry, activation

    monkeypatch.setattr(C.Conv, "_gradient_part", recording)
    return applied


def _pooled_and_squared(y):
    return P.add(P.sum(P.max_pool(y, 2)), P.sum(P.square(y)))


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_a_conv_output_pooled_and_used_again_passes_gradcheck(activation):
    assert gradcheck(lambda x, w, b: _pooled_and_squared(P.conv(x, w, b, activation=activation)),
                     distinct(2, 6, 7, 3) / 10, r(2, 2, 3, 4), r(4))


def test_conv_under_a_pooling_that_drops_rows_passes_gradcheck():
    assert gradcheck(lambda x, w, b: P.max_pool(P.conv(x, w, b, activation="tanh"), 2),
                     distinct(2, 6, 7, 3) / 10, r(2, 2, 3, 4), r(4))   # 5x6 -> 2x3


def test_conv_with_an_all_zero_gradient_gives_zero_gradients():
    tensors = [Tensor(a, requires_grad=True) for a in (r(2, 6, 6, 3), r(3, 3, 3, 4), r(4))]
    y = P.conv(*tensors, padding="same")
    leaves = backprop(y, np.zeros(y.shape))
    for t in tensors:
        np.testing.assert_array_equal(leaves[t], np.zeros(t.shape))


@pytest.mark.parametrize("needs", [(True, False, True), (True, True, False), (False, True, True)])
def test_bias_folded_into_the_channel_plane_gemm_for_every_gradient_subset(monkeypatch, needs):
    # the bias gradient comes from the kernel-gradient GEMM only when that one is computed
    arrays = (distinct(2, 7, 6, 1) / 10, r(3, 3, 1, 4), r(4))

    def grads():
        tensors = [Tensor(a, requires_grad=need) for a, need in zip(arrays, needs)]
        y = P.conv(*tensors, padding="same", activation="relu")
        leaves = backprop(y, np.random.default_rng(0).standard_normal(y.shape))
        return [y.data] + [leaves.get(t) for t, need in zip(tensors, needs) if need]

    folded = grads()
    monkeypatch.setattr(C, "PLANE_CHANNELS", 0)         # row-major, bias added separately
    for a, c in zip(grads(), folded):
        np.testing.assert_allclose(c, a, rtol=1e-12, atol=1e-12)


def test_a_conv_whose_input_needs_no_gradient_never_scatters_one(monkeypatch):
    # the first layer of a network: its images need no gradient, so no col2im runs
    calls, col2im = [], C._col2im
    monkeypatch.setattr(C, "_col2im", lambda *args: calls.append(1) or col2im(*args))
    x, w, b = Tensor(r(2, 6, 6, 1)), Tensor(r(3, 3, 1, 4), requires_grad=True), \
        Tensor(r(4), requires_grad=True)
    y = P.max_pool(P.conv(x, w, b, activation="relu"), 2)
    leaves = backprop(y, np.ones(y.shape))
    assert calls == [] and set(leaves) == {w, b}
    P.conv(Tensor(r(2, 6, 6, 1), requires_grad=True), w).backward(np.ones((2, 4, 4, 4)))
    assert calls == [1]
