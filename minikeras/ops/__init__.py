"""keras.ops: the functional API, with Keras's names, built on the autodiff primitives."""
from .core import *  # noqa: F401,F403
from .core import cast, convert_to_numpy, convert_to_tensor, shape, stop_gradient  # noqa: F401
from .nn import *  # noqa: F401,F403
from .numpy import *  # noqa: F401,F403
from .numpy_extra import *  # noqa: F401,F403
from .numpy_products import *  # noqa: F401,F403
from .math import *  # noqa: F401,F403
from .core_extra import *  # noqa: F401,F403
from .nn_extra import *  # noqa: F401,F403
from . import image  # noqa: F401,E402  (keras.ops.image)
