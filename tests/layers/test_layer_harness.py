"""One harness over every class in the layer registry.

Each row of ``ROWS`` builds one layer with small arguments and checks:

* the output shape of a real call against ``compute_output_shape`` (with a known and an
  unknown batch size);
* the config round trip (through JSON, as files store it);
* saving: ``save_weights`` / ``load_weights`` into a model rebuilt from the config gives
  the same weights and the same outputs;
* a float64 finite-difference gradient check with respect to the inputs and every
  trainable weight (``Row.gradcheck=False`` skips it, with the reason in ``Row.why``), at
  every element.

Adding a layer: add one ``Row`` under its class name, e.g. for a preprocessing layer fed
strings: ``"StringLookup": Row(dict(vocabulary=["a", "b"]), (2,), inputs=lambda rng, batch:
[rng.choice(np.array(["a", "b", "c"]), (batch, 2))], gradcheck=False, why="a lookup table:
no gradient")``. ``test_every_registered_layer_has_a_row``
reads the whole registry (no module filter), so a registered layer without a row fails it.
Classes that are not single layers (the models, InputLayer) are listed in ``NOT_LAYERS``
with the reason and where they are tested.
"""
import json
from dataclasses import dataclass, field

import numpy as np
import pytest

import minikeras as keras
import minikeras.applications  # noqa: F401  (applications register their own layers)
import minikeras.models  # noqa: F401  (the models register in the layer registry too)
from minikeras import layers, ops
from minikeras.autodiff import grad
from minikeras.autodiff.gradcheck import numerical_grad
from minikeras.autodiff.tensor import Tensor
from minikeras.registry import CUSTOM_OBJECTS


@keras.saving.register_keras_serializable(package="layer_harness")
def scaled_square(x, factor=1.0):
    return ops.multiply(ops.square(x), factor)


@pytest.fixture(autouse=True)
def keep_scaled_square_registered():
    # other tests may clear custom objects; the Lambda row saves through this registration
    CUSTOM_OBJECTS.add(scaled_square, "layer_harness>scaled_square", "scaled_square",
                       replace=True)


@dataclass
class Row:
    """How to exercise one layer class.

    Args:
        kwargs: constructor arguments (small sizes keep the finite differences cheap).
        sample: the per-sample input shape, or a list of them for a layer taking a list.
        training: the ``training`` flag of every call (None: the layer's default).
        integer_inputs: draw the inputs as integers in ``[0, integer_inputs)`` (indices);
            the gradient check then covers the weights only.
        inputs: for other inputs (strings, a fixed vocabulary, ...), a function
            ``(rng, batch) -> list of arrays`` (one per entry of ``sample``).
        gradcheck: False for a layer that is not differentiable; ``why`` must say why.
        why: the reason a check is skipped or weakened.
    """

    kwargs: dict = field(default_factory=dict)
    sample: object = (3,)
    training: object = None
    integer_inputs: int = 0
    inputs: object = None
    gradcheck: bool = True
    why: str = ""


RANDOM_IN_TRAINING = ("random in training, so finite differences need the deterministic "
                      "inference path; the training masks are tested in "
                      "test_regularization_layers.py")

NO_GRADIENT = "maps values to indices or bins: piecewise constant, no gradient (as in Keras)"
AUGMENTATION = ("random when training, so the harness runs the deterministic inference path; "
                "the augmentations are tested in tests/layers/preprocessing/test_image_layers.py, "
                "test_image_mixing.py, test_image_filtering.py, test_image_composite.py and "
                "test_image_warping.py")


def words(rng, shape):
    return rng.choice(np.array(["a", "b", "c"]), shape)


