"""SpectralNormalization: a wrapper that keeps its layer's kernel at spectral norm 1."""
import numpy as np

from .. import backend, initializers, ops
from .layer import LAYERS, InputSpec
from .wrapper import Wrapper


@LAYERS.register("SpectralNormalization")
class SpectralNormalization(Wrapper):
    """Divide the wrapped layer's ``kernel`` (or ``embeddings``) by its largest singular
    value, estimated by power iteration (Miyato et al., 2018), at every training call.

    Formula, with W the kernel reshaped to (-1, units) and u the stored (1, units) vector,
    repeated ``power_iterations`` times::

        v = l2_normalize(u Wᵀ)      u = l2_normalize(v W)
        sigma = v W uᵀ              kernel <- kernel / sigma,  vector_u <- u

    (``l2_normalize(x) = x / sqrt(max(sum(x²), 1e-14))``). The update is an assignment, as
    in Keras: no gradient flows through sigma, and an all-zero kernel is left alone. At
    inference (``training`` false, the default of a direct call) the layer runs unchanged.

    Weights: the wrapped layer's kernel, then ``vector_u`` (1, units), non-trainable,
    initialized from TruncatedNormal(stddev=0.02); then the layer's other weights.

    Args:
        layer: a layer with a ``kernel`` (Dense, Conv2D, ...) or ``embeddings`` (Embedding).
        power_iterations: a positive integer (1).
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if isinstance(power_iterations, bool) or not isinstance(
                power_iterations, (int, np.integer)) or power_iterations <= 0:
            raise ValueError("`power_iterations` should be greater than zero. Received: "
                             f"`power_iterations={power_iterations!r}` (a positive integer "
                             "is needed)")
        self.power_iterations = int(power_iterations)

    def build(self, input_shape):
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        kernel = getattr(self.layer, "kernel", None)
        if kernel is None:
            kernel = getattr(self.layer, "embeddings", None)
        if kernel is None:
            raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' "
                             "nor 'embeddings'. SpectralNormalization wraps a layer that has "
                             "one (Dense, Conv*, Embedding, ...).")
        self.kernel = kernel
        self.vector_u = self.add_weight(
            shape=(1, kernel.shape[-1]), initializer=initializers.TruncatedNormal(stddev=0.02),
            trainable=False, name="vector_u", dtype=kernel.dtype)

    @property
    def weights(self):
        """Keras's order: the kernel (which this wrapper also tracks), ``vector_u``, then the
        wrapped layer's other weights."""
        if not self.built:
            return self.layer.weights
        return [self.kernel, self.vector_u] + [
            w for w in self.layer.weights if w is not self.kernel]

    variables = weights

    def _saved_own_variables(self):
        # Keras files store the tracked kernel among the wrapper's own variables too
        return [self.kernel, self.vector_u]

    def call(self, inputs, training=False):
        if training and np.any(self.kernel.numpy() != 0):
            vector_u, kernel = self.normalized_weights()
            self.vector_u.assign(vector_u)
            self.kernel.assign(kernel)
        return ops.cast(self.layer(inputs), inputs.dtype)

    def normalized_weights(self):
        """(u, kernel / sigma) as arrays, from the current kernel and ``vector_u``."""
        xp = backend.xp
        kernel = self.kernel.numpy()
        w = kernel.reshape(-1, kernel.shape[-1])                  # (fan_in, units)
        u = self.vector_u.numpy()                                 # (1, units)
        for _ in range(self.power_iterations):
            v = _l2_normalize(xp, u @ w.T)                        # (1, fan_in)
            u = _l2_normalize(xp, v @ w)                          # (1, units)
        sigma = (v @ w) @ u.T                                     # (1, 1)
        return u.astype(self.vector_u.dtype), (kernel / sigma).astype(kernel.dtype)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}


def _l2_normalize(xp, x):
    eps = backend.epsilon()
    return x / xp.sqrt(xp.maximum(xp.sum(x * x), eps * eps))
