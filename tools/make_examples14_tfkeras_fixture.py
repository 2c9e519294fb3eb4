"""Write tests/fixtures/examples14_tfkeras/: the models of
tests/fixtures/examples14_tfkeras_cases.py saved by tf.keras 2 (tf_keras 2.21) as users deploy
them, and by Keras 3.15.1 as legacy HDF5.

    /work/scratch-tf/bin/python tools/make_examples14_tfkeras_fixture.py

Per case, from tf_keras: ``<case>.h5`` (``model.save``; the compiled ones trained two steps
first, so the file carries ``training_config`` and the optimizer's state), ``<case>.json``
(``model.to_json()``) and ``<case>_weights.h5`` (``model.save_weights``). Then, in a second
process with Keras 3 (torch backend): ``keras3_<case>.h5`` (``model.save`` of the compiled
cases, trained two steps), and what Keras 3 makes of each tf_keras ``.h5`` (loads or the
error; the optimizer it compiles; whether it restores the optimizer's iteration count).
``record.json`` also holds the predictions of the Keras 3 models saved (``keras3_files``).
``io.npz`` holds per case ``<case>/in/<i>``, ``<case>/target/<i>``, the predictions after
saving (``<case>/out/<i>``) and, for compiled cases, what tf_keras gets when it loads its
own file and trains one more step (``train_on_batch``): the loss, the optimizer's iterations
and the predictions after it (``<case>/resumed_loss``, ``<case>/resumed_iterations``,
``<case>/resumed/<i>``); a loader that restores the optimizer's state as tf_keras does
reproduces those.
"""
import json
import os
import pathlib
import subprocess
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "examples14_tfkeras"
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))

import examples14_tfkeras_cases as cases  # noqa: E402


def case_arrays(index, name):
    rng = np.random.default_rng(1400 + index)
    inputs = cases.INPUTS[name](rng)
    targets = cases.TARGETS[name](rng) if name in cases.COMPILE else []
    return inputs, targets


def outputs_of(model, inputs):
    out = model.predict(cases.as_model_arguments(inputs), verbose=0)
    return [np.asarray(o) for o in (out if isinstance(out, list) else [out])]


def trained_and_saved(keras, index, name, prefix, arrays):
    """Build, compile and train two steps (when a COMPILE case), save; record io arrays."""
    keras.utils.set_random_seed(index)
    inputs, targets = case_arrays(index, name)
    model = cases.MODELS[name](keras)
    x, y = cases.as_model_arguments(inputs), cases.as_model_arguments(targets or [None])
    if name in cases.COMPILE:
        model.compile(**cases.COMPILE[name](keras))
        model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    model.save(str(OUT / f"{prefix}{name}.h5"))
    outputs = outputs_of(model, inputs)
    if arrays is None:
        return model
    arrays.update({f"{name}/in/{i}": a for i, a in enumerate(inputs)})
    arrays.update({f"{name}/target/{i}": a for i, a in enumerate(targets)})
    arrays.update({f"{name}/out/{i}": a for i, a in enumerate(outputs)})
    (OUT / f"{name}.json").write_text(model.to_json())
    model.save_weights(str(OUT / f"{name}_weights.h5"))
    if name in cases.COMPILE:  # training resumed from the file, by tf_keras itself
        reloaded = keras.models.load_model(str(OUT / f"{name}.h5"))
        loss = reloaded.train_on_batch(x, y)
        arrays[f"{name}/resumed_loss"] = np.float32(loss[0] if isinstance(loss, list) else loss)
        arrays[f"{name}/resumed_iterations"] = np.int64(reloaded.optimizer.iterations.numpy())
        arrays.update({f"{name}/resumed/{i}": a
                       for i, a in enumerate(outputs_of(reloaded, inputs))})
    return model


def tf_keras_files():
    import tf_keras
    OUT.mkdir(exist_ok=True)
    arrays = {}
    for index, name in enumerate(cases.MODELS):
        trained_and_saved(tf_keras, index, name, "", arrays)
    np.savez_compressed(OUT / "io.npz", **arrays)


def keras3_outcome(keras, name, io):
    """What Keras 3 makes of tf_keras's ``<name>.h5``."""
    try:
        model = keras.saving.load_model(str(OUT / f"{name}.h5"))
    except Exception as error:  # noqa: BLE001 - the record keeps whatever Keras raised
        return {"error": f"{type(error).__name__}: {str(error)[:300]}"}
    inputs = [io[f"{name}/in/{i}"] for i in range(len(cases.INPUTS[name](
        np.random.default_rng(0))))]
    outputs = outputs_of(model, inputs)
    record = {"matches": all(np.allclose(o, io[f"{name}/out/{i}"], atol=1e-5)
                             for i, o in enumerate(outputs))}
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        record["optimizer"] = type(optimizer).__name__
        record["iterations"] = int(optimizer.iterations.numpy())
        record["optimizer_variables"] = len(optimizer.variables)
    return record


def keras3_files():
    import keras
    io = np.load(OUT / "io.npz")
    record = {"keras3_loads_tf_keras": {n: keras3_outcome(keras, n, io) for n in cases.MODELS}}
    record["keras3_files"] = {}
    for index, name in enumerate(cases.MODELS):
        if name in ("dense_mlp", "merges_two_outputs"):
            model = trained_and_saved(keras, index, name, "keras3_", None)
            inputs, _ = case_arrays(index, name)
            record["keras3_files"][name] = {
                "outputs": [o.tolist() for o in outputs_of(model, inputs)],
                "iterations": int(model.optimizer.iterations.numpy())}
    (OUT / "record.json").write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    if sys.argv[1:] == ["keras3"]:
        keras3_files()
    else:
        tf_keras_files()
        subprocess.run([sys.executable, __file__, "keras3"], check=True,
                       env={**os.environ, "KERAS_BACKEND": "torch"})
