"""Run once with real Keras 3 (torch backend): small models trained with Keras and shipped
as files, for tests/compat/test_deploy_keras_files.py (minikeras loads them).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_deploy_fixtures.py [DIR]
    KERAS_BACKEND=tensorflow /work/scratch-tf/bin/python tools/make_deploy_fixtures.py [DIR]

The models are in tests/fixtures/deploy_cases.py. Writes each model to
deploy_cases.shipped_file(<model>) (a .keras zip, or a zipped=False folder),
keras_deploy_nested.json + keras_deploy_nested.weights.h5 (to_json + save_weights),
keras_deploy_lambda.keras, keras_deploy_stack.weights.h5, and keras_deploy.json: what
Keras's own load_model of each file gives (predict, evaluate, summary, one more epoch).
Under TensorFlow it writes only keras_deploy_string_lookup.keras and .json (Keras's
StringLookup needs TensorFlow).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)
os.environ["COLUMNS"] = "80"  # the summaries' width, as the test sets it

import keras  # noqa: E402
import deploy_cases as cases  # noqa: E402


def main(out_dir):
    recorded = {}
    for name in cases.BUILDERS:
        model, x, y = cases.trained(keras, name)
        path = os.path.join(out_dir, cases.shipped_file(name))
        model.save(path, zipped=path.endswith(".keras"))
        if name == "nested_sequential":
            with open(os.path.join(out_dir, "keras_deploy_nested.json"), "w") as f:
                f.write(model.to_json())
            model.save_weights(os.path.join(out_dir, "keras_deploy_nested.weights.h5"))
        keras.backend.clear_session()
        inference = keras.saving.load_model(path, compile=False)
        recorded[name] = {"inference": {"predict": cases.predictions(inference, x),
                                        "summary": cases.summary_text(inference)}}
        if name != "mixed_dtypes":
            keras.backend.clear_session()
            recorded[name].update(cases.deployed(keras, keras.saving.load_model(path), x, y))
    cases.forget_custom_objects(keras)
    nested = os.path.join(out_dir, "keras_deploy_nested_sequential.keras")
    recorded["missing_custom_object"] = cases.error_text(lambda: keras.saving.load_model(nested))
    weights = os.path.join(out_dir, "keras_deploy_stack.weights.h5")
    x = cases.stack_weights(keras, weights)
    recorded["weights_into_other_models"] = cases.weights_into_other_models(keras, weights, x)
    keras.backend.clear_session()
    lam = cases.lambda_model(keras)
    lam.save(os.path.join(out_dir, "keras_deploy_lambda.keras"))
    recorded["lambda_predict"] = cases._plain(lam.predict(cases.LAMBDA_X, verbose=0))
    lam_path = os.path.join(out_dir, "keras_deploy_lambda.keras")
    recorded["lambda_refused"] = cases.error_text(lambda: keras.saving.load_model(lam_path))
    with open(os.path.join(out_dir, "keras_deploy.json"), "w", encoding="utf-8") as f:
        json.dump(recorded, f, ensure_ascii=False)


def main_tensorflow(out_dir):
    """The StringLookup model, trained and saved by Keras on TensorFlow; its record goes to
    keras_deploy_string_lookup.json."""
    import tensorflow as tf  # Keras's numpy adapter does not take string arrays
    keras.utils.set_random_seed(0)
    model, words, y = cases.string_lookup(keras)
    x = tf.constant(words)
    model.fit(x, y, batch_size=cases.BATCH, epochs=2, shuffle=False, verbose=0)
    path = os.path.join(out_dir, "keras_deploy_string_lookup.keras")
    model.save(path)
    keras.backend.clear_session()
    recorded = cases.deployed(keras, keras.saving.load_model(path), x, y)
    with open(os.path.join(out_dir, "keras_deploy_string_lookup.json"), "w",
              encoding="utf-8") as f:
        json.dump(recorded, f, ensure_ascii=False)


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else FIXTURES
    main_tensorflow(out) if keras.backend.backend() == "tensorflow" else main(out)
