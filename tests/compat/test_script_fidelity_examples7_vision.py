"""keras-io vision and audio examples run beside Keras 3.15 (round 7): MLP-Mixer, FNet and
gMLP classifiers, ConvMixer, Compact Convolutional Transformers, involution, PointNet, ESPCN
super-resolution, supervised contrastive learning, metric learning, a CNN-RNN video
classifier, a keypoint head, learning to resize, Zero-DCE, captcha OCR and speech
recognition with CTC, DeepLabV3+, speaker recognition, Swin transformer windows, MobileViT,
TokenLearner, RetinaNet's box pieces and keras.ops.image as the examples use it.

The scripts are in tests/fixtures/examples7_vision_cases.py; what Keras printed and
computed is in tests/fixtures/keras_examples7_vision.json (and two .keras files), written
once with real Keras 3.15 (torch backend) by tools/make_examples7_vision_fixture.py.
Printed text must be equal (times normalized), numbers equal to float32 round-off.
"""
import json
import os
import re
import zipfile

import numpy as np
import pytest

import minikeras as keras
from minikeras.saving.serialization import strip_shared_ids
from tests.compat.script_compare import assert_same
from tests.fixture_cases import FIXTURES, load_cases

cases, KERAS = load_cases("examples7_vision_cases", "keras_examples7_vision.json")

# Recorded from Keras but not compared (docs/porting.md, "Where minikeras differs on purpose"):
NOT_COMPARED = {
    # Keras 3.15 on torch resizes "bicubic" with torch's a = -0.75; minikeras uses Keys'
    # a = -0.5 as Keras's numpy, JAX and TensorFlow backends.
    "espcn_super_resolution": ("bicubic_psnr",),
    "learning_to_resize": ("resize_bicubic",),
    # Worded minikeras's way or refused where Keras on torch fails inside torch or not at
    # all; compared by type in test_image_op_errors_have_keras_s_types.
    "image_ops_of_the_examples": ("errors",),
    # Keras's message holds the object's repr (an address); compared in
    # test_regularizer_without_get_config_fails_as_in_keras.
    "pointnet": ("config_with_super_get_config",),
}


def run(name, loose=None, skipped=()):
    """Run the case under minikeras and compare what is compared with what Keras recorded
    (all but NOT_COMPARED and ``skipped``, which the caller compares)."""
    got = json.loads(json.dumps(cases.CASES[name](keras)))
    skipped = NOT_COMPARED.get(name, ()) + tuple(skipped)
    assert_same({k: v for k, v in got.items() if k not in skipped},
                {k: v for k, v in KERAS[name].items() if k not in skipped}, name,
                loose=loose)
    return got


@pytest.mark.parametrize("name", ["mlp_mixer", "fnet", "gmlp"])
def test_mlp_image_classifiers_match_keras(name):
    """Patches from ops.image.extract_patches, the example's PositionEmbedding (ops.slice,
    ops.broadcast_to), transposed token mixing, FNet's ops.fft2 and gMLP's ops.split gate:
    summaries, weight paths, fit with ReduceLROnPlateau / EarlyStopping and the History."""
    run(name)


def test_convmixer_matches_keras():
    """DepthwiseConv2D mixer blocks, AdamW, a best-only weights checkpoint read back."""
    run("convmixer")


def test_compact_convolutional_transformer_matches_keras():
    """CCTTokenizer, StochasticDepth, SequencePooling; ``Dense(activation=ops.gelu)``:
    Keras writes a function named as a built-in activation by that name ("gelu"),
    minikeras wrote a function dict."""
    run("cct")


def test_involution_layer_with_two_outputs_matches_keras():
    run("involution")


def test_pointnet_matches_keras():
    """The T-nets' activity regularizer and the Dot of points and transform. Training
    numbers agree to 5e-3: the Conv1D biases before BatchNormalization get a gradient that
    is zero up to round-off, which Adam turns into full-size steps (with SGD they agree to
    float32 round-off); so fit's printed lines are compared with the numbers left out."""
    got = run("pointnet", loose={"history": (5e-3, 1e-4), "predict": (5e-3, 1e-4)},
              skipped=("fit_text",))
    number = re.compile(r"\d+\.\d{4}")
    assert number.sub("N", got["fit_text"]) == number.sub("N", KERAS["pointnet"]["fit_text"])


