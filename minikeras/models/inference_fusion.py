"""Inference-time fusion for functional models: the plan ``Functional.call`` follows when
training is off and no gradient is recorded (``predict``, ``predict_on_batch``, a call
under ``no_grad``).

The plan is the model's run order with these rewrites, each made only where the
intermediate tensor has no other consumer and is not a model output, and each layer is
of the exact kind (channels_last, float32, no mask, called with no extra arguments):

- a convolution (``Conv1D/2D/3D``, ``DepthwiseConv1D/2D``, linear activation) followed by
  a ``BatchNormalization`` over the channel axis runs as one convolution with a folded
  kernel and bias. At inference the normalization is, per channel f,
  ``y = x * inv + shift`` with ``inv = gamma / sqrt(moving_variance + epsilon)`` and
  ``shift = beta - moving_mean * inv``; after ``x = conv(u, w) + b`` that is
  ``conv(u, w * inv) + (b * inv + shift)``.
  When the output has fewer rows than the kernel has (deep layers at batch 1), scaling
  the output by ``inv`` costs less than scaling the kernel, and is done instead.
- a convolution (folded or not) followed by a ReLU (``ReLU`` layer with no slope and no
  threshold, ``Activation("relu")`` / ``("relu6")``) runs the ReLU, and its
  ``max_value`` cap, in the one pass over the output that adds the bias.
- a ``ZeroPadding`` before a ``padding="valid"`` convolution, when its pads are exactly
  the ones ``padding="same"`` gives at that input size (TensorFlow's rule, as Keras's
  ``correct_pad`` makes them for strided MobileNet blocks), is that convolution with
  ``padding="same"``: the padded copy of the input is never made.
- an ``Add`` of equal shapes [followed by such a ReLU] is one pass (sum, ReLU), written
  into the storage of an operand that a fused step made and nothing else reads.

The folded kernel and bias are recomputed on every call from the variables' current
values: variables change in place (``assign``, optimizers writing a flat buffer the
variables view, ``load_weights``) with no signal a cache could check, and one pass over
the kernels is small next to the activation passes it removes. Every intermediate
tensor is dropped as soon as its last consumer has run, so peak memory is the live
activations, not all of them. A fused step whose input turns out not to qualify at run
time (another dtype, a mask, an Add's broadcasting shapes) runs its layers one by one,
as the unfused model does.

Why a second path: at inference the normalization and ReLU layers were separate passes
over every activation, about half of ResNet50's batch-32 predict (CPU time 4.4-5.6 s ->
2.5 s per batch of 32 at one thread, MobileNetV2 1.7-1.9 s -> 0.8 s; benchmarks/results.md).
"""
import math
import weakref

import numpy as np

from .. import activations
from .. import variables as V
from ..autodiff import parallel
from ..autodiff import primitives as P
from ..autodiff.conv import output_length, pad_amounts
from ..autodiff.elementwise import relu_into
from ..autodiff.tensor import Tensor
from ..layers.convolutional import BaseConv
from ..layers.convolutional_depthwise import BaseDepthwiseConv
from ..layers.core import Activation
from ..layers.activations import ReLU
from ..layers.merging import Add
from ..layers.normalization import BatchNormalization
from ..layers.reshaping import BaseZeroPadding
from ..layers.keras_tensor import KerasTensor

_PLANS = weakref.WeakKeyDictionary()   # model -> (variables.structure_version(), plan)

# ReLU-family activation functions: their cap (None for none)
_RELU_CAPS = {activations.relu: None, activations.relu6: 6.0}


def plan_for(model):
    """The model's fused inference plan, rebuilt when variables were created since."""
    version = V.structure_version()
    cached = _PLANS.get(model)
    if cached is None or cached[0] != version:
        cached = (version, InferencePlan(model._run_order, model._outputs))
        _PLANS[model] = cached
    return cached[1]


class InferencePlan:
    """Steps (fused steps or plain graph nodes) and, per step, the tensors to drop after it.

    ``run(memo, run_node)``: ``memo`` maps ``id(KerasTensor)`` to its value and holds the
    inputs; ``run_node(node, memo)`` runs one plain node as the unfused model does.
    """

    def __init__(self, run_order, outputs):
        consumers = {}
        for node in run_order:
            for tensor in node.inputs:
                consumers.setdefault(id(tensor), []).append(node)
        kept = {id(t) for t in outputs}
        absorbed, self.steps, owned = set(), [], set()   # owned: arrays a fused step made
        for node in run_order:
            if node in absorbed:
                continue
            step = _fuse(node, consumers, kept)
            absorbed.update(getattr(step, "nodes", ()))
            self.steps.append(step)
            if isinstance(step, AddStep):   # an owned operand only this Add reads: its storage
                step.into = next((i for i, t in enumerate(node.inputs[:2])
                                  if id(t) in owned and len(consumers[id(t)]) == 1), None)
            if isinstance(step, _Fused):
                owned.add(id(step.nodes[-1].outputs[0]))
        last_use = {}
        for i, step in enumerate(self.steps):
            for key in _input_ids(step):
                last_use[key] = i
        self.release = [[] for _ in self.steps]
        for key, i in last_use.items():
            if key not in kept:
                self.release[i].append(key)

    def run(self, memo, run_node):
        for step, release in zip(self.steps, self.release):
            if isinstance(step, _Fused):
                step.run(memo, run_node)
            else:
                run_node(step, memo)
            for key in release:
                memo.pop(key, None)


