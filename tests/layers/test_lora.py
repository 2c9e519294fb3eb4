"""LoRA on Dense, EinsumDense, Embedding and the convolutions: the merged weight
W + (alpha / rank) A @ B, its gradients (derived by hand), training, configs and files.
Weight order, messages and the alpha rule are Keras 3.15.1's (seen in a scratch run)."""
import zipfile

import h5py
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.autodiff import grad

KERNEL = np.arange(12, dtype="float32").reshape(4, 3) / 10
BIAS = np.array([1, 2, 3], "float32")


def lora_dense(rank=2, alpha=None):
    dense = layers.Dense(3, name="d")
    dense.build((None, 4))
    dense.set_weights([KERNEL, BIAS])
    dense.enable_lora(rank, lora_alpha=alpha)
    return dense


def test_enable_lora_freezes_the_kernel_and_adds_two_trainable_float32_factors():
    dense = lora_dense()
    assert [w.path for w in dense.weights] == ["d/kernel", "d/bias", "d/lora_kernel_a",
                                               "d/lora_kernel_b"]
    assert [w.name for w in dense.trainable_weights] == ["bias", "lora_kernel_a",
                                                         "lora_kernel_b"]
    assert [w.name for w in dense.non_trainable_weights] == ["kernel"]
    assert dense.lora_kernel_a.shape == (4, 2) and dense.lora_kernel_b.shape == (2, 3)
    assert dense.lora_kernel_b.numpy().tolist() == np.zeros((2, 3)).tolist()  # starts as W
    np.testing.assert_array_equal(dense.kernel.numpy(), KERNEL)
    assert (dense.lora_enabled, dense.lora_rank, dense.lora_alpha) == (True, 2, 2)
    assert dense.count_params() == 12 + 3 + 8 + 6


def test_factors_of_a_nested_layer_are_named_under_the_path_it_was_built_at():
    """Keras keeps the parent path of a layer's first name scope: factors added after the
    build, outside any call, sit beside the kernel (model/block/dense/...)."""
    inputs = keras.Input((4,))
    block = keras.Sequential([layers.Dense(3, name="dense")], name="block")
    model = keras.Model(inputs, block(inputs), name="model")
    dense = model.get_layer("block").layers[0]
    dense.enable_lora(2)
    assert [w.path for w in dense.weights] == [
        "block/dense/kernel", "block/dense/bias", "block/dense/lora_kernel_a",
        "block/dense/lora_kernel_b"]


@pytest.mark.parametrize("alpha", [None, 6.0])
def test_the_layer_computes_with_the_merged_kernel(alpha):
    dense = lora_dense(alpha=alpha)
    a = np.linspace(-1, 1, 8, dtype="float32").reshape(4, 2)
    b = np.linspace(0.5, -0.5, 6, dtype="float32").reshape(2, 3)
    dense.lora_kernel_a.assign(a)
    dense.lora_kernel_b.assign(b)
    merged = KERNEL + (2 if alpha is None else alpha) / 2 * a @ b
    np.testing.assert_allclose(dense.kernel.numpy(), merged, rtol=1e-6)
    x = np.array([[1, -2, 0.5, 3]], "float32")
    np.testing.assert_allclose(dense(x).numpy(), x @ merged + BIAS, rtol=1e-6)


def test_keras_scratch_run_numbers():
    # Keras 3.15.1: A = ones, B = 0.5 gives kernel + 1.0 and output [6.8, 8.2, 9.6] for ones
    dense = lora_dense()
    dense.lora_kernel_a.assign(np.ones((4, 2), "float32"))
    dense.lora_kernel_b.assign(np.full((2, 3), 0.5, "float32"))
    np.testing.assert_allclose(dense.kernel.numpy(), KERNEL + 1.0, rtol=1e-6)
    np.testing.assert_allclose(dense(np.ones((1, 4), "float32")).numpy(), [[6.8, 8.2, 9.6]],
                               rtol=1e-6)


