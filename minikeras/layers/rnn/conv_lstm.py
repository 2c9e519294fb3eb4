"""ConvLSTM1D, ConvLSTM2D, ConvLSTM3D and their cell: an LSTM whose products are convolutions.

The layers are RNNs over (batch, time, *spatial, channels) inputs (or
(batch, time, channels, *spatial) with ``data_format="channels_first"``): RNN's loop
steps the cell, whose math runs in channels_last. Each timestep convolves its own frame:
one convolution over all (batch * time) frames, sliced per step, measured 25-35% slower
to train (ConvLSTM2D(16) on 10 frames of 16x16, batch 32), because the backward pass of
each per-step slice of the (batch, time, ..., 4 * filters) result is a full-size array.
"""
import inspect

import numpy as np

from ... import activations, random
from ...autodiff import conv as C
from ...autodiff import primitives as P
from ...ops.convolution import from_channels_last, to_channels_last
from ..convolutional import _positive_int, _Windowed, spatial_dims, with_spatial
from ..layer import LAYERS, InputSpec
from ..weight_options import add_weight_with_options, set_weight_options, weight_options_config
from .cell import DropoutRNNCell
from .lstm import _ForgetBiasOnes
from .rnn import RNN, config_with_cell_options

_GATES = 4  # i, f, c, o: the gate blocks of the kernels' last axis, in Keras's order
_WEIGHTS = ("kernel", "recurrent", "bias")
_RANKS = {1: ("rows",), 2: ("rows", "cols"), 3: ("depth", "rows", "cols")}  # spatial axes


def _check_strides_and_dilation(rank, strides, dilation_rate):
    """ConvLSTM's refusal of strides and dilation both above 1, in its Keras words."""
    strides = C.normalize_tuple(strides, rank, "strides")
    dilation_rate = C.normalize_tuple(dilation_rate, rank, "dilation_rate")
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError(
            "Specifying `strides > 1` is not compatible with `dilation_rate > 1`. Please "
            f"provide `strides=1` or `dilation_rate=1`. Received: strides={strides} and "
            f"dilation_rate={dilation_rate}")


