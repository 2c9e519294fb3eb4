"""Inference-time fusion (models/inference_fusion.py): a functional model run with training
off and no gradient (predict) folds BatchNormalization into the convolution before it and
runs ReLUs in place. The reference is the same model's unfused path (a call with gradients
recorded, which never fuses); the folding formula is checked against numbers derived by
hand."""
import numpy as np
import pytest

import minikeras as keras
from minikeras.autodiff import no_grad
from minikeras.models import inference_fusion
from minikeras.models.inference_fusion import AddStep, ConvStep, batch_norm_scale_shift

L = keras.layers


def randomize_batch_norms(model, seed=1):
    """Moving statistics, gamma and beta far from their initial 0 / 1."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, L.BatchNormalization):
            layer.moving_mean.assign(rng.normal(0, 0.5, layer.moving_mean.shape))
            layer.moving_variance.assign(rng.uniform(0.3, 3.0, layer.moving_variance.shape))
            layer.gamma.assign(rng.uniform(0.5, 2.0, layer.gamma.shape))
            layer.beta.assign(rng.normal(0, 0.5, layer.beta.shape))
    return model


def resnet_style():
    """Stem (padding, strided conv with bias, BN, ReLU, max pool) and one bottleneck block
    with a projection shortcut, Add, ReLU; global pooling and a Dense head."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((16, 16, 3))
    x = L.ZeroPadding2D(1)(inputs)
    x = L.Conv2D(8, 3, strides=2)(x)
    x = L.BatchNormalization(epsilon=1.001e-5)(x)
    x = L.Activation("relu")(x)
    x = L.MaxPooling2D(2)(x)
    shortcut = L.BatchNormalization()(L.Conv2D(16, 1, strides=2)(x))
    y = L.ReLU()(L.BatchNormalization()(L.Conv2D(4, 1, strides=2)(x)))
    y = L.ReLU()(L.BatchNormalization()(L.Conv2D(4, 3, padding="same")(y)))
    y = L.BatchNormalization()(L.Conv2D(16, 1)(y))
    x = L.Activation("relu")(L.Add()([shortcut, y]))
    outputs = L.Dense(5)(L.GlobalAveragePooling2D()(x))
    return randomize_batch_norms(keras.Model(inputs, outputs))


def mobilenet_style():
    """Convolutions without bias, a depthwise convolution (multiplier 2) with ReLU(6.),
    a linear bottleneck, a residual Add without ReLU after it, and a strided depthwise
    convolution after a ZeroPadding of exactly its "same" pads."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((12, 12, 3))
    x = L.ReLU(6.0)(L.BatchNormalization()(L.Conv2D(8, 3, strides=2, padding="same",
                                                    use_bias=False)(inputs)))
    y = L.DepthwiseConv2D(3, padding="same", depth_multiplier=2, use_bias=False)(x)
    y = L.Activation("relu6")(L.BatchNormalization()(y))
    y = L.BatchNormalization()(L.Conv2D(8, 1, use_bias=False)(y))
    x = L.Add()([x, y])
    y = L.ZeroPadding2D(((0, 1), (0, 1)))(x)            # the "same" pads of 6x6, stride 2
    y = L.DepthwiseConv2D(3, strides=2)(y)
    y = L.ReLU(max_value=6.0)(L.BatchNormalization()(y))
    outputs = L.GlobalAveragePooling2D()(y)
    return randomize_batch_norms(keras.Model(inputs, outputs))


def images(shape, seed=0):
    return np.random.default_rng(seed).normal(0, 1, shape).astype("float32")


def unfused(model, x):
    """The model's output through its layers one by one (gradients recorded: no fusion)."""
    return model(x, training=False).numpy()


def assert_close(fused, reference):
    scale = np.abs(reference).max()
    assert scale > 0
    np.testing.assert_allclose(fused, reference, rtol=0, atol=2e-6 * scale)


def fused_kinds(model):
    return [type(step).__name__ for step in inference_fusion.plan_for(model).steps
            if not hasattr(step, "layer")]


def hand_checked_norm():
    # var + eps = (4, 0.25): 1/sqrt = (0.5, 2); times gamma (2, 3): inv = (1, 6);
    # shift = beta - mean * inv = (0.5 - 1, -1 - 12) = (-0.5, -13)
    norm = L.BatchNormalization(epsilon=0.25)
    norm.build((None, 1, 1, 2))
    norm.set_weights([np.array(v, "float32") for v in
                      ([2.0, 3.0], [0.5, -1.0], [1.0, 2.0], [3.75, 0.0])])  # gamma beta mean var
    return norm


