"""Tests for keras.activations and the activation functions of keras.ops (reference section 4).

Expected numbers come from KERAS_REFERENCE.md 4.2 golden arrays, the seed 000
softmax example, hand derivation, or a slow scalar reference written here with
Python's ``math`` module. Every registered name must have a GOLDEN row.
"""
import math

import numpy as np
import pytest

import minikeras as keras
from minikeras import activations, ops
from minikeras.activations import ACTIVATIONS
from minikeras.autodiff import Tensor, backprop
from minikeras.autodiff.gradcheck import gradcheck
from minikeras.registry import register_keras_serializable

X = [-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 7.0]


def each(f):
    """Apply a scalar reference elementwise to X."""
    return [f(v) for v in X]


def sigmoid_ref(v):
    return 1 / (1 + math.exp(-v))


def softmax_ref(values):
    m = max(values)
    exps = [math.exp(v - m) for v in values]
    return [e / sum(exps) for e in exps]


def softplus_ref(v):
    return math.log1p(math.exp(v))


SELU_A, SELU_S = 1.6732632423543772, 1.0507009873554805

# The reference's golden arrays (KERAS_REFERENCE.md 4.2; 6 significant decimals).
REF_GELU_EXACT = [-.00405, -.158655, -.154269, 0, .345731, .841345, 2.99595, 7]
REF_GELU_APPROX = [-.003637, -.158808, -.154286, 0, .345714, .841192, 2.996363, 7]
REF_HARD_SIGMOID = [0, .333333, .416667, .5, .583333, .666667, 1, 1]
REF_HARD_SILU = [0, -.333333, -.208333, 0, .291667, .666667, 3, 7]
REF_ELU = [-.950213, -.632121, -.393469, 0, .5, 1, 3, 7]
REF_SELU = [-1.670569, -1.111331, -.691758, 0, .52535, 1.050701, 3.152103, 7.354907]
REF_LEAKY = [-.6, -.2, -.1, 0, .5, 1, 3, 7]
REF_RELU_FULL = [-.35, -.15, -.1, -.05, 0, 1, 3, 5]
REF_MISH = [-.145647, -.303401, -.220744, 0, .375245, .865098, 2.986535, 6.999988]

# name -> (kwargs, input, expected). One row per registered name (aliases included).
GOLDEN = {
    "relu": ({}, X, [0, 0, 0, 0, .5, 1, 3, 7]),
    "relu6": ({}, X, [0, 0, 0, 0, .5, 1, 3, 6]),
    "leaky_relu": ({}, X, REF_LEAKY),
    "elu": ({}, X, REF_ELU),
    "selu": ({}, X, REF_SELU),
    # celu with alpha=1: max(x,0) + exp(min(x,0)) - 1, i.e. the elu curve.
    "celu": ({}, X, REF_ELU),
    "gelu": ({}, X, REF_GELU_EXACT),
    "silu": ({}, X, each(lambda v: v * sigmoid_ref(v))),
    "swish": ({}, X, each(lambda v: v * sigmoid_ref(v))),
    "mish": ({}, X, REF_MISH),
    "softplus": ({}, X, each(softplus_ref)),
    "softsign": ({}, X, [-.75, -.5, -1 / 3, 0, 1 / 3, .5, .75, .875]),
    "squareplus": ({}, X, each(lambda v: (v + math.sqrt(v * v + 4)) / 2)),
    "glu": ({}, X, [-3 * sigmoid_ref(.5), -sigmoid_ref(1), -.5 * sigmoid_ref(3), 0]),
    "sigmoid": ({}, X, each(sigmoid_ref)),
    "hard_sigmoid": ({}, X, REF_HARD_SIGMOID),
    "hard_silu": ({}, X, REF_HARD_SILU),
    "hard_swish": ({}, X, REF_HARD_SILU),
    "log_sigmoid": ({}, X, each(lambda v: -softplus_ref(-v))),
    "sparse_sigmoid": ({}, X, [0, 0, .25, .5, .75, 1, 1, 1]),
    "sparse_plus": ({}, X, [0, 0, .0625, .25, .5625, 1, 3, 7]),
    "tanh": ({}, X, each(math.tanh)),
    "hard_tanh": ({}, X, [-1, -1, -.5, 0, .5, 1, 1, 1]),
    "tanh_shrink": ({}, X, each(lambda v: v - math.tanh(v))),
    "soft_shrink": ({}, X, [-2.5, -.5, 0, 0, 0, .5, 2.5, 6.5]),
    "hard_shrink": ({}, X, [-3, -1, 0, 0, 0, 1, 3, 7]),  # |-0.5| is not > 0.5
    "threshold": ({"threshold": .5, "default_value": -9.0}, X, [-9, -9, -9, -9, -9, 1, 3, 7]),
    "softmax": ({}, X, softmax_ref(X)),
    "log_softmax": ({}, X, [math.log(p) for p in softmax_ref(X)]),
    # 1 + 1*7 > 7 but 1 + 2*3 = 7 is not > 7 + 3: support {7}, tau = 6.
    "sparsemax": ({}, X, [0, 0, 0, 0, 0, 0, 0, 1]),
    "exponential": ({}, X, each(math.exp)),
    "linear": ({}, X, X),
}