class ConvLSTMCell(DropoutRNNCell, _Windowed):
    """One timestep of a convolutional LSTM (Shi et al., 2015), as Keras 3 computes it.

    Formula (``*`` a convolution, σ = recurrent_activation, tanh = activation)::

        a = (x_t * kernel + bias) + (h_{t-1} * recurrent_kernel)      # (batch, *out, 4F)
        i, f, o = σ(a_i), σ(a_f), σ(a_o);  g = tanh(a_c)
        c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)

    The input convolution takes the layer's ``strides``, ``padding`` and ``dilation_rate``;
    the recurrent one always has strides 1, padding ``"same"`` and no dilation, so the
    states keep the output's spatial size. Weights: ``kernel`` (*kernel_size, channels,
    4F), ``recurrent_kernel`` (*kernel_size, F, 4F), ``bias`` (4F,), the gates in the
    order i, f, c, o along the last axis; ``unit_forget_bias`` starts the forget gate's
    bias at one. ``dropout`` and ``recurrent_dropout`` draw one mask per gate (as Keras
    does), once per sequence. States: ``[h, c]``, both shaped like one output step.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if rank not in _RANKS:
            raise ValueError(f"ConvLSTM cells have rank 1, 2 or 3. Received: rank={rank!r}")
        if isinstance(padding, str) and padding.lower() == "causal":
            raise ValueError("ConvLSTM layers take padding 'valid' or 'same' (as Keras's do); "
                             "received padding='causal'.")
        self.rank = rank
        self.filters = _positive_int(type(self).__name__, "filters", filters)
        _check_strides_and_dilation(rank, strides, dilation_rate)
        self._init_window(kernel_size, strides, padding, data_format, dilation_rate, activation,
                          use_bias, allow_causal=False)
        self.recurrent_activation = activations.get(recurrent_activation)
        arguments = locals()  # the nine <weight>_<kind> options, resolved by their family
        set_weight_options(self, **{f"{w}_{kind}": arguments[f"{w}_{kind}"] for w in _WEIGHTS
                                    for kind in ("initializer", "regularizer", "constraint")})
        self.unit_forget_bias = bool(unit_forget_bias)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.state_size = [self.filters, self.filters]  # channels of h and of c
        self.output_size = self.filters

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.spatial_dims = spatial_dims(input_shape, self.data_format)
        if None in self.spatial_dims:
            raise ValueError(
                f"ConvLSTM layers need static spatial sizes (the states are built for them). "
                f"Received a timestep of shape {tuple(input_shape)}.")
        self.input_dim = channels
        self.compute_output_shape(input_shape)  # raises for a non-positive output size
        gates = _GATES * self.filters
        self.kernel = add_weight_with_options(self, "kernel",
                                              self.kernel_size + (channels, gates))
        self.recurrent_kernel = add_weight_with_options(
            self, "recurrent_kernel", self.kernel_size + (self.filters, gates), "recurrent")
        self.bias = None
        if self.use_bias:
            initializer = self.bias_initializer
            if self.unit_forget_bias:
                initializer = _ForgetBiasOnes(initializer, self.filters)
            self.bias = self.add_weight(shape=(gates,), name="bias", initializer=initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        # a timestep must keep the spatial sizes and channels the states were built for
        step = (None,) + tuple(input_shape[1:])
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    axes={k: n for k, n in enumerate(step) if k})

    # ---- the math (channels_last inside) ------------------------------------------------
    def call(self, inputs, states, training=None):
        """One timestep: inputs (batch, *spatial, channels) -> (h, [h, c])."""
        x = to_channels_last(inputs, self.data_format)
        h, c = (to_channels_last(s, self.data_format) for s in states)
        h, (h, c) = self.step(x, [h, c], *self.step_dropout_masks(x, h, training))
        h, c = (from_channels_last(s, self.data_format) for s in (h, c))
        return h, [h, c]

    def step(self, x, states, dropout_masks=None, recurrent_dropout_masks=None):
        """One timestep in channels_last: x (batch, *spatial, channels), states [h, c] of
        (batch, *out, F). The dropout masks (4, *shape) hold one mask per gate."""
        h, c = states
        a = P.add(_gate_convolutions(x, self.kernel, self.bias, dropout_masks, self.strides,
                                     self.padding, self.dilation_rate),
                  _gate_convolutions(h, self.recurrent_kernel, None, recurrent_dropout_masks,
                                     1, "same", 1))                   # (batch, *out, 4F)
        i, f, g, o = (P.getitem(a, _gate(k, self.filters)) for k in range(_GATES))
        i, f, o = (self.recurrent_activation(z) for z in (i, f, o))
        c = P.add(P.multiply(f, c), P.multiply(i, self.activation(g)))
        h = P.multiply(o, self.activation(c))
        return h, [h, c]

    def _keep_mask(self, shape, rate, dtype):
        # one dropout mask per gate, as Keras draws them for ConvLSTM
        return super()._keep_mask((_GATES,) + tuple(shape), rate, dtype)

    # ---- shapes and config ----------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        out = self._output_shape(input_shape, self.filters)
        return out, [out, out]

    def get_initial_state(self, batch_size=None):
        step = with_spatial((batch_size,), self.spatial_dims, self.input_dim, self.data_format)
        shape = self.compute_output_shape(step)[0]
        return [np.zeros(shape, self.dtype), np.zeros(shape, self.dtype)]

    def get_config(self):
        config = {"filters": self.filters, **self._window_config(
                      recurrent_activation=activations.serialize(self.recurrent_activation)),
                  "unit_forget_bias": self.unit_forget_bias,
                  **weight_options_config(self, *_WEIGHTS), "dropout": self.dropout,
                  "recurrent_dropout": self.recurrent_dropout, "seed": self.seed}
        return {**super().get_config(), **config}


def _gate(k, filters):
    """The index of gate k's block on the last axis."""
    return (Ellipsis, slice(k * filters, (k + 1) * filters))


def _gate_convolutions(x, kernel, bias, masks, strides, padding, dilation_rate):
    """conv(x, kernel) + bias for all four gates: one convolution, or with per-gate dropout
    ``masks`` (4, *x.shape) one convolution per gate on its own masked copy of x."""
    if masks is None:
        return P.conv(x, kernel, bias, strides, padding, dilation_rate)
    filters = kernel.shape[-1] // _GATES
    return P.concatenate([
        P.conv(P.multiply(x, mask), P.getitem(kernel, _gate(k, filters)),
               None if bias is None else P.getitem(bias, _gate(k, filters)), strides, padding,
               dilation_rate)
        for k, mask in enumerate(masks)], axis=-1)


# the cell's options (filters ... seed): the layer takes them too and reads them back
_CELL_OPTIONS = tuple(inspect.signature(ConvLSTMCell.__init__).parameters)[2:-1]


