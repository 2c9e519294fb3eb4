"""Resume fidelity sweep: the round trips a user makes between Keras 3 and minikeras
(train in one, save, load in the other, continue training), checked against real Keras.

Each case trains a small model with fixed weights and data (shuffle=False), saves it, and
continues training from the file in both frameworks; histories, final weights, the
optimizer's iteration count and learning rate, evaluate and predict must agree to float32
round-off. Run with the scratch Keras (it imports both frameworks):

    KERAS_BACKEND=torch nice -n 19 /work/scratch-keras/bin/python tools/resume_fidelity_sweep.py

Cases: 1/2 Keras -> minikeras and back (.keras, ModelCheckpoint, .weights.h5, legacy .h5;
Adam, SGD-momentum, AdamW and RMSprop on schedules, and every optimizer family's state,
LossScaleOptimizer, MultiOptimizer, EMA, accumulation), initial_epoch with a scheduler,
fine-tuning with a frozen base; 3 custom objects, subclassed models, a custom train_step,
a GAN-like model with two optimizers, Lambda and safe_mode; 4 functional graphs (dict
inputs/outputs, shared layers, nested Sequential), clone_model's options, JSON; 5
BackupAndRestore (epoch, batches, mid-epoch, a Keras backup resumed here); 6 checkpoint
file variants, compile variants; 7 JSON/clone of Sequential and subclassed, transfer
learning, BackupAndRestore facts, CSVLogger across a resume; 8 LSTM and Conv+BatchNorm,
ReduceLROnPlateau.

Prints one line per check and a summary; exits 1 when a check differs. Arguments select
cases by words of their names ("1 keras->mk", "5 backup").
"""
import functools
import os
import shutil
import sys
import tempfile
import traceback

import numpy as np

# MINIKERAS_ROOT=<a checkout> sweeps another version (e.g. main, for a before/after count)
ROOT = os.environ.get("MINIKERAS_ROOT",
                      os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, ROOT)
os.environ.setdefault("KERAS_BACKEND", "torch")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "fixtures"))

import keras  # noqa: E402
import minikeras  # noqa: E402
import resume_cases  # noqa: E402  (the custom objects the fixture tests use)

K, M = keras, minikeras
RESULTS = []
TMP = tempfile.mkdtemp(prefix="resume_sweep_")
RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 4)).astype("float32")
Y = (X @ np.array([[0.5], [-1.0], [0.25], [2.0]], "float32") + 0.1).astype("float32")


# ---- helpers ------------------------------------------------------------------------------
def to_np(value):
    if hasattr(value, "detach"):
        value = value.detach().cpu()
    if hasattr(value, "value") and not isinstance(value, np.ndarray):
        value = value.value
        if hasattr(value, "detach"):
            value = value.detach().cpu()
    return np.asarray(value, dtype="float64")


def record(case, check, ok, detail=""):
    RESULTS.append((case, check, bool(ok), detail))
    print(f"{'ok  ' if ok else 'DIFF'} {case:<38} {check:<28} {detail}", flush=True)


def close(case, check, ref, got, rtol=2e-5, atol=2e-6):
    """Compare nested numbers; record the largest difference."""
    try:
        ref_list = ref if isinstance(ref, (list, tuple)) else [ref]
        got_list = got if isinstance(got, (list, tuple)) else [got]
        if len(ref_list) != len(got_list):
            record(case, check, False, f"lengths {len(ref_list)} vs {len(got_list)}")
            return
        worst, ok = 0.0, True
        for r, g in zip(ref_list, got_list):
            r, g = to_np(r), to_np(g)
            if r.shape != g.shape:
                record(case, check, False, f"shapes {r.shape} vs {g.shape}")
                return
            diff = np.abs(r - g)
            worst = max(worst, float(diff.max()) if diff.size else 0.0)
            ok &= bool(np.all((diff <= atol + rtol * np.abs(r)) | (np.isnan(r) & np.isnan(g))))
        record(case, check, ok, f"max|diff|={worst:.2e}")
    except Exception as error:  # noqa: BLE001 - a sweep reports and goes on
        record(case, check, False, f"{type(error).__name__}: {error}")


def same(case, check, ref, got):
    record(case, check, ref == got, "" if ref == got else f"keras={ref!r} minikeras={got!r}")


def history_close(case, ref, got):
    ref_h, got_h = ref.history, got.history
    same(case, "history keys", sorted(ref_h), sorted(got_h))
    same(case, "history epochs", list(ref.epoch), list(got.epoch))
    for key in sorted(set(ref_h) & set(got_h)):
        close(case, f"history[{key}]", [np.asarray(ref_h[key])], [np.asarray(got_h[key])])


def run(case, fn):
    try:
        fn(case)
    except Exception as error:  # noqa: BLE001
        record(case, "ran", False, f"{type(error).__name__}: {str(error)[:300]}")
        traceback.print_exc()


def fixed_weights(model, seed=1):
    """Weights drawn from one seed (variances positive), the same in both frameworks."""
    rng = np.random.default_rng(seed)
    values = []
    for variable in model.weights:
        value = rng.normal(size=tuple(variable.shape)) * 0.4
        if "variance" in variable.path:
            value = np.abs(value) + 0.5
        values.append(value.astype("float32"))
    model.set_weights(values)
    return model


def path(name):
    return os.path.join(TMP, name)


def save_and_load(model, file):
    """Save ``model`` to ``file`` (a .keras path) and load it in Keras and in minikeras."""
    model.save(file)
    return K.models.load_model(file), M.models.load_model(file)


def fit(model, x=X, y=Y, epochs=2, **kwargs):
    return model.fit(x, y, batch_size=8, epochs=epochs, shuffle=False, verbose=0, **kwargs)


def lr_of(optimizer):
    try:
        return float(to_np(optimizer.learning_rate))
    except AttributeError:  # a MultiOptimizer has none
        return float("nan")


def layout(model, name):
    """{group: number of arrays} of the model's ``.weights.h5``."""
    import h5py
    file = path(name)
    model.save_weights(file)
    groups = {}
    with h5py.File(file, "r") as f:
        f.visititems(lambda key, obj: groups.__setitem__(key, len(obj))
                     if isinstance(obj, h5py.Group) and key.endswith("vars") else None)
    return groups


