"""A model's x nested as Keras takes it (``[a, (b, c)]``): fit / evaluate / predict on
arrays and on a PyDataset give what the same model given ``[a, b, c]`` gives."""
import numpy as np

import minikeras as keras

A = np.linspace(0, 1, 12, dtype="float32").reshape(6, 2)
B, C = A[::-1].copy(), A * 2
Y = np.ones((6, 1), "float32")


class Weighted(keras.Model):
    """Dense(1) of a + b * c, x nested (``[a, (b, c)]``) or flat (``[a, b, c]``)."""

    def __init__(self, nested):
        super().__init__()
        self.nested = nested
        self.dense = keras.layers.Dense(1, kernel_initializer="ones")

    def call(self, inputs):
        a, b, c = (inputs[0], *inputs[1]) if self.nested else inputs
        return self.dense(a + b * c)


def trained(nested, x, **fit_kwargs):
    model = Weighted(nested)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    history = model.fit(x, **fit_kwargs, epochs=2, shuffle=False, verbose=0)
    return model, history.history


def test_nested_arrays_train_predict_and_evaluate_as_flat_ones():
    nested, nested_logs = trained(True, [A, (B, C)], y=Y, batch_size=2, validation_split=0.5)
    flat, flat_logs = trained(False, [A, B, C], y=Y, batch_size=2, validation_split=0.5)
    assert nested_logs == flat_logs and set(flat_logs) == {"loss", "val_loss"}
    np.testing.assert_array_equal(nested.predict([A, (B, C)], verbose=0),
                                  flat.predict([A, B, C], verbose=0))
    assert nested.evaluate([A, (B, C)], Y, verbose=0) == flat.evaluate([A, B, C], Y, verbose=0)


class Batches(keras.utils.PyDataset):
    def __init__(self, nested):
        super().__init__()
        self.nested = nested

    def __len__(self):
        return 3

    def __getitem__(self, index):
        part = slice(2 * index, 2 * index + 2)
        x = [A[part], (B[part], C[part])] if self.nested else [A[part], B[part], C[part]]
        return x, Y[part]


def test_a_py_dataset_of_nested_batches_trains_as_flat_ones():
    _, nested_logs = trained(True, Batches(True))
    _, flat_logs = trained(False, Batches(False))
    assert nested_logs == flat_logs
