"""The flat layout an optimizer owns: its trainable variables laid end to end in one buffer.

Variable ``i`` occupies ``[offsets[i], offsets[i+1])`` of every flat array of the layout:
the weights themselves (each variable's storage is a view of ``weights``), the gradients
(the backward pass writes each gradient straight into its view), and every per-variable
state the optimizer keeps (slots, EMA averages, accumulators, scratch). An elementwise
update is then a few numpy calls on long arrays instead of a few per variable.

A *part* is a slice ``[lo, hi)`` of the layout: all of it, or the shard one MPI rank
updates (keras.distribution); ``block_ranges``, ``pieces`` and ``segments`` cut a part.
"""
import numpy as np

# Elements per block of an elementwise step: the ~5 arrays an optimizer streams together
# (weights, gradient, two slots, scratch) stay in L2 between the step's dozen numpy passes.
BLOCK_SIZE = 1 << 16
# Every flat array starts on a cache line: numpy's allocations are 16-byte aligned, and
# SIMD loops over arrays whose offsets differ run ~20% slower (an Adam step on 10k float32
# weights: 15.0 us with all five arrays on 64-byte boundaries, 17.8-18.4 us at 16-byte
# offsets).
ALIGNMENT = 64


def aligned_zeros(size, dtype):
    """A zeroed 1-D array of ``size`` elements of ``dtype`` whose data starts on an
    ``ALIGNMENT``-byte boundary (a view into a slightly larger allocation)."""
    dtype = np.dtype(dtype)
    raw = np.zeros(size * dtype.itemsize + ALIGNMENT, np.uint8)
    start = -raw.ctypes.data % ALIGNMENT
    return raw[start:start + size * dtype.itemsize].view(dtype)


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
        self.nonempty = [i for i, n in enumerate(sizes) if n]
        self._cuts = {}
        self.index = {id(v): i for i, v in enumerate(self.variables)}
        self.weights = aligned_zeros(self.size, self.dtype)
        self.weight_views = self.views(self.weights)
        for view, variable in zip(self.weight_views, self.variables):
            view[...] = variable.data
            variable.data = view
        self.gradients = aligned_zeros(self.size, self.dtype)
        self.gradient_views = self.views(self.gradients)

    def views(self, flat):
        """Per-variable views (in variable shapes) of a flat array of this layout."""
        off = self.offsets
        return [flat[off[i]:off[i + 1]].reshape(shape) for i, shape in enumerate(self.shapes)]

    def new_buffer(self):
        return aligned_zeros(self.size, self.dtype)

    def block_ranges(self, present=None, part=None):
        """``(lo, hi)`` ranges of at most ``BLOCK_SIZE`` elements covering the whole layout
        (``present`` None) or only the variables whose indices are in ``present``; only
        inside ``part`` when given."""
        off = self.offsets
        spans = [(0, self.size)] if present is None else \
            [(int(off[i]), int(off[i + 1])) for i in present]
        if part is not None:
            spans = [(max(lo, part.start), min(hi, part.stop)) for lo, hi in spans]
        return [(lo, min(lo + BLOCK_SIZE, hi)) for start, hi in spans
                for lo in range(start, hi, BLOCK_SIZE)]

    def pieces(self, part):
        """Per variable, the slice of the flat layout where it overlaps ``part`` (maybe empty)."""
        return self._cut(part)[0]

    def segments(self, part):
        """For per-variable sums over ``part`` with ``np.add.reduceat``: the start of each
        non-empty overlap relative to ``part.start``, its size, and the index of its
        variable among the non-empty variables (whose number is ``len(self.nonempty)``)."""
        return self._cut(part)[1]

    def _cut(self, part):
        lo, hi = part.start, part.stop
        if (lo, hi) not in self._cuts:
            pieces = []
            for i in range(len(self.variables)):
                start = min(max(int(self.offsets[i]), lo), hi)
                pieces.append(slice(start, max(min(int(self.offsets[i + 1]), hi), start)))
            overlaps = [(pieces[i].start - lo, pieces[i].stop - pieces[i].start, k)
                        for k, i in enumerate(self.nonempty) if pieces[i].stop > pieces[i].start]
            starts, sizes, owners = np.array(overlaps, dtype=np.intp).reshape(-1, 3).T
            self._cuts = {(lo, hi): (pieces, (starts, sizes, owners))}  # one part at a time
        return self._cuts[(lo, hi)]

    def move_to(self, weights, gradients):
        """Keep the weights and gradients in ``weights`` and ``gradients`` (flat arrays of
        this layout, e.g. memory other processes can read) from now on: their current
        values are copied over and every variable and view re-pointed. The lists
        ``weight_views`` and ``gradient_views`` stay the same objects (their items change),
        so the gradient buffers handed to the trainer follow the move. The optimizer
        re-derives its step's pieces only when its ``update_shard`` changes: move in the
        shard's ``bounds(layout)``."""
        weights[...] = self.weights
        gradients[...] = self.gradients
        self.weights, self.gradients = weights, gradients
        self.weight_views[:] = self.views(weights)
        self.gradient_views[:] = self.views(gradients)
        for view, variable in zip(self.weight_views, self.variables):
            variable.data = view

    def repack(self):
        """Put back into the weight buffer any variable whose storage was replaced since the
        layout was made (e.g. another optimizer packed it into its own buffer)."""
        for view, variable in zip(self.weight_views, self.variables):
            if variable.data is not view:
                view[...] = variable.data
                variable.data = view
