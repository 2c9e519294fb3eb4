"""Tests for minikeras.initializers.

Expected numbers are derived by hand from the formulas in KERAS_REFERENCE.md 5.3;
the truncated-normal constant is derived here from erf, independently of the code.
"""
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from minikeras import initializers
from minikeras import random as mk_random
from minikeras.autodiff import Tensor
from minikeras.initializers import (INITIALIZERS, Constant, GlorotNormal, GlorotUniform, HeNormal,
                                    HeUniform, Identity, Initializer, LecunNormal, LecunUniform,
                                    Ones, Orthogonal, RandomInitializer, RandomNormal,
                                    RandomUniform, TruncatedNormal, VarianceScaling, Zeros,
                                    compute_fans)
from minikeras.variables import Variable

# Std of a unit normal truncated to [-2, 2]: sqrt(1 - 2*2*phi(2) / (Phi(2) - Phi(-2))).
_PHI2 = math.exp(-2.0) / math.sqrt(2.0 * math.pi)
TRUNC_STD = math.sqrt(1.0 - 4.0 * _PHI2 / math.erf(math.sqrt(2.0)))
KERAS_TRUNC_CONSTANT = 0.87962566103423978  # the divisor Keras uses (reference 5.3)
BIG = (400, 600)  # fan_in 400, fan_out 600, fan_avg 500; 240k draws


def test_truncation_constant_matches_keras():
    assert TRUNC_STD == pytest.approx(KERAS_TRUNC_CONSTANT, rel=1e-6)


# ---- fans -------------------------------------------------------------------------

@pytest.mark.parametrize("shape, fans", [
    ((), (1, 1)),
    ((7,), (7, 7)),
    ((3, 5), (3, 5)),
    ((5, 4, 6), (20, 30)),              # Conv1D (width, in, out): receptive field 5
    ((3, 3, 16, 32), (144, 288)),       # Conv2D: receptive field 9
    ((2, 3, 4, 5, 6), (24 * 5, 24 * 6)),
])
def test_compute_fans(shape, fans):
    assert compute_fans(shape) == fans


def test_rank4_fans_drive_the_limit():
    # GlorotUniform on a Conv2D kernel: L = sqrt(6 / (144 + 288)); 4608 draws reach near L.
    w = GlorotUniform(seed=1)((3, 3, 16, 32))
    limit = math.sqrt(6.0 / 432.0)
    assert np.abs(w).max() <= limit * (1 + 1e-6)
    assert np.abs(w).max() > 0.99 * limit


def test_rank1_fans_drive_the_limit():
    w = VarianceScaling(1.0, "fan_in", "uniform", seed=2)((50000,))
    limit = math.sqrt(3.0 / 50000)
    assert limit * 0.999 < np.abs(w).max() <= limit * (1 + 1e-6)


# ---- distributions ----------------------------------------------------------------

def _uniform(lo, hi):
    return ("uniform", lo, hi)


def _normal(mean, std):
    return ("normal", mean, std)


def _truncated(mean, sigma):  # sigma: std of the normal before truncation
    return ("truncated", mean, sigma)


