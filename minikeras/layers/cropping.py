"""Cropping1D, Cropping2D and Cropping3D: remove rows/columns at the ends of spatial axes."""
import numpy as np

from .convolutional import check_rank, spatial_dims, standardize_data_format, with_spatial
from .layer import LAYERS, InputSpec, Layer


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


class BaseCropping(Layer):
    """Crop ``(before, after)`` elements from each spatial axis.

    Formula: ``output = inputs[:, b1:n1-a1, b2:n2-a2, ..., :]`` (channels_last).

    ``cropping``: an int (the same on every side of every axis), one int per axis
    (symmetric), or one ``(before, after)`` pair per axis.
    """

    rank = None

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.cropping = self._standardize(cropping)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _standardize(self, cropping):
        problem = None
        if _is_int(cropping):
            pairs = ((int(cropping),) * 2,) * self.rank
        elif isinstance(cropping, (list, tuple)) and len(cropping) == self.rank:
            pairs = tuple((p, p) if _is_int(p) else tuple(p) if isinstance(p, (list, tuple))
                          else (None, None) for p in cropping)
        else:
            pairs, problem = (), f"it should have {self.rank} entries"
        if problem is None and any(len(p) != 2 or not all(_is_int(v) for v in p) for p in pairs):
            problem = "each entry should be an int or a pair of ints"
        if problem is None and any(v < 0 for p in pairs for v in p):
            problem = "`cropping` cannot be negative"
        if problem:
            raise ValueError(
                f"Invalid `cropping` for {type(self).__name__}: {problem}. Expected an int, a "
                f"tuple of {self.rank} ints, or a tuple of {self.rank} (before, after) pairs of "
                f"non-negative ints. Received: cropping={cropping!r}")
        return tuple((int(a), int(b)) for a, b in pairs)

    def _check(self, input_shape):
        check_rank(self, input_shape, self.rank)
        for n, (a, b) in zip(spatial_dims(input_shape, self.data_format), self.cropping):
            if n is not None and a + b >= n:
                raise ValueError(
                    f"`cropping` parameter of `{type(self).__name__}` layer must be smaller "
                    f"than the input size of each cropped axis. Received: input_shape="
                    f"{tuple(input_shape)}, cropping={self.cropping}")

    def build(self, input_shape):
        self._check(input_shape)

    def call(self, inputs):
        self._check(inputs.shape)
        first = 1 if self.data_format == "channels_last" else 2
        index = [slice(None)] * inputs.ndim
        for i, (before, after) in enumerate(self.cropping):
            n = inputs.shape[first + i]
            index[first + i] = slice(before, n - after)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        spatial = tuple(None if n is None else n - a - b for n, (a, b) in
                        zip(spatial_dims(input_shape, self.data_format), self.cropping))
        channels = input_shape[-1 if self.data_format == "channels_last" else 1]
        return with_spatial(tuple(input_shape), spatial, channels, self.data_format)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping,
                "data_format": self.data_format}


@LAYERS.register("Cropping1D")
class Cropping1D(BaseCropping):
    """(batch, steps, channels) -> (batch, steps - before - after, channels).

    ``cropping``: an int or a (before, after) pair; default (1, 1).
    """

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        if isinstance(cropping, (list, tuple)) and len(cropping) == 2 and all(
                _is_int(c) for c in cropping):
            cropping = (tuple(cropping),)            # one (before, after) pair
        elif not _is_int(cropping):
            raise ValueError(
                "Invalid `cropping` for Cropping1D: expected an int or a (before, after) pair "
                f"of non-negative ints. Received: cropping={cropping!r}")
        super().__init__(cropping, data_format="channels_last", **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]
        return {**config, "cropping": self.cropping[0]}


@LAYERS.register("Cropping2D")
class Cropping2D(BaseCropping):
    """(batch, rows, cols, channels) with rows cropped (top, bottom) and cols (left, right)."""

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format=data_format, **kwargs)


@LAYERS.register("Cropping3D")
class Cropping3D(BaseCropping):
    """Cropping of the three spatial axes of (batch, d1, d2, d3, channels)."""

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format=data_format, **kwargs)
