"""Time each fused autodiff primitive against its composed version, and show the stability cases.

Run from the repository root: ``PYTHONPATH=. python benchmarks/fused_primitives.py``.
The figures are quoted in docs/gradients.md ("Why some primitives are fused").
"""
import timeit

import numpy as np

from minikeras.autodiff import Tensor
from minikeras.autodiff import primitives as P

rng = np.random.default_rng(0)


def microseconds(fn, number=200):
    """Best of 5 repeats, per call."""
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def step(make):
    """Forward and backward of ``make()`` summed to a scalar."""
    def run():
        P.sum(make()).backward()
    return run


def param(*shape, fill=None):
    data = rng.normal(size=shape) if fill is None else np.full(shape, fill)
    return Tensor(data.astype("float32"), requires_grad=True)


def main():
    x, w, b = Tensor(rng.normal(size=(32, 64)).astype("float32")), param(64, 64), param(64, fill=0)
    print("dense+relu     fused", microseconds(step(lambda: P.dense(x, w, b, "relu"))),
          "composed", microseconds(step(lambda: P.relu(P.add(P.matmul(x, w), b)))))

    xb, gamma, beta = param(64, 32), param(32, fill=1), param(32, fill=0)

    def batch_norm_composed():
        centred = P.subtract(xb, P.mean(xb, axis=0))
        var = P.mean(P.square(centred), axis=0)
        return P.add(P.multiply(P.divide(centred, P.sqrt(P.add(var, 1e-3))), gamma), beta)

    print("batch norm     fused", microseconds(step(lambda: P.batch_norm_training(xb, gamma, beta)[0])),
          "composed", microseconds(step(batch_norm_composed)))

    labels = Tensor(np.eye(10, dtype="float32")[rng.integers(0, 10, 32)])
    logits = param(32, 10)
    print("softmax CE     fused", microseconds(step(lambda: P.softmax_cross_entropy(labels, logits))),
          "composed", microseconds(step(lambda: P.negative(
              P.sum(P.multiply(labels, P.log(P.softmax(logits))), axis=-1)))))

    with np.errstate(all="ignore"):
        z, y = Tensor(np.array([[0.0, 200.0]], "float32")), Tensor(np.array([[1.0, 0.0]], "float32"))
        print("softmax CE, logits [0, 200], label 0: fused", P.softmax_cross_entropy(y, z).item(),
              "composed", P.negative(P.sum(P.multiply(y, P.log(P.softmax(z))), axis=-1)).item())
        z, y = Tensor(np.array([-200.0], "float32")), Tensor(np.array([1.0], "float32"))
        p = P.sigmoid(z)
        composed = P.negative(P.add(P.multiply(y, P.log(p)),
                                    P.multiply(P.subtract(1.0, y), P.log(P.subtract(1.0, p)))))
        print("sigmoid CE, logit -200, label 1: fused", P.sigmoid_cross_entropy(y, z).item(),
              "composed", composed.item())


if __name__ == "__main__":
    main()
