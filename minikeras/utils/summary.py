"""model.summary(): Keras 3's box-drawn layer table and the parameter totals.

Keras draws the table with ``rich``; the layout rules reproduced here are rich's: each
column asks for ``int(position * line_length)`` minus the columns before it, plus one space
of padding on each side; when that (plus the borders) is wider than the line, the excess is
taken from the columns in equal shares, rounded as Python rounds; text wraps at spaces and
a word longer than its cell is cut with an ellipsis.
"""
import math
import re
import shutil
import sys

import numpy as np

from ..config import is_interactive_logging_enabled
from ..io_utils import print_msg
from ..layers.layer import _built_at_init
from .summary_style import terminal_style, visible_cut

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
    """A shape as Keras's summary prints it: its sizes joined in parentheses, ``(None)`` for
    one of one dimension (no trailing comma)."""
    if shape is None:
        return "?"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


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
    if excess < 0:  # narrower than the line: the room left goes to the columns by width
        return _widened(wanted, -excess)
    widths, remaining, shares = [], excess, len(wanted)
    for width in wanted:  # equal shares of the excess, as rich's ratio_reduce gives them
        cut = min(width, round(remaining / shares))
        widths.append(width - cut)
        remaining -= cut
        shares -= 1
    return widths


def _widened(widths, room):
    """``widths`` with ``room`` spread over them in proportion to each width, rounding up as
    rich's table expands to its set width."""
    out, left, total = [], room, sum(widths)
    for width in widths:
        share = math.ceil(width * left / total) if total else left
        out.append(width + share)
        left -= share
        total -= width
    return out


def _console_width():
    """The terminal's width, or 80 (``COLUMNS`` wins) when output is not a terminal."""
    return shutil.get_terminal_size().columns


def _wrap(text, width):
    """Greedy word wrap at spaces; a word longer than ``width`` is cut with an ellipsis.
    Leading spaces stay with the first word (the indent of a nested summary row)."""
    lines, current = [], ""
    words = text.lstrip(" ").split(" ")
    words[0] = " " * (len(text) - len(text.lstrip(" "))) + words[0]
    for word in words:
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


def _row(cells, widths, aligns, bar="│", headers=None, style=None):
    """One table row, wrapping each cell to its width; returns a list of lines. Short cells
    are padded below; a header row (``headers`` None) above, as rich's header cells sit on
    the rule. ``style`` (a summary_style.Style) styles the cells of the columns ``headers``
    names, or the header row."""
    wrapped = [_wrap(c, w - 2) for c, w in zip(cells, widths)]
    height = max(len(c) for c in wrapped)
    if headers is None:
        wrapped = [[""] * (height - len(c)) + c for c in wrapped]
    lines = []
    for i in range(height):
        parts = []
        for column, (cell, w, align) in enumerate(zip(wrapped, widths, aligns)):
            text = _align(cell[i] if i < len(cell) else "", w - 2, align)
            if style is None:
                parts.append(" " + text + " ")
            elif headers is None:
                parts.append(style.header_line(text, w))
            else:
                parts.append(" " + style.cell_line(headers[column], text) + " ")
        lines.append(bar + bar.join(parts) + bar)
    return lines


def layer_range_bounds(layers, layer_range):
    """``[start, stop)`` of the layers ``layer_range`` selects (Keras's rule: the first layer
    whose name matches the first pattern to the last one matching the second, ``re.match``)."""
    if layer_range is None:
        return 0, len(layers)
    if not isinstance(layer_range, (list, tuple)) or len(layer_range) != 2:
        length = len(layer_range) if hasattr(layer_range, "__len__") else "?"
        raise ValueError("layer_range must be a list or tuple of length 2. Received: "
                         f"layer_range = {layer_range} of length {length}")
    if not all(isinstance(pattern, str) for pattern in layer_range):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    starts = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    ends = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not starts or not ends:
        raise ValueError("Passed layer_names do not match the layer names in the model. "
                         f"Received: {layer_range}")
    if min(starts) > max(ends):
        return min(ends), max(starts) + 1
    return min(starts), max(ends) + 1


