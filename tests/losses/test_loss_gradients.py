"""Gradients: finite-difference checks for every registered loss (function and class), the
stable logits path for sigmoid/softmax outputs, and a custom ops-written loss that trains."""
import warnings

import numpy as np
import pytest

from minikeras import losses, ops
from minikeras.autodiff import Tensor, grad, no_grad
from minikeras.autodiff.gradcheck import gradcheck
from minikeras.losses import LOSSES

rng = np.random.default_rng(42)


def _probs(shape):
    p = rng.uniform(0.1, 1.0, shape)
    return p / p.sum(-1, keepdims=True)


def _one_hot(labels, n):
    return np.eye(n)[labels]


LABELS = np.array([0, 2, 1, 2])
EMB = rng.standard_normal((6, 3))
EMB = 0.9 * EMB / np.linalg.norm(EMB, axis=1, keepdims=True)

# One row per loss function: (y_true, y_pred, kwargs). Kinks (|e| = delta, margins of 0,
# clip edges, max ties) are avoided so central differences are valid.
CASES = {
    "mean_squared_error": (rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), {}),
    "mean_absolute_error": (rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), {}),
    "mean_absolute_percentage_error": (rng.uniform(1, 2, (4, 3)) * [[1, -1, 1]],
                                       rng.standard_normal((4, 3)), {}),
    "mean_squared_logarithmic_error": (rng.uniform(0, 3, (4, 3)), rng.uniform(0.1, 3, (4, 3)),
                                       {}),
    "cosine_similarity": (rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), {}),
    "huber": (np.zeros((4, 3)), rng.choice([-1, 1], (4, 3)) * rng.uniform(0.2, 2.5, (4, 3)),
              {"delta": 1.3}),
    "log_cosh": (rng.standard_normal((4, 3)), 3 * rng.standard_normal((4, 3)), {}),
    "kl_divergence": (_probs((4, 3)), _probs((4, 3)), {}),
    "poisson": (rng.integers(0, 4, (4, 3)).astype(float), rng.uniform(0.2, 3, (4, 3)), {}),
    "hinge": (rng.choice([-1.0, 1.0], (4, 3)), rng.choice([-1, 1], (4, 3)) *
              rng.uniform(0.1, 0.8, (4, 3)), {}),
    "squared_hinge": (rng.choice([0.0, 1.0], (4, 3)), rng.uniform(-0.8, 0.8, (4, 3)), {}),
    "categorical_hinge": (_one_hot(LABELS, 3), rng.standard_normal((4, 3)), {}),
    "binary_crossentropy": (rng.choice([0.0, 1.0], (4, 3)), rng.uniform(0.05, 0.95, (4, 3)),
                            {"label_smoothing": 0.1}),
    "binary_focal_crossentropy": (rng.choice([0.0, 1.0], (4, 3)),
                                  rng.uniform(0.05, 0.95, (4, 3)),
                                  {"apply_class_balancing": True}),
    "categorical_crossentropy": (_one_hot(LABELS, 3), _probs((4, 3)), {"label_smoothing": 0.2}),
    "categorical_focal_crossentropy": (_one_hot(LABELS, 3), _probs((4, 3)), {}),
    "sparse_categorical_crossentropy": (LABELS, _probs((4, 3)), {}),
    "categorical_generalized_cross_entropy": (LABELS, _probs((4, 3)), {"q": 0.7}),
    "dice": (rng.choice([0.0, 1.0], (4, 3)), rng.uniform(0, 1, (4, 3)), {}),
    "tversky": (rng.choice([0.0, 1.0], (4, 3)), rng.uniform(0, 1, (4, 3)),
                {"alpha": 0.3, "beta": 0.7}),
    "circle": (np.array([0, 0, 1, 1, 2, 0]), EMB, {"gamma": 4.0}),
    "ctc": (np.array([[1, 2, 0], [2, 2, 1]]), rng.standard_normal((2, 7, 3)), {}),
}
# Extra rows for the other code paths (logits, axes).
VARIANTS = [
    ("binary_crossentropy", rng.choice([0.0, 1.0], (4, 3)), 4 * rng.standard_normal((4, 3)),
     {"from_logits": True, "label_smoothing": 0.2}),
    ("binary_focal_crossentropy", rng.choice([0.0, 1.0], (4, 3)), rng.standard_normal((4, 3)),
     {"from_logits": True, "gamma": 3.0}),
    ("categorical_crossentropy", _one_hot(LABELS, 3), 3 * rng.standard_normal((4, 3)),
     {"from_logits": True}),
    ("categorical_focal_crossentropy", _one_hot(LABELS, 3), rng.standard_normal((4, 3)),
     {"from_logits": True, "alpha": [0.2, 0.3, 0.5]}),
    ("sparse_categorical_crossentropy", LABELS, 3 * rng.standard_normal((4, 3)),
     {"from_logits": True}),
    ("sparse_categorical_crossentropy", np.array([0, 7, 1, 7]), _probs((4, 3)),
     {"ignore_class": 7}),
    ("cosine_similarity", rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), {"axis": 0}),
    ("dice", rng.choice([0.0, 1.0], (2, 3, 2)), rng.uniform(0, 1, (2, 3, 2)), {"axis": (1, 2)}),
]