def compare_models(case, ref, got, x=X, y=Y):
    same(case, "weights file layout", layout(ref, "layout_k.weights.h5"),
         layout(got, "layout_m.weights.h5"))
    close(case, "weights", ref.get_weights(), got.get_weights())
    same(case, "optimizer.iterations", int(to_np(ref.optimizer.iterations)),
         int(to_np(got.optimizer.iterations)))
    close(case, "learning_rate", lr_of(ref.optimizer), lr_of(got.optimizer))
    close(case, "evaluate", ref.evaluate(x, y, batch_size=8, verbose=0),
          got.evaluate(x, y, batch_size=8, verbose=0))
    close(case, "predict", tree_leaves(ref.predict(x, batch_size=8, verbose=0)),
          tree_leaves(got.predict(x, batch_size=8, verbose=0)))


def tree_leaves(value):
    if isinstance(value, dict):
        return [tree_leaves(value[k])[0] for k in sorted(value)]
    if isinstance(value, (list, tuple)):
        return [v for item in value for v in tree_leaves(item)]
    return [value]


def plain(value, drop=()):
    """A config as JSON-comparable data: floats rounded to float32, ``drop`` keys removed,
    Keras's backend-specific optimizer classes written as their public ones."""
    if isinstance(value, dict):
        out = {k: plain(v, drop) for k, v in value.items() if k not in drop}
        if isinstance(out.get("module"), str) and out["module"].startswith("keras.src"):
            # a backend's own class (torch_adam.Adam), registered under the public name
            out["module"] = "keras.optimizers"
            if out.get("registered_name") == out.get("class_name"):
                out["registered_name"] = None
        return out
    if isinstance(value, (list, tuple)):
        return [plain(v, drop) for v in value]
    if isinstance(value, float):
        return float(np.float32(value))
    if hasattr(value, "get_config"):
        return plain({"class_name": type(value).__name__, "config": value.get_config()}, drop)
    if callable(value):
        return getattr(value, "__name__", repr(value))
    return value


def continue_both(case, ref, got, **fit_kwargs):
    """Train Keras's and minikeras's copies 2 more epochs, then compare everything."""
    same(case, "optimizer config", plain(ref.optimizer.get_config(), drop="name"),
         plain(got.optimizer.get_config(), drop="name"))
    same(case, "compile config", plain(ref.get_compile_config(), drop="name"),
         plain(got.get_compile_config(), drop="name"))
    same(case, "iterations at load", int(to_np(ref.optimizer.iterations)),
         int(to_np(got.optimizer.iterations)))
    close(case, "lr at load", lr_of(ref.optimizer), lr_of(got.optimizer))
    close(case, "evaluate at load", ref.evaluate(X, Y, batch_size=8, verbose=0),
          got.evaluate(X, Y, batch_size=8, verbose=0))
    history_close(case, fit(ref, **fit_kwargs), fit(got, **fit_kwargs))
    compare_models(case, ref, got)


# ---- 1 and 2: train in one framework, continue in both ------------------------------------
def mlp(k):
    return fixed_weights(k.Sequential([k.Input((4,)), k.layers.Dense(8, activation="relu",
                                                                     name="hidden"),
                                       k.layers.Dense(1, name="out")], name="mlp"))


OPTIMIZERS = {
    "adam": lambda k: k.optimizers.Adam(0.01),
    "sgd_momentum": lambda k: k.optimizers.SGD(0.02, momentum=0.9, nesterov=True),
    "adamw_schedule": lambda k: k.optimizers.AdamW(
        k.optimizers.schedules.ExponentialDecay(0.02, decay_steps=3, decay_rate=0.5),
        weight_decay=0.05),
    "rmsprop_cosine": lambda k: k.optimizers.RMSprop(
        k.optimizers.schedules.CosineDecay(0.01, decay_steps=20, warmup_target=0.02,
                                           warmup_steps=3)),
}
# optimizer state of every family, and the base optimizer's options that keep state
STATE_OPTIMIZERS = {
    "adam_amsgrad_clip": lambda k: k.optimizers.Adam(0.01, amsgrad=True, clipnorm=0.5),
    "adam_ema": lambda k: k.optimizers.Adam(0.01, use_ema=True, ema_momentum=0.9,
                                            ema_overwrite_frequency=3),
    "sgd_accumulate": lambda k: k.optimizers.SGD(0.05, gradient_accumulation_steps=3),
    "loss_scale": lambda k: k.optimizers.LossScaleOptimizer(k.optimizers.Adam(0.01),
                                                            initial_scale=64.0,
                                                            dynamic_growth_steps=3),
    "adagrad": lambda k: k.optimizers.Adagrad(0.05),
    "adadelta": lambda k: k.optimizers.Adadelta(1.0),
    "adamax": lambda k: k.optimizers.Adamax(0.01),
    "nadam": lambda k: k.optimizers.Nadam(0.01),
    "ftrl": lambda k: k.optimizers.Ftrl(0.05, l1_regularization_strength=0.01),
    "adafactor": lambda k: k.optimizers.Adafactor(0.01),
    "lion": lambda k: k.optimizers.Lion(0.001),
    "lamb": lambda k: k.optimizers.Lamb(0.01),
    "muon": lambda k: k.optimizers.Muon(0.01),
    "multi": lambda k: k.optimizers.MultiOptimizer(k.optimizers.OptimizerMap(
        k.optimizers.Adam(0.01), {"mlp/out/.*": k.optimizers.SGD(0.05, momentum=0.9)})),
}


def compiled_mlp(k, opt):
    model = mlp(k)
    model.compile(optimizer={**OPTIMIZERS, **STATE_OPTIMIZERS}[opt](k), loss="mse",
                  metrics=["mae"])
    return model


def train_and_save(k, opt, tag):
    model = compiled_mlp(k, opt)
    ckpt = path(f"{tag}_{opt}_ckpt.keras")
    history = fit(model, callbacks=[k.callbacks.ModelCheckpoint(ckpt)])
    model.save(path(f"{tag}_{opt}.keras"))
    model.save(path(f"{tag}_{opt}.h5"))
    model.save_weights(path(f"{tag}_{opt}.weights.h5"))
    return model, history


def state_case(opt):
    """Optimizer state across frameworks, both ways, through ``.keras`` files."""
    def case_fn(case):
        for src, tag in ((K, "sk"), (M, "sm")):
            model = compiled_mlp(src, opt)
            fit(model)
            label = f"{case} {'keras->mk' if src is K else 'mk->keras'}"
            ref, got = save_and_load(model, path(f"{tag}_{opt}.keras"))
            same(label, "optimizer variable shapes",  # (paths: Keras's are not stable)
                 [tuple(v.shape) for v in ref.optimizer.variables],
                 [tuple(v.shape) for v in got.optimizer.variables])
            continue_both(label, ref, got)
    return case_fn


