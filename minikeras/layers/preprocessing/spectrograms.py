"""Audio spectrograms: STFTSpectrogram (a trainable convolution whose kernels start as the
windowed Fourier basis) and MelSpectrogram (a fixed log-mel front end), as Keras 3
computes them."""
import math
import warnings

import numpy as np

from ... import backend, ops
from ...autodiff.tensor import Tensor
from ...ops.convolution import standardize_data_format
from ...initializers.stft import STFT, window_array
from ..layer import LAYERS, InputSpec, Layer

STFT_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


@LAYERS.register("STFTSpectrogram")
class STFTSpectrogram(Layer):
    """The short-time Fourier transform of each channel of (batch, time, channels) signals
    ((batch, channels, time) with ``data_format="channels_first"``), as a strided 1-D
    convolution with the trainable kernels ``real_kernel`` / ``imag_kernel`` (frame_length,
    1, fft_length // 2 + 1), initialized to the windowed DFT basis (``keras.initializers.STFT``).

    With re, im the two convolutions and p = re² + im²: mode "real" / "imag" gives re / im,
    "angle" atan2(im, re), "stft" both (concatenated on the frequency axis), "psd" p with the
    interior frequencies doubled, "magnitude" sqrt(max(p, eps)) and "log" (default)
    log(max(sqrt(max(p, eps)), eps)). Output (batch, frames, channels * bins), or with
    ``expand_dims`` (batch, frames, bins, channels).

    Args:
        mode: one of STFT_MODES. frame_length: the window's length (256).
        frame_step: the hop (frame_length // 2). fft_length: the DFT size, at least
            frame_length (the next power of two).
        window: "hann" (default) or another name in ``ops.signal.WINDOWS`` (scipy's
            parameterless windows), an array of frame_length values, or None. periodic:
            the DFT-even window (False).
        scaling: "density" (default), "spectrum" or None. padding: "valid" or "same".
        expand_dims: keep channels on their own axis (False).
    """

    def __init__(self, mode="log", frame_length=256, frame_step=None, fft_length=None,
                 window="hann", periodic=False, scaling="density", padding="valid",
                 expand_dims=False, data_format=None, **kwargs):
        if isinstance(frame_length, bool) or not isinstance(frame_length, int) or \
                frame_length < 1:
            raise ValueError("`frame_length` should be a positive integer. Received: "
                             f"frame_length={frame_length!r}")
        if frame_step is not None and (isinstance(frame_step, bool) or not isinstance(
                frame_step, int) or not 1 <= frame_step <= frame_length):
            raise ValueError("`frame_step` should be a positive integer not greater than "
                             f"`frame_length`. Received frame_step={frame_step!r}, "
                             f"frame_length={frame_length}")
        if fft_length is not None and (not isinstance(fft_length, int) or
                                       fft_length < frame_length):
            raise ValueError("`fft_length` should be not less than `frame_length`. "
                             f"Received fft_length={fft_length!r}, frame_length={frame_length}")
        if fft_length is not None and (fft_length & -fft_length) != fft_length:
            warnings.warn(f"`fft_length` is recommended to be a power of two. Received "
                          f"fft_length={fft_length}", stacklevel=2)
        if mode not in STFT_MODES:
            raise ValueError(f"Output mode is invalid, it must be one of {', '.join(STFT_MODES)}"
                             f". Received: mode={mode!r}")
        if scaling not in ("density", "spectrum", None):
            raise ValueError("Scaling is invalid, it must be `None`, 'density' or 'spectrum'. "
                             f"Received scaling={scaling!r}")
        if padding not in ("valid", "same"):
            raise ValueError(f"Padding is invalid, it should be 'valid', 'same'. Received: "
                             f"padding={padding!r}")
        if window is not None:
            window_array(window, frame_length, periodic, "frame_length")
        super().__init__(**kwargs)
        self.mode, self.frame_length, self.frame_step = mode, frame_length, frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window = list(window) if isinstance(window, (tuple, np.ndarray)) else window
        self.periodic, self.scaling, self.padding = bool(periodic), scaling, padding
        self.expand_dims = bool(expand_dims)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        for side in ("real", "imag"):
            if self.mode != {"real": "imag", "imag": "real"}[side]:
                setattr(self, f"{side}_kernel", self.add_weight(
                    shape=shape, name=f"{side}_kernel", initializer=STFT(
                        side, self.window, self.scaling, self.periodic)))

    def _convolve(self, signals, kernel):
        """(batch, channels, bins, frames) from the signals and one kernel."""
        if self.data_format == "channels_last":
            batch, steps, channels = signals.shape
            flat = ops.reshape(ops.transpose(signals, (0, 2, 1)), (-1, steps, 1))
        else:
            batch, channels, steps = signals.shape
            flat = ops.reshape(signals, (-1, 1, steps))
        out = ops.conv(flat, ops.cast(kernel, signals.dtype), strides=self._frame_step,
                       padding=self.padding, data_format=self.data_format)
        if self.data_format == "channels_last":
            out = ops.transpose(out, (0, 2, 1))                  # (batch * channels, bins, T)
        return ops.reshape(out, (-1, channels) + tuple(out.shape[1:]))

    def _layout(self, outputs):
        """(batch, channels, bins, frames) to the output layout."""
        batch, channels, bins, frames = outputs.shape
        if self.expand_dims:
            order = (0, 3, 2, 1) if self.data_format == "channels_last" else (0, 1, 3, 2)
            return ops.transpose(outputs, order)
        flat = ops.reshape(outputs, (-1, channels * bins, frames))
        return ops.transpose(flat, (0, 2, 1)) if self.data_format == "channels_last" else flat

    def call(self, inputs):
        if inputs.dtype.kind != "f":
            raise TypeError("Invalid input type. Expected `float16`, `float32` or `float64`. "
                            f"Received: input type={inputs.dtype}")
        re = None if self.mode == "imag" else self._convolve(inputs, self.real_kernel)
        im = None if self.mode == "real" else self._convolve(inputs, self.imag_kernel)
        if self.mode in ("real", "imag"):
            return self._layout(re if self.mode == "real" else im)
        if self.mode == "angle":
            return self._layout(ops.arctan2(im, re))
        if self.mode == "stft":
            return self._layout(ops.concatenate([re, im], axis=2))
        power = ops.add(ops.square(re), ops.square(im))
        if self.mode == "psd":   # one-sided spectrum: the interior bins count twice
            return self._layout(ops.add(power, ops.pad(
                power[:, :, 1:-1, :], [(0, 0), (0, 0), (1, 1), (0, 0)])))
        eps = backend.epsilon()
        magnitude = self._layout(ops.sqrt(ops.maximum(power, eps)))
        return magnitude if self.mode == "magnitude" else ops.log(ops.maximum(magnitude, eps))

    def compute_output_shape(self, input_shape):
        last = self.data_format == "channels_last"
        batch, steps, channels = (input_shape if last else
                                  (input_shape[0], input_shape[2], input_shape[1]))
        bins = (self._fft_length // 2 + 1) * (2 if self.mode == "stft" else 1)
        if steps is None:
            frames = None
        elif self.padding == "same":
            frames = -(-steps // self._frame_step)
        else:
            frames = (steps - self.frame_length) // self._frame_step + 1
        if self.expand_dims:
            return (batch, frames, bins, channels) if last else (batch, channels, frames, bins)
        width = None if channels is None else channels * bins
        return (batch, frames, width) if last else (batch, width, frames)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "frame_length": self.frame_length,
                "frame_step": self.frame_step, "fft_length": self.fft_length,
                "window": self.window, "periodic": self.periodic, "scaling": self.scaling,
                "padding": self.padding, "data_format": self.data_format,
                "expand_dims": self.expand_dims}


_MEL_BREAK_HZ, _MEL_HIGH_Q = 700.0, 1127.0


def hertz_to_mel(hertz):
    return _MEL_HIGH_Q * np.log(1.0 + hertz / _MEL_BREAK_HZ)


def linear_to_mel_weight_matrix(num_mel_bins, num_spectrogram_bins, sampling_rate,
                                lower_edge_hertz, upper_edge_hertz, dtype="float32"):
    """(num_spectrogram_bins, num_mel_bins) triangular filters evenly spaced on the mel
    scale between the edges; the DC bin gets no weight (TensorFlow's and Keras's rule)."""
    f32 = np.dtype(dtype).type
    frequencies = np.linspace(f32(0), f32(sampling_rate) / f32(2), num_spectrogram_bins,
                              dtype=dtype)[1:]
    bins_mel = hertz_to_mel(frequencies)[:, None]
    edges = np.linspace(hertz_to_mel(f32(lower_edge_hertz)), hertz_to_mel(
        f32(upper_edge_hertz)), num_mel_bins + 2, dtype=dtype)
    lower, center, upper = edges[:-2][None], edges[1:-1][None], edges[2:][None]
    rising = (bins_mel - lower) / (center - lower)
    falling = (upper - bins_mel) / (upper - center)
    weights = np.maximum(f32(0), np.minimum(rising, falling))
    return np.pad(weights, [(1, 0), (0, 0)]).astype(dtype)


@LAYERS.register("MelSpectrogram")
class MelSpectrogram(Layer):
    """The mel spectrogram of audio (batch, samples) or (samples,) → (batch, num_mel_bins,
    frames), as Keras 3 computes it:

        frames: the signal reflect-padded by fft_length // 2 on both sides, cut every
                ``sequence_stride`` samples into ``sequence_length`` ones, windowed (the
                periodic window, zero-padded to fft_length in the middle)
        s = |rfft(frame)| ** mag_exp                  # (batch, frames, fft_length // 2 + 1)
        mel = s @ linear_to_mel_weight_matrix(...)
        with power_to_db: db = 10 log10(max(mel, min_power)) - 10 log10(max(|ref_power|,
                min_power)), floored at (its maximum over the whole batch) - top_db

    Args: as Keras's (fft_length=2048, sequence_stride=512, sequence_length=None (=
        fft_length), window="hann" ("hamming", an array, or None), sampling_rate=16000,
        num_mel_bins=128, min_freq=20.0, max_freq=None (sampling_rate / 2),
        power_to_db=True, top_db=80.0, mag_exp=2.0, min_power=1e-10, ref_power=1.0).
    """

    def __init__(self, fft_length=2048, sequence_stride=512, sequence_length=None,
                 window="hann", sampling_rate=16000, num_mel_bins=128, min_freq=20.0,
                 max_freq=None, power_to_db=True, top_db=80.0, mag_exp=2.0, min_power=1e-10,
                 ref_power=1.0, **kwargs):
        for name, value in (("fft_length", fft_length), ("sequence_stride", sequence_stride),
                            ("sampling_rate", sampling_rate), ("num_mel_bins", num_mel_bins)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"`{name}` must be a positive integer. Received: "
                                 f"{name}={value!r}")
        self.fft_length, self.sequence_stride = fft_length, sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError("`fft_length` must be greater than or equal to `sequence_length`."
                             f" Received: `sequence_length`={self.sequence_length}, "
                             f"`fft_length`={self.fft_length}.")
        if isinstance(window, str) and window not in ("hann", "hamming"):
            raise ValueError('If a string is passed to `window`, it must be one of `"hann"`, '
                             f'`"hamming"`. Received: window={window!r}')
        if window is not None:
            window_array(window, self.sequence_length, True, "sequence_length")
        super().__init__(**kwargs)
        self.window = list(window) if isinstance(window, (tuple, np.ndarray)) else window
        self.sampling_rate, self.num_mel_bins = sampling_rate, num_mel_bins
        self.min_freq, self.max_freq = min_freq, max_freq or int(sampling_rate / 2)
        self.power_to_db, self.top_db, self.mag_exp = bool(power_to_db), top_db, mag_exp
        self.min_power, self.ref_power = min_power, ref_power

    def _spectrogram(self, audio):
        """|STFT| ** mag_exp, (batch, frames, fft_length // 2 + 1), from numpy audio."""
        window = None if self.window is None else np.asarray(
            self.window if not isinstance(self.window, str)
            else window_array(self.window, self.sequence_length, True, "sequence_length"),
            audio.dtype)
        real, imag = ops.stft(audio, self.sequence_length, self.sequence_stride,
                              self.fft_length, window=window, center=True)
        return np.hypot(real.numpy(), imag.numpy()) ** self.mag_exp

    def call(self, inputs):
        dtype = self.dtype if self.dtype in ("float32", "float64") else "float32"
        audio = np.asarray(inputs.data if isinstance(inputs, Tensor) else inputs, dtype)
        if audio.ndim not in (1, 2):
            raise ValueError(f"Layer '{self.name}' (MelSpectrogram) expects audio of shape "
                             f"(batch, samples) or (samples,). Received: shape {audio.shape}")
        single = audio.ndim == 1
        spectrum = self._spectrogram(audio[None] if single else audio)
        mel = spectrum @ linear_to_mel_weight_matrix(
            self.num_mel_bins, spectrum.shape[-1], self.sampling_rate, self.min_freq,
            self.max_freq, dtype)                                   # (batch, frames, mels)
        if self.power_to_db:
            mel = 10.0 * np.log10(np.maximum(mel, self.min_power))
            mel = mel - 10.0 * np.log10(np.maximum(abs(self.ref_power), self.min_power))
            mel = np.maximum(mel, mel.max() - self.top_db)
        out = np.swapaxes(mel, -1, -2).astype(self.dtype)
        return Tensor(out[0] if single else out)

    def compute_output_shape(self, input_shape):
        steps = input_shape[-1]
        frames = None if steps is None else (steps + self.sequence_stride + 1) // \
            self.sequence_stride
        return tuple(input_shape[:-1]) + (self.num_mel_bins, frames)

    def get_config(self):
        return {**super().get_config(), "fft_length": self.fft_length,
                "sequence_stride": self.sequence_stride,
                "sequence_length": self.sequence_length, "window": self.window,
                "sampling_rate": self.sampling_rate, "num_mel_bins": self.num_mel_bins,
                "min_freq": self.min_freq, "max_freq": self.max_freq,
                "power_to_db": self.power_to_db, "top_db": self.top_db,
                "mag_exp": self.mag_exp, "min_power": self.min_power,
                "ref_power": self.ref_power}
