"""The sharded optimizer update of DataParallel: each rank updates 1/N of the weights.

A replicated update (one Allreduce of the gradient, then every rank runs the whole
optimizer step) repeats the same step on every rank, so that part of the training step
does not shrink as ranks are added. Under a sharded update, for an elementwise optimizer
(``optimizer.elementwise``: each weight's update depends only on its own gradient, slots
and the step's scalars):

1. one Reduce-scatter of the flat gradient buffer leaves on rank r the summed gradient
   of its range ``[lo_r, hi_r)`` of the optimizer's flat layout;
2. rank r runs the optimizer's whole pipeline (loss-scale division, accumulation,
   clipping, weight decay, the step, EMA) on that range only; the one thing that needs
   the whole gradient, the norms of ``clipnorm`` / ``global_clipnorm``, adds up the
   ranks' partial results (a few numbers);
3. one Allgather of the weight buffer gives every rank every updated range, so the
   ranks hold bit-identical weights; constraints then run on whole variables.

Communication is the same as one Allreduce (which is a reduce-scatter followed by an
allgather), the step's work is divided by N.

How steps 1 and 3 move the data depends on where the ranks run. Across nodes, MPI's
collectives (``CollectiveExchange``). On one node (the default there; set
``MINIKERAS_MPI_SHARED_MEMORY=0`` for the collectives; they are also used when the node's
shared memory, /dev/shm, has no room for the buffers), ``NodeExchange``: the optimizer's
weight and gradient buffers move into memory every rank of the node can read, so the
backward pass writes each rank's gradient where the others read it; rank r sums its range
of every rank's gradient after a barrier, updates that range of its weights, and after a
second barrier copies the other ranges from the other ranks' weights. That is one pass
over the gradient and one copy of the weights, where MPI's shared-memory transport copies
both through its own buffers inside its progress calls (MPICH has no progress thread, so a
non-blocking collective started during the backward pass does not advance either).
Each rank's buffers stay its own: the others read them only between those barriers.

Optimizer state (slots, EMA averages, accumulators) is current on each rank only in its
own range. ``ReplicaGroup`` allgathers it (``gather_state``) whenever user code may read
it: before validation, at every epoch end (hence before ``ModelCheckpoint`` saves and
before ``fit`` ends) and, when a callback may save the optimizer every N batches, after
every batch.
"""
import os
import weakref

import numpy as np

ALIGNMENT = 16  # elements: every rank's range starts on a 64-byte boundary (float32)


