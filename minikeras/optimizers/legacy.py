"""keras.optimizers.legacy (tf.keras 2.11+): the Keras 3 classes under their Keras 2 names.

Keras 3 makes these raise ImportError; minikeras accepts Keras 2 spellings as aliases,
so ``keras.optimizers.legacy.Adam(lr=0.001)`` builds the Keras 3 ``Adam``.
"""
from .adagrad import Adadelta, Adagrad  # noqa: F401
from .adam import Adam, Adamax, Nadam  # noqa: F401
from .ftrl import Ftrl  # noqa: F401
from .optimizer import Optimizer  # noqa: F401
from .rmsprop import RMSprop  # noqa: F401
from .sgd import SGD  # noqa: F401
