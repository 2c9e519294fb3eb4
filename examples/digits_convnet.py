"""A small convnet on the shipped 8x8 digits: Conv2D -> MaxPooling2D -> Dense.

The images keep their 2-D layout (8, 8, 1), so the 3x3 filters look at neighbouring
pixels; compare with digits_mlp.py, which flattens them to 64 numbers.
"""
import minikeras as keras

keras.utils.set_random_seed(0)

(x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
x_train = x_train.reshape(-1, 8, 8, 1).astype("float32") / 16.0   # (samples, rows, cols, channels)
x_test = x_test.reshape(-1, 8, 8, 1).astype("float32") / 16.0

model = keras.Sequential([
    keras.Input(shape=(8, 8, 1)),
    keras.layers.Conv2D(16, 3, padding="same", activation="relu"),   # -> (8, 8, 16)
    keras.layers.MaxPooling2D(2),                                    # -> (4, 4, 16)
    keras.layers.Flatten(),                                          # -> (256,)
    keras.layers.Dense(10, activation="softmax"),
])
model.summary()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=32, epochs=15, validation_split=0.1, verbose=2)

loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"Test accuracy: {accuracy:.4f}")