def shard_bounds(size, ranks):
    """The ``(lo, hi)`` range of each rank: equal, aligned ranges (the last one shorter)."""
    chunk = -(-size // (ranks * ALIGNMENT)) * ALIGNMENT
    return [(min(r * chunk, size), min((r + 1) * chunk, size)) for r in range(ranks)]


class ShardedUpdate:
    """The ``update_shard`` of an optimizer trained by ``ReplicaGroup``: its collectives.

    Args:
        group: the ``ReplicaGroup``; its current share of the batch weights each rank's
            gradient, as in the replicated path.
    """

    def __init__(self, group):
        self._group = group
        self._world = group.world
        self._counts = None
        self.exchange = None  # how the data moves: a NodeExchange or CollectiveExchange

    def bounds(self, layout):
        """This rank's range of the optimizer's ``FlatLayout``. On one node, the layout's
        weights and gradients move into shared memory (once per layout)."""
        ranges = shard_bounds(layout.size, self._world.size)
        self._counts = [hi - lo for lo, hi in ranges]
        if shares_memory(self._world, 2 * layout.size * layout.dtype.itemsize):
            self.exchange = NodeExchange.of(layout, self._world, ranges)
        else:
            self.exchange = CollectiveExchange(self._world, self._counts)
        return ranges[self._world.rank]

    def reduce_scatter(self, flat):
        """Sum every rank's ``flat`` gradient (the layout's gradient buffer, weighted by its
        rank's share of the batch) into this rank's range. When every rank has the same
        share, the sum is scaled afterwards, on this range only."""
        share, uniform = self._group.batch_share()
        if not uniform:
            flat *= flat.dtype.type(share)
        self.exchange.reduce_scatter(flat)
        if uniform and share != 1.0:
            lo = sum(self._counts[:self._world.rank])
            flat[lo:lo + self._counts[self._world.rank]] *= flat.dtype.type(share)

    def sum(self, values):
        """A few float64 ``values`` summed over the ranks."""
        return self._world.allreduce_sum(np.array(values, dtype=np.float64))

    def allgather(self, flat):
        """Every rank's range of ``flat`` (the layout's weight buffer), on every rank."""
        self.exchange.allgather(flat)

    def gather_state(self, optimizer):
        """Every rank's range of the optimizer's per-weight state, on every rank (nothing
        before its first step, when no range has been handed out)."""
        if self._counts is not None:
            for flat in optimizer.flat_state():
                self._world.allgather_ranges(flat, self._counts)


def shares_memory(group, nbytes):
    """Whether a sharded update over ``group`` (an ``MPIWorld``) that needs ``nbytes`` per
    rank exchanges through shared memory: when every rank is on one node and the node's
    shared memory has room, unless ``MINIKERAS_MPI_SHARED_MEMORY`` is 0."""
    value = os.environ.get("MINIKERAS_MPI_SHARED_MEMORY", "1")
    if value not in ("0", "1"):
        raise ValueError("MINIKERAS_MPI_SHARED_MEMORY must be 1 (share memory between the "
                         f"ranks of one node) or 0 (use MPI collectives). Received: {value!r}")
    return value == "1" and group.on_one_node and group.shared_memory_fits(nbytes)


class CollectiveExchange:
    """Steps 1 and 3 by MPI collectives: an in-place Reduce-scatter and Allgather."""

    def __init__(self, group, counts):
        self._world, self._counts = group, counts

    def reduce_scatter(self, flat):
        self._world.reduce_scatter_sum(flat, self._counts)

    def allgather(self, flat):
        self._world.allgather_ranges(flat, self._counts)


class NodeExchange:
    """Steps 1 and 3 through memory the ranks of one node share (see the module docstring).

    Args:
        group: an ``MPIWorld`` whose ranks are all on one node.
        size, dtype: the flat layout's length and dtype.
        ranges: every rank's ``(lo, hi)`` range, in rank order.
    """

    _OF_LAYOUT = weakref.WeakKeyDictionary()  # FlatLayout -> its NodeExchange

    def __init__(self, group, size, dtype, ranges):
        self._rank, self._ranges = group.rank, ranges
        self._shared = group.shared_arrays(2 * size, dtype)
        self.weights = [a[:size] for a in self._shared.arrays]  # each rank's, in rank order
        self.gradients = [a[size:] for a in self._shared.arrays]

    @classmethod
    def of(cls, layout, group, ranges):
        """The exchange of ``layout`` (a ``FlatLayout``), made and the layout's weights and
        gradients moved into its shared memory on first use."""
        exchange = cls._OF_LAYOUT.get(layout)
        if exchange is None:
            exchange = cls(group, layout.size, layout.dtype, ranges)
            layout.move_to(exchange.weights[group.rank], exchange.gradients[group.rank])
            cls._OF_LAYOUT[layout] = exchange
        return exchange

    def reduce_scatter(self, flat):
        """Add every other rank's gradient in this rank's range to ``flat`` (this rank's
        gradient, ``gradients[rank]``, which the others read meanwhile), in rank order."""
        self._shared.synchronize("the gradient sum of a sharded update")
        lo, hi = self._ranges[self._rank]
        mine = flat[lo:hi]
        for rank, gradient in enumerate(self.gradients):
            if rank != self._rank:
                mine += gradient[lo:hi]

    def allgather(self, flat):
        """Copy every other rank's range of its weights into ``flat`` (this rank's weights);
        the second barrier keeps every rank from changing its weights (constraints,
        callbacks, the next step) before the others have copied them."""
        self._shared.synchronize("the weight exchange of a sharded update")
        for rank, (lo, hi) in enumerate(self._ranges):
            if rank != self._rank:
                flat[lo:hi] = self.weights[rank][lo:hi]
        self._shared.synchronize("the weight exchange of a sharded update")


def saves_mid_epoch(callbacks):
    """Whether a callback among ``callbacks`` may save the optimizer every N batches (a
    ``ModelCheckpoint`` with an integer ``save_freq`` that saves more than the weights)."""
    return any(getattr(cb, "writes_files", False) and getattr(cb, "save_freq", "epoch") != "epoch"
               and not getattr(cb, "save_weights_only", False) for cb in callbacks)
