"""BatchNormalization behaves differently in training and at inference.

Training (training=True): each feature is normalised with the *batch's* mean and variance,
  y = gamma (x - mean_batch) / sqrt(var_batch + eps) + beta,
and the moving averages move towards them: moving = 0.99 moving + 0.01 batch.
Inference (training=False, as in predict/evaluate): the *moving* statistics are used, so a
sample's output does not depend on the rest of its batch.
"""
import numpy as np

import minikeras as keras

rng = np.random.default_rng(0)
x = rng.normal(loc=5.0, scale=2.0, size=(256, 3)).astype("float32")   # mean 5, sd 2

layer = keras.layers.BatchNormalization(momentum=0.99, epsilon=1e-3)
train_out = np.asarray(layer(x, training=True))
print("training output mean / sd per feature:", train_out.mean(0).round(3), train_out.std(0).round(3))
by_hand = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3)
print("equals (x - batch mean) / sqrt(batch var + eps):", np.allclose(train_out, by_hand, atol=1e-4))

moving_mean, moving_var = layer.moving_mean.numpy(), layer.moving_variance.numpy()
print("moving mean after one step (0.99 * 0 + 0.01 * 5):", moving_mean.round(3))
print("moving variance after one step (0.99 * 1 + 0.01 * 4):", moving_var.round(3))

infer_out = np.asarray(layer(x, training=False))
print("inference output mean (moving stats still far from the data):", infer_out.mean(0).round(2))

for _ in range(1000):   # many training batches: the moving statistics converge
    layer(x, training=True)
infer_out = np.asarray(layer(x, training=False))
print("after 1000 training batches, moving mean:", layer.moving_mean.numpy().round(2),
      "inference output mean:", infer_out.mean(0).round(3))

single = np.asarray(layer(x[:1], training=False))
print("one sample alone at inference gives the same output as in the batch:",
      np.allclose(single, infer_out[:1], atol=1e-5))
