"""Global numeric settings and the array module.

``xp`` is the array module minikeras computes with: numpy. It is a seam, not yet a
switch. The losses, metrics, optimizers, activations, constraints and regularizers
reach numpy through ``backend.xp``; the autodiff core (``Tensor.data`` is a
``numpy.ndarray`` and every primitive's forward and backward call numpy), most of
``ops``, the layers, saving and the data adapters call numpy directly. Assigning another
module to ``xp`` would therefore not move training to it: routing the autodiff
primitives through ``xp`` is the first step on that road (to CuPy, say).
"""
import contextlib
import functools
import threading
import warnings

import numpy as np

xp = np  # the array module

_config = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last"}
_FLOAT_DTYPES = ("float16", "float32", "float64", "bfloat16")


def floatx():
    """Return the default float dtype name (``"float32"`` unless changed)."""
    return _config["floatx"]


def set_floatx(value):
    """Set the default float dtype name used for weights and computation."""
    if value not in _FLOAT_DTYPES:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of "
                         f"{_as_set_text(_FLOAT_DTYPES)}")
    _config["floatx"] = str(value)


def epsilon():
    """Return the fuzz factor used to clip probabilities and guard divisions (1e-7)."""
    return _config["epsilon"]


def set_epsilon(value):
    """Set the fuzz factor returned by :func:`epsilon`."""
    _config["epsilon"] = value  # as given (Keras keeps an int an int)


def image_data_format():
    """Return ``"channels_last"`` or ``"channels_first"``."""
    return _config["image_data_format"]


def set_image_data_format(data_format):
    """Set the default image layout for convolution and pooling layers."""
    format_name = str(data_format).lower()  # Keras takes "CHANNELS_LAST" too
    if format_name not in ("channels_last", "channels_first"):
        raise ValueError("The `data_format` argument must be one of "
                         f"{_as_set_text(('channels_first', 'channels_last'))}. "
                         f"Received: data_format={data_format}")
    _config["image_data_format"] = format_name


def _as_set_text(names):
    """``{'a', 'b'}``: the choices as Keras lists them in its errors (sorted here)."""
    return "{" + ", ".join(repr(name) for name in sorted(names)) + "}"


# Python's types (and the name "int") as Keras names them on its jax and torch backends
_PYTHON_DTYPES = {bool: "bool", int: "int32", "int": "int32", float: "float32",
                  complex: "complex64", str: "string", "str": "string", "string": "string"}


def standardize_dtype(dtype):
    """Keras's name of ``dtype`` (a name, numpy dtype or Python type): ``None`` means
    :func:`floatx`, Python's ``int`` / ``float`` are "int32" / "float32", text is "string".

    Raises:
        ValueError: for anything numpy has no such dtype for ("Invalid dtype: ...").
    """
    if dtype is None:
        return floatx()
    key = (type(dtype), dtype)  # the type too: np.dtype("float64") equals "float" and float
    try:
        return _STANDARD_NAMES[key]
    except (KeyError, TypeError):  # TypeError: unhashable, left to numpy's refusal below
        pass
    name = _standard_name(dtype)
    if type(dtype) is str or isinstance(dtype, np.dtype) or (  # immutable inputs only
            isinstance(dtype, type) and (issubclass(dtype, np.generic) or dtype in _PYTHON_DTYPES)):
        _STANDARD_NAMES[key] = name
    return name


# (type, dtype) -> Keras's name, for the inputs seen so far: model building asks about
# 5 per weight, and numpy's dtype-name lookup takes ~20 us (ResNet152: 0.2 s of 1.4 s)
_STANDARD_NAMES = {}


def _standard_name(dtype):
    """:func:`standardize_dtype` of a given (not None) ``dtype``, uncached."""
    if isinstance(dtype, str) or dtype in _PYTHON_DTYPES:
        named = _PYTHON_DTYPES.get(dtype)
        if named is not None:
            return named
    try:
        numpy_dtype = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"Invalid dtype: {dtype}") from None
    if isinstance(dtype, str) and dtype != numpy_dtype.name and numpy_dtype.kind not in "US":
        raise ValueError(f"Invalid dtype: {dtype}")  # Keras takes only its names ("float")
    dtype = numpy_dtype
    if dtype.kind in "US":
        return "string"
    if dtype.kind not in "biufc" or dtype.itemsize > 16 or (
            dtype.kind == "f" and dtype.itemsize > 8):  # float128 / complex256: not Keras's
        raise ValueError(f"Invalid dtype: {dtype}")
    return dtype.name


