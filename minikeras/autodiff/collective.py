"""A sum across the replicas of a data-parallel run, as a differentiable primitive.

Synchronized batch normalization uses it to take batch statistics over every replica's
shard. The autodiff core knows nothing of MPI: the caller passes a ``group`` with two
methods, ``sum_values(array)`` (every replica's array summed, a new array) and
``sum_gradients(array)`` (what the backward pass returns, below).
"""
from .function import Function, primitive


class CrossReplicaSum(Function):
    """y = the sum of x over all replicas (the same y on each).

    Each replica's loss depends on every replica's x through y, so the gradient of the
    run's loss with respect to this replica's x sums every replica's upstream gradient.
    The group weights them by each replica's share of the batch and divides by this
    replica's share, because the trainer scales each replica's gradients by its share
    before summing them (``ReplicaGroup.sum_gradients``).
    """

    def __init__(self, group):
        self.group = group

    def forward(self, x):
        return self.group.sum_values(x)

    def backward(self, gy):
        return (self.group.sum_gradients(gy),)


@primitive
def cross_replica_sum(x, group):
    return CrossReplicaSum(group)(x)
