"""StackedRNNCells: several cells run as one, each feeding the next within a timestep."""
import numpy as np

from ..layer import LAYERS, Layer, deserialize_layer, serialize_layer


@LAYERS.register("StackedRNNCells")
class StackedRNNCells(Layer):
    """Wraps a list of RNN cells so an RNN runs them as one cell.

    At each timestep ``x = cells[0](x, states[0])``, then ``cells[1]``, ...; the output is
    the last cell's. ``state_size`` is the list of the cells' state sizes, and the states
    are nested per cell.
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if not callable(getattr(cell, "call", None)) or getattr(cell, "state_size",
                                                                    None) is None:
                raise ValueError(
                    "All cells must have a `call` method and a `state_size` attribute. "
                    f"Received cells={cells}")
        self.cells = list(cells)

    @property
    def state_size(self):
        return [cell.state_size for cell in self.cells]

    def returned_state_size(self):
        """``state_size`` nested as the states a call returns, as Keras's do: a cell's states
        stay a list where its initial state is one (a built-in cell's ``get_initial_state``,
        or a list ``state_size``), a single state of a cell without ``get_initial_state``
        comes bare."""
        sizes = []
        for cell in self.cells:
            size = cell.state_size
            if isinstance(size, (list, tuple)):
                sizes.append(list(size))
            elif isinstance(getattr(cell, "get_initial_state", lambda batch_size: None)(
                    batch_size=1), (list, tuple)):
                sizes.append([size])
            else:
                sizes.append(size)
        return sizes

    @property
    def output_size(self):
        last = self.cells[-1]
        size = getattr(last, "output_size", None)
        if size is not None:
            return size
        state = last.state_size
        return state[0] if isinstance(state, (list, tuple)) else state

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer):
                cell.build_from_shape(shape)
            size = getattr(cell, "output_size", None)
            if size is None:
                size = cell.state_size[0] if isinstance(cell.state_size, (list, tuple)) \
                    else cell.state_size
            shape = shape[:-1] + (size,)

    def get_initial_state(self, batch_size=None):
        states = []
        for cell in self.cells:
            get = getattr(cell, "get_initial_state", None)
            if get is not None:
                states.append(get(batch_size=batch_size))
            else:
                size = cell.state_size
                states.append([np.zeros((batch_size, n), self.dtype) for n in size]
                              if isinstance(size, (list, tuple))
                              else np.zeros((batch_size, size), self.dtype))
        return states

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            cell_states = cell_states if isinstance(cell_states, (list, tuple)) else [
                cell_states]
            inputs, cell_new = cell(inputs, states=list(cell_states), training=training)
            new_states.append(cell_new if isinstance(cell_new, (list, tuple)) else [cell_new])
        return inputs, new_states

    def get_config(self):
        return {**super().get_config(),
                "cells": [serialize_layer(cell) for cell in self.cells]}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        cells = [deserialize_layer(c) for c in config.pop("cells")]
        return cls(cells, **config)
