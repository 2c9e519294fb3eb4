"""The flat layout an optimizer owns: its trainable variables laid end to end in one buffer.

Variable ``i`` occupies ``[offsets[i], offsets[i+1])`` of every flat array of the layout:
the weights themselves (each variable's storage is a view of ``weights``), the gradients
(the backward pass writes each gradient straight into its view), and every per-variable
state the optimizer keeps (slots, EMA averages, accumulators, scratch). An elementwise
update is then a few numpy calls on long arrays instead of a few per variable.
"""
import numpy as np

# Elements per block of an elementwise step: the ~5 arrays an optimizer streams together
# (weights, gradient, two slots, scratch) stay in L2 between the step's dozen numpy passes.
BLOCK_SIZE = 1 << 16


class FlatLayout:
    """Offsets and views of ``variables`` (one dtype) in flat buffers; packs the weights.

    Args:
        variables: the trainable Variables, in the optimizer's order.
        dtype: their common dtype.
    """

    def __init__(self, variables, dtype):
        self.variables = list(variables)
        self.dtype = np.dtype(dtype)
        self.shapes = [v.shape for v in self.variables]
        sizes = [v.size for v in self.variables]
        self.offsets = np.concatenate([[0], np.cumsum(sizes, dtype=np.intp)]).astype(np.intp)
        self.size = int(self.offsets[-1])
        nonempty = [i for i, n in enumerate(sizes) if n]
        self.segment_starts = self.offsets[nonempty]  # for np.add.reduceat (per-variable sums)
        self.segment_sizes = np.asarray([sizes[i] for i in nonempty], dtype=np.intp)
        self.index = {id(v): i for i, v in enumerate(self.variables)}
        self.weights = np.empty(self.size, self.dtype)
        self.weight_views = self.views(self.weights)
        for view, variable in zip(self.weight_views, self.variables):
            view[...] = variable.data
            variable.data = view
        self.gradients = np.zeros(self.size, self.dtype)
        self.gradient_views = self.views(self.gradients)

    def views(self, flat):
        """Per-variable views (in variable shapes) of a flat array of this layout."""
        off = self.offsets
        return [flat[off[i]:off[i + 1]].reshape(shape) for i, shape in enumerate(self.shapes)]

    def new_buffer(self):
        return np.zeros(self.size, self.dtype)

    def blocks(self, flat):
        """Consecutive ``BLOCK_SIZE`` pieces of a flat array of this layout."""
        return [flat[i:i + BLOCK_SIZE] for i in range(0, self.size, BLOCK_SIZE)]

    def repack(self):
        """Put back into the weight buffer any variable whose storage was replaced since the
        layout was made (e.g. another optimizer packed it into its own buffer)."""
        for view, variable in zip(self.weight_views, self.variables):
            if variable.data is not view:
                view[...] = variable.data
                variable.data = view
