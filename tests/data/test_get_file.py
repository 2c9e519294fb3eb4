"""keras.utils.get_file against a local HTTP server: download, cache, hashes, archives."""
import hashlib
import io
import os
import tarfile
import zipfile

import pytest

from local_server import serve
from minikeras.utils import DownloadError, get_file
from minikeras.utils.file_utils import extract_archive, hash_file, validate_file

PAYLOAD = b"minikeras test payload\n" * 100
SHA256 = hashlib.sha256(PAYLOAD).hexdigest()
MD5 = hashlib.md5(PAYLOAD).hexdigest()


def _tar_bytes(members, mode="w:gz"):
    """A tar archive of ``members``: name -> bytes, or name -> ("symlink"|"hardlink", target)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            if isinstance(content, tuple):
                info.type = tarfile.SYMTYPE if content[0] == "symlink" else tarfile.LNKTYPE
                info.linkname = content[1]
                archive.addfile(info)
            else:
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def _zip_bytes(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _listing(folder):
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_download_lands_in_keras_home_datasets(keras_home):
    with serve({"/data/file.bin": PAYLOAD}) as server:
        path = get_file("file.bin", origin=server.url("/data/file.bin"), file_hash=SHA256)
    assert path == os.path.join(str(keras_home), "datasets", "file.bin")
    with open(path, "rb") as f:
        assert f.read() == PAYLOAD
    assert _listing(os.path.dirname(path)) == ["file.bin"]  # no temporary file left


def test_fname_defaults_to_the_url_basename_and_cache_dir_subdir_are_honoured(tmp_path):
    with serve({"/x/weights.h5": PAYLOAD}) as server:
        path = get_file(origin=server.url("/x/weights.h5"), cache_dir=str(tmp_path / "c"),
                        cache_subdir="models")
    assert path == str(tmp_path / "c" / "models" / "weights.h5")


def test_cache_hit_does_not_download_again():
    with serve({"/f": PAYLOAD}) as server:
        first = get_file("f.bin", origin=server.url("/f"), file_hash=SHA256)
        second = get_file("f.bin", origin=server.url("/f"), file_hash=SHA256)
        assert server.requests == ["/f"]
    assert first == second


def test_force_download_fetches_again():
    with serve({"/f": PAYLOAD}) as server:
        get_file("f.bin", origin=server.url("/f"))
        get_file("f.bin", origin=server.url("/f"), force_download=True)
        assert server.requests == ["/f", "/f"]


def test_cached_file_with_wrong_hash_is_downloaded_again(keras_home, capsys):
    target = keras_home / "datasets" / "f.bin"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"stale")
    with serve({"/f": PAYLOAD}) as server:
        path = get_file("f.bin", origin=server.url("/f"), file_hash=SHA256)
        assert server.requests == ["/f"]
    assert open(path, "rb").read() == PAYLOAD
    assert "hash does not match" in capsys.readouterr().out


@pytest.mark.parametrize("kwargs", [{"file_hash": MD5}, {"md5_hash": MD5},
                                    {"file_hash": MD5, "hash_algorithm": "md5"},
                                    {"file_hash": SHA256, "hash_algorithm": "sha256"}])
def test_md5_and_sha256_hashes_are_accepted(kwargs):
    with serve({"/f": PAYLOAD}) as server:
        path = get_file("f.bin", origin=server.url("/f"), **kwargs)
    assert os.path.exists(path)


def test_hash_mismatch_raises_and_caches_nothing(keras_home):
    wrong = "0" * 64
    with serve({"/f": PAYLOAD}) as server:
        with pytest.raises(ValueError, match=f"expected {wrong}.*Nothing was written"):
            get_file("f.bin", origin=server.url("/f"), file_hash=wrong)
    assert _listing(keras_home / "datasets") == []


def test_interrupted_download_leaves_nothing_in_the_cache(keras_home):
    with serve({"/f": PAYLOAD}, truncate={"/f"}) as server:
        with pytest.raises(DownloadError, match="announced 2300 bytes but sent 1150"):
            get_file("f.bin", origin=server.url("/f"))
    assert _listing(keras_home / "datasets") == []


def test_unreachable_url_names_url_cache_path_and_manual_fix(keras_home):
    with serve({}) as server:
        url = server.url("/missing.npz")
        with pytest.raises(DownloadError) as info:
            get_file("missing.npz", origin=url)
    message = str(info.value)
    target = os.path.join(str(keras_home), "datasets", "missing.npz")
    assert url in message and target in message and "copy it to" in message
    assert isinstance(info.value, OSError)
    assert _listing(keras_home / "datasets") == []


def test_refused_connection_is_a_download_error(keras_home):
    with serve({}) as server:
        url = server.url("/f")
    # the server is gone: nothing listens on that port any more
    with pytest.raises(DownloadError, match="URL fetch failure"):
        get_file("f.bin", origin=url)


@pytest.mark.parametrize("kwargs, message", [
    ({}, "specify the \"origin\" argument"),
    ({"origin": "http://127.0.0.1:9/a", "fname": "sub/a.bin"}, "not a path"),
    ({"origin": "http://127.0.0.1:9/a", "hash_algorithm": "sha1"}, "hash_algorithm"),
    ({"origin": "http://127.0.0.1:9/", "fname": None}, "pass fname"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        get_file(**kwargs)


def test_extract_tar_with_plain_name_uses_keras_folder_names(keras_home):
    archive = _tar_bytes({"top/a.txt": b"A", "top/sub/b.txt": b"B"})
    with serve({"/d.tar.gz": archive}) as server:
        folder = get_file("thing", origin=server.url("/d.tar.gz"), extract=True)
        again = get_file("thing", origin=server.url("/d.tar.gz"), extract=True)
        assert server.requests == ["/d.tar.gz"]
    datasets = keras_home / "datasets"
    assert folder == again == str(datasets / "thing")
    assert _listing(datasets) == ["thing", "thing_archive"]
    assert (datasets / "thing" / "top" / "sub" / "b.txt").read_bytes() == b"B"


def test_extract_zip_with_dotted_name_and_untar_alias(keras_home):
    with serve({"/d.zip": _zip_bytes({"z/a.txt": b"zip"}),
                "/t.tar": _tar_bytes({"t.txt": b"tar"}, mode="w")}) as server:
        zfolder = get_file("d.zip", origin=server.url("/d.zip"), extract=True)
        tfolder = get_file("t", origin=server.url("/t.tar"), untar=True)
    assert zfolder == str(keras_home / "datasets" / "d_extracted")
    assert open(os.path.join(zfolder, "z", "a.txt"), "rb").read() == b"zip"
    assert open(os.path.join(tfolder, "t.txt"), "rb").read() == b"tar"


def test_bad_archive_is_refused_and_leaves_no_folder(keras_home):
    with serve({"/bad.tar.gz": b"this is not an archive"}) as server:
        with pytest.raises(ValueError, match="is not a tar or zip archive"):
            get_file("bad", origin=server.url("/bad.tar.gz"), extract=True)
    assert "bad" not in _listing(keras_home / "datasets")


def test_truncated_tar_is_refused_and_leaves_no_folder(keras_home):
    archive = _tar_bytes({"a.bin": os.urandom(20000)})
    with serve({"/t.tar.gz": archive[:len(archive) // 2]}) as server:
        with pytest.raises(ValueError, match="corrupt or truncated"):
            get_file("t", origin=server.url("/t.tar.gz"), extract=True)
    assert sorted(_listing(keras_home / "datasets")) == ["t_archive"]


@pytest.mark.parametrize("members, bad", [
    ({"ok.txt": b"1", "../escape.txt": b"x"}, "../escape.txt"),
    ({"/abs/escape.txt": b"x"}, "/abs/escape.txt"),
    ({"inner/../../escape.txt": b"x"}, "inner/../../escape.txt"),
    ({"link": ("symlink", "../../outside")}, "link"),
    ({"link": ("symlink", "/etc/passwd")}, "link"),
    ({"hard": ("hardlink", "../outside")}, "hard"),
])
def test_tar_members_escaping_the_target_are_refused(tmp_path, members, bad):
    archive_path = tmp_path / "evil.tar"
    archive_path.write_bytes(_tar_bytes(members, mode="w"))
    target = tmp_path / "out" / "target"
    with pytest.raises(ValueError, match=f"member '{bad}'.*nothing was extracted"):
        extract_archive(str(archive_path), str(target))
    assert _listing(tmp_path / "out") == []
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "out" / "escape.txt").exists()


def test_symlink_inside_the_target_is_kept(tmp_path):
    archive_path = tmp_path / "ok.tar"
    archive_path.write_bytes(_tar_bytes({"d/real.txt": b"r", "d/alias": ("symlink", "real.txt")},
                                        mode="w"))
    assert extract_archive(str(archive_path), str(tmp_path / "out"))
    assert (tmp_path / "out" / "d" / "alias").read_bytes() == b"r"


def test_zip_member_escaping_the_target_is_refused(tmp_path):
    archive_path = tmp_path / "evil.zip"
    archive_path.write_bytes(_zip_bytes({"fine.txt": b"1", "../../escape.txt": b"x"}))
    with pytest.raises(ValueError, match="'../../escape.txt'"):
        extract_archive(str(archive_path), str(tmp_path / "out"))
    assert not (tmp_path / "out").exists() and not (tmp_path / "escape.txt").exists()


def test_archive_format_none_extracts_nothing_and_unknown_format_is_refused(tmp_path):
    archive_path = tmp_path / "a.zip"
    archive_path.write_bytes(_zip_bytes({"a": b"1"}))
    assert extract_archive(str(archive_path), str(tmp_path / "o"), archive_format=None) is False
    with pytest.raises(ValueError, match="archive_format"):
        extract_archive(str(archive_path), str(tmp_path / "o"), archive_format="rar")


def test_hash_helpers_match_hashlib(tmp_path):
    path = tmp_path / "p"
    path.write_bytes(PAYLOAD)
    assert hash_file(str(path)) == SHA256
    assert hash_file(str(path), "md5") == MD5 == hash_file(str(path), "auto")
    assert validate_file(str(path), SHA256) and validate_file(str(path), MD5)
    assert not validate_file(str(path), "1" * 32)