def test_gradients_reach_the_factors_and_not_the_kernel():
    dense = lora_dense(alpha=4.0)
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(s).astype("float32") for s in ((4, 2), (2, 3)))
    dense.lora_kernel_a.assign(a)
    dense.lora_kernel_b.assign(b)
    x = rng.standard_normal((5, 4)).astype("float32")
    cotangent = rng.standard_normal((5, 3)).astype("float32")
    grad_a, grad_b = grad(dense(x), [dense.lora_kernel_a, dense.lora_kernel_b], cotangent)
    scale = 4.0 / 2  # y = x (W + s A B) + bias: dA = s x^T G B^T, dB = s A^T x^T G
    np.testing.assert_allclose(grad_a, scale * x.T @ cotangent @ b.T, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grad_b, scale * a.T @ x.T @ cotangent, rtol=1e-5, atol=1e-5)


def test_training_moves_the_factors_and_leaves_the_kernel():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="d")])
    model.layers[0].set_weights([KERNEL, BIAS])
    model.layers[0].enable_lora(2)
    model.compile(keras.optimizers.SGD(0.05), "mse")
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((32, 4)), rng.standard_normal((32, 3))
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    dense = model.layers[0]
    np.testing.assert_array_equal(dense._kernel.numpy(), KERNEL)
    assert np.abs(dense.lora_kernel_b.numpy()).sum() > 0


@pytest.mark.parametrize("make, build_shape, weight, factors", [
    (lambda: layers.EinsumDense("abc,cd->abd", output_shape=(None, 5), bias_axes="d"),
     (None, 3, 4), "kernel", ((4, 2), (2, 5))),
    (lambda: layers.Conv2D(4, 3), (None, 8, 8, 2), "kernel", ((3, 3, 2, 2), (2, 4))),
    (lambda: layers.Conv1D(4, 3), (None, 8, 2), "kernel", ((3, 2, 2), (2, 4))),
    (lambda: layers.Embedding(5, 3), (None, 4), "embeddings", ((5, 2), (2, 3))),
])
def test_other_layers_merge_their_main_weight(make, build_shape, weight, factors):
    layer = make()
    layer.build(build_shape)
    raw = getattr(layer, weight).numpy()
    layer.enable_lora(2, lora_alpha=3.0)
    prefix = "lora_embeddings" if weight == "embeddings" else "lora_kernel"
    a, b = getattr(layer, f"{prefix}_a"), getattr(layer, f"{prefix}_b")
    assert (a.shape, b.shape) == factors
    assert [w.name for w in layer.weights][-2:] == [f"{prefix}_a", f"{prefix}_b"]
    b.assign(np.full(b.shape, 0.25, "float32"))
    expected = raw + 1.5 * a.numpy() @ b.numpy()
    np.testing.assert_allclose(getattr(layer, weight).numpy(), expected, rtol=1e-5, atol=1e-6)
    if weight == "embeddings":
        np.testing.assert_allclose(layer(np.array([[0, 4]])).numpy()[0], expected[[0, 4]],
                                   rtol=1e-5, atol=1e-6)


def test_constructor_rank_applies_at_build_with_keras_alpha_rule():
    dense = layers.Dense(3, lora_rank=4, lora_alpha=8)
    assert dense.get_config()["lora_rank"] == 4 and not dense.lora_enabled
    dense.build((None, 5))
    assert (dense.lora_enabled, dense.lora_rank, dense.lora_alpha) == (True, 4, 4)  # Keras
    conv = layers.Conv2D(4, 3, lora_rank=2, lora_alpha=6)
    conv.build((None, 8, 8, 2))
    assert (conv.lora_enabled, conv.lora_alpha) == (True, 6)
    assert {k: v for k, v in conv.get_config().items() if k.startswith("lora")} == {
        "lora_rank": 2, "lora_alpha": 6}
    assert "lora_rank" not in layers.Dense(3).get_config()
    again = layers.Conv2D.from_config(conv.get_config())
    again.build((None, 8, 8, 2))
    assert again.lora_enabled and again.lora_alpha == 6


