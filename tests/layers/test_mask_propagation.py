"""Which layers pass a mask on, which consume it and which drop it with Keras's warning.

The tables are Keras 3.15's behaviour, read once outside the project by feeding each layer
the output of ``Embedding(5, 4, mask_zero=True)`` and checking the output's mask and the
warnings; the merge rules and BatchNormalization's masked moments are Keras's formulas.
"""
import warnings

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers as L

TOKENS = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
KEEP = TOKENS != 0

PASS_ON = {
    "Dense": lambda: L.Dense(3), "Activation": lambda: L.Activation("relu"),
    "ReLU": lambda: L.ReLU(), "ELU": lambda: L.ELU(), "LeakyReLU": lambda: L.LeakyReLU(),
    "PReLU": lambda: L.PReLU(), "BatchNormalization": lambda: L.BatchNormalization(),
    "LayerNormalization": lambda: L.LayerNormalization(),
    "GroupNormalization": lambda: L.GroupNormalization(2),
    "UnitNormalization": lambda: L.UnitNormalization(),
    "Normalization": lambda: L.Normalization(mean=0.0, variance=1.0),
    "Rescaling": lambda: L.Rescaling(2.0), "Identity": lambda: L.Identity(),
    "Dropout": lambda: L.Dropout(0.1), "SpatialDropout1D": lambda: L.SpatialDropout1D(0.1),
    "GaussianNoise": lambda: L.GaussianNoise(0.1), "AlphaDropout": lambda: L.AlphaDropout(0.1),
    "ActivityRegularization": lambda: L.ActivityRegularization(),
    "TimeDistributed": lambda: L.TimeDistributed(L.Dense(2)),
    "LSTM(return_sequences=True)": lambda: L.LSTM(2, return_sequences=True),
}
DROP_WITH_WARNING = {
    "Flatten": lambda: L.Flatten(), "Reshape": lambda: L.Reshape((8, 2)),
    "Permute": lambda: L.Permute((2, 1)), "Conv1D": lambda: L.Conv1D(2, 1),
    "MaxPooling1D": lambda: L.MaxPooling1D(2), "GlobalMaxPooling1D": lambda: L.GlobalMaxPooling1D(),
    "Cropping1D": lambda: L.Cropping1D(1), "ZeroPadding1D": lambda: L.ZeroPadding1D(1),
    "UpSampling1D": lambda: L.UpSampling1D(2), "RMSNormalization": lambda: L.RMSNormalization(),
    "EinsumDense": lambda: L.EinsumDense("abc,cd->abd", (4, 3)),
}
CONSUME = {  # use the mask, give no mask, no warning
    "GlobalAveragePooling1D": lambda: L.GlobalAveragePooling1D(),
    "LSTM": lambda: L.LSTM(2),
}


def embedded():
    return L.Embedding(5, 4, mask_zero=True)(TOKENS)


def symbolic(make):
    inputs = keras.Input((4,))
    return make()(L.Embedding(5, 4, mask_zero=True)(inputs))


