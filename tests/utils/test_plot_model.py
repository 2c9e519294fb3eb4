"""plot_model / model_to_dot through pydot and Graphviz: real files, every layer and edge.

The DOT file Graphviz writes is parsed back with pydot; each node's label names its layer,
so the edges can be checked as (layer name -> layer name) pairs.
"""
import re
import sys
import types

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers as L
from tests.optional_extras import require_module, require_program


@pytest.fixture(autouse=True)
def plotting_installed():
    require_module("pydot", "plot")
    require_program("dot", "install Graphviz: apt-get install graphviz")


def sequential():
    return keras.Sequential([keras.Input((4,)), L.Dense(8, activation="relu", name="hidden"),
                             L.Dropout(0.1, name="drop"), L.Dense(2, name="out")], name="seq")


def branching():
    """x -> a (relu) and b; concat(a, b) -> nested Sequential sub (s1 tanh, s2)."""
    inp = keras.Input((4,), name="x")
    a = L.Dense(3, activation="relu", name="a")(inp)
    b = L.Dense(3, name="b")(inp)
    c = L.Concatenate(name="c")([a, b])
    sub = keras.Sequential([keras.Input((6,)), L.Dense(2, activation="tanh", name="s1"),
                            L.Dense(1, name="s2")], name="sub")
    return keras.Model(inp, sub(c), name="branchy")


def all_nodes(graph):
    nodes = list(graph.get_nodes())
    for sub in graph.get_subgraphs():
        nodes += all_nodes(sub)
    return nodes


def all_edges(graph):
    edges = list(graph.get_edges())
    for sub in graph.get_subgraphs():
        edges += all_edges(sub)
    return edges


def read_dot(path):
    """{node id: layer name}, {(source name, destination name)} from a written .dot file."""
    import pydot
    graph = pydot.graph_from_dot_file(str(path))[0]
    names = {}
    for node in all_nodes(graph):
        label = node.get("label")
        if label and "<b>" in label:  # skips the default node style (label="\N")
            names[node.get_name()] = re.search(r"<b>([^<]+)</b>", label).group(1)
    edges = {(names[e.get_source()], names[e.get_destination()]) for e in all_edges(graph)}
    return names, edges


