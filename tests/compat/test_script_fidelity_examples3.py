"""Differences found by running more keras-io examples and Keras developer guides beside
Keras 3.15 (round 3: functional API, callbacks, imbalanced classification, ...).

The pieces are in tests/fixtures/examples3_fidelity_cases.py; the expected values in
tests/fixtures/keras_examples3_fidelity.json, written once with real Keras 3.15 (torch
backend) by tools/make_examples3_fidelity_fixture.py.
"""
import os

import numpy as np
import pytest

import minikeras as keras
from tests.fixture_cases import FIXTURES, load_cases
from tests.optional_extras import require_module

cases, KERAS = load_cases("examples3_fidelity_cases", "keras_examples3_fidelity.json")
LOSS_ORDERS = {"outputs_pd_losses_pd": (["priority", "department"], ["priority", "department"]),
               "outputs_dp_losses_pd": (["department", "priority"], ["priority", "department"]),
               "outputs_pd_losses_dp": (["priority", "department"], ["department", "priority"])}


@pytest.mark.parametrize("key", sorted(LOSS_ORDERS))
def test_per_output_losses_follow_the_order_of_the_loss_dict(key):
    """The functional API guide compiles its ticket model with a dict of losses: Keras 3.15
    lists the per-output losses (metrics_names, evaluate's list) in the dict's key order;
    minikeras listed them in output-name order (department before priority)."""
    got = cases.ticket_model_losses(keras, *LOSS_ORDERS[key])
    expected = KERAS["ticket_losses"][key]
    assert got["metrics_names"] == expected["metrics_names"]
    assert got["history"] == expected["history"]
    np.testing.assert_allclose(got["evaluate"], expected["evaluate"], rtol=1e-6)


def test_random_uniform_and_randint_check_their_dtype_as_keras_does():
    """Introduction to Keras for researchers: ``keras.random.uniform(..., dtype="int32")``
    raises in Keras 3.15 (uniform takes float dtypes only, randint integer ones);
    minikeras returned integers."""
    assert cases.random_dtype_outcomes(keras) == KERAS["random_dtypes"]


def test_a_layer_lists_the_metrics_it_holds():
    """Introduction to Keras for researchers: a layer holding Metric objects lists them (and
    its sublayers') in ``layer.metrics`` and their variables in ``metrics_variables``, as
    Keras 3.15 does; minikeras layers had neither attribute."""
    assert cases.layer_metrics(keras) == KERAS["layer_metrics"]


def test_lambda_of_keras_functions_loads_from_a_keras_file():
    """keras-io siamese_contrastive saves a Lambda: Keras 3.15 writes any function with
    module "builtins" and finds its own functions (activations, ops, losses) by name;
    minikeras raised "Could not locate function 'relu'" on such a file."""
    loaded = keras.models.load_model(os.path.join(FIXTURES, "keras_lambda_builtins.keras"))
    got = loaded.predict(cases.LAMBDA_INPUT, verbose=0)
    for mine, expected in zip(got, KERAS["lambda_builtins_predictions"]):
        np.testing.assert_allclose(mine, expected, rtol=1e-6)


def test_lambda_function_config_is_keras_s():
    """minikeras wrote the function's own module ("minikeras.activations", "__main__"),
    which Keras 3.15 cannot resolve for its activations."""
    assert cases.lambda_function_configs(keras) == KERAS["lambda_function_configs"]


def test_lambda_of_a_minikeras_activation_round_trips(tmp_path):
    model = cases.lambda_builtins_model(keras)
    path = str(tmp_path / "lambda.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    for mine, expected in zip(loaded.predict(cases.LAMBDA_INPUT, verbose=0),
                              model.predict(cases.LAMBDA_INPUT, verbose=0)):
        np.testing.assert_array_equal(mine, expected)


@pytest.mark.parametrize("how", ["nothing", "predict"])
def test_optimizer_stays_unbuilt_without_evaluation(how):
    assert cases.optimizer_built_after(keras, how) == KERAS["optimizer_built_after"][how]


@pytest.mark.parametrize("how", ["evaluate", "test_on_batch"])
def test_evaluation_builds_the_optimizer_as_keras_does(how):
    """Customizing fit() guide's GAN / compile-then-evaluate-then-save: Keras 3.15 builds
    the optimizer when evaluate / test_on_batch (and fit) start, so its summary counts the
    optimizer's variables and its .keras file holds them all; it warns "Skipping variable
    loading for optimizer" on a file that has only ``iterations`` and ``learning_rate``
    (the trainer change is the lead's, main 21cf2f2)."""
    assert cases.optimizer_built_after(keras, how) == KERAS["optimizer_built_after"][how]


@pytest.mark.parametrize("shuffle", [True, False])
def test_fit_visits_a_pydataset_s_batches_in_keras_s_shuffled_order(shuffle):
    """Keras 3.15's fit (shuffle=True by default) visits a finite PyDataset's batch indices
    in an order drawn with Python's random.shuffle each epoch; minikeras went in index order.
    With the same seed the orders are Keras's own."""
    assert cases.pydataset_batch_orders(keras, shuffle) == KERAS["pydataset_orders"][str(shuffle)]


def test_a_pydataset_without_super_init_warns_once():
    """minikeras warned once per missing setting (three times); Keras 3.15 once."""
    assert cases.pydataset_without_super_warnings(keras) == \
        KERAS["pydataset_without_super_warnings"]


def test_iou_metrics_count_in_int32_as_keras_does():
    """keras-io segmentation examples: Keras 3.15's IoU metrics default to an int32
    confusion matrix (config dtype "int32"), so float sample weights are truncated with a
    warning, and BinaryIoU thresholds float predictions; minikeras counted in float32."""
    got = cases.iou_metrics_with_weights(keras)
    expected = KERAS["iou_metrics_with_weights"]
    assert sorted(got) == sorted(expected)
    for key, want in expected.items():
        mine = got[key]
        assert {k: mine[k] for k in ("dtype", "config_dtype", "matrix", "result_dtype",
                                     "warnings")} == \
            {k: want[k] for k in ("dtype", "config_dtype", "matrix", "result_dtype",
                                  "warnings")}, key
        assert mine["result"] == pytest.approx(want["result"], rel=1e-6), key


def test_model_to_dot_writes_keras_s_text():
    """Functional API guide's plot_model: Keras 3.15 writes the title cell as
    <td colspan=".." bgcolor="black">; minikeras had the attributes the other way round."""
    require_module("pydot", "plot")
    assert cases.model_dots(keras) == KERAS["model_dots"]


def test_add_weight_takes_keras_s_positional_arguments():
    """Migration guide: Keras 3.15 takes shape, initializer and dtype by position and
    refuses Keras 2's positional name with a message saying how to write it; minikeras
    raised "got multiple values for argument 'shape'"."""
    assert cases.add_weight_outcomes(keras) == KERAS["add_weight_outcomes"]


def test_a_layer_call_passes_none_entries_of_nested_inputs_on():
    """Migration guide's ``{"foo": x, "bar": {"baz": None}}``: Keras 3.15 runs the layer
    with the None in place; minikeras turned the dict into one tensor (IndexError)."""
    keras.utils.clear_session()
    assert cases.nested_none_call(keras) == KERAS["nested_none_call"]


def test_models_report_keras_s_execution_settings():
    """Migration guide / debugging recipe: Keras 3.15 models have ``run_eagerly``,
    ``jit_compile`` (False for "auto" on torch) and ``steps_per_execution``, set by compile
    or on the model; minikeras raised AttributeError reading them."""
    assert cases.execution_settings(keras) == KERAS["execution_settings"]
