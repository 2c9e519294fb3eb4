"""One registry class for every family of named objects (losses, optimizers, ...).

Objects register themselves where they are defined, under every name Keras (or
Keras 2) knows them by. Lookups, config loading and the docs all read the
registry, so there is no second list to drift out of date.
"""


def config_repr(obj, without_config=None):
    """``Name(key=value, ...)`` of a configurable object, from its ``get_config()``; when
    that raises NotImplementedError, ``Name(<without_config>)`` (without a fallback the
    error propagates)."""
    try:
        args = ", ".join(f"{k}={v!r}" for k, v in obj.get_config().items())
    except NotImplementedError:
        if without_config is None:
            raise
        args = without_config
    return f"{type(obj).__name__}({args})"


def function_config(fn):
    """Keras 3's config of a named function: ``{"module": "builtins", "class_name":
    "function", "config": <its registered name, else __name__>, "registered_name":
    "function"}`` (Keras writes every function so, built-in or custom)."""
    return {"module": "builtins", "class_name": "function",
            "config": get_registered_name(fn), "registered_name": "function"}


class Registry:
    """A name -> object table for one family, e.g. ``Registry("loss")``."""

    def __init__(self, family, case_sensitive=True):
        self.family = family
        self.case_sensitive = case_sensitive
        self._entries = {}

    def _key(self, name):
        return name if self.case_sensitive else name.lower()

    def register(self, *names):
        """Decorator: register the object under ``names`` (default: its ``__name__``)."""
        def decorate(obj):
            self.add(obj, *(names or (obj.__name__,)))
            return obj
        return decorate

    def add(self, obj, *names, replace=False):
        """Register ``obj`` under ``names``; rebinding a name raises unless ``replace``."""
        for name in names:
            key = self._key(name)
            existing = self._entries.get(key)
            if existing is not None and existing is not obj and not replace:
                raise ValueError(
                    f"The {self.family} name {name!r} is already registered to {existing!r}.")
            self._entries[key] = obj

    def __contains__(self, name):
        return isinstance(name, str) and self._key(name) in self._entries

    def lookup(self, name, custom_objects=None, custom_first=False):
        """Return the object registered as ``name``, or raise a ValueError with close matches.

        ``custom_objects`` (a dict) and objects registered with
        ``register_keras_serializable`` are consulted after the family's own names, or
        before them when ``custom_first``.
        """
        custom = [extra[name] for extra in (custom_objects or {}, CUSTOM_OBJECTS._entries)
                  if name in extra]
        if custom and custom_first:
            return custom[0]
        key = self._key(name)
        if key in self._entries:
            return self._entries[key]
        if custom:
            return custom[0]
        raise ValueError(self.unknown_message(name))

    def serialize(self, obj, module):
        """The Keras config dict of ``obj``: an object with ``get_config``, or a named function.

        None stays None.
        """
        if obj is None:
            return None
        if hasattr(obj, "get_config"):
            cls = type(obj)
            module, registered = self.class_identity(cls, module)
            return {"module": module, "class_name": cls.__name__, "config": obj.get_config(),
                    "registered_name": registered}
        if callable(obj) and hasattr(obj, "__name__"):
            return function_config(obj)
        raise ValueError(
            f"Cannot serialize {obj!r}: expected a {self.family} object (with get_config) or "
            "a named function.")

    def class_identity(self, cls, module):
        """``(module, registered_name)`` of a config, as Keras 3 writes them: ``(module,
        None)`` for a class of this family (``module`` its public one, e.g. "keras.layers");
        ``(its Keras source module, "Name")`` for a class Keras keeps private (a class's own
        ``_keras_private_module``, e.g. ConvNeXt's LayerScale);
        for a user's class ``(its module, "package>Name")`` if registered, else ``(its
        module, "Name")``, the module None when it is ``__main__``."""
        own_module = None if cls.__module__ == "__main__" else cls.__module__
        if CUSTOM_OBJECTS.name_of(cls) is not None:
            return own_module, get_registered_name(cls)
        private = vars(cls).get("_keras_private_module")
        if private is not None:  # a Keras class no public module exports: its source module
            return private, cls.__name__
        if self.name_of(cls) is not None:
            return module, None
        return own_module, cls.__name__

    def deserialize(self, config, custom_objects=None):
        """Rebuild an object from ``{"class_name": ..., "config": {...}}``."""
        if not isinstance(config, dict) or "class_name" not in config:
            raise ValueError(
                f"Could not deserialize {self.family}: expected a dict with 'class_name' and "
                f"'config' keys. Received: {config!r}")
        name = config.get("registered_name") or config["class_name"]
        if name in ("function", "builtins"):
            name = config["config"]
        with CustomObjectScope(custom_objects):  # nested objects resolve them too
            # A config with a registered name is a user's class: as in Keras, the user's
            # object wins over a built-in of that name (keras-io PointNet's
            # OrthogonalRegularizer); Keras's own classes are written without one.
            cls = self.lookup(name, custom_first=bool(config.get("registered_name")))
            inner = config.get("config")
            if not isinstance(inner, dict):
                return cls
            return cls.from_config(inner) if hasattr(cls, "from_config") else cls(**inner)

    def unknown_message(self, name):
        import difflib  # lazy: only an error message needs it
        close = difflib.get_close_matches(self._key(str(name)), list(self._entries), n=3, cutoff=0.5)
        if close:
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?"
        elif len(self._entries) <= 20:
            hint = f" Known names: {', '.join(self.names())}."
        else:
            hint = f" {len(self._entries)} names are known; see the {self.family} docs."
        return f"Could not interpret {self.family} identifier: {name}.{hint}"

    def instance(self, config, custom_objects=None):
        """An object from a config dict or a name; a class found this way is instantiated."""
        if isinstance(config, str):
            config = {"class_name": config, "config": {}}
        obj = self.deserialize(config, custom_objects)
        return obj() if isinstance(obj, type) else obj

    def get_instance(self, identifier):
        """Keras's ``get`` for object families: None, a name, a dict, a class or a callable."""
        if identifier is None:
            return None
        if isinstance(identifier, (dict, str)):
            return self.instance(identifier)
        if isinstance(identifier, type):
            return identifier()
        if callable(identifier):
            return identifier
        raise ValueError(f"Could not interpret {self.family} identifier: {identifier}.")

    def names(self):
        """All registered names, sorted."""
        return sorted(self._entries)

    def items(self):
        return sorted(self._entries.items())

    def name_of(self, obj):
        """The first name ``obj`` was registered under, or None."""
        for name, entry in self._entries.items():
            if entry is obj:
                return name
        return None


