"""Each optimizer's update rule, step for step.

Two kinds of expected numbers:
* Keras's golden 3-step trajectories (KERAS_REFERENCE.md section 2.3: Keras 3.15.1,
  w0 = 1.0, gradients 0.5, -1.0, 2.0) and a few derived by hand (derivation in comments);
* a slow float64 reference of each formula, written here from the update rule (not from
  the implementation), run on multi-variable problems with non-default options.
"""
import math

import numpy as np
import pytest

from minikeras import optimizers
from minikeras.optimizers import schedules
from minikeras.variables import Variable

GRADS = (0.5, -1.0, 2.0)

# label -> (factory, expected w after steps 1, 2, 3)
GOLDEN = {
    "SGD(0.1)": (lambda: optimizers.SGD(0.1), [0.95, 1.05, 0.85]),
    "SGD momentum": (lambda: optimizers.SGD(0.1, momentum=0.9), [0.95, 1.005, 0.8545]),
    "SGD nesterov": (lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True),
                     [0.905, 1.0545, 0.71905]),
    "SGD weight_decay": (lambda: optimizers.SGD(0.1, weight_decay=0.1), [0.94, 1.0306, 0.820294]),
    "SGD clipnorm": (lambda: optimizers.SGD(0.1, clipnorm=0.5), [0.95, 1.0, 0.95]),
    "SGD clipvalue": (lambda: optimizers.SGD(0.1, clipvalue=0.5), [0.95, 1.0, 0.95]),
    "SGD global_clipnorm": (lambda: optimizers.SGD(0.1, global_clipnorm=0.5), [0.95, 1.0, 0.95]),
    "SGD accumulation": (lambda: optimizers.SGD(0.1, gradient_accumulation_steps=2),
                         [1.0, 1.025, 1.025]),
    "Adam(0.1)": (lambda: optimizers.Adam(0.1), [0.9000013, 0.9366112, 0.8946458]),
    "AdamW(0.1, wd=0.1)": (lambda: optimizers.AdamW(0.1, weight_decay=0.1),
                           [0.8900013, 0.9177112, 0.8665687]),
    "RMSprop(0.1)": (lambda: optimizers.RMSprop(0.1), [0.6837729, 0.9694871, 0.6894997]),
    "Adagrad(0.1)": (lambda: optimizers.Adagrad(0.1), [0.9154846, 1.0015509, 0.9150833]),
    "Adadelta()": (optimizers.Adadelta, [0.9999986, 1.0000004, 0.999998]),
    "Adamax()": (optimizers.Adamax, [0.999, 0.9992895, 0.9990118]),
    "Nadam()": (optimizers.Nadam, [0.9989372, 0.9998189, 0.9989066]),
    "Ftrl()": (optimizers.Ftrl, [0.4646324, 0.4654931, 0.4646284]),
    "Lion()": (optimizers.Lion, [0.999, 1.0, 0.999]),
    "Adafactor()": (optimizers.Adafactor, [0.999, 0.999999, 0.998999]),
    # Hand-derived. Lamb on a scalar: trust * r = |w| * sign(r), so w <- w * (1 - lr * sign(m));
    # m = 0.05, then -0.055, then 0.1505: w = 0.999, 0.999 * 1.001, 0.999999 * 0.999.
    "Lamb()": (optimizers.Lamb, [0.999, 0.999999, 0.998999001]),
    # Muon sends a scalar to its AdamW step (lr * adam_lr_ratio = 0.001, adam_weight_decay
    # 0.004): step 1: w = 1 - 1 * 0.004 * 0.001 = 0.999996, then Adam's first step of
    # lr * sign(g) (1 - 1e-7/0.0158 relative): 0.999996 - 0.00099999 = 0.998996.
    # ScheduleFreeAdamW: z starts at w; step 1: z = 1 - 0.0025 * 0.5 / 0.5 = 0.9975 and with
    # weight 1/t = 1 the weights become z.  (Later steps: see the float64 references below.)
}
FIRST_STEP_ONLY = {"Muon()": (optimizers.Muon, 0.998996),
                   "ScheduleFreeAdamW()": (optimizers.ScheduleFreeAdamW, 0.9975)}