def test_regularizer_without_get_config_fails_as_in_keras():
    """The example's OrthogonalRegularizer calls ``super().get_config()``, which Keras's
    Regularizer does not implement: both raise NotImplementedError naming the regularizer."""
    got = cases.CASES["pointnet"](keras)["config_with_super_get_config"]
    theirs = KERAS["pointnet"]["config_with_super_get_config"]
    assert theirs.startswith("NotImplementedError: <") and \
        theirs.endswith("OrthogonalRegularizer object at " + theirs.split(" at ")[-1])
    assert got.startswith("NotImplementedError: OrthogonalRegularizer does not implement "
                          "get_config()")


def test_espcn_super_resolution_matches_keras():
    """The example's DepthToSpace (ops.shape, reshape, transpose) on inputs of any size."""
    run("espcn_super_resolution")


def test_supervised_contrastive_learning_matches_keras():
    """A Loss subclass overriding ``__call__`` with keras.utils.normalize on tensors."""
    run("supervised_contrastive")


def test_metric_learning_matches_keras():
    run("metric_learning")


def test_video_cnn_rnn_with_frame_masks_matches_keras():
    run("video_cnn_rnn")


def test_keypoint_head_matches_keras():
    run("keypoint_head")


def test_learning_to_resize_matches_keras():
    """Resizing inside the model on inputs of unknown size, a shared LeakyReLU default; a
    call without `training`, in which the Resizing layers' default training=True stays for
    the BatchNormalization layers after them (their moving statistics move), as in Keras."""
    got = run("learning_to_resize")
    assert got["direct_call"] != got["resized"][1]  # the direct call trained the statistics


def test_zero_dce_losses_and_training_match_keras():
    """Four custom losses (a Loss subclass of reduction "none" with ops.conv kernels) and a
    subclassed model trained through ``compute_loss``."""
    run("zero_dce")


def test_captcha_ocr_with_a_ctc_layer_matches_keras():
    """The CTC layer adds per-sample losses of shape (batch, 1) with ``add_loss``: Keras
    sums them (minikeras averaged, a third of Keras's loss at batch size 3); StringLookup
    and its inverse, ops.ctc_decode."""
    run("captcha_ocr")


def test_an_added_tensor_loss_is_summed_as_keras_sums_it():
    """Keras adds ``ops.sum`` of each ``add_loss`` tensor to the loss: three per-sample
    losses of 2.0 give 6.0 (minikeras gave their mean, 2.0)."""
    class PerSampleLoss(keras.layers.Layer):
        def call(self, x):
            self.add_loss(2.0 * keras.ops.ones((keras.ops.shape(x)[0], 1)))
            return x

    inputs = keras.Input((2,))
    model = keras.Model(inputs, PerSampleLoss()(keras.layers.Dense(1)(inputs)))
    model.compile(optimizer="sgd")
    assert model.evaluate(np.ones((3, 2), "float32"), batch_size=3, verbose=0) == \
        pytest.approx(6.0)


def test_speech_recognition_with_ctc_matches_keras():
    """ops.stft spectrograms, Conv2D and Bidirectional GRUs on a None time axis, a CTC loss
    function, greedy and beam-search decoding."""
    run("speech_recognition_ctc")


def test_deeplabv3_plus_matches_keras():
    """Dilated convolutions, whole-map AveragePooling2D and bilinear UpSampling2D."""
    run("deeplabv3_plus")


def test_speaker_recognition_matches_keras():
    """ops.fft magnitudes into Conv1D residual blocks, MaxPool1D, AveragePooling1D."""
    run("speaker_recognition")


def test_swin_transformer_windows_match_keras():
    """window_partition / window_reverse, ops.roll, a relative position bias taken from a
    table made with add_weight in ``__init__``; ``keras.Variable(dtype="int")`` is int32 as
    in Keras (minikeras gave numpy's int64, 64 more bytes in the summary)."""
    run("swin_windows")


def test_mobilevit_matches_keras():
    """keras.activations.swish on KerasTensors, ``if ops.equal(...)`` on a tensor, the
    example's correct_pad before a strided DepthwiseConv2D, patches by Reshape."""
    run("mobilevit")


def test_token_learner_matches_keras():
    """A Sequential of Conv2D(activation=ops.gelu), Reshape and Permute making attention
    maps; its config names the activation "gelu" as Keras's does."""
    run("token_learner")


def test_retinanet_box_pieces_match_keras():
    run("retinanet_pieces")


def test_image_ops_of_the_examples_match_keras():
    run("image_ops_of_the_examples")


