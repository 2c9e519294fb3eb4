"""What the built-in RNN cells share: their options, dropout masks and the one-step call."""
import numpy as np

from ... import activations, random
from ...autodiff import primitives as P
from ..layer import Layer
from ..weight_options import (add_weight_with_options, inserted_after, set_weight_options,
                              weight_options_config)

_WEIGHTS = ("kernel", "recurrent", "bias")


def given_arguments(local_names):
    """The arguments a method with Keras's explicit signature received (its ``locals()``
    before anything else is assigned), to pass on by keyword: all but ``self``, ``kwargs``
    and ``__class__``."""
    return {k: v for k, v in local_names.items() if k not in ("self", "kwargs", "__class__")}


class DropoutRNNCell:
    """Dropout masks of a cell, drawn once per sequence and reused at every timestep.

    As in Keras 3: a cell using it has ``dropout``, ``recurrent_dropout`` and
    ``seed_generator`` (a ``keras.random.SeedGenerator``, counting each mask drawn); the
    RNN layer clears the masks after each call (``reset_dropout_mask``). With
    ``dropout_mask_count`` None there is one mask, shared by all gates; with a count (LSTM:
    4, GRU: 3, set when ``implementation=1``, which ``recurrent_dropout > 0`` forces) each
    gate gets its own input mask and its own recurrent mask, drawn one after the other. A
    mask keeps a value with probability 1 - rate and scales it by 1 / (1 - rate); at rate 1
    it is all zeros. (Keras's random stream differs, so the kept positions differ.)
    """

    _dropout_mask = None
    _recurrent_dropout_mask = None
    dropout_mask_count = None

    def _create_dropout_mask(self, step_input, rate):
        count = self.dropout_mask_count
        masks = [self._keep_mask(step_input.shape, rate, step_input.dtype)
                 for _ in range(count or 1)]
        return masks if count else masks[0]

    def _keep_mask(self, shape, rate, dtype):
        keep = self.seed_generator.dropout_generator().random(shape) >= rate
        if rate >= 1:
            return keep.astype(dtype)
        return (keep / (1 - rate)).astype(dtype)

    def get_dropout_mask(self, step_input):
        """The input keep mask(s) for this sequence, or None without dropout."""
        if self._dropout_mask is None and self.dropout > 0:
            self._dropout_mask = self._create_dropout_mask(step_input, self.dropout)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, step_input):
        """The keep mask(s) of the previous hidden state for this sequence, or None."""
        if self._recurrent_dropout_mask is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._create_dropout_mask(step_input,
                                                                     self.recurrent_dropout)
        return self._recurrent_dropout_mask

    def reset_dropout_mask(self):
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        self._recurrent_dropout_mask = None

    def step_dropout_masks(self, step_input, state, training):
        """(input mask, recurrent mask) applied in this call: each None when not training
        or when its rate is outside the range the cell applies (``applies_dropout``)."""
        if not training:
            return None, None
        dp = self.get_dropout_mask(step_input) if self.applies_dropout(self.dropout) else None
        rdp = self.get_recurrent_dropout_mask(state) \
            if self.applies_dropout(self.recurrent_dropout) else None
        return dp, rdp

    def applies_dropout(self, rate):
        """Keras's LSTM and GRU cells apply a rate only when 0 < rate < 1."""
        return 0 < rate < 1


