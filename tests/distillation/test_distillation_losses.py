"""keras.distillation's losses against hand-derived numpy formulas, gradient checks, configs
and bad input."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import ops
from minikeras.autodiff.gradcheck import gradcheck
from minikeras.distillation import (DistillationLoss, FeatureDistillation,
                                    LogitsDistillation)

EPS = 1e-7  # keras.config.epsilon(), the clip of kl_divergence
TEACHER = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]], np.float32)
STUDENT = np.array([[1.0, 1.5, -0.5], [0.4, -0.3, 1.0]], np.float32)


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def kl_rows(p, q):
    """Keras's kl_divergence per row: both clipped to [eps, 1]."""
    p, q = np.clip(p, EPS, 1), np.clip(q, EPS, 1)
    return (p * np.log(p / q)).sum(axis=-1)


def value(loss, teacher=TEACHER, student=STUDENT):
    return float(np.asarray(loss.compute_loss(teacher, student)))


def test_kl_divergence_instance_softens_both_and_scales_by_t_squared():
    t = 2.5
    expected = t ** 2 * kl_rows(softmax(TEACHER / t), softmax(STUDENT / t)).mean()
    got = value(LogitsDistillation(temperature=t, loss=keras.losses.KLDivergence()))
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_default_is_the_kl_divergence_function_on_the_scaled_logits():
    # "kl_divergence" resolves to the function, so no softmax and no T**2 (Keras 3.15).
    loss = LogitsDistillation()
    assert loss.temperature == 3.0 and loss.loss is keras.losses.kl_divergence
    expected = kl_rows(TEACHER / 3.0, STUDENT / 3.0).mean()
    np.testing.assert_allclose(value(loss), expected, rtol=1e-6)


def test_other_losses_see_the_scaled_logits():
    loss = LogitsDistillation(temperature=2.0, loss="mse")
    np.testing.assert_allclose(value(loss), (((TEACHER - STUDENT) / 2.0) ** 2).mean(), rtol=1e-6)


def test_per_output_losses_are_summed_and_none_skips_an_output():
    other_t, other_s = TEACHER[:, :2], STUDENT[:, :2]
    loss = LogitsDistillation(temperature=1.0, loss=["mse", None])
    got = float(np.asarray(loss.compute_loss([TEACHER, other_t], [STUDENT, other_s])))
    np.testing.assert_allclose(got, ((TEACHER - STUDENT) ** 2).mean(), rtol=1e-6)
    both = LogitsDistillation(temperature=1.0, loss={"a": "mse", "b": "mae"})
    got = float(np.asarray(both.compute_loss({"a": TEACHER, "b": other_t},
                                             {"a": STUDENT, "b": other_s})))
    expected = ((TEACHER - STUDENT) ** 2).mean() + np.abs(other_t - other_s).mean()
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_feature_distillation_is_the_mean_loss_of_the_features():
    loss = FeatureDistillation()
    assert loss.loss is keras.losses.mean_squared_error
    assert (loss.teacher_layer_name, loss.student_layer_name) == (None, None)
    np.testing.assert_allclose(value(loss), ((TEACHER - STUDENT) ** 2).mean(), rtol=1e-6)
    cosine = FeatureDistillation(loss="cosine_similarity")
    unit = lambda z: z / np.linalg.norm(z, axis=-1, keepdims=True)  # noqa: E731
    expected = -(unit(TEACHER) * unit(STUDENT)).sum(axis=-1).mean()
    np.testing.assert_allclose(value(cosine), expected, rtol=1e-6)


def test_kl_distillation_gradient_matches_finite_differences():
    # float64 loss: a loss instance computes in its dtype (float32 by default)
    loss = LogitsDistillation(temperature=2.0, loss=keras.losses.KLDivergence(dtype="float64"))
    assert gradcheck(lambda t, s: loss.compute_loss(t, s), TEACHER, STUDENT, wrt=[1])


def test_feature_distillation_gradient_matches_finite_differences():
    loss = FeatureDistillation(loss=["mse", "cosine_similarity"])
    assert gradcheck(lambda t, s: loss.compute_loss([t, t], [s, s]), TEACHER, STUDENT, wrt=[1])


def test_configs_round_trip():
    logits = LogitsDistillation(temperature=4, loss=["categorical_crossentropy", None])
    config = logits.get_config()
    assert config == {"temperature": 4, "loss": [
        {"module": "builtins", "class_name": "function", "config": "categorical_crossentropy",
         "registered_name": "function"}, None]}
    again = LogitsDistillation.from_config(config)
    assert again.temperature == 4 and again.loss == [keras.losses.categorical_crossentropy, None]
    features = FeatureDistillation(loss=keras.losses.MeanAbsoluteError(),
                                   teacher_layer_name="a", student_layer_name="b")
    again = FeatureDistillation.from_config(features.get_config())
    assert isinstance(again.loss, keras.losses.MeanAbsoluteError)
    assert (again.teacher_layer_name, again.student_layer_name) == ("a", "b")


def test_a_custom_distillation_loss_subclasses_the_base():
    class Gap(DistillationLoss):
        def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
            return ops.mean(ops.abs(ops.subtract(teacher_outputs, student_outputs)))

    np.testing.assert_allclose(value(Gap()), np.abs(TEACHER - STUDENT).mean(), rtol=1e-6)
    with pytest.raises(NotImplementedError, match="must implement"):
        DistillationLoss().compute_loss(TEACHER, STUDENT)


@pytest.mark.parametrize("kwargs, message", [
    ({"temperature": 0}, "`temperature` must be positive. Received: temperature=0"),
    ({"temperature": -1.5}, "must be positive. Received: temperature=-1.5"),
    ({"temperature": "3"}, r"must be a number. Received: temperature='3' \(of type str\)"),
    ({"temperature": True}, "must be a number. Received: temperature=True"),
    ({"loss": None}, "at least one loss that is not None. Received: loss=None"),
    ({"loss": [None, None]}, "at least one loss that is not None"),
    ({"loss": 5}, r"must be a loss name, .* Received: 5 \(of type int\)"),
    ({"loss": "no_such_loss"}, "no_such_loss"),
])
def test_logits_distillation_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LogitsDistillation(**kwargs)


def test_feature_distillation_bad_arguments():
    with pytest.raises(ValueError, match="FeatureDistillation must contain at least one loss"):
        FeatureDistillation(loss=None)
    with pytest.raises(ValueError, match=r"Received: 1.5 \(of type float\)"):
        FeatureDistillation(loss=["mse", 1.5])


def test_outputs_of_different_structures_are_refused():
    with pytest.raises(ValueError):
        LogitsDistillation().validate_outputs([TEACHER, TEACHER], TEACHER)
    with pytest.raises(ValueError, match="loss structure does not match the features"):
        FeatureDistillation(loss=["mse", "mse"]).validate_outputs(TEACHER, STUDENT)
