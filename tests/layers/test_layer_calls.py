"""Layer calls with several tensor arguments, the training flag and masks (Keras 3's rules).

From the Keras guides "Making new layers and models via subclassing" (the endpoint layer
called as ``layer(logits, targets, sample_weight)``) and "Understanding masking & padding"
(``output._keras_mask``, ``compute_mask``, ``supports_masking``, a ``mask`` argument of
``call``). Every expected number is worked out by hand in the comments.
"""
import json
import warnings

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops
from minikeras.autodiff.tensor import Tensor


class ScaledSum(layers.Layer):
    """out = (a + scale * b) * weights; records what reached call."""

    def call(self, a, b, scale=1.0, weights=None):
        self.seen = (type(b), type(scale), type(weights))
        out = a + b * scale
        return out if weights is None else out * weights


A = np.array([[1.0, 2.0]], "float32")
B = np.array([[3.0, 4.0]], "float32")


def test_eager_call_with_positional_and_keyword_tensors():
    layer = ScaledSum()
    # a + 2 * b = [1 + 6, 2 + 8] = [7, 10]
    np.testing.assert_allclose(layer(A, B, scale=2.0).numpy(), [[7.0, 10.0]])
    # as Keras: a positional argument after the inputs must be a tensor or an array
    with pytest.raises(ValueError, match=r"Only input tensors may be passed as positional "
                       r"arguments\. The following argument value should be passed as a "
                       r"keyword argument: 2\.0 \(of type <class 'float'>\)"):
        layer(A, B, 2.0)
    # times weights [1, 0] -> [7, 0]; b and weights arrays became tensors, scale stayed a float
    out = layer(A, b=B, scale=2.0, weights=np.array([[1.0, 0.0]], "float32"))
    np.testing.assert_allclose(out.numpy(), [[7.0, 0.0]])
    assert layer.seen == (Tensor, float, Tensor)


def test_first_argument_by_its_name():
    # a by keyword: 1 + 3 = 4, 2 + 4 = 6
    np.testing.assert_allclose(ScaledSum()(a=A, b=B).numpy(), [[4.0, 6.0]])
    with pytest.raises(TypeError, match="without its first argument `a`"):
        ScaledSum()(b=B)


def test_symbolic_call_records_every_tensor_and_the_graph_round_trips(tmp_path):
    a, b, w = keras.Input((2,)), keras.Input((2,)), keras.Input((2,))
    layer = ScaledSum(name="scaled_sum")
    out = layer(a, b, scale=2.0, weights=w)
    node = layer._inbound_nodes[-1]
    assert [id(t) for t in node.inputs] == [id(a), id(b), id(w)]
    assert node.kwargs["scale"] == 2.0
    model = keras.Model([a, b, w], out)
    weights = np.array([[0.5, 1.0]], "float32")
    # (7, 10) * (0.5, 1) = (3.5, 10)
    np.testing.assert_allclose(model([A, B, weights]).numpy(), [[3.5, 10.0]])
    config = json.loads(json.dumps(model.get_config()))
    rebuilt = keras.Model.from_config(config, custom_objects={"ScaledSum": ScaledSum})
    np.testing.assert_allclose(rebuilt([A, B, weights]).numpy(), [[3.5, 10.0]])
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, custom_objects={"ScaledSum": ScaledSum})
    np.testing.assert_allclose(loaded([A, B, weights]).numpy(), [[3.5, 10.0]])


@pytest.mark.parametrize("constant, written_as", [
    (np.array([[1.0, 2.0, 3.0]], "float32"), "__numpy__"),
    (keras.ops.convert_to_tensor(np.array([[1.0, 2.0, 3.0]], "float32")), "__tensor__")])
def test_a_constant_argument_of_a_functional_call_is_kept_and_saved(constant, written_as,
                                                                     tmp_path):
    # Keras 3.15 (torch) keeps the constant in the node, writes it as written_as and
    # predicts [[2, 3, 4]] for ones, before and after a .keras round trip
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layers.Add()([inputs, constant]))
    node = model.get_config()["layers"][1]["inbound_nodes"][0]
    assert node["args"][0][1]["class_name"] == written_as
    np.testing.assert_allclose(model.predict(np.ones((1, 3)), verbose=0), [[2.0, 3.0, 4.0]])
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(np.ones((1, 3)), verbose=0), [[2.0, 3.0, 4.0]])


class NoTraining(layers.Layer):
    def call(self, inputs):
        return inputs * 2.0


class Recorder(layers.Layer):
    def call(self, inputs, training=None):
        self.training = training
        return inputs


