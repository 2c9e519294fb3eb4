"""Seeding: one global generator, and child generators drawn from it.

``set_random_seed(n)`` makes everything that draws randomness (initializers,
dropout, shuffling) repeatable bit for bit.
"""
import functools
import random as _py_random
import weakref

import numpy as np

from .naming import auto_name, name_scope

_state = {"generator": np.random.default_rng()}


def set_random_seed(seed):
    """Seed Python's ``random``, numpy's legacy global RNG and minikeras's generator."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(
            f"Expected `seed` argument to be an integer. Received: seed={seed} "
            f"(of type {type(seed)})")
    seed = int(seed)
    _py_random.seed(seed)
    np.random.seed(seed % 2**32)
    _state["generator"] = np.random.default_rng(seed)


def global_generator():
    """Return the process-wide generator (reset by :func:`set_random_seed`)."""
    return _state["generator"]


def make_generator(seed=None):
    """Return a generator: seeded from ``seed`` when given, else a child of the global one."""
    if seed is None:
        return np.random.default_rng(global_generator().integers(0, 2**63 - 1))
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(int(seed))


class LazyGenerator:
    """A layer's source of randomness: ``make_generator(seed)`` made at the first call,
    not at construction, so a layer built before ``keras.utils.set_random_seed`` still
    draws from the seeded global stream. Call it for the Generator."""

    __slots__ = ("seed", "_generator", "__weakref__")

    def __init__(self, seed=None):
        self.seed, self._generator = seed, None
        _SOURCES.add(self)

    def _snapshot(self):
        return _generator_snapshot(self._generator)

    def _restore(self, saved):
        self._generator = _restored_generator(saved)

    def __call__(self):
        if self._generator is None:
            self._generator = make_generator(self.seed)
        return self._generator


def draw_seed():
    """Draw a fresh integer seed from the global generator."""
    return int(global_generator().integers(0, 2**31 - 1))


# ---- keras.random: sampling functions ------------------------------------------------------

class SeedGenerator:
    """A stateful source of seeds, as in Keras: ``state`` is a non-trainable int32
    Variable ``<name>/seed_generator_state`` holding (seed, counter). Each sampling call
    given the generator takes its current state as the seed of its draw (``next()``) and
    counts one up, so a state put back (``assign``) draws the same numbers again. ``seed``
    None takes one from Python's ``random`` (Keras's source, seeded by
    ``set_random_seed``), leaving numpy's streams as they were.

    A layer holding one (``seed_generator``: Dropout, the noise and augmentation layers)
    lists its state among its variables, not its weights, and draws from
    :meth:`numpy_generator`, which counts each draw in the state the same way."""

    def __init__(self, seed=None, name=None, **kwargs):
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        self.name = name or auto_name("seed_generator")  # named first, as in Keras
        self._initial_seed = seed
        if seed is None:
            seed = _py_random.randint(1, 10**9)
        elif not isinstance(seed, int):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed}")
        self.seed = seed
        self.state = _state_variable(self.name, seed)
        self._stream = LazyGenerator(self._initial_seed)
        _SOURCES.add(self)

    def next(self, ordered=True):
        """The current state as a tensor (the seed of one draw); the state moves on: its
        counter up by one, or (``ordered`` False) both entries to (state + 1) * 5387 %
        933199, Keras's sequence of near-unique seeds."""
        current = _tensor(self.state.data.copy(), "int32")
        if ordered:
            self.state.assign_add(_ONE_DRAW)
        else:
            self.state.assign((self.state.data + 1) * 5387 % 933199)
        return current

    def numpy_generator(self, counted=True):
        """The numpy Generator a layer draws from, counting the draw in ``state`` (one per
        sampling call, as a Keras layer's draw seeded by this generator counts) unless
        ``counted`` is False (a draw Keras's torch backend takes from torch's own global
        generator). It is seeded with the ``seed`` given, or, without one, a child of the
        global generator made at the first draw, so ``set_random_seed`` before a layer's
        first call makes its draws repeatable."""
        if counted:
            self.state.assign_add(_ONE_DRAW)  # recorded instead inside a StatelessScope
        return self._stream()

    def dropout_generator(self, noise_shape=None):
        """:meth:`numpy_generator` for a dropout mask, counted as ``counts_dropout_draws``
        says."""
        return self.numpy_generator(self.counts_dropout_draws(noise_shape))

    def counts_dropout_draws(self, noise_shape=None):
        """Whether a dropout mask's draw is counted in ``state``: Keras's torch backend
        draws the mask of an unseeded generator without ``noise_shape`` from torch's own
        generator, so that draw is not counted."""
        return self._initial_seed is not None or noise_shape is not None

    def get_config(self):
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _snapshot(self):
        return np.array(self.state.data)

    def _restore(self, saved):
        self.state.data[...] = saved  # what it held, also inside a StatelessScope