def test_batch_norm_scale_shift_matches_hand_derivation():
    inv, shift = batch_norm_scale_shift(hand_checked_norm())
    np.testing.assert_array_equal(inv, [1.0, 6.0])
    np.testing.assert_array_equal(shift, [-0.5, -13.0])


@pytest.mark.parametrize("batch", [1, 4])   # 1: the output is scaled; 4: the kernel
def test_fused_conv_batch_norm_relu_matches_hand_derivation(batch):
    # conv of (1, 1): 1 * (3, 1) + 1 * (0, 0) + (1, 1) = (4, 2);
    # BN: 4 * 1 - 0.5 = 3.5, 2 * 6 - 13 = -1; ReLU: (3.5, 0)
    inputs = keras.Input((1, 1, 2))
    conv = L.Conv2D(2, 1)
    outputs = L.ReLU()(hand_checked_norm()(conv(inputs)))
    model = keras.Model(inputs, outputs)
    conv.set_weights([np.array([[[[3.0, 1.0], [0.0, 0.0]]]], "float32"), np.ones(2, "float32")])
    step = inference_fusion.plan_for(model).steps[0]
    # kernel 1 x 2 x 2 = 4 values; output rows x 2 filters = 2 at batch 1, 8 at batch 4
    assert step.folds_into_kernel((batch, 1, 1, 2), "valid", conv.kernel.data) == (batch == 4)
    np.testing.assert_array_equal(model.predict(np.ones((batch, 1, 1, 2), "float32"),
                                                verbose=0),
                                  np.tile([[[[3.5, 0.0]]]], (batch, 1, 1, 1)))


@pytest.mark.parametrize("build, shape, kinds", [
    (resnet_style, (3, 16, 16, 3), ["ConvStep"] * 5 + ["AddStep"]),
    (mobilenet_style, (2, 12, 12, 3), ["ConvStep"] * 4 + ["AddStep"]),
])
def test_fused_predict_equals_unfused_path(build, shape, kinds):
    model = build()
    x = images(shape)
    assert_close(model.predict(x, verbose=0), unfused(model, x))
    assert sorted(fused_kinds(model)) == sorted(kinds)
    with no_grad():
        assert_close(model(x).numpy(), unfused(model, x))


def test_fused_path_sees_set_weights_load_weights_and_training(tmp_path):
    model, other = resnet_style(), randomize_batch_norms(resnet_style(), seed=7)
    x = images((4, 16, 16, 3))
    before = model.predict(x, verbose=0)
    model.set_weights([w * 1.5 for w in model.get_weights()])
    after_set = model.predict(x, verbose=0)
    assert np.abs(after_set - before).max() > 1e-3
    assert_close(after_set, unfused(model, x))

    for layer in other.layers:
        for w in layer.weights:
            w.assign(w.numpy() * 0.5)
    other.save_weights(tmp_path / "other.weights.h5")
    model.load_weights(tmp_path / "other.weights.h5")
    assert_close(model.predict(x, verbose=0), other.predict(x, verbose=0))
    assert_close(model.predict(x, verbose=0), unfused(model, x))

    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    loaded = model.predict(x, verbose=0)
    model.fit(x, np.ones((4, 5), "float32"), epochs=1, verbose=0)  # kernels and moving stats move
    trained = model.predict(x, verbose=0)
    assert np.abs(trained - loaded).max() > 1e-3
    assert_close(trained, unfused(model, x))


def test_training_true_never_fuses():
    model = resnet_style()
    x = images((4, 16, 16, 3))
    weights = model.get_weights()
    with no_grad():
        no_grad_training = model(x, training=True).numpy()
    moved = [not np.array_equal(a, b) for a, b in zip(weights, model.get_weights())]
    assert any(moved)  # the batch statistics updated the moving averages: BN ran training
    model.set_weights(weights)
    np.testing.assert_array_equal(no_grad_training, model(x, training=True).numpy())
    assert np.abs(no_grad_training - model.predict(x, verbose=0)).max() > 1e-3


def test_tensors_used_twice_and_unsupported_layers_are_not_fused():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 3))
    shared = L.Conv2D(4, 3, padding="same")
    a = shared(inputs)
    normalized = L.BatchNormalization()(a)            # `a` is also used below
    b = L.Add()([a, normalized])
    c = L.BatchNormalization()(L.Conv2D(4, 1, activation="relu")(b))  # activation before BN
    d = L.BatchNormalization(axis=1)(L.Conv2D(8, 1)(c))               # BN not on channels
    e = L.LeakyReLU()(L.BatchNormalization()(shared(inputs)))         # not a ReLU: BN only
    f = L.ReLU(threshold=0.5)(L.Conv2D(4, 1)(e))                      # threshold: no fusion
    model = randomize_batch_norms(keras.Model(inputs, [normalized, d, f, e]))
    x = images((2, 8, 8, 3))
    for fused, reference in zip(model.predict(x, verbose=0), model(x)):
        assert_close(fused, reference.numpy())
    plan = inference_fusion.plan_for(model)
    fused = [step for step in plan.steps if isinstance(step, ConvStep)]
    assert len(fused) == 1 and fused[0].nodes[0].layer is shared
    assert not fused[0].relu