def trajectory(opt, grads=GRADS, w0=1.0):
    w = Variable(np.array(w0, np.float32), name="w")
    values = []
    for g in grads:
        opt.apply([np.array(g, np.float32)], [w])
        values.append(float(w.numpy()))
    return values


@pytest.mark.parametrize("label", sorted(GOLDEN))
def test_golden_trajectory(label):
    make, expected = GOLDEN[label]
    # the reference prints 7 significant digits: agree to within that rounding
    np.testing.assert_allclose(trajectory(make()), expected, rtol=0, atol=1.5e-7)


@pytest.mark.parametrize("label", sorted(FIRST_STEP_ONLY))
def test_hand_derived_first_step(label):
    make, expected = FIRST_STEP_ONLY[label]
    assert trajectory(make(), grads=(0.5,))[0] == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("make", [lambda: optimizers.Lion(0.01, beta_2=0.999),
                                  lambda: optimizers.Nadam(0.01, beta_2=0.999)])
def test_one_minus_beta_2_is_the_float64_difference_rounded(make):
    """Keras 3.15 (torch) computes 1 - beta_2 from Python floats: a first step from g = 1000
    leaves the slot at exactly (1 - 0.999) * 1000 = 1.0 (Lion's momentum) or
    (1 - 0.999) * 1000**2 = 1000 (Nadam's velocity); 1 - float32(0.999) = 0.00099998713 would
    be 1.3e-5 short."""
    opt = make()
    w = Variable(np.zeros(1, np.float32), name="w")
    opt.apply([np.array([1000.0], np.float32)], [w])
    slot = opt.variables[-1] if isinstance(opt, optimizers.Lion) else opt.variables[3]
    expected = 1.0 if isinstance(opt, optimizers.Lion) else 1000.0
    assert abs(float(slot.numpy()[0]) - expected) <= 1e-7 * expected


def test_schedule_free_adamw_matches_keras_on_jax():
    # Made once with Keras 3.15 (JAX backend) outside the project: ScheduleFreeAdamW(0.5)
    # on w = [1, 2, 3, 4] with three gradients. Keras on PyTorch gives 0.34186 ... in the
    # second row: its `ops.copy(momentum)` aliases the variable (see docs/optimizers.md).
    opt = optimizers.ScheduleFreeAdamW(learning_rate=0.5)
    w = Variable(np.array([1.0, 2.0, 3.0, 4.0], np.float32), name="w")
    keras_rows = [[0.5, 1.5, 2.5, 3.5],
                  [0.32604920864105225, 1.6230080127716064, 2.4449868202209473,
                   3.176440715789795],
                  [0.5095489025115967, 1.6510765552520752, 2.420184373855591,
                   3.059468984603882]]
    for g, want in zip(([1.0, 6.0, 7.0, 2.0], [0.5, -2.0, 1.0, 3.0], [-1.0, 0.1, 0.2, 0.3]),
                       keras_rows):
        opt.apply([np.array(g, np.float32)], [w])
        np.testing.assert_allclose(w.numpy(), want, rtol=1e-6, atol=1e-7)


def test_schedule_golden_in_optimizer():
    opt = optimizers.SGD(schedules.ExponentialDecay(0.1, 1, 0.5))
    np.testing.assert_allclose(trajectory(opt, grads=(1.0, 1.0, 1.0)), [0.9, 0.85, 0.825],
                               rtol=1e-6)
    assert opt.learning_rate == pytest.approx(0.0125)


def test_ema_golden():
    opt = optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5)
    w = Variable(np.array(1.0, np.float32), name="w")
    for g in GRADS:
        opt.apply([np.array(g, np.float32)], [w])
    assert float(w.numpy()) == pytest.approx(0.85)
    opt.finalize_variable_values([w])
    assert float(w.numpy()) == pytest.approx(0.925)


def test_accumulation_golden_counts():
    opt = optimizers.SGD(0.1, gradient_accumulation_steps=2)
    trajectory(opt)
    assert int(opt.iterations) == 1 and int(opt._iterations.numpy()) == 3


