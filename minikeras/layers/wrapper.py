"""Wrapper: the public base class of layers that hold another layer and change how it runs."""
from .layer import LAYERS, Layer, deserialize_layer, serialize_layer


@LAYERS.register("Wrapper")
class Wrapper(Layer):
    """Abstract base of a layer that wraps ``layer`` (a ``keras.layers.Layer``).

    It keeps the wrapped layer as ``self.layer``, builds it on the wrapper's input shape
    unless it is built already, and saves it in its config under ``"layer"``. A subclass
    writes ``call`` (and ``compute_output_shape`` when the shape changes); the wrapper
    itself has no call, as in Keras.

    Args:
        layer: the layer to wrap.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Layer {layer} supplied to Wrapper isn't a supported layer "
                             "type. Please ensure wrapped layer is a valid Keras layer. "
                             f"Received: {layer!r} of type {type(layer).__name__}, where "
                             "a `keras.layers.Layer` instance is expected.")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build_from_shape(input_shape)

    def call(self, inputs, training=None):
        raise NotImplementedError(
            f"Layer '{self.name}': {type(self).__name__} is the abstract wrapper base; a "
            "subclass must implement `call` (e.g. `return self.layer(inputs)` plus what the "
            "wrapper adds).")

    def get_config(self):
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        return cls(deserialize_layer(config.pop("layer"), custom_objects), **config)
