"""Make tests/fixtures/keras_attribute_variables.keras (+ _io.npz) with real Keras 3: the
"Customizing saving" guide's pattern of a ``keras.Variable`` set as a layer attribute in
``__init__``, before ``build`` adds weights, in a plain Layer and in a Dense subclass.

Run once, outside the project's environment:
    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_attribute_variables_fixture.py
"""
import os

import keras
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures")


@keras.saving.register_keras_serializable(package="guide")
class OffsetLinear(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.offset = keras.Variable(np.zeros(units), name="offset", dtype="float32")

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")

    def call(self, x):
        return keras.ops.matmul(x, self.kernel) + self.offset

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="guide")
class DenseWithOffset(keras.layers.Dense):
    def __init__(self, units, **kwargs):
        super().__init__(units, **kwargs)
        self.offset = keras.Variable(np.full(units, 0.5), name="offset", dtype="float32")

    def call(self, x):
        return super().call(x) + self.offset


model = keras.Sequential([keras.Input((3,)), OffsetLinear(2, name="linear"),
                          DenseWithOffset(2, name="dense")])
values = [np.arange(2, dtype="float32") + 1.0,                       # linear/offset
          np.linspace(-1, 1, 6, dtype="float32").reshape(3, 2),      # linear/kernel
          np.array([0.5, 0.5], "float32"),                           # dense/offset (not saved)
          np.array([[1.0, -2.0], [0.5, 3.0]], "float32"),           # dense/kernel
          np.array([0.25, -0.75], "float32")]                        # dense/bias
model.set_weights(values)
print([w.path for w in model.weights])
x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]], "float32")
model.save(os.path.join(OUT, "keras_attribute_variables.keras"))
np.savez(os.path.join(OUT, "keras_attribute_variables_io.npz"), x=x, y=model.predict(x))
