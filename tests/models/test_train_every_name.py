"""Every loss and optimizer resolves by its string name in compile() and actually trains."""
import numpy as np
import pytest

import minikeras as keras

TASKS = {
    "binary": ["bce", "BCE", "binary_crossentropy", "BinaryCrossentropy",
               "binary_focal_crossentropy", "BinaryFocalCrossentropy", "hinge", "Hinge",
               "squared_hinge", "SquaredHinge", "dice", "Dice", "tversky", "Tversky"],
    "categorical": ["categorical_crossentropy", "CategoricalCrossentropy",
                    "categorical_focal_crossentropy", "CategoricalFocalCrossentropy",
                    "categorical_hinge", "CategoricalHinge", "kld", "KLD", "kl_divergence",
                    "KLDivergence", "kullback_leibler_divergence", "poisson", "Poisson",
                    "cosine_similarity", "CosineSimilarity", "cosine", "cosine_proximity"],
    "sparse": ["sparse_categorical_crossentropy", "SparseCategoricalCrossentropy",
               "categorical_generalized_cross_entropy", "CategoricalGeneralizedCrossEntropy",
               "crossentropy", "ce"],
    "regression": ["mse", "MSE", "mean_squared_error", "MeanSquaredError", "mae", "MAE",
                   "mean_absolute_error", "MeanAbsoluteError", "mape", "MAPE",
                   "mean_absolute_percentage_error", "MeanAbsolutePercentageError", "msle",
                   "MSLE", "mean_squared_logarithmic_error", "MeanSquaredLogarithmicError",
                   "huber", "huber_loss", "Huber", "log_cosh", "logcosh", "LogCosh"],
    "embedding": ["circle", "Circle"],
    "sequence": ["ctc", "CTC"],
}
NOT_LOSSES = {"Loss", "LossFunctionWrapper"}
# these wrap other optimizers given as arguments: no instance from the name alone
NOT_TRAINABLE_BY_NAME = {"optimizer", "loss_scale_optimizer", "lossscaleoptimizer",
                         "multi_optimizer", "multioptimizer"}


def test_every_registered_loss_name_has_a_task():
    named = {n for names in TASKS.values() for n in names}
    assert set(keras.losses.LOSSES.names()) - NOT_LOSSES <= named


def _task_data(task, rng):
    x = rng.random((96, 6)).astype("float32")
    score = x[:, :3].sum(axis=1) - x[:, 3:].sum(axis=1)
    classes = np.digitize(score, [-0.4, 0.4])
    if task == "binary":
        return x, (score > 0).astype("float32"), keras.layers.Dense(1, activation="sigmoid")
    if task == "categorical":
        return x, keras.utils.to_categorical(classes, 3), keras.layers.Dense(3, activation="softmax")
    if task == "sparse":
        return x, classes, keras.layers.Dense(3, activation="softmax")
    if task == "regression":
        return x, (2.0 + score).astype("float32"), keras.layers.Dense(1)
    if task == "embedding":
        return x, classes, keras.layers.Dense(4)
    raise AssertionError(task)


@pytest.mark.parametrize("task,name", [(t, n) for t, names in TASKS.items() if t != "sequence"
                                       for n in names])
def test_model_trains_with_loss_by_name(task, name):
    rng = np.random.default_rng(0)
    keras.utils.set_random_seed(0)
    x, y, head = _task_data(task, rng)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="tanh"), head])
    model.compile(keras.optimizers.Adam(0.02), loss=name)
    before = model.evaluate(x, y, batch_size=96, verbose=0)
    # 3 epochs (18 steps): every name's loss is already below its start after 1
    history = model.fit(x, y, batch_size=16, epochs=3, verbose=0)
    after = model.evaluate(x, y, batch_size=96, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert after < before


@pytest.mark.parametrize("name", TASKS["sequence"])
def test_sequence_model_trains_with_ctc_by_name(name):
    rng = np.random.default_rng(0)
    keras.utils.set_random_seed(0)
    x = rng.random((32, 6, 4)).astype("float32")                 # 32 sequences of 6 frames
    y = rng.integers(1, 4, size=(32, 2)).astype("float32")        # 2 labels each, 0 = blank
    model = keras.Sequential([keras.Input((6, 4)), keras.layers.Dense(5)])
    model.compile(keras.optimizers.Adam(0.05), loss=name)
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, batch_size=8, epochs=5, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before


@pytest.fixture(scope="module")
def digits():
    (x, y), _ = keras.datasets.digits.load_data()
    return x[:400].reshape(400, 64).astype("float32") / 16.0, y[:400]


OPTIMIZER_NAMES = [n for n in keras.optimizers.OPTIMIZERS.names() if n not in NOT_TRAINABLE_BY_NAME]


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_model_trains_on_digits_with_optimizer_by_name(name, digits):
    x, y = digits
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=name, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    before = model.evaluate(x, y, verbose=0)[0]
    # 2 epochs (26 steps): every optimizer's loss is already below its start after 1
    model.fit(x, y, batch_size=32, epochs=2, verbose=0)
    after = model.evaluate(x, y, verbose=0)[0]
    assert after < before
