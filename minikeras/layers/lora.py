"""LoRA, low-rank adaptation (Hu et al., 2021), for the layers with one main weight: Dense,
EinsumDense, Embedding and Conv1D/2D/3D, as Keras 3 has it.

``layer.enable_lora(rank)`` (or ``lora_rank=`` at construction, applied when the layer is
built) freezes the main weight W and adds two trainable float32 factors, A of shape
``W.shape[:-1] + (rank,)`` (initializer he_uniform) and B of shape ``(rank, W.shape[-1])``
(zeros), so training starts from the layer as it was. The layer then computes with

    W + (lora_alpha / lora_rank) * A @ B

and reading ``layer.kernel`` (``layer.embeddings``) gives that merged tensor; ``weights``
lists W, the other weights, then A and B. A file stores the merged W in W's place and not
the factors (:class:`MergedWeightSlot`); loading one into a layer with LoRA enabled sets W
and zeroes the factors.
LoRA and quantization do not combine here (docs/quantization.md).
"""
import numpy as np

from .. import initializers
from ..autodiff import primitives as P


class AdaptedWeight:
    """The class attribute of a layer's main weight (``kernel = AdaptedWeight()``): setting
    it keeps the Variable (as ``_kernel``); reading it gives the Variable, or while LoRA is
    enabled the merged tensor."""

    def __set_name__(self, owner, name):
        self.name, self.stored = name, "_" + name

    def __get__(self, layer, owner=None):
        if layer is None:
            return self
        try:
            weight = layer.__dict__[self.stored]
        except KeyError:
            raise AttributeError(f"You must build the layer before accessing `{self.name}`."
                                 ) from None
        return layer._merged_with_lora(weight) if layer.lora_enabled else weight

    def __set__(self, layer, value):
        layer.__dict__[self.stored] = value


class LowRankAdaptation:
    """Mixin of a layer with an :class:`AdaptedWeight`. The class names the weight
    (``_lora_weight``: "kernel" or "embeddings"), the factors' prefix (``_lora_factors``)
    and the noun of its constraint in Keras's message (``_lora_constraint_noun``)."""

    _lora_weight = "kernel"
    _lora_factors = "lora_kernel"
    _lora_constraint_noun = "kernel"
    lora_enabled = False

    def _init_lora(self, lora_rank, lora_alpha):
        """Keep the constructor's ``lora_rank`` / ``lora_alpha`` (alpha defaults to rank)."""
        self.lora_rank = lora_rank
        self.lora_alpha = lora_rank if lora_alpha is None else lora_alpha

    def _enable_configured_lora(self, keep_alpha):
        """After ``build``: the constructor's LoRA. Keras 3.15's Dense and Embedding pass
        only the rank here, so their alpha becomes the rank; its EinsumDense and Conv keep
        the given alpha."""
        if self.lora_rank:
            self.enable_lora(self.lora_rank, self.lora_alpha if keep_alpha else None)

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform",
                    b_initializer="zeros"):
        """Freeze the main weight and train ``rank``-wide factors A and B beside it (see the
        module's docstring); ``lora_alpha`` (default ``rank``) scales their product."""
        if getattr(self, f"{self._lora_weight}_constraint", None):
            noun = self._lora_constraint_noun
            raise ValueError(f"Lora is incompatible with {noun} constraints. In order to "
                             f"enable lora on this layer, remove the `{self._lora_weight}"
                             "_constraint` argument.")
        if not self.built:
            raise ValueError("Cannot enable lora on a layer that isn't yet built.")
        if self.lora_enabled:
            raise ValueError("lora is already enabled. This can only be done once per layer.")
        if self.quantization_mode is not None:
            raise NotImplementedError(
                f"Layer '{self.name}' is quantized ({self.quantization_mode}): minikeras does "
                "not combine LoRA with quantization. Enable LoRA on the float layer instead.")
        if isinstance(rank, bool) or not isinstance(rank, (int, np.integer)) or rank <= 0:
            raise ValueError(f"`rank` must be a positive integer. Received: rank={rank!r}")
        weight = self.__dict__["_" + self._lora_weight]
        regularizer = getattr(self, f"{self._lora_weight}_regularizer", None)
        factor_a = self.add_weight(name=f"{self._lora_factors}_a",
                                   shape=tuple(weight.shape[:-1]) + (rank,),
                                   initializer=initializers.get(a_initializer),
                                   dtype="float32", regularizer=regularizer)
        factor_b = self.add_weight(name=f"{self._lora_factors}_b",
                                   shape=(rank, weight.shape[-1]),
                                   initializer=initializers.get(b_initializer),
                                   dtype="float32", regularizer=regularizer)
        setattr(self, f"{self._lora_factors}_a", factor_a)
        setattr(self, f"{self._lora_factors}_b", factor_b)
        weight.trainable = False
        self.lora_enabled = True
        self.lora_rank = int(rank)
        self.lora_alpha = self.lora_rank if lora_alpha is None else lora_alpha

    def _lora_pair(self):
        return (getattr(self, f"{self._lora_factors}_a"),
                getattr(self, f"{self._lora_factors}_b"))

    def _merged_with_lora(self, weight):
        factor_a, factor_b = self._lora_pair()
        delta = P.multiply(P.matmul(factor_a, factor_b),
                           np.float32(self.lora_alpha / self.lora_rank))
        merged = P.add(weight, delta)
        return merged if merged.dtype == weight.dtype else P.cast(merged, weight.dtype)

    def lora_config(self):
        """The config entries Keras adds while ``lora_rank`` is set."""
        return {"lora_rank": self.lora_rank, "lora_alpha": self.lora_alpha} if self.lora_rank \
            else {}

    # ---- files: the merged weight in the weight's place, never the factors --------------
    def _saved_own_variables(self):
        if not self.lora_enabled:
            return super()._saved_own_variables()
        self.lora_enabled = False  # the Variables themselves: the file's slots
        try:
            saved = super()._saved_own_variables()
        finally:
            self.lora_enabled = True
        weight, factors = self.__dict__["_" + self._lora_weight], self._lora_pair()
        return [MergedWeightSlot(self) if v is weight else v for v in saved
                if all(v is not f for f in factors)]


class MergedWeightSlot:
    """A LoRA layer's main weight as files see it (the savers and loaders read ``numpy()``
    and call ``assign``; the rest is the Variable's): saving reads the merged value, loading
    sets the weight and zeroes the factors, so the layer computes what the file holds."""

    def __init__(self, layer):
        self.layer = layer
        self.variable = layer.__dict__["_" + layer._lora_weight]

    def __getattr__(self, name):  # name, path, shape, dtype, assignment_problem
        return getattr(self.variable, name)

    def numpy(self):
        return getattr(self.layer, self.layer._lora_weight).numpy()

    def assign(self, value):
        self.variable.assign(value)
        for factor in self.layer._lora_pair():
            factor.assign(np.zeros(factor.shape, factor.dtype))