DIST_CASES = [
    ("glorot_uniform", lambda: GlorotUniform(seed=1), _uniform(-math.sqrt(6 / 1000),
                                                                math.sqrt(6 / 1000))),
    ("glorot_normal", lambda: GlorotNormal(seed=1),
     _truncated(0.0, math.sqrt(2 / 1000) / KERAS_TRUNC_CONSTANT)),
    ("he_uniform", lambda: HeUniform(seed=1), _uniform(-math.sqrt(6 / 400), math.sqrt(6 / 400))),
    ("he_normal", lambda: HeNormal(seed=1),
     _truncated(0.0, math.sqrt(2 / 400) / KERAS_TRUNC_CONSTANT)),
    ("lecun_uniform", lambda: LecunUniform(seed=1),
     _uniform(-math.sqrt(3 / 400), math.sqrt(3 / 400))),
    ("lecun_normal", lambda: LecunNormal(seed=1),
     _truncated(0.0, math.sqrt(1 / 400) / KERAS_TRUNC_CONSTANT)),
    ("variance_scaling_default", lambda: VarianceScaling(seed=1),
     _truncated(0.0, math.sqrt(1 / 400) / KERAS_TRUNC_CONSTANT)),
    ("variance_scaling_normal_alias", lambda: VarianceScaling(3.0, "fan_avg", "normal", seed=1),
     _truncated(0.0, math.sqrt(3 / 500) / KERAS_TRUNC_CONSTANT)),
    ("variance_scaling_untruncated", lambda: VarianceScaling(2.0, "fan_out", "untruncated_normal",
                                                             seed=1),
     _normal(0.0, math.sqrt(2 / 600))),
    ("variance_scaling_uniform", lambda: VarianceScaling(0.5, "fan_avg", "uniform", seed=1),
     _uniform(-math.sqrt(1.5 / 500), math.sqrt(1.5 / 500))),
    ("random_normal_default", lambda: RandomNormal(seed=1), _normal(0.0, 0.05)),
    ("random_normal", lambda: RandomNormal(mean=1.0, stddev=0.5, seed=1), _normal(1.0, 0.5)),
    ("random_uniform_default", lambda: RandomUniform(seed=1), _uniform(-0.05, 0.05)),
    ("random_uniform", lambda: RandomUniform(minval=-1.0, maxval=3.0, seed=1), _uniform(-1, 3)),
    ("truncated_normal_default", lambda: TruncatedNormal(seed=1), _truncated(0.0, 0.05)),
    ("truncated_normal", lambda: TruncatedNormal(mean=0.5, stddev=0.2, seed=1),
     _truncated(0.5, 0.2)),
]


@pytest.mark.parametrize("make, expected", [c[1:] for c in DIST_CASES],
                         ids=[c[0] for c in DIST_CASES])
def test_distribution_statistics(make, expected):
    w = make()(BIG)
    assert w.shape == BIG and w.dtype == np.float32
    x = w.astype(np.float64)
    kind, a, b = expected
    if kind == "uniform":
        lo, hi = a, b
        span = hi - lo
        assert x.min() >= lo - 1e-6 * span and x.max() <= hi + 1e-6 * span
        assert x.min() < lo + 1e-3 * span and x.max() > hi - 1e-3 * span
        assert x.mean() == pytest.approx((lo + hi) / 2, abs=0.01 * span)
        assert x.std() == pytest.approx(span / math.sqrt(12), rel=0.01)
    elif kind == "normal":
        mean, std = a, b
        assert x.mean() == pytest.approx(mean, abs=0.01 * std)
        assert x.std() == pytest.approx(std, rel=0.02)
        beyond = np.mean(np.abs(x - mean) > 2 * std)  # 4.55% for an untruncated normal
        assert 0.04 < beyond < 0.051
    else:
        mean, sigma = a, b
        dev = np.abs(x - mean)
        assert dev.max() <= 2 * sigma * (1 + 1e-6)
        assert dev.max() > 1.98 * sigma
        assert x.mean() == pytest.approx(mean, abs=0.01 * sigma)
        assert x.std() == pytest.approx(sigma * TRUNC_STD, rel=0.02)


def test_glorot_uniform_keras_golden_bound():
    # Reference 5.3: max 0.063245 for 500x1000 against L = 0.0632456.
    w = GlorotUniform(seed=3)((500, 1000))
    assert w.max() <= np.float32(0.0632456)
    assert w.max() > 0.0632


# ---- deterministic initializers ---------------------------------------------------