def test_an_output_that_is_also_used_later_stays_available():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((6, 6, 2))
    conv = L.Conv2D(3, 3)(inputs)
    relu = L.ReLU()(L.BatchNormalization()(conv))
    normalized = L.BatchNormalization()(L.Conv2D(3, 1)(relu))
    pooled = L.GlobalAveragePooling2D()(L.ReLU()(normalized))
    model = randomize_batch_norms(keras.Model(inputs, [conv, relu, normalized, pooled]))
    x = images((2, 6, 6, 2))
    for fused, reference in zip(model.predict(x, verbose=0), model(x)):
        assert_close(fused, reference.numpy())
    # `conv` is an output: its BN is not folded; `normalized` is one: its ReLU stays apart
    steps = [s for s in inference_fusion.plan_for(model).steps if isinstance(s, ConvStep)]
    assert [len(step.nodes) for step in steps] == [2] and not steps[0].relu


def test_inputs_that_do_not_qualify_run_the_layers_one_by_one():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((6, 6, 2), dtype="float64")   # the conv casts to float32 itself
    left = L.ReLU()(L.BatchNormalization()(L.Conv2D(3, 3)(inputs)))
    right = keras.Input((1, 1, 3))
    outputs = L.ReLU()(L.Add()([left, right]))           # broadcasting Add: plain Add
    model = randomize_batch_norms(keras.Model([inputs, right], outputs))
    x = [images((2, 6, 6, 2)).astype("float64"), images((2, 1, 1, 3), seed=3)]
    assert fused_kinds(model) == ["ConvStep", "AddStep"]
    fused = model.predict(x, verbose=0)
    assert fused.dtype == np.float32
    assert_close(fused, model(x).numpy())


def test_zero_padding_folds_into_a_valid_convolution_only_when_it_is_the_same_padding():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((None, None, 2))
    x = L.ZeroPadding2D(((0, 1), (0, 1)))(inputs)
    outputs = L.ReLU()(L.BatchNormalization()(L.Conv2D(3, 3, strides=2)(x)))
    model = randomize_batch_norms(keras.Model(inputs, outputs))
    step = inference_fusion.plan_for(model).steps[0]
    assert isinstance(step, ConvStep) and step.pad is model.layers[1]
    even, odd = images((2, 8, 6, 2)), images((2, 7, 7, 2))
    # "same" for 8 (and 6), kernel 3, stride 2 pads (0, 1); for 7 it pads (1, 1)
    assert step.same_padding(even.shape) and not step.same_padding(odd.shape)
    for x in (even, odd):   # "same" for the even size; padded, then "valid", for the odd
        assert_close(model.predict(x, verbose=0), unfused(model, x))


def test_add_relu_writes_only_into_an_operand_nothing_else_reads():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((5, 5, 3))
    a = L.BatchNormalization()(L.Conv2D(4, 1)(inputs))        # read again after the Add
    b = L.BatchNormalization()(L.Conv2D(4, 3, padding="same")(inputs))
    c = L.Conv2D(4, 1)(inputs)
    summed = L.ReLU()(L.Add()([a, b, c]))
    outputs = L.Add()([summed, a])
    model = randomize_batch_norms(keras.Model(inputs, outputs))
    steps = [s for s in inference_fusion.plan_for(model).steps if isinstance(s, AddStep)]
    # b's storage, never a's (read again); then the first sum's storage
    assert [step.into for step in steps] == [1, 0]
    x = images((3, 5, 5, 3))
    assert_close(model.predict(x, verbose=0), unfused(model, x))


def test_a_functional_model_used_as_a_layer_is_fused_inside():
    base = resnet_style()
    inputs = keras.Input((16, 16, 3))
    outputs = L.Dense(2)(base(inputs, training=False))
    model = keras.Model(inputs, outputs)
    x = images((2, 16, 16, 3))
    inference_fusion._PLANS.pop(base, None)   # (building `model` may have run it)
    assert_close(model.predict(x, verbose=0), unfused(model, x))
    assert base in inference_fusion._PLANS          # predict ran the inner model's plan
    assert "ConvStep" in fused_kinds(base)
