"""TimeDistributed: one layer applied to every timestep of a sequence."""
import inspect

import numpy as np

from ...autodiff import primitives as P
from ..layer import LAYERS, Layer
from ..wrapper import Wrapper


@LAYERS.register("TimeDistributed")
class TimeDistributed(Wrapper):
    """Applies ``layer`` to every timestep: (batch, time, *shape) -> (batch, time, *out).

    Formula: ``output[:, t] = layer(inputs[:, t])``, computed as one call on the
    (batch * time, *shape) reshape of the inputs, so the same weights serve every step.
    In training, a layer that contains one whose output depends on the whole batch
    (``BatchNormalization``) is called once per step instead, as Keras does: each step is
    normalized over its own samples and the moving statistics are updated once per step.
    A mask (batch, time) is passed on, reshaped, to a layer whose ``call`` takes one, and
    returned unchanged.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _step_shape(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(
                f"`TimeDistributed` Layer should be passed an `input_shape` with at least 3 "
                f"dimensions, received: {tuple(input_shape)}")
        return (None,) + tuple(input_shape[2:])

    def build(self, input_shape):
        self.layer.build_from_shape(self._step_shape(input_shape))

    def call(self, inputs, training=None, mask=None):
        batch, steps = inputs.shape[0], inputs.shape[1]
        self._step_shape(inputs.shape)
        kwargs = {}
        params = inspect.signature(self.layer.call).parameters
        if "training" in params:
            kwargs["training"] = training
        if mask is not None and "mask" in params:
            mask = np.asarray(getattr(mask, "data", mask))
            if mask.shape[:2] != (batch, steps):
                raise ValueError(
                    f"The `mask` passed to the `TimeDistributed` layer has a shape {mask.shape} "
                    f"that is incompatible with the input shape {tuple(inputs.shape)}; its first "
                    f"two dimensions must be ({batch}, {steps}).")
            kwargs["mask"] = mask
        if training and self._mixes_the_batch():
            return self._call_per_step(inputs, kwargs)
        if "mask" in kwargs:
            kwargs["mask"] = kwargs["mask"].reshape((batch * steps,) + mask.shape[2:])
        flat = P.reshape(inputs, (batch * steps,) + tuple(inputs.shape[2:]))
        out = self.layer(flat, **kwargs)
        return P.reshape(out, (batch, steps) + tuple(out.shape[1:]))

    def _mixes_the_batch(self):
        """Whether the wrapped layer (or one inside it) computes across the batch in training."""
        return any(getattr(layer, "mixes_batch_in_training", False)
                   for layer in self.layer._flatten_layers())

    def _call_per_step(self, inputs, kwargs):
        """``layer`` on each timestep's (batch, *shape) slice, stacked on the time axis."""
        mask = kwargs.pop("mask", None)
        outputs = []
        for t in range(inputs.shape[1]):
            step_kwargs = kwargs if mask is None else {**kwargs, "mask": mask[:, t]}
            outputs.append(self.layer(P.getitem(inputs, (slice(None), t)), **step_kwargs))
        return P.stack(outputs, 1)

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape(self._step_shape(input_shape))
        return tuple(input_shape[:2]) + tuple(inner[1:])

    def compute_mask(self, inputs, mask=None):
        return mask