def legacy_h5(case, file):
    """Keras 3.15 cannot compile its own legacy .h5 with loss="mse" (its training config
    names 'keras.metrics.mse'); where it fails, compare with compile=False."""
    try:
        ref = K.models.load_model(file)
    except ValueError as error:
        record(case, "keras load (known Keras bug)", True, str(error)[:70])
        ref = K.models.load_model(file, compile=False)
        got = M.models.load_model(file)
        close(case, "weights", ref.get_weights(), got.get_weights())
        close(case, "predict", ref.predict(X, verbose=0), got.predict(X, verbose=0))
        return
    continue_both(case, ref, M.models.load_model(file))


def cross_case(source, opt):
    def case_fn(case):
        src, tag = (K, "k") if source == "keras" else (M, "m")
        trained, history = train_and_save(src, opt, tag)
        if source == "minikeras":  # the training itself, against Keras's, for context
            k_trained, k_history = train_and_save(K, opt, "kref")
            history_close(case + " first fit", k_history, history)
        for suffix in (".keras", "_ckpt.keras"):
            file = path(f"{tag}_{opt}{suffix}")
            ref, got = K.models.load_model(file), M.models.load_model(file)
            continue_both(f"{case} {suffix}", ref, got)
        legacy_h5(f"{case} .h5", path(f"{tag}_{opt}.h5"))
        file = path(f"{tag}_{opt}.weights.h5")
        ref, got = compiled_mlp(K, opt), compiled_mlp(M, opt)
        ref.load_weights(file)
        got.load_weights(file)
        continue_both(f"{case} .weights.h5", ref, got)
    return case_fn


# ---- 3: custom objects -------------------------------------------------------------------
# (ScaledDense registered as "resume>ScaledDense", half_mse, MeanError) per framework
CUSTOM = {"keras": resume_cases.custom_objects(K), "minikeras": resume_cases.custom_objects(M)}


def custom_model(k):
    return resume_cases.custom_model(k, CUSTOM["keras" if k is K else "minikeras"])


def custom_case(source):
    def case_fn(case):
        src = K if source == "keras" else M
        model = custom_model(src)
        fit(model)
        file = path(f"custom_{source}.keras")
        model.save(file)
        objects = {k: {"half_mse": CUSTOM[k][1], "MeanError": CUSTOM[k][2]} for k in CUSTOM}
        ref = K.models.load_model(file, custom_objects=objects["keras"])
        got = M.models.load_model(file, custom_objects=objects["minikeras"])
        same(case, "layer classes", [type(l).__name__ for l in ref.layers],
             [type(l).__name__ for l in got.layers])
        same(case, "compile_config keys", sorted(ref.get_compile_config() or {}),
             sorted(got.get_compile_config() or {}))
        continue_both(case, ref, got)
        same(case, "metrics_names", list(ref.metrics_names), list(got.metrics_names))
        ref = K.models.load_model(file, custom_objects=objects["keras"], compile=False)
        got = M.models.load_model(file, custom_objects=objects["minikeras"], compile=False)
        same(case + " compile=False", "compiled", bool(ref.compiled), bool(got.compiled))
        same(case + " compile=False", "optimizer", getattr(ref, "optimizer", None),
             getattr(got, "optimizer", None))
        close(case + " compile=False", "predict", ref.predict(X, verbose=0),
              got.predict(X, verbose=0))
        # without the unregistered loss: both must refuse, naming it
        errors = []
        for k in (K, M):
            try:
                k.models.load_model(file)
                errors.append(None)
            except Exception as error:  # noqa: BLE001
                errors.append(type(error).__name__)
        same(case + " no custom_objects", "error type", errors[0], errors[1])
    return case_fn


def subclassed(k):
    @k.saving.register_keras_serializable(package="resume")
    class TwoStep(k.Model):
        def __init__(self, hidden=5, **kwargs):
            super().__init__(**kwargs)
            self.hidden = hidden
            self.first = k.layers.Dense(hidden, activation="relu")
            self.second = k.layers.Dense(1)

        def call(self, inputs):
            return self.second(self.first(inputs))

        def get_config(self):
            return {"hidden": self.hidden, "name": self.name}

        @classmethod
        def from_config(cls, config):
            return cls(**config)

    @k.saving.register_keras_serializable(package="resume")
    class TwoStepAuto(k.Model):  # no get_config: Keras records the __init__ arguments
        def __init__(self, hidden=5, **kwargs):
            super().__init__(**kwargs)
            self.first = k.layers.Dense(hidden, activation="relu")
            self.second = k.layers.Dense(1)

        def call(self, inputs):
            return self.second(self.first(inputs))

    return {"TwoStep": TwoStep, "TwoStepAuto": TwoStepAuto}


def apply_gradients(k, model, loss, variables, optimizer):
    """One optimizer step on ``variables`` from ``loss``, the way each backend takes grads."""
    if k is K:
        import torch
        model.zero_grad()
        grads = torch.autograd.grad(loss, [v.value for v in variables], retain_graph=True)
        with torch.no_grad():
            optimizer.apply(list(grads), variables)
    else:
        from minikeras.autodiff import grad
        optimizer.apply(grad(loss, variables), variables)


def two_optimizer_model(k):
    """resume_cases's model with its own compile() and two optimizers."""
    return resume_cases.two_optimizer_model(k, functools.partial(apply_gradients, k))


def two_optimizers_case(source):
    """Save a model with its own compile() and two optimizers; load in both (Keras warns and
    leaves it uncompiled), compile again, load the weights file with both optimizers built,
    continue."""
    def case_fn(case):
        src = K if source == "keras" else M

        model = two_optimizer_model(src)
        fit(model)
        model.save(path(f"two_opt_{source}.keras"))
        model.save_weights(path(f"two_opt_{source}.weights.h5"))
        loaded = {}
        for label, k in (("keras", K), ("minikeras", M)):
            import warnings
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                loaded[label] = k.models.load_model(path(f"two_opt_{source}.keras"),
                                                    custom_objects={"TwoOptimizers": type(
                                                        two_optimizer_model(k))})
            loaded[label] = ([str(w.message)[:60] for w in caught if "compile" in str(
                w.message)], loaded[label])
        same(case, "load warnings", loaded["keras"][0], loaded["minikeras"][0])
        close(case, "loaded weights", loaded["keras"][1].get_weights(),
              loaded["minikeras"][1].get_weights())
        ref, got = two_optimizer_model(K), two_optimizer_model(M)
        for m in (ref, got):
            m.first_optimizer.build(m.first.trainable_weights)
            m.second_optimizer.build(m.second.trainable_weights)
            m.load_weights(path(f"two_opt_{source}.weights.h5"))
        same(case, "weights file layout", layout(ref, "tk.weights.h5"), layout(got, "tm.weights.h5"))
        for name in ("first_optimizer", "second_optimizer"):
            same(case, f"{name}.iterations", int(to_np(getattr(ref, name).iterations)),
                 int(to_np(getattr(got, name).iterations)))
        history_close(case, fit(ref), fit(got))
        close(case, "weights", ref.get_weights(), got.get_weights())
    return case_fn