ROWS = {
    # core
    "Dense": Row(dict(units=3, activation="tanh"), (4,)),
    "Activation": Row(dict(activation="sigmoid")),
    "Identity": Row(),
    "Lambda": Row(dict(function=scaled_square, arguments={"factor": 0.5})),
    "Masking": Row(dict(mask_value=0.0), (4, 3)),
    "Embedding": Row(dict(input_dim=6, output_dim=3), (4,), integer_inputs=6),
    "ReversibleEmbedding": Row(dict(input_dim=6, output_dim=3, tie_weights=False), (4,),
                               integer_inputs=6),
    "SpectralNormalization": Row(dict(layer=layers.Dense(2)), (3,), gradcheck=False,
                                 why="the wrapped layer is float32 (see RNN); float64 training "
                                     "is tested in tests/layers/test_wrapper_layers.py"),
    # activations
    "ELU": Row(dict(alpha=0.7)),
    "LeakyReLU": Row(dict(negative_slope=0.2)),
    "PReLU": Row(dict(alpha_initializer="random_uniform"), (2, 3)),
    "ReLU": Row(dict(max_value=1.5, threshold=0.1)),
    "Softmax": Row(dict(axis=-1), (2, 3)),
    "ThresholdedReLU": Row(dict(theta=0.3)),
    # convolutional
    "Conv1D": Row(dict(filters=2, kernel_size=2), (4, 2)),
    "Conv2D": Row(dict(filters=2, kernel_size=2, padding="same"), (3, 3, 2)),
    "Conv3D": Row(dict(filters=2, kernel_size=2), (2, 2, 3, 1)),
    "DepthwiseConv1D": Row(dict(kernel_size=2), (4, 2)),
    "DepthwiseConv2D": Row(dict(kernel_size=2, depth_multiplier=2), (3, 3, 2)),
    "SeparableConv1D": Row(dict(filters=2, kernel_size=2), (4, 2)),
    "SeparableConv2D": Row(dict(filters=2, kernel_size=2), (3, 3, 2)),
    "Conv1DTranspose": Row(dict(filters=2, kernel_size=3, strides=2), (3, 2)),
    "Conv2DTranspose": Row(dict(filters=2, kernel_size=2, strides=2, padding="same"),
                           (2, 2, 2)),
    "Conv3DTranspose": Row(dict(filters=1, kernel_size=2), (2, 2, 2, 1)),
    # pooling
    "MaxPooling1D": Row(dict(), (4, 2)),
    "MaxPooling2D": Row(dict(), (4, 4, 1)),
    "MaxPooling3D": Row(dict(), (2, 2, 2, 1)),
    "AveragePooling1D": Row(dict(pool_size=2), (4, 2)),
    "AveragePooling2D": Row(dict(pool_size=2, padding="same"), (3, 3, 1)),
    "AveragePooling3D": Row(dict(pool_size=2), (2, 2, 2, 1)),
    "GlobalAveragePooling1D": Row(dict(), (3, 2)),
    "GlobalAveragePooling2D": Row(dict(), (2, 2, 2)),
    "GlobalAveragePooling3D": Row(dict(keepdims=True), (2, 2, 2, 1)),
    "GlobalMaxPooling1D": Row(dict(), (3, 2)),
    "GlobalMaxPooling2D": Row(dict(keepdims=True), (2, 2, 2)),
    "GlobalMaxPooling3D": Row(dict(), (2, 2, 2, 1)),
    # normalization
    "BatchNormalization": Row(dict(), (3,), training=True),
    "LayerNormalization": Row(dict(), (4,)),
    "UnitNormalization": Row(dict(axis=[1, 2]), (2, 3)),
    # regularization
    "Dropout": Row(dict(rate=0.3, seed=1), why=RANDOM_IN_TRAINING),
    "ActivityRegularization": Row(dict(l1=0.01, l2=0.02)),
    "GaussianNoise": Row(dict(stddev=0.1, seed=1), why=RANDOM_IN_TRAINING),
    "GaussianDropout": Row(dict(rate=0.2, seed=1), why=RANDOM_IN_TRAINING),
    "AlphaDropout": Row(dict(rate=0.2, seed=1), why=RANDOM_IN_TRAINING),
    "SpatialDropout1D": Row(dict(rate=0.3, seed=1), (3, 2), why=RANDOM_IN_TRAINING),
    "SpatialDropout2D": Row(dict(rate=0.3), (2, 2, 2), why=RANDOM_IN_TRAINING),
    "SpatialDropout3D": Row(dict(rate=0.3, data_format="channels_first"), (2, 2, 2, 2),
                            why=RANDOM_IN_TRAINING),
    # reshaping
    "Flatten": Row(dict(), (2, 3)),
    "Reshape": Row(dict(target_shape=(3, 2)), (2, 3)),
    "Permute": Row(dict(dims=(2, 1)), (2, 3)),
    "RepeatVector": Row(dict(n=2)),
    "ZeroPadding1D": Row(dict(), (3, 2)),
    "ZeroPadding2D": Row(dict(), (2, 2, 1)),
    "ZeroPadding3D": Row(dict(), (1, 2, 2, 1)),
    "UpSampling1D": Row(dict(), (3, 2)),
    "UpSampling2D": Row(dict(), (2, 2, 1)),
    "UpSampling3D": Row(dict(), (1, 2, 2, 1)),
    "Cropping1D": Row(dict(), (4, 2)),
    "Cropping2D": Row(dict(cropping=((1, 0), (0, 1))), (3, 3, 1)),
    "Cropping3D": Row(dict(), (3, 3, 3, 1)),
    # merging
    "Add": Row(sample=[(3,), (3,), (3,)]),
    "Subtract": Row(sample=[(3,), (3,)]),
    "Multiply": Row(sample=[(3,), (3,)]),
    "Average": Row(sample=[(3,), (3,)]),
    "Maximum": Row(sample=[(3,), (3,)]),
    "Minimum": Row(sample=[(3,), (3,)]),
    "Concatenate": Row(dict(axis=-1), [(3,), (2,)]),
    "Dot": Row(dict(axes=1), [(3,), (3,)]),
    "GroupNormalization": Row(dict(groups=2), (3, 4)),
    "RMSNormalization": Row(dict(axis=[1, 2]), (2, 3)),
    # preprocessing
    "Rescaling": Row(dict(scale=0.5, offset=1.0)),
    "Normalization": Row(dict(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 0.25])),
    "Discretization": Row(dict(bin_boundaries=[-0.5, 0.0, 0.5]), gradcheck=False,
                          why=NO_GRADIENT),
    "CategoryEncoding": Row(dict(num_tokens=4, output_mode="count"), integer_inputs=4,
                            gradcheck=False, why=NO_GRADIENT),
    "Hashing": Row(dict(num_bins=5), (2,), inputs=lambda rng, batch: [words(rng, (batch, 2))],
                   gradcheck=False, why=NO_GRADIENT),
    "HashedCrossing": Row(dict(num_bins=5), [(1,), (1,)], inputs=lambda rng, batch: [
        words(rng, (batch, 1)), rng.integers(0, 9, (batch, 1))], gradcheck=False,
        why=NO_GRADIENT),
    "StringLookup": Row(dict(vocabulary=["a", "b"], output_mode="count"), (3,),
                        inputs=lambda rng, batch: [words(rng, (batch, 3))], gradcheck=False,
                        why=NO_GRADIENT),
    "IntegerLookup": Row(dict(vocabulary=[3, 5], num_oov_indices=2), (3,), integer_inputs=7,
                         gradcheck=False, why=NO_GRADIENT),
    "TextVectorization": Row(dict(vocabulary=["a", "b"], output_sequence_length=4), (),
                             inputs=lambda rng, batch: [np.array(["a b c", "b", "c a a b a"])[
                                 rng.integers(0, 3, batch)]], gradcheck=False, why=NO_GRADIENT),
    "Resizing": Row(dict(height=3, width=2, interpolation="bicubic"), (4, 4, 2)),
    "CenterCrop": Row(dict(height=2, width=3), (4, 4, 1)),
    "AutoContrast": Row(dict(), (3, 3, 2)),
    "Pipeline": Row(dict(layers=[layers.Rescaling(0.5), layers.CenterCrop(2, 2)]), (3, 3, 1),
                    gradcheck=False, why="its layers keep their own (float32) dtype; each one "
                    "is gradient-checked on its own row"),
    "RandomCrop": Row(dict(height=2, width=2, seed=1), (3, 4, 1), training=False,
                      why=AUGMENTATION),
    "RandomFlip": Row(dict(seed=1), (3, 3, 1), training=False, why=AUGMENTATION),
    "RandomRotation": Row(dict(factor=0.2, seed=1), (3, 3, 1), training=False, why=AUGMENTATION),
    "RandomTranslation": Row(dict(height_factor=0.2, width_factor=0.2, seed=1), (3, 3, 1),
                             training=False, why=AUGMENTATION),
    "RandomZoom": Row(dict(height_factor=0.2, seed=1), (3, 3, 1), training=False,
                      why=AUGMENTATION),
    "RandomContrast": Row(dict(factor=0.2, seed=1), (3, 3, 1), training=False, why=AUGMENTATION),
    "RandomBrightness": Row(dict(factor=0.2, seed=1), (3, 3, 1), training=False,
                            why=AUGMENTATION),
    "RandomGrayscale": Row(dict(seed=1), (2, 2, 3), training=False, why=AUGMENTATION),
    "RandomInvert": Row(dict(seed=1), (2, 2, 1), training=False, why=AUGMENTATION),
    "RandomSaturation": Row(dict(factor=0.3, seed=1), (2, 2, 3), training=False,
                            why=AUGMENTATION),
    "RandomHue": Row(dict(factor=0.3, seed=1), (2, 2, 3), training=False, why=AUGMENTATION),
    "RandomColorDegeneration": Row(dict(factor=0.3, seed=1), (2, 2, 3), training=False,
                                   why=AUGMENTATION),
    "RandomPosterization": Row(dict(factor=4, seed=1), (2, 2, 1), training=False,
                               why=AUGMENTATION),
    "RandomShear": Row(dict(x_factor=0.3, y_factor=0.2, seed=1), (3, 3, 1), training=False,
                       why=AUGMENTATION),
    "MixUp": Row(dict(seed=1), (3, 3, 1), training=False, why=AUGMENTATION),
    "CutMix": Row(dict(seed=1), (3, 3, 1), training=False, why=AUGMENTATION),
    "RandomErasing": Row(dict(seed=1), (3, 3, 1), training=False, why=AUGMENTATION),
    "RandomGaussianBlur": Row(dict(seed=1), (3, 3, 1), training=False, why=AUGMENTATION),
    "RandomSharpness": Row(dict(factor=0.3, seed=1), (3, 3, 1), training=False,
                           why=AUGMENTATION),
    "Equalization": Row(dict(), (3, 3, 1), training=False, why=AUGMENTATION),
    "RandomColorJitter": Row(dict(brightness_factor=0.2, hue_factor=0.1, seed=1), (3, 3, 3),
                             training=False, why=AUGMENTATION),
    "RandAugment": Row(dict(seed=1), (4, 4, 3), training=False, why=AUGMENTATION),
    "AugMix": Row(dict(seed=1), (4, 4, 3), training=False, why=AUGMENTATION),
    "ContrastLimitedAdaptiveHistogramEqualization": Row(
        dict(tile_grid_size=(2, 2)), (4, 4, 1), gradcheck=False,
        why="histogram lookups computed on numpy arrays: piecewise constant, no gradient"),
    "MaxNumBoundingBoxes": Row(dict(max_number=2), (3, 3, 1),
                               why="images pass unchanged; the boxes are tested in "
                                   "tests/layers/preprocessing/test_bounding_boxes.py"),
    "RandomPerspective": Row(dict(seed=1), (3, 3, 1), training=False, why=AUGMENTATION),
    "RandomElasticTransform": Row(dict(seed=1), (4, 4, 1), training=False, why=AUGMENTATION),
    "Solarization": Row(dict(addition_factor=0.2, threshold_factor=0.5, seed=1), (2, 2, 1),
                        training=False, why=AUGMENTATION),
    # recurrent (more in tests/layers/rnn) and attention (tests/layers/attention)
    "SimpleRNN": Row(dict(units=2, return_sequences=True), (3, 2)),
    "LSTM": Row(dict(units=2), (3, 2)),
    "GRU": Row(dict(units=2, go_backwards=True, return_sequences=True), (3, 2)),
    "ConvLSTM1D": Row(dict(filters=2, kernel_size=2, strides=2), (2, 5, 2)),
    "ConvLSTM2D": Row(dict(filters=2, kernel_size=2, padding="same", return_sequences=True),
                      (2, 3, 3, 1)),
    "ConvLSTM3D": Row(dict(filters=1, kernel_size=2, go_backwards=True), (2, 2, 2, 3, 1)),
    # the wrapped layer or cell is made here in float32: the float64 gradient check of the
    # cell-stepping path and of the wrappers runs in tests/layers/rnn instead
    "RNN": Row(dict(cell=layers.LSTMCell(2), return_sequences=True), (3, 2), gradcheck=False,
               why="the cell is built in float32 (float64 check: tests/layers/rnn)"),
    "Bidirectional": Row(dict(layer=layers.GRU(2, return_sequences=True)), (3, 2),
                         gradcheck=False, why="the wrapped layer is float32 (see RNN)"),
    "TimeDistributed": Row(dict(layer=layers.Dense(2)), (3, 2), gradcheck=False,
                           why="the wrapped layer is float32 (see RNN)"),
    "EinsumDense": Row(dict(equation="abc,cde->abde", output_shape=(3, 2, 2),
                            bias_axes="de"), (3, 2)),
    "MultiHeadAttention": Row(dict(num_heads=2, key_dim=2), [(3, 4), (2, 4)]),
    "GroupQueryAttention": Row(dict(head_dim=2, num_query_heads=4, num_key_value_heads=2,
                                    use_gate=True), [(3, 4), (2, 4)]),
    "Attention": Row(dict(use_scale=True, score_mode="concat"), [(3, 2), (4, 2)]),
    "AdditiveAttention": Row(dict(), [(3, 2), (4, 2)]),
    # audio
    "STFTSpectrogram": Row(dict(mode="magnitude", frame_length=4, frame_step=2), (9, 2)),
    "MelSpectrogram": Row(dict(fft_length=8, sequence_stride=4, num_mel_bins=3,
                               sampling_rate=800), (16,), gradcheck=False,
                          why="a fixed log-mel front end computed on numpy arrays, no "
                              "gradient (as Keras's data layer)"),
    # adaptive pooling
    "AdaptiveAveragePooling1D": Row(dict(output_size=2), (5, 2)),
    "AdaptiveAveragePooling2D": Row(dict(output_size=(2, 3)), (3, 4, 1)),
    "AdaptiveAveragePooling3D": Row(dict(output_size=2, data_format="channels_first"),
                                    (1, 3, 3, 2)),
    "AdaptiveMaxPooling1D": Row(dict(output_size=2), (5, 2)),
    "AdaptiveMaxPooling2D": Row(dict(output_size=(2, 3)), (3, 4, 1)),
    "AdaptiveMaxPooling3D": Row(dict(output_size=2), (3, 3, 2, 1)),
    # applications
    "CustomScaleLayer": Row(dict(scale=0.17), [(2, 3), (2, 3)]),
    "LayerScale": Row(dict(init_values=0.5, projection_dim=3), (2, 3)),
    "StochasticDepth": Row(dict(drop_path_rate=0.3, seed=1), (2, 3),
                           why="random in training: the harness runs the inference path; the "
                               "training path (with a float64 gradient check) is tested in "
                               "tests/applications/test_convnext_efficientnet_v2.py"),
}

