"""The functional API: ``keras.Model(inputs, outputs)``, a model made of a graph of layer calls.

The graph is walked and replayed by the helpers of ``layers/graph.py`` (which
``keras.Function`` runs on too); the model adds the Layer side: weights, training, input
checks, config. A layer called twice is one layer, so its weights are shared.
"""
import warnings

import numpy as np

from ..autodiff.grad_mode import is_grad_enabled
from ..autodiff.tensor import Tensor
from ..layers.graph import check_tensors, cut_at_inputs, fill, map_graph, run_node
from ..layers.layer import LAYERS, Layer, _has_own_init, format_shape
from ..layers.op_call import OpCall
from ..layers.input_spec import (check_input_specs, check_keys, invalid_input_shape,
                                 model_input_spec, named_inputs_count_error,
                                 structure_mismatch, without_trailing_one)
from ..layers.keras_tensor import KerasTensor
from ..layers.output_probe import outputs_by_running
from ..layers.symbolic import edge_cast
from ..ops.core import convert_to_tensor
from ..tree import (flatten, flatten_with_path, map_shape_structure, map_structure,
                    pack_sequence_as)
from . import functional_config, inference_fusion
from .model import Model

@LAYERS.register("Functional", "Model")  # "Model": Keras 2 configs
class Functional(Model):
    """A model defined by its input and output KerasTensors.

    Args:
        inputs: a ``keras.Input(...)`` tensor, or a list / dict of them.
        outputs: a KerasTensor computed from the inputs, or a list / dict of them.
        name: model name (default ``functional``, ``functional_1``, ...).
        trainable: whether the model's weights are trainable.
    """
    _allow_non_tensor_positional_args = True  # as Keras

    _counts_own_node = True  # Keras files number a functional model's own node 0
    _autocasts_inputs = False  # each Input keeps its dtype (Keras: _convert_input_args)
    _converts_inputs = False

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        if isinstance(inputs, dict):
            _warn_keys_not_names(inputs)
        Layer.__init__(self, trainable=trainable, name=name, **kwargs)
        self._init_trainer()
        check_tensors(inputs, "inputs")
        check_tensors(outputs, "outputs")
        inputs, outputs = cut_at_inputs(inputs, outputs)
        self._inputs_struct, self._outputs_struct = inputs, outputs
        self._inputs, self._outputs = flatten(inputs), flatten(outputs)
        graph = map_graph(self._inputs, self._outputs)
        self._nodes, self._run_order, self._layers = graph
        self._node_set = set(self._nodes)
        self._set_path()
        self.built = True
        self._single_input = len(self._inputs) == 1
        self._lone_listed_input = self._single_input and isinstance(inputs, (list, tuple))
        # Keras takes a backend tensor for a flat list of one input silently (it wraps it)
        self._wraps_a_tensor = self._lone_listed_input and isinstance(inputs, list) and \
            not isinstance(inputs[0], (list, tuple, dict))

    def __call__(self, *args, **kwargs):
        """Keras's warning for one array given to a model built on a list (or tuple) of one
        input: for a user's numpy array always; in fit, evaluate and predict, whose steps
        Keras hands backend tensors, only where Keras does not wrap a tensor (a tuple, or a
        nested list: ``inputs=[base.inputs]``). Here, before Layer.__call__ turns the array
        into a tensor."""
        if self._lone_listed_input and not (self._running_batches and self._wraps_a_tensor):
            given = args[0] if args else kwargs.get("inputs")
            if type(given) is np.ndarray:
                self._warn_structure_mismatch(given)
        return super().__call__(*args, **kwargs)

    def get_build_config(self):
        """``{"input_shape": None}``: Keras builds a functional model with ``build(None)``."""
        return {"input_shape": None}

    # ---- structure -------------------------------------------------------------------
    @property
    def layers(self):
        """Every layer of the graph, InputLayers included, in Keras's order (by depth).
        ``keras.ops`` calls on KerasTensors (``x + y``) and ``keras.Function`` calls are
        nodes but not layers, as in Keras."""
        return [layer for layer in self._sublayers() if not isinstance(layer, OpCall)]

    @property
    def operations(self):
        """The layers and the op nodes, InputLayers included: what summary() and plot_model()
        show."""
        return list(self._layers)

    @layers.setter
    def layers(self, _):
        raise AttributeError("`Model.layers` attribute is reserved and should not be used. "
                             "Please use another name.")

    def _sublayers(self):
        """The graph's layers, op nodes included (their weights are none), without the
        ``keras.Function`` nodes (operations holding no weights of their own)."""
        return [layer for layer in self._layers if isinstance(layer, Layer)]

    @property
    def inputs(self):
        return list(self._inputs)

    @property
    def outputs(self):
        return list(self._outputs)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_shape(self):
        shapes = [x.shape for x in self._inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [x.shape for x in self._outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_names(self):
        return [x._keras_history[0].name for x in self._outputs]

    def _has_unknown_outputs(self):
        return False  # the graph names them

    def _output_names(self):
        """The names compile() gives the outputs: a dict of outputs is named by its keys
        unless they are the output layers' names (Keras prefers the keys; sorted, the order
        in which a dict flattens); nested outputs are named by their place."""
        names = self.output_names
        struct = self._outputs_struct
        if isinstance(struct, dict) and set(struct) != set(names):
            return sorted(struct)
        if isinstance(struct, (list, tuple)) and any(isinstance(o, (list, tuple, dict))
                                                     for o in struct):
            # nested outputs ([(a, b), a]): Keras prefixes a name with its place, "0/dense"
            return ["".join(f"{key}/" for key in path[:-1]) + name
                    for (path, _), name in zip(flatten_with_path(struct), names)]
        return names

    # ---- running ---------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        memo = {}
        values = self._standardize(inputs)
        if mask is not None:  # as Keras: each mask is set on its input
            for value, each in zip(values, flatten(mask)):
                if each is not None:
                    value.mask = each
        for tensor, value in zip(self._inputs, values):
            memo[id(tensor)] = value
        if training or is_grad_enabled():
            for node in self._run_order:
                run_node(node, memo, training)
        else:  # inference: convolution + batch norm + ReLU fused, tensors freed early
            inference_fusion.plan_for(self).run(
                memo, lambda node, memo: run_node(node, memo, training))
        return fill(self._outputs_struct, memo, unpack=True)

    def _check_input_spec(self, inputs):
        """A call on KerasTensors (one per input, not a dict) is checked as Keras checks it,
        against each input's shape (any batch size, a trailing axis of 1 free); a call on
        data is checked by ``_standardize``."""
        leaves = flatten(inputs)
        if (not isinstance(inputs, dict) and len(leaves) == len(self._inputs)
                and all(isinstance(x, KerasTensor) for x in leaves)):
            check_input_specs([model_input_spec(x) for x in self._inputs], leaves, self.name)
        super()._check_input_spec(inputs)

    def _standardize(self, inputs):
        """The inputs as a list aligned with ``self._inputs``, shape-checked and converted."""
        expected = self._inputs
        if isinstance(inputs, dict):
            names = [x._keras_history[0].name for x in expected]
            struct = self._inputs_struct
            keys = sorted(struct) if isinstance(struct, dict) else names
            check_keys(inputs, keys)
            if len(inputs) > len(keys):  # the extra keys are left out, with Keras's warning
                self._warn_structure_mismatch(inputs)
            values = [inputs[k] for k in keys]
        elif isinstance(inputs, (list, tuple)):
            if isinstance(self._inputs_struct, dict):
                self._refuse_or_warn_unnamed(inputs)
            values = list(inputs)
        else:  # one tensor for a list of one: taken (``__call__`` warned for an array)
            values = [inputs]
        if len(values) != len(expected):  # Keras's text: every Input has a name
            raise named_inputs_count_error(self.name, [x.name for x in expected], len(values))
        out = []
        for i, (value, ref) in enumerate(zip(values, expected)):
            if not isinstance(value, Tensor):
                value = convert_to_tensor(edge_cast(value))
            shape, ref_shape = value.shape, ref.shape
            if len(shape) == len(ref_shape) + 1 and shape[-1] == 1:
                value = value.reshape(shape[:-1])  # Keras squeezes a trailing axis of 1
            elif len(shape) == len(ref_shape) - 1 and ref_shape[-1] == 1:
                value = value.reshape(shape + (1,))
            shape = value.shape
            if len(shape) < len(ref_shape):  # Keras's call-time check; more axes: the spec's
                raise invalid_input_shape(value, ref.name, _input_path(self._inputs_struct, i),
                                          ref_shape)
            if len(shape) != len(ref_shape) or (any(  # the batch axis may differ
                    r is not None and d != r for d, r in zip(shape[1:], ref_shape[1:]))
                    and _squeezed_sizes_differ(shape, ref_shape)):
                raise ValueError(
                    f"Input {i} with name '{ref._keras_history[0].name}' of layer '{self.name}' "
                    f"is incompatible with the layer: expected shape={format_shape(ref_shape)}, "
                    f"found shape={format_shape(value.shape)}")
            out.append(value)
        return out

    def _refuse_or_warn_unnamed(self, inputs):
        """Keras's answer to a list given to a model built on a dict of inputs: a warning
        when the dict's keys are in sorted order (the list is taken in that order), else
        the same sentence as an error."""
        struct = self._inputs_struct
        message = structure_mismatch({key: x.name for key, x in struct.items()}, inputs)
        if list(struct) != sorted(struct):
            raise ValueError(message)
        warnings.warn(message, stacklevel=2)

    def _warn_structure_mismatch(self, inputs):
        """Keras's warning for inputs that do not have the structure of the model's: one
        array given to a model built on a list (or tuple) of inputs, taken as the first
        input; a dict with keys the model does not name, left out. Issued from here, as
        Keras issues it from its functional model's code, so Python's default filter shows
        each message once (not once per line of the caller, or per loop of fit, evaluate
        and predict)."""
        warnings.warn(structure_mismatch(map_structure(lambda x: x.name, self._inputs_struct),
                                         inputs))

    def add_loss(self, loss):
        """Keras 3 has no add_loss on a functional model (``NotImplementedError``)."""
        raise NotImplementedError(
            f"Functional model '{self.name}' has no add_loss() (as in Keras 3): a symbolic "
            "penalty cannot be attached to the model. Compute it in a layer's call() and "
            "call self.add_loss(...) there, with that layer placed in the graph.")

    def compute_output_spec(self, *args, **kwargs):
        """As Keras: the output KerasTensors in the outputs' structure (a list of one stays
        a list, where a call on data unpacks it); the outputs' own specs for inputs of the
        model's own shapes and dtypes, else found by running the graph on placeholders."""
        inputs = args[0] if args else kwargs.pop("inputs")
        if [(x.shape, x.dtype) for x in flatten(inputs)] == \
                [(x.shape, x.dtype) for x in self._inputs]:
            specs = [KerasTensor(x.shape, x.dtype) for x in self._outputs]
        else:
            specs = flatten(outputs_by_running(self, (inputs,) + args[1:], kwargs, strict=True))
        return pack_sequence_as(self._outputs_struct, specs)

    def compute_output_shape(self, input_shape):
        """As Keras: the outputs' shapes, in the outputs' structure, for inputs of
        ``input_shape`` (one shape, or shapes in the inputs' structure)."""
        given = _flat_shapes(input_shape)
        if len(given) != len(self._inputs):
            raise named_inputs_count_error(self.name, [x.name for x in self._inputs],
                                           len(given))
        specs = [KerasTensor(shape, x.dtype) for shape, x in zip(given, self._inputs)]
        self._check_input_spec(specs)
        outputs = self.compute_output_spec(pack_sequence_as(self._inputs_struct, specs))
        return map_structure(lambda x: x.shape, outputs)

    # ---- config ---------------------------------------------------------------------
    def get_config(self):
        if _has_own_init(type(self)):  # a functional subclass: its constructor's arguments
            return Layer.get_config(self)
        return functional_config.get_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if _has_own_init(cls):
            return cls(**config)
        inputs, outputs, rest = functional_config.rebuild_graph(config, custom_objects)
        return cls(inputs, outputs, **rest)


Model._built_from_inputs_and_outputs = Functional  # what keras.Model(inputs, outputs) makes


def _flat_shapes(structure):
    """The shapes in ``structure`` (one shape, or a list / dict of them), as tuples in
    ``flatten``'s order."""
    shapes = []
    map_shape_structure(lambda shape: shapes.append(tuple(shape)), structure)
    return shapes


def _input_path(struct, index):
    """Where input ``index`` sits in the model's inputs, as Keras's messages write it."""
    if isinstance(struct, dict):
        return str(sorted(struct)[index])
    return str(index) if isinstance(struct, (list, tuple)) else ""


def _squeezed_sizes_differ(shape, ref_shape):
    """Whether an input of ``shape`` breaks its Input's ``ref_shape`` as Keras's model input
    spec sees it: the batch axis free, and a trailing axis of 1 dropped on either side
    before the sizes are compared pairwise (a (batch, 8, 4) input passes an Input of
    (None, None, 1): the sizes compared are 8 and None)."""
    given, wanted = without_trailing_one(shape[1:]), without_trailing_one(ref_shape[1:])
    return any(r is not None and d != r for d, r in zip(given, wanted))


def _warn_keys_not_names(inputs):
    """Keras's warning for each key of a dict of inputs that is not its tensor's name (the
    name an Input takes from ``Input(..., name=key)``, which a dict given to the model is
    matched by)."""
    for key, value in inputs.items():
        if isinstance(value, KerasTensor) and key != value.name:
            warnings.warn(
                "When providing `inputs` as a dict, all keys in the dict must match the names "
                f"of the corresponding tensors. Received key '{key}' mapping to value {value} "
                f"which has name '{value.name}'. Change the tensor name to '{key}' (via "
                f"`Input(..., name='{key}')`)", stacklevel=3)