class RecurrentCell(DropoutRNNCell, Layer):
    """Base of SimpleRNNCell, LSTMCell and GRUCell.

    ``cell(inputs, states, training=None) -> (output, new_states)`` runs one timestep;
    ``recurrence(...)`` (used by the RNN layer) runs a whole sequence in one fused
    primitive, or returns None when the cell's activations have no fused form.
    ``OPTIONS`` lists the cell-specific options with their Keras defaults; its config
    writes them after ``OPTIONS_AFTER``, where Keras's config has them.
    """

    OPTIONS = {}
    OPTIONS_AFTER = "use_bias"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        options = {name: kwargs.pop(name, default) for name, default in self.OPTIONS.items()}
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
        self.seed_generator = random.SeedGenerator(seed)
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

    def use_implementation(self, implementation, gates):
        """Keras's ``implementation`` of LSTM and GRU: 1 (forced by ``recurrent_dropout``)
        draws one dropout mask per gate; anything else shares one mask across the gates."""
        self.implementation = 1 if self.recurrent_dropout != 0 else implementation
        if self.implementation == 1:
            self.dropout_mask_count = gates

    def _gate_block(self, weight, first, count=1):
        """Gates ``first`` .. ``first + count - 1`` of a weight whose last axis holds them."""
        if first == 0 and count * self.units == weight.shape[-1]:
            return weight
        index = slice(first * self.units, (first + count) * self.units)
        return P.getitem(weight, index if len(weight.shape) == 1 else (slice(None), index))

    def gate_inputs(self, inputs, bias, dp, gates):
        """Per gate: ``inputs`` (times its dropout mask) @ kernel_g + bias_g."""
        if isinstance(dp, list):
            return [P.dense(P.multiply(inputs, dp[k]), self._gate_block(self.kernel, k),
                            None if bias is None else self._gate_block(bias, k))
                    for k in range(gates)]
        x = P.dense(inputs if dp is None else P.multiply(inputs, dp), self.kernel, bias)
        return [self._gate_block(x, k) for k in range(gates)]

    def gate_recurrents(self, h, rdp, gates, bias=None):
        """For the first ``gates`` gates: ``h`` (times its dropout mask) @ U_g (+ bias_g)."""
        if isinstance(rdp, list):
            return [P.dense(P.multiply(h, rdp[k]), self._gate_block(self.recurrent_kernel, k),
                            None if bias is None else self._gate_block(bias, k))
                    for k in range(gates)]
        kernel = self._gate_block(self.recurrent_kernel, 0, gates)
        bias = None if bias is None else self._gate_block(bias, 0, gates)
        m = P.dense(h if rdp is None else P.multiply(h, rdp), kernel, bias)
        return [self._gate_block(m, k) for k in range(gates)]

    def fused_activations(self, activation="tanh", recurrent_activation="sigmoid"):
        """Whether the cell uses the activations its fused recurrence is written for."""
        return self.activation is activations.get(activation) and (
            recurrent_activation is None
            or self.recurrent_activation is activations.get(recurrent_activation))

    def gated_fused_inputs(self, sequences, states, training):
        """For the gated cells' fused recurrence: (``sequences`` times this call's shared
        input dropout mask, the primitive's dropout options: per-gate input masks as
        ``dropout_masks``, the recurrent mask(s) as ``recurrent_dropout_mask``), or None
        when the cell's activations have no fused form (the call steps the cell)."""
        if not self.fused_activations():
            return None
        dp, rdp = self.step_dropout_masks(sequences[:, 0], states[0], training)
        options = {}
        if isinstance(dp, list):
            options["dropout_masks"] = np.stack(dp)
        elif dp is not None:
            sequences = P.multiply(sequences, dp[:, None, :])
        if rdp is not None:
            options["recurrent_dropout_mask"] = np.stack(rdp) if isinstance(rdp, list) else rdp
        return sequences, options

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [
            self.state_size]
        return [np.zeros((batch_size, n), dtype=self.dtype) for n in sizes]

    def get_config(self):
        config = {"units": self.units, "activation": activations.serialize(self.activation),
                  "recurrent_activation": activations.serialize(self.recurrent_activation),
                  "use_bias": self.use_bias, **weight_options_config(self, *_WEIGHTS),
                  "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                  "seed": self.seed}
        options = {k: getattr(self, k) for k in self.OPTIONS}
        return {**super().get_config(), **inserted_after(config, self.OPTIONS_AFTER, options)}