def placeholder_array(shape, dtype):
    """Zeros of ``shape`` (empty strings for "string"): the sample that model building runs
    through the layers to learn their output shapes."""
    if standardize_dtype(dtype) == "string":
        return np.full(shape, "", dtype=str)
    return np.zeros(shape, dtype=dtype)


def is_float_dtype(dtype):
    return np.issubdtype(np.dtype(dtype), np.floating)


def is_int_dtype(dtype):
    """True for signed and unsigned integer dtypes (not bool)."""
    return np.issubdtype(np.dtype(dtype), np.integer)


def get_uid(prefix=""):
    """A count per ``prefix``: 1 on the first call, then 2, 3, ... (reset by clear_session)."""
    from .naming import get_uid as next_uid  # lazy, as clear_session: backend imports nothing
    return next_uid(prefix)


@contextlib.contextmanager
def device(device_name):
    """``with keras.device("cpu:0"):`` places the computations inside on that device.

    minikeras computes with numpy on the CPU, so "cpu" / "cpu:N" is where everything runs
    already; an accelerator ("gpu:0", "cuda", "tpu", "mps", ...) runs on the CPU too, with a
    warning saying so.
    """
    kind, _, index = str(device_name).lower().partition(":")
    if not isinstance(device_name, str) or kind not in _DEVICE_KINDS or (
            index and not index.isdigit()):
        raise ValueError("Invalid value for argument `device_name`: expected a device such as "
                         f"'cpu', 'cpu:0' or 'gpu:0'. Received: device_name={device_name!r}")
    if kind != "cpu":
        warnings.warn(f"minikeras computes on the CPU only: the computations placed on "
                      f"{device_name!r} run on the CPU.", stacklevel=3)
    yield


_DEVICE_KINDS = ("cpu", "gpu", "cuda", "tpu", "mps", "xpu")


def cast_to_floatx(x):
    """Return ``x`` as an array of the default float dtype (no copy when it already is)."""
    return np.asarray(x, dtype=floatx())


def clear_session(free_memory=True):
    """Reset automatic names (``dense``, ``dense_1``, ...), ``get_uid`` counts and the global
    dtype policy (back to floatx's, as Keras's clear_session forgets it) as if the process
    had just started."""
    del free_memory
    from .naming import reset_names  # lazy: keeps backend free of imports
    reset_names()
    for forget in _SESSION_STATE_RESETS:
        forget()


# What modules above this one hold per session (the global dtype policy): each registers
# how to forget it with ``on_clear_session``.
_SESSION_STATE_RESETS = []


def on_clear_session(forget):
    """Call ``forget()`` on every ``clear_session`` (for state kept above this module)."""
    _SESSION_STATE_RESETS.append(forget)
    return forget


# ---- symbolic tensors -------------------------------------------------------------------
# KerasTensor is defined by the layers, above this module: they register its class here.
_KERAS_TENSOR_TYPES = [()]


def register_keras_tensor_type(cls):
    """Make ``is_keras_tensor`` recognise instances of ``cls`` (called where it is defined)."""
    _KERAS_TENSOR_TYPES[0] += (cls,)
    return cls


def is_keras_tensor(x):
    """Whether ``x`` is a symbolic KerasTensor (from ``keras.Input`` or a layer call on one),
    not a concrete tensor or array."""
    return isinstance(x, _KERAS_TENSOR_TYPES[0])


# ---- scopes: SymbolicScope here, StatelessScope and RematScope built the same way ----------
class ScopeStack(threading.local):
    """The scopes of one kind open in the current thread (``open``, innermost last); each
    thread has its own, as Keras keeps its scopes in per-thread state."""

    def __init__(self):
        self.open = []

    def innermost(self):
        return self.open[-1] if self.open else None


class Scope:
    """A context manager that is open while its block runs; a subclass names its
    ``ScopeStack`` in ``_stack``."""

    _stack = None

    def __enter__(self):
        self._stack.open.append(self)
        return self

    def __exit__(self, *exc_info):
        self._stack.open.remove(self)


class SymbolicScope(Scope):
    """Marks the symbolic stage: inside it, computations only find output shapes and dtypes
    (an operation's ``compute_output_spec`` runs its call on placeholder values in one).
    :func:`in_symbolic_scope` tells code whether it is in that stage."""

    _stack = ScopeStack()