CHECKED = [n for n, obj in LOSSES.items() if obj not in (losses.Loss, losses.LossFunctionWrapper)]


def _function_of(obj):
    return obj().fn if isinstance(obj, type) else obj


def test_every_registered_loss_has_a_gradient_case():
    names = {_function_of(LOSSES.lookup(n)).__name__ for n in CHECKED}
    assert names == set(CASES)


@pytest.mark.parametrize("name", sorted(CHECKED))
def test_gradcheck_every_registered_name(name):
    obj = LOSSES.lookup(name)
    y_true, y_pred, kwargs = CASES[_function_of(obj).__name__]
    if isinstance(obj, type):
        loss = obj(dtype="float64", **kwargs)
        weights = rng.uniform(0.5, 2.0, y_pred.shape[:1])
        gradcheck(lambda p: loss(y_true, p, sample_weight=weights), y_pred)
    else:
        gradcheck(lambda p: obj(y_true, p, **kwargs), y_pred)


@pytest.mark.parametrize("name, y_true, y_pred, kwargs", VARIANTS)
def test_gradcheck_options(name, y_true, y_pred, kwargs):
    fn = LOSSES.lookup(name)
    gradcheck(lambda p: fn(y_true, p, **kwargs), y_pred)


# ---- probability outputs that carry their logits (as activations set them) ---------------

def sigmoid_output(z):
    p = ops.sigmoid(z)
    p.logits = z
    return p


def softmax_output(z, axis=-1):
    p = ops.softmax(z, axis=axis)
    p.logits = z
    return p


@pytest.mark.parametrize("fn, output, y, kwargs", [
    (losses.binary_crossentropy, sigmoid_output, [[0.0, 1.0, 1.0]], {"label_smoothing": 0.1}),
    (losses.categorical_crossentropy, softmax_output, [[0.0, 1.0, 0.0]],
     {"label_smoothing": 0.1}),
    (losses.sparse_categorical_crossentropy, softmax_output, [1], {}),
    (losses.binary_focal_crossentropy, sigmoid_output, [[0.0, 1.0, 1.0]], {"gamma": 1.5}),
])
def test_gradcheck_through_activation_logits(fn, output, y, kwargs):
    gradcheck(lambda z: fn(np.array(y), output(z), **kwargs), np.array([[2.0, -1.0, 0.5]]))


def test_sigmoid_output_uses_logits_no_clipping_no_saturation():
    z = Tensor(np.array([[30.0]], np.float32), requires_grad=True)
    out = losses.BinaryCrossentropy()([[0.0]], sigmoid_output(z))
    np.testing.assert_allclose(out.data, 30.0, rtol=1e-6)        # clipped: 15.9424
    np.testing.assert_allclose(grad(out, [z])[0], [[1.0]], rtol=1e-6)  # sigmoid(30) - 0
    # the same probability without logits is clipped, and its gradient vanishes
    p = Tensor(np.array([[1.0]], np.float32), requires_grad=True)
    clipped = losses.BinaryCrossentropy()([[0.0]], p)
    np.testing.assert_allclose(clipped.data, 15.9424, rtol=1e-4)
    assert grad(clipped, [p])[0][0, 0] == 0.0


def test_softmax_output_uses_logits_for_categorical_and_sparse():
    z = Tensor(np.array([[0.0, 40.0, 0.0]], np.float32), requires_grad=True)
    expected = 40.0 + np.log(1 + 2 * np.exp(-40.0))
    for loss, y in ((losses.CategoricalCrossentropy(), [[1.0, 0.0, 0.0]]),
                    (losses.SparseCategoricalCrossentropy(), [0])):
        out = loss(y, softmax_output(z))
        np.testing.assert_allclose(out.data, expected, rtol=1e-6)
        np.testing.assert_allclose(grad(out, [z])[0], [[-1.0, 1.0, 0.0]], atol=1e-6)