def custom_fit_model(k):
    """The "customizing fit" guide's model: train_step with its own loss tracker."""
    @k.saving.register_keras_serializable(package="resume")
    class CustomFit(k.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden = k.layers.Dense(6, activation="relu")
            self.out = k.layers.Dense(1)
            self.loss_tracker = k.metrics.Mean(name="loss")
            self.mae_tracker = k.metrics.MeanAbsoluteError(name="mae")

        def call(self, inputs):
            return self.out(self.hidden(inputs))

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_tracker]

        def train_step(self, data):
            x, y = data
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            apply_gradients(k, self, loss, self.trainable_weights, self.optimizer)
            self.loss_tracker.update_state(loss)
            self.mae_tracker.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    return CustomFit


CUSTOM_FIT = {"keras": custom_fit_model(K), "minikeras": custom_fit_model(M)}


def custom_fit_case(source):
    def case_fn(case):
        src = K if source == "keras" else M
        model = CUSTOM_FIT[source](name="custom_fit")
        model(X[:1])
        fixed_weights(model)
        model.compile(optimizer=src.optimizers.Adam(0.01), loss="mse")
        fit(model)
        ref, got = save_and_load(model, path(f"custom_fit_{source}.keras"))
        same(case, "weights file layout at load", layout(ref, "lk.weights.h5"),
             layout(got, "lm.weights.h5"))
        continue_both(case, ref, got)
    return case_fn


SUBCLASSED = {"keras": subclassed(K), "minikeras": subclassed(M)}


