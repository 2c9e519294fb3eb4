"""ConvNeXtTiny ... XLarge (Liu et al., "A ConvNet for the 2020s", CVPR 2022), with Keras's
layer names.

A ``Normalization`` layer with the ImageNet mean and variance of [0, 255] pixels
(``include_preprocessing``), a 4x4 stride-4 patch stem, then four stages of ConvNeXt blocks
with a downsampling block (LayerNormalization, 2x2 stride-2 convolution) before stages 1-3.
The stem and the downsampling blocks are nested ``Sequential`` models, as in Keras, so the
weight files' layout matches. A block: 7x7 depthwise convolution (a grouped ``Conv2D``),
LayerNormalization, ``Dense`` to 4x the channels, GELU, ``Dense`` back, ``LayerScale``,
stochastic depth (or an identity ``Activation``), added to the block's input.

``LayerScale`` and ``StochasticDepth`` are Keras's private layers of this module, registered
under their class names so Keras-written ``.keras`` files that hold them load. The model
normalises its own inputs, so ``preprocess_input`` is the identity: feed pixels in [0, 255].
ConvNeXt works in ``channels_last`` only.
"""
import numpy as np

from .. import initializers, layers, ops, random
from ..backend import image_data_format
from ..layers.layer import LAYERS, Layer
from ..models.sequential import Sequential
# the module's decode_predictions, as in Keras
from .imagenet_utils import decode_predictions  # noqa: F401
from .construction import check_arguments, finish, image_input, pooled, top_or_notop_file

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/convnext/"
# weights name -> (sha256 with top, sha256 without top)
WEIGHTS_HASHES = {
    "convnext_tiny": ("8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
                      "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
    "convnext_small": ("ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
                       "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab"),
    "convnext_base": ("52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
                      "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45"),
    "convnext_large": ("070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
                       "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd"),
    "convnext_xlarge": ("c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
                        "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05"),
}
# variant -> (blocks per stage, channels per stage); every variant's default size is 224
MODEL_CONFIGS = {"tiny": ((3, 3, 9, 3), (96, 192, 384, 768)),
                 "small": ((3, 3, 27, 3), (96, 192, 384, 768)),
                 "base": ((3, 3, 27, 3), (128, 256, 512, 1024)),
                 "large": ((3, 3, 27, 3), (192, 384, 768, 1536)),
                 "xlarge": ((3, 3, 27, 3), (256, 512, 1024, 2048))}
DEFAULT_SIZE = 224
LAYER_SCALE_INIT = 1e-6
EPSILON = 1e-6  # of every LayerNormalization
# ImageNet statistics of [0, 255] pixels (the PreStem normalization)
IMAGENET_MEAN = (0.485 * 255, 0.456 * 255, 0.406 * 255)
IMAGENET_VARIANCE = ((0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2)


@LAYERS.register("LayerScale")
class LayerScale(Layer):
    """A trainable factor per channel (Touvron et al., CaiT). Formula:
    ``output = inputs * gamma``, ``gamma`` of shape ``(projection_dim,)`` starting at
    ``init_values``.

    Args:
        init_values: the initial value of every factor (a float).
        projection_dim: the number of channels (the last axis).
    """

    _keras_private_module = "keras.src.applications.convnext"  # the module Keras files name

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, input_shape):
        if input_shape[-1] is not None and input_shape[-1] != self.projection_dim:
            raise ValueError(f"LayerScale '{self.name}' scales {self.projection_dim} channels "
                             f"but its input has {input_shape[-1]} on its last axis "
                             f"(input shape {tuple(input_shape)}).")
        self.gamma = self.add_weight(shape=(self.projection_dim,),
                                     initializer=initializers.Constant(self.init_values))

    def call(self, x):
        return ops.multiply(x, self.gamma)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "init_values": self.init_values,
                "projection_dim": self.projection_dim}