# Non-default arguments, checked against golden arrays or hand derivation.
VARIANTS = [
    ("relu", {"negative_slope": .1, "max_value": 5, "threshold": .5}, REF_RELU_FULL),
    ("relu", {"negative_slope": .2}, REF_LEAKY),
    ("relu", {"max_value": 6}, [0, 0, 0, 0, .5, 1, 3, 6]),
    # y = clip(relu(x), 0, 2) - 0.5 * relu(-x)
    ("relu", {"negative_slope": .5, "max_value": 2}, [-1.5, -.5, -.25, 0, .5, 1, 2, 2]),
    # threshold < 0: values above it are kept even when negative (strict >).
    ("relu", {"threshold": -1.0}, [0, 0, -.5, 0, .5, 1, 3, 7]),
    ("gelu", {"approximate": True}, REF_GELU_APPROX),
    ("elu", {"alpha": 2.0}, each(lambda v: v if v >= 0 else 2 * math.expm1(v))),
    ("celu", {"alpha": 2.0}, each(lambda v: max(v, 0) + 2 * math.expm1(min(v, 0) / 2))),
    ("leaky_relu", {"negative_slope": .1}, [-.3, -.1, -.05, 0, .5, 1, 3, 7]),
    ("squareplus", {"b": 0}, [0, 0, 0, 0, .5, 1, 3, 7]),
    ("hard_shrink", {"threshold": 1.0}, [-3, 0, 0, 0, 0, 0, 3, 7]),
    ("soft_shrink", {"threshold": 1.0}, [-2, 0, 0, 0, 0, 0, 2, 6]),
]

NAMES = ACTIVATIONS.names()


def test_registered_names_are_kerass():
    assert NAMES == sorted(
        "celu elu exponential gelu glu hard_shrink hard_sigmoid hard_silu hard_swish hard_tanh "
        "leaky_relu linear log_sigmoid log_softmax mish relu relu6 selu sigmoid silu soft_shrink "
        "softmax softplus softsign sparse_plus sparse_sigmoid sparsemax squareplus swish tanh "
        "tanh_shrink threshold".split())


def test_every_registered_name_has_a_golden_row():
    missing = sorted(set(NAMES) - set(GOLDEN))
    assert not missing, f"activations registered without a GOLDEN row: {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_golden_values(name):
    kwargs, x, expected = GOLDEN[name]
    out = activations.get(name)(np.array(x, dtype=np.float64), **kwargs)
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("name, kwargs, expected", VARIANTS,
                         ids=[f"{n}-{'-'.join(map(str, k.values()))}" for n, k, _ in VARIANTS])
def test_variants(name, kwargs, expected):
    out = getattr(activations, name)(np.array(X), **kwargs)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=2e-6)


# ---- gradients ---------------------------------------------------------------------------

# Away from every kink (0, +-0.5, +-1, +-3, 6) and from sparsemax's support edges.
G = np.array([[-2.3, -1.7, -0.8, -0.3], [0.2, 0.7, 1.4, 2.6]])


@pytest.mark.parametrize("name", NAMES)
def test_gradcheck_registry(name):
    fn, kwargs = activations.get(name), GOLDEN[name][0]
    assert gradcheck(lambda x: fn(x, **kwargs), G)


