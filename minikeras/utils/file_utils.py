"""``keras.utils.get_file``: download a file once into the Keras cache, check it, unpack it.

The cache is Keras's own (``$KERAS_HOME`` or ``~/.keras``, sub-folder ``datasets`` by
default), so a file fetched by Keras is reused here and the reverse. Three promises:

- a download goes to a temporary file beside its target and is renamed into place only
  when it is complete and its hash matches, so an interrupted or corrupt download never
  becomes the cached file;
- an archive is unpacked into a temporary folder that is renamed into place only when
  every member is out, and a member whose path (or link target) leaves that folder is
  refused before anything is written;
- when the file can be neither found nor downloaded, ``DownloadError`` names the URL,
  the path the file is expected at, and how to put it there by hand.
"""
import hashlib
import http.client
import inspect
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

from .progbar import Progbar
from ..io_utils import print_msg

DOWNLOAD_TIMEOUT = 60  # seconds without data before a download is abandoned
CHUNK_SIZE = 1 << 16
ARCHIVE_FORMATS = ("tar", "zip")


class DownloadError(OSError):
    """A file is neither in the cache nor downloadable, or its download was incomplete.

    The message names the URL, the cache path and how to place the file there by hand.
    """


def keras_home():
    """The Keras cache root: ``$KERAS_HOME``, else ``~/.keras``."""
    return os.path.expanduser(os.environ.get("KERAS_HOME") or os.path.join("~", ".keras"))


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """Download a file from a URL unless it is already in the cache (``keras.utils.get_file``).

    The file lands at ``<cache_dir>/<cache_subdir>/<fname>``. With ``extract=True`` the
    archive is kept beside the folder it is unpacked into, named as Keras names them: for
    ``fname="data"`` the archive is ``data_archive`` and the folder ``data``; for
    ``fname="data.tar.gz"`` the archive keeps that name and the folder is
    ``data_extracted``.

    Args:
        fname: Local file name; ``None`` takes the last part of the URL's path. A path
            with separators is refused (Keras 3): use ``cache_dir`` for the folder.
        origin: URL of the file (``http(s)://`` or ``file://``).
        untar: Keras 2 spelling of ``extract=True`` for a tar archive.
        md5_hash: Keras 2 spelling of ``file_hash`` with ``hash_algorithm="md5"``.
        file_hash: Expected sha256 or md5 hex digest of the (archive) file.
        cache_subdir: Folder under the cache root; an absolute path is used as is.
        hash_algorithm: ``"auto"`` (sha256 for a 64-character hash, else md5),
            ``"sha256"`` or ``"md5"``.
        extract: Unpack the downloaded tar or zip archive and return its folder.
        archive_format: ``"auto"`` (tar, then zip), ``"tar"``, ``"zip"``, a list of
            those, or ``None`` (never unpack).
        cache_dir: Cache root; default ``$KERAS_HOME`` or ``~/.keras``.
        force_download: Download again even if the file is cached.

    Returns:
        The path of the file, or of the folder it was unpacked into.

    Raises:
        ValueError: no ``origin``, a bad ``fname`` or ``hash_algorithm``, a downloaded
            file whose hash does not match, or an archive that cannot be unpacked safely.
        DownloadError: the file is not cached and cannot be downloaded completely.

    Example:

    >>> path = get_file("mnist.npz", origin="https://storage.googleapis.com/"
    ...                 "tensorflow/tf-keras-datasets/mnist.npz")  # doctest: +SKIP
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to '
                         'download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    _check_hash_algorithm(hash_algorithm)
    extract = extract or untar
    if untar:
        archive_format = "tar"
    folder = _cache_folder(cache_dir, cache_subdir)
    download_target, extraction_dir = _target_paths(folder, fname, origin, extract)

    fresh = force_download or not os.path.exists(download_target)
    if not fresh and file_hash is not None and not validate_file(
            download_target, file_hash, hash_algorithm):
        print_msg(f"A local file was found, but it seems to be incomplete or outdated because "
                  f"the {_algorithm_name(hash_algorithm, file_hash)} file hash does not match "
                  f"the original value of {file_hash} so we will re-download the data.")
        fresh = True
    if fresh:
        print_msg(f"Downloading data from {origin}")
        _download(origin, download_target, file_hash, hash_algorithm)
    if not extract:
        return download_target
    if fresh or not os.path.isdir(extraction_dir):
        extract_archive(download_target, extraction_dir, archive_format)
    return extraction_dir


def _check_hash_algorithm(hash_algorithm):
    if hash_algorithm not in ("auto", "sha256", "md5"):
        raise ValueError(f"hash_algorithm must be one of 'auto', 'sha256', 'md5'; "
                         f"received hash_algorithm={hash_algorithm!r}.")


def _cache_folder(cache_dir, cache_subdir):
    """``<cache_dir>/<cache_subdir>``, created; unwritable, it moves under /tmp/.keras as in Keras."""
    root = os.path.expanduser(os.fspath(cache_dir)) if cache_dir is not None else keras_home()
    for base in (root, os.path.join(tempfile.gettempdir(), ".keras")):
        folder = os.path.join(base, os.fspath(cache_subdir))
        try:
            os.makedirs(folder, exist_ok=True)
        except PermissionError:
            continue
        if os.access(folder, os.W_OK):
            return folder
    raise DownloadError(f"Neither {os.path.join(root, cache_subdir)} nor its fallback under "
                        f"{tempfile.gettempdir()} is writable; pass a writable cache_dir.")


def _target_paths(folder, fname, origin, extract):
    """(archive or file path, extraction folder or None), named as Keras 3 names them."""
    given = fname is not None and os.fspath(fname) != ""
    name = os.fspath(fname) if given else os.path.basename(urllib.parse.urlsplit(origin).path)
    if given and (os.sep in name or (os.altsep and os.altsep in name)):
        raise ValueError(f"fname must be a file name, not a path; received fname={name!r}. "
                         f"Pass the folder as cache_dir (or cache_subdir) instead.")
    if not name or name in (os.curdir, os.pardir):
        raise ValueError(f"Cannot take a file name from the origin {origin!r}; pass fname.")
    if not extract:
        return os.path.join(folder, name), None
    if given and "." in name:
        return os.path.join(folder, name), os.path.join(folder, name[:name.find(".")] + "_extracted")
    return os.path.join(folder, name + "_archive"), os.path.join(folder, name)


def _download(origin, target, file_hash, hash_algorithm):
    """Fetch ``origin`` into ``target`` through a temporary file; nothing lands on failure."""
    fd, part = tempfile.mkstemp(dir=os.path.dirname(target),
                                prefix=os.path.basename(target) + ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            _copy_url(origin, out)
        if file_hash is not None and not validate_file(part, file_hash, hash_algorithm):
            raise ValueError(
                f"Incomplete or corrupted file detected: the "
                f"{_algorithm_name(hash_algorithm, file_hash)} hash of the file downloaded "
                f"from {origin} is {hash_file(part, _algorithm_name(hash_algorithm, file_hash))}, "
                f"expected {file_hash}. Nothing was written to {target}.")
        os.chmod(part, 0o644)  # mkstemp makes it private; a cached download is not
        os.replace(part, target)
    except BaseException as exc:
        os.remove(part)
        if isinstance(exc, (OSError, http.client.HTTPException)) \
                and not isinstance(exc, DownloadError):
            raise DownloadError(_unreachable_message(origin, target, exc)) from exc
        raise


def _copy_url(origin, out):
    """Stream ``origin`` into the open file ``out`` with a byte progress bar."""
    with urllib.request.urlopen(origin, timeout=DOWNLOAD_TIMEOUT) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length is not None else None
        bar = Progbar(total)
        done = 0
        while True:
            chunk = response.read(CHUNK_SIZE)
            if not chunk:
                break
            out.write(chunk)
            done += len(chunk)
            bar.update(min(done, total) if total is not None else done)
        if total is not None and done != total:
            raise DownloadError(f"the server announced {total} bytes but sent {done}")
        if total is None:
            bar.update(done, finalize=True)


def _unreachable_message(origin, target, exc):
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    return (f"URL fetch failure on {origin}: {reason}. The file was expected at {target}. "
            f"To install it by hand, download {origin} on a machine with network access "
            f"and copy it to {target} (set KERAS_HOME to use a cache folder other than "
            f"~/.keras).")


def _algorithm_name(algorithm, file_hash):
    """The hashlib name ``algorithm`` stands for: ``"auto"`` picks by the hash's length."""
    if algorithm == "auto":
        return "sha256" if file_hash is not None and len(file_hash) == 64 else "md5"
    return algorithm


