"""The sharded optimizer update of DataParallel: each rank updates 1/N of the weights.

A replicated update (one Allreduce of the gradient, then every rank runs the whole
optimizer step) repeats the same step on every rank, so that part of the training step
does not shrink as ranks are added. Under a sharded update, for an elementwise optimizer
(``optimizer.elementwise``: each weight's update depends only on its own gradient, slots
and the step's scalars):

1. one Reduce-scatter of the flat gradient buffer leaves on rank r the summed gradient
   of its range ``[lo_r, hi_r)`` of the optimizer's flat layout;
2. rank r runs the optimizer's whole pipeline (loss-scale division, finite check,
   accumulation, clipping, weight decay, the step, EMA) on that range only; the two
   things that need the whole gradient, the finite check and the norms of
   ``clipnorm`` / ``global_clipnorm``, add up the ranks' partial results (a few numbers);
3. one Allgather of the weight buffer gives every rank every updated range, so the
   ranks hold bit-identical weights; constraints then run on whole variables.

Communication is the same as one Allreduce (which is a reduce-scatter followed by an
allgather), the step's work is divided by N.

Optimizer state (slots, EMA averages, accumulators) is current on each rank only in its
own range. ``ReplicaGroup`` allgathers it (``gather_state``) whenever user code may read
it: before validation, at every epoch end (hence before ``ModelCheckpoint`` saves and
before ``fit`` ends) and, when a callback may save the optimizer every N batches, after
every batch.
"""
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

    def bounds(self, size):
        """This rank's range of a flat layout of ``size`` elements."""
        ranges = shard_bounds(size, self._world.size)
        self._counts = [hi - lo for lo, hi in ranges]
        return ranges[self._world.rank]

    def reduce_scatter(self, flat):
        """Sum every rank's ``flat`` gradient (weighted by its share of the batch) into this
        rank's range. When every rank has the same share, the sum is scaled afterwards, on
        this range only."""
        share, uniform = self._group.batch_share()
        if not uniform:
            flat *= flat.dtype.type(share)
        self._world.reduce_scatter_sum(flat, self._counts)
        if uniform and share != 1.0:
            lo = sum(self._counts[:self._world.rank])
            flat[lo:lo + self._counts[self._world.rank]] *= flat.dtype.type(share)

    def sum(self, values):
        """A few float64 ``values`` summed over the ranks."""
        return self._world.allreduce_sum(np.array(values, dtype=np.float64))

    def allgather(self, flat):
        """Every rank's range of ``flat``, on every rank."""
        self._world.allgather_ranges(flat, self._counts)

    def gather_state(self, optimizer):
        """Every rank's range of the optimizer's per-weight state, on every rank (nothing
        before its first step, when no range has been handed out)."""
        if self._counts is not None:
            for flat in optimizer.flat_state():
                self.allgather(flat)


def saves_mid_epoch(callbacks):
    """Whether a callback among ``callbacks`` may save the optimizer every N batches (a
    ``ModelCheckpoint`` with an integer ``save_freq`` that saves more than the weights)."""
    return any(getattr(cb, "writes_files", False) and getattr(cb, "save_freq", "epoch") != "epoch"
               and not getattr(cb, "save_weights_only", False) for cb in callbacks)