_ONE_DRAW = np.array([0, 1], "int32")  # what one draw adds to a state (seed, counter)


# A generator's state is a Variable, as in Keras; Variables sit above this module (they
# can be made from initializers, which draw from it), so the package tells this module
# where the class is (``serve_variable_class``), as it tells the backend where Keras 2's
# functions are.
_VARIABLE_CLASS = []


def serve_variable_class(load):
    """Make seed states with ``load()``, the Variable class (imported at the first state)."""
    _VARIABLE_CLASS[:] = [load]


def _state_variable(generator_name, seed):
    """The int32 Variable ``<generator_name>/seed_generator_state``, (seed, 0)."""
    variable_class = _VARIABLE_CLASS[0]()

    def initial(shape, dtype):  # an initializer, as Keras's: a layer made inside a
        return np.array([seed, 0], dtype)  # StatelessScope (in a call) may make one
    with name_scope(generator_name):
        return variable_class(initial, shape=(2,), dtype="int32", trainable=False,
                              name="seed_generator_state")


class _GlobalSource:
    """The process-wide generator, as a source of the snapshot below."""

    @staticmethod
    def _snapshot():
        return _generator_snapshot(_state["generator"])

    @staticmethod
    def _restore(saved):
        _state["generator"] = _restored_generator(saved)


# ---- snapshots of the generators' states (a rematerialized call draws the same numbers
# again when it is recomputed for the backward pass) -------------------------------------
_SOURCES = weakref.WeakSet()  # every live LazyGenerator and SeedGenerator


def _generator_snapshot(generator):
    return generator, None if generator is None else generator.bit_generator.state


def _restored_generator(saved):
    generator, state = saved
    if generator is not None:
        generator.bit_generator.state = state
    return generator


def generator_states():
    """What every source of randomness holds now (the global stream's generator and its
    state, every LazyGenerator's, every SeedGenerator's state variable): what
    :func:`restore_generator_states` puts back."""
    return [(source, source._snapshot()) for source in [_GlobalSource, *_SOURCES]]


def restore_generator_states(snapshot):
    """Give each source of ``snapshot`` back what it held then."""
    for source, saved in snapshot:
        source._restore(saved)


def _generator(seed):
    if isinstance(seed, SeedGenerator):
        return np.random.default_rng(seed.next().data.view(np.uint32))
    if seed is not None and (isinstance(seed, bool) or not isinstance(
            seed, (int, np.integer, np.random.Generator))):
        raise ValueError("Argument `seed` must be either an integer or an instance of "
                         f"`SeedGenerator`. Received: seed={seed} (of type {type(seed)})")
    return make_generator(seed)


