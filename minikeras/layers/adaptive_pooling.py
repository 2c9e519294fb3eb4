"""Adaptive pooling: average or max pooling to a fixed output size, whatever the input size."""

from .. import ops
from ..arguments import is_integer
from ..ops.convolution import standardize_data_format
from .layer import LAYERS, InputSpec, Layer


class BaseAdaptivePooling(Layer):
    """Pools the spatial axes of a (batch, *spatial, channels) input (channels first with
    ``data_format="channels_first"``) into ``output_size`` windows with ``pool``
    (``ops.adaptive_average_pool`` or ``ops.adaptive_max_pool``: PyTorch's and Keras's
    windows, ``[floor(i L / n), ceil((i + 1) L / n))``)."""

    rank = None
    pool = None

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.output_size = self._checked_size(output_size)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _checked_size(self, output_size):
        """``output_size`` as ``rank`` positive ints: Keras's TypeError for another form (a
        1-D layer's ValueError for a tuple of another length), a ValueError for a size below
        1 (Keras fails later, dividing by zero)."""
        forms = {1: "tuple of 1 integer", 2: "(height, width) tuple",
                 3: "(depth, height, width) tuple"}
        sizes = output_size
        if is_integer(sizes):
            sizes = (int(sizes),) * self.rank
        elif self.rank == 1 and isinstance(sizes, (tuple, list)) and len(sizes) != 1:
            raise ValueError(f"For 1D input, `output_size` tuple must have length 1. "
                             f"Received: {output_size}")
        if not (isinstance(sizes, (tuple, list)) and len(sizes) == self.rank
                and all(is_integer(s) for s in sizes)):
            raise TypeError(f"`output_size` must be an integer or {forms[self.rank]}. "
                            f"Received: {output_size} of type {type(output_size)}")
        if any(s < 1 for s in sizes):
            raise ValueError(f"`output_size` must be positive: {type(self).__name__} pools "
                             f"into at least one window per axis. Received: {output_size}")
        return tuple(int(s) for s in sizes)

    def _spatial_axes(self):
        first = 2 if self.data_format == "channels_first" else 1
        return range(first, first + self.rank)

    def call(self, inputs):
        for axis in self._spatial_axes():
            if inputs.shape[axis] < 1:
                raise ValueError(f"Layer '{self.name}': cannot pool an empty axis {axis} of "
                                 f"input shape {tuple(inputs.shape)}.")
        return type(self).pool(inputs, self.output_size, self.data_format)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, size in zip(self._spatial_axes(), self.output_size):
            shape[axis] = size
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size,
                "data_format": self.data_format}



def _adaptive_layer(kind, pool, rank, layout):
    """The registered class ``Adaptive<kind>Pooling<rank>D``."""
    name = f"Adaptive{kind}Pooling{rank}D"
    doc = (f"{kind} pooling of {layout} to ``output_size`` (an integer, or {rank} integers) on "
           "the spatial axes;\n    channels first with ``data_format=\"channels_first\"``.")
    return LAYERS.register(name)(type(name, (BaseAdaptivePooling,), {
        "rank": rank, "pool": staticmethod(pool), "__doc__": doc, "__module__": __name__,
        "__qualname__": name}))


_LAYOUTS = {1: "(batch, steps, channels)", 2: "(batch, height, width, channels)",
            3: "(batch, depth, height, width, channels)"}
AdaptiveAveragePooling1D = _adaptive_layer("Average", ops.adaptive_average_pool, 1,
                                           _LAYOUTS[1])
AdaptiveAveragePooling2D = _adaptive_layer("Average", ops.adaptive_average_pool, 2,
                                           _LAYOUTS[2])
AdaptiveAveragePooling3D = _adaptive_layer("Average", ops.adaptive_average_pool, 3,
                                           _LAYOUTS[3])
AdaptiveMaxPooling1D = _adaptive_layer("Max", ops.adaptive_max_pool, 1, _LAYOUTS[1])
AdaptiveMaxPooling2D = _adaptive_layer("Max", ops.adaptive_max_pool, 2, _LAYOUTS[2])
AdaptiveMaxPooling3D = _adaptive_layer("Max", ops.adaptive_max_pool, 3, _LAYOUTS[3])
