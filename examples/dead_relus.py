"""Dead ReLUs at a high learning rate, seen with keras.diagnostics.

A ReLU unit whose weights are pushed so far that its input is negative for every sample
outputs 0 everywhere, gets gradient 0, and never recovers: it is dead. A too-large step
does exactly that. The same network is trained at a sensible and at a far too high
learning rate; the diagnostics count, per epoch, the units that never fired. With
matplotlib installed the counts are also drawn into dead_relus.png.
"""
import numpy as np

import minikeras as keras

rng = np.random.default_rng(0)
x = rng.standard_normal((512, 10)).astype("float32")
y = (x[:, :3].sum(axis=1) > 0).astype("float32")
dead = {}
for learning_rate in (0.05, 10.0):
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input(shape=(10,)),
                              keras.layers.Dense(32, activation="relu", name="relu_1"),
                              keras.layers.Dense(32, activation="relu", name="relu_2"),
                              keras.layers.Dense(1, activation="sigmoid", name="output")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="binary_crossentropy",
                  metrics=["accuracy"])
    diagnostics = keras.diagnostics.Diagnostics()
    history = model.fit(x, y, epochs=5, batch_size=32, verbose=0, callbacks=[diagnostics])
    dead[learning_rate] = history.history["dead_fraction/relu_2"]
    print(f"\nlearning rate {learning_rate}: accuracy {history.history['accuracy'][-1]:.3f}, "
          f"dead units in relu_2 per epoch {np.round(dead[learning_rate], 2).tolist()}")
    diagnostics.summary()

try:
    import matplotlib
except ImportError:
    print('\n(pip install "minikeras[examples]" to draw dead_relus.png)')
else:
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(figsize=(6, 4))
    for learning_rate, values in dead.items():
        axes.plot(range(1, len(values) + 1), values, marker="o", label=f"SGD {learning_rate}")
    axes.set_xticks(range(1, len(values) + 1))
    axes.set_xlabel("epoch")
    axes.set_ylabel("fraction of dead units in relu_2")
    axes.set_ylim(-0.05, 1.05)
    axes.legend()
    figure.tight_layout()
    figure.savefig("dead_relus.png", dpi=80)
    print("\nwrote dead_relus.png")
