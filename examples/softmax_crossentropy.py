"""Softmax and crossentropy on the worked numbers of the source texts.

* Crossentropy of the one-hot label [1,0,0,0,0]: against [0.4,0.3,0.05,0.05,0.2] it is
  -ln 0.4 = 0.916; against the more confident [0.98,0.01,0,0,0.01] it is -ln 0.98 = 0.020.
* Softmax of [[3,7,4],[3,5,8]] along each row is about
  [[0.0171,0.9362,0.0466],[0.0064,0.0471,0.9465]].
* Subtracting the row maximum first gives the same softmax and never overflows.
* A batch's loss is the mean of the per-sample losses. The natural log is meant (Keras's);
  one of the texts uses log10 by mistake.
"""
import numpy as np

import minikeras as keras

label = np.array([[1, 0, 0, 0, 0]], "float32")
cce = keras.losses.CategoricalCrossentropy()
for prediction in ([0.4, 0.3, 0.05, 0.05, 0.2], [0.98, 0.01, 0, 0, 0.01]):
    loss = float(cce(label, np.array([prediction], "float32")))
    print(f"crossentropy against {prediction}: {loss:.4f} (-ln {prediction[0]} = "
          f"{-np.log(prediction[0]):.4f})")

logits = np.array([[3, 7, 4], [3, 5, 8]], "float32")
probabilities = np.asarray(keras.activations.softmax(logits))
print("softmax rows:\n", probabilities.round(4))

# the same by hand, the stable way: exp(x - max) / sum(exp(x - max))
shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
print("by hand equal:", np.allclose(shifted / shifted.sum(axis=1, keepdims=True), probabilities))

# large logits: the naive formula overflows (exp(1000) = inf), the stable one does not
big = np.array([[1000.0, 1001.0, 1002.0]], "float32")
with np.errstate(over="ignore", invalid="ignore"):
    naive = np.exp(big) / np.exp(big).sum()
print("naive softmax of [1000, 1001, 1002]:", naive.round(4), "-> stable:",
      np.asarray(keras.activations.softmax(big)).round(4))

# batch average, and crossentropy straight from logits (what a softmax output trains on)
labels = np.array([1, 2])
per_sample = -np.log(probabilities[np.arange(2), labels])
from_logits = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
print(f"per-sample losses {per_sample.round(4)}, mean {per_sample.mean():.4f}, "
      f"minikeras from logits {float(from_logits(labels, logits)):.4f}")
