"""keras.dtype_policies: the dtype a layer keeps its variables in and computes in, and the
global default (``keras.config.set_dtype_policy``).

A policy is named by a dtype (``"float32"``: variables and computation in float32) or is
mixed (``"mixed_float16"`` / ``"mixed_bfloat16"``: float32 variables, half-precision
computation). minikeras computes a layer in one dtype: a layer or global default given a
mixed policy runs in the policy's variable dtype (float32), with a warning, so a model
trained with mixed precision loads and predicts (at float32 accuracy). ``bfloat16`` does
not exist in numpy and is refused.
"""
from . import backend
from .arguments import warn_user

__all__ = ["DTypePolicy", "FloatDTypePolicy", "Int4DTypePolicy", "QuantizedDTypePolicy",
           "deserialize", "dtype_policy", "get", "serialize", "set_dtype_policy"]

# Keras 3.15's quantization modes, and those minikeras implements.
QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")
SUPPORTED_QUANTIZATION_MODES = ("int8", "int4")

_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}
_GLOBAL = [None]  # set by set_dtype_policy; None: the floatx policy
_WARNED = set()   # the mixed policies already warned about (once per process)
_NO_BFLOAT16 = {"bfloat16": " (numpy has no bfloat16, so minikeras has no such policy.)"}


class DTypePolicy:
    """A named dtype policy: ``name``, ``compute_dtype``, ``variable_dtype``.

    Args:
        name: a dtype name (``"float32"``, ``"float64"``, ``"int32"``, ...) or
            ``"mixed_float16"`` / ``"mixed_bfloat16"``; None: the global policy's name.
    """

    def __init__(self, name=None):
        if name is None:
            name = dtype_policy().name
        if not isinstance(name, str):
            raise TypeError(f"'name' must be a string, such as 'mixed_float16'. "
                            f"Received: name={name!r} (of type {type(name)})")
        if name in _MIXED:
            self._name, self._compute, self._variable = name, _MIXED[name], "float32"
        else:
            dtype = _dtype_or_none(name)
            if dtype is None:
                raise ValueError(
                    f"Cannot convert {name!r} to a mixed precision DTypePolicy. Valid "
                    "policies include 'mixed_float16', 'mixed_bfloat16', and the name of any "
                    "float dtype such as 'float32'." + _NO_BFLOAT16.get(name, ""))
            self._name = self._compute = self._variable = dtype

    name = property(lambda self: self._name)
    compute_dtype = property(lambda self: self._compute)
    variable_dtype = property(lambda self: self._variable)
    quantization_mode = None

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(("DTypePolicy", self._name))

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


FloatDTypePolicy = DTypePolicy  # Keras 3's older name for the same class


class QuantizedDTypePolicy(DTypePolicy):
    """The policy of a quantized layer: ``mode`` ("int8" or "int4") over ``source_name``, the
    float policy it computes in (default: the global policy). Its name is
    ``"<mode>_from_<source_name>"``, e.g. ``"int8_from_float32"``."""

    def __init__(self, mode, source_name=None):
        if source_name is None:
            source_name = dtype_policy().name
        source = DTypePolicy(source_name)
        _check_quantization_mode(mode, source.compute_dtype)
        self._compute, self._variable = source.compute_dtype, source.variable_dtype
        self._name = f"{mode}_from_{source_name}"
        self._source_name = source_name
        self._quantization_mode = mode

    quantization_mode = property(lambda self: self._quantization_mode)

    def __repr__(self):
        return f'<{type(self).__name__} "{self._name}">'

    def __eq__(self, other):
        return type(other) is type(self) and other.get_config() == self.get_config()

    def __hash__(self):
        return hash((type(self).__name__, self._name))

    def get_config(self):
        return {"mode": self._quantization_mode, "source_name": self._source_name}


class Int4DTypePolicy(QuantizedDTypePolicy):
    """int4 with its group size: mode ``"int4/<block_size>"`` (-1: one scale per output
    channel; a positive size: a scale and zero point per ``block_size`` input rows)."""

    def __init__(self, mode, source_name=None):
        expected = "'int4/<block_size>'"
        parts = mode.split("/") if isinstance(mode, str) else []
        if len(parts) != 2 or parts[0] != "int4":
            raise ValueError(f"Invalid mode for Int4DTypePolicy. Expected format {expected}, "
                             f"but got '{mode}'.")
        try:
            block_size = int(parts[1])
        except ValueError:
            raise ValueError("Invalid mode for Int4DTypePolicy. <block_size> must be an "
                             f"integer. Expected format {expected}, but got '{mode}'.") from None
        if block_size < -1 or block_size == 0:
            raise ValueError("Invalid block_size in mode. Supported values are -1 "
                             "(per-channel) or a positive integer (sub-channel), but got "
                             f"{block_size} from '{mode}'.")
        super().__init__("int4", source_name)
        self._name = f"{mode}_from_{self._source_name}"
        self.block_size = block_size

    def get_config(self):
        return {"mode": f"int4/{self.block_size}", "source_name": self._source_name}


