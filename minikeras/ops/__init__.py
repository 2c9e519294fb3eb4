"""keras.ops: the functional API, with Keras's names, built on the autodiff primitives.

One file per concept: core (conversion, casting), creation, reshaping, indexing, elementwise
math, reductions, linalg, math (sorting, segments, FFT), control_flow, nn (activations,
crossentropies, attention), convolution (with pooling) and normalization.
"""
from .core import *  # noqa: F401,F403
from .creation import *  # noqa: F401,F403
from .reshaping import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .elementwise import *  # noqa: F401,F403
from .reductions import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .math import *  # noqa: F401,F403
from .control_flow import *  # noqa: F401,F403
from .nn import *  # noqa: F401,F403
from .convolution import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from . import image  # noqa: F401,E402  (keras.ops.image)
