"""Keras 2 recurrent layers in legacy ``.h5`` files: CuDNNLSTM / CuDNNGRU and ``time_major``.

Keras 2 had GPU-only ``CuDNNLSTM`` and ``CuDNNGRU`` layers; its HDF5 loader converted
their weights into ``LSTM`` and ``GRU(reset_after=True)`` (Keras 3 dropped both the layers
and the conversion; minikeras keeps it). A CuDNN layer stored, per gate g:

* kernel ``(input_dim, G*units)``: block g holds cuDNN's input matrix W_g ``(units,
  input_dim)`` flattened row-major and laid into an ``(input_dim, units)`` array, so the
  Keras kernel block is ``block``;
* recurrent kernel ``(units, G*units)``: block g is cuDNN's R_g, the Keras block is R_gᵀ;
* bias ``(2*G*units,)``: the G input biases, then the G recurrent biases.

The gate blocks are in Keras's order (LSTM i, f, c, o; GRU z, r, h), so no block moves.
LSTM adds the two biases (LSTM has one); GRU's ``(2, 3*units)`` bias with ``reset_after``
is exactly the two rows. cuDNN computes tanh / sigmoid, the LSTM and GRU defaults.

Configs: ``CuDNNLSTM`` becomes ``LSTM`` and ``CuDNNGRU`` ``GRU(reset_after=True)``; Keras 2
recurrent configs carry ``time_major`` (Keras 3 removed the option), which is dropped when
False and refused when True (the inputs would be read along the wrong axis).
"""
import warnings

import numpy as np

from ..layers.rnn.gru import GRUCell
from ..layers.rnn.lstm import LSTMCell

_CUDNN_CLASSES = {"CuDNNLSTM": ("LSTM", {}), "CuDNNGRU": ("GRU", {"reset_after": True})}


# ---- configs ----------------------------------------------------------------------------------
def translate_legacy_rnn_configs(config):
    """A copy of a legacy model config with CuDNN layers renamed and ``time_major`` removed."""
    renamed, dropped = [], []

    def visit(node):
        if isinstance(node, list):
            return [visit(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: visit(value) for key, value in node.items()}
        inner = node.get("config")
        if isinstance(inner, dict) and "class_name" in node:
            name = inner.get("name", node["class_name"])
            if node["class_name"] in _CUDNN_CLASSES:
                new_class, extra = _CUDNN_CLASSES[node["class_name"]]
                renamed.append(f"{name} ({node['class_name']} -> {new_class})")
                node = {**node, "class_name": new_class, "config": {
                    **inner, "activation": "tanh", "recurrent_activation": "sigmoid",
                    **extra}}
                inner = node["config"]
            if "time_major" in inner:
                if inner["time_major"]:
                    raise ValueError(
                        f"Layer '{name}' ({node['class_name']}) was saved with "
                        "time_major=True: its inputs are (time, batch, features). Keras 3 and "
                        "minikeras take (batch, time, features) only; rebuild the layer "
                        "without time_major and transpose the inputs.")
                node = {**node, "config": {k: v for k, v in inner.items() if k != "time_major"}}
                dropped.append(name)
        return node

    translated = visit(config)
    if renamed:
        warnings.warn("Keras 2 cuDNN layers were loaded as their Keras 3 equivalents (weights "
                      f"converted): {', '.join(renamed)}.", stacklevel=3)
    if dropped:
        warnings.warn("Keras 2 recurrent layer configs carry `time_major=False`, an option "
                      f"Keras 3 removed; it was dropped for: {', '.join(dropped)}.",
                      stacklevel=3)
    return translated


# ---- weights ----------------------------------------------------------------------------------
def convert_cudnn_weights(layer, weights, arrays):
    """``arrays`` (stored in the order of ``weights``, the layer's legacy weight list) with
    every CuDNNLSTM / CuDNNGRU triple converted for the LSTM / GRU cells inside ``layer``
    (also inside Bidirectional, TimeDistributed and nested models)."""
    if len(weights) != len(arrays):
        return arrays  # the load plan reports the count mismatch
    position = {id(w): i for i, w in enumerate(weights)}
    arrays = list(arrays)
    for inner in layer._flatten_layers():
        if not isinstance(inner, (LSTMCell, GRUCell)) or inner.bias is None:
            continue
        variables = (inner.kernel, inner.recurrent_kernel, inner.bias)
        slots = [position.get(id(v)) for v in variables]
        if None in slots or not _cudnn_layout(inner, [arrays[i] for i in slots]):
            continue
        converted = _convert_triple(inner, *(_read(arrays[i]) for i in slots))
        for i, array in zip(slots, converted):
            arrays[i] = array
    return arrays


def _cudnn_layout(cell, stored):
    """Whether (kernel, recurrent_kernel, bias) as stored are a cuDNN layer's: the kernels
    have the cell's shapes and the bias holds 2 * gates * units values."""
    kernel, recurrent, bias = (tuple(a.shape) for a in stored)
    gates = 4 if isinstance(cell, LSTMCell) else 3
    return (kernel == tuple(cell.kernel.shape) and recurrent == tuple(cell.recurrent_kernel.shape)
            and bias == (2 * gates * cell.units,))


def _read(array):
    return array.read() if hasattr(array, "read") else np.asarray(array)


def _convert_triple(cell, kernel, recurrent, bias):
    gates, units = (4 if isinstance(cell, LSTMCell) else 3), cell.units
    if gates == 3 and not cell.reset_after:
        raise ValueError(
            f"The weights of a CuDNNGRU (bias of shape {bias.shape}) cannot be loaded into GRU "
            f"cell '{cell.name}' with reset_after=False: CuDNNGRU computes the reset_after=True "
            "variant. Build the layer with GRU(..., reset_after=True).")
    input_dim = kernel.shape[0]
    kernel = np.concatenate([block.reshape(units, input_dim).T
                             for block in np.split(kernel, gates, axis=1)], axis=1)
    recurrent = np.concatenate([block.T for block in np.split(recurrent, gates, axis=1)], axis=1)
    input_bias, recurrent_bias = np.split(bias, 2)
    bias = input_bias + recurrent_bias if gates == 4 else np.stack([input_bias, recurrent_bias])
    return kernel, recurrent, bias
