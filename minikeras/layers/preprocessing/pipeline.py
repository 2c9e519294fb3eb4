"""Pipeline: a plain layer that applies a list of (preprocessing) layers in order."""
from ..layer import LAYERS, Layer
from ..masks import input_mask


@LAYERS.register("Pipeline")
class Pipeline(Layer):
    """Apply ``layers`` one after the other, passing ``training`` (when not None) and the
    mask (the one given, then the one each output carries) to those that take them.

    Unlike a Sequential it is a layer, not a model (no compile / fit); Keras uses it for
    augmentation chains such as ``Pipeline([AutoContrast(), RandomZoom(0.2)])``.
    """
    _allow_non_tensor_positional_args = True  # as Keras

    _converts_inputs = False  # as Keras: the inputs reach the layers as given

    _accepts_strings = True

    def __init__(self, layers, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not isinstance(layers, (list, tuple)) or not all(isinstance(l, Layer)
                                                           for l in layers):
            raise ValueError(f"`Pipeline` expects a list of layers. Received: layers={layers!r}")
        self._pipeline_layers = list(layers)

    @property
    def layers(self):
        return self._pipeline_layers

    def call(self, inputs, training=True, mask=None):
        for layer in self._pipeline_layers:
            kwargs = {}
            if layer._call_takes_mask:
                kwargs["mask"] = mask
            if layer._call_takes_training and training is not None:
                kwargs["training"] = training
            inputs = layer(inputs, **kwargs)
            mask = input_mask(inputs)
        return inputs

    def compute_output_shape(self, input_shape):
        for layer in self._pipeline_layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def get_config(self):
        return {"layers": [LAYERS.serialize(l, "keras.layers") for l in self._pipeline_layers],
                "name": self.name}

    @classmethod
    def from_config(cls, config):
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError("`Pipeline` config must contain a `layers` key mapping to a list of "
                             f"serialized layers. Received config with layers={layers}.")
        return cls(**{**config, "layers": [LAYERS.deserialize(l) for l in layers]})