def layer_rows(model, layers, show_trainable, expand_nested=False, layer_range=None,
               connections=None):
    """The table rows of ``layers`` (those ``layer_range`` selects), each followed, with
    ``expand_nested``, by the rows of the layers inside it (names prefixed ``   └ ``).
    ``connections(layer)`` fills a ``Connected to`` column (``-`` on nested rows)."""
    start, stop = layer_range_bounds(layers, layer_range)
    rows = []
    for layer in layers[start:stop]:
        rows += _rows_of(model, layer, 0, show_trainable, expand_nested, connections)
    return rows


def _rows_of(model, layer, level, show_trainable, expand_nested, connections):
    prefix = "   " * level + "└ " if level else ""
    row = [f"{prefix}{layer.name} ({keras_class_name(layer)})", shape_cell(model, layer),
           params_cell(layer)]
    if connections is not None:
        row.append(connections(layer) if level == 0 else "-")
    if show_trainable:
        row.append(trainable_cell(layer))
    rows = [row]
    if expand_nested and getattr(layer, "layers", None):
        for inner in layer.layers:
            rows += _rows_of(layer, inner, level + 1, show_trainable, expand_nested,
                             connections)
    return rows


def keras_class_name(layer):
    """The class name Keras shows for ``layer``: a ``keras.ops`` node shows its op's class
    (``add`` -> ``Add``), as in Keras's functional config."""
    keras_entry = getattr(layer, "keras_entry", None)
    return keras_entry()["class_name"] if keras_entry else type(layer).__name__


def params_cell(layer):
    # a weightless layer Keras builds in __init__ (Dropout, pooling) counts 0 before a call
    if layer.built or _built_at_init(type(layer)):
        return f"{layer.count_params():,}"
    return "0 (unbuilt)"


def shape_cell(model, layer):
    """The ``Output Shape`` cell of ``layer`` inside ``model``."""
    if hasattr(model, "_node_set"):
        # functional: as Keras, the outputs of the layer's last call in any graph (a layer
        # shared over inputs of other shapes shows its last call's shape)
        if not layer._inbound_nodes:
            return "?"
        shapes = [_shape_text(t.shape) for t in layer._inbound_nodes[-1].outputs]
        return shapes[0] if len(shapes) == 1 else "[" + ", ".join(shapes) + "]"
    if hasattr(model, "_input_layer"):  # sequential: the shapes chained from the input
        return _shape_text(_output_shape(model, layer) if layer.built and model.built else None)
    # as Keras: a layer called in a graph (inside a Sequential) shows its last call's
    # outputs; a functional model held by a subclassed one its outputs
    nodes = layer.__dict__.get("_inbound_nodes")
    outputs = nodes[-1].outputs if nodes else getattr(layer, "outputs", None)
    if outputs:
        shapes = [_shape_text(t.shape) for t in outputs]
        return shapes[0] if len(shapes) == 1 else "(" + ", ".join(shapes) + ")"
    # as Keras: "?" for a layer that recorded no build shapes (one Keras builds in __init__)
    return _shape_text(_own_output_shape(layer) if layer.built
                       and not _built_at_init(type(layer)) else None)


def _output_shape(model, layer):
    shape = model.input_shape
    for each in model.layers:
        shape = _traced_output_shape(each, shape) or each.compute_output_shape(shape)
        if each is layer:
            return shape
    return None


def _traced_output_shape(layer, input_shape):
    """A user's layer without ``compute_output_shape`` in a built Sequential: the output
    shape its traced call gave for ``input_shape`` (Keras runs the call to learn it; the
    base class's shape is its input's); None otherwise."""
    traced = layer.__dict__.get("_symbolic")
    if traced is None or not _lacks_output_shape(type(layer)) \
            or tuple(traced[0].shape) != tuple(input_shape):
        return None
    return tuple(traced[1].shape)


def _own_output_shape(layer):
    """A subclassed model's layer: the output shape for the input it was first built with
    (a layer built from several call arguments' shapes, MultiHeadAttention's query and
    value, is given them by name, as Keras's summary passes them); unknown (None) for a
    user's layer without ``compute_output_shape``, which Keras's base class does not
    provide."""
    input_shape = layer._build_input_shape
    shapes = layer.__dict__.get("_build_shapes_dict") or {}
    if (input_shape is None and not shapes) or _lacks_output_shape(type(layer)):
        return None
    try:
        if len(shapes) > 1 or input_shape is None:
            return tuple(layer.compute_output_shape(**shapes))
        return tuple(layer.compute_output_shape(input_shape))
    except Exception:  # a custom layer without a usable compute_output_shape
        return None