def _input_ids(step):
    nodes = step.nodes if isinstance(step, _Fused) else (step,)
    inner = {id(t) for node in nodes for t in node.outputs}
    return {id(t) for node in nodes for t in node.inputs} - inner


def _fuse(node, consumers, kept):
    """A fused step starting at ``node``, or ``node`` itself when nothing fuses."""
    chain = []
    if _zero_pads(node):
        following = _sole_consumer(node, consumers, kept)
        if following is None or not _conv_kind(following) or following.layer.padding != "valid":
            return node
        chain, node = [node], following
    if _conv_kind(node):
        chain.append(node)
        following = _sole_consumer(node, consumers, kept)
        if following is not None and _normalizes_channels(following):
            chain.append(following)
            following = _sole_consumer(following, consumers, kept)
        if _relu_cap(following) is not False:
            chain.append(following)
        return ConvStep(chain) if len(chain) > 1 else node
    if type(node.layer) is Add and _plain_call(node, list):
        following = _sole_consumer(node, consumers, kept)
        return AddStep([node] + ([following] if _relu_cap(following) is not False else []))
    return node


def _plain_call(node, first=KerasTensor):
    """Called on one argument of type ``first`` (a list: of KerasTensors only), with no
    other argument and no activity regularizer."""
    if (node.kwargs or len(node.args) != 1 or not isinstance(node.args[0], first)
            or node.layer.activity_regularizer is not None):
        return False
    return first is KerasTensor or all(isinstance(x, KerasTensor) for x in node.args[0])


def _float32(layer):
    return layer.built and layer.dtype == "float32"


def _conv_kind(node):
    layer = node.layer
    return (isinstance(layer, (BaseConv, BaseDepthwiseConv)) and _plain_call(node)
            and _float32(layer) and layer.data_format == "channels_last"
            and layer.activation is activations.linear)


def _zero_pads(node):
    layer = node.layer
    return (isinstance(layer, BaseZeroPadding) and _plain_call(node)
            and layer.data_format == "channels_last")


def _normalizes_channels(node):
    layer = node.layer
    return (type(layer) is BatchNormalization and _plain_call(node) and _float32(layer)
            and layer.axis in (-1, len(node.outputs[0].shape) - 1))


def _relu_cap(node):
    """The cap of a plain ReLU node (None: no cap), or False when the node is no such ReLU."""
    if node is None or not _plain_call(node):
        return False
    layer = node.layer
    if type(layer) is ReLU and layer.negative_slope == 0 and layer.threshold == 0:
        return None if layer.max_value is None else float(layer.max_value)
    if type(layer) is Activation and layer.activation in _RELU_CAPS:
        return _RELU_CAPS[layer.activation]
    return False


def _sole_consumer(node, consumers, kept):
    """The one node that uses ``node``'s single output, if the output is used nowhere else."""
    if len(node.outputs) != 1 or id(node.outputs[0]) in kept:
        return None
    users = consumers.get(id(node.outputs[0]), [])
    return users[0] if len(users) == 1 else None


class _Fused:
    """A run of graph nodes computed as one step; ``nodes`` in run order."""

    def __init__(self, nodes):
        self.nodes = nodes
        cap = _relu_cap(nodes[-1])
        self.relu, self.cap = cap is not False, None if cap is False else cap

    def run(self, memo, run_node):
        values = [memo[id(t)] for t in self.nodes[0].inputs]
        if not all(type(v) is Tensor and v.mask is None and v.dtype == np.float32
                   and v.shape == values[0].shape for v in values):
            for node in self.nodes:
                run_node(node, memo)
            return
        memo[id(self.nodes[-1].outputs[0])] = Tensor(self.compute(values))

    def activate(self, part):
        """In place on a slice of the result: the ReLU, and its cap if it has one (one
        ``np.clip`` pass: numpy's minimum against a scalar is 5x slower, see ``relu_into``)."""
        if self.cap is None:
            relu_into(part, part)
        else:
            np.clip(part, 0, self.cap, out=part)


