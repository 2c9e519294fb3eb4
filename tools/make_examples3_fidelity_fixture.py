"""Run once with real Keras 3 (torch backend): what Keras records for pieces of keras-io
examples and developer guides run side by side with minikeras (round 3).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples3_fidelity_fixture.py

(model_dots needs pydot in that environment: pip install pydot.)

The pieces are in tests/fixtures/examples3_fidelity_cases.py; this writes
tests/fixtures/keras_examples3_fidelity.json and keras_lambda_builtins.keras, which
tests/compat/test_script_fidelity_examples3.py compares with minikeras (it never imports
Keras).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import examples3_fidelity_cases as cases  # noqa: E402

LOSS_ORDERS = {"outputs_pd_losses_pd": (["priority", "department"], ["priority", "department"]),
               "outputs_dp_losses_pd": (["department", "priority"], ["priority", "department"]),
               "outputs_pd_losses_dp": (["priority", "department"], ["department", "priority"])}


def recorded():
    """What Keras records for each piece, by the key the tests read."""
    lambda_model = cases.lambda_builtins_model(keras)
    lambda_model.save(os.path.join(FIXTURES, "keras_lambda_builtins.keras"))
    return {
        "ticket_losses": {key: cases.ticket_model_losses(keras, *orders)
                          for key, orders in LOSS_ORDERS.items()},
        "random_dtypes": cases.random_dtype_outcomes(keras),
        "layer_metrics": cases.layer_metrics(keras),
        "lambda_function_configs": cases.lambda_function_configs(keras),
        "pydataset_orders": {str(shuffle): cases.pydataset_batch_orders(keras, shuffle)
                             for shuffle in (True, False)},
        "pydataset_without_super_warnings": cases.pydataset_without_super_warnings(keras),
        "iou_metrics_with_weights": cases.iou_metrics_with_weights(keras),
        "model_dots": cases.model_dots(keras),
        "add_weight_outcomes": cases.add_weight_outcomes(keras),
        "nested_none_call": cases.nested_none_call(keras),
        "execution_settings": cases.execution_settings(keras),
        "optimizer_built_after": {how: cases.optimizer_built_after(keras, how)
                                  for how in ("nothing", "evaluate", "test_on_batch", "predict")},
        "lambda_builtins_predictions": [p.tolist() for p in lambda_model.predict(
            cases.LAMBDA_INPUT, verbose=0)],
    }


if __name__ == "__main__":
    out = os.path.join(FIXTURES, "keras_examples3_fidelity.json")
    with open(out, "w") as f:
        json.dump(recorded(), f, indent=1, sort_keys=True)
    print("wrote", out)