@pytest.mark.parametrize("init, shape, expected", [
    (Zeros(), (2, 3), np.zeros((2, 3))),
    (Ones(), (4,), np.ones(4)),
    (Constant(3.5), (2, 2), np.full((2, 2), 3.5)),
    (Constant(), (3,), np.zeros(3)),
    (Constant([1.0, 2.0, 3.0]), (2, 3), np.array([[1, 2, 3], [1, 2, 3]])),
    (Identity(), (3, 3), np.eye(3)),
    (Identity(gain=2.0), (2, 4), np.array([[2, 0, 0, 0], [0, 2, 0, 0]])),
    (Identity(gain=-1.0), (3, 2), -np.eye(3, 2)),
    (initializers.get("constant"), (2,), np.zeros(2)),
    (initializers.get(np.array([[1.0, 2.0], [3.0, 4.0]])), (2, 2), [[1, 2], [3, 4]]),
])
def test_deterministic_values(init, shape, expected):
    w = init(shape)
    assert w.dtype == np.float32
    np.testing.assert_array_equal(w, np.asarray(expected, dtype=np.float32))


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 5), (3, 3, 4, 8), (2, 2, 3, 2)])
@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_orthogonal(shape, gain):
    w = Orthogonal(gain=gain, seed=4)(shape, dtype="float64")
    assert w.shape == shape
    m = w.reshape(-1, shape[-1])  # rows = prod(shape[:-1])
    rows, cols = m.shape
    gram = m.T @ m if rows >= cols else m @ m.T
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), atol=1e-12)
    w32 = Orthogonal(gain=gain, seed=4)(shape)
    assert w32.dtype == np.float32
    m32 = w32.reshape(-1, shape[-1]).astype(np.float64)
    gram32 = m32.T @ m32 if rows >= cols else m32 @ m32.T
    np.testing.assert_allclose(gram32, gain ** 2 * np.eye(min(rows, cols)), atol=1e-5)


def test_orthogonal_is_not_a_fixed_matrix():
    a, b = Orthogonal(seed=1)((4, 4)), Orthogonal(seed=2)((4, 4))
    assert not np.allclose(a, b)


# ---- dtypes and shapes for every registered name -----------------------------------

CALLABLE_NAMES = [n for n in INITIALIZERS.names() if INITIALIZERS.lookup(n) is not Initializer]


@pytest.mark.parametrize("name", CALLABLE_NAMES)
@pytest.mark.parametrize("dtype, expected", [(None, np.float32), ("float64", np.float64),
                                             ("float16", np.float16)])
def test_every_initializer_dtype_and_shape(name, dtype, expected):
    shape = (4, 1, 3) if INITIALIZERS.lookup(name) is initializers.STFT else (4, 3)  # a kernel
    w = initializers.get(name)(shape, dtype=dtype)
    assert isinstance(w, np.ndarray) and w.shape == shape and w.dtype == expected
    assert np.all(np.isfinite(w))


def test_floatx_is_the_default(monkeypatch):
    from minikeras import backend
    monkeypatch.setitem(backend._config, "floatx", "float64")
    assert GlorotUniform(seed=1)((3, 3)).dtype == np.float64
    assert Zeros()((2,)).dtype == np.float64


def test_zeros_and_ones_accept_integer_dtypes():
    assert Zeros()((2,), dtype="int32").dtype == np.int32
    np.testing.assert_array_equal(Ones()((2,), dtype="int64"), [1, 1])


def test_base_initializer_is_abstract():
    with pytest.raises(NotImplementedError, match="__call__"):
        Initializer()((2, 2))


def test_every_registered_class_has_a_test_row():
    covered = {type(c[1]()) for c in DIST_CASES} | {Zeros, Ones, Constant, Identity, Orthogonal,
                                                    Initializer, initializers.STFT}
    registered = {INITIALIZERS.lookup(n) for n in INITIALIZERS.names()}
    assert registered - covered == set()


# ---- seeding ----------------------------------------------------------------------

def test_int_seed_gives_same_values_every_call_and_instance():
    a = GlorotUniform(seed=42)
    first = a((5, 7))
    np.testing.assert_array_equal(a((5, 7)), first)
    np.testing.assert_array_equal(GlorotUniform(seed=42)((5, 7)), first)
    assert not np.array_equal(GlorotUniform(seed=43)((5, 7)), first)


def test_int_seed_same_values_across_processes():
    code = ("import json; from minikeras.initializers import GlorotUniform, TruncatedNormal;"
            "print(json.dumps([GlorotUniform(seed=7)((3, 4), dtype='float64').tolist(),"
            " TruncatedNormal(seed=7)((50,), dtype='float64').tolist()]))")
    repo = Path(__file__).resolve().parents[1]  # so the child imports this checkout
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=repo).stdout
    other = json.loads(out)  # json keeps float64 values exactly
    assert other[0] == GlorotUniform(seed=7)((3, 4), dtype="float64").tolist()
    assert other[1] == TruncatedNormal(seed=7)((50,), dtype="float64").tolist()