class ConvStep(_Fused):
    """[ZeroPadding as padding="same"] + convolution [+ BatchNormalization folded into it]
    [+ ReLU in its bias pass]."""

    def __init__(self, nodes):
        super().__init__(nodes)
        self.pad = nodes[0].layer if isinstance(nodes[0].layer, BaseZeroPadding) else None
        self.conv = nodes[1 if self.pad else 0].layer
        self.norm = next((n.layer for n in nodes if type(n.layer) is BatchNormalization), None)

    def same_padding(self, shape):
        """Whether the ZeroPadding's pads are the "same" pads of the convolution at ``shape``."""
        conv = self.conv
        return self.pad.padding == tuple(
            pad_amounts(n, k, s, d, "same") for n, k, s, d in zip(
                shape[1:-1], conv.kernel_size, conv.strides, conv.dilation_rate))

    def compute(self, values):
        conv, x, padding = self.conv, values[0], self.conv.padding
        if self.pad is not None:
            if self.same_padding(x.shape):
                padding = "same"
            else:      # other pads: made as the ZeroPadding layer makes them
                x = P.pad_constant(x, ((0, 0),) + self.pad.padding + ((0, 0),))
        kernel = conv.kernel.data
        bias = None if conv.bias is None else conv.bias.data
        groups = getattr(conv, "groups", 1)
        if isinstance(conv, BaseDepthwiseConv):  # (*k, C, M) as C groups of one channel
            groups = values[0].shape[-1]
            kernel = kernel.reshape(kernel.shape[:-2] + (1, -1))
        scale = None
        if self.norm is not None:
            scale, shift = batch_norm_scale_shift(self.norm)
            bias = shift if bias is None else bias * scale + shift
            if self.folds_into_kernel(x.shape, padding, kernel):
                kernel, scale = kernel * scale, None
        relu = "relu" if self.relu else None
        if scale is None and self.cap is None:     # the convolution's own bias pass does all
            return P.conv(x, kernel, bias, conv.strides, padding, conv.dilation_rate, groups,
                          activation=relu).data
        y = P.conv(x, kernel, None, conv.strides, padding, conv.dilation_rate, groups).data
        rows = y.reshape(-1, y.shape[-1])
        parallel.for_parts(lambda a, b: self.finish(rows[a:b], scale, bias), len(rows),
                           rows.size)
        return y

    def folds_into_kernel(self, shape, padding, kernel):
        """Whether scaling the kernel costs no more than scaling the output: kernel
        (*k, C, F) against output rows x F (batch 32 folds; batch 1's deep layers, whose
        output has fewer rows than the kernel, scale the output)."""
        conv = self.conv
        rows = shape[0] * math.prod(output_length(n, k, s, d, padding) for n, k, s, d in zip(
            shape[1:-1], conv.kernel_size, conv.strides, conv.dilation_rate))
        return rows * kernel.shape[-1] >= kernel.size

    def finish(self, part, scale, bias):
        """In place on rows of the output: ``* scale``, ``+ bias``, the ReLU and its cap."""
        if scale is not None:
            part *= scale
        if bias is not None:
            part += bias
        if self.relu:
            self.activate(part)


class AddStep(_Fused):
    """Add (of equal shapes) [then ReLU] as one pass split over threads, into the storage
    of operand ``into`` (0 or 1: made by a fused step, read by nothing else) or a new
    array when ``into`` is None. Summed left to right, as Add does."""

    into = None

    def compute(self, values):
        flat = [v.data.reshape(-1) for v in values]
        out = np.empty_like(flat[0]) if self.into is None else flat[self.into]

        def apply(a, b):
            part = out[a:b]
            np.add(flat[0][a:b], flat[1][a:b], out=part)
            for other in flat[2:]:
                part += other[a:b]
            if self.relu:
                self.activate(part)

        parallel.for_parts(apply, len(out), len(out))
        return out.reshape(values[0].shape)


def batch_norm_scale_shift(norm):
    """(inv, shift), each (F,): the inference-mode BatchNormalization ``norm`` as
    ``x * inv + shift``, with ``inv = gamma / sqrt(moving_variance + epsilon)`` and
    ``shift = beta - moving_mean * inv``."""
    inv = np.float32(1) / np.sqrt(norm.moving_variance.data + np.float32(norm.epsilon))
    if norm.gamma is not None:
        inv = inv * norm.gamma.data
    shift = -(norm.moving_mean.data * inv)
    if norm.beta is not None:
        shift = shift + norm.beta.data
    return inv, shift
