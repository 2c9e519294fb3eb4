"""The ``.keras`` format: a zip of ``metadata.json``, ``config.json``, ``model.weights.h5``
and an ``assets/`` folder (files written by objects' ``save_assets``).

The entries are stored uncompressed, in that order, as Keras 3 writes them. The
weights file inside has exactly the ``.weights.h5`` layout (model, layers, optimizer).
With ``zipped=False`` the same three files go into a folder instead.
"""
import datetime
import io
import json
import os
import shutil
import tempfile
import zipfile

from .files import atomic_write, check_exists, json_default, swap_folder_in, temporary_folder
from .load_guard import check_config_depth
from .legacy_h5 import KERAS_VERSION, minikeras_version
from .stored_arrays import check_size
from .object_tree import object_entries
from .serialization import model_from_config, serialize_model
from .weights_h5 import H5Store, UnreadableFileError, load_from_store, open_h5, save_weights_to_h5

CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.h5"
ASSETS = "assets"


def _payload(model):
    metadata = json.dumps({"keras_version": KERAS_VERSION,
                           "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                           "minikeras_version": minikeras_version()})
    config = json.dumps(serialize_model(model), default=json_default)
    weights = io.BytesIO()
    save_weights_to_h5(model, weights)
    return metadata.encode(), config.encode(), weights.getvalue()


# ---- assets: files objects write with save_assets(dir_path), read with load_assets(dir_path) --
def _saved_assets(model):
    """[(archive name, bytes)] of what each object's ``save_assets(dir_path)`` writes, stored
    under ``assets/<object path>/`` as Keras does."""
    found = []
    for entry in object_entries(model, include_optimizer=False):
        saver = getattr(entry.owner, "save_assets", None)
        if not callable(saver):
            continue
        with tempfile.TemporaryDirectory() as folder:
            saver(folder)
            for root, _, files in os.walk(folder):
                for filename in sorted(files):
                    full = os.path.join(root, filename)
                    inner = os.path.relpath(full, folder).replace(os.sep, "/")
                    with open(full, "rb") as f:
                        found.append((f"{ASSETS}/{entry.path}/{inner}", f.read()))
    return found


def _load_assets(archive, model):
    """Hand each object with ``load_assets`` a temporary folder holding its files from the
    archive. Files are only copied out, never opened or run here; a name that would leave
    the folder (``..``, absolute paths) is refused."""
    names = [n for n in archive.names() if n.startswith(ASSETS + "/")] if not archive.folder \
        else _folder_names(archive.filepath, ASSETS)
    for entry in object_entries(model, include_optimizer=False):
        loader = getattr(entry.owner, "load_assets", None)
        if not callable(loader):
            continue
        prefix = f"{ASSETS}/{entry.path}/"
        with tempfile.TemporaryDirectory() as folder:
            for name in names:
                if not name.startswith(prefix) or name.endswith("/"):
                    continue
                parts = name[len(prefix):].split("/")
                if any(part in ("", "..", ".") for part in parts) or os.path.isabs(name):
                    raise UnreadableFileError(f"{archive.filepath}: asset '{name}' has a path "
                                              "that leaves its folder; refusing to load it.")
                target = os.path.join(folder, *parts)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as f:
                    f.write(archive.read_member(name))
            loader(folder)


def _folder_names(root, top):
    """Archive-style names (``assets/a/b.txt``) of the files under ``root/top``."""
    found = []
    for current, _, files in os.walk(os.path.join(root, top)):
        for filename in files:
            rel = os.path.relpath(os.path.join(current, filename), root)
            found.append(rel.replace(os.sep, "/"))
    return found


def save_keras_file(model, filepath, zipped=True):
    """Write ``model`` to ``filepath`` (a ``.keras`` zip, or a folder when not ``zipped``)."""
    metadata, config, weights = _payload(model)
    assets = _saved_assets(model)
    if not zipped:
        _save_folder(filepath, metadata, config, weights, assets)
        return
    with atomic_write(filepath) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
            with archive.open(METADATA, "w") as f:
                f.write(metadata)
            with archive.open(CONFIG, "w") as f:
                f.write(config)
            archive.writestr(WEIGHTS, weights)
            for name, data in assets:
                archive.writestr(name, data)


def _save_folder(path, metadata, config, weights, assets):
    """Write the files into a new folder, then swap it in for any old one."""
    path = os.path.abspath(os.fspath(path))
    tmp = temporary_folder(path)
    try:
        for name, data in [(METADATA, metadata), (CONFIG, config), (WEIGHTS, weights)] + assets:
            os.makedirs(os.path.dirname(os.path.join(tmp, name)), exist_ok=True)
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(data)
        swap_folder_in(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


class _Archive:
    """Read access to a ``.keras`` zip or an unzipped ``.keras`` folder."""

    def __init__(self, filepath):
        check_exists(filepath, "`.keras` zip file")
        self.filepath = filepath
        self.folder = os.path.isdir(filepath)
        if not self.folder:
            try:
                self.zip = zipfile.ZipFile(filepath, "r")
            except (zipfile.BadZipFile, OSError) as error:
                raise UnreadableFileError(
                    f"Cannot read {filepath}: it is not a valid `.keras` zip file ({error}). "
                    "It may be damaged or truncated, or be another format with a `.keras` "
                    "name.") from None

    def names(self):
        return os.listdir(self.filepath) if self.folder else self.zip.namelist()

    def read(self, name):
        if name not in self.names():
            raise UnreadableFileError(f"{self.filepath} is not a complete `.keras` file: it "
                                      f"has no {name}.")
        if self.folder:
            path = os.path.join(self.filepath, name)
            check_size(os.path.getsize(path), path, text=name != WEIGHTS)
            with open(path, "rb") as f:
                return f.read()
        info = self.zip.getinfo(name)
        check_size(info.file_size, f"{self.filepath}: zip member {name} (declared size)",
                   text=name != WEIGHTS)
        try:
            with self.zip.open(info) as member:  # zipfile stops at the declared size
                return member.read()
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise UnreadableFileError(f"Cannot read {name} from {self.filepath}: {error}") \
                from None

    def read_member(self, name):
        """The bytes of ``name``, a path inside the archive (``assets/...``)."""
        if self.folder:
            with open(os.path.join(self.filepath, *name.split("/")), "rb") as f:
                return f.read()
        return self.read(name)

    def close(self):
        if not self.folder:
            self.zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def load_weights_into(self, model, skip_mismatch=False):
        names = self.names()
        if WEIGHTS not in names:
            if "model.weights.npz" in names:
                raise ValueError(
                    f"{self.filepath} stores its weights as model.weights.npz, which Keras "
                    "writes with pickle; minikeras does not read pickled data. Save it again "
                    "from Keras with the default weights format (h5).")
            raise UnreadableFileError(f"{self.filepath} has no {WEIGHTS}.")
        with open_h5(io.BytesIO(self.read(WEIGHTS))) as f:
            load_from_store(model, H5Store(f, f"{self.filepath}/{WEIGHTS}"), self.filepath, skip_mismatch=skip_mismatch)


def read_config(filepath):
    """The model config dict stored in a ``.keras`` file or folder."""
    with _Archive(filepath) as archive:
        return _parse(archive.read(CONFIG), filepath)


def _parse(data, filepath, member=CONFIG):
    """The JSON object stored as ``member`` (config.json, metadata.json) of the archive."""
    try:
        config = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise UnreadableFileError(f"{filepath}: {member} is not valid JSON ({error}).") \
            from None
    if not isinstance(config, dict):
        raise UnreadableFileError(f"{filepath}: {member} holds a {type(config).__name__}, "
                                  "not a JSON object.")
    check_config_depth(config, f"{filepath}: {member}")
    return config


def load_keras_file(filepath, custom_objects=None, compile=True):
    """Rebuild, compile and fill the model stored in a ``.keras`` file or folder."""
    with _Archive(filepath) as archive:
        config = _parse(archive.read(CONFIG), filepath)
        if not compile:
            config["compile_config"] = None
        model = model_from_config(config, custom_objects, compile=compile)
        archive.load_weights_into(model)
        _load_assets(archive, model)
    return model


def load_weights_from_keras_file(model, filepath, skip_mismatch=False):
    with _Archive(filepath) as archive:
        archive.load_weights_into(model, skip_mismatch=skip_mismatch)
