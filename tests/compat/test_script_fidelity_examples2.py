"""Differences found by running more keras-io examples (vision, audio, rl, generative)
beside Keras 3.15.

The pieces are in tests/fixtures/examples2_fidelity_cases.py; the expected values in
tests/fixtures/keras_examples2_fidelity.json and tests/fixtures/keras_pipeline_model.keras,
written once with real Keras 3.15 (torch backend) by tools/make_examples2_fidelity_fixture.py.
"""
import os

import numpy as np
import pytest

import minikeras as keras
from tests.fixture_cases import FIXTURES, load_cases

cases, KERAS = load_cases("examples2_fidelity_cases", "keras_examples2_fidelity.json")


def test_pipeline_call_records_the_mask_keras_writes():
    """keras-io vision examples chain augmentation layers: Keras 3.15's Pipeline.call takes
    ``mask`` (passed on to the layers that take one), so its node in a file holds
    ``mask: None`` beside ``training: True``; minikeras wrote ``training`` alone."""
    keras.utils.clear_session()    # the layer names Keras gave: the first of their kind
    model = cases.pipeline_model(keras)
    written = cases.node_kwargs(model.get_config())
    assert written["pipeline"] == KERAS["pipeline_node_kwargs"]["pipeline"]


def test_pipeline_passes_a_mask_on_to_the_layers_that_take_one():
    """Keras's Pipeline hands its mask to a layer whose call takes one, and the next layer
    gets the mask the previous one's output carries (checked against Keras 3.15, which
    also warns that the Pipeline itself drops the mask)."""
    seen = []

    class MaskReader(keras.layers.Layer):
        def call(self, inputs, mask=None):
            seen.append(None if mask is None else keras.ops.convert_to_numpy(mask).tolist())
            return inputs

    pipeline = keras.layers.Pipeline([MaskReader(), keras.layers.Masking(0.0), MaskReader()])
    x = np.array([[[1.0], [0.0], [2.0]]], "float32")
    with pytest.warns(UserWarning, match="'pipeline.*' \\(of type Pipeline\\).*does not support"):
        pipeline(x, mask=np.array([[True, True, False]]))  # Keras warns so too
    assert seen == [[[True, True, False]], [[True, False, True]]]


def test_keras_file_with_a_pipeline_loads_and_predicts_as_keras():
    model = keras.saving.load_model(os.path.join(FIXTURES, "keras_pipeline_model.keras"))
    got = model.predict(cases.pipeline_images(), verbose=0)
    np.testing.assert_allclose(got, KERAS["pipeline_predictions"], rtol=1e-6, atol=1e-6)


def test_global_average_pooling_2d_records_no_mask_so_keras_loads_the_file():
    """keras-io convmixer (and every net ending in GlobalAveragePooling2D): Keras 3.15's
    GlobalAveragePooling2D/3D.call take no ``mask``, so Keras records no keywords for them;
    minikeras recorded ``mask: None``, and Keras 3.15 then fails to load the file
    ("got an unexpected keyword argument 'mask'")."""
    keras.utils.clear_session()    # the layer names Keras gave: the first of their kind
    written = cases.node_kwargs(cases.pipeline_model(keras).get_config())
    want = KERAS["pipeline_node_kwargs"]["global_average_pooling2d"]
    assert written["global_average_pooling2d"] == want


def test_a_scheduled_learning_rate_prints_as_a_float32_scalar():
    """keras-io 3D_image_classification prints an ExponentialDecay optimizer's
    ``learning_rate``: Keras 3.15 returns the schedule's value as a backend scalar, on its
    numpy backend ``np.float32(1e-04)`` (str ``1e-04``); minikeras printed the float64
    digits of the float32 value, ``9.999999747378752e-05``."""
    schedule = keras.optimizers.schedules.ExponentialDecay(
        0.0001, decay_steps=100000, decay_rate=0.96, staircase=True)
    rate = keras.optimizers.Adam(learning_rate=schedule).learning_rate
    assert repr(rate) == repr(np.float32(1e-4))
    assert str(rate) == "1e-04"
    assert f"{rate:.6f}" == "0.000100"


def test_a_mask_input_passed_on_is_the_next_layers_recorded_mask():
    """keras-io video_classification: ``GRU(return_sequences=True)(x, mask=mask_input)``
    passes the mask input on, and Keras 3.15 fills it in as the next GRU's ``mask``: that
    node lists the mask input (summary's "Connected to", the file's node kwargs); minikeras
    left it out of the node."""
    model = cases.masked_rnn_model(keras)
    assert cases.node_kwargs(model.get_config()) == KERAS["masked_rnn_node_kwargs"]
    assert cases.summary_lines(model) == KERAS["masked_rnn_summary"]


def test_subclassed_model_summary_shows_unknown_shape_for_layers_built_in_init():
    """keras-io ner_transformers: in a subclassed model's summary Keras 3.15 prints "?" as
    the output shape of the layers it builds in ``__init__`` (Dropout, Activation,
    pooling): they record no build shapes; minikeras printed their shapes."""
    model = cases.subclassed_tagger(keras)
    assert cases.summary_lines(model) == KERAS["subclassed_tagger_summary"]


def test_a_subclassed_model_first_called_on_a_list_names_its_weights_under_it():
    """keras-io transformer_asr: ``model([source, target])`` builds a subclassed model
    inside its name scope in Keras 3.15 (``pair/source/kernel``); minikeras built it
    outside when the input was a list of arrays (``source/kernel``)."""
    assert cases.two_input_subclassed_paths(keras) == KERAS["two_input_subclassed_paths"]


def test_summary_of_a_sequential_in_a_subclassed_model_shows_its_traced_shapes():
    """keras-io transformer_asr: Keras 3.15 traces a Sequential built by an eager call by
    running its layers, so a user's layer without ``compute_output_shape`` gets its real
    output shape, shown (from its graph node) on its own row of the outer model's summary
    and as the Sequential's; minikeras showed "?" and the Sequential's input shape."""
    got = cases.subclassed_with_sequential_summary(keras)
    assert got == KERAS["subclassed_with_sequential_summary"]
