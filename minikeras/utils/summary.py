"""model.summary(): Keras 3's box-drawn layer table and the parameter totals.

Keras draws the table with ``rich``; the layout rules reproduced here are rich's: each
column asks for ``int(position * line_length)`` minus the columns before it, plus one space
of padding on each side; when that (plus the borders) is wider than the line, the excess is
taken from the columns in equal shares, rounded as Python rounds; text wraps at spaces and
a word longer than its cell is cut with an ellipsis.
"""
import shutil

import numpy as np

_TOP = "┏━┳┓"
_HEAD_RULE = "┡━╇┩"
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
    """Widths between the vertical borders (text plus its two padding spaces)."""
    wanted, current = [], 0
    for position in positions:
        width = int(position * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        wanted.append(width + 2)
        current += width
    excess = sum(wanted) - (line_length - (len(positions) + 1))
    if excess <= 0:
        return wanted
    widths, remaining, shares = [], excess, len(wanted)
    for width in wanted:  # equal shares of the excess, as rich's ratio_reduce gives them
        cut = min(width, round(remaining / shares))
        widths.append(width - cut)
        remaining -= cut
        shares -= 1
    return widths


def _console_width():
    """The terminal's width, or 80 (``COLUMNS`` wins) when output is not a terminal."""
    return shutil.get_terminal_size().columns


def _wrap(text, width):
    """Greedy word wrap at spaces; a word longer than ``width`` is cut with an ellipsis."""
    lines, current = [], ""
    for word in text.split(" "):
        if len(word) > width:
            word = word[:width - 1] + "…"
        if current and len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            if current:
                lines.append(current)
            current = word
    lines.append(current)
    return lines


def _align(text, width, align):
    if align == "right":
        return text.rjust(width)
    if align == "center":
        left = (width - len(text)) // 2
        return " " * left + text + " " * (width - len(text) - left)
    return text.ljust(width)


def _border(chars, widths):
    left, fill, mid, right = chars
    return left + mid.join(fill * w for w in widths) + right


def _row(cells, widths, aligns, bar="│"):
    """One table row, wrapping each cell to its width; returns a list of lines."""
    wrapped = [_wrap(c, w - 2) for c, w in zip(cells, widths)]
    lines = []
    for i in range(max(len(c) for c in wrapped)):
        parts = []
        for cell, w, align in zip(wrapped, widths, aligns):
            text = cell[i] if i < len(cell) else ""
            parts.append(" " + _align(text, w - 2, align) + " ")
        lines.append(bar + bar.join(parts) + bar)
    return lines


def _layer_rows(model, show_trainable):
    rows = []
    sequential = hasattr(model, "_input_layer")
    for layer in model.layers:
        shape = None
        if sequential and layer.built and model.built:
            shape = _output_shape(model, layer)
        elif not sequential and layer.built:
            shape = _own_output_shape(layer)
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        row = [f"{layer.name} ({type(layer).__name__})", _shape_text(shape), params]
        if show_trainable:
            row.append(trainable_cell(layer))
        rows.append(row)
    return rows


def _output_shape(model, layer):
    shape = model.input_shape
    for each in model.layers:
        shape = each.compute_output_shape(shape)
        if each is layer:
            return shape
    return None


def _own_output_shape(layer):
    """A subclassed model's layer: the output shape for the input it was first built with."""
    input_shape = layer._first_call_shape or layer._build_input_shape
    if input_shape is None:
        return None
    try:
        return tuple(layer.compute_output_shape(input_shape))
    except Exception:  # a custom layer without a usable compute_output_shape
        return None


def _count(variables):
    return int(sum(np.prod(v.shape, dtype=np.int64) for v in variables))


def _bytes(variables):
    return int(sum(np.prod(v.shape, dtype=np.int64) * v.dtype.itemsize for v in variables))


def print_summary(model, line_length=None, positions=None, print_fn=None, show_trainable=False):
    """Print (or pass to ``print_fn``) the model's summary table."""
    print_table(model, ["Layer (type)", "Output Shape", "Param #"], ["left", "left", "right"],
                _layer_rows(model, show_trainable), positions or [0.45, 0.8, 1.0], 88,
                line_length, print_fn, show_trainable)


def trainable_cell(layer):
    """The ``Trainable`` column: Y / N, or - for a layer without weights."""
    return ("Y" if layer.trainable else "N") if layer.weights else "-"


def print_table(model, headers, aligns, rows, positions, default_length, line_length=None,
                print_fn=None, show_trainable=False):
    """Keras 3's box table of ``rows`` (which hold the Trainable cell when ``show_trainable``),
    then the parameter totals.

    The line is ``default_length`` wide (12 more with the Trainable column), but at most the
    terminal width - 4, and never wider than the console rich prints to.
    """
    print_fn = print_fn or print
    console = _console_width()
    default = default_length + (12 if show_trainable else 0)
    line_length = min(line_length or min(default, console - 4), console)
    positions = list(positions)
    if positions[-1] > 1:  # Keras 2 style absolute positions
        positions = [p / positions[-1] for p in positions]
    if show_trainable:
        positions = [p * 0.9 for p in positions] + [1.0]
        headers, aligns = headers + ["Trainable"], aligns + ["center"]
    lines = [f'Model: "{model.name}"'] + box_table(headers, aligns, rows, positions, line_length)
    lines += _totals(model)
    for line in lines:
        print_fn(line)


def box_table(headers, aligns, rows, positions, line_length):
    """The lines of a box-drawn table ``line_length`` wide; ``positions`` are the right edges
    of the columns as fractions of the line."""
    widths = _inner_widths(line_length, positions)
    lines = [_border(_TOP, widths)]
    lines += _row(headers, widths, aligns, bar="┃")
    lines.append(_border(_HEAD_RULE, widths))
    for i, row in enumerate(rows):
        lines += _row(row, widths, aligns)
        if i < len(rows) - 1:
            lines.append(_border(_RULE, widths))
    lines.append(_border(_BOTTOM, widths))
    return lines


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