def test_label_smoothing_still_applies_on_the_logits_path():
    z = np.array([[1.0, -2.0, 0.5]])
    via_output = losses.categorical_crossentropy([[0, 0, 1]], softmax_output(Tensor(z)),
                                                 label_smoothing=0.3)
    via_logits = losses.categorical_crossentropy([[0, 0, 1]], z, from_logits=True,
                                                 label_smoothing=0.3)
    np.testing.assert_allclose(via_output.data, via_logits.data, rtol=1e-12)
    via_output = losses.binary_crossentropy([[0, 1, 1]], sigmoid_output(Tensor(z)),
                                            label_smoothing=0.3)
    via_logits = losses.binary_crossentropy([[0, 1, 1]], z, from_logits=True,
                                            label_smoothing=0.3)
    np.testing.assert_allclose(via_output.data, via_logits.data, rtol=1e-12)


def test_logits_of_the_wrong_activation_are_not_used():
    # a 2-class softmax output fed to binary_crossentropy: the sigmoid formula would be wrong
    z = Tensor(np.zeros((1, 2)), requires_grad=True)
    with_slot = losses.binary_crossentropy([[1.0, 0.0]], softmax_output(z))
    g_slot = grad(with_slot, [z])[0]
    z2 = Tensor(np.zeros((1, 2)), requires_grad=True)
    plain = losses.binary_crossentropy([[1.0, 0.0]], ops.softmax(z2))
    np.testing.assert_allclose(g_slot, grad(plain, [z2])[0], rtol=1e-12)
    # by hand: dL/dp = [-1/(2 p1), 1/(2 (1 - p2))] = [-1, 1]; softmax Jacobian at p = (.5, .5)
    # is [[.25, -.25], [-.25, .25]] -> [-.5, .5]. (The sigmoid formula would give [-.25, .25].)
    np.testing.assert_allclose(g_slot, [[-0.5, 0.5]], rtol=1e-12)


def test_logits_used_at_inference_without_a_graph():
    with no_grad():
        out = losses.binary_crossentropy([[0.0]], sigmoid_output(Tensor(np.array([[30.0]]))))
    np.testing.assert_allclose(out.data, [30.0], rtol=1e-9)


def test_logits_survive_the_class_cast_and_rank_fix():
    z = Tensor(np.array([[25.0], [-25.0]]), requires_grad=True)      # float64 model output
    out = losses.BinaryCrossentropy(reduction=None)([0.0, 1.0], sigmoid_output(z))
    np.testing.assert_allclose(out.data, [25.0, 25.0], rtol=1e-6)


def test_from_logits_on_a_probability_output_warns():
    z = Tensor(np.array([[0.3, -0.2]]))
    with pytest.warns(UserWarning, match="does not represent logits"):
        losses.binary_crossentropy([[0.0, 1.0]], sigmoid_output(z), from_logits=True)


def test_logits_given_as_probabilities_warn():
    with pytest.warns(UserWarning, match="from_logits=True"):
        losses.binary_crossentropy([[0.0, 1.0]], [[-2.0, 3.0]])
    with pytest.warns(UserWarning, match="from_logits=True"):
        losses.sparse_categorical_crossentropy([1], [[-2.0, 3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses.binary_crossentropy([[0.0, 1.0]], [[0.0, 1.0]])


# ---- a custom loss written with keras.ops trains ---------------------------------------

def test_custom_ops_loss_trains_a_linear_model():
    def pseudo_huber(y_true, y_pred):
        return ops.mean(ops.sqrt(1.0 + ops.square(y_pred - y_true)) - 1.0, axis=-1)

    loss = losses.get(pseudo_huber)
    wrapped = losses.LossFunctionWrapper(loss)
    x = np.linspace(-1, 1, 16, dtype=np.float32)[:, None]
    y = 3.0 * x - 0.5
    w = Tensor(np.zeros((1, 1), np.float32), requires_grad=True)
    b = Tensor(np.zeros((1,), np.float32), requires_grad=True)
    first = None
    for _ in range(300):
        value = wrapped(y, ops.matmul(x, w) + b)
        first = float(value) if first is None else first
        gw, gb = grad(value, [w, b])
        w.data -= 0.5 * gw
        b.data -= 0.5 * gb
    assert float(value) < 1e-3 * first
    np.testing.assert_allclose([w.data[0, 0], b.data[0]], [3.0, -0.5], atol=0.05)


def test_keras_activations_outputs_train_from_their_logits():
    from minikeras import activations

    z = Tensor(np.array([[30.0], [-30.0]], np.float32), requires_grad=True)
    out = losses.get("binary_crossentropy")(np.array([[0.0], [1.0]]), activations.sigmoid(z))
    np.testing.assert_allclose(out.data, [30.0, 30.0], rtol=1e-6)
    np.testing.assert_allclose(grad(out.sum(), [z])[0], [[1.0], [-1.0]], rtol=1e-6)
    z = Tensor(np.array([[0.0, 40.0]], np.float32), requires_grad=True)
    out = losses.get("SparseCategoricalCrossentropy")([0], activations.softmax(z))
    np.testing.assert_allclose(out.data, 40.0, rtol=1e-6)