@pytest.mark.parametrize("name, kwargs", [
    ("relu", {"negative_slope": .1, "max_value": 5, "threshold": .5}),
    ("relu", {"negative_slope": .2}),
    ("relu", {"max_value": 2.0}),
    ("gelu", {"approximate": True}),
    ("elu", {"alpha": .5}),
    ("celu", {"alpha": 2.0}),
    ("leaky_relu", {"negative_slope": .1}),
    ("squareplus", {"b": 1.0}),
    ("soft_shrink", {"threshold": .25}),
    ("softmax", {"axis": 0}),
    ("log_softmax", {"axis": 0}),
    ("glu", {"axis": 0}),
    ("sparsemax", {"axis": 0}),
])
def test_gradcheck_variants(name, kwargs):
    fn = getattr(activations, name)
    assert gradcheck(lambda x: fn(x, **kwargs), G)


def test_sparsemax_jacobian_by_hand():
    # [1, 0.2, 0]: support {0, 1}, k = 2, so J = diag(s) - s s^T / k.
    x = Tensor(np.array([1.0, 0.2, 0.0]), requires_grad=True)
    out = activations.sparsemax(x)
    np.testing.assert_allclose(out.numpy(), [.9, .1, 0], atol=1e-12)
    (g,) = backprop(out, np.array([1.0, 0.0, 0.0])).values()
    np.testing.assert_allclose(g, [.5, -.5, 0], atol=1e-12)


def test_sparsemax_full_support_by_hand():
    # sorted .5, .2, -.1; cumsums .5, .7, .6; 1 + 3(-.1) = .7 > .6, so k = 3, tau = -.4/3.
    out = activations.sparsemax(np.array([[.5, .2, -.1]])).numpy()
    np.testing.assert_allclose(out, [[.5 + .4 / 3, .2 + .4 / 3, -.1 + .4 / 3]], atol=1e-12)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "exponential"])
def test_no_overflow_or_nan_at_extremes(name):
    # exponential overflows by definition; everything else must stay finite, backward too.
    x = Tensor(np.array([[-1000.0, -80.0, 80.0, 1000.0]]), requires_grad=True)
    kwargs = GOLDEN[name][0]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = activations.get(name)(x, **kwargs)
        leaves = backprop(out, np.ones(out.shape))
    assert np.all(np.isfinite(out.numpy()))
    for g in leaves.values():
        assert np.all(np.isfinite(g))


# ---- dtypes and inputs -----------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_float32_stays_float32(name):
    out = activations.get(name)(np.array(G, dtype=np.float32), **GOLDEN[name][0])
    assert out.dtype == np.float32


@pytest.mark.parametrize("name", ["relu", "elu", "gelu", "sigmoid", "tanh", "softmax", "mish"])
def test_integer_input_becomes_floatx(name):
    out = activations.get(name)(np.array([[-2, 0, 3]]))
    assert out.dtype == np.float32


def test_linear_returns_a_tensor():
    out = activations.linear([1.0, 2.0])
    assert isinstance(out, Tensor)
    np.testing.assert_array_equal(out.numpy(), [1.0, 2.0])


def test_glu_odd_axis_raises():
    with pytest.raises(ValueError, match="even"):
        activations.glu(np.ones((2, 3)))


def test_squareplus_negative_b_raises():
    with pytest.raises(ValueError, match="b >= 0"):
        activations.squareplus(np.ones(3), b=-1)


# ---- softmax: seed example and logits tagging ----------------------------------------------

SEED_SOFTMAX = [[0.0171, 0.9362, 0.0466], [0.0064, 0.0471, 0.9465]]


@pytest.mark.parametrize("fn", [activations.softmax, ops.softmax], ids=["activations", "ops"])
def test_softmax_seed_000_example(fn):
    out = fn(np.array([[3.0, 7.0, 4.0], [3.0, 5.0, 8.0]]))
    np.testing.assert_allclose(out.numpy(), SEED_SOFTMAX, atol=1e-4)
    np.testing.assert_allclose(out.numpy().sum(axis=1), [1, 1], atol=1e-6)


@pytest.mark.parametrize("name", ["softmax", "sigmoid"])
def test_activation_outputs_carry_their_logits(name):
    x = Tensor(np.array([[3.0, 7.0, 4.0]]))
    out = getattr(activations, name)(x)
    assert out.logits is x
    converted = getattr(activations, name)(np.array([[1.0, 2.0]]))
    assert isinstance(converted.logits, Tensor)
    np.testing.assert_array_equal(converted.logits.numpy(), [[1.0, 2.0]])