def hash_file(fpath, algorithm="sha256", chunk_size=65535):
    """Hex digest of a file: ``"sha256"``, or ``"md5"`` (also what ``"auto"`` means here,
    with no hash to judge the length of, as in Keras)."""
    _check_hash_algorithm(algorithm)
    hasher = hashlib.new("sha256" if algorithm == "sha256" else "md5")
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """Whether the file's sha256/md5 digest equals ``file_hash`` (``"auto"``: by length)."""
    algorithm = _algorithm_name(algorithm, file_hash)
    return hash_file(fpath, algorithm, chunk_size) == str(file_hash)


def extract_archive(file_path, path=".", archive_format="auto"):
    """Unpack a tar or zip archive into the folder ``path``, safely and atomically.

    Every member is checked before anything is written: absolute paths, ``..`` that
    leaves ``path``, links whose target lies outside it, and device files are refused.
    Members are written to a temporary folder beside ``path`` that replaces it only
    when all are out.

    Args:
        file_path: The archive.
        path: Folder to unpack into (replaced if it exists).
        archive_format: ``"auto"`` (tar, then zip), ``"tar"``, ``"zip"``, a list of
            those, or ``None``.

    Returns:
        True when the archive was unpacked, False when ``archive_format`` is ``None`` or
        empty.

    Raises:
        ValueError: the file is none of the formats tried, is corrupt, or holds an
            unsafe member (named in the message).
    """
    formats = _archive_formats(archive_format)
    if not formats:
        return False
    for kind in formats:
        is_kind = tarfile.is_tarfile if kind == "tar" else zipfile.is_zipfile
        if is_kind(file_path):
            _unpack_atomically(file_path, path, kind)
            return True
    raise ValueError(f"{file_path} is not a {' or '.join(formats)} archive, so it cannot be "
                     f"extracted. Delete it to download it again, or pass extract=False.")


