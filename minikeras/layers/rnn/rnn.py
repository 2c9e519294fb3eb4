"""RNN: runs a cell over the time axis; the base of SimpleRNN, LSTM and GRU.

A cell is a Layer with ``state_size`` (an int, or a list of ints, one per state) and
``call(inputs, states) -> (output, new_states)`` for one timestep. The built-in cells
also offer ``recurrence(...)``: the whole sequence in one fused primitive
(autodiff/recurrence.py); any other cell (a user's own, StackedRNNCells, a built-in cell
with an activation the fused step does not know) is stepped with ``keras.ops`` and
differentiated by autodiff.
"""
import inspect

import numpy as np

from ... import backend
from ...autodiff import primitives as P
from ...autodiff.tensor import Tensor
from ...ops.core import convert_to_tensor
from ...tree import flatten, map_structure
from ...variables import Variable
from ..keras_tensor import KerasTensor
from ..input_spec import incompatible_input
from ..layer import LAYERS, InputSpec, Layer, deserialize_layer, serialize_layer
from ..weight_options import inserted_after, with_activity_regularizer
from .cell import DropoutRNNCell, RecurrentCell
from .stacked_rnn_cells import StackedRNNCells


def _flat_sizes(state_size):
    """The state sizes of a cell as a flat list of ints (StackedRNNCells nests them)."""
    if isinstance(state_size, (list, tuple)):
        return [n for item in state_size for n in _flat_sizes(item)]
    return [int(state_size)]


def _pack(structure, flat):
    """``flat`` (a list) arranged like ``structure`` (ints nested in lists)."""
    items = iter(flat)

    def build(node):
        if isinstance(node, (list, tuple)):
            return [build(n) for n in node]
        return next(items)
    return build(structure)