def _tensor(array, dtype):
    # keras.random returns tensors; the Tensor class sits above this module, so it is
    # imported when a sampling function is first used rather than at import time.
    from .autodiff.tensor import Tensor
    from .backend import standardize_dtype
    return Tensor(np.asarray(array, dtype=standardize_dtype(dtype)))


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from N(mean, stddev**2)."""
    return _tensor(_generator(seed).normal(mean, stddev, size=shape), dtype)


def _check_dtype_kind(function, dtype, kind):
    """Keras's check that ``dtype`` (when given) is a floating (``kind`` "float") or an
    integer ("int") dtype."""
    from .backend import is_float_dtype, is_int_dtype, standardize_dtype
    if dtype is None:
        return
    name = standardize_dtype(dtype)
    if kind == "float" and not is_float_dtype(name):
        raise ValueError(f"`keras.random.{function}` requires a floating point `dtype`. "
                         f"Received: dtype={dtype} ")
    if kind == "int" and not is_int_dtype(name):
        raise ValueError(f"`keras.random.{function}` requires an integer `dtype`. "
                         f"Received: dtype={dtype} ")


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples from U[minval, maxval); ``dtype`` must be a float dtype (as in Keras)."""
    _check_dtype_kind("uniform", dtype, "float")
    return _tensor(_generator(seed).uniform(minval, maxval, size=shape), dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """N(mean, stddev**2) samples, redrawn until each lies within two standard deviations."""
    gen = _generator(seed)
    values = gen.standard_normal(size=shape)
    while True:
        outside = np.abs(values) > 2
        if not outside.any():
            return _tensor(mean + stddev * values, dtype)
        values[outside] = gen.standard_normal(size=int(outside.sum()))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from [minval, maxval); ``dtype`` must be an integer dtype."""
    _check_dtype_kind("randint", dtype, "int")
    return _tensor(_generator(seed).integers(minval, maxval, size=shape), dtype)


def shuffle(x, axis=0, seed=None):
    """``x`` with its entries permuted along ``axis``."""
    data = np.asarray(getattr(x, "data", x))
    return _tensor(_generator(seed).permutation(data, axis=axis), data.dtype)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero each entry with probability ``rate`` and scale the rest by 1 / (1 - rate).

    ``noise_shape`` (None entries take the input's size) sets the shape of the mask, which
    is broadcast over the axes where it is 1.
    """
    return drawn_dropout(inputs, rate, noise_shape, functools.partial(_generator, seed))


def drawn_dropout(inputs, rate, noise_shape, draws_from, counted=False):
    """``dropout`` with its mask drawn from ``draws_from()`` (the numpy Generator of one
    draw) by its primitive as it runs; ``counted``: each call of ``draws_from`` assigns a
    seed generator's state once. The Dropout layers pass their generator's bound method,
    equal from one call to the next, so a step recorded with them can be run again
    (autodiff/replay.py), each run drawing a new mask."""
    # Tensors and primitives sit above this module, so they are imported on use.
    from .autodiff import primitives as P
    from .autodiff.tensor import Tensor
    from .backend import floatx
    if not isinstance(inputs, Tensor):
        array = np.asarray(inputs)
        inputs = _tensor(array, floatx() if np.issubdtype(array.dtype, np.floating)
                         else array.dtype)
    shape = inputs.shape if noise_shape is None else tuple(
        size if given is None else given for given, size in zip(noise_shape, inputs.shape))
    if rate == 1:
        draws_from()  # a draw all the same, counted as at any other rate
        return P.multiply(inputs, np.zeros(shape, inputs.dtype))
    return P.drawn_masked_scale(inputs, draws_from, shape, _threshold(rate),
                                np.dtype(inputs.dtype).type(1 / (1 - rate)), int(counted))


def dropout_keep(shape, rate, seed=None):
    """The boolean mask ``dropout`` draws for ``shape``: True (kept) with probability
    1 - ``rate`` (< 1)."""
    from .autodiff.noise import drawn_keep
    return drawn_keep(_generator(seed), shape, _threshold(rate))


def _threshold(rate):
    """The uniform 32-bit integer a kept entry's draw reaches: P(kept) = 1 - ``rate``."""
    return round(rate * 2**32)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Class ids drawn from each row of ``logits`` (unnormalized log-probabilities,
    shape ``(batch, classes)``): shape ``(batch, num_samples)``, by the Gumbel-max rule
    (``argmax(logits + Gumbel noise)`` is distributed as ``softmax(logits)``)."""
    logits = np.asarray(getattr(logits, "data", logits), dtype=np.float64)
    if logits.ndim != 2:
        raise ValueError("`logits` should be a 2-D tensor with shape [batch_size, "
                         f"num_classes]. Received: logits.shape={logits.shape}")
    batch, classes = logits.shape
    gumbel = _generator(seed).gumbel(size=(batch, num_samples, classes))
    return _tensor(np.argmax(logits[:, None, :] + gumbel, axis=-1), dtype)


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples from the Gamma distribution of shape ``alpha`` and scale 1."""
    return _tensor(_generator(seed).gamma(_positive(alpha, "alpha"), size=shape), dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):  # noqa: F811 - Keras's argument name
    """Samples from the Beta(alpha, beta) distribution (alpha and beta broadcast with
    ``shape``)."""
    return _tensor(_generator(seed).beta(_positive(alpha, "alpha"), _positive(beta, "beta"),
                                         size=shape), dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Numbers of successes in ``counts`` trials of success probability ``probabilities``
    (both broadcast with ``shape``); floatx unless ``dtype`` says otherwise, as in Keras."""
    counts = np.asarray(getattr(counts, "data", counts))
    probabilities = np.asarray(getattr(probabilities, "data", probabilities), dtype=np.float64)
    if np.any((probabilities < 0) | (probabilities > 1)):
        raise ValueError("`probabilities` must lie in [0, 1]. Received: "
                         f"probabilities={probabilities.tolist()}")
    if np.any(counts < 0) or np.any(counts != np.round(counts)):
        raise ValueError(f"`counts` must be non-negative whole numbers. Received: "
                         f"counts={counts.tolist()}")
    return _tensor(_generator(seed).binomial(counts.astype(np.int64), probabilities,
                                             size=shape), dtype)


def _positive(value, name):
    value = np.asarray(getattr(value, "data", value), dtype=np.float64)
    if np.any(value <= 0):
        raise ValueError(f"`{name}` must be positive. Received: {name}={value.tolist()}")
    return value
