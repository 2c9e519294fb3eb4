"""keras.ops conv, depthwise_conv, separable_conv, max_pool, average_pool, moments,
batch_normalization."""
import numpy as np
import pytest

from minikeras import ops
from minikeras.autodiff.gradcheck import gradcheck

rng = np.random.default_rng(5)


def test_conv_of_ones_counts_the_real_pixels_under_the_window():
    out = ops.conv(np.ones((1, 4, 4, 1)), np.ones((3, 3, 1, 1)), padding="same").numpy()
    np.testing.assert_array_equal(out[0, :, :, 0],
                                  [[4, 6, 6, 4], [6, 9, 9, 6], [6, 9, 9, 6], [4, 6, 6, 4]])


def test_conv_1d_by_hand_and_padding_is_case_insensitive():
    # x = [1, 2, 3, 4], kernel [1, -1] (valid): y[t] = x[t] - x[t+1] = -1
    out = ops.conv(np.arange(1.0, 5.0).reshape(1, 4, 1), np.array([1.0, -1.0]).reshape(2, 1, 1),
                   padding="VALID")
    np.testing.assert_array_equal(out.numpy().ravel(), [-1, -1, -1])


def test_conv_channels_first_and_inferred_groups():
    x = rng.standard_normal((2, 6, 5, 4))
    kernel = rng.standard_normal((3, 3, 2, 6))  # 4 channels / 2 per group -> groups = 2
    last = ops.conv(x, kernel, strides=2, padding="same").numpy()
    first = ops.conv(x.transpose(0, 3, 1, 2), kernel, strides=2, padding="same",
                     data_format="channels_first").numpy()
    np.testing.assert_allclose(first, last.transpose(0, 3, 1, 2), atol=1e-12)
    # group g uses input channels [2g, 2g+2) and filters [3g, 3g+3)
    for g in range(2):
        alone = ops.conv(x[..., 2 * g:2 * g + 2], kernel[..., 3 * g:3 * g + 3], strides=2,
                         padding="same").numpy()
        np.testing.assert_allclose(last[..., 3 * g:3 * g + 3], alone, atol=1e-12)


def test_depthwise_and_separable_conv_match_per_channel_convs():
    x = rng.standard_normal((1, 5, 6, 3))
    depthwise = rng.standard_normal((3, 2, 3, 2))   # multiplier 2
    pointwise = rng.standard_normal((1, 1, 6, 4))
    out = ops.depthwise_conv(x, depthwise, padding="same").numpy()
    for c in range(3):
        for m in range(2):
            alone = ops.conv(x[..., c:c + 1], depthwise[:, :, c:c + 1, m:m + 1],
                             padding="same").numpy()
            np.testing.assert_allclose(out[..., c * 2 + m:c * 2 + m + 1], alone, atol=1e-12)
    separable = ops.separable_conv(x, depthwise, pointwise, padding="same").numpy()
    np.testing.assert_allclose(separable, out @ pointwise[0, 0], atol=1e-12)


def test_pooling_ops():
    x = np.arange(16.0).reshape(1, 4, 4, 1)
    np.testing.assert_array_equal(ops.max_pool(x, 2).numpy()[0, :, :, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(ops.average_pool(x, 2).numpy()[0, :, :, 0],
                                  [[2.5, 4.5], [10.5, 12.5]])
    first = ops.max_pool(x.transpose(0, 3, 1, 2), (2, 2), strides=(1, 1),
                         data_format="channels_first").numpy()
    np.testing.assert_array_equal(first[0, 0], [[5, 6, 7], [9, 10, 11], [13, 14, 15]])


def test_moments_and_batch_normalization():
    x = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 16.0]])
    mean, variance = ops.moments(x, axes=0)
    np.testing.assert_allclose(mean.numpy(), [3, 12])
    np.testing.assert_allclose(variance.numpy(), [8 / 3, 8])      # biased
    kept, _ = ops.moments(x, axes=[0], keepdims=True)
    assert kept.shape == (1, 2)
    out = ops.batch_normalization(x, mean, variance, axis=1, offset=[1.0, 0.0],
                                  scale=[2.0, 1.0], epsilon=0.0).numpy()
    np.testing.assert_allclose(out[:, 0], 2 * (x[:, 0] - 3) / np.sqrt(8 / 3) + 1)
    np.testing.assert_allclose(out[:, 1], (x[:, 1] - 12) / np.sqrt(8))


def test_batch_normalization_along_axis_1_of_a_4d_input():
    x = rng.standard_normal((2, 3, 4, 5))
    mean, variance = ops.moments(x, axes=(0, 2, 3))
    out = ops.batch_normalization(x, mean, variance, axis=1, epsilon=1e-3).numpy()
    expected = (x - x.mean(axis=(0, 2, 3), keepdims=True)) / np.sqrt(
        x.var(axis=(0, 2, 3), keepdims=True) + 1e-3)
    np.testing.assert_allclose(out, expected, atol=1e-12)


def test_moments_gradient():
    assert gradcheck(lambda t: ops.moments(t, axes=(0, 1))[1], rng.standard_normal((3, 2, 4)))


@pytest.mark.parametrize("call,match", [
    (lambda: ops.conv(np.ones((1, 4, 4)), np.ones((3, 3, 1, 1))), "rank"),
    (lambda: ops.conv(np.ones((1, 4, 4, 3)), np.ones((3, 3, 2, 1))), "groups"),
    (lambda: ops.conv(np.ones((1, 2, 2, 1)), np.ones((3, 3, 1, 1))), "non-positive"),
    (lambda: ops.max_pool(np.ones((1, 4, 4, 1)), 2, data_format="nchw"), "data_format"),
])
def test_bad_input_raises(call, match):
    with pytest.raises(ValueError, match=match):
        call()