# Registered classes that are not one layer with a call: what they are and where tested.
NOT_LAYERS = {
    "InputLayer": "a model's entry point, never called on data (tests/functional)",
    "Functional": "a model (tests/functional, tests/saving)",
    "Sequential": "a model (tests/models, tests/saving)",
    "SimpleRNNCell": "an RNN cell, called one timestep at a time with (inputs, states); runs "
                     "under RNN (its row) and in tests/layers/rnn",
    "LSTMCell": "an RNN cell (see SimpleRNNCell); tests/layers/rnn",
    "GRUCell": "an RNN cell (see SimpleRNNCell); tests/layers/rnn",
    "StackedRNNCells": "several RNN cells as one cell; tests/layers/rnn",
    "Wrapper": "the abstract base of wrappers (no call of its own); a subclass is built, "
               "saved and reloaded in tests/layers/test_wrapper_layers.py",
}


def registered_classes():
    return {cls.__name__ for _, cls in layers.LAYERS.items()}


def test_every_registered_layer_has_a_row():
    registered = registered_classes()
    missing = registered - set(ROWS) - set(NOT_LAYERS)
    assert not missing, f"registered layers without a harness row: {sorted(missing)}"
    stale = (set(ROWS) | set(NOT_LAYERS)) - registered
    assert not stale, f"rows for classes that are not registered: {sorted(stale)}"