def subclassed_case(source, cls):
    def case_fn(case):
        src = K if source == "keras" else M
        model = SUBCLASSED[source][cls](hidden=5, name="two_step")
        model(X[:1])
        fixed_weights(model)
        model.compile(optimizer=src.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
        fit(model)
        ref, got = save_and_load(model, path(f"subclassed_{source}_{cls}.keras"))
        same(case, "class", type(ref).__name__, type(got).__name__)
        continue_both(case, ref, got)
    return case_fn


def lambda_case(case):
    def double(x):
        return x * 2.0

    k_double = K.saving.register_keras_serializable(package="resume")(double)
    m_double = M.saving.register_keras_serializable(package="resume")(double)
    for name, fn_k, fn_m in (("named function", k_double, m_double),
                             ("python lambda", lambda x: x * 2.0, lambda x: x * 2.0)):
        model = K.Sequential([K.Input((4,)), K.layers.Dense(2, name="d"),
                              K.layers.Lambda(fn_k, name="lam")])
        fixed_weights(model)
        file = path(f"lambda_{name.replace(' ', '_')}.keras")
        model.save(file)
        outcome = {}
        for label, k in (("keras", K), ("minikeras", M)):
            try:
                loaded = k.models.load_model(file)
                outcome[label] = ("loaded", loaded.predict(X, verbose=0))
            except Exception as error:  # noqa: BLE001
                outcome[label] = (type(error).__name__, str(error))
        same(f"{case} {name}", "safe_mode=True outcome", outcome["keras"][0],
             outcome["minikeras"][0])
        if outcome["keras"][0] == outcome["minikeras"][0] == "loaded":
            close(f"{case} {name}", "predict", outcome["keras"][1], outcome["minikeras"][1])
        elif outcome["minikeras"][0] != "loaded":
            print("   keras:", outcome["keras"][1][:200])
            print("   minikeras:", outcome["minikeras"][1][:200])
        if name == "named function":  # and the other way: minikeras writes, Keras reads
            mine = M.Sequential([M.Input((4,)), M.layers.Dense(2, name="d"),
                                 M.layers.Lambda(fn_m, name="lam")])
            mine.set_weights(model.get_weights())
            mine.save(path("lambda_mk.keras"))
            close(f"{case} {name} mk->keras", "predict",
                  K.models.load_model(path("lambda_mk.keras")).predict(X, verbose=0),
                  mine.predict(X, verbose=0))
        else:  # Keras loads its lambda when told the file is trusted; minikeras never does
            loaded = K.models.load_model(file, safe_mode=False)
            record(f"{case} {name}", "keras safe_mode=False loads (minikeras refuses, "
                   "docs/porting.md)", loaded is not None)


# ---- 4: functional graphs, clone_model, JSON ----------------------------------------------
XA = RNG.normal(size=(32, 3)).astype("float32")
XB = RNG.normal(size=(32, 3)).astype("float32")
Y1 = (XA.sum(1, keepdims=True) - XB[:, :1]).astype("float32")
Y2 = np.stack([XA[:, 0] * XB[:, 1], XA[:, 2]], 1).astype("float32")


def graph_model(k):
    a, b = k.Input((3,), name="a"), k.Input((3,), name="b")
    shared = k.layers.Dense(4, activation="tanh", name="shared")
    trunk = k.Sequential([k.Input((8,)), k.layers.Dense(6, activation="relu", name="t1"),
                          k.layers.Dense(6, name="t2")], name="trunk")
    joined = trunk(k.layers.Concatenate(name="cat")([shared(a), shared(b)]))
    outputs = {"y1": k.layers.Dense(1, name="y1")(joined),
               "y2": k.layers.Dense(2, name="y2")(joined)}
    model = fixed_weights(k.Model({"a": a, "b": b}, outputs, name="graph"))
    model.compile(optimizer=k.optimizers.Adam(0.01), loss={"y1": "mse", "y2": "mae"},
                  loss_weights={"y1": 1.0, "y2": 0.5}, metrics={"y1": ["mae"]})
    return model


GX = {"a": XA, "b": XB}
GY = {"y1": Y1, "y2": Y2}


def graph_case(source):
    def case_fn(case):
        src = K if source == "keras" else M
        model = graph_model(src)
        fit(model, GX, GY)
        ref, got = save_and_load(model, path(f"graph_{source}.keras"))
        history_close(case, fit(ref, GX, GY), fit(got, GX, GY))
        close(case, "weights", ref.get_weights(), got.get_weights())
        close(case, "evaluate", ref.evaluate(GX, GY, batch_size=8, verbose=0),
              got.evaluate(GX, GY, batch_size=8, verbose=0))
        close(case, "predict", tree_leaves(ref.predict(GX, verbose=0)),
              tree_leaves(got.predict(GX, verbose=0)))
        # clone_model then set_weights
        k_clone, m_clone = K.models.clone_model(ref), M.models.clone_model(got)
        same(case + " clone", "layer names", [l.name for l in k_clone.layers],
             [l.name for l in m_clone.layers])
        same(case + " clone", "compiled", bool(k_clone.compiled), bool(m_clone.compiled))
        k_clone.set_weights(ref.get_weights())
        m_clone.set_weights(ref.get_weights())
        close(case + " clone", "predict", tree_leaves(k_clone.predict(GX, verbose=0)),
              tree_leaves(m_clone.predict(GX, verbose=0)))
        # to_json -> model_from_json across frameworks
        for writer, reader in ((ref, M), (got, K)):
            label = f"{case} json {'k->m' if reader is M else 'm->k'}"
            rebuilt = reader.models.model_from_json(writer.to_json())
            rebuilt.set_weights(writer.get_weights())
            same(label, "layer names", [l.name for l in writer.layers],
                 [l.name for l in rebuilt.layers])
            close(label, "predict", tree_leaves(writer.predict(GX, verbose=0)),
                  tree_leaves(rebuilt.predict(GX, verbose=0)))
    return case_fn


def clone_options_case(case):
    """clone_model's options on the graph model (dict inputs, a shared layer, a nested
    Sequential): which layers clone_function sees, recursive, input_tensors, call_function,
    and the errors for a subclassed model."""
    seen, results = {}, {}
    for label, k in (("keras", K), ("minikeras", M)):
        model = graph_model(k)

        def record_clone(layer, label=label, k=k):
            seen.setdefault(label, []).append(layer.name)
            config = layer.get_config()
            if isinstance(layer, k.layers.Dense) and layer.name == "t1":
                config["units"] = 7  # a changed layer: the clone is a different model
            return type(layer).from_config(config)

        def call_twice_scaled(layer, *args, **kwargs):
            out = layer(*args, **kwargs)
            return out if layer.name != "y1" else out * 2.0

        clones = {
            "clone_function": k.models.clone_model(model, clone_function=record_clone),
            "recursive": k.models.clone_model(model, clone_function=record_clone,
                                              recursive=True),
            "input_tensors": k.models.clone_model(model, input_tensors={
                "a": k.Input((3,), name="new_a"), "b": k.Input((3,), name="new_b")}),
            "call_function": k.models.clone_model(model, call_function=call_twice_scaled),
        }
        results[label] = {}
        for name, clone in clones.items():
            clone.set_weights([(np.cos(np.arange(w.size) * 0.37) * 0.5).reshape(
                w.shape).astype("float32") for w in clone.get_weights()])
            results[label][name] = (
                [l.name for l in clone.layers], [tuple(w.shape) for w in clone.weights],
                tree_leaves(clone.predict(GX, verbose=0)), bool(clone.compiled))
        seen[label + " recursive"] = seen.pop(label)[len(model.layers) - 2:]  # after the first
        try:
            k.models.clone_model(SUBCLASSED[label]["TwoStep"](hidden=3),
                                 clone_function=lambda layer: layer)
            results[label]["subclassed error"] = None
        except Exception as error:  # noqa: BLE001
            results[label]["subclassed error"] = (type(error).__name__, str(error)[:60])
    same(case, "layers seen by recursive clone_function", seen["keras recursive"],
         seen["minikeras recursive"])
    for name in ("clone_function", "recursive", "input_tensors", "call_function"):
        ref, got = results["keras"][name], results["minikeras"][name]
        same(f"{case} {name}", "layer names", ref[0], got[0])
        same(f"{case} {name}", "weight shapes", ref[1], got[1])
        close(f"{case} {name}", "predict", ref[2], got[2])
        same(f"{case} {name}", "compiled", ref[3], got[3])
    same(case, "subclassed + clone_function", results["keras"]["subclassed error"],
         results["minikeras"]["subclassed error"])


# ---- 5: BackupAndRestore after an interruption ------------------------------------------
def interrupter(k, at_batch):
    """Raise at the start of epoch 2, or of its batch ``at_batch``."""
    class Interrupt(k.callbacks.Callback):
        epoch = 0

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
            if epoch == 2 and at_batch is None:
                raise RuntimeError("interrupted at epoch 2")

        def on_train_batch_begin(self, batch, logs=None):
            if self.epoch == 2 and batch == at_batch:
                raise RuntimeError(f"interrupted at epoch 2, batch {batch}")
    return Interrupt()


def interrupted_run(k, backup, save_freq, resume_with=None, at_batch=None):
    model = compiled_mlp(k, "adamw_schedule")
    callback = k.callbacks.BackupAndRestore(backup, save_freq=save_freq)
    try:
        fit(model, epochs=4, callbacks=[callback, interrupter(k, at_batch)])
    except RuntimeError:
        pass
    resumer = resume_with or k
    model = compiled_mlp(resumer, "adamw_schedule")
    history = fit(model, epochs=4, callbacks=[resumer.callbacks.BackupAndRestore(
        backup, save_freq=save_freq)])
    return model, history


def backup_case(save_freq, at_batch=None):
    def case_fn(case):
        tag = f"{save_freq}_{at_batch}"
        ref, k_history = interrupted_run(K, path(f"bk_k_{tag}"), save_freq, at_batch=at_batch)
        got, m_history = interrupted_run(M, path(f"bk_m_{tag}"), save_freq, at_batch=at_batch)
        history_close(case, k_history, m_history)
        compare_models(case, ref, got)
        got, m_history = interrupted_run(K, path(f"bk_km_{tag}"), save_freq, resume_with=M,
                                         at_batch=at_batch)
        history_close(case + " keras backup->mk", k_history, m_history)
        compare_models(case + " keras backup->mk", ref, got)
    return case_fn


# ---- more resume workflows ---------------------------------------------------------------
def initial_epoch_case(source):
    """Continue a checkpoint at its epoch with fit(initial_epoch=...) and an epoch schedule."""
    def case_fn(case):
        src, tag = (K, "ie_k") if source == "keras" else (M, "ie_m")
        train_and_save(src, "adam", tag)
        file = path(f"{tag}_adam_ckpt.keras")
        ref, got = K.models.load_model(file), M.models.load_model(file)
        histories = [fit(model, epochs=4, initial_epoch=2, callbacks=[
            k.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)])
            for model, k in ((ref, K), (got, M))]
        history_close(case, *histories)
        compare_models(case, ref, got)
    return case_fn


