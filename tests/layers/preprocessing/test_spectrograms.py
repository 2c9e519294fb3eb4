"""STFTSpectrogram and MelSpectrogram: Keras's kernels, outputs and configs (fixture made by
tools/make_spectrogram_fixture.py), windows and the DFT by hand, training, bad input."""
import json
from pathlib import Path

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.ops.signal import WINDOWS, window_values
from tests.layers.keras_configs import assert_keras_config

E = np.load(Path(__file__).parents[2] / "fixtures" / "keras_spectrograms.npz")


def cases(prefix):
    """{case: constructor arguments}, as the fixture stored them."""
    names = [k[len(prefix) + 1:-len("_kwargs")] for k in E.files
             if k.startswith(prefix + "_") and k.endswith("_kwargs")]
    return {name: json.loads(str(E[f"{prefix}_{name}_kwargs"])) for name in names}


STFT_CASES, MEL_CASES = cases("stft"), cases("mel")


def assert_config(layer, name):
    assert_keras_config(layer, E[f"{name}_config"])


@pytest.mark.parametrize("name", sorted(STFT_CASES))
def test_stft_kernels_outputs_and_config_match_keras(name):
    layer = layers.STFTSpectrogram(**STFT_CASES[name])
    x = E["signal"].transpose(0, 2, 1) if name == "first" else E["signal"]
    out = layer(x).numpy()
    assert [w.name for w in layer.weights] == json.loads(str(E[f"stft_{name}_weights"]))
    for w in layer.weights:
        np.testing.assert_allclose(w.numpy(), E[f"stft_{name}_{w.name}"], atol=1e-6)
    np.testing.assert_allclose(out, E[f"stft_{name}"], rtol=1e-5, atol=1e-5)
    assert tuple(layer.compute_output_shape(x.shape)) == out.shape
    assert_config(layer, f"stft_{name}")


def test_stft_by_hand_is_the_windowed_dft():
    signal = np.random.default_rng(1).standard_normal((1, 16, 1)).astype("float32")
    layer = layers.STFTSpectrogram(mode="stft", frame_length=8, frame_step=8, window="hann",
                                   periodic=True, scaling=None)
    out = layer(signal).numpy()[0]                          # (frames, 2 * bins)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(8) / 8)
    for f in range(2):
        spectrum = np.fft.rfft(signal[0, 8 * f:8 * f + 8, 0] * window)
        np.testing.assert_allclose(out[f], np.concatenate([spectrum.real, spectrum.imag]),
                                   atol=1e-5)


def test_windows_match_their_formulas_and_scipy():
    np.testing.assert_allclose(window_values("hann", 5, False), [0, 0.5, 1, 0.5, 0],
                               atol=1e-12)
    np.testing.assert_allclose(window_values("hann", 4, True), [0, 0.5, 1, 0.5], atol=1e-12)
    np.testing.assert_allclose(window_values("bartlett", 5, False), [0, 0.5, 1, 0.5, 0])
    np.testing.assert_allclose(window_values("hamming", 3, False), [0.08, 1, 0.08])
    np.testing.assert_allclose(window_values("boxcar", 3, True), [1, 1, 1])
    stored = [k for k in E.files if k.startswith("window_")]
    assert len(stored) == len(WINDOWS) * 6
    for key in stored:     # window_<name>_<length>_<periodic>, from scipy.signal.get_window
        name, length, periodic = key[len("window_"):].rsplit("_", 2)
        np.testing.assert_allclose(window_values(name, int(length), periodic == "1"), E[key],
                                   atol=1e-12, err_msg=key)


def test_stft_kernels_train_and_gradients_flow():
    model = keras.Sequential([keras.Input((32, 1)),
                              layers.STFTSpectrogram(mode="magnitude", frame_length=8),
                              layers.GlobalAveragePooling1D(), layers.Dense(1)])
    model.compile("adam", "mse")
    x = np.random.default_rng(2).standard_normal((16, 32, 1)).astype("float32")
    before = model.layers[0].real_kernel.numpy().copy()
    history = model.fit(x, x.std(axis=(1, 2))[:, None], epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert not np.allclose(model.layers[0].real_kernel.numpy(), before)


@pytest.mark.parametrize("name", sorted(MEL_CASES))
def test_mel_spectrogram_matches_keras(name):
    layer = layers.MelSpectrogram(**MEL_CASES[name])
    out = layer(E["audio"]).numpy()
    np.testing.assert_allclose(out, E[f"mel_{name}"], rtol=1e-5, atol=1e-4)
    assert tuple(layer.compute_output_shape(E["audio"].shape)) == out.shape
    assert_config(layer, f"mel_{name}")


def test_mel_spectrogram_of_one_clip_and_in_a_model():
    layer = layers.MelSpectrogram(**MEL_CASES["db"])
    np.testing.assert_allclose(layer(E["audio"][0]).numpy(), E["mel_single"], rtol=1e-5,
                               atol=1e-4)
    model = keras.Sequential([keras.Input((300,)), layers.MelSpectrogram(**MEL_CASES["db"])])
    np.testing.assert_allclose(model.predict(E["audio"], verbose=0), E["mel_db"], rtol=1e-5,
                               atol=1e-4)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"`frame_step` should be a positive integer not "
                                         r"greater than `frame_length`.*frame_step=9"):
        layers.STFTSpectrogram(frame_length=8, frame_step=9)
    with pytest.raises(ValueError, match=r"`fft_length` should be not less than"):
        layers.STFTSpectrogram(frame_length=8, fft_length=4)
    with pytest.warns(UserWarning, match="power of two"):
        layers.STFTSpectrogram(frame_length=8, fft_length=12)
    with pytest.raises(ValueError, match=r"Output mode is invalid.*mode='power'"):
        layers.STFTSpectrogram(mode="power")
    with pytest.raises(ValueError, match=r"Scaling is invalid.*'unit'"):
        layers.STFTSpectrogram(scaling="unit")
    with pytest.raises(ValueError, match=r"Padding is invalid.*'causal'"):
        layers.STFTSpectrogram(padding="causal")
    with pytest.raises(ValueError, match=r"Unknown window 'kaiser'"):
        layers.STFTSpectrogram(window="kaiser")
    with pytest.raises(ValueError, match=r"shape of `window` must be equal to "
                                         r"\[frame_length\]=8"):
        layers.STFTSpectrogram(frame_length=8, window=[1.0, 2.0])
    with pytest.raises(TypeError, match="Invalid input type"):
        layers.STFTSpectrogram(frame_length=4)(np.ones((1, 8, 1), "int32"))
    with pytest.raises(ValueError, match="expected ndim=3"):
        layers.STFTSpectrogram(frame_length=4)(np.ones((1, 8), "float32"))
    with pytest.raises(ValueError, match=r"`fft_length` must be greater than or equal"):
        layers.MelSpectrogram(fft_length=32, sequence_length=64)
    with pytest.raises(ValueError, match=r"must be one of `\"hann\"`, `\"hamming\"`"):
        layers.MelSpectrogram(window="blackman")
    with pytest.raises(ValueError, match=r"`num_mel_bins` must be a positive integer"):
        layers.MelSpectrogram(num_mel_bins=0)
    with pytest.raises(ValueError, match=r"expects audio of shape \(batch, samples\)"):
        layers.MelSpectrogram(fft_length=8, sequence_stride=4)(np.ones((1, 2, 16), "float32"))