# ---- float64 references of the update rules -------------------------------------------------
def shapes_problem(seed=0, steps=4, shapes=((2, 3), (3,), (3, 2), (2,))):
    rng = np.random.default_rng(seed)
    w0 = [rng.normal(size=s) for s in shapes]
    grads = [[rng.normal(size=s) for s in shapes] for _ in range(steps)]
    return w0, grads


def run(opt, w0, grads):
    variables = [Variable(w.astype(np.float32), name=f"v{i}") for i, w in enumerate(w0)]
    for step in grads:
        opt.apply([g.astype(np.float32) for g in step], variables)
    return [v.numpy() for v in variables]


def reference(update, w0, grads, slots):
    """Apply ``update(w, g, state, t)`` (t = 1, 2, ...) to each variable separately in float64."""
    ws = [w.copy() for w in w0]
    states = [slots(w) for w in w0]
    for t, step in enumerate(grads, start=1):
        for i, g in enumerate(step):
            ws[i] = update(ws[i], g, states[i], t)
    return ws


def sgd_ref(lr, mu, nesterov):
    def update(w, g, s, t):
        s["m"] = mu * s["m"] - lr * g
        return w + (mu * s["m"] - lr * g if nesterov else s["m"])
    return update, lambda w: {"m": np.zeros_like(w)}


def rmsprop_ref(lr, rho, mu, eps, centered):
    def update(w, g, s, t):
        s["v"] = rho * s["v"] + (1 - rho) * g * g
        denom = s["v"] + eps
        if centered:
            s["a"] = rho * s["a"] + (1 - rho) * g
            denom = denom - s["a"] ** 2
        inc = lr * g / np.sqrt(denom)
        if mu > 0:
            s["m"] = mu * s["m"] + inc
            inc = s["m"]
        return w - inc
    return update, lambda w: {"v": np.zeros_like(w), "a": np.zeros_like(w), "m": np.zeros_like(w)}


def adam_ref(lr, b1, b2, eps, amsgrad=False):
    def update(w, g, s, t):
        s["m"] = b1 * s["m"] + (1 - b1) * g
        s["v"] = b2 * s["v"] + (1 - b2) * g * g
        s["vh"] = np.maximum(s["vh"], s["v"])
        v = s["vh"] if amsgrad else s["v"]
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        return w - alpha * s["m"] / (np.sqrt(v) + eps)
    return update, lambda w: {"m": np.zeros_like(w), "v": np.zeros_like(w), "vh": np.zeros_like(w)}


def adagrad_ref(lr, a0, eps):
    def update(w, g, s, t):
        s["a"] = s["a"] + g * g
        return w - lr * g / np.sqrt(s["a"] + eps)
    return update, lambda w: {"a": np.full_like(w, a0)}


def adadelta_ref(lr, rho, eps):
    def update(w, g, s, t):
        s["A"] = rho * s["A"] + (1 - rho) * g * g
        delta = -np.sqrt(s["D"] + eps) * g / np.sqrt(s["A"] + eps)
        s["D"] = rho * s["D"] + (1 - rho) * delta ** 2
        return w + lr * delta
    return update, lambda w: {"A": np.zeros_like(w), "D": np.zeros_like(w)}


def adamax_ref(lr, b1, b2, eps):
    def update(w, g, s, t):
        s["m"] = b1 * s["m"] + (1 - b1) * g
        s["u"] = np.maximum(b2 * s["u"], np.abs(g))
        return w - lr * s["m"] / ((1 - b1 ** t) * (s["u"] + eps))
    return update, lambda w: {"m": np.zeros_like(w), "u": np.zeros_like(w)}


def nadam_ref(lr, b1, b2, eps):
    def update(w, g, s, t):
        mu_t = b1 * (1 - 0.5 * 0.96 ** t)
        mu_next = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        if s["seen"] < t:  # the product advances once per step (shared by all variables)
            s["P"][0] *= mu_t
            s["seen"] = t
        prod = s["P"][0]
        s["m"] = b1 * s["m"] + (1 - b1) * g
        s["v"] = b2 * s["v"] + (1 - b2) * g * g
        m_hat = mu_next * s["m"] / (1 - prod * mu_next) + (1 - mu_t) * g / (1 - prod)
        v_hat = s["v"] / (1 - b2 ** t)
        return w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return update, lambda w: {"m": np.zeros_like(w), "v": np.zeros_like(w), "P": [1.0], "seen": 0}


