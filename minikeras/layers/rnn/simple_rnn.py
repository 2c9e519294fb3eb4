"""SimpleRNNCell and SimpleRNN: a fully connected recurrence."""
from ... import activations
from ...autodiff import primitives as P
from ..layer import LAYERS
from .cell import RecurrentCell, given_arguments
from .rnn import CellOptionsRNN

_FUSED = {"tanh": activations.tanh, "relu": activations.relu, "linear": activations.linear}


@LAYERS.register("SimpleRNNCell")
class SimpleRNNCell(RecurrentCell):
    """One step of a fully connected RNN.

    Formula: ``h_t = activation(x_t @ kernel + bias + h_{t-1} @ recurrent_kernel)``; the
    output is ``h_t``. Weights: ``kernel`` (input_dim, u), ``recurrent_kernel`` (u, u),
    ``bias`` (u,). No ``recurrent_activation``.
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        if "recurrent_activation" in kwargs:
            raise ValueError("SimpleRNNCell has no `recurrent_activation` argument.")
        super().__init__(**given_arguments(locals()), **kwargs)
        self.state_size = self.units

    def build(self, input_shape):
        self.build_kernels(input_shape[-1], 1)

    def applies_dropout(self, rate):
        """Keras's SimpleRNNCell applies any rate > 0 (rate 1 drops everything)."""
        return rate > 0

    def call(self, inputs, states, training=False):
        h = states[0]
        dp, rdp = self.step_dropout_masks(inputs, h, training)
        if dp is not None:
            inputs = P.multiply(inputs, dp)
        if rdp is not None:
            h = P.multiply(h, rdp)
        h = self.activation(P.add(P.dense(inputs, self.kernel, self.bias),
                                  P.matmul(h, self.recurrent_kernel)))
        return h, [h]

    def recurrence(self, sequences, states, mask=None, go_backwards=False, training=None,
                   return_sequences=True):
        """The whole sequence in one fused primitive, or None for other activations."""
        name = next((k for k, f in _FUSED.items() if self.activation is f), None)
        if name is None:
            return None
        dp, rdp = self.step_dropout_masks(sequences[:, 0], states[0], training)
        if dp is not None:
            sequences = P.multiply(sequences, dp[:, None, :])
        return P.simple_rnn_recurrence(sequences, self.kernel, self.recurrent_kernel, self.bias,
                                       *states, activation=name, go_backwards=go_backwards,
                                       mask=mask, recurrent_dropout_mask=rdp,
                                       return_sequences=return_sequences)

    def get_config(self):
        config = super().get_config()
        del config["recurrent_activation"]
        return config


@LAYERS.register("SimpleRNN")
class SimpleRNN(CellOptionsRNN):
    """Fully connected RNN over (batch, time, features): ``h_t = tanh(x_t W + h_{t-1} U + b)``.

    Takes SimpleRNNCell's options and RNN's; the weights are
    ``<name>/simple_rnn_cell/{kernel, recurrent_kernel, bias}``. As in Keras 3.15,
    ``activity_regularizer`` is accepted and not applied (no loss; null in the config).
    """

    cell_class = SimpleRNNCell
    cell_name = "simple_rnn_cell"

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None, **kwargs):
        arguments = given_arguments(locals())
        # Keras 3.15's SimpleRNN takes activity_regularizer but applies none (its config
        # writes null and the layer adds no loss); LSTM and GRU apply theirs
        del arguments["activity_regularizer"]
        super().__init__(**arguments, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["seed"]  # Keras's SimpleRNN does not write its cell's seed (SimpleRNNCell does)
        return config
