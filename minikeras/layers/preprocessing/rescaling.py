"""Rescaling: scale and offset inputs in training and inference."""
import numpy as np

from ...autodiff import primitives as P
from ..config_data import from_data, to_data
from ..layer import LAYERS, Layer


@LAYERS.register("Rescaling")
class Rescaling(Layer):
    """Rescale inputs, in training and inference (e.g. pixels 0..255 to 0..1).

    Formula: ``output = cast(inputs, dtype) * scale + offset``

    Args:
        scale: a float (or an array broadcast against the input's last axes).
        offset: a float (or an array), default 0.0.
    """
    _allow_non_tensor_positional_args = True  # as Keras

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = _check_number(scale, "scale")
        self.offset = _check_number(offset, "offset")
        # the config holds them as given, as Keras's does (a list stays a list)
        self._given = {"scale": scale, "offset": offset}
        self.supports_masking = True

    def call(self, inputs):
        return P.rescale(inputs, self.dtype, self.scale, self.offset)

    def get_config(self):
        return {**super().get_config(), "scale": to_data(self._given["scale"]),
                "offset": to_data(self._given["offset"])}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["scale"] = from_data(config["scale"])
        config["offset"] = from_data(config.get("offset", 0.0))
        return cls(**config)


def _check_number(value, arg):
    if isinstance(value, (bool, str)) or value is None:
        raise TypeError(f"Rescaling `{arg}` must be a number or an array of numbers. "
                        f"Received: {arg}={value!r}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    array = np.asarray(value)
    if not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"Rescaling `{arg}` must be a number or an array of numbers. "
                        f"Received: {arg}={value!r}")
    return array
