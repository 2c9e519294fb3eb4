"""The ``.keras`` format: a zip of ``metadata.json``, ``config.json`` and ``model.weights.h5``.

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

from .files import atomic_write, check_exists, json_default
from .legacy_h5 import KERAS_VERSION, minikeras_version
from .serialization import model_from_config, serialize_model
from .object_tree import object_entries
from .weights_h5 import H5Store, UnreadableFileError, load_from_store, open_h5, save_weights_to_h5

CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.h5"


def _payload(model):
    metadata = json.dumps({"keras_version": KERAS_VERSION,
                           "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                           "minikeras_version": minikeras_version()})
    config = json.dumps(serialize_model(model), default=json_default)
    weights = io.BytesIO()
    save_weights_to_h5(model, weights)
    return metadata.encode(), config.encode(), weights.getvalue()


def save_keras_file(model, filepath, zipped=True):
    """Write ``model`` to ``filepath`` (a ``.keras`` zip, or a folder when not ``zipped``)."""
    metadata, config, weights = _payload(model)
    if not zipped:
        _save_folder(filepath, metadata, config, weights)
        return
    with atomic_write(filepath) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
            with archive.open(METADATA, "w") as f:
                f.write(metadata)
            with archive.open(CONFIG, "w") as f:
                f.write(config)
            archive.writestr(WEIGHTS, weights)


def _save_folder(path, metadata, config, weights):
    """Write the three files into a new folder, then swap it in for any old one."""
    path = os.path.abspath(os.fspath(path))
    parent = os.path.dirname(path)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.", dir=parent)
    try:
        for name, data in ((METADATA, metadata), (CONFIG, config), (WEIGHTS, weights)):
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(data)
        old = None
        if os.path.exists(path):
            old = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.old.", dir=parent)
            os.rmdir(old)
            os.replace(path, old)
        os.replace(tmp, path)
        if old:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


class _Archive:
    """Read access to a ``.keras`` zip or an unzipped ``.keras`` folder."""

    def __init__(self, filepath):
        check_exists(filepath)
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
            with open(os.path.join(self.filepath, name), "rb") as f:
                return f.read()
        try:
            return self.zip.read(name)
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise UnreadableFileError(f"Cannot read {name} from {self.filepath}: {error}") \
                from None

    def read_asset(self, name):
        """The bytes of ``name`` (a path inside the archive, e.g. under ``assets/``), or None."""
        if self.folder:
            path = os.path.join(self.filepath, *name.split("/"))
            if not os.path.isfile(path):
                return None
            with open(path, "rb") as f:
                return f.read()
        return self.zip.read(name) if name in self.zip.namelist() else None

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
            load_from_store(model, H5Store(f), self.filepath, skip_mismatch=skip_mismatch)


def read_config(filepath):
    """The model config dict stored in a ``.keras`` file or folder."""
    with _Archive(filepath) as archive:
        return _parse(archive.read(CONFIG), filepath)


def _parse(data, filepath):
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnreadableFileError(f"{filepath}: config.json is not valid JSON ({error}).") \
            from None


def load_keras_file(filepath, custom_objects=None, compile=True):
    """Rebuild, compile and fill the model stored in a ``.keras`` file or folder."""
    with _Archive(filepath) as archive:
        config = _parse(archive.read(CONFIG), filepath)
        if not compile:
            config["compile_config"] = None
        model = model_from_config(config, custom_objects, compile=compile)
        archive.load_weights_into(model)
        load_assets(archive, model)
    return model


def load_weights_from_keras_file(model, filepath, skip_mismatch=False):
    with _Archive(filepath) as archive:
        archive.load_weights_into(model, skip_mismatch=skip_mismatch)


def load_assets(archive, model):
    """Give layers that keep data as files (Keras writes an adapted lookup vocabulary to
    ``assets/<layer path>/vocabulary.txt``) a reader for their folder of the archive."""
    for entry in object_entries(model, include_optimizer=False):
        loader = getattr(entry.owner, "load_assets", None)
        if callable(loader):
            loader(lambda filename, path=entry.path: archive.read_asset(
                f"assets/{path}/{filename}"))
