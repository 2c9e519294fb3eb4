"""Binary classification: is a handwritten digit odd? One sigmoid output and
binary_crossentropy; the metrics count a prediction above 0.5 as "odd"."""
import minikeras as keras

keras.utils.set_random_seed(0)
(x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
x_train = x_train.reshape(len(x_train), 64).astype("float32") / 16.0
x_test = x_test.reshape(len(x_test), 64).astype("float32") / 16.0
y_train, y_test = (y_train % 2).astype("float32"), (y_test % 2).astype("float32")

model = keras.Sequential([
    keras.Input(shape=(64,)),
    keras.layers.Dense(32, activation="relu"),
    keras.layers.Dense(1, activation="sigmoid"),   # P(odd)
])
model.compile(optimizer="adam", loss="binary_crossentropy",
              metrics=["accuracy", keras.metrics.Precision(), keras.metrics.Recall(),
                       keras.metrics.AUC()])
model.fit(x_train, y_train, batch_size=32, epochs=15, verbose=0)

results = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
for name, value in results.items():
    print(f"{name}: {value:.4f}")
print(f"Test accuracy: {results['accuracy']:.4f}")