def test_unseeded_instance_repeats_its_values_like_keras3():
    init = HeNormal()
    np.testing.assert_array_equal(init((6, 6)), init((6, 6)))
    assert not np.array_equal(HeNormal()((6, 6)), HeNormal()((6, 6)))


def test_set_random_seed_makes_unseeded_initializers_repeatable():
    def run():
        return [GlorotUniform()((5, 5)), RandomNormal()((3,)), Orthogonal()((3, 3))]

    mk_random.set_random_seed(11)
    first = run()
    mk_random.set_random_seed(11)
    second = run()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    mk_random.set_random_seed(12)
    assert not np.array_equal(run()[0], first[0])


def test_generator_seed_gives_new_values_each_call():
    init = RandomUniform(seed=np.random.default_rng(0))
    assert not np.array_equal(init((4,)), init((4,)))
    assert init.get_config()["seed"] is None


def test_clone_keeps_an_int_seed_and_redraws_none():
    seeded = LecunUniform(seed=5)
    np.testing.assert_array_equal(seeded.clone()((3, 3)), seeded((3, 3)))
    unseeded = LecunUniform()
    assert not np.array_equal(unseeded.clone()((3, 3)), unseeded((3, 3)))


@pytest.mark.parametrize("init", [RandomNormal(seed=9), RandomUniform(seed=9),
                                  TruncatedNormal(seed=9), GlorotUniform(seed=9),
                                  HeNormal(seed=9), Orthogonal(seed=9)])
def test_draws_are_made_in_the_variables_precision(init):
    # A float64 draw cast to float32 would allocate twice the weight's memory; the
    # draw is made in float32 (numpy draws float32 natively), half precision casts it.
    w32 = init((40, 30), dtype="float32")
    w64 = init((40, 30), dtype="float64")
    assert w32.dtype == np.float32 and w64.dtype == np.float64
    assert not np.array_equal(w32, w64.astype(np.float32))  # two different streams
    np.testing.assert_array_equal(init((40, 30), dtype="float16"), w32.astype(np.float16))


# ---- get / serialize / deserialize --------------------------------------------------

@pytest.mark.parametrize("name", INITIALIZERS.names())
def test_config_round_trip_for_every_registered_name(name):
    init = initializers.get(name)
    config = initializers.serialize(init)
    assert config["module"] == "keras.initializers"
    assert config["class_name"] == type(init).__name__
    assert config["registered_name"] is None
    again = initializers.deserialize(json.loads(json.dumps(config)))
    assert type(again) is type(init)
    assert again.get_config() == init.get_config()


@pytest.mark.parametrize("cls", sorted({INITIALIZERS.lookup(n) for n in INITIALIZERS.names()
                                        if issubclass(INITIALIZERS.lookup(n), RandomInitializer)},
                                       key=lambda c: c.__name__))
def test_seeded_round_trip_reproduces_values(cls):
    init = cls(seed=3)
    again = initializers.deserialize(json.loads(json.dumps(initializers.serialize(init))))
    np.testing.assert_array_equal(again((4, 3)), init((4, 3)))


def test_keras_serialization_format():
    # Keras 3.15's configs of the VarianceScaling family carry input_axes / output_axes
    assert initializers.serialize(GlorotUniform(seed=42)) == {
        "module": "keras.initializers", "class_name": "GlorotUniform",
        "config": {"seed": 42, "input_axes": None, "output_axes": None},
        "registered_name": None}
    assert VarianceScaling(2.0, "fan_out", "normal", seed=5).get_config() == {
        "scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal", "seed": 5,
        "input_axes": None, "output_axes": None}
    assert RandomUniform().get_config() == {"minval": -0.05, "maxval": 0.05, "seed": None}
    assert Constant(2).get_config() == {"value": 2}
    assert Identity().get_config() == {}  # Keras 3.15's, for "identity" or the default gain
    assert Identity(gain=2.0).get_config() == {"gain": 2.0}  # kept here, lost by Keras
    assert initializers.deserialize(initializers.serialize(Identity(0.5))).gain == 0.5
    assert Zeros().get_config() == {}


