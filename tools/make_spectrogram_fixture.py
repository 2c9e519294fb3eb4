"""Make tests/fixtures/keras_spectrograms.npz with real Keras 3: STFTSpectrogram in every
mode and layout (kernels, outputs, configs) and MelSpectrogram (outputs, config); each
case's constructor arguments are stored with it (``<case>_kwargs``) for the tests; and
scipy.signal's windows by name (``window_<name>_<length>_<periodic>``).

Run once, outside the project's environment:
    KERAS_BACKEND=numpy /work/scratch-keras/bin/python tools/make_spectrogram_fixture.py
"""
import json
import os

import keras
import numpy as np
import scipy.signal

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures")
rng = np.random.default_rng(0)
E = {"signal": rng.standard_normal((2, 40, 2)).astype("float32"),
     "audio": rng.standard_normal((2, 300)).astype("float32")}


def config(name, layer):
    cfg = layer.get_config()
    cfg.pop("name"), cfg.pop("dtype")
    E[f"{name}_config"] = np.array(json.dumps(cfg))


CASES = {
    "log": dict(frame_length=8, frame_step=3, fft_length=16),
    "magnitude_same": dict(mode="magnitude", frame_length=8, frame_step=3, padding="same"),
    "psd": dict(mode="psd", frame_length=8, window="hamming", periodic=True,
                scaling="spectrum"),
    "real": dict(mode="real", frame_length=6, frame_step=2, expand_dims=True),
    "imag": dict(mode="imag", frame_length=6, frame_step=2, window=None, scaling=None),
    "angle": dict(mode="angle", frame_length=8, window="blackman"),
    "stft": dict(mode="stft", frame_length=8, frame_step=4, fft_length=8,
                 window="bartlett", expand_dims=True),
    "first": dict(frame_length=8, frame_step=3, data_format="channels_first"),
}
for name, kwargs in CASES.items():
    E[f"stft_{name}_kwargs"] = np.array(json.dumps(kwargs))
    layer = keras.layers.STFTSpectrogram(**kwargs)
    x = E["signal"].transpose(0, 2, 1) if name == "first" else E["signal"]
    E[f"stft_{name}"] = keras.ops.convert_to_numpy(layer(x))
    E[f"stft_{name}_weights"] = np.array(json.dumps([w.name for w in layer.weights]))
    for w in layer.weights:
        E[f"stft_{name}_{w.name}"] = keras.ops.convert_to_numpy(w.value)
    config(f"stft_{name}", layer)

MEL = {"db": dict(fft_length=64, sequence_stride=16, num_mel_bins=10, sampling_rate=8000),
       "power": dict(fft_length=64, sequence_stride=20, sequence_length=48, window="hamming",
                     num_mel_bins=6, sampling_rate=4000, min_freq=100.0, max_freq=1500,
                     power_to_db=False, mag_exp=1.0),
       "ref": dict(fft_length=32, sequence_stride=8, num_mel_bins=5, top_db=20.0,
                   ref_power=2.0, min_power=1e-3)}
for name, kwargs in MEL.items():
    E[f"mel_{name}_kwargs"] = np.array(json.dumps(kwargs))
    layer = keras.layers.MelSpectrogram(**kwargs)
    E[f"mel_{name}"] = keras.ops.convert_to_numpy(layer(E["audio"]))
    config(f"mel_{name}", layer)
E["mel_single"] = keras.ops.convert_to_numpy(keras.layers.MelSpectrogram(**MEL["db"])(
    E["audio"][0]))
# scipy's windows, as Keras's STFT initializer reads them
for name in ("hann", "hamming", "blackman", "nuttall", "blackmanharris", "flattop", "boxcar",
             "triang", "bohman", "barthann", "bartlett", "cosine"):
    for length in (1, 6, 7):
        for periodic in (False, True):
            E[f"window_{name}_{length}_{int(periodic)}"] = scipy.signal.get_window(
                name, length, fftbins=periodic)
np.savez(os.path.join(OUT, "keras_spectrograms.npz"), **E)
print("wrote", len(E), "arrays")