def ftrl_ref(lr, power, a0, l1, l2, shrink, beta):
    def update(w, g, s, t):
        p = -power
        l2b = l2 + beta / (2 * lr)
        g_shrunk = g + 2 * shrink * w
        a_new = s["a"] + g * g
        s["z"] = s["z"] + g_shrunk - (a_new ** p - s["a"] ** p) / lr * w
        q = a_new ** p / lr + 2 * l2b
        s["a"] = a_new
        return (np.clip(s["z"], -l1, l1) - s["z"]) / q
    return update, lambda w: {"a": np.full_like(w, a0), "z": np.zeros_like(w)}


def lion_ref(lr, b1, b2):
    def update(w, g, s, t):
        new = w - lr * np.sign(b1 * s["m"] + (1 - b1) * g)
        s["m"] = b2 * s["m"] + (1 - b2) * g
        return new
    return update, lambda w: {"m": np.zeros_like(w)}


def lamb_ref(lr, b1, b2, eps):
    def update(w, g, s, t):
        s["m"] = b1 * s["m"] + (1 - b1) * g
        s["v"] = b2 * s["v"] + (1 - b2) * g * g
        r = (s["m"] / (1 - b1 ** t)) / (np.sqrt(s["v"] / (1 - b2 ** t)) + eps)
        wn, rn = np.linalg.norm(w), np.linalg.norm(r)
        trust = wn / rn if wn > 0 and rn > 0 else 1.0
        return w - trust * lr * r
    return update, lambda w: {"m": np.zeros_like(w), "v": np.zeros_like(w)}


def adafactor_ref(lr, decay, eps1, eps2, clip, relative_step):
    rms = lambda x: np.sqrt(np.mean(x ** 2))  # noqa: E731

    def update(w, g, s, t):
        rate = min(lr, 1 / math.sqrt(t)) if relative_step else lr
        alpha = max(eps2, rms(w)) * min(rate, 1 / math.sqrt(t))
        G = g * g + eps1
        b = 1 - t ** decay
        if w.ndim >= 2:
            s["r"] = b * s["r"] + (1 - b) * G.mean(axis=-1)
            s["c"] = b * s["c"] + (1 - b) * G.mean(axis=-2)
            v = np.outer(s["r"] / s["r"].mean(), s["c"])
        else:
            s["v"] = b * s["v"] + (1 - b) * G
            v = s["v"]
        u = g / np.sqrt(v)
        return w - alpha * u / max(1.0, rms(u) / clip)
    return update, lambda w: {"r": np.zeros(w.shape[:-1]), "c": np.zeros(w.shape[-1:]),
                              "v": np.zeros_like(w)}


def schedule_free_ref(lr, b1, b2, eps, warmup):
    def update(w, g, s, t):
        rate = lr * min(t / warmup, 1.0) if warmup else lr
        z_old = s["z"].copy()
        s["v"] = b2 * s["v"] + (1 - b2) * g * g
        s["z"] = s["z"] - rate * g / (np.sqrt(s["v"] / (1 - b2 ** t)) + eps)
        x_old = (w - (1 - b1) * z_old) / b1
        x = (1 - 1 / t) * x_old + (1 / t) * s["z"]
        return (1 - b1) * s["z"] + b1 * x
    return update, lambda w: {"z": w.copy(), "v": np.zeros_like(w)}


def muon_ref(lr, mu, nesterov, a, b, c, steps, rms_rate, adam):
    adam_update, adam_slots = adam
    wd_muon, wd_adam = 0.004, 0.004

    def orthogonalize(x):
        tall = x.shape[0] > x.shape[1]
        x = x.T if tall else x
        x = x / (np.linalg.norm(x) + 1e-7)
        for _ in range(steps):
            A = x @ x.T
            x = a * x + (b * A + c * A @ A) @ x
        return x.T if tall else x

    def update(w, g, s, t):
        if w.ndim != 2:
            return adam_update(w - w * wd_adam * lr, g, s, t)
        w = w - w * wd_muon * lr
        s["m"] = mu * s["m"] + g
        direction = g + mu * s["m"] if nesterov else s["m"]
        return w - lr * orthogonalize(direction) * math.sqrt(max(w.shape)) * rms_rate
    return update, lambda w: {**adam_slots(w), "m": np.zeros_like(w)}


