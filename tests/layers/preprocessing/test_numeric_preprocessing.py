"""Normalization and Discretization against numbers from real Keras (fixture) and by hand."""
import json
import os

import numpy as np
import pytest

from minikeras import layers

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "..", "..", "fixtures",
                               "keras_numeric_preprocessing.npz"))


def test_normalization_adapt_matches_keras():
    layer = layers.Normalization()
    layer.adapt(FIXTURE["norm_x"])
    np.testing.assert_allclose(layer.adapt_mean.numpy(), FIXTURE["norm_mean"], rtol=1e-6)
    np.testing.assert_allclose(layer.adapt_variance.numpy(), FIXTURE["norm_var"], rtol=1e-5)
    np.testing.assert_allclose(layer(FIXTURE["norm_x"][:5]).numpy(), FIXTURE["norm_out"],
                               rtol=1e-5, atol=1e-6)
    assert [w.name for w in layer.weights] == ["mean", "variance", "count"]


def test_normalization_adapt_on_batches_equals_one_array():
    x = FIXTURE["norm_x"]
    for data in ([x[:20], x[20:45], x[45:]], (b for b in (x[:7], x[7:]))):
        layer = layers.Normalization()
        layer.adapt(data)
        np.testing.assert_allclose(layer.adapt_mean.numpy(), FIXTURE["norm_mean"], rtol=1e-5)
        np.testing.assert_allclose(layer.adapt_variance.numpy(), FIXTURE["norm_var"], rtol=1e-5)


def test_normalization_adapt_on_xy_batches_uses_x():
    x = FIXTURE["norm_x"]
    layer = layers.Normalization()
    layer.adapt([(x[:25], np.zeros(25)), (x[25:], np.ones(25))])
    np.testing.assert_allclose(layer.adapt_mean.numpy(), FIXTURE["norm_mean"], rtol=1e-5)


@pytest.mark.parametrize("axis,key", [((1, 2), "norm_axis12_out"), (None, "norm_axisnone_out")])
def test_normalization_axes_match_keras(axis, key):
    layer = layers.Normalization(axis=axis)
    layer.adapt(FIXTURE["norm_x3"])
    np.testing.assert_allclose(layer(FIXTURE["norm_x3"]).numpy(), FIXTURE[key], rtol=1e-5,
                               atol=1e-5)


def test_normalization_given_statistics_and_invert():
    x = FIXTURE["norm_x3"]
    layer = layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 1.0, 0.25], invert=True)
    np.testing.assert_allclose(layer(x).numpy(), FIXTURE["norm_invert_out"], rtol=1e-6)
    # by hand: x * sqrt(var) + mean
    np.testing.assert_allclose(layer(x).numpy(), x * [2.0, 1.0, 0.5] + [1.0, 2.0, 3.0],
                               rtol=1e-6)
    forward = layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 1.0, 0.25])
    np.testing.assert_allclose(layer(forward(x)).numpy(), x, rtol=1e-5, atol=1e-6)


def test_normalization_config_round_trip():
    layer = layers.Normalization(axis=-1, mean=[1.0, 2.0], variance=[1.0, 4.0])
    config = json.loads(json.dumps(layer.get_config()))
    assert config["axis"] == [-1] and config["mean"] == [1.0, 2.0]
    rebuilt = layers.Normalization.from_config(config)
    np.testing.assert_allclose(rebuilt(np.array([[3.0, 6.0]])).numpy(), [[2.0, 2.0]])
    assert layers.Normalization().get_config()["mean"] is None


def test_normalization_before_adapt_passes_the_input_through_as_keras_does():
    # its statistics start at mean 0 and variance 1: (x - 0) / sqrt(1) is x, so a model
    # built by a first call (before load_weights or adapt) runs
    x = np.array([[1.5, -2.0, 3.0]], "float32")
    np.testing.assert_array_equal(layers.Normalization()(x).numpy(), x)


def test_normalization_bad_input():
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        layers.Normalization(mean=[1.0])
    with pytest.raises(ValueError, match="same shape"):
        layers.Normalization(mean=[1.0, 2.0], variance=[1.0])
    layer = layers.Normalization()
    layer.build((None, 3))
    with pytest.raises(ValueError, match=r"input_shape=\(None, 3\).*data.shape=\(4, 2\)"):
        layer.adapt(np.ones((4, 2)))
    with pytest.raises(ValueError, match="received no data"):
        layers.Normalization().adapt(iter([]))
    with pytest.raises(ValueError, match="cannot also be adapted"):
        layers.Normalization(mean=1.0, variance=1.0).adapt(np.ones((2, 2)))