def finetune_model(k):
    base = k.Sequential([k.Input((4,)), k.layers.Dense(8, activation="relu", name="b1"),
                         k.layers.BatchNormalization(name="bn"),
                         k.layers.Dense(6, activation="relu", name="b2")], name="base")
    inputs = k.Input((4,), name="x")
    model = fixed_weights(k.Model(inputs, k.layers.Dense(1, name="head")(base(inputs)),
                                  name="finetune"))
    model.compile(optimizer=k.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return model


def finetune_case(source):
    """Train, save; load in both, freeze the base, recompile, train; save the frozen model and
    continue it in both; unfreeze with a small learning rate and train again."""
    def case_fn(case):
        src = K if source == "keras" else M
        model = finetune_model(src)
        fit(model)
        ref, got = save_and_load(model, path(f"finetune_{source}.keras"))
        for m, k in ((ref, K), (got, M)):
            m.get_layer("base").trainable = False
            m.compile(optimizer=k.optimizers.Adam(0.005), loss="mse", metrics=["mae"])
        history_close(case + " frozen", fit(ref), fit(got))
        compare_models(case + " frozen", ref, got)
        frozen = path(f"finetune_frozen_{source}.keras")
        (ref if source == "keras" else got).save(frozen)
        ref2, got2 = K.models.load_model(frozen), M.models.load_model(frozen)
        same(case + " frozen reload", "trainable weights",
             len(ref2.trainable_weights), len(got2.trainable_weights))
        continue_both(case + " frozen reload", ref2, got2)
        for m, k in ((ref2, K), (got2, M)):
            m.get_layer("base").trainable = True
            m.compile(optimizer=k.optimizers.Adam(1e-3), loss="mse", metrics=["mae"])
        history_close(case + " unfrozen", fit(ref2), fit(got2))
        compare_models(case + " unfrozen", ref2, got2)
    return case_fn


def untrained_case(source):
    """A compiled model saved before any training (its optimizer not built)."""
    def case_fn(case):
        src = K if source == "keras" else M
        continue_both(case, *save_and_load(compiled_mlp(src, "adamw_schedule"),
                                           path(f"untrained_{source}.keras")))
    return case_fn


# ---- 6: checkpoint file variants ------------------------------------------------------------
XC = RNG.normal(size=(40, 4)).astype("float32")
YC = (np.argmax(XC[:, :3], axis=1)).astype("int32")


def classifier(k):
    model = fixed_weights(k.Sequential([k.Input((4,)), k.layers.Dense(6, activation="relu",
                                                                      name="h"),
                                        k.layers.Dense(3, activation="softmax", name="p")],
                                       name="clf"))
    model.compile(optimizer=k.optimizers.Adam(0.02), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], weighted_metrics=["accuracy"])
    return model


YOH = np.eye(3, dtype="float32")[YC]
SW = np.linspace(0.5, 1.5, 40).astype("float32")


def compile_variants_case(source):
    """Loss and metric objects with arguments, weighted metrics and sample weights restored
    from the file's compile config, then training continued with sample weights."""
    def case_fn(case):
        def build(k):
            model = fixed_weights(k.Sequential([
                k.Input((4,)), k.layers.Dense(6, activation="relu", name="h"),
                k.layers.Dense(3, activation="softmax", name="p")], name="variants"))
            model.compile(
                optimizer=k.optimizers.Nadam(0.01),
                loss=k.losses.CategoricalCrossentropy(label_smoothing=0.1),
                metrics=[k.metrics.AUC(name="auc"), "accuracy",
                         k.metrics.TopKCategoricalAccuracy(k=2, name="top2")],
                weighted_metrics=[k.metrics.MeanSquaredError(name="wmse")])
            return model

        src = K if source == "keras" else M
        model = build(src)
        model.fit(XC, YOH, sample_weight=SW, batch_size=8, epochs=2, shuffle=False, verbose=0)
        ref, got = save_and_load(model, path(f"variants_{source}.keras"))
        same(case, "compile config", plain(ref.get_compile_config(), drop="name"),
             plain(got.get_compile_config(), drop="name"))
        histories = [m.fit(XC, YOH, sample_weight=SW, batch_size=8, epochs=2, shuffle=False,
                           verbose=0) for m in (ref, got)]
        history_close(case, *histories)
        close(case, "evaluate", ref.evaluate(XC, YOH, sample_weight=SW, verbose=0),
              got.evaluate(XC, YOH, sample_weight=SW, verbose=0))
        close(case, "weights", ref.get_weights(), got.get_weights())
    return case_fn


def checkpoint_case(source):
    """Formatted checkpoint names, save_best_only on val_loss, weights-only every 2 batches;
    resume the best checkpoint (both frameworks) at its epoch with validation."""
    def case_fn(case):
        src = K if source == "keras" else M
        listings = {}
        for label, k in (("keras", K), ("minikeras", M)):
            folder = path(f"ckpts_{source}_{label}")
            os.makedirs(folder)
            model = classifier(k)
            model.fit(XC[:32], YC[:32], batch_size=8, epochs=3, shuffle=False, verbose=0,
                      validation_data=(XC[32:], YC[32:]), callbacks=[
                          k.callbacks.ModelCheckpoint(
                              os.path.join(folder, "ck-{epoch:02d}-{val_loss:.2f}.keras"),
                              monitor="val_loss", save_best_only=True),
                          k.callbacks.ModelCheckpoint(
                              os.path.join(folder, "w-{epoch}-{batch}.weights.h5"),
                              save_weights_only=True, save_freq=3)])
            listings[label] = sorted(os.listdir(folder))
        same(case, "checkpoint files", listings["keras"], listings["minikeras"])
        folder = path(f"ckpts_{source}_{source}")
        best = [f for f in sorted(os.listdir(folder)) if f.startswith("ck-")][-1]
        epoch = int(best[3:5])
        ref, got = (K.models.load_model(os.path.join(folder, best)),
                    M.models.load_model(os.path.join(folder, best)))
        histories = [m.fit(XC[:32], YC[:32], batch_size=8, epochs=epoch + 2, initial_epoch=epoch,
                           shuffle=False, verbose=0, validation_data=(XC[32:], YC[32:]))
                     for m in (ref, got)]
        history_close(case + " resumed", *histories)
        close(case + " resumed", "weights", ref.get_weights(), got.get_weights())
        # weights-only checkpoint into a fresh compiled model, built optimizer
        weights = [f for f in sorted(os.listdir(folder)) if f.startswith("w-")][-1]
        ref, got = classifier(K), classifier(M)
        for m in (ref, got):
            m.optimizer.build(m.trainable_variables)
            m.load_weights(os.path.join(folder, weights))
        same(case + " weights-only", "iterations", int(to_np(ref.optimizer.iterations)),
             int(to_np(got.optimizer.iterations)))
        close(case + " weights-only", "weights", ref.get_weights(), got.get_weights())
        # an unzipped .keras folder and sharded weights, written here, read there
        model = classifier(src)
        model.fit(XC, YC, batch_size=8, epochs=1, shuffle=False, verbose=0)
        model.save(path(f"folder_{source}"), zipped=False)
        model.save_weights(path(f"sharded_{source}.weights.json"), max_shard_size=0.0005)
        for label, reader in (("keras", K), ("minikeras", M)):
            loaded = reader.models.load_model(path(f"folder_{source}"))
            close(f"{case} unzipped folder -> {label}", "weights", model.get_weights(),
                  loaded.get_weights())
            same(f"{case} unzipped folder -> {label}", "iterations",
                 int(to_np(model.optimizer.iterations)), int(to_np(loaded.optimizer.iterations)))
            fresh = classifier(reader)
            fresh.optimizer.build(fresh.trainable_variables)
            fresh.load_weights(path(f"sharded_{source}.weights.json"))
            close(f"{case} sharded -> {label}", "weights", model.get_weights(),
                  fresh.get_weights())
            same(f"{case} sharded -> {label}", "iterations",
                 int(to_np(model.optimizer.iterations)), int(to_np(fresh.optimizer.iterations)))
    return case_fn