def test_get_resolves_aliases_to_the_keras_classes():
    pairs = {"normal": RandomNormal, "uniform": RandomUniform, "one": Ones, "zero": Zeros,
             "IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal,
             "GlorotUniform": GlorotUniform, "glorot_uniform": GlorotUniform,
             "variance_scaling": VarianceScaling, "truncated_normal": TruncatedNormal}
    for name, cls in pairs.items():
        assert type(initializers.get(name)) is cls, name
    assert initializers.glorot_uniform is GlorotUniform
    assert initializers.OrthogonalInitializer is Orthogonal


def test_get_other_identifiers():
    assert initializers.get(None) is None
    assert type(initializers.get(HeUniform)) is HeUniform

    def my_init(shape, dtype=None):
        return np.full(shape, 7.0, dtype=dtype or "float32")

    assert initializers.get(my_init) is my_init
    inst = Ones()
    assert initializers.get(inst) is inst
    vs = initializers.get({"class_name": "VarianceScaling",
                           "config": {"scale": 2.0, "mode": "fan_out", "seed": None}})
    assert (vs.scale, vs.mode, vs.distribution) == (2.0, "fan_out", "truncated_normal")
    full = initializers.get({"module": "keras.initializers", "class_name": "Constant",
                             "config": {"value": 0.25}, "registered_name": None})
    np.testing.assert_array_equal(full((2,)), [0.25, 0.25])
    fixed = initializers.get(Tensor(np.arange(6.0).reshape(2, 3)))
    np.testing.assert_array_equal(fixed((2, 3)), np.arange(6.0).reshape(2, 3))


def test_function_serialization_round_trip():
    def my_init(shape, dtype=None):
        return np.zeros(shape, dtype=dtype)

    config = initializers.serialize(my_init)
    assert config["class_name"] == "function" and config["config"] == "my_init"
    assert initializers.deserialize(config, custom_objects={"my_init": my_init}) is my_init


def test_array_initializer_serializes_as_constant():
    fixed = initializers.get(np.array([[1.0, 2.0], [3.0, 4.0]]))
    config = initializers.serialize(fixed)
    assert config["class_name"] == "Constant"
    again = initializers.deserialize(json.loads(json.dumps(config)))
    np.testing.assert_array_equal(again((2, 2)), fixed((2, 2)))


def test_variable_accepts_initializer_names():
    v = Variable("ones", shape=(2, 3))
    np.testing.assert_array_equal(v.value, np.ones((2, 3), dtype=np.float32))
    v = Variable(Identity(gain=3.0), shape=(2, 2), dtype="float64")
    np.testing.assert_array_equal(v.value, 3 * np.eye(2))


# ---- bad input --------------------------------------------------------------------

@pytest.mark.parametrize("make, match", [
    (lambda: VarianceScaling(scale=-1.0), "scale"),
    (lambda: VarianceScaling(scale=0.0), "scale"),
    (lambda: VarianceScaling(scale=float("nan")), "scale"),
    (lambda: VarianceScaling(mode="fan_foo"), "mode"),
    (lambda: VarianceScaling(mode="FAN_IN"), "mode"),
    (lambda: VarianceScaling(distribution="gaussian"), "distribution"),
    (lambda: VarianceScaling(distribution=None), "distribution"),
    (lambda: RandomNormal(stddev=-0.1), "stddev"),
    (lambda: RandomNormal(mean="0"), "mean"),
    (lambda: TruncatedNormal(stddev=float("inf")), "stddev"),
    (lambda: RandomUniform(minval=1.0, maxval=0.0), "maxval"),
    (lambda: GlorotUniform(seed="abc"), "seed"),
    (lambda: GlorotUniform(seed=1.5), "seed"),
    (lambda: GlorotUniform(seed=-3), "seed"),
    (lambda: Orthogonal(gain=float("nan")), "gain"),
    (lambda: Identity(gain="2"), "gain"),
    (lambda: Constant("abc"), "value"),
    (lambda: Identity()((2, 2, 2)), "2D"),
    (lambda: Identity()((4,)), "2D"),
    (lambda: Orthogonal()((5,)), "two-dimensional"),
    (lambda: GlorotUniform()((3, None)), "shape"),
    (lambda: GlorotUniform()("abc"), "shape"),
    (lambda: GlorotUniform()((3, 3), dtype="int32"), "float"),
    (lambda: Constant([1.0, 2.0, 3.0])((2, 2)), "broadcast"),
    (lambda: initializers.get(np.ones((2, 3)))((3, 2)), r"\(2, 3\).*\(3, 2\)"),
    (lambda: initializers.get(42), "Constant"),
    (lambda: initializers.get([1.0, 2.0]), "initializer identifier"),
    (lambda: initializers.get("glorot_unifrom"), "glorot_uniform"),
    (lambda: initializers.get("GLOROT_UNIFORM"), "initializer identifier"),
    (lambda: initializers.deserialize({"config": {}}), "class_name"),
])
def test_bad_input_raises_clear_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("init", [GlorotUniform(seed=1), RandomNormal(seed=1),
                                  initializers.get("he_normal"), RandomUniform(seed=1)])