def test_sequential_png_and_dot(tmp_path):
    model = sequential()
    keras.utils.plot_model(model, to_file=tmp_path / "seq.png")
    assert (tmp_path / "seq.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    keras.utils.plot_model(model, to_file=tmp_path / "seq.dot", show_layer_names=True)
    names, edges = read_dot(tmp_path / "seq.dot")
    assert sorted(names.values()) == ["drop", "hidden", "out"]  # no InputLayer box
    assert edges == {("hidden", "drop"), ("drop", "out")}


def test_functional_with_branches_and_a_nested_model(tmp_path):
    model = branching()
    keras.utils.plot_model(model, to_file=tmp_path / "m.dot", show_layer_names=True)
    names, edges = read_dot(tmp_path / "m.dot")
    assert sorted(names.values()) == ["a", "b", "c", "sub", "x"]
    assert edges == {("x", "a"), ("x", "b"), ("a", "c"), ("b", "c"), ("c", "sub")}


def test_expand_nested_draws_the_inner_layers_in_a_cluster(tmp_path):
    model = branching()
    keras.utils.plot_model(model, to_file=tmp_path / "m.dot", show_layer_names=True,
                           expand_nested=True)
    names, edges = read_dot(tmp_path / "m.dot")
    assert sorted(names.values()) == ["a", "b", "c", "s1", "s2", "x"]
    assert edges == {("x", "a"), ("x", "b"), ("a", "c"), ("b", "c"), ("c", "s1"),
                     ("s1", "s2")}
    assert "subgraph cluster_sub" in (tmp_path / "m.dot").read_text()


def test_labels_show_what_is_asked(tmp_path):
    model = branching()
    model.get_layer("b").trainable = False
    dot = keras.utils.model_to_dot(model, show_shapes=True, show_dtype=True,
                                   show_layer_activations=True, show_trainable=True)
    labels = {re.search(r"<b>([^<]+)</b>", n.get("label")).group(1): n.get("label")
              for n in dot.get_nodes() if n.get("label")}
    assert "Activation: <b>relu</b>" in labels["a"]
    assert "Input shape: <b>(None, 4)</b>" in labels["a"]
    assert "Output shape: <b>(None, 3)</b>" in labels["a"]
    assert "Input shape: <b>[(None, 3), (None, 3)]</b>" in labels["c"]
    assert "Output dtype: <b>float32</b>" in labels["c"]
    assert "<b>Trainable</b>" in labels["a"] and "<b>Non-trainable</b>" in labels["b"]
    assert "Trainable" not in labels["c"]  # no weights, no trainable cell
    assert "Input shape" not in labels["x"]  # an InputLayer shows its output only
    plain = keras.utils.model_to_dot(model, show_layer_names=False)
    assert all("Activation" not in n.get("label") and "shape" not in n.get("label")
               for n in plain.get_nodes() if n.get("label"))
    assert any("<b>Dense</b>" in n.get("label") for n in plain.get_nodes() if n.get("label"))


def test_rankdir_and_dpi_reach_graphviz(tmp_path):
    keras.utils.plot_model(sequential(), to_file=tmp_path / "m.dot", rankdir="LR", dpi=72)
    text = (tmp_path / "m.dot").read_text()
    assert "rankdir=LR" in text and "dpi=72" in text


@pytest.mark.parametrize("extension, magic", [("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_other_formats(tmp_path, extension, magic):
    keras.utils.plot_model(sequential(), to_file=tmp_path / f"m.{extension}")
    assert (tmp_path / f"m.{extension}").read_bytes().startswith(magic)


def test_missing_pydot_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pydot", None)
    with pytest.raises(ImportError, match=r"pip install pydot.*minikeras\[plot\]"):
        keras.utils.plot_model(sequential(), to_file=tmp_path / "m.png")
    assert not (tmp_path / "m.png").exists()


def test_missing_pydot_starts_with_keras_s_sentence_naming_the_function(monkeypatch):
    """Keras 3.15: "... for `plot_model` to work." from plot_model, "... for model_to_dot to
    work." from model_to_dot (minikeras named plot_model in both)."""
    monkeypatch.setitem(sys.modules, "pydot", None)
    with pytest.raises(ImportError) as plot_error:
        keras.utils.plot_model(sequential())
    with pytest.raises(ImportError) as dot_error:
        keras.utils.model_to_dot(sequential())
    assert str(plot_error.value).startswith(
        "You must install pydot (`pip install pydot`) for `plot_model` to work.")
    assert str(dot_error.value).startswith(
        "You must install pydot (`pip install pydot`) for model_to_dot to work.")


def test_missing_graphviz_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` here
    with pytest.raises(ImportError) as error:
        keras.utils.plot_model(sequential(), to_file=tmp_path / "m.png")
    assert str(error.value).startswith(  # Keras 3.15's sentence, then how to install it
        "You must install graphviz (see instructions at https://graphviz.gitlab.io/download/) "
        "for `plot_model` to work. On Debian or Ubuntu: `apt-get install graphviz`")
    assert not (tmp_path / "m.png").exists()
    assert keras.utils.model_to_dot(sequential()).to_string().startswith("digraph")


@pytest.mark.parametrize("missing", ["pydot", "graphviz"])
def test_in_a_notebook_a_missing_tool_is_printed_not_raised(monkeypatch, tmp_path, capsys,
                                                            missing):
    """Keras 3.15 inside IPython (IPython.core.magics.namespace loaded): plot_model prints
    why it cannot draw and returns None, so the notebook runs on (minikeras raised)."""
    monkeypatch.setitem(sys.modules, "IPython.core.magics.namespace",
                        types.ModuleType("IPython.core.magics.namespace"))
    if missing == "pydot":
        monkeypatch.setitem(sys.modules, "pydot", None)
    else:
        monkeypatch.setenv("PATH", str(tmp_path))
    assert keras.utils.plot_model(sequential(), to_file=tmp_path / "m.png") is None
    assert f"You must install {missing}" in capsys.readouterr().out
    assert not (tmp_path / "m.png").exists()


@pytest.mark.parametrize("file_name, image", [("m.png", True), ("m.svg", True),
                                              ("m.pdf", False)])
def test_returns_an_ipython_image_when_ipython_is_there(monkeypatch, tmp_path, file_name,
                                                        image):
    """With IPython installed, plot_model returns IPython.display.Image(filename=the file)
    (not for a PDF); without it, None."""
    class Image:
        def __init__(self, filename):
            self.filename = filename

    display = types.ModuleType("IPython.display")
    display.Image = Image
    ipython = types.ModuleType("IPython")
    ipython.display = display
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display)
    returned = keras.utils.plot_model(sequential(), to_file=tmp_path / file_name)
    if image:
        assert isinstance(returned, Image) and returned.filename == str(tmp_path / file_name)
    else:
        assert returned is None
    monkeypatch.setitem(sys.modules, "IPython", None)
    assert keras.utils.plot_model(sequential(), to_file=tmp_path / file_name) is None


def test_a_layer_with_several_outputs_shows_each_dtype():
    """Keras 3.15 shows the list of the output dtypes (minikeras showed "?")."""
    inputs = keras.Input((5, 3))
    outputs = L.LSTM(4, return_state=True, name="lstm")(inputs)
    model = keras.Model(inputs, L.Concatenate()(list(outputs)))
    label = next(n.get("label") for n in keras.utils.model_to_dot(model, show_dtype=True)
                 .get_nodes() if "<b>lstm</b>" in (n.get("label") or ""))
    assert "Output dtype: <b>['float32', 'float32', 'float32']</b>" in label


def test_the_input_shape_lists_every_tensor_of_the_call():
    """Keras 3.15's Input shape cell is layer.input: every tensor the layer's first call
    took (MultiHeadAttention's query and value, an op's operands); minikeras showed the
    first argument's alone."""
    query, value = keras.Input((4, 8)), keras.Input((6, 8))
    attended = L.MultiHeadAttention(num_heads=2, key_dim=2, name="mha")(query, value)
    model = keras.Model([query, value], keras.ops.add(attended, query))
    labels = [n.get("label") for n in keras.utils.model_to_dot(model, show_shapes=True)
              .get_nodes() if n.get("label")]
    mha = next(label for label in labels if "<b>mha</b>" in label)
    add = next(label for label in labels if "(Add)" in label)
    assert "Input shape: <b>[(None, 4, 8), (None, 6, 8)]</b>" in mha
    assert "Input shape: <b>[(None, 4, 8), (None, 4, 8)]</b>" in add


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="not yet been built"):
        keras.utils.plot_model(keras.Sequential([L.Dense(2)]), to_file=tmp_path / "m.png")
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        keras.utils.plot_model(sequential(), to_file=tmp_path / "m.png", colour=True)
    with pytest.raises(ValueError, match="layer_range"):
        keras.utils.model_to_dot(sequential(), layer_range=["a", "b"])


def test_a_subclassed_model_is_one_box():
    class Tiny(keras.Model):
        def __init__(self):
            super().__init__(name="tiny")
            self.dense = L.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Tiny()
    model(np.ones((1, 3), "float32"))
    dot = keras.utils.model_to_dot(model)
    labels = [n.get("label") for n in dot.get_nodes() if n.get("label")]
    assert len(labels) == 1 and "<b>tiny</b> (Tiny)" in labels[0]
    assert dot.get_edges() == []


def labels_by_name(dot):
    """{layer name: label} of every box, clusters included."""
    return {re.search(r"<b>([^<]+)</b>", n.get("label")).group(1): n.get("label")
            for n in all_nodes(dot) if n.get("label") and "<b>" in n.get("label")}


def read_dot_text(dot):
    """read_dot's answer for a pydot graph in memory."""
    import pydot
    graph = pydot.graph_from_dot_data(dot.to_string())[0]
    names = {n.get_name(): re.search(r"<b>([^<]+)</b>", n.get("label")).group(1)
             for n in all_nodes(graph) if n.get("label") and "<b>" in n.get("label")}
    return names, {(names[e.get_source()], names[e.get_destination()])
                   for e in all_edges(graph)}


def test_subclasses_of_functional_and_sequential_are_drawn_as_graphs():
    """Keras 3.15 draws a keras.Model subclass built the functional way, and a Sequential
    subclass, as their layers (class names their own); minikeras drew each as one box."""
    class Tower(keras.Model):
        def __init__(self, **kwargs):
            inputs = keras.Input((4,), name="tower_in")
            super().__init__(inputs, L.Dense(2, name="tower_dense")(inputs), **kwargs)

    class Stack(keras.Sequential):
        pass

    model = Stack([keras.Input((4,)), Tower(name="tower"), L.Dense(1, name="top")],
                  name="stack")
    plain = labels_by_name(keras.utils.model_to_dot(model))
    assert sorted(plain) == ["top", "tower"] and "<b>tower</b> (Tower)" in plain["tower"]
    _, edges = read_dot_text(keras.utils.model_to_dot(model, expand_nested=True))
    assert edges == {("tower_in", "tower_dense"), ("tower_dense", "top")}


def test_dict_outputs_show_as_keras_shows_them():
    """Keras 3.15: a nested model with dict outputs shows ``up: (None, 2), down: (None, 3)``
    and ``{'up': 'float32', 'down': 'float32'}``; a layer returning a dict shows its flat
    list. minikeras failed (AttributeError: 'dict' object has no attribute 'dtype')."""
    class Fork(keras.layers.Layer):
        def call(self, x):
            return {"plus": x + 1.0, "minus": x - 1.0}

    i = keras.Input((3,))
    inner = keras.Model(i, {"up": L.Dense(2)(i), "down": L.Dense(3)(i)}, name="dict_out")
    x = keras.Input((3,))
    outs = inner(x)
    forked = Fork(name="fork")(outs["down"])
    model = keras.Model(x, L.Concatenate()([outs["up"], forked["plus"], forked["minus"]]))
    labels = labels_by_name(keras.utils.model_to_dot(model, show_shapes=True,
                                                     show_dtype=True))
    assert "Output shape: <b>up: (None, 2), down: (None, 3)</b>" in labels["dict_out"]
    assert "Output dtype: <b>{'up': 'float32', 'down': 'float32'}</b>" in labels["dict_out"]
    assert "Output shape: <b>[(None, 3), (None, 3)]</b>" in labels["fork"]
    assert "Output dtype: <b>['float32', 'float32']</b>" in labels["fork"]