# label -> (optimizer factory, reference (update, slots), grads scale)
REFERENCES = {
    "SGD nesterov": (lambda: optimizers.SGD(0.05, momentum=0.5, nesterov=True),
                     sgd_ref(0.05, 0.5, True)),
    "SGD momentum": (lambda: optimizers.SGD(0.05, momentum=0.8), sgd_ref(0.05, 0.8, False)),
    "RMSprop centered+momentum": (
        lambda: optimizers.RMSprop(0.01, rho=0.8, momentum=0.5, epsilon=1e-3, centered=True),
        rmsprop_ref(0.01, 0.8, 0.5, 1e-3, True)),
    "RMSprop": (lambda: optimizers.RMSprop(0.01, rho=0.7),
                rmsprop_ref(0.01, 0.7, 0.0, 1e-7, False)),
    "Adam": (lambda: optimizers.Adam(0.01, beta_1=0.8, beta_2=0.9),
             adam_ref(0.01, 0.8, 0.9, 1e-7)),
    "Adam amsgrad": (lambda: optimizers.Adam(0.01, beta_2=0.5, amsgrad=True),
                     adam_ref(0.01, 0.9, 0.5, 1e-7, amsgrad=True)),
    "Adagrad": (lambda: optimizers.Adagrad(0.1, initial_accumulator_value=0.5, epsilon=1e-3),
                adagrad_ref(0.1, 0.5, 1e-3)),
    "Adadelta": (lambda: optimizers.Adadelta(1.0, rho=0.5, epsilon=1e-4),
                 adadelta_ref(1.0, 0.5, 1e-4)),
    "Adamax": (lambda: optimizers.Adamax(0.01, beta_1=0.7, beta_2=0.5),
               adamax_ref(0.01, 0.7, 0.5, 1e-7)),
    "Nadam": (lambda: optimizers.Nadam(0.01, beta_1=0.8), nadam_ref(0.01, 0.8, 0.999, 1e-7)),
    "Ftrl": (lambda: optimizers.Ftrl(0.05, learning_rate_power=-0.7, initial_accumulator_value=0.2,
                                     l1_regularization_strength=0.01,
                                     l2_regularization_strength=0.1,
                                     l2_shrinkage_regularization_strength=0.05, beta=0.5),
             ftrl_ref(0.05, -0.7, 0.2, 0.01, 0.1, 0.05, 0.5)),
    "Lion": (lambda: optimizers.Lion(0.01, beta_1=0.5, beta_2=0.9), lion_ref(0.01, 0.5, 0.9)),
    "Lamb": (lambda: optimizers.Lamb(0.01, beta_1=0.8), lamb_ref(0.01, 0.8, 0.999, 1e-7)),
    "Adafactor": (optimizers.Adafactor, adafactor_ref(0.001, -0.8, 1e-30, 1e-3, 1.0, True)),
    "Adafactor fixed lr": (
        lambda: optimizers.Adafactor(0.5, relative_step=False, clip_threshold=0.5),
        adafactor_ref(0.5, -0.8, 1e-30, 1e-3, 0.5, False)),
    "ScheduleFreeAdamW warmup": (
        lambda: optimizers.ScheduleFreeAdamW(0.01, beta_1=0.8, warmup_steps=2),
        schedule_free_ref(0.01, 0.8, 0.999, 1e-8, 2)),
    "Muon": (lambda: optimizers.Muon(0.01), muon_ref(0.01, 0.95, True, 3.4445, -4.775, 2.0315, 5,
                                                     0.2, adam_ref(0.01, 0.9, 0.999, 1e-7))),
    "Muon no nesterov": (
        lambda: optimizers.Muon(0.01, nesterov=False, ns_steps=3),
        muon_ref(0.01, 0.95, False, 3.4445, -4.775, 2.0315, 3, 0.2,
                 adam_ref(0.01, 0.9, 0.999, 1e-7))),
}


