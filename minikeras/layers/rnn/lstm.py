"""LSTMCell and LSTM (Keras's gate order i, f, c, o)."""
import numpy as np

from ... import initializers
from ...autodiff import primitives as P
from ..layer import LAYERS
from .cell import RecurrentCell, given_arguments
from .rnn import GatedCellRNN


@LAYERS.register("LSTMCell")
class LSTMCell(RecurrentCell):
    """One step of a long short-term memory layer.

    Formula (σ = recurrent_activation, default sigmoid; tanh = activation)::

        a = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias      # (batch, 4 * units)
        i, f, o = σ(a_i), σ(a_f), σ(a_o);  g = tanh(a_c)
        c_t = f * c_{t-1} + i * g;  h_t = o * tanh(c_t)

    Weights (Keras's layout): ``kernel`` (input_dim, 4u), ``recurrent_kernel`` (u, 4u),
    ``bias`` (4u,), each with the gates in the order i, f, c, o. ``unit_forget_bias``
    initializes the forget gate's bias to ones. States: ``[h, c]``.
    """

    OPTIONS = {"unit_forget_bias": True}

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, implementation=2, **kwargs):
        arguments = given_arguments(locals())
        super().__init__(**{k: v for k, v in arguments.items() if k != "implementation"},
                         **kwargs)
        self.use_implementation(implementation, 4)
        self.state_size = [self.units, self.units]

    def build(self, input_shape):
        bias_initializer = None
        if self.use_bias and self.unit_forget_bias:
            bias_initializer = _ForgetBiasOnes(self.bias_initializer, self.units)
        self.build_kernels(input_shape[-1], 4, bias_initializer=bias_initializer)

    def call(self, inputs, states, training=False):
        h, c = states[0], states[1]
        dp, rdp = self.step_dropout_masks(inputs, h, training)
        x = self.gate_inputs(inputs, self.bias, dp, 4)
        m = self.gate_recurrents(h, rdp, 4)
        i, f, g, o = (P.add(x_k, m_k) for x_k, m_k in zip(x, m))
        i, f, o = self.recurrent_activation(i), self.recurrent_activation(f), \
            self.recurrent_activation(o)
        c = P.add(P.multiply(f, c), P.multiply(i, self.activation(g)))
        h = P.multiply(o, self.activation(c))
        return h, [h, c]

    def recurrence(self, sequences, states, mask=None, go_backwards=False, training=None,
                   return_sequences=True):
        """The whole sequence in one fused primitive (dropout masks shared or per gate);
        None (step by step) for other activations."""
        fused = self.gated_fused_inputs(sequences, states, training)
        if fused is None:
            return None
        sequences, dropout = fused
        return P.lstm_recurrence(sequences, self.kernel, self.recurrent_kernel, self.bias,
                                 *states, go_backwards=go_backwards, mask=mask,
                                 return_sequences=return_sequences, **dropout)


class _ForgetBiasOnes:
    """The LSTM bias initializer with ``unit_forget_bias``: ones for the forget gate."""

    def __init__(self, initializer, units):
        self.initializer, self.units = initializer, units

    def __call__(self, shape, dtype=None):
        u = self.units
        parts = [self.initializer((u,), dtype=dtype), initializers.get("ones")((u,), dtype=dtype),
                 self.initializer((2 * u,), dtype=dtype)]
        return np.concatenate([np.asarray(getattr(p, "data", p)) for p in parts])


@LAYERS.register("LSTM")
class LSTM(GatedCellRNN):
    """Long short-term memory layer (Hochreiter & Schmidhuber, 1997) over (batch, time, features).

    Takes LSTMCell's options (``units``, ``activation="tanh"``,
    ``recurrent_activation="sigmoid"``, ``use_bias``, ``kernel_initializer="glorot_uniform"``,
    ``recurrent_initializer="orthogonal"``, ``bias_initializer="zeros"``,
    ``unit_forget_bias=True``, regularizers, constraints, ``dropout``, ``recurrent_dropout``,
    ``seed``, ``implementation``), ``use_cudnn`` and RNN's (``return_sequences``,
    ``return_state``, ``go_backwards``, ``stateful``, ``unroll``). With the default
    activations the whole sequence runs in one fused primitive (dropout and
    ``recurrent_dropout`` included); the weights are ``<name>/lstm_cell/{kernel, recurrent_kernel,
    bias}``.
    """

    cell_class = LSTMCell
    cell_name = "lstm_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", **kwargs):
        super().__init__(**given_arguments(locals()), **kwargs)