def test_a_draw_needs_no_more_memory_than_the_weight(init):
    import tracemalloc
    shape = (500, 1000)  # 2 MB in float32; a float64 draw alone would take 4 MB
    tracemalloc.start()
    try:
        w = init(shape)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert w.dtype == np.float32
    assert peak < 2 * w.nbytes, f"peak {peak} bytes for a {w.nbytes}-byte weight"


@pytest.mark.parametrize("shape, input_axes, output_axes, fans", [
    ((64, 4, 8), [0], [1, 2], (64, 32)),
    ((4, 8, 64), [0, 1], [2], (32, 64)),
    ((3, 3, 16, 32), [0, 1, 2], [3], (144, 32)),  # the same as the default for a conv kernel
])
def test_compute_fans_over_given_axes(shape, input_axes, output_axes, fans):
    assert compute_fans(shape, input_axes, output_axes) == fans


def test_variance_scaling_counts_fans_over_its_axes():
    # fan_avg over (in 64, out 4 * 8): Var = 1 / 48 for Glorot uniform; without axes the
    # kernel would count as a convolution (fans 256 and 512: Var = 1 / 384)
    init = GlorotUniform(seed=3, input_axes=[0], output_axes=[1, 2])
    w = init((64, 4, 8))
    assert abs(w.var() * 48 - 1) < 0.1
    again = initializers.deserialize(json.loads(json.dumps(initializers.serialize(init))))
    np.testing.assert_array_equal(again((64, 4, 8)), w)
    with pytest.raises(ValueError, match=r"`input_axes` must be None or a list of integers"):
        GlorotUniform(input_axes="0")


@pytest.mark.parametrize("kwargs, config, first_rows", [
    # Keras 3.15 (probed): kernel[:3, 0, :3] of STFT(**kwargs)((8, 1, 5)) and its config
    ({}, {"side": "real", "window": "hann", "periodic": False, "scaling": "density"},
     [[0.0, 0.0, 0.0], [0.116194, 0.082161, 0.0], [0.377278, 0.0, -0.377278]]),
    (dict(side="imag", window="hamming", scaling="spectrum", periodic=True),
     {"side": "imag", "window": "hamming", "periodic": True, "scaling": "spectrum"},
     [[0.0, 0.0, 0.0], [0.0, -0.035148, -0.049706], [0.0, -0.125, 0.0]]),
    (dict(window=None, scaling=None),
     {"side": "real", "window": None, "periodic": False, "scaling": None},
     [[1.0, 1.0, 1.0], [1.0, 0.707107, 0.0], [1.0, 0.0, -1.0]]),
])
def test_stft_initializer_matches_keras(kwargs, config, first_rows):
    init = initializers.STFT(**kwargs)
    assert init.get_config() == config
    np.testing.assert_allclose(init((8, 1, 5))[:3, 0, :3], first_rows, atol=1e-6)
    assert initializers.get("STFTInitializer").__class__ is initializers.STFT
    with pytest.raises(ValueError, match="side should be 'real' or 'imag'"):
        initializers.STFT(side="both")
    with pytest.raises(ValueError, match="Scaling is invalid"):
        initializers.STFT(scaling="power")
