"""The initializer / regularizer / constraint arguments that weight-owning layers share.

A layer with weights ``kernel`` and ``bias`` takes ``kernel_initializer``,
``bias_regularizer``, ... : the functions here resolve such arguments, create
the weights with them and write them back into the layer's config, so each layer lists
its options once.
"""
from .. import constraints, initializers, regularizers

_FAMILIES = {"initializer": initializers, "regularizer": regularizers, "constraint": constraints}


def set_weight_options(layer, **options):
    """Resolve each ``<weight>_<kind>`` argument into the layer attribute of the same name."""
    for name, value in options.items():
        setattr(layer, name, _FAMILIES[name.rsplit("_", 1)[1]].get(value))


def add_weight_with_options(layer, name, shape, options=None):
    """``layer.add_weight`` with the initializer, regularizer and constraint the layer keeps
    as ``<options>_initializer`` etc. (``options`` defaults to ``name``: ``kernel_*``)."""
    options = options or name
    return layer.add_weight(shape=shape, initializer=getattr(layer, f"{options}_initializer"),
                            regularizer=getattr(layer, f"{options}_regularizer"),
                            constraint=getattr(layer, f"{options}_constraint"), name=name)


def weight_options_config(layer, *weights):
    """Config entries for the weights' options, in Keras's order: every initializer, then
    every regularizer, then every constraint (options the layer does not have are skipped)."""
    config = {}
    for kind, family in _FAMILIES.items():
        for weight in weights:
            name = f"{weight}_{kind}"
            if hasattr(layer, name):
                config[name] = family.serialize(getattr(layer, name))
    return config


def inserted_after(config, after, entries):
    """``config`` with the ``entries`` (a dict) placed right after its key ``after``: where
    Keras writes an option among the others."""
    items = [(key, value) for key, value in config.items() if key not in entries]
    at = 1 + [key for key, _ in items].index(after)
    return dict(items[:at] + list(entries.items()) + items[at:])


def with_activity_regularizer(config, layer):
    """``config`` with ``layer``'s ``activity_regularizer`` right after the weight
    regularizers, where Keras's convolutions and recurrent layers write it (None too)."""
    last = [key for key in config if key.endswith("_regularizer")][-1]
    return inserted_after(config, last, {
        "activity_regularizer": regularizers.serialize(layer.activity_regularizer)})