def test_training_reaches_call_only_when_accepted_and_flows_inward():
    np.testing.assert_allclose(NoTraining()(A, training=True).numpy(), [[2.0, 4.0]])

    class Outer(keras.Model):
        def __init__(self):
            super().__init__()
            self.inner = Recorder()

        def call(self, inputs):  # the inner layer is called without `training`
            return self.inner(inputs)

    model = Outer()
    model(A, training=True)
    assert model.inner.training is True
    model(A, training=False)
    assert model.inner.training is False


# ---- masks -----------------------------------------------------------------------------
PADDED = np.array([[7, 2, 0, 0], [3, 0, 0, 0]])


def test_embedding_and_masking_outputs_carry_their_mask():
    embedded = layers.Embedding(input_dim=10, output_dim=3, mask_zero=True)(PADDED)
    np.testing.assert_array_equal(np.asarray(embedded._keras_mask),
                                  [[True, True, False, False], [True, False, False, False]])
    # Masking: a timestep is kept when any feature differs from 0
    x = np.repeat((PADDED != 0)[..., None].astype("float32"), 2, axis=-1)
    masked = layers.Masking()(x)
    np.testing.assert_array_equal(np.asarray(masked._keras_mask), PADDED != 0)


class MaskedMean(layers.Layer):
    """Mean over kept timesteps: sum(x * m) / sum(m)."""

    def call(self, inputs, mask=None):
        self.mask_seen = mask
        m = ops.expand_dims(ops.cast(mask, "float32"), -1)
        return ops.sum(inputs * m, axis=1) / ops.sum(m, axis=1)


class Double(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True  # passes the mask through unchanged

    def call(self, inputs):
        return inputs * 2.0


def test_mask_propagates_through_sequential_and_functional_models():
    x = np.array([[[1.0], [3.0], [0.0]], [[4.0], [0.0], [0.0]]], "float32")
    # kept steps: sample 0 -> 1, 3 (doubled 2, 6: mean 4); sample 1 -> 4 (doubled 8: mean 8)
    seq = keras.Sequential([keras.Input((3, 1)), layers.Masking(), Double(), MaskedMean()])
    np.testing.assert_allclose(seq(x).numpy(), [[4.0], [8.0]])
    inp = keras.Input((3, 1))
    masked = layers.Masking()(inp)
    assert masked._keras_mask.shape == (None, 3)
    doubled = Double()(masked)
    assert doubled._keras_mask.shape == (None, 3)  # passed on through the graph too
    model = keras.Model(inp, MaskedMean()(doubled))
    np.testing.assert_allclose(model(x).numpy(), [[4.0], [8.0]])


def test_a_layer_without_masking_support_drops_the_mask():
    masked = layers.Masking()(np.ones((1, 2, 1), "float32"))
    assert masked._keras_mask is not None
    assert NoTraining()(masked)._keras_mask is None


class TemporalSplit(layers.Layer):
    """The masking guide's layer: split along time; compute_mask splits the mask too."""

    def call(self, inputs):
        return ops.split(inputs, 2, axis=1)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        return ops.split(ops.convert_to_tensor(mask), 2, axis=1)


def test_compute_mask_override_implies_support_and_sets_each_output():
    layer = TemporalSplit()
    assert layer.supports_masking
    embedded = layers.Embedding(10, 2, mask_zero=True)(PADDED)
    first, second = layer(embedded)
    np.testing.assert_array_equal(np.asarray(first._keras_mask), [[True, True], [True, False]])
    np.testing.assert_array_equal(np.asarray(second._keras_mask), [[False, False],
                                                                   [False, False]])


class Bilinear(layers.Layer):
    """out = sum(a @ W * b): build takes the shapes of both call arguments (Keras's rule)."""

    def build(self, a_shape, b_shape):
        self.w = self.add_weight(shape=(a_shape[-1], b_shape[-1]), initializer="ones")

    def call(self, a, b):
        return ops.sum(ops.matmul(a, self.w) * b, axis=-1, keepdims=True)


def test_build_with_one_shape_per_call_argument(tmp_path):
    layer = Bilinear()
    # W is ones (2, 3): a @ W = (1 + 2) in each of 3 columns; times b [1, 1, 1] summed: 9
    np.testing.assert_allclose(layer(A, np.ones((1, 3), "float32")).numpy(), [[9.0]])
    assert layer.w.shape == (2, 3)
    a, b = keras.Input((2,)), keras.Input((3,))
    model = keras.Model([a, b], Bilinear(name="bilinear")(a, b))
    assert model.get_layer("bilinear").get_build_config() == {
        "shapes_dict": {"a_shape": [None, 2], "b_shape": [None, 3]}}
    path = tmp_path / "bilinear.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, custom_objects={"Bilinear": Bilinear})
    np.testing.assert_allclose(loaded([A, np.ones((1, 3), "float32")]).numpy(), [[9.0]])


def test_a_build_with_parameters_not_named_after_call_is_refused():
    class Bad(layers.Layer):
        def build(self, first, second):
            pass

        def call(self, a, b):
            return a

    with pytest.raises(ValueError, match=r"`_shape` suffix.*argument `first`"):
        Bad()(A, B)


def test_an_embedding_mask_reaches_a_recurrent_layer_in_a_sequential_model():
    # Keras's masking guide: masked (padding) steps leave the LSTM state unchanged, so the
    # padded sequence ends in the same state as the unpadded one
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((None,), dtype="int32"),
                              layers.Embedding(10, 4, mask_zero=True), layers.LSTM(3)])
    np.testing.assert_allclose(model(np.array([[5, 2, 7, 0, 0]])).numpy(),
                               model(np.array([[5, 2, 7]])).numpy(), rtol=1e-6)