def _archive_formats(archive_format):
    if archive_format is None:
        return []
    formats = list(ARCHIVE_FORMATS) if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format))
    unknown = [f for f in formats if f not in ARCHIVE_FORMATS]
    if unknown:
        raise ValueError(f"archive_format must be 'auto', 'tar', 'zip', a list of those or "
                         f"None; received {archive_format!r}.")
    return formats


def _unpack_atomically(file_path, path, kind):
    path = os.path.abspath(path)
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(dir=parent, prefix=os.path.basename(path) + ".", suffix=".part")
    try:
        try:
            if kind == "tar":
                _unpack_tar(file_path, staging)
            else:
                _unpack_zip(file_path, staging)
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
            raise ValueError(f"Could not extract {file_path} ({exc}); the archive is corrupt "
                             f"or truncated. Delete it to download it again.") from exc
        if os.path.isdir(path):
            shutil.rmtree(path)
        os.replace(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _inside(root, member_path):
    """Whether ``member_path`` (relative to ``root``) stays inside ``root``."""
    if os.path.isabs(member_path) or os.path.splitdrive(member_path)[0]:
        return False
    resolved = os.path.normpath(os.path.join(root, member_path))
    return os.path.commonpath([resolved, root]) == root


def _refuse(file_path, member, why):
    raise ValueError(f"Refusing to extract {file_path}: member {member!r} {why}. The archive "
                     f"may be malicious; nothing was extracted.")


def _unpack_tar(file_path, staging):
    with tarfile.open(file_path) as archive:
        members = archive.getmembers()
        for info in members:
            if not _inside(staging, info.name):
                _refuse(file_path, info.name, "would be written outside the target folder")
            if info.issym():
                link_target = os.path.join(os.path.dirname(info.name), info.linkname)
                if os.path.isabs(info.linkname) or not _inside(staging, link_target):
                    _refuse(file_path, info.name, f"links to {info.linkname!r}, outside the "
                                                  f"target folder")
            elif info.islnk():
                if not _inside(staging, info.linkname):
                    _refuse(file_path, info.name, f"links to {info.linkname!r}, outside the "
                                                  f"target folder")
            elif not (info.isfile() or info.isdir()):
                _refuse(file_path, info.name, "is a device or fifo, not a file or folder")
        for info in members:
            # no setuid or group/world-write bits; always readable (and enterable) by us
            info.mode = (info.mode | (0o700 if info.isdir() else 0o600)) & 0o755
        archive.extractall(staging, members=members, **_tar_filter_option(archive))


def _tar_filter_option(archive):
    """``filter="fully_trusted"`` where supported: members were checked above, and the
    option silences Python 3.12+'s deprecation warning without changing behaviour."""
    if "filter" in inspect.signature(archive.extractall).parameters:
        return {"filter": "fully_trusted"}
    return {}


def _unpack_zip(file_path, staging):
    with zipfile.ZipFile(file_path) as archive:
        infos = archive.infolist()
        for info in infos:
            if not _inside(staging, info.filename):
                _refuse(file_path, info.filename, "would be written outside the target folder")
        bad = archive.testzip()
        if bad is not None:
            raise zipfile.BadZipFile(f"member {bad!r} fails its CRC check")
        archive.extractall(staging, members=infos)
