"""Run once with real Keras 3 (torch backend): what Keras records for pieces of keras-io
examples (nlp, timeseries, generative, vision) run side by side with minikeras.

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples_fidelity_fixture.py

The pieces are in tests/fixtures/examples_fidelity_cases.py; this writes
tests/fixtures/keras_examples_fidelity.json, which tests/compat/test_script_fidelity_examples.py
compares with minikeras (it never imports Keras).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import examples_fidelity_cases as cases  # noqa: E402


def plain(value):
    return json.loads(json.dumps(value))


def nested_build_configs():
    """The build configs Keras writes for wrappers and the sublayers in their configs, and
    whether from_config gives the same config back."""
    out = {}
    for name, layer in cases.wrapper_layers(keras).items():
        layer(keras.Input((5, 3)))
        written = plain(layer.get_config())  # from_config pops from the dict it is given
        again = type(layer).from_config(layer.get_config())
        out[name] = {"build_config": plain(layer.get_build_config()), "config": written,
                     "again_config_equal": again.get_config() == layer.get_config()}
    both = cases.bidirectional_given_states(keras)
    out["Bidirectional_with_states"] = {"build_config": plain(both.get_build_config())}
    return out


def recorded_call_arguments():
    model, names = cases.recorded_call_arguments(keras)
    return cases.node_kwargs(plain(model.get_config()), names)


def main():
    fixture = {"nested_build_configs": nested_build_configs(),
               "recorded_call_arguments": recorded_call_arguments(),
               "scalar_inputs_summary": cases.summary_lines(cases.scalar_inputs_model(keras)),
               "constant_configs": {name: plain(init.get_config()) for name, init
                                    in cases.constant_initializers(keras).items()}}
    out = os.path.join(FIXTURES, "keras_examples_fidelity.json")
    with open(out, "w") as f:
        json.dump(fixture, f, indent=1, sort_keys=True)
    print("wrote", out)


if __name__ == "__main__":
    main()