def test_every_skipped_check_says_why():
    for name, row in ROWS.items():
        assert row.gradcheck or row.why, f"{name}: gradcheck=False needs a reason in `why`"


# ---- helpers -------------------------------------------------------------------------------------
def samples(row):
    return row.sample if isinstance(row.sample, list) else [row.sample]


def make_inputs(row, dtype, batch=2, seed=0):
    rng = np.random.default_rng(seed)
    if row.inputs is not None:
        return row.inputs(rng, batch)
    if row.integer_inputs:
        return [rng.integers(0, row.integer_inputs, (batch,) + s) for s in samples(row)]
    return [rng.standard_normal((batch,) + s).astype(dtype) for s in samples(row)]


def call(layer, row, arrays, training=None):
    tensors = [Tensor(a) for a in arrays]
    x = tensors if isinstance(row.sample, list) else tensors[0]
    if training is None:
        return layer(x)
    return layer(x, training=training)


def input_shapes(row, batch):
    shapes = [(batch,) + s for s in samples(row)]
    return shapes if isinstance(row.sample, list) else shapes[0]


def input_dtype(array):
    """The dtype of a keras.Input for arrays like ``array``."""
    if array.dtype.kind in "iu":
        return str(array.dtype)
    return "string" if array.dtype.kind in "OSU" else "float32"


