"""Keras dataset cache: find a file under ``~/.keras/datasets`` or download it.

Keras keeps downloaded datasets in ``$KERAS_HOME/datasets`` (``~/.keras/datasets``
when ``KERAS_HOME`` is unset), so a file fetched by Keras is reused here and
the reverse. Downloads go to a temporary file in the target folder and are
renamed into place only when complete, so a failed download never leaves a
half-written file where the loaders would read it.
"""

import http.client
import os
import shutil
import tempfile
import urllib.request

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
DOWNLOAD_TIMEOUT = 60  # seconds without data before a download is abandoned


class DatasetUnavailableError(OSError):
    """A dataset file is neither in the cache nor downloadable.

    The message names the file's expected path and the URL to fetch it
    from, so the file can be copied in by hand on an offline machine.
    """


def cache_dir(subdir=""):
    """Return the folder where Keras caches datasets.

    Args:
        subdir: Optional sub-folder inside the datasets folder, e.g.
            ``"fashion-mnist"``.

    Returns:
        ``$KERAS_HOME/datasets/<subdir>``, or ``~/.keras/datasets/<subdir>``
        when ``KERAS_HOME`` is unset.
    """
    home = os.environ.get("KERAS_HOME") or os.path.join("~", ".keras")
    return os.path.join(os.path.expanduser(home), "datasets", subdir)


def fetch(fname, origin, subdir=""):
    """Return the cached path of a dataset file, downloading it if absent.

    Args:
        fname: File name (or path relative to the cache folder).
        origin: URL to download the file from when it is not cached.
        subdir: Sub-folder of the cache folder that holds the file.

    Returns:
        The absolute path of the file, which exists on return.

    Raises:
        DatasetUnavailableError: The file is not cached and could not be
            downloaded (no network, HTTP error, unwritable folder).
    """
    path = os.path.abspath(os.path.join(cache_dir(subdir), fname))
    if not os.path.exists(path):
        try:
            _download(origin, path)
        except (OSError, http.client.HTTPException) as exc:
            raise DatasetUnavailableError(
                f"Dataset file {path} was not found and downloading it from "
                f"{origin} failed ({exc}). Download that URL on a machine with "
                f"network access and copy the file to {path} (set KERAS_HOME to "
                f"use a cache folder other than ~/.keras)."
            ) from exc
    return path


def _download(url, path):
    """Download ``url`` to ``path`` through a temporary file in the same folder.

    Args:
        url: Address to read.
        path: Destination file; written only once the download completed.
    """
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    prefix = os.path.basename(path) + "."
    fd, tmp_path = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
                shutil.copyfileobj(response, out)
        os.chmod(tmp_path, 0o644)  # mkstemp makes it private; a dataset is not
        os.replace(tmp_path, path)
    except BaseException:
        os.remove(tmp_path)
        raise
