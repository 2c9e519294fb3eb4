"""model.summary(): Keras 3's box-drawn layer table and the parameter totals."""
import textwrap

import numpy as np

_TOP = "┏━┳┓"
_HEAD = "┃┃┃"
_HEAD_RULE = "┡━╇┩"
_ROW = "│││"
_RULE = "├─┼┤"
_BOTTOM = "└─┴┘"


def readable_size(n_bytes):
    """``54568`` -> ``"53.29 KB"`` (powers of 1024, two decimals)."""
    for unit in ("B", "KB", "MB", "GB"):
        if n_bytes < 1024 or unit == "GB":
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024


def _shape_text(shape):
    if shape is None:
        return "?"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (
        ",)" if len(shape) == 1 else ")")


def _inner_widths(line_length, positions):
    """Widths between the vertical borders, spreading the line by the column fractions."""
    available = line_length - (len(positions) + 1)
    bounds = [0.0] + list(positions)
    widths = [round((b - a) * available) for a, b in zip(bounds, bounds[1:])]
    widths[-1] += available - sum(widths)
    return widths


def _border(chars, widths):
    left, fill, mid, right = chars
    return left + mid.join(fill * w for w in widths) + right


def _row(cells, widths, aligns, bar="│"):
    """One table row, wrapping each cell to its width; returns a list of lines."""
    wrapped = [textwrap.wrap(c, w - 2, break_long_words=True) or [""] for c, w in zip(cells, widths)]
    lines = []
    for i in range(max(len(c) for c in wrapped)):
        parts = []
        for cell, w, align in zip(wrapped, widths, aligns):
            text = cell[i] if i < len(cell) else ""
            parts.append(" " + (text.rjust(w - 2) if align == "right" else text.ljust(w - 2)) + " ")
        lines.append(bar + bar.join(parts) + bar)
    return lines


def _layer_rows(model, show_trainable):
    rows = []
    for layer in model.layers:
        shape = None
        if layer.built and model.built:
            shape = _output_shape(model, layer)
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        row = [f"{layer.name} ({type(layer).__name__})", _shape_text(shape), params]
        if show_trainable:
            row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        rows.append(row)
    return rows


def _output_shape(model, layer):
    shape = model.input_shape
    for each in model.layers:
        shape = each.compute_output_shape(shape)
        if each is layer:
            return shape
    return None


def _count(variables):
    return int(sum(np.prod(v.shape, dtype=np.int64) for v in variables))


def _bytes(variables):
    return int(sum(np.prod(v.shape, dtype=np.int64) * v.dtype.itemsize for v in variables))


def print_summary(model, line_length=None, positions=None, print_fn=None, show_trainable=False):
    """Print (or pass to ``print_fn``) the model's summary table."""
    print_fn = print_fn or print
    line_length = line_length or (100 if show_trainable else 88)
    headers = ["Layer (type)", "Output Shape", "Param #"] + (["Trainable"] if show_trainable else [])
    if positions is None:
        positions = [0.45, 0.8, 1.0] if not show_trainable else [0.37, 0.65, 0.85, 1.0]
    elif positions[-1] <= 1:
        positions = list(positions)
    else:
        positions = [p / line_length for p in positions]
    widths = _inner_widths(line_length, positions)
    aligns = ["left", "left", "right"] + (["left"] if show_trainable else [])
    lines = [f'Model: "{model.name}"', _border(_TOP, widths)]
    lines += _row(headers, widths, aligns, bar="┃")
    lines.append(_border(_HEAD_RULE, widths))
    rows = _layer_rows(model, show_trainable)
    for i, row in enumerate(rows):
        lines += _row(row, widths, aligns)
        if i < len(rows) - 1:
            lines.append(_border(_RULE, widths))
    lines.append(_border(_BOTTOM, widths))
    lines += _totals(model)
    for line in lines:
        print_fn(line)


def _totals(model):
    if not model.built:
        return [" Total params: 0 (unbuilt)", " Trainable params: 0 (unbuilt)",
                " Non-trainable params: 0 (unbuilt)"]
    trainable, frozen = model.trainable_weights, model.non_trainable_weights
    optimizer = getattr(model, "optimizer", None)
    opt_vars = list(optimizer.variables) if optimizer is not None and getattr(
        optimizer, "built", False) else []
    total = _count(trainable) + _count(frozen) + _count(opt_vars)
    total_bytes = _bytes(trainable) + _bytes(frozen) + _bytes(opt_vars)
    lines = [f" Total params: {total:,} ({readable_size(total_bytes)})",
             f" Trainable params: {_count(trainable):,} ({readable_size(_bytes(trainable))})",
             f" Non-trainable params: {_count(frozen):,} ({readable_size(_bytes(frozen))})"]
    if opt_vars:
        lines.append(f" Optimizer params: {_count(opt_vars):,} ({readable_size(_bytes(opt_vars))})")
    return lines
