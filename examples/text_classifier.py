"""Sentiment-style text classification with Embedding + Bidirectional LSTM on generated data.

Each "review" is 24 word ids from a 60-word vocabulary; words 1-8 are positive, 9-16
negative, the rest neutral. A review is positive when it has more positive than negative
words. This is an ordinary Keras script; only the import line differs.
"""
import numpy as np

import minikeras as keras
from minikeras import layers

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
VOCAB, LENGTH = 60, 24


def reviews(n):
    words = rng.integers(1, VOCAB, size=(n, LENGTH))
    positive = ((words >= 1) & (words <= 8)).sum(axis=1)
    negative = ((words >= 9) & (words <= 16)).sum(axis=1)
    keep = positive != negative
    return words[keep], (positive > negative)[keep].astype("float32")


x_train, y_train = reviews(1500)
x_test, y_test = reviews(400)

model = keras.Sequential([
    keras.Input(shape=(LENGTH,), dtype="int32"),
    layers.Embedding(VOCAB, 16),
    layers.Bidirectional(layers.LSTM(16)),
    layers.Dense(1, activation="sigmoid"),
])
model.summary()
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy",
              metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=64, epochs=5, validation_split=0.1, verbose=2)

loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"Test loss: {loss:.4f}")
print(f"Test accuracy: {accuracy:.4f}")
