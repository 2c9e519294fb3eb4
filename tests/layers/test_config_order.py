"""Configs in Keras 3.15's key order and with its tuples: a model's JSON is written in the
order get_config() gives, and a script comparing configs sees a tuple where Keras keeps
one. Each expectation was printed once from a scratch Keras 3.15 install (jax backend)."""
import pytest

from minikeras import initializers, layers

CONV_WINDOW = ["kernel_size", "strides", "padding", "data_format", "dilation_rate"]
WEIGHTS = ["kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
           "activity_regularizer", "kernel_constraint", "bias_constraint"]
RNN = ["return_sequences", "return_state", "go_backwards", "stateful", "unroll",
       "zero_output_for_mask"]
RECURRENT_WEIGHTS = ["kernel_initializer", "recurrent_initializer", "bias_initializer"]
RECURRENT_REST = ["kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                  "activity_regularizer", "kernel_constraint", "recurrent_constraint",
                  "bias_constraint", "dropout", "recurrent_dropout"]

KEY_ORDERS = [
    (lambda: layers.Conv2D(4, 3),
     ["filters"] + CONV_WINDOW + ["groups", "activation", "use_bias"] + WEIGHTS),
    (lambda: layers.Conv2DTranspose(4, 3),
     ["filters", "kernel_size", "strides", "padding", "output_padding", "data_format",
      "dilation_rate", "activation", "use_bias"] + WEIGHTS),
    (lambda: layers.DepthwiseConv2D(3),
     ["depth_multiplier"] + CONV_WINDOW + ["activation", "use_bias", "depthwise_initializer",
                                           "bias_initializer", "depthwise_regularizer",
                                           "bias_regularizer", "activity_regularizer",
                                           "depthwise_constraint", "bias_constraint"]),
    (lambda: layers.Dropout(0.2), ["rate", "seed", "noise_shape"]),
    (lambda: layers.BatchNormalization(),
     ["axis", "momentum", "epsilon", "center", "scale", "beta_initializer",
      "gamma_initializer", "moving_mean_initializer", "moving_variance_initializer",
      "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint",
      "synchronized", "renorm", "renorm_clipping", "renorm_momentum"]),
    (lambda: layers.LayerNormalization(),
     ["axis", "epsilon", "center", "scale", "rms_scaling", "beta_initializer",
      "gamma_initializer", "beta_regularizer", "gamma_regularizer", "beta_constraint",
      "gamma_constraint"]),
    (lambda: layers.Embedding(10, 4),
     ["input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer",
      "activity_regularizer", "embeddings_constraint", "mask_zero", "quantization_config"]),
    (lambda: layers.LSTM(3),
     RNN + ["units", "activation", "recurrent_activation", "use_bias"] + RECURRENT_WEIGHTS
     + ["unit_forget_bias"] + RECURRENT_REST + ["seed"]),
    (lambda: layers.GRU(3),
     RNN + ["units", "activation", "recurrent_activation", "use_bias"] + RECURRENT_WEIGHTS
     + RECURRENT_REST + ["reset_after", "seed"]),
    (lambda: layers.GRUCell(3),
     ["units", "activation", "recurrent_activation", "use_bias"] + RECURRENT_WEIGHTS
     + [k for k in RECURRENT_REST if k != "activity_regularizer"] + ["reset_after", "seed"]),
    (lambda: layers.ConvLSTM1D(2, 3),
     RNN + ["filters"] + CONV_WINDOW + ["activation", "recurrent_activation", "use_bias"]
     + RECURRENT_WEIGHTS + ["unit_forget_bias"] + RECURRENT_REST + ["seed"]),
]


@pytest.mark.parametrize("make, keras_keys", KEY_ORDERS)
def test_layer_configs_list_their_keys_in_keras_order(make, keras_keys):
    config = make().get_config()
    assert list(config)[:3] == ["name", "trainable", "dtype"]
    assert list(config)[3:] == keras_keys


def test_elu_writes_alpha_right_after_its_name():
    assert list(layers.ELU().get_config()) == ["name", "alpha", "trainable", "dtype"]


@pytest.mark.parametrize("make, key, keras_value", [
    (lambda: layers.Reshape([2, -1]), "target_shape", (2, -1)),
    (lambda: layers.Normalization(axis=[1, 2]), "axis", (1, 2)),
    (lambda: layers.EinsumDense("ab,bc->ac", [4]), "output_shape", (4,)),
    (lambda: layers.Dropout(0.2, noise_shape=[None, 1]), "noise_shape", (None, 1)),
    (lambda: layers.Dot(axes=(1, 2)), "axes", (1, 2)),
])
def test_shapes_and_axes_are_tuples_as_keras_keeps_them(make, key, keras_value):
    value = make().get_config()[key]
    assert type(value) is tuple and value == keras_value


@pytest.mark.parametrize("initializer, keras_keys", [
    (initializers.RandomUniform(), ["seed", "minval", "maxval"]),
    (initializers.RandomNormal(), ["seed", "mean", "stddev"]),
    (initializers.TruncatedNormal(), ["seed", "mean", "stddev"]),
    (initializers.Orthogonal(), ["seed", "gain"]),
    (initializers.VarianceScaling(),
     ["seed", "scale", "mode", "distribution", "input_axes", "output_axes"]),
])
def test_random_initializers_write_their_seed_first(initializer, keras_keys):
    assert list(initializer.get_config()) == keras_keys