# ---- 7: more round trips -------------------------------------------------------------------
def json_clone_case(source):
    """to_json -> model_from_json and clone_model for Sequential and subclassed models, and
    load_weights from a .keras file (with the optimizer built first)."""
    def case_fn(case):
        src = K if source == "keras" else M
        models = {"sequential": compiled_mlp(src, "adam")}
        sub = SUBCLASSED[source]["TwoStep"](hidden=5, name="two_step")
        sub(X[:1])
        fixed_weights(sub)
        sub.compile(optimizer=src.optimizers.Adam(0.01), loss="mse")
        models["subclassed"] = sub
        for kind, model in models.items():
            fit(model)
            label = f"{case} {kind}"
            readers = {"keras": K, "minikeras": M}
            rebuilt = {}
            for name, reader in readers.items():
                rebuilt[name] = reader.models.model_from_json(model.to_json())
                rebuilt[name](X[:1])
                rebuilt[name].set_weights(model.get_weights())
            same(label + " json", "class", type(rebuilt["keras"]).__name__,
                 type(rebuilt["minikeras"]).__name__)
            same(label + " json", "compiled", bool(getattr(rebuilt["keras"], "compiled", False)),
                 bool(getattr(rebuilt["minikeras"], "compiled", False)))
            close(label + " json", "predict", rebuilt["keras"].predict(X, verbose=0),
                  rebuilt["minikeras"].predict(X, verbose=0))
            file = path(f"json_clone_{source}_{kind}.keras")
            ref, got = save_and_load(model, file)
            clones = [K.models.clone_model(ref), M.models.clone_model(got)]
            same(label + " clone", "class", type(clones[0]).__name__, type(clones[1]).__name__)
            same(label + " clone", "compiled", bool(getattr(clones[0], "compiled", False)),
                 bool(getattr(clones[1], "compiled", False)))
            for clone in clones:
                clone(X[:1])
                clone.set_weights(model.get_weights())
            close(label + " clone", "predict", clones[0].predict(X, verbose=0),
                  clones[1].predict(X, verbose=0))
            # load_weights from a whole-model .keras file
            for m in (ref, got):
                m.load_weights(file)
            close(label + " load_weights(.keras)", "weights", ref.get_weights(),
                  got.get_weights())
            same(label + " load_weights(.keras)", "iterations",
                 int(to_np(ref.optimizer.iterations)), int(to_np(got.optimizer.iterations)))
    return case_fn


def transfer_case(source):
    """The transfer-learning guide: a saved base model loaded and used frozen (training=False)
    under a new head, then fine-tuned."""
    def case_fn(case):
        src = K if source == "keras" else M
        base = finetune_model(src).get_layer("base")
        fit(finetune_model(src))
        file = path(f"transfer_base_{source}.keras")
        base.save(file)
        results = []
        for k in (K, M):
            loaded = k.models.load_model(file)
            loaded.trainable = False
            inputs = k.Input((4,))
            outputs = k.layers.Dense(1, name="new_head")(loaded(inputs, training=False))
            model = k.Model(inputs, outputs)
            model.get_layer("new_head").set_weights([np.full((6, 1), 0.1, "float32"),
                                                     np.zeros(1, "float32")])
            model.compile(optimizer=k.optimizers.Adam(0.01), loss="mse")
            first = fit(model)
            loaded.trainable = True
            model.compile(optimizer=k.optimizers.Adam(1e-4), loss="mse")
            results.append((model, first, fit(model)))
        history_close(case + " frozen", results[0][1], results[1][1])
        history_close(case + " fine-tuned", results[0][2], results[1][2])
        close(case, "weights", results[0][0].get_weights(), results[1][0].get_weights())
    return case_fn


def csv_resume_case(case):
    """CSVLogger(append=True) beside BackupAndRestore: the log of an interrupted run and of
    its resumption, as text."""
    texts = []
    for k in (K, M):
        folder, log = path(f"bk_csv_{k.__name__}"), path(f"log_{k.__name__}.csv")
        for callbacks in ([interrupter(k, None)], []):
            model = compiled_mlp(k, "adam")
            try:
                fit(model, epochs=4, callbacks=[k.callbacks.BackupAndRestore(folder),
                                                k.callbacks.CSVLogger(log, append=True)]
                    + callbacks)
            except RuntimeError:
                pass
        with open(log, encoding="utf-8") as f:
            texts.append([line.split(",")[0] for line in f.read().splitlines()])
    same(case, "csv rows (epoch column)", texts[0], texts[1])