@pytest.mark.parametrize("make, x, expected", [
    (lambda: layers.Dense(3), np.zeros(8, "float32"),
     r"expected min_ndim=2, found ndim=1. Full shape received: \(8,\)"),
    (lambda: layers.RepeatVector(3), np.zeros(8, "float32"),
     r"expected ndim=2, found ndim=1. Full shape received: \(8,\)"),
    (lambda: layers.RepeatVector(3), keras.Input((2, 3)),
     r"expected ndim=2, found ndim=3. Full shape received: \(None, 2, 3\)"),
])
def test_input_spec_is_checked_before_the_first_build(make, x, expected):
    # Keras 3.15 checks an __init__ input_spec before building (messages as Keras prints
    # them), instead of failing inside build or call with an unrelated error.
    layer = make()
    with pytest.raises(ValueError, match=f"with name 'None' of layer '{layer.name}' is "
                                         f"incompatible.*{expected}"):
        layer(x)
    assert not layer.built


def test_floating_inputs_are_autocast_to_the_layer_dtype():
    # Keras 3.15 (checked once with the scratch install): a float32 layer given float64
    # computes and returns float32, autocast=False keeps float64, a float64 layer casts up,
    # integers pass as they are, and a functional model leaves inputs to its Input layers.
    x64 = Tensor(np.ones((2, 3)))
    assert layers.Dense(2)(x64).dtype == np.float32
    assert layers.Identity()(x64).dtype == np.float32
    assert layers.Add()([x64, x64]).dtype == np.float32
    assert layers.Dense(2, autocast=False)(x64).dtype == np.float64
    assert layers.Dense(2, dtype="float64")(np.ones((2, 3), "float32")).dtype == np.float64
    assert layers.Identity()(np.arange(3, dtype="int32")[None]).dtype == np.int32
    masked = Tensor(np.ones((1, 2, 3)))
    masked.mask = np.array([[True, False]])
    np.testing.assert_array_equal(layers.Dense(2)(masked).mask, [[True, False]])
    inp = keras.Input((3,), dtype="float64")
    model = keras.Model(inp, layers.Activation("linear", dtype="float64")(inp))
    assert model(x64).dtype == np.float64


def test_symbolic_dtype_with_unknown_sizes_follows_the_layer():
    # sizes unknown, so no sample runs: Keras gives float32 for an Embedding of int32 ids
    # and for a Dense of a float64 input (autocast)
    ids = keras.Input((None,), dtype="int32")
    assert layers.Embedding(10, 3)(ids).dtype == "float32"
    assert layers.Dense(2)(keras.Input((None, 4), dtype="float64")).dtype == "float32"
    assert layers.Dense(2, dtype="float64")(keras.Input((None, 4))).dtype == "float64"
    assert layers.Reshape((-1,))(ids).dtype == "int32"


@pytest.mark.parametrize("make, shape, expected", [
    (lambda: layers.EinsumDense("abc,bcd->ad", 2, name="ed"), (None, 4),
     r"shape=\(None, 4, 2\) for variable path='ed/kernel'"),
    (lambda: layers.LayerNormalization(axis=1, name="ln"), (None, 4),
     r"shape=\(None,\) for variable path='ln/gamma'"),
])
def test_a_weight_sized_by_an_unknown_axis_is_refused_as_in_keras(make, shape, expected):
    # Keras 3.15's message (from the scratch install), instead of a TypeError from int(None)
    with pytest.raises(ValueError, match="Shapes used to initialize variables must be fully-"
                                         r"defined \(no `None` dimensions\). Received: " + expected):
        make()(keras.Input(shape))


@pytest.mark.parametrize("shape, expected", [((2, 3), (2, 3)), ([4], (4,)),
                                             (np.array([2, 3]), (2, 3)), (None, ())])
def test_add_weight_takes_any_sequence_of_sizes_as_its_shape(shape, expected):
    """Keras converts any iterable of sizes (a tuple, a list, a numpy array) to a shape and
    refuses a bare number with "Cannot convert '3' to a shape."."""
    layer = keras.layers.Layer()
    assert tuple(layer.add_weight(shape=shape, name="w").shape) == expected
    with pytest.raises(ValueError, match="Cannot convert '3' to a shape"):
        layer.add_weight(shape=3, name="bad")