@LAYERS.register("RNN")
class RNN(Layer):
    """Runs ``cell`` over the time axis of (batch, time, features) inputs.

    For each timestep ``t`` (from the last one with ``go_backwards``):
    ``output_t, states = cell(inputs[:, t], states)``. Returns the last output
    (batch, units), or every output (batch, time, units) with ``return_sequences`` (in
    processing order), followed by the final states with ``return_state``.

    A ``mask`` (batch, time) of booleans skips timesteps: a masked step keeps the states
    and repeats the previous output (zeros with ``zero_output_for_mask``). ``stateful``
    carries the final states of one call into the next (``reset_states()`` zeroes them;
    the batch size must stay fixed). ``unroll`` is accepted; the loop is the same.

    Args:
        cell: an RNN cell (a Layer with ``state_size`` and ``call(inputs, states)``), or a
            list of cells (stacked with StackedRNNCells).
    """
    takes_states_in_inputs = True  # Keras 2's layer([sequences, *initial_states])

    # The axes of the inputs (their count is the rank every call checks) and of each state.
    # A layer whose steps are images (ConvLSTM2D) has more, and overrides ``state_shapes``.
    input_axes = ("batch", "timesteps", "features")
    state_axes = "(batch, units)"

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not callable(getattr(cell, "call", None)):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell}")
        state_size = getattr(cell, "state_size", None)
        if state_size is None or not isinstance(state_size, (int, list, tuple)):
            raise ValueError(
                "The RNN cell should have a `state_size` attribute (single integer or list of "
                f"integers, one integer per RNN state). Received: cell={cell}")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.stateful = bool(go_backwards), bool(stateful)
        self.unroll, self.zero_output_for_mask = bool(unroll), bool(zero_output_for_mask)
        self.state_size = state_size if isinstance(state_size, (list, tuple)) else [state_size]
        self.supports_masking = True
        self.states = None
        self._symbolic_run = False

    # ---- building ------------------------------------------------------------------------
    def build(self, sequences_shape, initial_state_shape=None):
        if sequences_shape and isinstance(sequences_shape[0], (list, tuple)):
            sequences_shape = sequences_shape[0]  # [sequences, *initial_states]
        _check_rank(self, sequences_shape)
        self.check_static_batch(sequences_shape)
        if isinstance(self.cell, Layer):
            self.cell.build_from_shape((sequences_shape[0],) + tuple(sequences_shape[2:]))

    def __call__(self, inputs, *args, **kwargs):
        if any(isinstance(leaf, KerasTensor) for leaf in flatten(inputs)):
            self.check_static_batch(flatten(inputs)[0].shape)
            self._symbolic_run = True  # the shape inference run must not touch the states
            try:
                return super().__call__(inputs, *args, **kwargs)
            finally:
                self._symbolic_run = False
        _check_rank(self, np.shape(flatten(inputs)[0]))
        return super().__call__(inputs, *args, **kwargs)

    def check_static_batch(self, sequences_shape):
        """A stateful layer keeps one state per sample, so it needs a fixed batch size."""
        if self.stateful and sequences_shape and sequences_shape[0] is None:
            raise ValueError(
                "When using `stateful=True` in a RNN, the batch size must be static. Found "
                f"dynamic batch size: sequence.shape={tuple(sequences_shape)}. Layer "
                f"'{self.name}' needs a fixed batch size: keras.Input(batch_size=...) or "
                "batch_shape=... (Keras 2's batch_input_shape=... or batch_size=... on the "
                "first layer).")

    def _shown(self, shape):
        """``shape`` for a message: the batch axis is None while a model is being traced
        (the run then uses a one-sample placeholder)."""
        return (None,) + tuple(shape[1:]) if self._symbolic_run else tuple(shape)

    def _check_mask(self, mask, shape):
        if mask is None:
            return None
        mask = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
        if mask.ndim == 3 and mask.shape[-1] == 1:
            mask = mask[..., 0]
        if self._symbolic_run and mask.ndim == 2 and mask.shape[1] == shape[1]:
            # a concrete mask given to a symbolic call: the batch is the placeholder's
            mask = np.broadcast_to(mask[:1], tuple(shape[:2]))
        if mask.shape != tuple(shape[:2]):
            raise ValueError(
                f"Layer '{self.name}': the mask must have shape (batch, timesteps) = "
                f"{self._shown(shape[:2])}; received a mask of shape {self._shown(mask.shape)}.")
        return mask.astype(bool)

    # ---- states --------------------------------------------------------------------------
    def get_initial_state(self, batch_size):
        """Zero states for ``batch_size`` samples: a list, nested per cell as the cell's
        ``get_initial_state`` nests them (StackedRNNCells: one list per cell), as Keras's."""
        get = getattr(self.cell, "get_initial_state", None)
        if get is None:
            return [convert_to_tensor(np.zeros((batch_size, n), backend.floatx()))
                    for n in _flat_sizes(self.state_size)]
        states = get(batch_size=batch_size)
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        return map_structure(lambda s: s if isinstance(s, Tensor) else convert_to_tensor(s),
                             states)

    def reset_state(self):
        """Zero the states a ``stateful`` layer carries between calls."""
        if self.states is not None:
            for state in self.states:
                state.data[...] = 0

    reset_states = reset_state

    def state_shapes(self, sequences_shape):
        """The shape of each (flat) state for inputs of ``sequences_shape``: (batch, size)."""
        return [(sequences_shape[0], n) for n in _flat_sizes(self.state_size)]

    def _initial_states(self, sequences, initial_state):
        batch = sequences.shape[0]
        shapes = self.state_shapes(sequences.shape)
        if initial_state is not None:
            states = flatten(list(initial_state) if isinstance(initial_state, (list, tuple))
                             else [initial_state])
            if len(states) != len(shapes):
                raise ValueError(
                    f"Layer '{self.name}' expects {len(shapes)} initial state tensor(s) (state "
                    f"sizes {_flat_sizes(self.state_size)}), but received {len(states)}.")
            states = [_as_state(s, sequences.dtype) for s in states]
            for k, (state, shape) in enumerate(zip(states, shapes)):
                if tuple(state.shape) != shape:
                    raise ValueError(
                        f"Layer '{self.name}': initial state {k} must have shape "
                        f"{self.state_axes} = {self._shown(shape)}; received "
                        f"{self._shown(tuple(state.shape))}.")
            return states
        if self.stateful and not self._symbolic_run:
            # The first call fixes the batch size; zero states (fresh or reset) carry
            # nothing, so they may take another batch size.
            if self.states is None or (self.states[0].shape[0] != batch and
                                       not any(s.data.any() for s in self.states)):
                # Variables outside `weights` (as in Keras), named and placed as Keras's
                self.states = [Variable(np.zeros(shape, backend.floatx()), trainable=False,
                                        name="rnn_state") for shape in shapes]
                for state in self.states:
                    state.path = f"{self.path}/rnn_state"
            elif self.states[0].shape[0] != batch:
                raise ValueError(
                    "If an RNN is stateful, the batch size of the input sequences must be the "
                    "same as the batch size of the initial state. \n"
                    f"- Expected batch size: {self.states[0].shape[0]}\n"
                    f"- Received batch size: {batch}")
            return [convert_to_tensor(s.data.copy()) for s in self.states]
        return flatten(self.get_initial_state(batch))

    # ---- the call --------------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=False):
        if isinstance(sequences, (list, tuple)):  # layer([sequences, *initial_states])
            sequences, initial_state = sequences[0], list(sequences[1:]) or initial_state
        _check_rank(self, sequences.shape)
        if sequences.dtype.kind in "biu":  # integer steps compute in the layer's float dtype,
            sequences = P.cast(sequences, self.dtype)  # as Keras's promotion makes them
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        mask = self._check_mask(mask, sequences.shape)
        states = self._initial_states(sequences, initial_state)
        try:
            fused = getattr(self.cell, "recurrence", None)
            result = None if fused is None else fused(
                sequences, states, mask=mask, go_backwards=self.go_backwards, training=training,
                return_sequences=self.return_sequences)
            if result is not None:  # every step's output, or only the last one's
                kept = sequences.shape[1] if self.return_sequences else 1
                outputs = P.getitem(result, (slice(None), slice(0, kept)))
                states = [P.getitem(result, (slice(None), kept + k))
                          for k in range(len(states))]
            else:
                outputs, states = self._step_loop(sequences, states, mask, training)
        finally:
            _reset_dropout_masks(self.cell)
        if self.zero_output_for_mask and mask is not None:
            keep = (mask[:, ::-1] if self.go_backwards else mask)[:, -outputs.shape[1]:]
            keep = keep.reshape(keep.shape + (1,) * (outputs.ndim - 2))
            outputs = P.multiply(outputs, keep.astype(outputs.dtype))
        if self.stateful and not self._symbolic_run:
            for variable, state in zip(self.states, states):
                variable.data[...] = state.data
        output = outputs if self.return_sequences else P.getitem(
            outputs, (slice(None), outputs.shape[1] - 1))
        if self.return_state:
            return [output] + list(_pack(self.returned_state_structure(), states))
        return output

    def returned_state_structure(self):
        """How the states a call returns nest: as ``state_size``, or, for an eager call of
        StackedRNNCells, as its ``returned_state_size`` (Keras's eager call; its symbolic
        call and ``compute_output_shape`` follow ``state_size``: a functional model's states
        of SimpleRNN cells are single tensors, an eager call's one-element lists)."""
        if isinstance(self.cell, StackedRNNCells) and not self._symbolic_run:
            return self.cell.returned_state_size()
        return self.state_size

    def _step_loop(self, sequences, states, mask, training):
        """Any cell, one timestep at a time with differentiable ops."""
        steps = sequences.shape[1]
        out, outputs = None, []
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        structure = self.cell.state_size
        structure = list(structure) if isinstance(structure, (list, tuple)) else [structure]
        for t in order:
            x_t = P.getitem(sequences, (slice(None), t))
            output, new_states = self.cell(x_t, states=_pack(structure, states),
                                           training=training)
            new_states = flatten(new_states if isinstance(new_states, (list, tuple))
                                 else [new_states])
            if t == order[0]:
                self._check_cell_states(new_states, states)
            if mask is not None:
                keep = mask[:, t]
                new_states = [_kept(keep, n, s) for n, s in zip(new_states, states)]
                if out is None:
                    out = convert_to_tensor(np.zeros(output.shape, output.dtype))
                output = _kept(keep, output, out)
            states, out = new_states, output
            outputs.append(output)
        return P.stack(outputs, axis=1), states

    def _check_cell_states(self, new_states, states):
        """The states a cell returns must match its ``state_size`` in count and shape."""
        if len(new_states) != len(states):
            raise ValueError(
                f"Layer '{self.name}': cell '{getattr(self.cell, 'name', self.cell)}' returned "
                f"{len(new_states)} state(s), but its state_size {self.cell.state_size!r} "
                f"expects {len(states)}.")
        for k, (new, old) in enumerate(zip(new_states, states)):
            if tuple(new.shape) != tuple(old.shape):
                raise ValueError(
                    f"Layer '{self.name}': cell '{getattr(self.cell, 'name', self.cell)}' "
                    f"returned state {k} of shape {self._shown(tuple(new.shape))}, but its "
                    f"state_size {self.cell.state_size!r} expects {self.state_axes} = "
                    f"{self._shown(tuple(old.shape))}.")

    # ---- shapes, masks, config --------------------------------------------------------------
    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        if sequences_shape and isinstance(sequences_shape[0], (list, tuple)):
            sequences_shape = sequences_shape[0]
        batch = sequences_shape[0]
        units = getattr(self.cell, "output_size", None) or _flat_sizes(self.state_size)[0]
        output = (batch, sequences_shape[1], units) if self.return_sequences else (batch, units)
        if self.return_state:  # states nested as the cell's state_size nests them
            return [output] + list(_pack(self.state_size, self.state_shapes(sequences_shape)))
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(_flat_sizes(self.state_size))
        return output_mask

    def get_config(self):
        config = {"return_sequences": self.return_sequences, "return_state": self.return_state,
                  "go_backwards": self.go_backwards, "stateful": self.stateful,
                  "unroll": self.unroll, "zero_output_for_mask": self.zero_output_for_mask,
                  "cell": serialize_layer(self.cell)}
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = deserialize_layer(config.pop("cell"), custom_objects)
        return cls(cell, **config)