@LAYERS.register("StochasticDepth")
class StochasticDepth(Layer):
    """Drops a residual branch for whole samples in training (stochastic depth, "drop path").

    Formula in training: ``output = inputs / keep * floor(keep + u)`` with
    ``keep = 1 - drop_path_rate`` and ``u ~ U[0, 1)`` drawn once per sample, so each sample's
    branch is zeroed with probability ``drop_path_rate`` and otherwise scaled by ``1 / keep``.
    The identity at inference.

    Args:
        drop_path_rate: the probability of dropping a sample's branch, in [0, 1).
        seed: optional int, for repeatable draws (else a child of the global generator).
    """

    _keras_private_module = "keras.src.applications.convnext"  # the module Keras files name

    def __init__(self, drop_path_rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if (not isinstance(drop_path_rate, (int, float)) or isinstance(drop_path_rate, bool)
                or not 0 <= drop_path_rate < 1):
            raise ValueError("StochasticDepth: `drop_path_rate` must be a float in [0, 1). "
                             f"Received: drop_path_rate={drop_path_rate!r}")
        self.drop_path_rate = drop_path_rate
        self.seed = seed
        self._rng = random.LazyGenerator(seed)

    def call(self, x, training=None):
        if not training or self.drop_path_rate == 0:
            return x
        keep = 1.0 - self.drop_path_rate
        shape = (ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)
        kept = ops.floor(keep + random.uniform(shape, dtype=x.dtype, seed=self._rng()))
        return ops.multiply(ops.divide(x, keep), kept)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = {**super().get_config(), "drop_path_rate": self.drop_path_rate}
        if self.seed is not None:
            config["seed"] = self.seed
        return config


def convnext_block(x, projection_dim, drop_path_rate=0.0,
                   layer_scale_init_value=LAYER_SCALE_INIT, name="convnext_block"):
    """One ConvNeXt block (module docstring) on ``x``, its layers named ``{name}_...``."""
    inputs = x
    x = layers.Conv2D(projection_dim, 7, padding="same", groups=projection_dim,
                      name=f"{name}_depthwise_conv")(x)
    x = layers.LayerNormalization(epsilon=EPSILON, name=f"{name}_layernorm")(x)
    x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
    x = layers.Activation("gelu", name=f"{name}_gelu")(x)
    x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
    if layer_scale_init_value is not None:
        x = LayerScale(layer_scale_init_value, projection_dim, name=f"{name}_layer_scale")(x)
    if drop_path_rate:
        x = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")(x)
    else:
        x = layers.Activation("linear", name=f"{name}_identity")(x)
    return inputs + x


def _downsampling_blocks(projection_dims, name):
    """The stem and the three downsampling blocks, each a nested Sequential as in Keras."""
    stem = Sequential([
        layers.Conv2D(projection_dims[0], 4, strides=4, name=f"{name}_stem_conv"),
        layers.LayerNormalization(epsilon=EPSILON, name=f"{name}_stem_layernorm")],
        name=f"{name}_stem")
    return [stem] + [Sequential([
        layers.LayerNormalization(epsilon=EPSILON, name=f"{name}_downsampling_layernorm_{i}"),
        layers.Conv2D(projection_dims[i + 1], 2, strides=2,
                      name=f"{name}_downsampling_conv_{i}")],
        name=f"{name}_downsampling_block_{i}") for i in range(3)]


def _check_imagenet_variant(depths, projection_dims, name, weights_name):
    if weights_name not in WEIGHTS_HASHES:
        raise ValueError(f"Keras publishes ImageNet weights for {sorted(WEIGHTS_HASHES)} "
                         f"only. Received: weights_name={weights_name!r}")
    variant = weights_name.split("convnext_")[-1]
    expected_depths, expected_dims = MODEL_CONFIGS[variant]
    if tuple(depths) != expected_depths or tuple(projection_dims) != expected_dims:
        raise ValueError(f"Architecture configuration does not match {weights_name}: ImageNet "
                         f"weights need depths {list(expected_depths)} and projection_dims "
                         f"{list(expected_dims)}. Received: depths={list(depths)}, "
                         f"projection_dims={list(projection_dims)}")
    if weights_name not in name:
        raise ValueError(f'Model name "{name}" does not match weights variant '
                         f'"{weights_name}": with ImageNet weights the name must contain '
                         f'"{weights_name}" (it names the weight file).')


def ConvNeXt(depths, projection_dims, drop_path_rate=0.0,
             layer_scale_init_value=LAYER_SCALE_INIT, default_size=DEFAULT_SIZE,
             name="convnext", include_preprocessing=True, include_top=True, weights=None,
             input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", weights_name=None):
    """A ConvNeXt of ``len(depths) == 4`` stages: ``depths[i]`` blocks of
    ``projection_dims[i]`` channels; block ``k`` of all drops its branch with rate
    ``drop_path_rate * k / (blocks - 1)`` in training; ``layer_scale_init_value=None``
    leaves out LayerScale."""
    if image_data_format() == "channels_first":
        raise ValueError("ConvNeXt does not support the `channels_first` image data format. "
                         "Switch to `channels_last` (keras.config.set_image_data_format).")
    if len(depths) != 4 or len(projection_dims) != 4:
        raise ValueError("ConvNeXt has four stages: `depths` and `projection_dims` need four "
                         f"entries each. Received: depths={list(depths)}, "
                         f"projection_dims={list(projection_dims)}")
    check_arguments(weights, include_top, classes, classifier_activation, input_tensor)
    if weights == "imagenet":
        _check_imagenet_variant(depths, projection_dims, name, weights_name)
    img_input, shape = image_input(input_tensor, input_shape, default_size, 32, include_top,
                                   weights)
    x = img_input
    if include_preprocessing and shape[-1] == 3:
        x = layers.Normalization(mean=list(IMAGENET_MEAN), variance=list(IMAGENET_VARIANCE),
                                 name=f"{name}_prestem_normalization")(x)
    rates = [float(r) for r in np.linspace(0.0, drop_path_rate, sum(depths))]
    first = 0
    for i, downsample in enumerate(_downsampling_blocks(projection_dims, name)):
        x = downsample(x)
        for j in range(depths[i]):
            x = convnext_block(x, projection_dims[i], rates[first + j], layer_scale_init_value,
                               name=f"{name}_stage_{i}_block_{j}")
        first += depths[i]
    if include_top:
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=EPSILON, name=f"{name}_head_layernorm")(x)
        x = layers.Dense(classes, activation=classifier_activation,
                         name=f"{name}_head_dense")(x)
    else:
        x = layers.LayerNormalization(epsilon=EPSILON)(pooled(x, pooling))
    weight_file = top_or_notop_file(weights, name, WEIGHTS_HASHES.get(weights_name),
                                    include_top)
    return finish(img_input, input_tensor, x, name, weights, weight_file, BASE_WEIGHTS_PATH)


def _builder(variant):
    depths, dims = MODEL_CONFIGS[variant]
    title = {"xlarge": "XLarge"}.get(variant, variant.capitalize())

    def build(include_top=True, include_preprocessing=True, weights="imagenet",
              input_tensor=None, input_shape=None, pooling=None, classes=1000,
              classifier_activation="softmax", name=f"convnext_{variant}"):
        return ConvNeXt(*MODEL_CONFIGS[variant], default_size=DEFAULT_SIZE, name=name,
                        include_preprocessing=include_preprocessing, include_top=include_top,
                        weights=weights, input_tensor=input_tensor, input_shape=input_shape,
                        pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation,
                        weights_name=f"convnext_{variant}")
    build.__name__ = build.__qualname__ = f"ConvNeXt{title}"
    build.__doc__ = (f"ConvNeXt{title} (blocks {list(depths)}, channels {list(dims)}, input "
                     f"{DEFAULT_SIZE}); arguments as ``keras.applications.VGG16`` plus "
                     "``include_preprocessing`` (normalise [0, 255] pixels inside the model).")
    return build


ConvNeXtTiny = _builder("tiny")
ConvNeXtSmall = _builder("small")
ConvNeXtBase = _builder("base")
ConvNeXtLarge = _builder("large")
ConvNeXtXLarge = _builder("xlarge")


def preprocess_input(x, data_format=None):
    """The identity: ConvNeXt models normalise their inputs themselves."""
    return x

