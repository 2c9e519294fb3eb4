"""Vanishing gradients: a deep stack of sigmoids versus the same stack of ReLUs.

The sigmoid's slope is at most 0.25, so every sigmoid layer the error passes on the way
back shrinks it: the first layers barely learn. ReLU's slope is 1 where it is active, so
the gradient reaches the first layer with much of its size. keras.diagnostics measures
the gradient norm of every layer; with matplotlib installed (pip install
"minikeras[examples]") the norms are also drawn into vanishing_gradients.png.
"""
import numpy as np

import minikeras as keras

rng = np.random.default_rng(0)
x = rng.random((512, 16), dtype=np.float32)
y = (x.sum(axis=1) > 8).astype("float32")


def deep_network(activation, depth=8):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(16,))] +
                             [keras.layers.Dense(32, activation=activation) for _ in range(depth)] +
                             [keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy")
    return model


norms = {}
for activation in ("sigmoid", "relu"):
    print(f"\n{activation.upper()} x 8")
    diagnostics = keras.diagnostics.report(
        deep_network(activation), x, y, epochs=2,
        diagnostics=keras.diagnostics.Diagnostics(measure_every=1))
    last = diagnostics.history[-1]
    norms[activation] = [last[name]["grad_norm"] for name in last if name != "flags"]
    print(f"vanishing flag: {last['flags']['vanishing_gradients']}, first/last layer "
          f"gradient norm {last['flags']['grad_norm_ratio']:.2e}")

try:
    import matplotlib
except ImportError:
    print('\n(pip install "minikeras[examples]" to draw vanishing_gradients.png)')
else:
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(figsize=(6, 4))
    for activation, values in norms.items():
        axes.semilogy(range(1, len(values) + 1), values, marker="o", label=activation)
    axes.set_xlabel("layer (1 = next to the input)")
    axes.set_ylabel("gradient norm (log scale)")
    axes.set_title("Gradient norm per layer, 8 hidden layers")
    axes.legend()
    figure.tight_layout()
    figure.savefig("vanishing_gradients.png", dpi=80)
    print("\nwrote vanishing_gradients.png")