def _as_state(state, dtype):
    if not isinstance(state, Tensor):
        return convert_to_tensor(np.asarray(state, dtype=dtype))
    return state if state.dtype == dtype else P.cast(state, dtype)


def _kept(keep, new, old):
    """``new`` where ``keep`` (batch,) is True, else ``old`` (keep spans new's other axes)."""
    return P.where(keep.reshape((-1,) + (1,) * (new.ndim - 1)), new, old)


def _check_rank(layer, shape):
    """The layer's input_spec error when it has one (Keras's message), else its own."""
    axes, spec = layer.input_axes, layer.input_spec
    if len(shape) != len(axes) and isinstance(spec, InputSpec) and spec.problem(shape):
        raise incompatible_input(spec, 0, layer.name, spec.problem(shape))
    if len(shape) != len(axes):
        raise ValueError(
            f"Layer '{layer.name}' ({type(layer).__name__}) expects inputs of rank {len(axes)} "
            f"({', '.join(axes)}); received inputs of shape {tuple(shape)}.")


def _reset_dropout_masks(cell):
    if isinstance(cell, DropoutRNNCell):
        cell.reset_dropout_mask()
        cell.reset_recurrent_dropout_mask()
    for inner in getattr(cell, "cells", ()):
        _reset_dropout_masks(inner)


