"""Imbalanced data and class_weight: find the rare 9s among the digits.

Only about 10% of the digits are 9s. Trained plainly, the model can score 90% accuracy by
answering "not a 9" most of the time. class_weight makes each 9 count as much as all the
others together (weights inversely proportional to the class frequencies), which raises
the recall of the rare class.
"""
import numpy as np

import minikeras as keras

(x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
x_train = x_train.reshape(len(x_train), 64).astype("float32") / 16.0
x_test = x_test.reshape(len(x_test), 64).astype("float32") / 16.0
y_train, y_test = (y_train == 9).astype("float32"), (y_test == 9).astype("float32")
# drop most training 9s so they are rare: 1 in 30
rng = np.random.default_rng(0)
keep = (y_train == 0) | (rng.random(len(y_train)) < 0.3)
x_train, y_train = x_train[keep], y_train[keep]
positives = int(y_train.sum())
print(f"Training set: {len(y_train)} digits, {positives} of them 9s")

counts = np.bincount(y_train.astype(int))
class_weight = {c: float(len(y_train) / (2 * counts[c])) for c in (0, 1)}
print("class_weight:", {c: round(w, 2) for c, w in class_weight.items()})


def train(weights):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.003), loss="binary_crossentropy",
                  metrics=["accuracy", keras.metrics.Recall(name="recall")])
    model.fit(x_train, y_train, batch_size=64, epochs=8, class_weight=weights, verbose=0)
    return model.evaluate(x_test, y_test, verbose=0, return_dict=True)


plain, weighted = train(None), train(class_weight)
print(f"without class_weight: accuracy {plain['accuracy']:.3f}, recall of 9s {plain['recall']:.3f}")
print(f"with class_weight:    accuracy {weighted['accuracy']:.3f}, "
      f"recall of 9s {weighted['recall']:.3f}")
