"""The package's imports flow one way (docs/architecture.md, DESIGN.md "Imports flow one way").

Every module under minikeras/ is parsed (ast, nothing is imported). An edge A -> B is an
import in A that names module B of the package: ``import minikeras.x``, ``from . import x``
(x a module), ``from .x import name``. Importing ``pkg.mod`` also runs ``pkg/__init__.py``;
those implicit edges are not counted, so a cycle reported here is a cycle in what the
files themselves say.

* Module-level imports run when a module is first imported: they must form no cycle.
* Function-level ("lazy") imports run later; one that reaches a higher layer of the
  picture below is an upward dependency hidden from the import system. They are listed,
  and every one must be in ``KNOWN_UPWARD`` with its reason: a new one fails the test.
"""
import ast
import functools
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "minikeras"

# The layers of the package, lowest first (docs/architecture.md). A module may import its
# own layer and the layers below it.
LAYERS = [
    {"arguments", "backend", "config", "dtype_policies", "io_utils", "random", "registry", "naming",
     "tree"},
    {"autodiff"},
    {"ops"},
    {"activations", "initializers", "regularizers", "constraints", "losses", "metrics",
     "optimizers", "variables", "mixed_precision", "rematerialization", "quantizers"},
    {"layers"},
    {"saving", "callbacks", "utils", "datasets", "diagnostics", "legacy"},
    {"models", "distribution", "horovod", "applications", "preprocessing", "wrappers",
     "visualization", "distillation"},
    {"__init__"},
]

# Lazy upward imports that stay, each with its reason.
KNOWN_UPWARD = {
    ("minikeras.random", "minikeras.autodiff.tensor"):
        "keras.random returns Tensors; random sits below autodiff so that autodiff and the "
        "initializers can draw from its generators",
    ("minikeras.random", "minikeras.autodiff.primitives"): "random.dropout multiplies by "
                                                            "its mask (a differentiable op)",
    ("minikeras.random", "minikeras.autodiff.noise"):
        "random.dropout_keep draws a mask as the dropout primitive draws its own (drawn_keep)",
    ("minikeras.saving.legacy_h5", "minikeras"): "the package __version__ written into "
                                                  "legacy .h5 attributes",
}


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules():
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


MODULES = all_modules()


def resolve(importer, node):
    """The package modules an import statement names."""
    is_package = MODULES[importer].name == "__init__.py"
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name in MODULES]
    base = importer.split(".")
    if node.level:
        base = base[:len(base) - node.level + (1 if is_package else 0)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    if not prefix.startswith("minikeras"):
        return []
    found = []
    for alias in node.names:
        sub = f"{prefix}.{alias.name}"
        if sub in MODULES:
            found.append(sub)
        elif prefix in MODULES:
            found.append(prefix)
    return sorted(set(found))


def imports_of(name):
    """(module-level targets, function-level targets) of one module."""
    tree = ast.parse(MODULES[name].read_text(), str(MODULES[name]))
    top, lazy = set(), set()

    def visit(statements, in_function):
        # imports are statements: only blocks of statements are walked (no expression can
        # hold one, a lambda's body included)
        for node in statements:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                (lazy if in_function else top).update(resolve(name, node))
            nested = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            for block in ("body", "orelse", "finalbody", "handlers", "cases"):
                inner = getattr(node, block, None)
                if isinstance(inner, list):
                    visit(inner, nested)

    visit(tree.body, False)
    top.discard(name)
    lazy.discard(name)
    return top, lazy - top


@functools.lru_cache(maxsize=None)
def graph():
    """{module: (module-level targets, function-level targets)}: every module parsed at
    first use (not at collection)."""
    return {name: imports_of(name) for name in MODULES}


def layer_of(name):
    parts = name.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    for rank, members in enumerate(LAYERS):
        if top in members:
            return rank
    raise AssertionError(f"{name}: its package {top!r} has no place in LAYERS; add it")


def cycles(graph):
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_graph_sees_the_package():
    assert "minikeras.layers.layer" in MODULES and "minikeras.tree" in MODULES
    top, _ = graph()["minikeras.layers.layer"]
    assert "minikeras.layers.symbolic" in top and "minikeras.variables" in top
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_module_has_a_layer():
    for name in MODULES:
        layer_of(name)


def test_no_import_cycle_among_module_level_imports():
    found = cycles({name: top for name, (top, _) in graph().items()})
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_no_import_cycle_counting_function_level_imports():
    # a cycle through a function-level import is still two modules that need each other
    found = cycles({name: top | lazy for name, (top, lazy) in graph().items()})
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def upward_lazy_imports():
    return sorted((name, target) for name, (_, lazy) in graph().items() for target in lazy
                  if layer_of(target) > layer_of(name))


def test_lazy_upward_imports_are_the_known_ones():
    upward = upward_lazy_imports()
    unknown = [pair for pair in upward if pair not in KNOWN_UPWARD]
    assert not unknown, "function-level imports reaching a higher layer:\n" + "\n".join(
        f"{a} -> {b}" for a, b in unknown)
    stale = sorted(set(KNOWN_UPWARD) - set(upward))
    assert not stale, f"KNOWN_UPWARD lists imports that are gone: {stale}"


def test_no_module_level_import_goes_upward():
    upward = sorted((name, target) for name, (top, _) in graph().items() for target in top
                    if layer_of(target) > layer_of(name))
    assert not upward, "module-level imports reaching a higher layer:\n" + "\n".join(
        f"{a} -> {b}" for a, b in upward)


if __name__ == "__main__":  # print the report
    for component in cycles({name: top for name, (top, _) in graph().items()}):
        print("cycle:", " <-> ".join(component))
    for a, b in upward_lazy_imports():
        print("lazy upward:", a, "->", b, "" if (a, b) in KNOWN_UPWARD else "(NEW)")
    pytest.main([__file__, "-q"])
