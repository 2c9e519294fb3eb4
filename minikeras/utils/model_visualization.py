"""keras.utils.plot_model / model_to_dot: a model's layers and connections drawn by Graphviz.

The graph is built with pydot (the optional extra ``minikeras[plot]``) and rendered by
Graphviz's ``dot`` program, as Keras does. Each layer is one box (an HTML-like table: name
and class, then optional activation, shapes, dtype and trainable rows); each edge joins
the layer that made a tensor to the layer that reads it. With ``expand_nested``, a nested
Sequential or functional model becomes a dashed cluster, and edges enter and leave it at
its first / last layers.
"""
import os
import sys

from ..io_utils import print_msg
from ..tree import map_structure
from .summary import keras_class_name

# Keras's sentences, then how minikeras gets the missing piece
_PYDOT_MISSING = "You must install pydot (`pip install pydot`) for {what} to work."
_PYDOT_HINT = ' It comes with minikeras\'s "plot" extra: pip install "minikeras[plot]"'
_GRAPHVIZ_MISSING = ("You must install graphviz (see instructions at "
                     "https://graphviz.gitlab.io/download/) for `plot_model` to work.")
_GRAPHVIZ_HINT = " On Debian or Ubuntu: `apt-get install graphviz` (its `dot` program draws)."
_NOTEBOOK_MODULE = "IPython.core.magics.namespace"  # loaded inside IPython / Jupyter
_MODEL_MODULES = {"minikeras.models.functional": "Functional",
                  "minikeras.models.sequential": "Sequential"}
_OPTIONS = ("show_shapes", "show_dtype", "show_layer_names", "show_layer_activations",
            "show_trainable")


def _pydot(what):
    """pydot, or Keras's ImportError naming ``what`` needs it."""
    try:
        import pydot
    except ImportError:
        raise ImportError(_PYDOT_MISSING.format(what=what) + _PYDOT_HINT) from None
    return pydot


def _graphviz_problem(pydot):
    """Why Graphviz cannot draw (its ``dot`` program missing or failing), or None."""
    try:
        pydot.Dot().create()  # renders an empty graph
    except (OSError, pydot.PydotException) as error:
        return f"{_GRAPHVIZ_MISSING}{_GRAPHVIZ_HINT} ({error})"
    return None


def _tools_problem():
    """Why plot_model cannot draw (pydot or Graphviz missing), or None."""
    try:
        pydot = _pydot("`plot_model`")
    except ImportError as error:
        return str(error)
    return _graphviz_problem(pydot)