_CELL_ARGS = tuple(inspect.signature(RecurrentCell.__init__).parameters)[2:-1]


def _own_args(cell_class):
    """The arguments a cell class's signature names besides ``units`` (LSTM and GRU add
    Keras 2's ``implementation``)."""
    return set(inspect.signature(cell_class.__init__).parameters) - {"self", "units", "kwargs"}


class CellOptionsRNN(RNN):
    """An RNN over a built-in cell, taking the cell's options itself: SimpleRNN, LSTM, GRU.

    The cell (``cell_class``, named ``cell_name`` as Keras names it) holds the weights, so
    they are saved under the layer as ``<layer>/cell``; the layer reads its options back
    from the cell (``layer.units``, ``layer.dropout``, ...) and lists them in its config.
    """

    cell_class = None
    cell_name = None

    def __init__(self, units, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, **kwargs):
        names = set(_CELL_ARGS) | set(self.cell_class.OPTIONS) | _own_args(self.cell_class)
        cell_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in names}
        cell = self.cell_class(units, name=self.cell_name, dtype=kwargs.get("dtype"),
                               trainable=kwargs.get("trainable", True), **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)
        self.input_spec = InputSpec(ndim=3)  # as Keras's: a rank error names the spec

    def build(self, sequences_shape, initial_state_shape=None):
        super().build(sequences_shape, initial_state_shape)
        if sequences_shape and isinstance(sequences_shape[0], (list, tuple)):
            sequences_shape = sequences_shape[0]
        # the kernel fixes the number of features: a later call with another names it
        self.input_spec = InputSpec(ndim=3, axes={-1: sequences_shape[-1]})

    def __getattr__(self, name):
        cell = self.__dict__.get("cell")
        if cell is not None and (name in _CELL_ARGS or name in cell.OPTIONS or name == "units"):
            return getattr(cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def get_config(self):
        return config_with_cell_options(super().get_config(), self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


class GatedCellRNN(CellOptionsRNN):
    """LSTM and GRU, which Keras gives ``use_cudnn`` ("auto", True or False).

    minikeras has no cuDNN kernel: "auto" and False run the numpy recurrence, and True
    fails when the layer runs, as it does on Keras's own numpy backend.
    """

    def __init__(self, units, use_cudnn="auto", **kwargs):
        if use_cudnn not in ("auto", True, False):
            raise ValueError("Invalid valid received for argument `use_cudnn`. Expected one of "
                             f"{{'auto', True, False}}. Received: use_cudnn={use_cudnn!r}")
        super().__init__(units, **kwargs)
        self.use_cudnn = use_cudnn

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if self.use_cudnn is True:
            raise ValueError(
                f"Layer '{self.name}': use_cudnn=True was specified, but cuDNN is not supported "
                "for this layer configuration with this backend (minikeras runs on numpy). "
                "Pass use_cudnn='auto' to fallback to a non-cuDNN implementation.")
        return super().call(sequences, initial_state=initial_state, mask=mask,
                            training=training)


def config_with_cell_options(config, layer):
    """An RNN layer's ``config`` with its cell's options in place of the cell: the config
    of a layer that makes its own cell (LSTM, ConvLSTM2D, ...), as Keras writes it (the
    layer's activity_regularizer among the cell's regularizers)."""
    options = layer.cell.get_config()
    for key in ("name", "trainable", "dtype"):
        options.pop(key, None)
    if "unit_forget_bias" in options:  # the LSTM layers write it after the initializers
        options = inserted_after(options, "bias_initializer",
                                 {"unit_forget_bias": options["unit_forget_bias"]})
    return {**{k: v for k, v in config.items() if k != "cell"},
            **with_activity_regularizer(options, layer)}
