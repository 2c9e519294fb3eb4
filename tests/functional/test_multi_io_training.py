"""Training functional models with several inputs and outputs (x / y as lists or dicts).

Log keys follow Keras 3's compile_utils: per-output losses ``<output>_loss`` (only when more
than one output has a loss), metrics ``<output>_<metric>``, all keys sorted; ``evaluate``'s
list is loss, the per-output losses, then the remaining keys sorted.
"""
import math
import warnings

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers


_Trainable = keras.Model


def _two_by_two(cls_units=2):
    """Inputs a (2,), b (1,); outputs reg = a0 + a1 + b (kernel ones), cls = softmax(0) (uniform)."""
    a = keras.Input((2,), name="a")
    b = keras.Input((1,), name="b")
    joined = layers.concatenate([a, b], name="joined")
    reg = layers.Dense(1, name="reg")(joined)
    cls = layers.Dense(cls_units, activation="softmax", name="cls")(joined)
    model = _Trainable([a, b], [reg, cls])
    model.get_layer("reg").set_weights([np.ones((3, 1), "float32"), np.zeros(1, "float32")])
    model.get_layer("cls").set_weights([np.zeros((3, cls_units), "float32"),
                                        np.zeros(cls_units, "float32")])
    return model


XA = np.array([[1.0, 2.0], [0.0, 1.0]], "float32")
XB = np.array([[1.0], [-1.0]], "float32")
Y_REG = np.array([[3.0], [2.0]], "float32")  # predictions 4 and 0: squared errors 1 and 4
Y_CLS = np.array([0, 1])                     # uniform over 2 classes: ln 2 per sample
MSE, CE = 2.5, math.log(2.0)


def test_total_loss_is_weighted_sum_of_per_output_losses():
    model = _two_by_two()
    model.compile(keras.optimizers.SGD(0.0),
                  loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                  loss_weights={"reg": 2.0, "cls": 0.5})
    logs = model.evaluate({"a": XA, "b": XB}, {"reg": Y_REG, "cls": Y_CLS}, verbose=0,
                          return_dict=True)
    assert list(logs) == ["cls_loss", "loss", "reg_loss"]
    assert logs["reg_loss"] == pytest.approx(MSE, rel=1e-6)   # unweighted per output
    assert logs["cls_loss"] == pytest.approx(CE, rel=1e-6)
    assert logs["loss"] == pytest.approx(2.0 * MSE + 0.5 * CE, rel=1e-6)


def test_list_and_dict_forms_train_identically():
    histories = []
    for form in ("list", "dict"):
        keras.utils.set_random_seed(3)
        model = _two_by_two()
        if form == "list":
            model.compile("sgd", loss=["mse", "sparse_categorical_crossentropy"],
                          loss_weights=[1.0, 0.5], metrics=[["mae"], ["accuracy"]])
            x, y = [XA, XB], [Y_REG, Y_CLS]
        else:
            model.compile("sgd", loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"},
                          loss_weights={"cls": 0.5, "reg": 1.0},
                          metrics={"reg": "mae", "cls": ["accuracy"]})
            x, y = {"b": XB, "a": XA}, {"cls": Y_CLS, "reg": Y_REG}
        histories.append(model.fit(x, y, epochs=3, batch_size=1, verbose=0).history)
    assert histories[0] == histories[1]
    assert list(histories[0]) == ["cls_accuracy", "cls_loss", "loss", "reg_loss", "reg_mae"]
    assert histories[0]["loss"][-1] < histories[0]["loss"][0]


def test_one_loss_for_all_outputs_and_sgd_step_from_summed_gradient():
    model = _two_by_two()
    model.compile(keras.optimizers.SGD(0.1), loss="mse")
    # reg: 4 vs 3 and 0 vs 2; cls: uniform 0.5 vs one-hot targets -> 0.25 squared error each
    y_cls = np.array([[1.0, 0.0], [0.0, 1.0]], "float32")
    first = model.train_on_batch([XA, XB], [Y_REG, y_cls], return_dict=True)
    assert first == pytest.approx({"cls_loss": 0.25, "loss": MSE + 0.25, "reg_loss": MSE})
    # reg bias gradient: mean of 2 * (pred - y) = (2 * 1 + 2 * -2) / 2 = -1 -> bias 0.1
    assert model.get_layer("reg").get_weights()[1][0] == pytest.approx(0.1, rel=1e-5)


