"""A two-layer network written by hand in numpy, next to the same network in minikeras.

The source text's network: inputs (4 samples, 3 features), a hidden layer of 4 sigmoid
units, one sigmoid output, no biases, a sum-of-squares loss, and 1500 steps of gradient
descent. Both versions start from the same weights, run in float32, and end with the same
numbers (to float32 round-off).

minikeras's "mse" is the mean over the batch of 4, so its gradient is the sum-of-squares
gradient divided by 4: SGD with learning rate 4 * lr makes the same steps.
"""
import numpy as np

import minikeras as keras

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], "float32")
Y = np.array([[0], [1], [1], [0]], "float32")
STEPS, LR = 1500, 0.5
rng = np.random.default_rng(1)
W1_START = rng.uniform(-1, 1, (3, 4)).astype("float32")
W2_START = rng.uniform(-1, 1, (4, 1)).astype("float32")


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ---- by hand ----------------------------------------------------------------------------
w1, w2 = W1_START.copy(), W2_START.copy()
for _ in range(STEPS):
    hidden = sigmoid(X @ w1)                       # (4, 4)
    output = sigmoid(hidden @ w2)                  # (4, 1)
    # loss = sum((Y - output)^2); chain rule back through each sigmoid (s' = s (1 - s))
    d_output = 2 * (output - Y) * output * (1 - output)
    d_hidden = (d_output @ w2.T) * hidden * (1 - hidden)
    w2 -= LR * hidden.T @ d_output
    w1 -= LR * X.T @ d_hidden
by_hand = sigmoid(sigmoid(X @ w1) @ w2)

# ---- minikeras --------------------------------------------------------------------------
model = keras.Sequential([
    keras.Input(shape=(3,)),
    keras.layers.Dense(4, activation="sigmoid", use_bias=False),
    keras.layers.Dense(1, activation="sigmoid", use_bias=False),
])
model.set_weights([W1_START, W2_START])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=4 * LR), loss="mse")
model.fit(X, Y, batch_size=4, epochs=STEPS, shuffle=False, verbose=0)
framework = model.predict(X, verbose=0)

print("targets:       ", Y.ravel())
print("numpy by hand: ", by_hand.ravel().round(5))
print("minikeras:     ", framework.ravel().round(5))
k1, k2 = model.get_weights()
print("largest weight difference:", float(max(np.abs(k1 - w1).max(), np.abs(k2 - w2).max())))
print("same numbers:", np.allclose(by_hand, framework, atol=1e-4)
      and np.allclose(k1, w1, atol=1e-3) and np.allclose(k2, w2, atol=1e-3))
