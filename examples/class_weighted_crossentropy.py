"""Class-weighted crossentropy, by hand and in minikeras.

With class weights w_c, each sample's crossentropy -ln p(true class) is multiplied by the
weight of its true class. Keras (and minikeras) then divide the sum by the number of
samples; PyTorch's CrossEntropyLoss(weight=...) divides by the sum of the weights used.
Both are shown, with the numbers worked out in numpy.
"""
import numpy as np

import minikeras as keras

probabilities = np.array([[0.7, 0.2, 0.1],
                          [0.1, 0.8, 0.1],
                          [0.3, 0.3, 0.4],
                          [0.2, 0.5, 0.3]], "float32")
labels = np.array([0, 1, 2, 2])
class_weight = {0: 1.0, 1: 1.0, 2: 5.0}            # class 2 is rare: count it 5 times

per_sample = -np.log(probabilities[np.arange(4), labels])
weights = np.array([class_weight[c] for c in labels], "float32")
print("per-sample crossentropy:", per_sample.round(4))
print("weights of the true classes:", weights)

keras_style = (weights * per_sample).sum() / len(labels)
torch_style = (weights * per_sample).sum() / weights.sum()
loss = keras.losses.SparseCategoricalCrossentropy()
minikeras_value = float(loss(labels, probabilities, sample_weight=weights))
print(f"by hand, Keras's mean over samples:  {keras_style:.4f}")
print(f"minikeras with sample_weight:        {minikeras_value:.4f}")
print(f"by hand, PyTorch's weighted mean:    {torch_style:.4f}")
assert np.isclose(minikeras_value, keras_style, rtol=1e-5)

# In training, fit(class_weight=...) turns the class weights into these sample weights.
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(3, activation="softmax")])
model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
x = np.log(probabilities)   # any inputs
before = model.predict(x, verbose=0)   # the probabilities the one training step starts from
expected = (weights * -np.log(before[np.arange(4), labels])).sum() / 4
reported = model.fit(x, labels, epochs=1, batch_size=4, class_weight=class_weight,
                     verbose=0).history["loss"][0]
print(f"fit(class_weight=...) loss {reported:.4f}; by hand from the same predictions "
      f"{expected:.4f}")
assert np.isclose(reported, expected, rtol=1e-5)