def functional_model(layer, row):
    inputs = [keras.Input(s, dtype=input_dtype(a))
              for s, a in zip(samples(row), make_inputs(row, "float32"))]
    outputs = layer(inputs if isinstance(row.sample, list) else inputs[0])
    return keras.Model(inputs, outputs)


# ---- the checks -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(ROWS))
def test_output_shape_matches_compute_output_shape(name):
    row = ROWS[name]
    layer = layers.LAYERS.lookup(name)(**row.kwargs)
    out = call(layer, row, make_inputs(row, "float32"), row.training)
    if row.gradcheck:  # a differentiable layer computes in the float32 default
        assert out.dtype == np.float32
    assert tuple(out.shape) == tuple(layer.compute_output_shape(input_shapes(row, 2)))
    unknown_batch = tuple(layer.compute_output_shape(input_shapes(row, None)))
    assert unknown_batch == (None,) + tuple(out.shape[1:])


@pytest.mark.parametrize("name", sorted(ROWS))
def test_config_round_trip(name):
    row = ROWS[name]
    layer = layers.LAYERS.lookup(name)(**row.kwargs)
    call(layer, row, make_inputs(row, "float32"))
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert type(rebuilt) is type(layer)
    # compared as saved: a tuple a layer keeps as given (Keras's augmentation layers keep
    # their value_range so) comes back from the file a list, in Keras too
    assert json.dumps(rebuilt.get_config()) == json.dumps(layer.get_config())


