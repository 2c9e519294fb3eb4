"""Keras 2's backend functions (``from keras import backend as K``) against tf.keras 2.

Expected values: tests/fixtures/examples9_keras2.{npz,json}, recorded from tf_keras 2.21 by
tools/make_examples9_keras2_fixture.py running tests/fixtures/examples9_keras2_cases.py.
"""
import contextlib
import io
import json
import pathlib
import re

import numpy as np
import pytest

import minikeras as keras
from minikeras import backend as K
from minikeras.legacy import backend_functions
from tests.compat.script_compare import assert_same
from tests.fixtures import examples9_keras2_cases as cases

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
ARRAYS = np.load(FIXTURES / "examples9_keras2.npz")
RECORDED = json.loads((FIXTURES / "examples9_keras2.json").read_text())
# what tf.keras 2 computes with float32 transcendental kernels of its own
LOOSE = {"ctc_batch_cost": 1e-4, "ctc_decode_greedy": 1e-4, "ctc_decode_beam_search": 1e-4,
          "resize_images_bilinear": 1e-5}


def flat_values(value):
    """As the fixture tool flattens a case's value: a list of numpy arrays."""
    if isinstance(value, (list, tuple)) and not all(isinstance(v, int) for v in value):
        return [a for v in value for a in flat_values(v)]
    return [np.asarray(value.numpy() if hasattr(value, "numpy") else value)]


def test_every_keras2_backend_name_is_served_and_has_a_case():
    missing = sorted(n for n in set(backend_functions.__all__) if not callable(getattr(K, n, None)))
    assert not missing
    source = pathlib.Path(cases.__file__).read_text()
    untested = {"random_normal", "random_uniform", "truncated_normal", "random_bernoulli",
                "random_normal_variable", "random_uniform_variable", "gradients",
                "name_scope", "ctc_label_dense_to_sparse"}  # tested below: no tf numbers
    no_case = sorted(n for n in set(backend_functions.__all__) - untested if f"K.{n}(" not in source)
    assert not no_case, f"Keras 2 backend functions without a fixture case: {no_case}"


def test_keras3_backend_names_keep_their_keras3_behaviour():
    assert K.epsilon() == 1e-7 and K.floatx() == "float32"
    assert K.image_data_format() == "channels_last"
    assert not K.is_keras_tensor(np.zeros(2)) and K.backend() == "numpy"
    with pytest.raises(AttributeError, match="no attribute 'not_a_function'"):
        K.not_a_function  # noqa: B018


@pytest.mark.parametrize("name", sorted(cases.FUNCTION_CASES))
def test_function_matches_tf_keras2(name):
    values = flat_values(cases.FUNCTION_CASES[name](K))
    described = RECORDED["functions"][name]
    assert len(values) == len(described)
    tolerance = LOOSE.get(name, 1e-6)
    for i, (got, expected) in enumerate(zip(values, described)):
        assert list(got.shape) == expected["shape"], f"{name}[{i}] shape"
        if "value" in expected:
            assert str(got) == expected["value"]
            continue
        assert str(got.dtype) == expected["dtype"], f"{name}[{i}] dtype"
        np.testing.assert_allclose(got, ARRAYS[f"{name}/{i}"], rtol=tolerance, atol=tolerance,
                                   err_msg=f"{name}[{i}]")


def epoch_logs(printed):
    """The ``name: value`` pairs of each epoch's line of a ``verbose=2`` fit."""
    return [dict(re.findall(r"(\w+): ([-\d.e]+)", line))
            for line in printed.splitlines() if " - loss: " in line]


@pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`")  # Keras 3 warns Keras 2 scripts
@pytest.mark.parametrize("name", sorted(cases.SCRIPT_CASES))
def test_keras2_script_matches_tf_keras2(name):
    keras.utils.set_random_seed(0)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        history = cases.SCRIPT_CASES[name](keras)
    expected = RECORDED["scripts"][name]
    assert_same({k: [float(x) for x in v] for k, v in history.items()}, expected["history"],
                tolerance=(2e-4, 1e-5))
    # Keras 3's progress lines, with the numbers tf.keras 2 printed
    assert epoch_logs(printed.getvalue()) == epoch_logs(expected["printed"])
    assert re.search(r"^\d+/\d+ - \d+s - \d+(us|ms|s)/step - \w+: ", printed.getvalue(), re.M)


# ---- without tf numbers: random draws, gradients, bad input ---------------------------------
@pytest.mark.parametrize("draw, check", [
    (lambda: K.random_normal((400, 50), mean=1.0, stddev=2.0, seed=3),
     lambda a: abs(a.mean() - 1.0) < 0.05 and abs(a.std() - 2.0) < 0.05),
    (lambda: K.random_uniform((400, 50), -1.0, 3.0, seed=3),
     lambda a: a.min() >= -1.0 and a.max() < 3.0 and abs(a.mean() - 1.0) < 0.05),
    (lambda: K.truncated_normal((400, 50), stddev=1.0, seed=3),
     lambda a: np.abs(a).max() <= 2.0 and abs(a.std() - 0.88) < 0.02),
    (lambda: K.random_bernoulli((400, 50), p=0.3, seed=3),
     lambda a: set(np.unique(a)) == {0.0, 1.0} and abs(a.mean() - 0.3) < 0.02),
    (lambda: K.random_normal_variable((400, 50), 0.0, 0.5, seed=3),
     lambda a: abs(a.std() - 0.5) < 0.02),
    (lambda: K.random_uniform_variable((400, 50), 0.0, 1.0, seed=3),
     lambda a: 0.0 <= a.min() and a.max() < 1.0),
])
def test_random_draws_follow_their_distribution_and_seed(draw, check):
    first, again = K.get_value(draw()), K.get_value(draw())
    assert first.shape == (400, 50) and first.dtype == np.float32
    assert check(first)
    np.testing.assert_array_equal(first, again)  # the same seed draws the same numbers


def test_random_variables_are_variables():
    assert isinstance(K.random_normal_variable((2, 3), 0.0, 1.0, seed=1), keras.Variable)
    assert isinstance(K.variable([1.0]), keras.Variable) and isinstance(K.zeros((2,)),
                                                                         keras.Variable)


def test_gradients_of_a_loss_computed_from_variables():
    v = K.variable(np.array([1.0, -2.0, 3.0]))
    w = K.variable(np.array([0.5]))
    (dv, dw) = K.gradients(K.sum(K.square(v) * w), [v, w])
    np.testing.assert_allclose(K.get_value(dv), [1.0, -2.0, 3.0])
    np.testing.assert_allclose(K.get_value(dw), [14.0])


def test_set_value_on_the_optimizer_learning_rate():
    optimizer = keras.optimizers.Adam(learning_rate=0.01)
    K.set_value(optimizer.learning_rate, 0.002)
    assert K.get_value(optimizer.learning_rate) == pytest.approx(0.002)


def test_name_scope_prefixes_variable_paths():
    with K.name_scope("block"):
        layer = keras.layers.Dense(2)
        layer.build((None, 3))
    assert layer.kernel.path.startswith("block/")


@pytest.mark.parametrize("call, error, message", [
    (lambda: K.set_value(3.0, 1.0), TypeError, "assigns to a Variable"),
    (lambda: K.gradients(np.ones(2), [K.variable([1.0])]), ValueError, "recorded tensor"),
    (lambda: K.batch_dot(np.ones((2, 3)), np.ones((3, 3))), ValueError, "batch sizes"),
    (lambda: K.batch_dot(np.ones((2, 3)), np.ones((2, 4))), ValueError, r"x.shape\[1\]"),
    (lambda: K.batch_dot(np.ones(3), np.ones(3)), ValueError, "rank < 2"),
    (lambda: K.softmax(np.ones(3)), ValueError, "1D"),
    (lambda: K.repeat(np.ones((2, 3, 4)), 2), ValueError, "rank 2"),
    (lambda: K.switch(np.ones((2, 3)) > 0, np.ones(2), np.zeros(2)), ValueError,
     "Rank of `condition`"),
    (lambda: K.temporal_padding(np.ones((1, 2, 3)), (1, 2, 3)), ValueError, "pairs of ints"),
    (lambda: K.spatial_2d_padding(np.ones((1, 2, 2, 1)), data_format="nchw"), ValueError,
     "Unknown data_format"),
    (lambda: K.pool2d(np.ones((1, 4, 4, 1)), (2, 2), pool_mode="min"), ValueError,
     "Invalid pool_mode"),
    (lambda: K.bias_add(np.ones((2, 3, 4)), np.ones((1, 1, 4))), ValueError,
     "Unexpected bias dimensions"),
    (lambda: K.eye((2, 3)), TypeError, "positive integer"),
    (lambda: K.conv2d_transpose(np.ones((1, 3, 3, 1)), np.ones((2, 2, 1, 1)), (1, 9, 9, 1)),
     ValueError, "not output_shape"),
    (lambda: K.ctc_label_dense_to_sparse(np.ones((2, 3)), np.ones(2)), NotImplementedError,
     "no sparse tensors"),
])
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---- Keras 2's generator methods -----------------------------------------------------------
def _batches():
    rng = np.random.default_rng(1)
    while True:
        x = rng.normal(size=(8, 3)).astype("float32")
        yield x, x.sum(axis=1, keepdims=True)


def _model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, kernel_initializer="ones")])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model


@pytest.mark.filterwarnings("ignore:`shuffle=True` was passed")
def test_generator_methods_run_fit_evaluate_and_predict():
    keras2, keras3 = _model(), _model()
    with pytest.warns(DeprecationWarning, match=r"`Model.fit_generator` is deprecated"):
        history = keras2.fit_generator(_batches(), steps_per_epoch=3, epochs=2, verbose=0,
                                       workers=2, use_multiprocessing=True, max_queue_size=4)
    expected = keras3.fit(_batches(), steps_per_epoch=3, epochs=2, verbose=0)
    assert history.history == expected.history
    with pytest.warns(DeprecationWarning, match=r"use `Model.evaluate`"):
        scores = keras2.evaluate_generator(_batches(), steps=2)
    assert scores == keras3.evaluate(_batches(), steps=2, verbose=0)
    with pytest.warns(DeprecationWarning, match=r"use `Model.predict`"):
        predicted = keras2.predict_generator(_batches(), steps=2)
    np.testing.assert_array_equal(predicted, keras3.predict(_batches(), steps=2, verbose=0))
