"""keras.utils.Config: named settings readable as attributes or keys, freezable, JSON-able."""
import difflib
import json

_OWN_ATTRIBUTES = frozenset({"_values", "_frozen"})


class Config:
    """A dict of named values that also reads and writes them as attributes.

    ``Config(learning_rate=0.1)`` then ``config.seed = 1`` or ``config["seed"] = 1``;
    ``config.learning_rate == config["learning_rate"]``. ``freeze()`` makes every later
    change raise (``unfreeze()`` undoes it); ``as_dict()`` / ``to_json()`` export it, and
    ``keys`` / ``values`` / ``items`` / ``get`` / ``pop`` / ``update`` work as on a dict.
    """

    def __init__(self, **values):
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_frozen", False)

    @property
    def frozen(self):
        """Whether changes are refused."""
        return self._frozen

    def freeze(self):
        """Refuse every later change (setting, popping or updating a value)."""
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self):
        """Allow changes again."""
        object.__setattr__(self, "_frozen", False)

    def as_dict(self):
        """A shallow copy of the values as a dict."""
        return dict(self._values)

    def to_json(self):
        """The values as a JSON string."""
        return json.dumps(self._values)

    def keys(self):
        return self._values.keys()

    def values(self):
        return self._values.values()

    def items(self):
        return self._values.items()

    def get(self, key, default=None):
        return self._values.get(key, default)

    def pop(self, *key_and_default):
        self._check_not_frozen()
        return self._values.pop(*key_and_default)

    def update(self, *args, **kwargs):
        self._check_not_frozen()
        self._values.update(*args, **kwargs)

    def _check_not_frozen(self):
        if self._frozen:
            raise ValueError("Cannot mutate attribute(s) because the config is frozen.")

    def __setattr__(self, name, value):
        if name in _OWN_ATTRIBUTES or hasattr(type(self), name):
            raise AttributeError(f"Config attribute {name!r} is read-only; set values with "
                                 f"config[{name!r}] = ... or another name.")
        self[name] = value

    def __getattr__(self, name):  # called only for names that are not attributes
        values = self.__dict__.get("_values", {})
        if name in values:
            return values[name]
        message = f"Unknown attribute: '{name}'."
        close = difflib.get_close_matches(name, list(values), n=1, cutoff=0.7)
        if close:
            message += f" Did you mean '{close[0]}'?"
        raise AttributeError(message)

    def __setitem__(self, key, value):
        self._check_not_frozen()
        self._values[key] = value

    def __getitem__(self, key):
        return self._values[key]

    def __delitem__(self, key):
        self._check_not_frozen()
        del self._values[key]

    def __contains__(self, key):
        return key in self._values

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)

    def __repr__(self):
        return f"<Config {self._values}>"