@pytest.mark.parametrize("bins", [4, 7])
def test_discretization_adapt_matches_keras(bins):
    data = FIXTURE["disc_data"]
    layer = layers.Discretization(num_bins=bins, epsilon=0.01 if bins == 4 else 0.05)
    layer.adapt([data[:400], data[400:]])
    np.testing.assert_allclose(layer.bin_boundaries, FIXTURE[f"disc_bounds_{bins}"], rtol=1e-6)
    out = layer(data[:20])
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out.numpy(), FIXTURE[f"disc_out_{bins}"])


def test_discretization_boundaries_by_hand_and_modes():
    x = np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]])
    layer = layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
    np.testing.assert_array_equal(layer(x).numpy(), [[0, 2, 3, 1], [1, 3, 2, 1]])
    one_hot = layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode="one_hot")
    np.testing.assert_array_equal(one_hot(np.array([-1.0, 0.5, 2.0])).numpy(), np.eye(3))
    count = layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode="count")
    np.testing.assert_array_equal(count(np.array([[-1.0, 0.5, 0.7]])).numpy(), [[1, 2, 0]])


def test_discretization_config_keeps_adapted_boundaries():
    layer = layers.Discretization(num_bins=3)
    layer.adapt(np.arange(30.0))
    config = json.loads(json.dumps(layer.get_config()))
    rebuilt = layers.Discretization.from_config(config)
    assert rebuilt.bin_boundaries == layer.bin_boundaries and rebuilt.num_bins == 3


def test_discretization_bad_input():
    with pytest.raises(ValueError, match="either `num_bins` or `bin_boundaries`"):
        layers.Discretization()
    with pytest.raises(ValueError, match="should not be set"):
        layers.Discretization(bin_boundaries=[1.0], num_bins=2)
    with pytest.raises(ValueError, match=r"Allowed values are: .*Received: output_mode=tf_idf"):
        layers.Discretization(num_bins=2, output_mode="tf_idf")
    with pytest.raises(ValueError, match=r"no bin boundaries yet: call adapt"):
        layers.Discretization(num_bins=2)(np.array([[1.0, 2.0]]))
    with pytest.raises(ValueError, match="sparse=True"):
        layers.Discretization(num_bins=2, output_mode="count", sparse=True)


class _Batches:
    """A PyDataset-like object: __len__ and __getitem__ giving (x, y) batches, no __iter__."""

    def __init__(self, x, size):
        self.x, self.size = x, size

    def __len__(self):
        return -(-len(self.x) // self.size)

    def __getitem__(self, i):
        part = self.x[i * self.size:(i + 1) * self.size]
        return part, np.zeros(len(part))


def test_adapt_on_a_pydataset_like_object_and_steps():
    x = FIXTURE["norm_x"]
    layer = layers.Normalization()
    layer.adapt(_Batches(x, 16))
    np.testing.assert_allclose(layer.adapt_mean.numpy(), FIXTURE["norm_mean"], rtol=1e-5)
    first_two = layers.Normalization()
    first_two.adapt(_Batches(x, 10), steps=2)
    np.testing.assert_allclose(first_two.adapt_mean.numpy(), x[:20].mean(axis=0), rtol=1e-5)
    with pytest.raises(TypeError, match="adapt\\(\\) expects a numpy array.*Received: data of "
                                        "type int"):
        layers.Normalization().adapt(5)


def test_adapt_batch_size_splits_an_array_into_state_updates():
    x = FIXTURE["norm_x"]
    by_tens = layers.Normalization()
    by_tens.adapt(x, batch_size=10)  # merged batch statistics equal the whole array's
    np.testing.assert_allclose(by_tens.adapt_mean.numpy(), FIXTURE["norm_mean"], rtol=1e-5)
    np.testing.assert_allclose(by_tens.adapt_variance.numpy(), FIXTURE["norm_var"], rtol=1e-5)
    # `steps` caps an iterable's batches; an array is read whole, as Keras 3.15 does
    first_two, whole = layers.Normalization(), layers.Normalization()
    first_two.adapt(iter([x[:10], x[10:20], x[20:]]), steps=2)
    np.testing.assert_allclose(first_two.adapt_mean.numpy(), x[:20].mean(axis=0), rtol=1e-5)
    whole.adapt(x, batch_size=10, steps=2)
    np.testing.assert_allclose(whole.adapt_mean.numpy(), FIXTURE["norm_mean"], rtol=1e-5)
    # the same batches, given as a list of arrays, give the same quantile boundaries
    values = np.arange(100, dtype="float32").reshape(-1, 1)
    whole_batches, split = layers.Discretization(num_bins=4), layers.Discretization(num_bins=4)
    whole_batches.adapt([values[i:i + 30] for i in range(0, 100, 30)])
    split.adapt(values, batch_size=30)
    assert split.bin_boundaries == whole_batches.bin_boundaries
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match=f"positive integer or None. Received: "
                                             f"batch_size={bad!r}"):
            layers.Normalization().adapt(x, batch_size=bad)
