"""End-to-end runs G1-G3 of KERAS_REFERENCE.md Appendix C: Keras's own numbers, to 1e-5."""
import numpy as np
import pytest

import minikeras as keras


def det(shape, scale, offset):
    """The reference's deterministic array: sin(1.7 k + offset) * scale, row-major."""
    k = np.arange(int(np.prod(shape)), dtype=np.float64)
    return (np.sin(1.7 * k + offset) * scale).reshape(shape).astype("float32")


@pytest.fixture
def X():
    k = np.arange(48).reshape(12, 4)
    return ((k % 7) / 7).astype("float32")


def test_g1_sgd_binary_crossentropy(X):
    yb = (X.sum(axis=1) > 1.7).astype("float32")
    np.testing.assert_array_equal(yb, [0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 1])
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.set_weights([det((4, 3), .1, 0), np.zeros(3), det((3, 1), .1, 1.0), np.zeros(1)])
    model.compile(keras.optimizers.SGD(0.1), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(X, yb, batch_size=4, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], [0.694195032119751, 0.6919598579406738],
                               atol=1e-5)
    np.testing.assert_allclose(history.history["accuracy"], [0.4166666567, 0.5833333134],
                               atol=1e-5)
    kernel1, bias1, kernel2, bias2 = model.get_weights()
    np.testing.assert_allclose(kernel1, [[-0.000902686, 0.101036116, -0.033036709],
                                         [-0.092581466, 0.052909035, 0.071407087],
                                         [-0.070137918, -0.060066573, 0.081065655],
                                         [0.039373163, -0.096153080, -0.016139038]], atol=1e-5)
    np.testing.assert_allclose(bias1, [-0.001053134, 0.003295191, -0.006713170], atol=1e-5)
    np.testing.assert_allclose(kernel2, [[0.084130362], [0.048586108], [-0.086361520]],
                               atol=1e-5)
    np.testing.assert_allclose(bias2, [0.048671298], atol=1e-5)


def test_g2_adam_sparse_crossentropy_with_validation_split(X):
    ys = (np.arange(12) % 3).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="tanh"),
                              keras.layers.Dense(3, activation="softmax")])
    model.set_weights([det((4, 5), .5, 0), det((5,), .1, 2.0), det((5, 3), .5, 3.0),
                       np.zeros(3)])
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(X, ys, batch_size=3, epochs=3, shuffle=False, validation_split=0.25,
                        verbose=0)
    h = history.history
    assert list(h) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    np.testing.assert_allclose(h["loss"], [1.1353334188, 1.1177942753, 1.1059517860], atol=1e-5)
    np.testing.assert_allclose(h["accuracy"], [0.2222222239, 0.3333333433, 0.4444444478],
                               atol=1e-5)
    np.testing.assert_allclose(h["val_loss"], [1.1639322042, 1.1655122042, 1.1699243784],
                               atol=1e-5)
    np.testing.assert_allclose(h["val_accuracy"], [0.3333333433] * 3, atol=1e-5)
    np.testing.assert_allclose(model.predict(X[:1], verbose=0),
                               [[0.3354516029, 0.3442094922, 0.3203389049]], atol=1e-5)


def test_g3_rmsprop_mse_with_l2_penalty_in_the_loss(X):
    yr = X @ np.array([1, -2, 0.5, 3], dtype="float32")
    model = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(2, activation="relu",
                           kernel_regularizer=keras.regularizers.l2(0.01)),
        keras.layers.Dense(1)])
    model.set_weights([det((4, 2), .5, .3), np.zeros(2), det((2, 1), .5, .7), np.zeros(1)])
    model.compile("rmsprop", "mse", metrics=["mae"])
    history = model.fit(X, yr, batch_size=5, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], [1.9067010880, 1.8882328272], atol=1e-5)
    np.testing.assert_allclose(history.history["mae"], [1.2595361471, 1.2560733557], atol=1e-5)
    np.testing.assert_allclose(model.evaluate(X, yr, verbose=0), [1.8767143488, 1.2538537979],
                               atol=1e-5)