def test_add_variable_is_add_weight_with_shape_and_initializer_required():
    layer = keras.layers.Layer(name="holder")
    variable = layer.add_variable((2, 3), "ones", dtype="float64", trainable=False, name="w")
    assert variable.path == "holder/w" and variable.dtype == "float64"
    assert layer.non_trainable_weights == [variable] and variable.numpy().sum() == 6
    with pytest.raises(TypeError):
        layer.add_variable((2,))  # no initializer: Keras's signature requires one


def test_input_dtype_and_quantization_mode_of_a_plain_layer():
    dense = keras.layers.Dense(2, dtype="float64")
    assert dense.input_dtype == "float64" and dense.quantization_mode is None
    assert keras.layers.Dropout(0.5).quantization_mode is None


class _Positions(keras.layers.Layer):
    """keras-io's masked language model's position embedding: no batch axis."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.table = keras.layers.Embedding(10, 8)

    def call(self, x):
        return self.table(keras.ops.arange(0, keras.ops.shape(x)[1]))


class _Rows(keras.layers.Layer):
    def call(self, x):
        return keras.ops.reshape(x, (-1, keras.ops.shape(x)[-1]))


class _OverBatch(keras.layers.Layer):
    def call(self, x):
        return keras.ops.sum(x, axis=0)


@pytest.mark.parametrize("shape, expected", [
    ((6,), [(6, 8), (None, 6), (6,)]),
    ((3, 4), [(3, 8), (None, 4), (3, 4)]),
    ((None, 4), [(None, 8), (None, 4), (None, 4)]),
])
def test_a_symbolic_output_without_the_batch_axis_keeps_its_sizes(shape, expected):
    """As Keras 3.15 shows them (checked with it): an output size that follows the batch
    size is unknown, one that does not stays known (Keras traces two batch sizes)."""
    x = keras.Input(shape)
    assert [tuple(layer(x).shape) for layer in (_Positions(), _Rows(), _OverBatch())] == \
        expected


def test_a_slice_of_an_input_is_not_the_batch():
    """``x[0]`` of an ``Input((4, 6))`` is (4, 6); a scan starting from it over ``x`` carries
    (4, 6) and stacks (None, 4, 6), as in Keras."""
    x = keras.Input((4, 6))
    assert tuple(x[0].shape) == (4, 6)
    carry, stacked = keras.ops.scan(lambda c, row: (c + row, c), x[0], x)
    assert (tuple(carry.shape), tuple(stacked.shape)) == ((4, 6), (None, 4, 6))


def test_a_custom_layer_whose_call_fails_on_symbolic_inputs_of_unknown_size_raises():
    # Keras raises the call's error (keras-io's text_generation_fnet decoder reads a name
    # bound only when a mask came); minikeras used to give it its input's shape instead
    class Broken(layers.Layer):
        def call(self, inputs, other, mask=None):
            if mask is not None:
                padding = mask
            return inputs + padding

    x = keras.Input((None, 4))
    with pytest.raises(UnboundLocalError, match="padding"):
        Broken()(x, x)


class _TwoBranches(keras.layers.Layer):
    """No build of its own; its call uses ``augment`` only when asked to."""

    def __init__(self, use_both):
        super().__init__()
        self.use_both = use_both
        self.dense = layers.Dense(2)
        self.augment = layers.Dense(4)

    def call(self, x):
        return self.dense(self.augment(x) if self.use_both else x)


def test_a_first_call_that_leaves_a_sublayer_unbuilt_warns_as_keras():
    with pytest.warns(UserWarning, match=r"`build\(\)` was called on layer '.*', however the "
                      "layer does not have a `build\\(\\)` method implemented and it looks "
                      "like it has unbuilt state"):
        _TwoBranches(use_both=False)(np.ones((3, 4), "float32"))


def test_a_first_call_that_builds_every_sublayer_does_not_warn():
    layer = _TwoBranches(use_both=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer(np.ones((3, 4), "float32"))
    assert layer.dense.built and layer.augment.built


def test_a_user_layer_whose_call_fails_on_keras_tensors_gets_keras_advice():
    class Regroup(keras.layers.Layer):  # no compute_output_shape; 5 features are not 7s
        def call(self, x):
            return ops.reshape(x, (-1, 7))

    with pytest.raises(ValueError, match=r"Could not automatically infer the output shape / "
                       r"dtype of 'regroup' \(of type Regroup\)\. Either the `Regroup.call\(\)`"
                       r" method is incorrect, or you need to implement the `Regroup."
                       r"compute_output_spec\(\) / compute_output_shape\(\)` method\. Error "
                       r"encountered:\n\ncannot reshape array of size 5"):
        Regroup()(keras.Input((5,)))
