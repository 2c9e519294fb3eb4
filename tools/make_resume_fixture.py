"""Writes the resume fixtures with real Keras 3.15 (run once, outside the project's
environment):

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_resume_fixture.py

Files under tests/fixtures/, each trained 2 epochs by Keras from resume_cases.py:
- keras_resume_adamw.keras / .weights.h5: the MLP with AdamW on an ExponentialDecay;
- keras_resume_loss_scale.keras: the MLP with a LossScaleOptimizer around Adam;
- keras_resume_custom.keras: a registered custom layer, an unregistered loss and metric;
- keras_resume_two_optimizers.weights.h5: a model with its own compile() and two optimizers;
- keras_resume_backup/: what BackupAndRestore left when the fit stopped at epoch 2;
- keras_resume.json: what Keras gets continuing from each (history, weights, iterations,
  learning rate, evaluate, predict, warnings and errors), and what clone_model's options
  give on a functional graph (layers seen, names, shapes, predictions).
"""
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import torch  # noqa: E402
import resume_cases as cases  # noqa: E402


def apply_gradients(model, loss, variables, optimizer):
    """One optimizer step from ``loss`` under Keras's torch backend."""
    model.zero_grad()
    grads = torch.autograd.grad(loss, [v.value for v in variables], retain_graph=True)
    with torch.no_grad():
        optimizer.apply(list(grads), variables)


def fixture(name):
    return os.path.join(FIXTURES, name)


def main():
    out = {"keras_version": keras.__version__}
    model = cases.mlp(keras)
    cases.fit(model)
    model.save(fixture("keras_resume_adamw.keras"))
    model.save_weights(fixture("keras_resume_adamw.weights.h5"))
    out["adamw_load_model"] = cases.continue_load_model(keras, fixture("keras_resume_adamw.keras"))
    for build in (False, True):
        out[f"adamw_load_weights_built_{build}"] = cases.continue_load_weights(
            keras, fixture("keras_resume_adamw.weights.h5"), build_optimizer=build)

    model = cases.mlp(keras, "loss_scale")
    cases.fit(model)
    model.save(fixture("keras_resume_loss_scale.keras"))
    out["loss_scale_load_model"] = cases.continue_load_model(
        keras, fixture("keras_resume_loss_scale.keras"))

    objects = cases.custom_objects(keras)
    model = cases.custom_model(keras, objects)
    cases.fit(model)
    path = fixture("keras_resume_custom.keras")
    model.save(path)
    out["custom_load_error"] = cases.load_error(keras, path)
    out["custom_load_model"] = cases.continue_load_model(
        keras, path, custom_objects={"half_mse": objects[1], "MeanError": objects[2]})
    loaded = keras.models.load_model(path, custom_objects={"half_mse": objects[1],
                                                           "MeanError": objects[2]},
                                     compile=False)
    out["custom_compile_false"] = {"compiled": bool(loaded.compiled),
                                   "has_optimizer": hasattr(loaded, "optimizer")}

    model = cases.two_optimizer_model(keras, apply_gradients)
    cases.fit(model)
    model.save_weights(fixture("keras_resume_two_optimizers.weights.h5"))
    out["two_optimizers_load_weights"] = cases.continue_two_optimizers(
        keras, apply_gradients, fixture("keras_resume_two_optimizers.weights.h5"))

    backup = fixture(cases.BACKUP_DIR)
    shutil.rmtree(backup, ignore_errors=True)
    cases.interrupt(keras, backup)
    with tempfile.TemporaryDirectory() as tmp:  # resuming deletes the backup at the end
        copy = os.path.join(tmp, "backup")
        shutil.copytree(backup, copy)
        out["backup_resume"] = cases.resume(keras, copy)

    out["clone_model"] = cases.clone_runs(keras)

    with open(fixture("keras_resume.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
