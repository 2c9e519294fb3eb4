"""Sharded weights (``save_weights(..., max_shard_size=GB)``): ``x.weights.json`` + shard files.

Keras 3.15's layout: ``x.weights.json`` is ``{"metadata": {"total_size": bytes},
"weight_map": {"/layers/dense/vars": ["x_00000.weights.h5"], ...}}`` and each shard
``x_00000.weights.h5``, ``x_00001.weights.h5``, ... is a ``.weights.h5`` file holding
part of the groups. A new shard starts when the next variable would push the current
one past ``max_shard_size`` GiB; the group then continues in the new shard (without its
``name`` attribute there). The map lists, per group, the shards holding its datasets.
"""
import hashlib
import json
import os
import warnings

from .files import atomic_write, atomic_write_many, check_exists
from .object_tree import object_entries
from .stored_arrays import UnsafeFileError, check_size
from .weights_h5 import H5Store, UnreadableFileError, numeric_key, open_h5


def _kb(n):
    return f"{n / 1024:.2f} KB"


def save_sharded(model, filepath, max_shard_size):
    """Write the model's variables as ``<base>_NNNNN.weights.h5`` shards and the JSON map."""
    if filepath.endswith(".weights.h5"):
        new_path = filepath[:-len(".weights.h5")] + ".weights.json"
        warnings.warn("Saving sharded weights requires `*.json` as the extension. The original "
                      f"path: {filepath} will be renamed to {new_path}.", stacklevel=4)
        filepath = new_path
    limit = float(max_shard_size) * 1024 ** 3
    folder = os.path.dirname(os.path.abspath(filepath))
    base = os.path.basename(filepath)[:-len(".weights.json")]
    shards = []  # list of [(group path, name attribute or None, [(key, array)])]
    current, size, total, weight_map = None, 0.0, 0.0, {}
    for entry in object_entries(model):
        if current is None:
            current = []
            shards.append(current)
        group = [entry.group, entry.name, []]
        current.append(group)
        for i, value in entry.saved_arrays():
            if value.nbytes > limit:
                raise ValueError(
                    f"The size of {i} is {_kb(value.nbytes)} which exceeds the maximum shard "
                    f"size {_kb(limit)}. You can increase the `max_shard_size` parameter to "
                    "accommodate the size.")
            if size + value.nbytes > limit:
                current, size = [], 0.0
                shards.append(current)
                group = [entry.group, None, []]
                current.append(group)
            group[2].append((i, value))
            size += value.nbytes
            total += value.nbytes
            name = f"{base}_{len(shards) - 1:05d}.weights.h5"
            files = weight_map.setdefault("/" + entry.group, [])
            if not files or files[-1] != name:
                files.append(name)
    names = [f"{base}_{index:05d}.weights.h5" for index in range(len(shards))]
    hashes = {}
    # Every shard is complete on disk before any is renamed into place; the map, written
    # last, records each shard's SHA-256, so a load never mixes shards of two saves.
    with atomic_write_many([os.path.join(folder, name) for name in names]) as temporaries:
        for name, tmp, groups in zip(names, temporaries, shards):
            with open_h5(tmp, "w") as f:
                for path, group_name, datasets in groups:
                    h5group = f.require_group(path)
                    if group_name is not None:
                        h5group.attrs["name"] = str(group_name)
                    for key, value in datasets:
                        h5group.create_dataset(key, data=value)
            hashes[name] = file_sha256(tmp)
    with atomic_write(filepath) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"metadata": {"total_size": total, "shard_sha256": hashes},
                       "weight_map": weight_map}, f, indent=4)


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class ShardedStore:
    """Reads the groups of a sharded weights file as one store."""

    def __init__(self, filepath):
        check_exists(filepath)
        self.filepath = filepath
        check_size(os.path.getsize(filepath), filepath, text=True)
        try:
            with open(filepath, encoding="utf-8") as f:
                sharding = json.load(f)
            self.weight_map = sharding["weight_map"]
            self.hashes = (sharding.get("metadata") or {}).get("shard_sha256") or {}
            if not isinstance(self.weight_map, dict) or not isinstance(self.hashes, dict) or \
                    not all(isinstance(v, list) for v in self.weight_map.values()):
                raise TypeError("'weight_map' must map group paths to lists of shard names")
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
            raise UnreadableFileError(f"{filepath} is not a sharded weights map (JSON with a "
                                      f"'weight_map'): {error}") from None
        self.folder = os.path.dirname(os.path.abspath(filepath))
        self._files = {}

    def _store(self, name):
        if not isinstance(name, str) or os.path.basename(name) != name or name in ("", ".", ".."):
            raise UnsafeFileError(
                f"{self.filepath}: the weight map names the shard {name!r}; a shard must be a "
                "plain file name in the map's own folder.")
        if name not in self._files:
            path = os.path.join(self.folder, name)
            check_exists(path)
            if name in self.hashes and file_sha256(path) != self.hashes[name]:
                raise UnreadableFileError(
                    f"{path} is not the shard that {self.filepath} was saved with (its SHA-256 "
                    "differs): a later save was interrupted, or the file was changed. Nothing "
                    "was loaded.")
            self._files[name] = H5Store(open_h5(path))
        return self._files[name]

    def arrays(self, path):
        return list(self.named_arrays(path).values())

    def named_arrays(self, path):
        merged = {}
        for name in self.weight_map.get("/" + path, ()):
            merged.update(self._store(name).named_arrays(path))
        return {k: merged[k] for k in sorted(merged, key=numeric_key)}

    def close(self):
        for store in self._files.values():
            store.file.close()
        self._files = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False