# Keras 3.15 on torch: crop_images slices silently past the image, extract_patches with a
# 3-tuple size fails inside torch, the interpolation error lists torch's three methods and
# the rank error prints torch.Size. minikeras raises a ValueError naming the sizes.
REWORDED_IMAGE_ERRORS = {"crop_too_big": "no error", "patches_bad_size": "RuntimeError",
                         "resize_bad_interpolation": "ValueError",
                         "grayscale_rank": "ValueError"}


def test_image_op_errors_have_keras_s_types():
    got = cases.image_ops_of_the_examples(keras)["errors"]
    theirs = dict(KERAS["image_ops_of_the_examples"]["errors"])
    for name, keras_type in REWORDED_IMAGE_ERRORS.items():
        assert theirs.pop(name).split(":")[0] == keras_type, name
        assert got.pop(name).startswith("ValueError: "), name
    assert got == theirs


def _file_config(name):
    """config.json of a .keras file (in tests/fixtures unless ``name`` is a path)."""
    with zipfile.ZipFile(os.path.join(FIXTURES, name)) as archive:
        return json.loads(archive.read("config.json"))


def _saved_convmixer(folder):
    return cases.convmixer_trained(keras, str(folder))[0]


def _saved_pointnet(folder):
    return cases.pointnet_trained(keras)


@pytest.mark.parametrize("name, make", [("convmixer", _saved_convmixer),
                                        ("pointnet", _saved_pointnet)])
def test_files_written_as_keras_writes_them(tmp_path, name, make):
    """The .keras file minikeras writes holds the config.json Keras wrote for the same
    script (layers, build and compile configs)."""
    path = str(tmp_path / f"{name}.keras")
    make(tmp_path).save(path)
    assert _comparable(_file_config(path)) == \
        _comparable(_file_config(f"keras_examples7_{name}.keras"))


def _comparable(file_config):
    """A file's config.json without what Keras on torch writes its own way: the optimizer's
    module is its torch class's (``keras.src.backend.torch.optimizers.torch_adam``, with a
    registered name), where minikeras writes Keras's public one as Keras's other backends
    do; ``shared_object_id`` is Keras's bookkeeping of the shared dtype policies."""
    optimizer = file_config["compile_config"]["optimizer"]
    assert optimizer["module"] in ("keras.optimizers",
                                   "keras.src.backend.torch.optimizers.torch_"
                                   + optimizer["class_name"].lower())
    file_config["compile_config"]["optimizer"] = {
        k: v for k, v in optimizer.items() if k not in ("module", "registered_name")}
    return strip_shared_ids(file_config)


def test_keras_convmixer_file_loads_and_predicts():
    model = keras.models.load_model(os.path.join(FIXTURES, "keras_examples7_convmixer.keras"))
    np.testing.assert_allclose(model.predict(cases.CONVMIXER_INPUT, verbose=0).ravel(),
                               KERAS["convmixer_file_predict"], rtol=1e-5, atol=1e-7)


def test_keras_pointnet_file_with_a_custom_regularizer_loads_and_predicts():
    regularizer = cases.orthogonal_regularizer_class(keras, with_base_config=False)
    # Keras warns the same on its own file: the compiled optimizer never ran.
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer 'adam', "
                      "because it has 86 variables whereas the saved optimizer has 2"):
        model = keras.models.load_model(
            os.path.join(FIXTURES, "keras_examples7_pointnet.keras"),
            custom_objects={"OrthogonalRegularizer": regularizer})
    np.testing.assert_allclose(model.predict(cases.POINTS[:3], verbose=0).ravel(),
                               KERAS["pointnet_file_predict"], rtol=1e-5, atol=1e-7)
    dense = model.get_layer("dense_1")
    assert isinstance(dense.activity_regularizer, regularizer)
    assert dense.activity_regularizer.get_config() == {"num_features": 3, "l2reg": 0.001}


def test_every_case_is_tested():
    tested = {"mlp_mixer", "fnet", "gmlp", "convmixer", "cct", "involution", "pointnet",
              "espcn_super_resolution", "supervised_contrastive", "metric_learning",
              "video_cnn_rnn", "keypoint_head", "learning_to_resize", "zero_dce",
              "captcha_ocr", "speech_recognition_ctc", "retinanet_pieces",
              "image_ops_of_the_examples", "deeplabv3_plus", "speaker_recognition",
              "swin_windows", "mobilevit", "token_learner"}
    assert tested == set(cases.CASES) and tested <= set(KERAS)
