"""Layer config values as JSON data: numpy arrays travel as Keras's ``__numpy__`` dict."""
import numpy as np

from ..autodiff.tensor import Tensor


def to_data(value):
    """Plain values stay; numpy arrays become Keras's ``__numpy__`` dict."""
    if isinstance(value, Tensor):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        return {"class_name": "__numpy__",
                "config": {"value": value.tolist(), "dtype": value.dtype.name}}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return [to_data(v) for v in value]
    return value


def from_data(value):
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        inner = value["config"]
        return np.array(inner["value"], dtype=inner.get("dtype"))
    return value