def backup_facts_case(case):
    """BackupAndRestore on an unbuilt model (both refuse), and with double_checkpoint when the
    latest weights file is damaged (both fall back to the previous one)."""
    outcome = []
    for k in (K, M):
        model = k.Sequential([k.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        folder = path(f"bk_unbuilt_{k.__name__}")
        os.makedirs(folder)
        with open(os.path.join(folder, "latest.weights.h5"), "wb") as f:
            f.write(b"")
        try:
            fit(model, callbacks=[k.callbacks.BackupAndRestore(folder)])
            outcome.append(None)
        except Exception as error:  # noqa: BLE001
            outcome.append(type(error).__name__)
    same(case + " unbuilt model", "error type", outcome[0], outcome[1])
    runs = []
    for k in (K, M):
        folder = path(f"bk_double_{k.__name__}")
        model = compiled_mlp(k, "adam")
        try:
            fit(model, epochs=4, callbacks=[k.callbacks.BackupAndRestore(
                folder, double_checkpoint=True), interrupter(k, None)])
        except RuntimeError:
            pass
        with open(os.path.join(folder, "latest.weights.h5"), "wb") as f:
            f.write(b"damaged")
        model = compiled_mlp(k, "adam")
        runs.append((model, fit(model, epochs=4, callbacks=[k.callbacks.BackupAndRestore(
            folder, double_checkpoint=True)])))
    history_close(case + " double_checkpoint", runs[0][1], runs[1][1])
    compare_models(case + " double_checkpoint", runs[0][0], runs[1][0])


# ---- 8: other architectures and LR callbacks across a resume --------------------------------
XS = RNG.integers(1, 9, size=(24, 5)).astype("int32")
XS[::3, 3:] = 0  # padded tails, masked
YS = (XS.sum(1, keepdims=True) / 20.0).astype("float32")
XI = RNG.normal(size=(24, 6, 6, 2)).astype("float32")
YI = XI.mean(axis=(1, 2, 3))[:, None].astype("float32")


def sequence_model(k):
    model = fixed_weights(k.Sequential([
        k.Input((5,), dtype="int32"), k.layers.Embedding(9, 3, mask_zero=True, name="emb"),
        k.layers.LSTM(4, name="lstm"), k.layers.Dense(1, name="out")], name="seq"))
    model.compile(optimizer=k.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return model


def conv_model(k):
    model = fixed_weights(k.Sequential([
        k.Input((6, 6, 2)), k.layers.Conv2D(3, 3, name="conv"),
        k.layers.BatchNormalization(name="bn"), k.layers.ReLU(),
        k.layers.MaxPooling2D(name="pool"), k.layers.Flatten(), k.layers.Dense(1, name="out")],
        name="conv"))
    model.compile(optimizer=k.optimizers.SGD(0.02, momentum=0.9), loss="mse")
    return model


ARCHITECTURES = {"lstm": (sequence_model, XS, YS), "conv_bn": (conv_model, XI, YI)}


def architecture_case(source, arch):
    def case_fn(case):
        build, x, y = ARCHITECTURES[arch]
        src = K if source == "keras" else M
        model = build(src)
        fit(model, x, y)
        ref, got = save_and_load(model, path(f"arch_{arch}_{source}.keras"))
        close(case, "evaluate at load", ref.evaluate(x, y, batch_size=8, verbose=0),
              got.evaluate(x, y, batch_size=8, verbose=0))
        history_close(case, fit(ref, x, y), fit(got, x, y))
        compare_models(case, ref, got, x, y)
    return case_fn


def lr_callback_case(source):
    """ReduceLROnPlateau lowers the learning rate; the lowered rate is saved (optimizer state)
    and the loaded model continues with it, with the callback's own state fresh."""
    def case_fn(case):
        src = K if source == "keras" else M
        model = compiled_mlp(src, "adam")
        fit(model, epochs=3, callbacks=[src.callbacks.ReduceLROnPlateau(
            monitor="loss", factor=0.5, patience=0, min_delta=10.0)])
        ref, got = save_and_load(model, path(f"plateau_{source}.keras"))
        close(case, "lr at load", lr_of(ref.optimizer), lr_of(got.optimizer))
        histories = [fit(m, callbacks=[k.callbacks.ReduceLROnPlateau(
            monitor="loss", factor=0.5, patience=1, min_delta=10.0)]) for m, k in ((ref, K),
                                                                                  (got, M))]
        history_close(case, *histories)
        compare_models(case, ref, got)
    return case_fn


def main():
    cases = []
    for opt in OPTIMIZERS:
        cases.append((f"1 keras->mk {opt}", cross_case("keras", opt)))
        cases.append((f"2 mk->keras {opt}", cross_case("minikeras", opt)))
    for opt in STATE_OPTIMIZERS:
        cases.append((f"1 state {opt}", state_case(opt)))
    for source in ("keras", "minikeras"):
        cases.append((f"3 custom from {source}", custom_case(source)))
        for cls in ("TwoStep", "TwoStepAuto"):
            cases.append((f"3 subclassed {cls} from {source}", subclassed_case(source, cls)))
    cases.append(("3 lambda", lambda_case))
    for source in ("keras", "minikeras"):
        cases.append((f"3 custom train_step from {source}", custom_fit_case(source)))
        cases.append((f"3 two optimizers from {source}", two_optimizers_case(source)))
    for source in ("keras", "minikeras"):
        cases.append((f"4 graph from {source}", graph_case(source)))
    cases.append(("4 clone options", clone_options_case))
    cases.append(("5 backup epoch", backup_case("epoch")))
    cases.append(("5 backup batch3", backup_case(3)))
    cases.append(("5 backup batch3 mid-epoch", backup_case(3, at_batch=2)))
    for source in ("keras", "minikeras"):
        cases.append((f"1 initial_epoch+scheduler from {source}", initial_epoch_case(source)))
        cases.append((f"1 fine-tune from {source}", finetune_case(source)))
        cases.append((f"1 untrained compiled from {source}", untrained_case(source)))
    for source in ("keras", "minikeras"):
        cases.append((f"6 checkpoints from {source}", checkpoint_case(source)))
        cases.append((f"6 compile variants from {source}", compile_variants_case(source)))
    for source in ("keras", "minikeras"):
        cases.append((f"7 json+clone from {source}", json_clone_case(source)))
        cases.append((f"7 transfer from {source}", transfer_case(source)))
    cases.append(("7 backup facts", backup_facts_case))
    cases.append(("7 csv log across a resume", csv_resume_case))
    for source in ("keras", "minikeras"):
        for arch in ARCHITECTURES:
            cases.append((f"8 {arch} from {source}", architecture_case(source, arch)))
        cases.append((f"8 ReduceLROnPlateau from {source}", lr_callback_case(source)))
    only = sys.argv[1:]
    for name, fn in cases:
        if not only or any(word in name for word in only):
            run(name, fn)
    shutil.rmtree(TMP, ignore_errors=True)
    bad = [r for r in RESULTS if not r[2]]
    print(f"\n{len(RESULTS) - len(bad)} of {len(RESULTS)} checks match; {len(bad)} differ")
    for case, check, _, detail in bad:
        print(f"  DIFF {case} / {check}: {detail}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
