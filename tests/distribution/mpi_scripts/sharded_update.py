"""Run under `mpiexec -n N` (or alone, with mode "single"): train one small model per
optimizer configuration with keras.distribution.DataParallel and write, per configuration,
this rank's weights, optimizer variables, history and update path to OUT/<config>_rank<r>.npz.

The configurations cover the sharded update (elementwise optimizers, with every base option
that needs the whole gradient; its exchange is MPI shared memory, or MPI collectives with
MINIKERAS_MPI_SHARED_MEMORY=0) and the replicated fallback (Lamb, not elementwise), plus a
Model whose own train_step / test_step leave a variable without gradient and return their
own logs. Last, on several ranks, a check that each
rank's weights stay its own after a fit (private_rank<r>.npz).
"""
import json
import sys
import warnings

import numpy as np

import minikeras as keras
from minikeras.autodiff import grad
from minikeras.distribution.world import world

out, mode = sys.argv[1], sys.argv[2]  # mode: "distributed" or "single"
if mode == "distributed":
    keras.distribution.set_distribution(keras.distribution.DataParallel())
rng = np.random.default_rng(0)
X = rng.normal(size=(203, 6)).astype("float32")  # 203: the last batch of 32 splits 5 / 6
Y = (X[:, :3] @ np.array([[1.0], [-2.0], [0.5]], "float32")) + 0.1


def decay_all_but_biases():
    optimizer = keras.optimizers.AdamW(0.02, weight_decay=0.1, global_clipnorm=0.5,
                                       use_ema=True, ema_overwrite_frequency=4)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    return optimizer


CONFIGS = {
    "adamw_mask_global_clipnorm_ema": decay_all_but_biases,
    "sgd_nesterov_clipnorm_accumulation": lambda: keras.optimizers.SGD(
        0.05, momentum=0.9, nesterov=True, clipnorm=0.2, gradient_accumulation_steps=2),
    "nadam_clipvalue_constraint": lambda: keras.optimizers.Nadam(0.02, clipvalue=0.05),
    "adam_amsgrad": lambda: keras.optimizers.Adam(0.02, amsgrad=True),
    "adamax": lambda: keras.optimizers.Adamax(0.02),
    "rmsprop_centered_momentum": lambda: keras.optimizers.RMSprop(0.01, momentum=0.5,
                                                                  centered=True),
    "adagrad": lambda: keras.optimizers.Adagrad(0.05),
    "adadelta": lambda: keras.optimizers.Adadelta(1.0),
    "ftrl_l1_l2": lambda: keras.optimizers.Ftrl(0.05, l1_regularization_strength=0.01,
                                               l2_regularization_strength=0.01),
    "lion": lambda: keras.optimizers.Lion(0.002),
    "schedule_free_adamw_warmup": lambda: keras.optimizers.ScheduleFreeAdamW(0.02,
                                                                           warmup_steps=3),
    "lamb_replicated": lambda: keras.optimizers.Lamb(0.02),
    "adafactor_replicated": lambda: keras.optimizers.Adafactor(0.02),
    "muon_replicated": lambda: keras.optimizers.Muon(0.02),
}


def dense_model():
    return keras.Sequential([
        keras.Input((6,)), keras.layers.Dense(7, activation="tanh"),
        keras.layers.Dense(5, activation="relu",
                           kernel_constraint=keras.constraints.MaxNorm(0.9)),
        keras.layers.Dense(1)])


class CustomSteps(keras.Model):
    """Its own steps: no gradient for the first bias, row-weighted running logs."""

    def __init__(self):
        super().__init__()
        self.hidden = keras.layers.Dense(7, activation="tanh")
        self.out = keras.layers.Dense(1)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae = keras.metrics.MeanAbsoluteError(name="mae")

    def call(self, x):
        return self.out(self.hidden(x))

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae]

    def train_step(self, data):
        x, y = data
        y_pred = self(x, training=True)
        loss = keras.ops.mean(keras.ops.square(y_pred - y))
        variables = self.trainable_variables
        grads = [None if v is self.hidden.bias else g
                 for v, g in zip(variables, grad(loss, variables))]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the missing gradient
            self.optimizer.apply(grads, variables)
        self.loss_tracker.update_state(loss, sample_weight=len(x))
        self.mae.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        self.mae.update_state(y, y_pred)
        return {"mae": self.mae.result()}


def train(name, make_optimizer):
    keras.utils.set_random_seed(3)
    model = CustomSteps() if name == "custom_steps" else dense_model()
    model.compile(optimizer=make_optimizer(), loss="mse")
    callbacks = []
    if name == "adamw_mask_global_clipnorm_ema":  # the optimizer state saved mid-epoch
        callbacks.append(keras.callbacks.ModelCheckpoint(f"{out}/{name}.keras", save_freq=5))
    history = model.fit(X, Y, batch_size=32, epochs=2, verbose=0, shuffle=False,
                        callbacks=callbacks)
    evaluation = model.evaluate(X, Y, batch_size=40, verbose=0, return_dict=True)
    rank = world().rank
    np.savez(f"{out}/{name}_rank{rank}.npz",
             sharded=np.array(model.optimizer.update_shard is not None),
             exchange=np.array(type(getattr(model.optimizer.update_shard, "exchange", None))
                               .__name__),
             weights=np.concatenate([w.ravel() for w in model.get_weights()]),
             optimizer=np.concatenate([np.ravel(v.numpy()) for v in model.optimizer.variables]))
    with open(f"{out}/{name}_history{rank}.json", "w") as f:
        json.dump({"history": history.history, "evaluation": evaluation}, f)


for config_name, factory in CONFIGS.items():
    train(config_name, factory)
train("custom_steps", lambda: keras.optimizers.AdamW(0.02, weight_decay=0.1))


def weights_stay_private():
    """After a fit each rank's weights are its own, though they live in shared memory:
    rank 1 zeroes its weights, rank 0's do not change. A second fit reuses the buffers,
    starting again from rank 0's weights."""
    keras.utils.set_random_seed(3)
    model = dense_model()
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    model.fit(X, Y, batch_size=32, epochs=1, verbose=0)
    before = model.get_weights()
    if world().rank == 1:
        model.set_weights([np.zeros_like(w) for w in before])
    world().barrier("the privacy check")
    untouched = all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))
    world().barrier("the privacy check")
    model.fit(X, Y, batch_size=32, epochs=1, verbose=0)
    np.savez(f"{out}/private_rank{world().rank}.npz", untouched=np.array(untouched),
             weights=np.concatenate([w.ravel() for w in model.get_weights()]))


if mode == "distributed":
    weights_stay_private()