def test_only_one_output_with_a_loss_logs_no_per_output_loss():
    model = _two_by_two()
    model.compile(keras.optimizers.SGD(0.0), loss=[None, "sparse_categorical_crossentropy"],
                  metrics=[["mae"], ["accuracy"]])
    logs = model.evaluate([XA, XB], [Y_REG, Y_CLS], verbose=0, return_dict=True)
    assert list(logs) == ["cls_accuracy", "loss", "reg_mae"]
    assert logs["loss"] == pytest.approx(CE, rel=1e-6)
    assert logs["reg_mae"] == pytest.approx(1.5)  # |4 - 3| and |0 - 2|
    # y for an output without a loss may be left out of the dict
    logs = model.evaluate([XA, XB], {"cls": Y_CLS}, verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(CE, rel=1e-6)


def test_evaluate_list_order_and_metric_name_rules():
    model = _two_by_two()
    model.compile(keras.optimizers.SGD(0.0), loss=["mse", "sparse_categorical_crossentropy"],
                  metrics={"reg": ["mae", "mae"], "cls": ["accuracy"]},
                  weighted_metrics={"reg": ["mae"]})
    logs = model.evaluate([XA, XB], [Y_REG, Y_CLS], verbose=0, return_dict=True)
    # duplicate -> _1 suffix; a weighted metric colliding with a metric -> <output>_weighted_
    assert list(logs) == ["cls_accuracy", "cls_loss", "loss", "reg_loss", "reg_mae",
                          "reg_mae_1", "reg_weighted_mae"]
    values = model.evaluate([XA, XB], [Y_REG, Y_CLS], verbose=0)
    # loss, then the per-output losses, then the other keys sorted (accuracy: 1 of 2 right,
    # ties in argmax of a uniform softmax pick class 0)
    assert values == pytest.approx([MSE + CE, MSE, CE, 0.5, 1.5, 1.5, 1.5])
    assert model.metrics_names == ["loss", "compile_metrics", "reg_loss", "cls_loss"]


def test_sample_weight_per_output_and_shared():
    model = _two_by_two()
    model.compile(keras.optimizers.SGD(0.0), loss=["mse", "sparse_categorical_crossentropy"])
    w = np.array([1.0, 0.0], "float32")
    logs = model.evaluate([XA, XB], [Y_REG, Y_CLS], sample_weight={"reg": w}, verbose=0,
                          return_dict=True)
    assert logs["reg_loss"] == pytest.approx(0.5)        # (1 * 1 + 0 * 4) / 2
    assert logs["cls_loss"] == pytest.approx(CE, rel=1e-6)  # no weight for cls
    logs = model.evaluate([XA, XB], [Y_REG, Y_CLS], sample_weight=w, verbose=0,
                          return_dict=True)
    assert logs["cls_loss"] == pytest.approx(CE / 2, rel=1e-6)  # one array serves both


def test_predict_returns_the_outputs_structure():
    model = _two_by_two(cls_units=3)
    x = [np.zeros((5, 2), "float32"), np.ones((5, 1), "float32")]
    out = model.predict(x, batch_size=2, verbose=0)
    assert isinstance(out, list) and [o.shape for o in out] == [(5, 1), (5, 3)]
    np.testing.assert_allclose(out[0], np.ones((5, 1)))
    np.testing.assert_allclose(out[1], np.full((5, 3), 1 / 3), rtol=1e-6)
    batch = model.predict_on_batch({"a": x[0], "b": x[1]})
    assert isinstance(batch, list) and batch[1].shape == (5, 3)

    a = keras.Input((2,), name="a")
    dict_model = _Trainable(a, {"sum": layers.Dense(1, name="s")(a),
                                "twice": layers.Dense(2, name="t")(a)})
    out = dict_model.predict(np.zeros((4, 2), "float32"), verbose=0)
    assert isinstance(out, dict) and {k: v.shape for k, v in out.items()} == \
        {"sum": (4, 1), "twice": (4, 2)}


def test_multi_input_single_output_trains_with_plain_y():
    keras.utils.set_random_seed(0)
    a, b = keras.Input((1,), name="a"), keras.Input((1,), name="b")
    out = layers.Dense(1, name="out")(layers.concatenate([a, b]))
    model = _Trainable([a, b], out)
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(size=(64, 1)), rng.normal(size=(64, 1))
    y = 2 * xa - xb  # a row mix-up between arrays during shuffling would make this unlearnable
    model.compile(keras.optimizers.SGD(0.1), "mse")
    history = model.fit({"a": xa, "b": xb}, y, epochs=30, batch_size=8, verbose=0,
                        validation_split=0.25)
    assert history.history["val_loss"][-1] < 1e-3
    assert model.evaluate([xa, xb], y, verbose=0) < 1e-3


def test_loss_dict_unknown_output_names_the_valid_ones():
    model = _two_by_two()
    with pytest.raises(ValueError, match=r"Expected keys \['reg', 'cls'\] in loss dict, "
                                         r".*Unknown key\(s\) \['clz'\]"):
        model.compile("sgd", loss={"reg": "mse", "clz": "mse"})


def test_metrics_list_must_match_the_outputs():
    model = _two_by_two()
    with pytest.raises(ValueError, match="as many entries as the model has outputs"):
        model.compile("sgd", loss="mse", metrics=["mae"])
    with pytest.raises(ValueError, match="list, tuple, or dict"):
        model.compile("sgd", loss="mse", metrics="mae")


def test_mismatched_sample_counts_name_every_array():
    model = _two_by_two()
    model.compile("sgd", loss="mse")
    # Keras's text: one line per structure, a dict's arrays in sorted key order
    with pytest.raises(ValueError, match="same number of samples.'x' sizes: 2, 3\n"
                                         "'y' sizes: 2, 2\n"):
        model.fit({"a": XA, "b": np.zeros((3, 1))}, [Y_REG, np.zeros((2, 2))], verbose=0)
    with pytest.raises(ValueError, match=r"y\['nope'\].*|key\(s\) \['nope'\]"):
        model.fit([XA, XB], {"nope": Y_REG}, verbose=0)
    with pytest.raises(ValueError, match="only supported for Models with a single output"):
        model.fit([XA, XB], [Y_REG, np.zeros((2, 2))], class_weight={0: 1.0}, verbose=0)


def test_one_target_array_goes_to_the_only_output_with_a_loss():
    # keras-io's miniature GPT: outputs [logits, features], loss=[fn, None], fit(x, y).
    # By hand (SGD 0.01, ones): b = 2, loss (2 - 4)^2 = 4; after one step w1 = 1.04,
    # b1 = 0.04, a = 2.12, w2 = 1.08, b2 = 0.04, b = 2.3296, loss 2.79023616 (Keras 3.15
    # prints 2.790236711502075).
    inputs = keras.Input((2,))
    a = keras.layers.Dense(1, kernel_initializer="ones", name="a")(inputs)
    b = keras.layers.Dense(1, kernel_initializer="ones", name="b")(a)
    model = keras.Model(inputs, [b, a])
    model.compile(keras.optimizers.SGD(0.01), loss=["mse", None])
    history = model.fit(np.ones((4, 2), "float32"), np.full((4, 1), 4.0, "float32"), epochs=2,
                        batch_size=4, verbose=0).history
    np.testing.assert_allclose(history["loss"], [4.0, 2.79023616], rtol=1e-6)


def test_a_model_built_on_a_list_of_one_input_warns_only_for_a_users_own_numpy_call():
    # Keras 3.15.1 (checked in a scratch run): silent in fit, evaluate, predict and the batch
    # methods (their steps get backend tensors), one warning for model(numpy_array)
    inputs = keras.Input((3,))
    model = keras.Model(inputs=[inputs], outputs=keras.layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    x, y = np.ones((4, 3), "float32"), np.ones((4, 1), "float32")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, verbose=0, validation_data=(x, y))
        model.evaluate(x, y, verbose=0)
        model.predict(x, verbose=0)
        model.train_on_batch(x, y)
        model.predict_on_batch(x)
    assert not [w for w in caught if "structure of `inputs`" in str(w.message)]
    with pytest.warns(UserWarning, match=r"Expected: \['keras_tensor"):
        model(x)
