"""keras.config toggles (flash attention, traceback filtering, NNX, set_backend) and
keras.backend.is_keras_tensor. Expected values: Keras 3.15's config functions (flash
attention enabled is None, disabled is False; traceback filtering on by default; NNX off)."""
import os
import traceback

import numpy as np
import pytest

import minikeras as keras


def test_flash_attention_states_are_keras_values():
    assert keras.config.is_flash_attention_enabled() is None  # Keras's default
    try:
        keras.config.disable_flash_attention()
        assert keras.config.is_flash_attention_enabled() is False
        keras.config.enable_flash_attention()
        assert keras.config.is_flash_attention_enabled() is None
    finally:
        keras.config.enable_flash_attention()


def test_flash_attention_forced_on_raises_on_the_cpu():
    q = np.ones((1, 2, 1, 4), "float32")
    with pytest.raises(ValueError, match="[Ff]lash attention is not supported"):
        keras.ops.dot_product_attention(q, q, q, flash_attention=True)
    # enabled globally (None) still computes: uniform weights over two equal keys -> v
    out = keras.ops.dot_product_attention(q, q, q * 3.0,
                                          flash_attention=keras.config.is_flash_attention_enabled())
    np.testing.assert_allclose(np.asarray(out), 3.0 * q)


def _failing_fit():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(loss="mse")
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 1), "float32"), verbose=0)


def _frames(error):
    return [f.filename for f in traceback.extract_tb(error.__traceback__)]


def test_traceback_filtering_hides_internal_frames_of_fit():
    package = os.path.dirname(keras.__file__)
    assert keras.config.is_traceback_filtering_enabled() is True
    with pytest.raises(ValueError) as caught:
        _failing_fit()
    # left: the test's frames and the re-raise in the filter itself (Keras's traceback shows
    # its error_handler the same way)
    internal = {f for f in _frames(caught.value) if f.startswith(package)}
    assert internal == {keras.config.__file__}, _frames(caught.value)
    try:
        keras.config.disable_traceback_filtering()
        assert keras.config.is_traceback_filtering_enabled() is False
        with pytest.raises(ValueError) as caught:
            _failing_fit()
        assert any(f.startswith(package) for f in _frames(caught.value))
    finally:
        keras.config.enable_traceback_filtering()


def test_nnx_is_off_without_jax():
    assert keras.config.is_nnx_enabled() is False


def test_set_backend_numpy_keeps_objects_usable(monkeypatch):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    layer = keras.layers.Dense(2, kernel_initializer="ones")
    keras.config.set_backend("numpy")
    assert os.environ["KERAS_BACKEND"] == "numpy" and keras.config.backend() == "numpy"
    np.testing.assert_allclose(np.asarray(layer(np.ones((1, 3), "float32"))), [[3.0, 3.0]])


@pytest.mark.parametrize("name,match", [("jax", "numpy only.*'jax'"),
                                        ("torch", "numpy only.*'torch'"),
                                        ("cupy", "Available backends.*Received: backend='cupy'")])
def test_set_backend_rejects_other_backends(name, match, monkeypatch):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    with pytest.raises(ValueError, match=match):
        keras.config.set_backend(name)
    assert "KERAS_BACKEND" not in os.environ


def test_backend_is_keras_tensor():
    x = keras.Input((3,))
    y = keras.layers.Dense(2)(x)
    assert keras.backend.is_keras_tensor(x) and keras.backend.is_keras_tensor(y)
    assert keras.utils.is_keras_tensor is keras.backend.is_keras_tensor
    for concrete in (np.ones(3), keras.ops.ones((3,)), keras.Variable(np.ones(2)), 1.0, None):
        assert keras.backend.is_keras_tensor(concrete) is False
