"""Calls that depend on Keras 3's argument names and positions (the fixture-wide check is
test_keras_signatures.py): what each such call does, worked out by hand."""
import io

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops


def test_recurrent_layers_take_the_activation_second():
    assert layers.LSTM(4, "relu").activation is keras.activations.relu
    simple = layers.SimpleRNN(4, "relu", False)
    assert simple.activation is keras.activations.relu and simple.use_bias is False
    assert simple.return_sequences is False
    assert layers.GRU(3, "sigmoid", "hard_sigmoid").recurrent_activation is \
        keras.activations.hard_sigmoid
    assert layers.LSTMCell(3, "relu").activation is keras.activations.relu
    assert layers.SimpleRNNCell(3, "relu", False).use_bias is False


def test_conv3d_transpose_takes_data_format_before_output_padding():
    layer = layers.Conv3DTranspose(2, 3, 1, "valid", "channels_first")
    assert layer.data_format == "channels_first" and layer.output_padding is None


def test_input_takes_ragged_fifth():
    assert keras.Input((3,), None, "float32", False, None, None, "x").name == "x"


def test_sparse_crossentropy_takes_axis_fourth():
    loss = keras.losses.SparseCategoricalCrossentropy(False, None, "sum_over_batch_size", 0)
    assert loss.get_config()["axis"] == 0 and loss.name == "sparse_categorical_crossentropy"


def test_ops_take_keras_keyword_names():
    assert ops.add(x1=1.0, x2=2.0).numpy() == 3.0
    assert ops.matmul(x1=np.eye(2), x2=np.ones((2, 1))).numpy().tolist() == [[1.0], [1.0]]
    assert ops.reshape(np.arange(6), newshape=(2, 3)).shape == (2, 3)
    assert ops.bitwise_and(x=np.array([6]), y=np.array([3])).numpy().tolist() == [2]
    assert ops.gcd(x1=np.array([12]), x2=np.array([18])).numpy().tolist() == [6]
    assert ops.bitwise_invert(x=np.array([0], "int8")).numpy().tolist() == [-1]
    assert ops.stop_gradient(variable=np.ones(2)).numpy().tolist() == [1.0, 1.0]
    with pytest.raises(TypeError):
        ops.bitwise_and(np.array([1]))  # y is required


def test_progbar_stateless_metrics_averages_only_those_named():
    out = io.StringIO()
    bar = keras.utils.Progbar(4, verbose=2, stateless_metrics=["loss"], file=out)
    bar.update(1, [("loss", 1.0), ("lr", 1.0)])
    bar.update(2, [("loss", 3.0), ("lr", 3.0)])
    assert bar._values["loss"] == (4.0, 2) and bar._values["lr"] == 3.0  # mean 2; as given
    with pytest.raises(ValueError, match="Only one of `stateful_metrics` or "
                                         "`stateless_metrics` can be provided"):
        keras.utils.Progbar(4, stateful_metrics=["a"], stateless_metrics=["b"])


def test_serializers_take_keras_argument_names():
    assert keras.losses.deserialize(name="mse").__name__ == "mean_squared_error"
    policy = keras.dtype_policies.DTypePolicy("float64")
    config = keras.dtype_policies.serialize(dtype_policy=policy)

    class Custom(keras.dtype_policies.DTypePolicy):
        pass

    assert keras.dtype_policies.deserialize(config).name == "float64"
    restored = keras.dtype_policies.deserialize({**config, "class_name": "Custom"},
                                                custom_objects={"Custom": Custom})
    assert type(restored) is Custom and restored.name == "float64"
    with pytest.raises(ValueError, match="class_name among"):
        keras.dtype_policies.deserialize({**config, "class_name": "Custom"})
    assert keras.quantizers.serialize(initializer=None) is None


def test_arange_step_none_is_one():
    assert ops.arange(1, 5, None).numpy().tolist() == [1, 2, 3, 4]
    assert ops.arange(3, step=None).dtype == "int32"