def _lacks_output_shape(cls):
    from ..layers.layer import Layer
    defining = next(k for k in cls.__mro__ if "compute_output_shape" in vars(k))
    return defining is Layer and not cls.__module__.startswith("minikeras.")


def _count(variables):
    return int(sum(np.prod(v.shape, dtype=np.int64) for v in variables))


def _bytes(variables):
    return int(sum(np.prod(v.shape, dtype=np.int64) * v.data.dtype.itemsize for v in variables))


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    """Print (or pass to ``print_fn``) the summary table of a Sequential or subclassed model."""
    rows = layer_rows(model, model.layers, show_trainable, expand_nested, layer_range)
    print_table(model, ["Layer (type)", "Output Shape", "Param #"], ["left", "left", "right"],
                rows, positions or [0.45, 0.8, 1.0], 88, line_length, print_fn, show_trainable)


def trainable_cell(layer):
    """The ``Trainable`` column: Y / N, or - for a layer without weights."""
    return ("Y" if layer.trainable else "N") if layer.weights else "-"


def print_table(model, headers, aligns, rows, positions, default_length, line_length=None,
                print_fn=None, show_trainable=False):
    """Keras 3's box table of ``rows`` (which hold the Trainable cell when ``show_trainable``),
    then the parameter totals.

    The line is ``line_length`` wide, by default ``default_length`` (12 more with the Trainable
    column) but at most the terminal width - 4; a table wider than the console is cut at the
    console's edge, as rich prints it. ``print_fn`` receives the whole text in one call,
    ending with a newline (Keras hands it rich's captured output).
    """
    console = _console_width()
    default = default_length + (12 if show_trainable else 0)
    line_length = line_length or min(default, console - 4)
    positions = list(positions)
    if positions[-1] > 1:  # Keras 2 style absolute positions
        positions = [p / positions[-1] for p in positions]
    if show_trainable:
        positions = [p * 0.9 for p in positions] + [1.0]
        headers, aligns = headers + ["Trainable"], aligns + ["center"]
    positions = positions[:len(headers)]  # Keras makes one column per header
    # as Keras: styled (through rich) only when printed on a terminal
    style = (terminal_style(sys.stdout) if print_fn is None and is_interactive_logging_enabled()
             else None)
    table = [visible_cut(line, console)
             for line in box_table(headers, aligns, rows, positions, line_length, style)]
    title = f'Model: "{model.name}"'
    text = "\n".join([style(title, bold=True) if style else title] + table +
                     _totals(model, style))
    if print_fn is None:
        print_msg(text)
    else:
        print_fn(text + "\n")


def box_table(headers, aligns, rows, positions, line_length, style=None):
    """The lines of a box-drawn table ``line_length`` wide; ``positions`` are the right edges
    of the columns as fractions of the line; ``style`` (summary_style.Style) styles it."""
    widths = _inner_widths(line_length, positions)
    lines = [_border(_TOP, widths)]
    lines += _row(headers, widths, aligns, bar="┃", style=style)
    lines.append(_border(_HEAD_RULE, widths))
    for i, row in enumerate(rows):
        lines += _row(row, widths, aligns, headers=headers, style=style)
        if i < len(rows) - 1:
            lines.append(_border(_RULE, widths))
    lines.append(_border(_BOTTOM, widths))
    return lines


def _totals(model, style=None):
    trainable, frozen = model.trainable_weights, model.non_trainable_weights
    optimizer = getattr(model, "optimizer", None)
    opt_vars = list(optimizer.variables) if optimizer is not None and getattr(
        optimizer, "built", False) else []
    total = _count(trainable) + _count(frozen) + _count(opt_vars)
    total_bytes = _bytes(trainable) + _bytes(frozen) + _bytes(opt_vars)
    totals = [(" Total params: ", total, total_bytes),
              (" Trainable params: ", _count(trainable), _bytes(trainable)),
              (" Non-trainable params: ", _count(frozen), _bytes(frozen))]
    if opt_vars:
        totals.append((" Optimizer params: ", _count(opt_vars), _bytes(opt_vars)))
    if style is None:
        return [f"{label}{count:,} ({readable_size(size)})" for label, count, size in totals]
    return [style.total_line(label, f"{count:,}", readable_size(size))
            for label, count, size in totals]
