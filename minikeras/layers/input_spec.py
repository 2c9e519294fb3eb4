"""InputSpec: what a layer accepts as its first argument, and the check of an input against it
(Keras's arguments, attributes, config and error sentences)."""
import numpy as np

from ..backend import standardize_dtype
from ..tree import flatten


class InputSpec:
    """What one input of a layer must be; unset fields accept anything.

    ``shape`` includes the batch axis and fixes the rank (``None`` entries match any size);
    otherwise ``ndim`` fixes the rank or ``min_ndim`` / ``max_ndim`` bound it. ``axes`` maps
    an axis (negative counts from the end) to the size it must have; ``dtype`` is the one dtype
    accepted. With ``allow_last_axis_squeeze`` the rank is not checked and a trailing axis of
    size 1 is dropped from both the input's and the spec's shape before they are compared.
    ``name`` is the key of this input when the layer is given a dict; an ``optional`` input
    may be None. A layer's ``input_spec`` is one InputSpec, or one per input of its first
    argument (a list, possibly nested).
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = None if dtype is None else standardize_dtype(dtype)
        self.shape = None if shape is None else tuple(None if d is None else int(d)
                                                      for d in shape)
        self.ndim = ndim if self.shape is None else len(self.shape)
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.allow_last_axis_squeeze, self.name, self.optional = (
            allow_last_axis_squeeze, name, optional)
        try:
            self.axes = {int(axis): size for axis, size in (axes or {}).items()}
        except (AttributeError, TypeError, ValueError):
            raise TypeError("Argument `axes` must be a dict with integer keys. "
                            f"Received: axes={axes}") from None
        top_rank = self.ndim or self.max_ndim
        if self.axes and top_rank and max(self.axes) > top_rank - 1:
            raise ValueError(f"Axis {max(self.axes)} is greater than the maximum allowed "
                             f"value: {top_rank - 1}")

    def __repr__(self):  # as Keras prints it: InputSpec(min_ndim=2, axes={-1: 3})
        fields = [f"{name}={value}" for name, value in (
            ("dtype", self.dtype), ("shape", self.shape), ("ndim", self.ndim),
            ("max_ndim", self.max_ndim), ("min_ndim", self.min_ndim), ("axes", self.axes))
            if value]
        return f"InputSpec({', '.join(fields)})"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes,
                "optional": self.optional}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def problem(self, shape, dtype=None):
        """Why an input of ``shape`` (and ``dtype``, when given) does not fit, or None."""
        rank = len(shape)
        if self.ndim is not None and not self.allow_last_axis_squeeze and rank != self.ndim:
            return (f"expected ndim={self.ndim}, found ndim={rank}. "
                    f"Full shape received: {format_shape(shape)}")
        if self.max_ndim is not None and rank > self.max_ndim:
            return f"expected max_ndim={self.max_ndim}, found ndim={rank}"
        if self.min_ndim is not None and rank < self.min_ndim:
            return (f"expected min_ndim={self.min_ndim}, found ndim={rank}. "
                    f"Full shape received: {format_shape(shape)}")
        if self.dtype is not None and dtype is not None and standardize_dtype(dtype) != self.dtype:
            return f"expected dtype={self.dtype}, found dtype={standardize_dtype(dtype)}"
        for axis, size in self.axes.items():
            if size is not None and -rank <= axis < rank and shape[axis] not in (size, None):
                return (f"expected axis {axis} of input shape to have value {size}, "
                        f"but received input with shape {format_shape(shape)}")
        if self.shape is not None:
            expected, given = self.shape, tuple(shape)
            if self.allow_last_axis_squeeze:
                expected, given = without_trailing_one(expected), without_trailing_one(given)
            if any(a is not None and b is not None and a != b for a, b in zip(expected, given)):
                return (f"expected shape={format_shape(self.shape)}, "
                        f"found shape={format_shape(given)}")
        return None


def model_input_spec(tensor):
    """Keras's spec of a model's input ``tensor`` (a KerasTensor of the graph): its shape with
    any batch size, a trailing axis of 1 free, its input layer's name."""
    return InputSpec(shape=(None,) + tuple(tensor.shape[1:]), allow_last_axis_squeeze=True,
                     name=tensor._keras_history[0].name)


