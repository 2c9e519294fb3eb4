"""keras-io vision examples and guides run beside Keras 3.15 (round 4): image classification
from scratch, U-Net segmentation, a denoising autoencoder, the transfer-learning guide,
keras.applications with a new head, mixup / cutmix in keras.ops, a siamese network, the
image file utilities, image_dataset_from_directory, 3-D volumes, conv shapes and
ModelCheckpoint, ViT patches and EfficientNet fine-tuning.

The scripts are in tests/fixtures/examples4_vision_cases.py; what Keras printed and
computed is in tests/fixtures/keras_examples4_vision.json (and keras_transfer_learning.keras),
written once with real Keras 3.15 (torch backend) by tools/make_examples4_vision_fixture.py.
Printed text must be equal (times normalized), numbers equal to float32 round-off.
"""
import json
import os
import subprocess
import sys
import warnings
import zipfile

import numpy as np
import pytest

import minikeras as keras
from tests.compat.script_compare import assert_same
from tests.fixture_cases import FIXTURES, load_cases
from tests.optional_extras import require_module

cases, KERAS = load_cases("examples4_vision_cases", "keras_examples4_vision.json")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(name, folder=None, **compare):
    """Run the case under minikeras and compare it with what Keras recorded."""
    fn = cases.CASES[name]
    got = fn(keras, str(folder)) if folder is not None else fn(keras)
    assert_same(json.loads(json.dumps(got)), KERAS[name], name, **compare)
    return got


def test_image_classification_from_scratch_matches_keras():
    """SeparableConv2D residual blocks joined by layers.add, augmentation layers inside the
    model: summary, config, predictions, evaluate's progress bar and fit's per-epoch lines."""
    run("from_scratch")


def test_augmentation_layers_agree_in_inference_mode_and_in_range():
    run("augmentation_in_dataset_map")


def test_unet_segmentation_trains_as_keras():
    """Per-pixel sparse crossentropy on a SeparableConv2D / Conv2DTranspose / UpSampling2D
    U-Net. After training, predictions agree to 1e-3 only: the conv biases before
    BatchNormalization get a gradient that is zero up to round-off, which Adam turns into
    full-size steps of either sign; they reach the output through the moving means, and so
    the validation loss (inference mode) agrees to 1e-4 (4e-5 apart on an AMD EPYC's
    OpenBLAS, whose products round differently from the recording machine's)."""
    run("unet_segmentation", loose={"predict_corner": (1e-3, 1e-3), "val_loss": (1e-4, 1e-6)})


def test_denoising_autoencoder_matches_keras():
    run("denoising_autoencoder")


def test_transfer_learning_guide_freezing_and_fine_tuning():
    """The base model called with ``training=False``: Keras 3.15 records ``mask: None``
    beside ``training`` for a functional model (it converts no inputs, so the mask it fills
    in stays in the node); minikeras recorded ``training`` alone."""
    run("transfer_learning_guide")


def test_keras_transfer_learning_file_loads_and_predicts():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = keras.models.load_model(os.path.join(FIXTURES, "keras_transfer_learning.keras"))
    # Keras warns the same on its own file: the compiled optimizer never ran.
    assert [str(w.message).strip() for w in caught] == [
        "Skipping variable loading for optimizer 'adam', because it has 6 variables whereas "
        "the saved optimizer has 2 variables."]
    assert model.get_layer("base").trainable is False
    np.testing.assert_allclose(model.predict(cases.TRANSFER_FILE_INPUT, verbose=0).ravel(),
                               KERAS["transfer_learning_file_predictions"], rtol=1e-5)


def test_applications_with_a_new_head_match_keras():
    run("applications_with_new_head")


def test_mixup_and_cutmix_in_keras_ops():
    """keras-io cutmix writes ``cut_w // 2`` on tensors: minikeras tensors had no ``//``
    (nor ``%``, ``&``, ``|``, ``^``, ``~``)."""
    run("mixup_cutmix_ops")


