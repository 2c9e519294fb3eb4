"""Models on odd inputs, as Keras 3.15 (round 20's edge-shape sweep,
tests/compat/test_script_fidelity_examples20_edgeshapes.py): a dict of inputs with a key
the model does not name is taken without it, with Keras's structure warning; a batch of 0
samples given to train_on_batch is refused (Keras fails on a mean over no samples)."""
import warnings

import numpy as np
import pytest

import minikeras as keras


def dict_model():
    a, b = keras.Input((2,), name="a"), keras.Input((1,), name="b")
    out = keras.layers.Dense(1, kernel_initializer="ones")(keras.layers.Concatenate()([a, b]))
    model = keras.Model({"a": a, "b": b}, out)
    model.compile(optimizer="sgd", loss="mse")
    return model


EXTRA = {"a": np.ones((2, 2), "float32"), "b": np.full((2, 1), 0.5, "float32"),
         "c": np.full((2, 1), 0.5, "float32")}
WARNING = ("The structure of `inputs` doesn't match the expected structure.\n"
           "Expected: {'a': 'a', 'b': 'b'}\n"
           "Received: inputs={'a': 'Tensor(shape=(2, 2))', 'b': 'Tensor(shape=(2, 1))', "
           "'c': 'Tensor(shape=(2, 1))'}")


@pytest.mark.parametrize("run", [
    lambda m: m.predict(EXTRA, verbose=0), lambda m: m(EXTRA),
    lambda m: m.fit(EXTRA, np.ones((2, 1), "float32"), epochs=1, verbose=0)])
def test_an_extra_input_key_is_left_out_with_keras_warning(run):
    model = dict_model()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = run(model)
    assert {str(w.message) for w in caught if w.category is UserWarning} == {WARNING}
    if not isinstance(out, keras.callbacks.History):  # 1*1 + 1*1 + 0.5: a and b only
        assert np.asarray(out).tolist() == [[2.5], [2.5]]


def test_train_on_batch_refuses_zero_samples():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="0 samples"):
        model.train_on_batch(np.zeros((0, 3), "float32"), np.zeros((0, 1), "float32"))