CUSTOM_OBJECTS = Registry("custom object")


def register_keras_serializable(package="Custom", name=None):
    """Decorator: make a user's class or function loadable by name from configs and files.

    It is registered as ``"package>name"`` and as the bare ``name``. Registering again
    (a redefined class in a notebook, or a second package using the same bare name)
    replaces the earlier entry, as Keras does, instead of raising.
    """
    def decorate(obj):
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() "
                             "method.")
        short = name or obj.__name__
        CUSTOM_OBJECTS.add(obj, f"{package}>{short}", short, replace=True)
        return obj
    return decorate


class CustomObjectScope:
    """``with CustomObjectScope({"MyLayer": MyLayer}):`` makes the names resolvable inside."""

    def __init__(self, custom_objects=None, *more):
        self.custom_objects = {}
        for table in (custom_objects,) + more:
            self.custom_objects.update(table or {})
        self._saved, self._added = {}, []

    def __enter__(self):
        entries = CUSTOM_OBJECTS._entries
        self._saved = {k: entries[k] for k in self.custom_objects if k in entries}
        self._added = [k for k in self.custom_objects if k not in entries]
        entries.update(self.custom_objects)
        return self

    def __exit__(self, *exc_info):
        entries = CUSTOM_OBJECTS._entries
        for key in self._added:
            entries.pop(key, None)
        entries.update(self._saved)
        return False


custom_object_scope = CustomObjectScope


def get_custom_objects():
    """The live dict of registered custom objects (``"package>Name"`` and ``"Name"`` keys)."""
    return CUSTOM_OBJECTS._entries


def get_registered_name(obj):
    """The name ``obj`` is registered under (``"Custom>MyLayer"``), or its ``__name__``."""
    for name, entry in CUSTOM_OBJECTS._entries.items():
        if entry is obj and ">" in name:
            return name
    return CUSTOM_OBJECTS.name_of(obj) or getattr(obj, "__name__", None)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered as ``name`` (custom objects first), or None."""
    for table in (custom_objects, CUSTOM_OBJECTS._entries, module_objects):
        if table and name in table:
            return table[name]
    return None