def _check_quantization_mode(mode, compute_dtype):
    if mode not in QUANTIZATION_MODES:
        raise ValueError(f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. "
                         f"Received: mode={mode}")
    if mode not in SUPPORTED_QUANTIZATION_MODES:
        raise NotImplementedError(
            f"Quantization mode '{mode}' is not supported by minikeras yet. Supported modes: "
            f"{SUPPORTED_QUANTIZATION_MODES}.")
    if compute_dtype == "float16" and mode == "int8":
        raise ValueError(f"Quantization mode='{mode}' doesn't work well with "
                         "compute_dtype='float16'.")


def _quantized_policy(name):
    """The policy a ``"<mode>_from_<source>"`` name describes."""
    parts = name.split("_from_")
    if len(parts) != 2:
        raise ValueError("Cannot convert `policy` into a valid pair (`mode`, `source_name`) "
                         f"to instantiate `QuantizedDTypePolicy`. Received: policy={name}")
    mode, source_name = parts
    if mode.startswith("int4/"):
        return Int4DTypePolicy(mode, source_name)
    return QuantizedDTypePolicy(mode, source_name)


_CLASSES = {"DTypePolicy": DTypePolicy, "FloatDTypePolicy": DTypePolicy, "Policy": DTypePolicy,
            "QuantizedDTypePolicy": QuantizedDTypePolicy, "Int4DTypePolicy": Int4DTypePolicy}


def _dtype_or_none(name):
    try:
        return backend.standardize_dtype(name)
    except ValueError:
        return None


def get(identifier):
    """A DTypePolicy from a policy, its name, its serialized dict, or None (the global one)."""
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier.startswith(QUANTIZATION_MODES):
            return _quantized_policy(identifier)
        return DTypePolicy(identifier)
    raise ValueError(f"Cannot interpret `dtype` argument. Expected a string or an instance of "
                     f"DTypePolicy. Received: dtype={identifier!r}")


def serialize(dtype_policy):
    """A policy's config dict, as Keras writes it into a layer's config."""
    quantized = isinstance(dtype_policy, QuantizedDTypePolicy)
    return {"module": "keras.dtype_policies" if quantized else "keras",
            "class_name": type(dtype_policy).__name__, "config": dtype_policy.get_config(),
            "registered_name": None}


def deserialize(config, custom_objects=None):
    """The policy a ``serialize`` dict describes (class names DTypePolicy,
    FloatDTypePolicy, Keras 2's Policy, QuantizedDTypePolicy and Int4DTypePolicy, or a
    DTypePolicy subclass named in ``custom_objects``)."""
    classes = {**_CLASSES, **{name: cls for name, cls in (custom_objects or {}).items()
                              if isinstance(cls, type) and issubclass(cls, DTypePolicy)}}
    if not isinstance(config, dict) or config.get("class_name") not in classes \
            or not isinstance(config.get("config"), dict):
        raise ValueError(f"Expected a serialized DTypePolicy (a dict with a class_name among "
                         f"{sorted(classes)} and a config). Received: {config!r}")
    return classes[config["class_name"]].from_config(config["config"])


def set_dtype_policy(policy):
    """Make ``policy`` (a DTypePolicy or its name) the default of layers made from now on."""
    if isinstance(policy, str):
        policy = get(policy)
    if not isinstance(policy, DTypePolicy):
        raise ValueError(
            "Invalid `policy` argument. Expected the string name of a policy (such as "
            f"'mixed_float16') or a `DTypePolicy` instance. Received: "
            f"policy={policy!r} (of type {type(policy)})")
    _GLOBAL[0] = policy


@backend.on_clear_session
def forget_global_policy():
    """Drop the policy ``set_dtype_policy`` set: layers follow ``floatx()`` again."""
    _GLOBAL[0] = None


def dtype_policy():
    """The global default policy: the one set, else the policy named by ``floatx()``."""
    return _GLOBAL[0] if _GLOBAL[0] is not None else DTypePolicy(backend.floatx())


def effective_dtype(dtype):
    """The one dtype a layer or metric given ``dtype`` (None, a name, a DTypePolicy or its dict)
    keeps its variables in and computes in: a mixed policy's variable dtype, with a warning."""
    if dtype is None:
        policy = dtype_policy()
    elif isinstance(dtype, (DTypePolicy, dict)) or dtype in _MIXED or (
            isinstance(dtype, str) and dtype.startswith(QUANTIZATION_MODES)):
        policy = get(dtype)
    else:
        try:
            return backend.standardize_dtype(dtype)
        except ValueError:  # Keras's error: an unknown policy name, or not a policy at all
            policy = get(dtype)
    if policy.compute_dtype != policy.variable_dtype and policy.name not in _WARNED:
        _WARNED.add(policy.name)
        warn_user(
            f"minikeras computes each layer in one dtype: the mixed policy '{policy.name}' "
            f"runs in its variable dtype, {policy.variable_dtype} (numpy has no fast "
            "half-precision math), so results are float32-accurate.")
    return policy.variable_dtype