@pytest.mark.parametrize("name", sorted(PASS_ON))
def test_layers_that_pass_the_mask_on(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = PASS_ON[name]()(embedded())
        assert symbolic(PASS_ON[name])._keras_mask is not None
    np.testing.assert_array_equal(out.mask, KEEP)


@pytest.mark.parametrize("name", sorted(DROP_WITH_WARNING))
def test_layers_without_masking_drop_it_with_keras_warning(name):
    with pytest.warns(UserWarning, match="does not support masking and will therefore destroy "
                                         "the mask information"):
        out = DROP_WITH_WARNING[name]()(embedded())
    assert out.mask is None


def test_the_dropped_mask_warning_shows_once_for_a_built_and_called_model():
    # Keras warns from one line of its own: Python's default filter shows the warning of
    # the model's build and not again at its call
    inputs = keras.Input((4,), dtype="int32")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        model = keras.Model(inputs, L.Flatten(name="flat_once")(
            L.Embedding(5, 4, mask_zero=True)(inputs)))
        model(TOKENS)
        model(TOKENS)
    assert [str(w.message)[:34] for w in caught] == ["Layer 'flat_once' (of type Flatten"]


@pytest.mark.parametrize("name", sorted(CONSUME))
def test_layers_that_consume_the_mask(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = CONSUME[name]()(embedded())
    assert out.mask is None


def test_elementwise_merges_keep_where_any_input_keeps():
    a = L.Embedding(5, 4, mask_zero=True)(TOKENS)
    b = L.Embedding(5, 4, mask_zero=True)(np.array([[0, 0, 4, 0], [0, 0, 0, 0]]))
    np.testing.assert_array_equal(L.Add()([a, b]).mask, [[1, 1, 1, 0], [1, 0, 0, 0]])
    np.testing.assert_array_equal(L.Average()([a, b]).mask, [[1, 1, 1, 0], [1, 0, 0, 0]])
    assert L.Multiply()([a, L.Dense(4)(np.ones((2, 4, 4), np.float32))]).mask is None


def test_concatenate_joins_the_masks_along_its_axis():
    a = L.Embedding(5, 4, mask_zero=True)(TOKENS)
    plain = L.Dense(4)(np.ones((2, 4, 4), np.float32))  # no mask: counts as all kept
    np.testing.assert_array_equal(L.Concatenate()([a, a]).mask, KEEP)
    np.testing.assert_array_equal(L.Concatenate()([a, plain]).mask, np.ones((2, 4), bool))
    along_time = L.Concatenate(axis=1)([a, plain])
    assert along_time.shape == (2, 8, 4)
    np.testing.assert_array_equal(along_time.mask, np.concatenate([KEEP, np.ones((2, 4), bool)],
                                                                  axis=1))


def test_batch_normalization_takes_moments_over_unmasked_steps():
    # Keras: mean = sum(m x) / (sum(m) + eps), var = sum(m (x - mean)^2) / (sum(m) + eps).
    x = np.array([[[1.0], [2.0], [100.0]]], np.float32)
    mask = np.array([[True, True, False]])
    bn = L.BatchNormalization(momentum=0.99)
    out = bn(x, training=True, mask=mask)
    eps = keras.config.epsilon()
    mean = 3.0 / (2 + eps)
    var = ((1 - mean) ** 2 + (2 - mean) ** 2) / (2 + eps)
    np.testing.assert_allclose(bn.moving_mean.numpy(), [0.01 * mean], rtol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), [0.99 + 0.01 * var], rtol=1e-6)
    np.testing.assert_allclose(out.numpy()[0, :, 0], (x[0, :, 0] - mean) / np.sqrt(var + 1e-3),
                               rtol=1e-5)


def test_batch_normalization_mask_of_the_wrong_rank():
    with pytest.raises(ValueError, match=r"one dimension less than the inputs. Received: "
                                         r"mask.shape=\(1, 3, 1\), inputs.shape=\(1, 3, 1\)"):
        L.BatchNormalization()(np.ones((1, 3, 1), np.float32), training=True,
                               mask=np.ones((1, 3, 1), bool))


def test_compiled_metrics_skip_masked_timesteps_like_the_loss():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((4,)), L.Embedding(5, 3, mask_zero=True),
                              L.LSTM(2, return_sequences=True), L.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"])
    y = np.zeros((2, 4, 1))
    pred = model.predict(TOKENS, verbose=0)[..., 0]
    logs = model.evaluate(TOKENS, y, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], (pred[KEEP] ** 2).mean(), rtol=1e-5)
    np.testing.assert_allclose(logs["mae"], np.abs(pred[KEEP]).mean(), rtol=1e-5)


class _TwoOutputs(keras.layers.Layer):
    """Passes its input on twice; its one mask (the base compute_mask's) names one output."""

    def __init__(self):
        super().__init__()
        self.supports_masking = True

    def call(self, x):
        return x, x * 2.0


def test_one_mask_of_several_outputs_goes_to_the_first_alone_symbolic_and_eager():
    """Keras pairs the flat outputs with the flat masks: a layer returning two tensors and
    one mask masks its first output only, in a functional graph as in an eager call."""
    layer = _TwoOutputs()
    inputs = keras.Input((3,))
    first, second = layer(keras.layers.Masking(0.0)(keras.layers.Reshape((3, 1))(inputs)))
    assert first._keras_mask is not None and second._keras_mask is None
    x = np.array([[[1.0], [0.0], [2.0]]], "float32")
    first, second = layer(keras.layers.Masking(0.0)(x))
    assert first._keras_mask is not None and getattr(second, "_keras_mask", None) is None