class ConvLSTM(RNN):
    """The convolutional LSTM layers' shared body: an RNN over ConvLSTMCell (``rank`` 1-3).

    Takes the cell's options (``filters``, ``kernel_size``, ``strides=1``,
    ``padding="valid"``, ``data_format``, ``dilation_rate=1``, ``activation="tanh"``,
    ``recurrent_activation="sigmoid"``, ``use_bias``, ``kernel_initializer="glorot_uniform"``,
    ``recurrent_initializer="orthogonal"``, ``bias_initializer="zeros"``,
    ``unit_forget_bias=True``, regularizers, constraints, ``dropout``,
    ``recurrent_dropout``, ``seed``) and RNN's (``return_sequences``, ``return_state``,
    ``go_backwards``, ``stateful``, ``unroll``). The weights belong to the cell, named
    ``conv_lstm_cell`` as in Keras: paths ``<layer>/conv_lstm_cell/{kernel,
    recurrent_kernel, bias}``, and ``layers/<layer>/cell/vars/{0,1,2}`` in files.
    A ``mask`` (batch, time) skips timesteps as in the other recurrent layers.
    """

    rank = None

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        arguments = locals()  # the cell's options, filters to seed, go to the cell
        cell = ConvLSTMCell(self.rank, **{name: arguments[name] for name in _CELL_OPTIONS},
                            name="conv_lstm_cell", dtype=kwargs.get("dtype"),
                            trainable=kwargs.get("trainable", True))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=self.rank + 3)  # as Keras's: a rank error names it

    def __getattr__(self, name):
        cell = self.__dict__.get("cell")
        if cell is not None and name in _CELL_OPTIONS:
            return getattr(cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    @property
    def input_axes(self):
        spatial = _RANKS[self.rank]
        if self.cell.data_format == "channels_first":
            return ("batch", "time", "channels") + spatial
        return ("batch", "time") + spatial + ("channels",)

    @property
    def state_axes(self):
        spatial = ", ".join(_RANKS[self.rank])
        if self.cell.data_format == "channels_first":
            return f"(batch, filters, {spatial})"
        return f"(batch, {spatial}, filters)"

    def build(self, sequences_shape, initial_state_shape=None):
        super().build(sequences_shape, initial_state_shape)
        # the cell fixed the spatial sizes and channels of a timestep: check them per call
        axes = {k + 1: n for k, n in self.cell.input_spec.axes.items()}
        self.input_spec = InputSpec(ndim=self.rank + 3, axes=axes)

    # ---- shapes and config ----------------------------------------------------------------
    def state_shapes(self, sequences_shape):
        step = (sequences_shape[0],) + tuple(sequences_shape[2:])
        return list(self.cell.compute_output_shape(step)[1])

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        if sequences_shape and isinstance(sequences_shape[0], (list, tuple)):
            sequences_shape = sequences_shape[0]
        states = self.state_shapes(sequences_shape)
        output = states[0]
        if self.return_sequences:
            output = (output[0], sequences_shape[1]) + tuple(output[1:])
        return [output] + states if self.return_state else output

    def get_config(self):
        return config_with_cell_options(super().get_config(), self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


@LAYERS.register("ConvLSTM1D")
class ConvLSTM1D(ConvLSTM):
    """1-D convolutional LSTM over (batch, time, rows, channels) (see ConvLSTM for options).

    Kernels: ``kernel`` (kernel_size, channels, 4F), ``recurrent_kernel``
    (kernel_size, F, 4F). Output (batch, out_rows, F), or (batch, time, out_rows, F)
    with ``return_sequences``.
    """

    rank = 1


@LAYERS.register("ConvLSTM2D")
class ConvLSTM2D(ConvLSTM):
    """2-D convolutional LSTM over (batch, time, rows, cols, channels) (see ConvLSTM).

    Kernels: ``kernel`` (kh, kw, channels, 4F), ``recurrent_kernel`` (kh, kw, F, 4F).
    Output (batch, out_rows, out_cols, F), or (batch, time, out_rows, out_cols, F) with
    ``return_sequences``.
    """

    rank = 2


@LAYERS.register("ConvLSTM3D")
class ConvLSTM3D(ConvLSTM):
    """3-D convolutional LSTM over (batch, time, depth, rows, cols, channels) (see ConvLSTM).

    Kernels: ``kernel`` (kd, kh, kw, channels, 4F), ``recurrent_kernel``
    (kd, kh, kw, F, 4F).
    """

    rank = 3
