"""keras.ops: the functional API, with Keras's names, built on the autodiff primitives.

One file per concept: core (conversion, casting), creation, reshaping, indexing, elementwise
math, bitwise (integer functions), reductions, linalg, math (sorting, quantiles, segments,
FFT), signal (windows, correlation), control_flow, neural_network (activations, crossentropies,
attention), convolution (with pooling), patches (pixel shuffle, fold / unfold), ctc
(loss and greedy decoding) and normalization. Keras's sub-namespaces
``ops.nn``, ``ops.linalg`` and ``ops.numpy`` hold the same functions (ops/namespaces.py).
"""
from .core import *  # noqa: F401,F403
from .creation import *  # noqa: F401,F403
from .reshaping import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .elementwise import *  # noqa: F401,F403
from .bitwise import *  # noqa: F401,F403
from .reductions import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .math import *  # noqa: F401,F403
from .signal import *  # noqa: F401,F403
from .control_flow import *  # noqa: F401,F403
from .neural_network import *  # noqa: F401,F403
from .convolution import *  # noqa: F401,F403
from .patches import *  # noqa: F401,F403
from .ctc import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from . import image  # noqa: F401,E402  (keras.ops.image)


# Ops that read what a tensor is (not compute with it): a KerasTensor answers them itself.
_TENSOR_FACTS = {"is_tensor", "shape", "dtype"}


def _wrap_public_ops(namespace, prefix=""):
    """Every public op accepts KerasTensors too (see ``ops/dispatch.py``); ``prefix`` names
    a sub-namespace's ops (``"image."``: ``keras.ops.image.resize`` is ``"image.resize"``)."""
    from .dispatch import symbolic_aware
    wrapped = {}  # an alias (ops.swish is ops.silu) stays one function
    for name, value in list(namespace.items()):
        if (not name.startswith("_") and name not in _TENSOR_FACTS and callable(value)
                and not isinstance(value, type)
                and getattr(value, "__module__", "").startswith("minikeras.")):
            if id(value) not in wrapped:
                wrapped[id(value)] = symbolic_aware(prefix + name, value)
            namespace[name] = wrapped[id(value)]


_wrap_public_ops(globals())
_wrap_public_ops(vars(image), "image.")

from . import nn, numpy  # noqa: E402  (keras.ops.nn, keras.ops.numpy)
from .namespaces import install as _install_namespaces  # noqa: E402

_install_namespaces(globals(), {"nn": nn, "linalg": linalg, "numpy": numpy})
