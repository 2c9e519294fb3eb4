"""GRUCell and GRU (Keras's gate order z, r, h; bias (2, 3u) with reset_after)."""
from ...autodiff import primitives as P
from ..layer import LAYERS
from .cell import RecurrentCell, given_arguments
from .rnn import GatedCellRNN


@LAYERS.register("GRUCell")
class GRUCell(RecurrentCell):
    """One step of a gated recurrent unit.

    Formula (σ = recurrent_activation, default sigmoid; tanh = activation), with
    ``x = x_t @ kernel + input_bias`` split into x_z, x_r, x_h::

        reset_after=True (default):  m = h_{t-1} @ recurrent_kernel + recurrent_bias
            z, r = σ(x_z + m_z), σ(x_r + m_r);  ĥ = tanh(x_h + r * m_h)
        reset_after=False:
            z, r = σ(x_z + h_{t-1} U_z), σ(x_r + h_{t-1} U_r);  ĥ = tanh(x_h + (r * h_{t-1}) U_h)
        h_t = z * h_{t-1} + (1 - z) * ĥ

    Weights: ``kernel`` (input_dim, 3u), ``recurrent_kernel`` (u, 3u), gates z, r, h;
    ``bias`` (2, 3u) with reset_after (row 0 the input bias, row 1 the recurrent bias),
    else (3u,). State: ``h``.
    """

    OPTIONS = {"reset_after": True}
    OPTIONS_AFTER = "recurrent_dropout"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True,
                 seed=None, implementation=2, **kwargs):
        arguments = given_arguments(locals())
        super().__init__(**{k: v for k, v in arguments.items() if k != "implementation"},
                         **kwargs)
        self.use_implementation(implementation, 3)
        self.state_size = self.units

    def build(self, input_shape):
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self.build_kernels(input_shape[-1], 3, bias_shape=shape)

    def _biases(self):
        if self.bias is None:
            return None, None
        if not self.reset_after:
            return self.bias, None
        return P.getitem(self.bias, 0), P.getitem(self.bias, 1)

    def call(self, inputs, states, training=False):
        h = states[0]
        dp, rdp = self.step_dropout_masks(inputs, h, training)
        input_bias, recurrent_bias = self._biases()
        x_z, x_r, x_h = self.gate_inputs(inputs, input_bias, dp, 3)
        if self.reset_after:
            m_z, m_r, m_h = self.gate_recurrents(h, rdp, 3, recurrent_bias)
        else:
            m_z, m_r = self.gate_recurrents(h, rdp, 2)
        z = self.recurrent_activation(P.add(x_z, m_z))
        r = self.recurrent_activation(P.add(x_r, m_r))
        if self.reset_after:
            rec_h = P.multiply(r, m_h)
        else:
            h_h = h if rdp is None else P.multiply(h, rdp[2] if isinstance(rdp, list) else rdp)
            rec_h = P.matmul(P.multiply(r, h_h), self._gate_block(self.recurrent_kernel, 2))
        hh = self.activation(P.add(x_h, rec_h))
        h = P.add(P.multiply(z, h), P.multiply(P.subtract(1.0, z), hh))
        return h, [h]

    def recurrence(self, sequences, states, mask=None, go_backwards=False, training=None,
                   return_sequences=True):
        """The whole sequence in one fused primitive (dropout masks shared or per gate);
        None (step by step) for other activations."""
        fused = self.gated_fused_inputs(sequences, states, training)
        if fused is None:
            return None
        sequences, dropout = fused
        input_bias, recurrent_bias = self._biases()
        return P.gru_recurrence(sequences, self.kernel, self.recurrent_kernel, input_bias,
                                recurrent_bias, *states, reset_after=self.reset_after,
                                go_backwards=go_backwards, mask=mask,
                                return_sequences=return_sequences, **dropout)


@LAYERS.register("GRU")
class GRU(GatedCellRNN):
    """Gated recurrent unit layer (Cho et al., 2014) over (batch, time, features).

    Takes GRUCell's options (``reset_after=True`` and the LSTM's, without
    ``unit_forget_bias``), ``use_cudnn`` and RNN's. With the default activations the whole
    sequence runs in one fused primitive (dropout and ``recurrent_dropout`` included);
    the weights are ``<name>/gru_cell/{kernel, recurrent_kernel,
    bias}``.
    """

    cell_class = GRUCell
    cell_name = "gru_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True,
                 use_cudnn="auto", **kwargs):
        super().__init__(**given_arguments(locals()), **kwargs)
