"""keras.distillation.Distiller: what it trains, returns and logs, its loss against a
hand-derived formula, and its errors on bad input."""
import warnings

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.distillation import Distiller, FeatureDistillation, LogitsDistillation

RNG = np.random.RandomState(0)
X = RNG.uniform(-1, 1, (6, 4)).astype("float32")
Y = np.array([0, 1, 2, 0, 1, 2])


def functional(name, hidden=5, outputs=3, dtype="float32"):
    inputs = keras.Input((4,), name=f"{name}_in", dtype=dtype)
    h = layers.Dense(hidden, activation="tanh", name=f"{name}_h", dtype=dtype)(inputs)
    return keras.Model(inputs, layers.Dense(outputs, name=f"{name}_out", dtype=dtype)(h),
                       name=name)


class Subclassed(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(3)

    def call(self, inputs):
        return self.dense(inputs)


def distiller(**kwargs):
    kwargs.setdefault("distillation_losses", LogitsDistillation())
    return Distiller(teacher=kwargs.pop("teacher", functional("t")),
                     student=kwargs.pop("student", functional("s")), **kwargs)


def test_defaults_and_a_frozen_teacher():
    d = distiller()
    assert d.name == "distiller" and d.student_loss_weight == 0.5
    assert d.distillation_loss_weights == [1.0]
    assert not d.teacher.trainable
    student_ids = {id(v) for v in d.student.trainable_weights}
    assert {id(v) for v in d.trainable_weights} == student_ids
    assert len(d.trainable_weights) == len(student_ids)
    teacher_before = d.teacher.get_weights()
    d.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    d.fit(X, Y, epochs=2, batch_size=3, verbose=0)
    for before, after in zip(teacher_before, d.teacher.get_weights()):
        np.testing.assert_array_equal(before, after)


def test_weights_are_listed_once_with_feature_extractors():
    d = distiller(distillation_losses=[FeatureDistillation(teacher_layer_name="t_h",
                                                           student_layer_name="s_h")])
    ids = [id(v) for v in d.weights]
    assert len(ids) == len(set(ids)) == len(d.teacher.weights) + len(d.student.weights)
    assert len(d.non_trainable_weights) == len(d.teacher.weights)


def test_call_and_predict_run_the_student():
    d = distiller()
    np.testing.assert_array_equal(np.asarray(d(X).data), np.asarray(d.student(X).data))
    d.compile(loss="mse")
    np.testing.assert_array_equal(d.predict(X, verbose=0), d.student.predict(X, verbose=0))


def test_compute_loss_is_the_weighted_sum_of_student_and_distillation_losses():
    """total = w * mean(loss(y, s)) + (1 - w) * sum_i weight_i * distillation_i, by hand."""
    d = distiller(distillation_losses=[LogitsDistillation(temperature=2.0, loss="mse"),
                                       FeatureDistillation(teacher_layer_name="t_h",
                                                           student_layer_name="s_h")],
                  distillation_loss_weights=[0.25, 2.0], student_loss_weight=0.4)
    d.compile(loss="sparse_categorical_crossentropy")
    teacher_h = keras.Model(d.teacher.inputs, d.teacher.get_layer("t_h").output)
    student_h = keras.Model(d.student.inputs, d.student.get_layer("s_h").output)
    t, s = d.teacher.predict(X, verbose=0), d.student.predict(X, verbose=0)
    th, sh = teacher_h.predict(X, verbose=0), student_h.predict(X, verbose=0)
    p = np.clip(s / s.sum(axis=-1, keepdims=True), 1e-7, 1 - 1e-7)  # a probability loss on
    student_loss = -np.log(p[np.arange(6), Y]).mean()                  # logits, as compiled
    distillation = 0.25 * (((t - s) / 2.0) ** 2).mean() + 2.0 * ((th - sh) ** 2).mean()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        total = d.compute_loss(X, Y, d(X, training=False), training=False)
    np.testing.assert_allclose(float(np.asarray(total.data)),
                               0.4 * student_loss + 0.6 * distillation, rtol=1e-5)
    logs = {m.name: float(m.result()) for m in d.metrics}
    np.testing.assert_allclose(logs["student_loss"], student_loss, rtol=1e-5)
    np.testing.assert_allclose(logs["distillation_loss"], distillation, rtol=1e-5)


def test_multi_output_students_match_losses_to_outputs():
    """Per output: the mean compiled loss (summed) and the listed distillation loss, by hand.
    (Keras 3.15 cannot train a multi-output student: its list of losses is a TrackedList
    that tree.map_structure refuses beside the list of targets.)"""
    def two_outputs(name):
        inputs = keras.Input((4,))
        h = layers.Dense(5, activation="tanh")(inputs)
        return keras.Model(inputs, [layers.Dense(3, name=f"{name}_a")(h),
                                    layers.Dense(2, name=f"{name}_b")(h)], name=name)
    d = Distiller(two_outputs("t"), two_outputs("s"), LogitsDistillation(
        temperature=2.0, loss=[keras.losses.KLDivergence(), "mse"]), student_loss_weight=0.25)
    d.compile(loss=[keras.losses.SparseCategoricalCrossentropy(from_logits=True), "mse"])
    ya, yb = Y, RNG.uniform(size=(6, 2)).astype("float32")
    (ta, tb), (sa, sb) = d.teacher.predict(X, verbose=0), d.student.predict(X, verbose=0)
    log_p = np.log(np.exp(sa) / np.exp(sa).sum(axis=-1, keepdims=True))
    student_loss = -log_p[np.arange(6), ya].mean() + ((yb - sb) ** 2).mean()

    def soft(z):
        return np.exp(z / 2) / np.exp(z / 2).sum(axis=-1, keepdims=True)
    kl = (soft(ta) * np.log(soft(ta) / soft(sa))).sum(axis=-1).mean()
    distillation = 4 * kl + (((tb - sb) / 2) ** 2).mean()
    total = d.compute_loss(X, [ya, yb], d(X, training=False), training=False)
    np.testing.assert_allclose(float(np.asarray(total.data)),
                               0.25 * student_loss + 0.75 * distillation, rtol=1e-5)
    history = d.fit(X, [ya, yb], epochs=2, batch_size=3, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]


def test_student_loss_weight_one_skips_distillation_and_zero_skips_labels():
    only_labels = distiller(student_loss_weight=1.0)
    only_labels.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    logs = only_labels.evaluate(X, Y, verbose=0, return_dict=True)
    assert logs["distillation_loss"] == 0.0
    np.testing.assert_allclose(logs["total_loss"], logs["student_loss"], rtol=1e-6)
    only_teacher = distiller(student_loss_weight=0)
    only_teacher.compile(loss="mse")
    logs = only_teacher.evaluate(X, Y, verbose=0, return_dict=True)
    assert logs["student_loss"] == 0.0
    np.testing.assert_allclose(logs["total_loss"], logs["distillation_loss"], rtol=1e-6)


def test_evaluate_lists_loss_metrics_then_the_three_loss_trackers():
    d = distiller()
    d.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
    values = d.evaluate(X, Y, verbose=0)
    logs = d.evaluate(X, Y, verbose=0, return_dict=True)
    assert sorted(logs) == ["accuracy", "distillation_loss", "loss", "student_loss",
                            "total_loss"]
    assert values == [logs[k] for k in ("loss", "accuracy", "student_loss",
                                        "distillation_loss", "total_loss")]


def test_get_config_and_from_config():
    d = distiller(distillation_losses=[LogitsDistillation(temperature=5)],
                  distillation_loss_weights=[0.7], student_loss_weight=0.2)
    config = d.get_config()
    assert list(config) == ["name", "trainable", "dtype", "teacher", "student",
                            "distillation_losses", "distillation_loss_weights",
                            "student_loss_weight"]
    assert config["distillation_losses"][0]["config"]["temperature"] == 5
    again = Distiller.from_config(config)
    assert again.distillation_losses[0].temperature == 5
    assert again.distillation_loss_weights == [0.7] and again.student_loss_weight == 0.2
    again.set_weights(d.get_weights())  # from_config builds the models with fresh weights
    np.testing.assert_array_equal(np.asarray(again(X).data), np.asarray(d(X).data))


def test_sequential_models_and_named_features():
    def sequential(name):
        return keras.Sequential([keras.Input((4,)), layers.Dense(5, name=f"{name}_h"),
                                 layers.Dense(3, name=f"{name}_out")], name=name)
    d = Distiller(teacher=sequential("t"), student=sequential("s"),
                  distillation_losses=FeatureDistillation(teacher_layer_name="t_h",
                                                          student_layer_name="s_h"))
    d.compile(loss="mse")
    history = d.fit(X, np.eye(3)[Y], epochs=1, verbose=0)
    assert history.history["distillation_loss"][0] > 0


def test_a_single_loss_ignores_weights_with_a_warning():
    with pytest.warns(UserWarning, match="a single loss has weight 1.0"):
        d = distiller(distillation_loss_weights=[0.3])
    assert d.distillation_loss_weights == [1.0]


def test_a_non_scalar_custom_loss_is_refused():
    class PerSample(keras.distillation.DistillationLoss):
        def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
            return keras.ops.mean(keras.ops.square(teacher_outputs - student_outputs), axis=-1)

    d = distiller(distillation_losses=PerSample())
    d.compile(loss="mse")
    with pytest.raises(ValueError, match=r"PerSample.compute_loss must return a scalar; it "
                                         r"returned shape \(6,\)"):
        d.evaluate(X, np.eye(3)[Y], verbose=0)


@pytest.mark.parametrize("make, message", [
    (lambda: distiller(teacher="model"),
     r"`teacher` must be a keras.Model. Received: teacher='model' \(of type str\)"),
    (lambda: distiller(student=layers.Dense(3)), r"`student` must be a keras.Model"),
    (lambda: distiller(student_loss_weight=1.5),
     r"between 0.0 and 1.0. Received: 1.5"),
    (lambda: distiller(student_loss_weight="0.5"),
     r"must be a number in \[0, 1\]. Received: '0.5' \(of type str\)"),
    (lambda: distiller(distillation_losses=None), "`distillation_losses` cannot be None"),
    (lambda: distiller(distillation_losses=[LogitsDistillation()] * 2,
                       distillation_loss_weights=[1.0]),
     r"one weight per distillation loss: 2 losses, 1 weights"),
    (lambda: distiller(distillation_losses=["mse"]),
     r"must be a keras.distillation.DistillationLoss .* Received: 'mse' \(of type str\)"),
    (lambda: distiller(student=functional("s", outputs=4)),
     r"output shapes are incompatible. Teacher: \(None, 3\), Student: \(None, 4\)"),
    (lambda: distiller(student=functional("s", dtype="float64")),
     "input dtypes must match. Teacher: float32, Student: float64"),
    (lambda: distiller(distillation_losses=FeatureDistillation(teacher_layer_name="nope")),
     "In teacher model: No such layer: nope"),
    (lambda: distiller(student=Subclassed(),
                       distillation_losses=FeatureDistillation(student_layer_name="dense")),
     "the student model has none"),
])
def test_bad_constructor_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_compile_arguments():
    d = distiller()
    with pytest.raises(ValueError, match="needs `loss`: the student's supervised loss"):
        d.compile(optimizer="adam")
    with pytest.raises(ValueError, match=r"`metrics` must be a list or tuple. "
                                         r"Received: metrics='accuracy' \(of type str\)"):
        d.compile(loss="mse", metrics="accuracy")


def test_it_is_keras_distillation():
    assert keras.distillation.Distiller is Distiller
    assert {"Distiller", "DistillationLoss", "LogitsDistillation",
            "FeatureDistillation"} <= set(dir(keras.distillation))
