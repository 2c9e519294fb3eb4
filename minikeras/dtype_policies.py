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

__all__ = ["DTypePolicy", "FloatDTypePolicy", "deserialize", "dtype_policy", "get",
           "serialize", "set_dtype_policy"]

_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}
_GLOBAL = [None]  # set by set_dtype_policy; None: the floatx policy
_WARNED = set()   # the mixed policies already warned about (once per process)


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
            raise TypeError(f"'name' must be a string, such as 'mixed_float16' or 'float32'. "
                            f"Received: name={name!r} (of type {type(name)})")
        if name in _MIXED:
            self._name, self._compute, self._variable = name, _MIXED[name], "float32"
        else:
            dtype = _dtype_or_none(name)
            if dtype is None:
                raise ValueError(
                    f"Cannot convert {name!r} to a DTypePolicy. Valid policies are "
                    "'mixed_float16', 'mixed_bfloat16' and the name of a dtype numpy has, "
                    "such as 'float32' (numpy has no bfloat16).")
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
        return DTypePolicy(identifier)
    raise ValueError(f"Cannot interpret `dtype` argument. Expected a string, a dict or an "
                     f"instance of DTypePolicy. Received: dtype={identifier!r}")


def serialize(policy):
    return {"module": "keras", "class_name": "DTypePolicy", "config": policy.get_config(),
            "registered_name": None}


def deserialize(config):
    """The policy a ``serialize`` dict describes (class names DTypePolicy,
    FloatDTypePolicy and Keras 2's Policy)."""
    if not isinstance(config, dict) or config.get("class_name") not in (
            "DTypePolicy", "FloatDTypePolicy", "Policy") \
            or not isinstance(config.get("config"), dict):
        raise ValueError(f"Expected a serialized DTypePolicy (a dict with class_name "
                         f"'DTypePolicy' and a config). Received: {config!r}")
    return DTypePolicy.from_config(config["config"])


def set_dtype_policy(policy):
    """Make ``policy`` (a DTypePolicy or its name) the default of layers made from now on."""
    if isinstance(policy, str):
        policy = DTypePolicy(policy)
    if not isinstance(policy, DTypePolicy):
        raise ValueError(
            "Invalid `policy` argument. Expected the string name of a policy (such as "
            f"'mixed_float16' or 'float32') or a `DTypePolicy` instance. Received: "
            f"policy={policy!r} (of type {type(policy)})")
    _GLOBAL[0] = policy


def dtype_policy():
    """The global default policy: the one set, else the policy named by ``floatx()``."""
    return _GLOBAL[0] if _GLOBAL[0] is not None else DTypePolicy(backend.floatx())


def effective_dtype(dtype):
    """The one dtype a layer or metric given ``dtype`` (None, a name, a DTypePolicy or its dict)
    keeps its variables in and computes in: a mixed policy's variable dtype, with a warning."""
    if dtype is None:
        policy = dtype_policy()
    elif isinstance(dtype, (DTypePolicy, dict)) or dtype in _MIXED:
        policy = get(dtype)
    else:
        return backend.standardize_dtype(dtype)
    if policy.compute_dtype != policy.variable_dtype and policy.name not in _WARNED:
        _WARNED.add(policy.name)
        warn_user(
            f"minikeras computes each layer in one dtype: the mixed policy '{policy.name}' "
            f"runs in its variable dtype, {policy.variable_dtype} (numpy has no fast "
            "half-precision math), so results are float32-accurate.")
    return policy.variable_dtype