@pytest.mark.parametrize("name", ["softmax", "sigmoid", "log_softmax"])
def test_ops_outputs_are_not_tagged(name):
    assert getattr(ops, name)(np.array([[3.0, 7.0, 4.0]])).logits is None


def test_softmax_over_a_non_last_axis_is_not_tagged():
    assert activations.softmax(np.ones((2, 3)), axis=0).logits is None
    assert activations.softmax(np.ones((2, 3)), axis=1).logits is not None


def test_softmax_over_a_size_one_axis_warns():
    with pytest.warns(UserWarning, match="sigmoid"):
        ops.softmax(np.ones((4, 1)))


# ---- keras.ops names and defaults ---------------------------------------------------------

def test_ops_defaults_differ_where_keras_differs():
    np.testing.assert_allclose(ops.gelu(np.array(X)).numpy(), REF_GELU_APPROX, atol=2e-6)
    np.testing.assert_allclose(ops.gelu(np.array(X), approximate=False).numpy(),
                               REF_GELU_EXACT, atol=2e-6)
    np.testing.assert_allclose(ops.leaky_relu(np.array(X)).numpy(), REF_LEAKY, atol=1e-12)


def test_ops_aliases_and_names():
    assert ops.swish is ops.silu and ops.hard_swish is ops.hard_silu
    for name in ("relu", "relu6", "sigmoid", "tanh", "softplus", "softsign", "elu", "selu",
                 "celu", "gelu", "glu", "silu", "hard_sigmoid", "hard_silu", "leaky_relu",
                 "log_sigmoid", "log_softmax", "softmax", "hard_tanh", "hard_shrink",
                 "soft_shrink", "tanh_shrink", "squareplus", "sparse_plus", "sparse_sigmoid",
                 "sparsemax", "threshold", "one_hot"):
        assert callable(getattr(ops, name)), name


# ---- get / serialize / deserialize ---------------------------------------------------------

def test_get_resolves_every_kind_of_identifier():
    assert activations.get(None) is activations.linear
    assert activations.get("relu") is activations.relu
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu
    assert activations.get(abs) is abs
    keras_file_entry = {"module": "keras.activations", "class_name": "function",
                        "config": "gelu", "registered_name": "gelu"}
    assert activations.get(keras_file_entry) is activations.gelu


def test_get_unknown_name_is_case_sensitive_and_suggests():
    with pytest.raises(ValueError, match="activation function identifier.*relu"):
        activations.get("Relu")


def test_get_rejects_non_callables():
    with pytest.raises(ValueError, match="Could not interpret activation function"):
        activations.get(42)


def test_serialize_gives_plain_names():
    assert activations.serialize(activations.relu) == "relu"
    assert activations.serialize(activations.swish) == "silu"
    assert activations.serialize(activations.hard_swish) == "hard_silu"
    assert activations.deserialize("softmax") is activations.softmax


@pytest.mark.parametrize("name", NAMES)
def test_serialize_round_trip(name):
    fn = activations.get(name)
    assert activations.deserialize(activations.serialize(fn)) is fn


def test_custom_registered_function_round_trips():
    @register_keras_serializable(package="ActivationsTest")
    def doubled(x):
        return ops.multiply(x, 2.0)

    config = activations.serialize(doubled)
    assert config["class_name"] == "function"
    # Keras 3.15: {"module": "builtins", "config": "<package>name", "registered_name": "function"}
    assert (config["module"], config["config"], config["registered_name"]) == (
        "builtins", "ActivationsTest>doubled", "function")
    assert activations.get(config) is doubled


@pytest.mark.parametrize("fn, name", [(ops.gelu, "gelu"), (ops.relu, "relu"),
                                      (ops.tanh, "tanh"), (ops.softmax, "softmax")])
def test_a_function_named_as_a_built_in_activation_is_written_by_that_name(fn, name):
    """Keras 3.15 writes ``Dense(activation=keras.ops.gelu)`` (keras-io CCT) as "gelu"."""
    assert activations.serialize(fn) == name
    assert keras.layers.Dense(2, activation=fn).get_config()["activation"] == name


def test_serialize_lambda_raises():
    with pytest.raises(ValueError, match="register_keras_serializable"):
        activations.serialize(lambda x: x)


def test_deserialize_bad_config_raises():
    with pytest.raises(ValueError, match="class_name"):
        activations.deserialize({"config": "relu"})
