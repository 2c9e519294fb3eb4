"""keras.Model(inputs, outputs): graph tracing, layer order, running, training, summary, errors."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.models.functional import Functional


def residual_model():
    inp = keras.Input((3,), name="x")
    h = layers.Dense(3, activation="relu", name="hidden")(inp)
    out = layers.Add(name="skip")([h, inp])
    return keras.Model(inp, out, name="res")


def test_model_with_inputs_and_outputs_is_functional():
    model = residual_model()
    assert isinstance(model, Functional) and isinstance(model, keras.Model)
    assert isinstance(keras.models.Model(inputs=model.input, outputs=model.output), Functional)
    assert model.name == "res"


def test_residual_block_computes_relu_of_dense_plus_input():
    model = residual_model()
    model.get_layer("hidden").set_weights([2 * np.eye(3, dtype="float32"),
                                           np.array([1, -1, 0], "float32")])
    x = np.array([[1.0, 2.0, -3.0], [-1.0, 0.25, 0.5]], "float32")
    expected = np.maximum(2 * x + np.array([1, -1, 0]), 0) + x  # relu(x W + b) + x
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6)
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-6)


def test_layers_in_keras_order_include_the_input_layers():
    a, b = keras.Input((2,), name="a"), keras.Input((3,), name="b")
    left = layers.Dense(4, name="left")(a)
    right = layers.Dense(4, name="right")(layers.Dense(5, name="pre")(b))
    out = layers.Dense(1, name="out")(layers.concatenate([left, right], name="cat"))
    model = keras.Model([a, b], out)
    # deepest first; ties in the order a walk from the output meets them
    assert [layer.name for layer in model.layers] == ["b", "a", "pre", "left", "right", "cat",
                                                      "out"]
    assert [w.path for w in model.weights] == [
        "pre/kernel", "pre/bias", "left/kernel", "left/bias", "right/kernel", "right/bias",
        "out/kernel", "out/bias"]
    assert model.get_layer("cat").name == "cat" and model.get_layer(index=0).name == "b"
    assert model.input_shape == [(None, 2), (None, 3)] and model.output_shape == (None, 1)
    assert model.inputs == [a, b] and model.outputs == [out] and model.output is out


def test_two_branch_concatenate_model_runs_on_a_list_and_a_dict():
    a, b = keras.Input((2,), name="ina"), keras.Input((1,), name="inb")
    out = layers.Concatenate(name="joined")([a, layers.Dense(2, name="d")(b)])
    model = keras.Model([a, b], out)
    model.get_layer("d").set_weights([np.array([[1.0, -1.0]], "float32"), np.zeros(2, "float32")])
    xa, xb = np.array([[1.0, 2.0]], "float32"), np.array([[3.0]], "float32")
    expected = [[1.0, 2.0, 3.0, -3.0]]
    np.testing.assert_allclose(model([xa, xb]).numpy(), expected)
    np.testing.assert_allclose(model({"ina": xa, "inb": xb}).numpy(), expected)
    assert model.output_shape == (None, 4)


def test_a_layer_used_twice_shares_its_weights():
    inp = keras.Input((2,))
    shared = layers.Dense(2, use_bias=False, name="shared")
    model = keras.Model(inp, shared(shared(inp)))
    assert len(model.weights) == 1 and [l.name for l in model.layers][-1] == "shared"
    shared.set_weights([np.array([[0.0, 1.0], [2.0, 0.0]], "float32")])
    x = np.array([[1.0, 3.0]], "float32")
    w = shared.get_weights()[0]
    np.testing.assert_allclose(model(x).numpy(), x @ w @ w)
    np.testing.assert_allclose(model(x).numpy(), [[2.0, 6.0]])  # [1, 3] w = [6, 1]; [6, 1] w


def test_multiple_outputs_when_called_directly():
    inp = keras.Input((2,))
    first = layers.Dense(1, name="first")(inp)
    second = layers.Dense(3, name="second")(inp)
    model = keras.Model(inp, [first, second])
    outs = model(np.ones((4, 2), "float32"))
    assert [o.shape for o in outs] == [(4, 1), (4, 3)]
    assert model.output_names == ["first", "second"]


def sequential_and_functional():
    keras.random.set_random_seed(3)
    seq = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"),
                            layers.Dense(3, activation="softmax")])
    inp = keras.Input((4,))
    out = layers.Dense(3, activation="softmax")(layers.Dense(8, activation="relu")(inp))
    fun = keras.Model(inp, out)
    fun.set_weights(seq.get_weights())
    return seq, fun


def test_same_predictions_and_training_trajectory_as_sequential():
    seq, fun = sequential_and_functional()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 4)).astype("float32")
    y = rng.integers(0, 3, 40)
    np.testing.assert_allclose(fun.predict(x, verbose=0), seq.predict(x, verbose=0), rtol=1e-6)
    histories = []
    for model in (seq, fun):
        model.compile(keras.optimizers.SGD(0.1, momentum=0.9),
                      "sparse_categorical_crossentropy", metrics=["accuracy"])
        histories.append(model.fit(x, y, batch_size=8, epochs=3, shuffle=False,
                                   verbose=0).history)
    assert histories[0].keys() == histories[1].keys()
    for key in histories[0]:
        np.testing.assert_allclose(histories[1][key], histories[0][key], rtol=1e-6)
    for a, b in zip(seq.get_weights(), fun.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)
    assert histories[1]["loss"][-1] < histories[1]["loss"][0]


def test_summary_lists_every_layer_with_connections(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    a, b = keras.Input((2,), name="in_a"), keras.Input((2,), name="in_b")
    out = layers.Dense(1, name="head")(layers.Add(name="plus")([a, b]))
    model = keras.Model([a, b], out, name="two")
    lines = []
    model.summary(print_fn=lambda text: lines.extend(text.splitlines()), line_length=108)
    text = "\n".join(lines)
    assert lines[0] == 'Model: "two"'
    assert "Connected to" in lines[2]
    for name in ("in_a (InputLayer)", "in_b (InputLayer)", "plus (Add)", "head (Dense)"):
        assert name in text
    assert "in_a[0][0], in_b[0][0]" in text and "plus[0][0]" in text
    assert all(len(line) == 108 for line in lines[1:-3])  # Keras's 108 columns
    assert " Total params: 3 (12.00 B)" in lines


def test_summary_of_a_chain_has_three_columns():
    inp = keras.Input((3,), name="inp")
    model = keras.Model(inp, layers.Dense(2, name="d")(inp))
    lines = []
    model.summary(print_fn=lambda text: lines.extend(text.splitlines()))
    assert "Connected to" not in "\n".join(lines) and "Param #" in lines[2]
    assert any("inp (InputLayer)" in line and "(None, 3)" in line for line in lines)


def test_output_not_connected_to_inputs_names_the_tensor():
    a, b = keras.Input((2,), name="a_in"), keras.Input((2,), name="b_in")
    out = layers.Dense(1)(b)
    with pytest.raises(ValueError, match="Graph disconnected") as info:
        keras.Model(a, out)
    assert b.name in str(info.value) and "b_in" in str(info.value)


def test_outputs_must_be_keras_tensors():
    inp = keras.Input((2,))
    with pytest.raises(ValueError, match="must be KerasTensors"):
        keras.Model(inp, np.zeros((1, 2)))
    with pytest.raises(ValueError, match="cannot be empty"):
        keras.Model([], [])


def test_duplicate_layer_names_are_refused():
    inp = keras.Input((2,))
    out = layers.Dense(2, name="same")(layers.Dense(2, name="same")(inp))
    with pytest.raises(ValueError, match='"same" is used 2 times'):
        keras.Model(inp, out)


def test_calling_on_the_wrong_shape_names_both_shapes():
    model = residual_model()
    with pytest.raises(ValueError, match=r"expected shape=\(None, 3\), found shape=\(2, 4\)"):
        model.predict(np.zeros((2, 4), "float32"), verbose=0)
    with pytest.raises(ValueError, match=r"expects 1 named input\(s\) with keys \['x'\], but "
                                         r"it received 2 input tensors"):
        model([np.zeros((2, 3)), np.zeros((2, 3))])


def test_layer_shape_error_is_raised_while_building_the_graph():
    inp = keras.Input((3,))
    dense = layers.Dense(2)
    dense(inp)
    with pytest.raises(ValueError, match="incompatible"):
        dense(keras.Input((5,)))


def test_several_inputs_or_outputs_train():
    a, b = keras.Input((2,)), keras.Input((2,))
    model = keras.Model([a, b], layers.add([a, b]))
    model.compile("sgd", "mse")
    assert model.evaluate([np.ones((2, 2)), np.ones((2, 2))], np.full((2, 2), 2.0),
                          verbose=0) == 0.0


def test_nested_sequential_inside_a_functional_model():
    block = keras.Sequential([layers.Dense(3, name="inner")], name="block")
    inp = keras.Input((2,))
    model = keras.Model(inp, layers.Dense(1, name="top")(block(inp)))
    assert [l.name for l in model.layers] == [model.layers[0].name, "block", "top"]
    assert len(model.weights) == 4
    assert model.predict(np.ones((5, 2), "float32"), verbose=0).shape == (5, 1)


def test_training_argument_reaches_dropout():
    inp = keras.Input((100,))
    model = keras.Model(inp, layers.Dropout(0.5)(inp))
    x = np.ones((2, 100), "float32")
    np.testing.assert_array_equal(model(x).numpy(), x)
    dropped = model(x, training=True).numpy()
    assert set(np.unique(dropped)) <= {0.0, 2.0} and (dropped == 0).any()


def test_a_model_with_dict_outputs_called_on_inputs_of_unknown_length_gives_a_dict():
    # keras-io's data_parallel_training: backbone(...)["sequence_output"] in a bigger graph
    token_ids = keras.Input(shape=(None,), dtype="int32")
    x = keras.layers.Embedding(9, 4)(token_ids)
    pooled = keras.layers.Dense(2)(x[:, 0, :])
    backbone = keras.Model(token_ids, {"sequence_output": x, "pooled_output": pooled})
    outputs = backbone(keras.Input(shape=(None,), dtype="int32"))
    assert sorted(outputs) == ["pooled_output", "sequence_output"]
    assert outputs["sequence_output"].shape == (None, None, 4)
    assert outputs["pooled_output"].shape == (None, 2)


def _model_of_unknown_length(outputs_as_list=False):
    inp = keras.Input((None, 8), name="a")
    out = layers.Dense(3)(inp)
    return keras.Model(inp, [out] if outputs_as_list else out)


def test_output_shape_for_other_input_shapes_runs_the_graph():
    # Keras traces the graph on the given shapes: the known length (and a batch size) carry
    model = _model_of_unknown_length()
    assert model.compute_output_shape((None, 5, 8)) == (None, 5, 3)
    assert model.compute_output_shape((7, None, 8)) == (7, None, 3)
    assert model.compute_output_shape([None, 5, 8]) == (None, 5, 3)
    assert _model_of_unknown_length(True).compute_output_shape((None, 5, 8)) == [(None, 5, 3)]


def test_output_shape_of_several_inputs_follows_the_structures():
    a, b = keras.Input((None, 8), name="a"), keras.Input((4,), name="b")
    listed = keras.Model([a, b], [layers.Dense(3)(a), layers.Dense(2)(b)])
    assert listed.compute_output_shape([(None, 5, 8), (2, 4)]) == [(None, 5, 3), (2, 2)]
    named = keras.Model({"a": a, "b": b}, {"x": layers.Dense(3)(a), "y": layers.Dense(2)(b)})
    assert named.compute_output_shape({"a": (None, 6, 8), "b": (None, 4)}) == \
        {"x": (None, 6, 3), "y": (None, 2)}


def test_output_shape_of_an_incompatible_input_shape_names_both():
    model = _model_of_unknown_length()
    with pytest.raises(ValueError, match=r"expected shape=\(None, None, 8\), "
                                         r"found shape=\(None, 5, 9\)"):
        model.compute_output_shape((None, 5, 9))
    with pytest.raises(ValueError, match=r"expects 1 named input\(s\) with keys \['a'\], but "
                                         r"it received 2 input tensors"):
        model.compute_output_shape([(None, 5, 8), (None, 5, 8)])


def test_a_symbolic_call_keeps_a_list_of_one_output_and_the_known_length():
    model = _model_of_unknown_length(True)
    known = model(keras.Input((5, 8)))
    assert isinstance(known, list) and known[0].shape == (None, 5, 3)
    assert isinstance(model(keras.Input((None, 8))), list)
    eager = model(np.zeros((2, 5, 8), "float32"))  # a call on data unpacks it, as Keras's
    assert not isinstance(eager, list) and eager.shape == (2, 5, 3)


def test_a_sequential_summary_shows_a_nested_models_output_on_the_known_length(capsys):
    encoder = _model_of_unknown_length()
    outer = keras.Sequential([keras.Input((16, 8)), encoder, layers.GlobalAveragePooling1D()])
    outer.summary()
    row = next(line for line in capsys.readouterr().out.splitlines() if "Functional" in line)
    assert "(None, 16, 3)" in row


def test_layer_input_is_every_tensor_of_the_first_call():
    """Keras 3.15: layer.input is the flat list of the KerasTensors the layer's first call
    took, keywords too (MultiHeadAttention's query, value and key; a mask passed on), one
    tensor when there is one (minikeras gave the first argument alone)."""
    query, value, key = keras.Input((4, 8)), keras.Input((6, 8)), keras.Input((6, 8))
    mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=2)
    mha(query, value, key=key)
    mha(value, value)  # a second call does not change it
    assert mha.input == [query, value, key]
    ids = keras.Input((None,), dtype="int32")
    embedded = keras.layers.Embedding(5, 3, mask_zero=True)(ids)
    pooling = keras.layers.GlobalAveragePooling1D()
    pooling(embedded)
    assert [tuple(t.shape) for t in pooling.input] == [(None, None, 3), (None, None)]
    dense = keras.layers.Dense(2)
    dense(query)
    assert dense.input is query