def test_bad_requests_say_what_is_wrong():
    with pytest.raises(ValueError, match="^Cannot enable lora on a layer that isn't yet built"):
        layers.Dense(3).enable_lora(2)
    with pytest.raises(ValueError, match="^lora is already enabled. This can only be done once"):
        lora_dense().enable_lora(2)
    constrained = layers.Dense(3, kernel_constraint="non_neg")
    constrained.build((None, 2))
    with pytest.raises(ValueError) as info:
        constrained.enable_lora(2)
    assert str(info.value) == ("Lora is incompatible with kernel constraints. In order to "
                               "enable lora on this layer, remove the `kernel_constraint` "
                               "argument.")
    table = layers.Embedding(5, 3, embeddings_constraint="non_neg")
    table.build((None, 2))
    with pytest.raises(ValueError, match="^Lora is incompatible with embedding constraints.*"
                                         "`embeddings_constraint`"):
        table.enable_lora(2)
    plain = layers.Dense(3)
    plain.build((None, 2))
    with pytest.raises(ValueError, match="`rank` must be a positive integer. Received: rank=0"):
        plain.enable_lora(0)
    assert not plain.lora_enabled and len(plain.weights) == 2  # nothing added
    with pytest.raises(AttributeError, match="You must build the layer before accessing "
                                             "`kernel`"):
        layers.Dense(3).kernel


def test_lora_and_quantization_refuse_each_other():
    quantized = layers.Dense(3)
    quantized.build((None, 4))
    quantized.quantize("int8")
    with pytest.raises(NotImplementedError, match="does not combine LoRA with quantization"):
        quantized.enable_lora(2)
    with pytest.raises(NotImplementedError, match="has LoRA enabled"):
        lora_dense().quantize("int8")


def lora_model():
    model = keras.Sequential([keras.Input((4,)), lora_dense()])
    dense = model.layers[0]
    dense.lora_kernel_a.assign(np.ones((4, 2), "float32"))
    dense.lora_kernel_b.assign(np.full((2, 3), 0.5, "float32"))
    return model


def test_a_keras_file_holds_the_merged_kernel_and_no_factors(tmp_path):
    model = lora_model()
    path = tmp_path / "lora.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        archive.extract("model.weights.h5", tmp_path)
    with h5py.File(tmp_path / "model.weights.h5") as f:
        assert sorted(f["layers/dense/vars"]) == ["0", "1"]
        np.testing.assert_allclose(f["layers/dense/vars/0"][()], KERNEL + 1.0, rtol=1e-6)
    x = np.ones((2, 4), "float32")
    loaded = keras.models.load_model(path)  # the config's lora_rank: LoRA on, factors zero
    assert loaded.layers[0].lora_enabled
    assert not loaded.layers[0].lora_kernel_b.numpy().any()
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


def test_weights_files_load_both_ways_between_lora_and_plain_models(tmp_path):
    model = lora_model()
    x = np.ones((2, 4), "float32")
    model.save_weights(tmp_path / "lora.weights.h5")
    plain = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
    plain.load_weights(tmp_path / "lora.weights.h5")
    np.testing.assert_allclose(plain.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    plain.save_weights(tmp_path / "plain.weights.h5")
    other = lora_model()  # factors nonzero before loading
    other.load_weights(tmp_path / "plain.weights.h5")
    assert not other.layers[0].lora_kernel_b.numpy().any()
    np.testing.assert_allclose(other.layers[0]._kernel.numpy(), KERNEL + 1.0, rtol=1e-6)
    np.testing.assert_allclose(other.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


def test_a_variable_frozen_after_creation_keeps_its_place_in_weights():
    dense = layers.Dense(2)
    dense.build((None, 2))
    dense.kernel.trainable = False
    assert [w.name for w in dense.weights] == ["kernel", "bias"]
    assert [w.name for w in dense.trainable_weights] == ["bias"]
    assert [w.name for w in dense.non_trainable_weights] == ["kernel"]
