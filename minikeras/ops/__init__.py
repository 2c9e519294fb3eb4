"""keras.ops: the functional API, with Keras's names, built on the autodiff primitives."""
from .core import *  # noqa: F401,F403
from .core import cast, convert_to_numpy, convert_to_tensor, shape, stop_gradient  # noqa: F401
from .nn import *  # noqa: F401,F403
from .numpy import *  # noqa: F401,F403