@pytest.fixture(scope="module")
def weights_dir(tmp_path_factory):
    """One directory for every row's weights file (a directory per test costs more than
    the file)."""
    return tmp_path_factory.mktemp("layer_weights")


@pytest.mark.parametrize("name", sorted(ROWS))
def test_weights_save_and_load(name, weights_dir):
    row = ROWS[name]
    path = weights_dir / f"{name}.weights.h5"
    model = functional_model(layers.LAYERS.lookup(name)(**row.kwargs), row)
    for variable in model.weights:  # move every weight off its initial value
        variable.assign(np.random.default_rng(7).uniform(0.5, 1.5, variable.shape))
    model.save_weights(path)
    fresh = layers.deserialize(json.loads(json.dumps(layers.serialize(model.layers[-1]))))
    loaded = functional_model(fresh, row)
    loaded.load_weights(path)
    assert len(loaded.weights) == len(model.weights)
    for saved, restored in zip(model.weights, loaded.weights):
        np.testing.assert_array_equal(restored.numpy(), saved.numpy())
    x = make_inputs(row, "float32", seed=3)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


@pytest.mark.parametrize("name", sorted(n for n, r in ROWS.items() if r.gradcheck))
def test_float64_gradients_match_finite_differences(name):
    row = ROWS[name]
    layer = layers.LAYERS.lookup(name)(**row.kwargs, dtype="float64")
    arrays = make_inputs(row, "float64", seed=1)
    float_inputs = all(a.dtype == np.float64 for a in arrays)  # else indices: weights only
    call(layer, row, arrays, row.training)  # build
    assert layer.built
    weights = list(layer.trainable_weights)
    tensors = [Tensor(a, requires_grad=float_inputs) for a in arrays]
    out = layer(tensors if isinstance(row.sample, list) else tensors[0],
                **({} if row.training is None else {"training": row.training}))
    assert out.dtype == np.float64
    cotangent = np.random.default_rng(2).standard_normal(out.shape)
    targets = (tensors if float_inputs else []) + weights
    analytic = grad(out, targets, cotangent, unconnected_gradients="zero")

    def scalar(*_):
        return float(np.sum(call(layer, row, arrays, row.training).numpy() * cotangent))

    buffers = (arrays if float_inputs else []) + [w.data for w in weights]
    assert buffers, f"{name}: nothing to check (no float inputs and no trainable weights)"
    for i, (buffer, expected) in enumerate(zip(buffers, analytic)):
        assert np.shape(expected) == buffer.shape, f"{name}: gradient of target {i}"
        numeric = numerical_grad(scalar, buffers, i)  # perturbs the buffer in place
        np.testing.assert_allclose(expected, numeric, atol=1e-6, rtol=1e-5,
                                   err_msg=f"{name}: gradient of target {i}")
