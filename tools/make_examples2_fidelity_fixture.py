"""Run once with real Keras 3 (torch backend): what Keras records for pieces of keras-io
examples (vision, audio, rl, generative) run side by side with minikeras.

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples2_fidelity_fixture.py

The pieces are in tests/fixtures/examples2_fidelity_cases.py; this writes
tests/fixtures/keras_examples2_fidelity.json and tests/fixtures/keras_pipeline_model.keras,
which tests/compat/test_script_fidelity_examples2.py compares with minikeras (it never
imports Keras).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import examples2_fidelity_cases as cases  # noqa: E402


def recorded():
    """What Keras records for each piece, by the key the tests read."""
    model = cases.pipeline_model(keras)
    model.save(os.path.join(FIXTURES, "keras_pipeline_model.keras"))
    rnn = cases.masked_rnn_model(keras)
    return {
        "pipeline_node_kwargs": cases.node_kwargs(model.get_config()),
        "pipeline_predictions": model.predict(cases.pipeline_images(), verbose=0).tolist(),
        "masked_rnn_node_kwargs": cases.node_kwargs(json.loads(json.dumps(rnn.get_config()))),
        "masked_rnn_summary": cases.summary_lines(rnn),
        "two_input_subclassed_paths": cases.two_input_subclassed_paths(keras),
        "subclassed_with_sequential_summary": cases.subclassed_with_sequential_summary(keras),
        "subclassed_tagger_summary": cases.summary_lines(cases.subclassed_tagger(keras)),
    }


if __name__ == "__main__":
    out = os.path.join(FIXTURES, "keras_examples2_fidelity.json")
    with open(out, "w") as f:
        json.dump(recorded(), f, indent=1, sort_keys=True)
    print("wrote", out)