@pytest.mark.parametrize("expression, expected, dtype", [
    (lambda t: t // 2, [2, 3, -2], "int32"),
    (lambda t: 7 // t, [1, 1, -3], "int32"),
    (lambda t: t % 3, [2, 1, 0], "int32"),
    (lambda t: 10 % t, [0, 3, -2], "int32"),
    (lambda t: t // 2.0, [2.0, 3.0, -2.0], "float32"),
    (lambda t: (t > 0) & (t < 6), [True, False, False], "bool"),
    (lambda t: (t > 6) | (t < 0), [False, True, True], "bool"),
    (lambda t: ~(t > 0), [False, False, True], "bool"),
    (lambda t: t ^ 1, [4, 6, -4], "int32"),
])
def test_tensor_operators_without_gradient_follow_keras_dtypes(expression, expected, dtype):
    """As Keras on torch: a python number takes the tensor's dtype (a float one makes an
    int tensor floatx); floor division rounds toward minus infinity."""
    out = expression(keras.ops.convert_to_tensor(np.array([5, 7, -3], "int32")))
    assert keras.backend.standardize_dtype(out.dtype) == dtype
    assert np.asarray(out).tolist() == expected


def test_siamese_contrastive_matches_keras():
    run("siamese_contrastive")


@pytest.fixture
def pillow():
    """Pillow (the ``images`` extra) for the image-file cases, else a skip outside CI."""
    return require_module("PIL", "images")


def test_image_file_utilities_match_keras(tmp_path, pillow):
    """The wrong channel count: both raise ValueError; minikeras adds the counts it takes
    (the one deliberate difference of wording, checked by type here)."""
    expected = KERAS["image_file_utilities"]
    got = json.loads(json.dumps(cases.image_file_utilities(keras, str(tmp_path))))
    assert got.pop("bad_channels").startswith("ValueError: Unsupported channel number: 2")
    assert_same(got, {k: v for k, v in expected.items() if k != "bad_channels"})


def test_image_dataset_from_directory_matches_keras(tmp_path, pillow):
    """Keras (tf.image.resize) returns uint8 batches with interpolation="nearest"; its
    "bicubic", "area" and "lanczos3" numbers are TensorFlow's (minikeras used Pillow's
    filters); the argument errors name `subset`, `validation_split` and `seed` in
    backticks."""
    run("image_dataset_from_directory", folder=tmp_path)


def test_image_dataset_resizes_with_tensorflow_s_numbers(tmp_path, pillow):
    """Every interpolation, shrinking and enlarging: TF's bicubic reads Keys' kernel at
    positions rounded to 1/1024 of a pixel; "area" and "lanczos3" are not Pillow's box and
    Lanczos filters (which gave up to 30% of the range apart)."""
    run("dataset_resize_numbers", folder=tmp_path)


# Worded minikeras's way: the labels errors (shared with text_dataset_from_directory) and
# the format one (minikeras has no "grain"), same type as Keras's.
REWORDED_DATASET_ERRORS = ("labels_word", "labels_and_class_names", "format")


def test_image_dataset_misuse_errors_as_keras(tmp_path, pillow):
    """Keras raises FileNotFoundError for a missing folder (minikeras raised ValueError), checks
    crop_to_aspect_ratio with pad_to_aspect_ratio after listing the files, and names the
    arguments in backticks. Keras also takes TensorFlow's "gaussian" and "mitchellcubic"
    interpolations, which minikeras refuses (a deliberate difference: no such kernels)."""
    expected = KERAS["dataset_argument_errors"]
    got = json.loads(json.dumps(cases.dataset_argument_errors(keras, str(tmp_path))))
    assert expected.pop("interpolation") == ["Found 9 files belonging to 2 classes.\n",
                                             "no error"]
    assert got.pop("interpolation")[1].startswith("ValueError: interpolation must be one of")
    for key in REWORDED_DATASET_ERRORS:
        mine, theirs = got.pop(key), expected.pop(key)
        assert mine[0] == theirs[0] and mine[1].split(":")[0] == theirs[1].split(":")[0], key
    assert_same(got, expected)


def test_volume_classification_with_checkpoint_and_early_stopping(tmp_path):
    run("volume_classification", folder=tmp_path)


# minikeras words these errors its own way (same type, same facts, and the fix to make).
REWORDED_ERRORS = ("bad_padding", "conv_kernel_too_big", "conv_rank", "crop_too_much",
                   "depthwise_multiplier", "strides_and_dilation")


def test_conv_shapes_match_and_errors_have_keras_s_types():
    expected = KERAS["conv_shapes_and_errors"]
    got = json.loads(json.dumps(cases.conv_shapes_and_errors(keras)))
    for key in REWORDED_ERRORS:
        assert got.pop(key).split(":")[0] == expected[key].split(":")[0], key
    assert_same(got, {k: v for k, v in expected.items() if k not in REWORDED_ERRORS})


def test_model_checkpoint_of_the_best_val_accuracy(tmp_path):
    run("checkpoint_best_val_accuracy", folder=tmp_path)


def test_vit_augmentation_patches_and_encoder():
    run("vit_augmentation_and_patches")


def test_efficientnet_fine_tuning_unfreezes_as_keras():
    run("efficientnet_unfreeze_top_layers")


def test_preprocess_input_on_a_keras_input_records_keras_s_nodes():
    """keras-io scripts write ``x = preprocess_input(inputs)`` in the model: minikeras
    refused a KerasTensor (TypeError); Keras records TrueDivide / Subtract ("tf"), three
    GetItem, a Stack and an Add of the negated means ("caffe"), TrueDivide, Add, TrueDivide
    ("torch"). ``/`` on a KerasTensor is TrueDivide (``ops.divide`` is Divide)."""
    run("preprocess_input_in_the_model")


def _keras_file_config(name):
    with zipfile.ZipFile(os.path.join(FIXTURES, name)) as archive:
        return json.loads(archive.read("config.json"))


def test_keras_s_private_application_layers_are_written_as_keras_writes_them():
    """Keras names LayerScale, StochasticDepth and CustomScaleLayer by their source module
    (``keras.src.applications.convnext``...) and registered name; minikeras wrote
    ``keras.layers``, which Keras cannot resolve."""
    mine = cases.private_layers_model(keras).get_config()["layers"][1:]
    theirs = _keras_file_config("keras_private_layers.keras")["config"]["layers"][1:]
    assert [(e["module"], e["class_name"], e["registered_name"]) for e in mine] == \
        [(e["module"], e["class_name"], e["registered_name"]) for e in theirs]


def test_keras_file_of_private_application_layers_loads_in_a_fresh_process():
    """minikeras found those classes only once keras.applications had been imported."""
    script = ("import json, sys, numpy as np, minikeras as keras; "
              "m = keras.models.load_model(sys.argv[1]); "
              "x = np.array(json.loads(sys.argv[2]), 'float32'); "
              "print(m.predict(x, verbose=0).ravel().tolist())")
    done = subprocess.run([sys.executable, "-c", script,
                           os.path.join(FIXTURES, "keras_private_layers.keras"),
                           json.dumps(cases.PRIVATE_LAYERS_INPUT.tolist())],
                          capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": ROOT})
    np.testing.assert_allclose(json.loads(done.stdout.strip().splitlines()[-1]),
                               KERAS["private_layers_predictions"], rtol=1e-6)


def test_application_configs_are_the_ones_keras_writes():
    """A .keras file of ConvNeXt or InceptionResNetV2 named LayerScale / CustomScaleLayer
    as keras.layers classes, which Keras cannot load (Keras writes their source module and
    registered name); MobileNetV3's gate was one Activation("hard_sigmoid") layer where
    Keras has ReLU(6.0)(x + 3.0) * (1.0 / 6.0) (two op nodes, 18 more summary rows);
    EfficientNetV2's head has bias_initializer Constant(0.0) in Keras, Zeros here."""
    run("application_configs")


def test_every_case_is_tested():
    tested = {"from_scratch", "augmentation_in_dataset_map", "unet_segmentation",
              "denoising_autoencoder", "transfer_learning_guide", "applications_with_new_head",
              "mixup_cutmix_ops", "siamese_contrastive", "image_file_utilities",
              "image_dataset_from_directory", "volume_classification",
              "conv_shapes_and_errors", "checkpoint_best_val_accuracy",
              "vit_augmentation_and_patches", "efficientnet_unfreeze_top_layers",
              "dataset_resize_numbers", "application_configs",
              "preprocess_input_in_the_model", "dataset_argument_errors"}
    assert tested == set(cases.CASES) and tested <= set(KERAS)
