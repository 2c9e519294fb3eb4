"""Structured data with keras.utils.FeatureSpace, ported from keras-io's "Structured data
classification with FeatureSpace" (heart disease) on a generated table with the same
columns: numbers to normalize or discretize, integer and string categories, two crosses.

The keras-io steps, with minikeras's Dataset in place of tf.data: adapt the FeatureSpace
on the features of the training dataset, map it over the batches, train a model on the
encoded features, then wrap it into an inference model that takes the raw columns.
"""
import os

import numpy as np

import minikeras as keras
from minikeras.utils import FeatureSpace
from minikeras.utils.dataset import Dataset

keras.utils.set_random_seed(0)


def make_table(n, rng):
    """A table like keras-io's heart.csv; the target follows a logistic risk score."""
    table = {
        "age": rng.integers(29, 78, n), "sex": rng.integers(0, 2, n),
        "cp": rng.integers(0, 4, n), "fbs": rng.integers(0, 2, n),
        "restecg": rng.integers(0, 3, n), "exang": rng.integers(0, 2, n),
        "ca": rng.integers(0, 4, n),
        "thal": rng.choice(np.array(["normal", "fixed", "reversible"]), n),
        "trestbps": rng.normal(131, 17, n).round(), "chol": rng.normal(246, 51, n).round(),
        "thalach": rng.normal(150, 23, n).round(), "oldpeak": rng.gamma(1.0, 1.0, n).round(1),
        "slope": rng.integers(0, 3, n),
    }
    risk = (0.06 * (table["age"] - 54) + 1.2 * (table["cp"] == 0) + 0.8 * table["exang"]
            + 0.7 * table["ca"] + 1.5 * (table["thal"] == "reversible")
            - 0.04 * (table["thalach"] - 150) + 0.6 * table["oldpeak"]
            + 0.8 * table["sex"] * (table["age"] > 55) - 2.2)
    target = (rng.random(n) < 1 / (1 + np.exp(-3 * risk))).astype("float32")
    return table, target


rng = np.random.default_rng(0)
train_table, train_target = make_table(1600, rng)
val_table, val_target = make_table(400, rng)
train_ds = Dataset.from_tensor_slices((train_table, train_target)).batch(32)
val_ds = Dataset.from_tensor_slices((val_table, val_target)).batch(32)

feature_space = FeatureSpace(
    features={
        "sex": "integer_categorical", "cp": "integer_categorical",
        "fbs": "integer_categorical", "restecg": "integer_categorical",
        "exang": "integer_categorical", "ca": "integer_categorical",
        "thal": "string_categorical",
        "age": "float_discretized",
        "trestbps": "float_normalized", "chol": "float_normalized",
        "thalach": "float_normalized", "oldpeak": "float_normalized",
        "slope": "float_normalized",
    },
    crosses=[("sex", "age"), ("thal", "ca")],
    crossing_dim=32,
    output_mode="concat",
)
feature_space.adapt(train_ds.map(lambda x, _: x))

preprocessed_train_ds = train_ds.map(lambda x, y: (feature_space(x), y))
preprocessed_val_ds = val_ds.map(lambda x, y: (feature_space(x), y))

dict_inputs = feature_space.get_inputs()
encoded_features = feature_space.get_encoded_features()
print("Encoded features:", encoded_features.shape)

x = keras.layers.Dense(32, activation="relu")(encoded_features)
x = keras.layers.Dropout(0.5)(x)
predictions = keras.layers.Dense(1, activation="sigmoid")(x)

training_model = keras.Model(inputs=encoded_features, outputs=predictions)
training_model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
inference_model = keras.Model(inputs=dict_inputs, outputs=predictions)

training_model.fit(preprocessed_train_ds, epochs=20, validation_data=preprocessed_val_ds,
                   verbose=2)
_, accuracy = training_model.evaluate(preprocessed_val_ds, verbose=0)
print(f"Validation accuracy: {accuracy:.4f}")

sample = {"age": 60, "sex": 1, "cp": 1, "fbs": 0, "restecg": 2, "exang": 0, "ca": 0,
          "thal": "fixed", "trestbps": 145, "chol": 233, "thalach": 150, "oldpeak": 2.3,
          "slope": 3}
input_dict = {name: keras.ops.convert_to_tensor([value]) for name, value in sample.items()}
probability = float(inference_model.predict(input_dict, verbose=0)[0, 0])
print(f"This particular patient had a {100 * probability:.1f} percent probability "
      "of having a heart disease, as evaluated by our model.")

# The adapted FeatureSpace is saved and reloaded like a model.
feature_space.save("feature_space.keras")
reloaded = keras.saving.load_model("feature_space.keras")
same = np.array_equal(reloaded(sample).numpy(), feature_space(sample).numpy())
print(f"Reloaded FeatureSpace encodes the sample identically: {same} "
      f"({os.path.getsize('feature_space.keras')} bytes)")