def without_trailing_one(shape):
    """``shape`` without its last axis when that axis is 1 (how Keras compares a model's
    input with its Input when the spec allows squeezing it)."""
    return shape[:-1] if shape and shape[-1] == 1 else shape


def format_shape(shape):
    """A shape as Keras prints it in messages: ``(None, 3)``, ``(4,)``."""
    shape = tuple(shape)
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (
        ",)" if len(shape) == 1 else ")")


def named_inputs_count_error(layer_name, names, received):
    """Keras's ValueError for ``received`` tensors given to a layer (or functional model)
    whose inputs are named ``names``."""
    keys = ", ".join(f"'{name}': ..." for name in names)
    return ValueError(f'Layer "{layer_name}" expects {len(names)} named input(s) with keys '
                      f"{names}, but it received {received} input tensors. Pass inputs as "
                      f"a dict, e.g. `layer({{{keys}}})`.")


def check_input_specs(specs, inputs, layer_name):
    """Raise Keras's ValueError when ``inputs`` (a layer's first argument: one tensor or a
    structure of them) do not fit ``specs`` (one InputSpec or a structure, one per input).
    A dict input is put in the specs' order by their names when every spec has one."""
    specs = flatten(specs)
    names = [spec.name for spec in specs]
    if isinstance(inputs, dict) and all(names):
        check_keys(inputs, names)
        inputs = [inputs[name] for name in names]
    inputs = flatten(inputs)
    if len(inputs) != len(specs):
        if all(names):
            raise named_inputs_count_error(layer_name, names, len(inputs))
        raise ValueError(f'Layer "{layer_name}" expects {len(specs)} input(s), but it '
                         f"received {len(inputs)} input tensors. Inputs received: {inputs}")
    for index, (x, spec) in enumerate(zip(inputs, specs)):
        if spec is None or (x is None and spec.optional):
            continue
        if not hasattr(x, "shape"):
            raise ValueError(f"Inputs to a layer should be tensors. Got '{x}' (of type "
                             f"{type(x)}) as input for layer '{layer_name}'.")
        problem = spec.problem(tuple(x.shape), x.dtype)
        if problem:
            raise incompatible_input(spec, index, layer_name, problem)


def check_keys(inputs, names):
    """Keras's error for a dict of inputs that lacks one of ``names``."""
    missing = [name for name in names if name not in inputs]
    if missing:
        raise ValueError(f'Missing data for input "{missing[0]}". You passed a data '
                         f"dictionary with keys {list(inputs)}. Expected the following "
                         f"keys: {names}")


def structure_mismatch(expected, inputs):
    """Keras's sentence for inputs given in another structure than a model's:
    ``expected`` the model's input names in its structure, ``inputs`` as given (an array,
    or a list / tuple / dict of them, each shown by its shape)."""
    return ("The structure of `inputs` doesn't match the expected structure.\n"
            f"Expected: {expected}\nReceived: inputs={_shown_by_shape(inputs)}")


def _shown_by_shape(inputs):
    if isinstance(inputs, dict):
        return {key: _shown_by_shape(value) for key, value in inputs.items()}
    if isinstance(inputs, (list, tuple)):
        return type(inputs)(_shown_by_shape(value) for value in inputs)
    shape = tuple(inputs.shape) if hasattr(inputs, "shape") else np.shape(inputs)
    return f"Tensor(shape={shape})"


def invalid_input_shape(x, name, path, expected_shape):
    """Keras's error for data given to a model with a rank its input cannot take (not one
    trailing axis of 1 more or fewer); ``path`` is the input's place in the model's inputs
    ('' for a single input)."""
    return ValueError(f"Invalid input shape for input {x} with name '{name}' and path "
                      f"'{path}'. Expected shape {tuple(expected_shape)}, but input has "
                      f"incompatible shape {tuple(x.shape)}")


def incompatible_input(spec, index, layer_name, problem):
    """Keras's error for input ``index`` that does not fit ``spec`` (``problem`` says why)."""
    return ValueError(f"Input {index} with name '{spec.name}' of layer '{layer_name}' is "
                      f"incompatible with the layer: {problem}")