def _check_built(model):
    if not getattr(model, "built", False):
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` or "
            "by calling the model on a batch of data.")


def _check_kwargs(kwargs):
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")


def _is_model(layer):
    return _model_kind(layer) is not None


def _model_kind(layer):
    """"Functional" or "Sequential" for those models and their subclasses (Keras draws a
    keras.Model subclass built the functional way as a graph), else None."""
    for klass in type(layer).__mro__:
        if _MODEL_MODULES.get(klass.__module__) == klass.__name__:
            return klass.__name__
    return None


def _shape_text(structure):
    """The shapes of a KerasTensor structure as Keras prints them: ``(None, 3)``; a list or
    tuple as Python prints it; a dict as ``key: shape, ...``; no braces anywhere."""
    if structure is None:
        return "?"
    shapes = map_structure(lambda tensor: tensor.shape, structure)
    if isinstance(shapes, dict):
        text = ", ".join(f"{key}: {shape}" for key, shape in shapes.items())
    else:
        text = str(shapes)
    return text.replace("{", "").replace("}", "")


def _dtype_text(structure):
    """The dtypes of a KerasTensor structure: ``float32``; a list / dict of their names."""
    if structure is None:
        return "?"
    return str(map_structure(lambda tensor: tensor.dtype, structure)) or "?"


def _symbolic(layer, attribute):
    try:
        return getattr(layer, attribute)
    except (AttributeError, ValueError):
        return None


def _activation_name(activation):
    return getattr(activation, "name", None) or getattr(activation, "__name__", None) or \
        str(activation)


def _cell(text, colspan=None, bgcolor="white", color=None, size=14, span_first=False):
    """A table cell; Keras writes ``colspan`` before ``bgcolor`` in the title cell only."""
    span = f' colspan="{colspan}"' if colspan else ""
    font_color = f' color="{color}"' if color else ""
    attributes = f'{span} bgcolor="{bgcolor}"' if span_first else f' bgcolor="{bgcolor}"{span}'
    return f'<td{attributes}><font point-size="{size}"{font_color}>{text}</font></td>'


def layer_label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations,
                show_trainable):
    """The HTML-like table that labels one layer's box."""
    class_name = keras_class_name(layer)
    row = []  # the cells of the bottom row
    if show_shapes:
        if class_name != "InputLayer":
            row.append(_cell(f"Input shape: <b>{_shape_text(_symbolic(layer, 'input'))}</b>"))
        row.append(_cell(f"Output shape: <b>{_shape_text(_symbolic(layer, 'output'))}</b>"))
    if show_dtype:
        row.append(_cell(f"Output dtype: <b>{_dtype_text(_symbolic(layer, 'output'))}</b>"))
    if show_trainable and layer.weights:
        row.append(_cell("<b>Trainable</b>", bgcolor="forestgreen", color="white")
                   if layer.trainable else
                   _cell("<b>Non-trainable</b>", bgcolor="firebrick", color="white"))
    colspan = max(1, int(show_dtype) + int(show_trainable) + 2 * int(show_shapes))
    title = f"<b>{layer.name}</b> ({class_name})" if show_layer_names else f"<b>{class_name}</b>"
    rows = [_cell(title, colspan, bgcolor="black", color="white", size=16, span_first=True)]
    activation = getattr(layer, "activation", None)
    if show_layer_activations and activation is not None:
        rows.append(_cell(f"Activation: <b>{_activation_name(activation)}</b>", colspan))
    table = "".join(f"<tr>{cell}</tr>" for cell in rows)
    if row:
        table += f"<tr>{''.join(row)}</tr>"
    return f'<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">{table}</table>>'


def _first_layer(model, input_index):
    """Where an edge into an expanded nested model lands: a real layer, not a model."""
    while _is_model(model):
        if _model_kind(model) == "Functional":
            model = model.inputs[input_index]._keras_history[0]
        else:
            model = model.layers[0]
    return model


def _last_layer(model, output_index):
    """Where an edge out of an expanded nested model starts: the layer making the output."""
    while _is_model(model):
        if _model_kind(model) == "Functional":
            model, _, output_index = model.outputs[output_index]._keras_history
        else:
            model = model.layers[-1]
    return model


def _graph_layers(model):
    """What the graph of ``model`` draws: a functional model's layers and op nodes (its
    ``operations``, as Keras draws), other models' layers."""
    return model.operations if hasattr(model, "operations") else model.layers


def _edges(model):
    """``(source layer, output index, destination layer, input index)`` for each connection
    inside ``model``, in layer order."""
    layers = _graph_layers(model)
    if _model_kind(model) == "Sequential":
        return [(a, 0, b, 0) for a, b in zip(layers, layers[1:])]
    edges = []
    for layer in layers:
        for node in getattr(layer, "_inbound_nodes", []):
            if node not in model._node_set:
                continue
            for input_index, tensor in enumerate(node.inputs):
                source, _, output_index = tensor._keras_history
                edges.append((source, output_index, layer, input_index))
    return edges


def _add_edge(dot, pydot, source, destination):
    source_id, destination_id = str(id(source)), str(id(destination))
    if not dot.get_edge(source_id, destination_id):
        edge = pydot.Edge(source_id, destination_id)
        edge.set("penwidth", "2")
        dot.add_edge(edge)


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", expand_nested=False, dpi=200, subgraph=False,
                 show_layer_activations=False, show_trainable=False, splines="ortho",
                 **kwargs):
    """The model as a ``pydot.Dot`` graph (a ``pydot.Cluster`` when ``subgraph``).

    Args:
        model: a built Sequential or functional model (any other model is one box).
        show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable:
            what each box shows besides the layer class.
        rankdir: ``"TB"`` (top to bottom) or ``"LR"`` (left to right).
        expand_nested: draw nested models' layers inside dashed clusters.
        dpi: resolution of the rendered image.
        subgraph: return a ``pydot.Cluster`` (used for nested models).
        splines: Graphviz's edge style (``"ortho"``, ``"curved"``, ``"polyline"``,
            ``"spline"``, ``"line"``).
    """
    _check_built(model)
    pydot = _pydot("model_to_dot")
    _check_kwargs(kwargs)
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
        dot.set_node_defaults(shape="record")
    options = dict(zip(_OPTIONS, (show_shapes, show_dtype, show_layer_names,
                                  show_layer_activations, show_trainable)))
    if not _is_model(model):  # a subclassed model: one box
        dot.add_node(_node(pydot, model, options))
        return dot
    for layer in _graph_layers(model):
        if expand_nested and _is_model(layer):
            dot.add_subgraph(model_to_dot(layer, rankdir=rankdir, expand_nested=True,
                                          subgraph=True, **options))
        else:
            dot.add_node(_node(pydot, layer, options))
    for source, output_index, destination, input_index in _edges(model):
        if expand_nested:
            source = _last_layer(source, output_index)
            destination = _first_layer(destination, input_index)
        _add_edge(dot, pydot, source, destination)
    return dot


def _node(pydot, layer, options):
    node = pydot.Node(str(id(layer)), label=layer_label(layer, **options))
    node.set("fontname", "Helvetica")
    node.set("border", "0")
    node.set("margin", "0")
    return node


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=False, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, splines="ortho", **kwargs):
    """Draw the model into ``to_file`` (the extension picks the format: ``.png``, ``.svg``,
    ``.pdf``, ``.dot``...; none means PNG). Needs pydot (``minikeras[plot]``) and Graphviz.

    The arguments are :func:`model_to_dot`'s. Returns an IPython ``Image`` of the file when
    IPython is installed and the file is not a PDF, else None. Without pydot or Graphviz it
    raises ImportError, except inside IPython / Jupyter, where it prints why and returns
    None (as Keras does, so a notebook runs on).
    """
    _check_built(model)
    problem = _tools_problem()
    if problem is not None:
        if _NOTEBOOK_MODULE in sys.modules:  # a notebook says so and goes on, as Keras's
            print_msg(problem)
            return None
        raise ImportError(problem)
    _check_kwargs(kwargs)
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable, splines=splines)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    dot.write(to_file, format=extension)
    if extension != "pdf":
        try:
            from IPython import display
        except ImportError:
            return None
        return display.Image(filename=to_file)
    return None
