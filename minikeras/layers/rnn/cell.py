"""What the built-in RNN cells share: their options, dropout masks and the one-step call."""
import numpy as np

from ... import activations, random
from ..layer import Layer
from ..weight_options import add_weight_with_options, set_weight_options, weight_options_config

_WEIGHTS = ("kernel", "recurrent", "bias")


class DropoutRNNCell:
    """Dropout masks of a cell, drawn once per sequence and reused at every timestep.

    A cell using it has ``dropout``, ``recurrent_dropout`` and ``seed``. The RNN layer
    clears the masks after each call (``reset_dropout_mask``). One mask is shared by all
    gates (Keras draws one per gate when ``recurrent_dropout`` is set; the random draws
    differ from Keras's anyway).
    """

    _dropout_mask = None
    _recurrent_dropout_mask = None
    _dropout_generator = None

    def _keep_mask(self, shape, rate, dtype):
        if self._dropout_generator is None:
            self._dropout_generator = random.make_generator(self.seed)
        keep = self._dropout_generator.random(shape) >= rate
        return (keep / (1 - rate)).astype(dtype)

    def get_dropout_mask(self, step_input):
        """(batch, features) keep mask scaled by 1/(1 - dropout), or None without dropout."""
        if self._dropout_mask is None and 0 < self.dropout < 1:
            self._dropout_mask = self._keep_mask(step_input.shape, self.dropout,
                                                 step_input.dtype)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, state):
        """(batch, units) keep mask for the previous hidden state, or None."""
        if self._recurrent_dropout_mask is None and 0 < self.recurrent_dropout < 1:
            self._recurrent_dropout_mask = self._keep_mask(state.shape, self.recurrent_dropout,
                                                           state.dtype)
        return self._recurrent_dropout_mask

    def reset_dropout_mask(self):
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        self._recurrent_dropout_mask = None

    def step_dropout_masks(self, step_input, state, training):
        """(input mask, recurrent mask) for this sequence in training, else (None, None)."""
        if not training:
            return None, None
        return self.get_dropout_mask(step_input), self.get_recurrent_dropout_mask(state)


class RecurrentCell(DropoutRNNCell, Layer):
    """Base of SimpleRNNCell, LSTMCell and GRUCell.

    ``cell(inputs, states, training=None) -> (output, new_states)`` runs one timestep;
    ``recurrence(...)`` (used by the RNN layer) runs a whole sequence in one fused
    primitive, or returns None when the cell's activations have no fused form.
    ``OPTIONS`` lists the cell-specific options with their Keras defaults.
    """

    OPTIONS = {}

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        options = {name: kwargs.pop(name, default) for name, default in self.OPTIONS.items()}
        kwargs.pop("implementation", None)  # Keras 2's kernel-layout switch; one layout here
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(f"Received an invalid value for argument `units`, expected a "
                             f"positive integer, got {units!r}.")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        set_weight_options(self, kernel_initializer=kernel_initializer,
                           recurrent_initializer=recurrent_initializer,
                           bias_initializer=bias_initializer,
                           kernel_regularizer=kernel_regularizer,
                           recurrent_regularizer=recurrent_regularizer,
                           bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                           recurrent_constraint=recurrent_constraint,
                           bias_constraint=bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        for name, value in options.items():
            setattr(self, name, value)
        self.output_size = self.units

    def __call__(self, inputs, states=None, training=None, **kwargs):
        if states is None:
            raise ValueError(f"Cell '{self.name}' needs `states` (a list of tensors of sizes "
                             f"{self.state_size!r}) as its second argument.")
        if not isinstance(states, (list, tuple)):
            states = [states]
        return super().__call__(inputs, training=training, states=list(states), **kwargs)

    def build_kernels(self, input_dim, gates, bias_shape=None, bias_initializer=None):
        """kernel (input_dim, gates*units), recurrent_kernel (units, gates*units), bias."""
        self.kernel = add_weight_with_options(self, "kernel", (input_dim, gates * self.units))
        self.recurrent_kernel = add_weight_with_options(
            self, "recurrent_kernel", (self.units, gates * self.units), "recurrent")
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=bias_shape or (gates * self.units,), name="bias",
                initializer=bias_initializer or self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def fused_activations(self, activation="tanh", recurrent_activation="sigmoid"):
        """Whether the cell uses the activations its fused recurrence is written for."""
        return self.activation is activations.get(activation) and (
            recurrent_activation is None
            or self.recurrent_activation is activations.get(recurrent_activation))

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [
            self.state_size]
        return [np.zeros((batch_size, n), dtype=self.dtype) for n in sizes]

    def get_config(self):
        config = {"units": self.units, "activation": activations.serialize(self.activation),
                  "recurrent_activation": activations.serialize(self.recurrent_activation),
                  "use_bias": self.use_bias, **{k: getattr(self, k) for k in self.OPTIONS},
                  **weight_options_config(self, *_WEIGHTS),
                  "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                  "seed": self.seed}
        return {**super().get_config(), **config}