@pytest.mark.parametrize("label", sorted(REFERENCES))
def test_matches_float64_reference(label):
    make, (update, slots) = REFERENCES[label]
    w0, grads = shapes_problem()
    got = run(make(), w0, grads)
    want = reference(update, w0, grads, slots)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6)


def test_amsgrad_changes_the_result():
    # with beta_2 = 0.5 the running v falls after a large gradient, so v_hat != v
    w0, grads = shapes_problem()
    grads[0] = [10 * g for g in grads[0]]
    plain = run(optimizers.Adam(0.01, beta_2=0.5), w0, grads)
    ams = run(optimizers.Adam(0.01, beta_2=0.5, amsgrad=True), w0, grads)
    assert not np.allclose(plain[0], ams[0])


def test_ftrl_l1_zeroes_small_coordinates():
    opt = optimizers.Ftrl(0.1, l1_regularization_strength=10.0)
    w = Variable(np.array([1.0, -2.0], np.float32), name="w")
    opt.apply([np.array([0.1, 0.2], np.float32)], [w])
    np.testing.assert_array_equal(w.numpy(), [0.0, 0.0])  # |linear| <= l1 gives exactly 0


def test_schedule_free_swap_round_trip():
    opt = optimizers.ScheduleFreeAdamW(0.01)
    w0, grads = shapes_problem(steps=3)
    variables = [Variable(w.astype(np.float32), name=f"v{i}") for i, w in enumerate(w0)]
    for step in grads:
        opt.apply([g.astype(np.float32) for g in step], variables)
    y = [v.numpy() for v in variables]
    opt.swap_to_eval()
    assert not opt.is_training_mode
    x = [v.numpy() for v in variables]
    z = [m.numpy() for m in opt._momentums]
    for yi, xi, zi in zip(y, x, z):  # y = (1 - b1) z + b1 x
        np.testing.assert_allclose(yi, 0.1 * zi + 0.9 * xi, rtol=1e-5, atol=1e-6)
    opt.eval()  # a second swap does nothing
    np.testing.assert_array_equal(variables[0].numpy(), x[0])
    opt.train()
    for yi, v in zip(y, variables):
        np.testing.assert_allclose(v.numpy(), yi, rtol=1e-5, atol=1e-6)


def test_muon_routes_variables():
    opt = optimizers.Muon(exclude_layers=["output"])
    kernel = Variable(np.ones((3, 2), np.float32), name="kernel")
    kernel.path = "dense/kernel"
    out = Variable(np.ones((2, 1), np.float32), name="kernel")
    out.path = "output/kernel"
    emb = Variable(np.ones((4, 2), np.float32), name="embeddings")
    emb.path = "embedding/embeddings"
    bias = Variable(np.ones(2, np.float32), name="bias")
    assert [opt._should_use_adamw(v) for v in (kernel, out, emb, bias)] == [False, True, True, True]


def test_every_registered_optimizer_has_a_rule_test():
    """Adding an optimizer to the registry without a test here fails this test."""
    tested = {label.split("(")[0].split(" ")[0] for label in list(GOLDEN) + list(REFERENCES)
              + list(FIRST_STEP_ONLY)}
    registered = {cls.__name__ for _, cls in optimizers.OPTIMIZERS.items()}
    # these wrap other optimizers (MultiOptimizer: test_multi_optimizer.py)
    untested = registered - tested - {"Optimizer", "LossScaleOptimizer", "MultiOptimizer"}
    assert not untested, f"no update-rule test for {sorted(untested)}"


def test_adafactor_zero_row_and_column_do_not_make_nan():
    # row 0 and column 0 of the gradient are exactly 0: Keras's float32 factored
    # v = (r / mean(r)) * c = (1e-30 / ~1) * 1e-30 underflows to 0 there and 0/0 is NaN
    g = np.ones((3, 4), np.float32)
    g[0, :] = 0
    g[:, 0] = 0
    w = Variable(np.ones((3, 4), np.float32), name="kernel")
    optimizers.Adafactor().apply([g], [w])
    assert np.isfinite(w.numpy()).all()
    assert w.numpy()[0, 0] == 1.0  # no gradient, no move
    assert (w.numpy()[1:, 1:] < 1.0).all()