def in_symbolic_scope():
    return bool(SymbolicScope._stack.open)


def get_symbolic_scope():
    """The innermost open SymbolicScope, or None."""
    return SymbolicScope._stack.innermost()


def backend():
    """The name of the array backend minikeras computes with: ``"numpy"``."""
    return "numpy"


# ---- keras.backend.result_type ------------------------------------------------------------
# Keras's promotion lattice (JAX's) orders the dtypes by "can hold without loss"; a result is
# the least upper bound of the operands. Python's int and float are *weak*: they take the
# other operand's kind and width, and a weak result takes floatx's width. Last, as on Keras's
# jax and torch backends, a 64-bit result is named by its 32-bit type (int64 + int64 ->
# "int32"). minikeras's own ops keep numpy's int64 where Keras's torch backend does.
_WEAK_INT, _WEAK_FLOAT = "int", "float"

# each dtype -> the dtypes right above it
_ABOVE = {
    "bool": (_WEAK_INT,),
    _WEAK_INT: ("uint8", "int8", "complex64"),
    "uint8": ("int16", "uint16"), "uint16": ("int32", "uint32"),
    "uint32": ("int64", "uint64"), "uint64": (_WEAK_FLOAT,),
    "int8": ("int16",), "int16": ("int32",), "int32": ("int64",), "int64": (_WEAK_FLOAT,),
    _WEAK_FLOAT: ("bfloat16", "float16"),
    "bfloat16": ("float32",), "float16": ("float32",),
    "float32": ("float64", "complex64"), "float64": ("complex128",),
    "complex64": ("complex128",), "complex128": (),
}
_AS_32_BIT = {"int64": "int32", "uint64": "uint32", "float64": "float32",
              "complex128": "complex64"}


def _upper_bounds():
    """dtype -> every dtype at or above it."""
    bounds = {}

    def above(node):
        if node not in bounds:
            bounds[node] = {node}.union(*(above(up) for up in _ABOVE[node]))
        return bounds[node]

    for node in _ABOVE:
        above(node)
    return bounds


_BOUNDS = _upper_bounds()


@functools.lru_cache(maxsize=512)
def _least_upper_bound(nodes):
    common = set.intersection(*(_BOUNDS[n] for n in nodes))
    (least,) = [c for c in common if common <= _BOUNDS[c]]  # one: the lattice has joins
    return least


def _node(dtype):
    """The lattice node of one operand: Python's int and float are the weak nodes."""
    if dtype is int or dtype is float:
        return _WEAK_INT if dtype is int else _WEAK_FLOAT
    name = dtype if isinstance(dtype, str) and dtype == "bfloat16" else standardize_dtype(dtype)
    if name not in _ABOVE:
        raise ValueError(f"dtype={name!r} is not a valid dtype for Keras type promotion.")
    return name


def result_type(*dtypes):
    """The dtype of combining ``dtypes`` by Keras's promotion rules (``None``: floatx; no
    argument: floatx)."""
    if not dtypes:
        return floatx()
    nodes = frozenset(_node(floatx() if d is None else d) for d in dtypes)
    out = next(iter(nodes)) if len(nodes) == 1 else _least_upper_bound(nodes)
    if out in (_WEAK_INT, _WEAK_FLOAT):  # a weak result takes floatx's width
        out = ("int" if out == _WEAK_INT else "float") + floatx()[-2:]
    return _AS_32_BIT.get(out, out)


# ---- Keras 2's backend functions (K.mean, K.set_value, ...) ---------------------------------
# keras.backend also serves the functions of Keras 2's backend, defined over ops above this
# module (minikeras.legacy.backend_functions); the package tells this module where they are.
_KERAS2_FUNCTION_SOURCES = []


def serve_keras2_functions(load):
    """Serve the names in ``load().__all__`` as attributes of this module (``load`` imports
    the module only when one of them is first asked for)."""
    _KERAS2_FUNCTION_SOURCES.append(load)


def __getattr__(name):
    if not name.startswith("__"):  # the import system's probes (__path__, ...) load nothing
        for load in _KERAS2_FUNCTION_SOURCES:
            functions = load()
            if name in functions.__all__:
                return getattr(functions, name)
    raise AttributeError(f"module 'minikeras.backend' has no attribute {name!r}")
