"""KerasTensor: the symbolic value of the functional API (a shape and a dtype), and
``has_symbolic``, which tells a call on KerasTensors from a call on values."""
from .. import backend, ops
from ..naming import auto_name
from ..ops.dispatch import symbolic_op as _symbolic_op


@backend.register_keras_tensor_type
class KerasTensor:
    """A symbolic tensor: a shape (batch axis first, ``None`` where unknown) and a dtype.

    ``keras.Input(...)`` returns one (its ``input_layer`` starts a Sequential model); a built
    Sequential gives its layers' ``input`` / ``output`` and its ``inputs`` / ``outputs`` as
    KerasTensors. Calling a layer on KerasTensors returns new ones that remember the call in
    ``_keras_history`` = ``(layer, node_index, tensor_index)``: the graph a functional
    ``keras.Model(inputs, outputs)`` is made of.
    """

    _keras_history = None  # set by Node for tensors made by a layer call or keras.Input
    _keras_mask = None  # a KerasTensor of the mask's shape when the layer sets a mask

    def __init__(self, shape, dtype="float32", sparse=False, ragged=False, name=None,
                 input_layer=None):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.sparse, self.ragged = bool(sparse), bool(ragged)
        self.name = name or auto_name("keras_tensor")
        self.input_layer = input_layer

    @property
    def ndim(self):
        return len(self.shape)

    def reshape(self, newshape):
        """``ops.reshape(self, newshape)``, recorded in the graph like any op."""
        return ops.reshape(self, newshape)

    def squeeze(self, axis=None):
        """``ops.squeeze(self, axis)``, recorded in the graph like any op."""
        return ops.squeeze(self, axis)

    def __bool__(self):  # Keras's words: a graph value has no truth value yet
        raise TypeError("A symbolic KerasTensor cannot be used as a boolean.")

    def __iter__(self):  # Keras's words (iterating by __getitem__ would record nodes)
        raise NotImplementedError("Iterating over a symbolic KerasTensor is not supported.")

    def __array__(self, dtype=None, copy=None):  # as Keras: no values to convert
        raise ValueError(f"A KerasTensor is symbolic: a placeholder for a shape {self.shape} "
                         f"and a dtype {self.dtype}, with no values. It cannot be converted to "
                         "a NumPy array; use it in a functional model and call the model on "
                         "data.")

    # Operators record ``keras.ops`` calls as nodes of the graph (see layers/op_call.py).
    def __add__(self, other):
        return ops.add(self, other)

    def __radd__(self, other):
        return ops.add(other, self)

    def __sub__(self, other):
        return ops.subtract(self, other)

    def __rsub__(self, other):
        return ops.subtract(other, self)

    def __mul__(self, other):
        return ops.multiply(self, other)

    def __rmul__(self, other):
        return ops.multiply(other, self)

    def __truediv__(self, other):
        return ops.true_divide(self, other)

    def __rtruediv__(self, other):
        return ops.true_divide(other, self)

    def __floordiv__(self, other):
        return ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return ops.floor_divide(other, self)

    def __mod__(self, other):
        return ops.mod(self, other)

    def __rmod__(self, other):
        return ops.mod(other, self)

    def __pow__(self, other):
        return ops.power(self, other)

    def __rpow__(self, other):
        return ops.power(other, self)

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(other, self)

    # comparisons and logic, as Keras's KerasTensor has them (no __eq__: `==` stays identity)
    def __lt__(self, other):
        return ops.less(self, other)

    def __le__(self, other):
        return ops.less_equal(self, other)

    def __gt__(self, other):
        return ops.greater(self, other)

    def __ge__(self, other):
        return ops.greater_equal(self, other)

    def __ne__(self, other):
        return ops.not_equal(self, other)

    def __and__(self, other):
        return ops.logical_and(self, other)

    def __rand__(self, other):
        return ops.logical_and(other, self)

    def __or__(self, other):
        return ops.logical_or(self, other)

    def __ror__(self, other):
        return ops.logical_or(other, self)

    def __xor__(self, other):
        return ops.logical_xor(self, other)

    def __rxor__(self, other):
        return ops.logical_xor(other, self)

    def __invert__(self):
        return ops.logical_not(self)

    def __round__(self, ndigits=None):
        return ops.round(self, decimals=ndigits or 0)

    def __neg__(self):
        return ops.negative(self)

    def __abs__(self):
        return ops.absolute(self)

    def __getitem__(self, key):
        return _symbolic_op("get_item", (self, key), {})

    def __repr__(self):
        return (f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse={self.sparse}, "
                f"ragged={self.ragged}, name={self.name}>")


def has_symbolic(values):
    """Whether ``values`` (call arguments: a tuple, a dict, or one value) hold a KerasTensor."""
    if isinstance(values, KerasTensor):
        return True
    if isinstance(values, dict):
        values = values.values()
    elif not isinstance(values, (list, tuple)):
        return False
    return any(isinstance(v, KerasTensor) or (isinstance(v, (list, tuple, dict)) and v
                                                and has_symbolic(v)) for v in values)
