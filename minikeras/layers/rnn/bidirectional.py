"""Bidirectional: a recurrent layer run forwards and backwards, outputs merged."""
from ...autodiff import primitives as P
from ...tree import flatten
from ..keras_tensor import KerasTensor
from ..layer import LAYERS, Layer, deserialize_layer, serialize_layer
from .rnn import RNN

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _renamed_copy(layer, prefix, **changes):
    config = serialize_layer(layer)
    name = layer.name[len(prefix):] if layer.name.startswith(prefix) else layer.name
    config["config"].update(name=f"{prefix}{name}", **changes)
    return deserialize_layer(config)


@LAYERS.register("Bidirectional")
class Bidirectional(Layer):
    """Runs ``layer`` over the sequence and a copy of it over the reversed sequence.

    Formula: ``y = forward(x)``, ``y_rev = backward(x)`` (a copy with ``go_backwards=True``,
    named ``backward_<name>``; the forward copy is ``forward_<name>``); with
    ``return_sequences`` y_rev is flipped back to input order; then merged: ``concat``
    (last axis), ``sum``, ``mul``, ``ave``, or None (both returned). With ``return_state``
    the forward states follow, then the backward ones. ``initial_state`` is split in halves.

    Args:
        layer: an RNN layer (LSTM, GRU, SimpleRNN or RNN); one with ``go_backwards=True``
            needs a ``backward_layer`` that runs forwards.
        merge_mode: "concat" (default), "sum", "mul", "ave" or None.
        backward_layer: optional layer for the backward direction (its ``go_backwards``
            must differ from ``layer``'s; ``return_sequences``, ``return_state`` and
            ``stateful`` must match).
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `Bidirectional` layer with a `keras.layers.Layer` "
                             f"instance. Received: {layer}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError("`backward_layer` need to be a `keras.layers.Layer` instance. "
                             f"Received: {backward_layer}")
        for given in (layer, backward_layer):
            if given is not None and not hasattr(given, "go_backwards"):
                raise ValueError(
                    f"`Bidirectional` wraps a recurrent layer (RNN, LSTM, GRU, ...; one with "
                    f"`go_backwards` and `return_sequences`). Received: {given.name!r} of type "
                    f"{type(given).__name__}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be "
                             'one of {"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        self.forward_layer = _renamed_copy(layer, "forward_")
        if backward_layer is None:
            backward_layer = _renamed_copy(layer, "backward_", go_backwards=True)
        self.backward_layer = backward_layer
        _check_pair(self.forward_layer, self.backward_layer)
        for each in (self.forward_layer, self.backward_layer):  # as Keras forces it
            each.zero_output_for_mask = each.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences, self.return_state = layer.return_sequences, layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec  # as Keras's: a rank error names the wrapper
        self._initial_weights = weights

    def build(self, sequences_shape, initial_state_shape=None):
        if sequences_shape and isinstance(sequences_shape[0], (list, tuple)):
            sequences_shape = sequences_shape[0]
        self.forward_layer.build_from_shape(sequences_shape)
        self.backward_layer.build_from_shape(sequences_shape)
        if self._initial_weights:
            half = len(self._initial_weights) // 2
            self.forward_layer.set_weights(self._initial_weights[:half])
            self.backward_layer.set_weights(self._initial_weights[half:])
            self._initial_weights = None

    def __call__(self, inputs, *args, **kwargs):
        if not any(isinstance(leaf, KerasTensor) for leaf in flatten(inputs)):
            return super().__call__(inputs, *args, **kwargs)
        # a symbolic call runs the wrapped layers on placeholders: as their own symbolic
        # calls (states untouched; StackedRNNCells' states nested as Keras's symbolic call
        # nests them)
        wrapped = [each for each in (self.forward_layer, self.backward_layer)
                   if isinstance(each, RNN)]
        for each in wrapped:
            each._symbolic_run = True
        try:
            return super().__call__(inputs, *args, **kwargs)
        finally:
            for each in wrapped:
                each._symbolic_run = False

    def call(self, sequences, initial_state=None, mask=None, training=None):
        if isinstance(sequences, (list, tuple)):
            sequences, initial_state = sequences[0], list(sequences[1:]) or initial_state
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, mask=mask,
                               training=training)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, mask=mask,
                                    training=training)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = P.getitem(y_rev, (slice(None), slice(None, None, -1)))
        output = _merge(self.merge_mode, y, y_rev)
        if self.return_state:
            return (output if isinstance(output, list) else [output]) + states
        return output

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        states = []
        if self.return_state:
            shape, states = shape[0], list(shape[1:])
        if self.merge_mode == "concat":
            shape = tuple(shape[:-1]) + (shape[-1] * 2,)
        outputs = [tuple(shape), tuple(shape)] if self.merge_mode is None else [tuple(shape)]
        if self.return_state:
            return outputs + states * 2
        return outputs if self.merge_mode is None else outputs[0]

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        # the merged output's mask, or both outputs' (merge_mode None); the states that
        # follow a merged output with return_state get None each, as Keras lists them
        output_mask = mask if self.return_sequences else None
        if self.merge_mode is None:
            return [output_mask, output_mask]
        if self.return_state:
            return [output_mask] + [None] * (2 * len(flatten(self.forward_layer.state_size)))
        return output_mask

    def reset_states(self):
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    reset_state = reset_states

    def get_config(self):
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": serialize_layer(self.forward_layer),
                "backward_layer": serialize_layer(self.backward_layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_layer(config["backward_layer"],
                                                         custom_objects)
        return cls(**config)


def _check_pair(forward, backward):
    if forward.go_backwards == backward.go_backwards:
        raise ValueError(
            "Forward layer and backward layer should have different `go_backwards` value. "
            f"Received: forward_layer.go_backwards {forward.go_backwards}, "  # Keras's words
            f"backward_layer.go_backwards={backward.go_backwards}")
    for attr in ("stateful", "return_sequences", "return_state"):
        if getattr(forward, attr) != getattr(backward, attr):
            raise ValueError(
                f'Forward layer and backward layer are expected to have the same value for '
                f'attribute "{attr}", got "{getattr(forward, attr)}" for forward layer and '
                f'"{getattr(backward, attr)}" for backward layer')


def _merge(mode, y, y_rev):
    if mode == "concat":
        return P.concatenate([y, y_rev], axis=-1)
    if mode == "sum":
        return P.add(y, y_rev)
    if mode == "ave":
        return P.divide(P.add(y, y_rev), 2.0)
    if mode == "mul":
        return P.multiply(y, y_rev)
    return [y, y_rev]
