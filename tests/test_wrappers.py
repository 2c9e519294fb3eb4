"""keras.wrappers: compiled models as scikit-learn estimators (the `sklearn` extra).
Expected behaviour from Keras 3.15's documented rules: one-hot targets and label
decoding for the classifier, 1-D predictions for a 1-D regression target, the model
cloned (and compiled like the original) on each fit unless warm_start."""
import subprocess
import sys
import types

import numpy as np
import pytest

import minikeras as keras
from tests.optional_extras import require_module
from tests.test_docs import ROOT



@pytest.fixture(scope="module")
def sk():
    """scikit-learn's pieces these tests use and minikeras's wrappers (which import it), by
    the first test that needs them rather than at collection (~2 CPU s of imports)."""
    require_module("sklearn", "sklearn")
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from minikeras import wrappers
    return types.SimpleNamespace(
        clone=clone, NotFittedError=NotFittedError, cross_val_score=cross_val_score,
        make_pipeline=make_pipeline, StandardScaler=StandardScaler,
        SKLearnClassifier=wrappers.SKLearnClassifier, SKLearnRegressor=wrappers.SKLearnRegressor,
        SKLearnTransformer=wrappers.SKLearnTransformer)


def clusters(n=60, seed=0):
    """Two well-separated blobs labelled 'left' and 'right'."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(-3, 0.5, (n, 2)), rng.normal(3, 0.5, (n, 2))])
    y = np.array(["left"] * n + ["right"] * n)
    return x.astype("float32"), y


def softmax_model(X, y, units=8):
    model = keras.Sequential([keras.Input((X.shape[1],)),
                              keras.layers.Dense(units, activation="relu"),
                              keras.layers.Dense(y.shape[1], activation="softmax")])
    model.compile(keras.optimizers.Adam(0.05), "categorical_crossentropy")
    return model


def test_classifier_trains_on_one_hot_targets_and_predicts_labels(sk):
    keras.utils.set_random_seed(0)
    x, y = clusters()
    est = sk.SKLearnClassifier(softmax_model, model_kwargs={"units": 4}, fit_kwargs={"verbose": 0})
    est.fit(x, y, epochs=30)
    assert list(est.classes_) == ["left", "right"] and est.n_features_in_ == 2
    assert est.model_.output_shape == (None, 2) and est.epoch_ == 30
    assert (est.predict(x) == y).all() and est.score(x, y) == 1.0
    assert est.decision_function(x).shape == (120, 2)
    column = est.fit(x, y.reshape(-1, 1), epochs=1).predict(x[:3])
    assert column.shape == (3, 1)                        # y given as a column comes back so


def test_a_model_instance_is_cloned_compiled_unless_warm_start(sk):
    keras.utils.set_random_seed(1)
    x, y = clusters(10)
    model = softmax_model(x, np.zeros((1, 2)))
    before = [w.copy() for w in model.get_weights()]
    est = sk.SKLearnClassifier(model, fit_kwargs={"verbose": 0, "epochs": 2}).fit(x, y)
    assert est.model_ is not model and est.model_.optimizer is not model.optimizer
    assert all((a == b).all() for a, b in zip(before, model.get_weights()))
    assert int(est.model_.optimizer.iterations) == 2 * 1  # 20 samples: one batch per epoch
    first = est.model_
    assert est.fit(x, y).model_ is not first            # a fresh clone each fit
    warm = sk.SKLearnClassifier(model, warm_start=True, fit_kwargs={"verbose": 0}).fit(x, y)
    trained = warm.model_
    assert warm.fit(x, y).model_ is trained and int(trained.optimizer.iterations) == 2


def test_regressor_gives_1d_predictions_for_a_1d_target_and_works_in_sklearn(sk):
    keras.utils.set_random_seed(2)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(200, 3)).astype("float32")
    y = x @ np.array([1.0, -2.0, 0.5], "float32") + 1.0

    def linear(X, y):
        model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(1)])
        model.compile(keras.optimizers.Adam(0.1), "mse")
        return model

    est = sk.SKLearnRegressor(linear, fit_kwargs={"verbose": 0, "epochs": 20})  # R^2 0.9999+
    pipe = sk.make_pipeline(sk.StandardScaler(), est).fit(x, y)
    assert pipe.predict(x).shape == (200,) and pipe.score(x, y) > 0.99
    assert sk.cross_val_score(sk.clone(pipe), x, y, cv=2).min() > 0.95
    assert sk.clone(est).get_params()["fit_kwargs"] == {"verbose": 0, "epochs": 20}


def test_transformer_outputs_the_model_prediction(sk):
    x, y = clusters(5)

    def encoder(X, y):
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
        model.compile("sgd", "mse")
        return model

    est = sk.SKLearnTransformer(encoder, fit_kwargs={"verbose": 0})
    out = est.fit(x, np.zeros((10, 3), "float32")).transform(x)
    np.testing.assert_allclose(out, est.model_.predict(x, verbose=0), rtol=1e-6)


def test_bad_input_names_the_problem(sk):
    x, y = clusters(5)
    uncompiled = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    with pytest.raises(RuntimeError, match="must be a compiled keras Model"):
        sk.SKLearnClassifier(lambda X, y: uncompiled).fit(x, y)
    with pytest.raises(TypeError, match="`model` must be a compiled keras Model or a callable"):
        sk.SKLearnClassifier(3).fit(x, y)
    with pytest.raises(ValueError, match="Only binary and multiclass.*continuous"):
        sk.SKLearnClassifier(softmax_model).fit(x, np.linspace(0, 1, 10))
    with pytest.raises(ValueError, match="only one class"):
        sk.SKLearnClassifier(softmax_model).fit(x, np.zeros(10))
    with pytest.raises(sk.NotFittedError):
        sk.SKLearnClassifier(softmax_model).predict(x)


def test_without_scikit_learn_the_error_names_the_extra():
    code = ("import sys; sys.modules['sklearn'] = None\n"
            "import minikeras as keras\n"
            "try:\n    keras.wrappers.SKLearnClassifier(None)\n"
            "except ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert 'requires scikit-learn' in out and 'pip install "minikeras[sklearn]"' in out
