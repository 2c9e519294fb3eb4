"""Every keras.datasets loader, fed small files in the real on-disk formats from 127.0.0.1.

The loaders' origin is pointed at the local server with MINIKERAS_DATASETS_MIRROR, and their
FILE_HASH constants at the hashes of the small files (the real hashes are Keras's).
Expected outputs are derived by hand from the rules Keras documents.
"""
import gzip
import hashlib
import io
import os
import pickle
import struct
import tarfile

import numpy as np
import pytest

from local_server import serve
from minikeras import backend
from minikeras.datasets import (boston_housing, california_housing, cifar10, cifar100,
                                fashion_mnist, imdb, mnist, origins, reuters)
from minikeras.datasets.pickle_stream import load as load_pickle_stream
from minikeras.utils import DownloadError


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _ragged(*sequences):
    array = np.empty(len(sequences), dtype=object)
    for i, seq in enumerate(sequences):
        array[i] = list(seq)
    return array


@pytest.fixture
def mirror(monkeypatch):
    """Start a server for ``files`` (name -> bytes) and point the loaders at it."""
    servers = []

    def start(files, **kwargs):
        context = serve({"/mirror/" + name: data for name, data in files.items()}, **kwargs)
        server = context.__enter__()
        servers.append(context)
        monkeypatch.setenv(origins.MIRROR_VARIABLE, server.url("/mirror/"))
        return server

    yield start
    for context in servers:
        context.__exit__(None, None, None)


def test_origins_are_kerass_and_the_mirror_replaces_the_base(monkeypatch):
    assert origins.origin(origins.KERAS_DATASETS, "mnist.npz") == \
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
    assert origins.origin(origins.CIFAR, "cifar-10-python.tar.gz") == \
        "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    monkeypatch.setenv(origins.MIRROR_VARIABLE, "file:///srv/keras")
    assert origins.origin(origins.CIFAR, "x.tgz") == "file:///srv/keras/x.tgz"


# ---------------------------------------------------------------- mnist


def _mnist_arrays():
    rng = np.random.default_rng(0)
    return {"x_train": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
            "y_train": np.array([0, 1, 2, 3, 9], np.uint8),
            "x_test": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
            "y_test": np.array([4, 5, 6], np.uint8)}


def test_mnist_downloads_checks_hash_and_reads(mirror, monkeypatch, keras_home):
    arrays = _mnist_arrays()
    data = _npz_bytes(**arrays)
    monkeypatch.setattr(mnist, "FILE_HASH", _sha256(data))
    server = mirror({"mnist.npz": data})
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    for got, key in ((x_train, "x_train"), (y_train, "y_train"), (x_test, "x_test"),
                     (y_test, "y_test")):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, arrays[key])
    assert (keras_home / "datasets" / "mnist.npz").exists()
    mnist.load_data()
    assert server.requests == ["/mirror/mnist.npz"]


def test_mnist_with_kerass_hash_refuses_a_different_file(mirror, keras_home):
    mirror({"mnist.npz": _npz_bytes(**_mnist_arrays())})
    with pytest.raises(ValueError, match=mnist.FILE_HASH):
        mnist.load_data()
    assert os.listdir(keras_home / "datasets") == []


def test_mnist_offline_error_names_url_and_cache_path(mirror, keras_home):
    mirror({})
    with pytest.raises(DownloadError) as info:
        mnist.load_data()
    assert "/mirror/mnist.npz" in str(info.value)
    assert os.path.join(str(keras_home), "datasets", "mnist.npz") in str(info.value)


@pytest.mark.parametrize("arrays, message", [
    ({"x_train": np.zeros(2)}, "missing"),
    ({"x_train": np.zeros((2, 28, 28)), "y_train": np.zeros(3), "x_test": np.zeros((1, 28, 28)),
      "y_test": np.zeros(1)}, "holds 2 images but y_train holds 3"),
])
def test_mnist_rejects_wrong_content(mirror, monkeypatch, arrays, message):
    data = _npz_bytes(**arrays)
    monkeypatch.setattr(mnist, "FILE_HASH", _sha256(data))
    mirror({"mnist.npz": data})
    with pytest.raises(ValueError, match=message):
        mnist.load_data()


# ---------------------------------------------------------------- fashion_mnist


def _idx(magic, array):
    header = np.array([magic, len(array), *array.shape[1:]], dtype=">u4").tobytes()
    return gzip.compress(header + array.tobytes(), mtime=0)  # same bytes in every process


def _fashion_files(arrays):
    return {"train-labels-idx1-ubyte.gz": _idx(2049, arrays["y_train"]),
            "train-images-idx3-ubyte.gz": _idx(2051, arrays["x_train"]),
            "t10k-labels-idx1-ubyte.gz": _idx(2049, arrays["y_test"]),
            "t10k-images-idx3-ubyte.gz": _idx(2051, arrays["x_test"])}


def test_fashion_mnist_downloads_idx_files_into_its_subfolder(mirror, keras_home):
    arrays = _mnist_arrays()
    mirror(_fashion_files(arrays))
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    assert x_test.shape == (3, 28, 28) and y_train.dtype == np.uint8
    assert sorted(os.listdir(keras_home / "datasets" / "fashion-mnist")) == sorted(
        _fashion_files(arrays))


@pytest.mark.parametrize("name, content, message", [
    ("train-labels-idx1-ubyte.gz", b"not gzip", "Could not decompress"),
    ("train-images-idx3-ubyte.gz", _idx(2049, np.zeros((5, 28, 28), np.uint8)),
     "not an IDX file of the expected kind"),
    ("t10k-images-idx3-ubyte.gz", _idx(2051, np.zeros((2, 28, 28), np.uint8)),
     "holds 2 images but its label file holds 3"),
])
def test_fashion_mnist_rejects_bad_files(mirror, name, content, message):
    files = _fashion_files(_mnist_arrays())
    files[name] = content
    mirror(files)
    with pytest.raises(ValueError, match=message):
        fashion_mnist.load_data()


# ---------------------------------------------------------------- cifar


def _py2_cpickle_batch(data, labels, label_key=b"labels"):
    """A batch file exactly as the CIFAR site's Python 2 cPickle wrote it (protocol 2,
    byte strings as SHORT_BINSTRING/BINSTRING, the array through numpy's _reconstruct)."""
    def short(b):
        return b"U" + bytes([len(b)]) + b

    def int1(i):
        return b"K" + bytes([i])

    shape = b"(" + int1(data.shape[0]) + b"M" + struct.pack("<H", data.shape[1]) + b"t"
    dtype = (b"cnumpy\ndtype\n" + short(b"u1") + int1(0) + int1(1) + b"\x87R"
             + b"(" + int1(3) + short(b"|") + b"NNN" + b"J\xff\xff\xff\xff" * 2 + int1(0)
             + b"tb")
    array = (b"cnumpy.core.multiarray\n_reconstruct\n" + b"cnumpy\nndarray\n" + int1(0)
             + b"\x85" + short(b"b") + b"\x87R"
             + b"(" + int1(1) + shape + dtype + b"\x89"
             + b"T" + struct.pack("<i", data.nbytes) + data.tobytes() + b"tb")
    label_list = b"](" + b"".join(int1(v) for v in labels) + b"e"
    return (b"\x80\x02}q\x01(" + short(b"batch_label") + short(b"test batch")
            + short(label_key) + label_list + short(b"data") + array
            + short(b"filenames") + b"]" + b"u.")


def _cifar_images(n, seed):
    return np.random.default_rng(seed).integers(0, 256, (n, 3072), dtype=np.uint8)


def _tar_gz(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def test_py2_batch_reads_like_pickle_with_bytes_encoding():
    data = _cifar_images(2, 0)
    stream = _py2_cpickle_batch(data, [3, 7])
    reference = pickle.loads(stream, encoding="bytes")  # the test may unpickle; the package never
    ours = load_pickle_stream(stream)
    assert ours.keys() == reference.keys()
    assert ours[b"labels"] == reference[b"labels"] == [3, 7]
    np.testing.assert_array_equal(ours[b"data"], reference[b"data"])
    assert ours[b"data"].dtype == np.uint8


def _cifar10_archive():
    batches = [(_cifar_images(2, i), [i, (i + 5) % 10]) for i in range(6)]
    members = {f"cifar-10-batches-py/data_batch_{i + 1}": _py2_cpickle_batch(*batches[i])
               for i in range(5)}
    members["cifar-10-batches-py/test_batch"] = _py2_cpickle_batch(*batches[5])
    members["cifar-10-batches-py/batches.meta"] = b"unused"
    return _tar_gz(members), batches


@pytest.fixture
def channels_first():
    backend.set_image_data_format("channels_first")
    yield
    backend.set_image_data_format("channels_last")


def test_cifar10_downloads_extracts_and_orders_axes(mirror, monkeypatch, keras_home):
    archive, batches = _cifar10_archive()
    monkeypatch.setattr(cifar10, "FILE_HASH", _sha256(archive))
    mirror({"cifar-10-python.tar.gz": archive})
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and x_test.shape == (2, 32, 32, 3)
    assert y_train.shape == (10, 1) and y_test.shape == (2, 1)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    np.testing.assert_array_equal(y_train[:, 0], [0, 5, 1, 6, 2, 7, 3, 8, 4, 9])
    np.testing.assert_array_equal(y_test[:, 0], [5, 0])
    # pixel (row 1, column 2) of channel c of image 0 sits at c*1024 + 1*32 + 2 in the row
    first = batches[0][0][0]
    np.testing.assert_array_equal(x_train[0, 1, 2], [first[34], first[1024 + 34], first[2048 + 34]])
    assert sorted(os.listdir(keras_home / "datasets")) == [
        "cifar-10-batches-py-target", "cifar-10-batches-py-target_archive"]


def test_cifar10_channels_first(mirror, monkeypatch, channels_first):
    archive, batches = _cifar10_archive()
    monkeypatch.setattr(cifar10, "FILE_HASH", _sha256(archive))
    mirror({"cifar-10-python.tar.gz": archive})
    (x_train, _), _ = cifar10.load_data()
    assert x_train.shape == (10, 3, 32, 32)
    np.testing.assert_array_equal(x_train[0].reshape(-1), batches[0][0][0])


def test_cifar100_fine_and_coarse_labels(mirror, monkeypatch):
    train, test = _cifar_images(3, 1), _cifar_images(2, 2)

    def batch(data, fine, coarse):
        # CIFAR-100 files hold both label lists; protocol 2 from Python 3 (bytes via _codecs)
        return pickle.dumps({b"data": data, b"fine_labels": fine, b"coarse_labels": coarse},
                            protocol=2)
    archive = _tar_gz({"cifar-100-python/train": batch(train, [99, 0, 42], [19, 4, 7]),
                       "cifar-100-python/test": batch(test, [1, 2], [3, 4])})
    monkeypatch.setattr(cifar100, "FILE_HASH", _sha256(archive))
    mirror({"cifar-100-python.tar.gz": archive})
    (x_train, y_train), (x_test, y_test) = cifar100.load_data()
    assert x_train.shape == (3, 32, 32, 3) and x_train.dtype == np.uint8
    np.testing.assert_array_equal(y_train, [[99], [0], [42]])
    assert y_train.dtype == np.int64  # Keras 3 reshapes the file's Python list
    (_, y_coarse), (_, y_coarse_test) = cifar100.load_data(label_mode="coarse")
    np.testing.assert_array_equal(y_coarse[:, 0], [19, 4, 7])
    np.testing.assert_array_equal(y_coarse_test[:, 0], [3, 4])
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data(label_mode="medium")


def test_cifar_batch_naming_code_is_refused(mirror, monkeypatch):
    evil = b"\x80\x02cos\nsystem\nU\x04trueq\x00\x85R."
    archive = _tar_gz({"cifar-100-python/train": evil, "cifar-100-python/test": evil})
    monkeypatch.setattr(cifar100, "FILE_HASH", _sha256(archive))
    mirror({"cifar-100-python.tar.gz": archive})
    with pytest.raises(ValueError, match="os.system.*never code"):
        cifar100.load_data()


# ---------------------------------------------------------------- imdb / reuters


IMDB_TRAIN = _ragged([5, 1, 9], [2, 2], [7, 1, 1, 3], [4])
IMDB_TEST = _ragged([6, 8], [1], [3, 3, 3])


def _imdb_file():
    return _npz_bytes(x_train=IMDB_TRAIN, y_train=np.array([1, 0, 1, 0]),
                      x_test=IMDB_TEST, y_test=np.array([0, 1, 1]))


def _order(n, rng):
    indices = np.arange(n)
    rng.shuffle(indices)
    return indices


def test_imdb_default_processing(mirror, monkeypatch):
    data = _imdb_file()
    monkeypatch.setattr(imdb, "FILE_HASH", _sha256(data))
    mirror({"imdb.npz": data})
    (x_train, y_train), (x_test, y_test) = imdb.load_data()
    rng = np.random.RandomState(113)
    train_order, test_order = _order(4, rng), _order(3, rng)
    # start_char 1 in front, every rank + 3; num_words defaults to the largest index (12,
    # from rank 9), which is therefore itself out of range and becomes oov_char 2
    shifted = {0: [1, 8, 4, 2], 1: [1, 5, 5], 2: [1, 10, 4, 4, 6], 3: [1, 7]}
    assert x_train.dtype == object and x_train.shape == (4,)
    assert [list(x) for x in x_train] == [shifted[i] for i in train_order]
    np.testing.assert_array_equal(y_train, np.array([1, 0, 1, 0])[train_order])
    shifted_test = {0: [1, 9, 11], 1: [1, 4], 2: [1, 6, 6, 6]}
    assert [list(x) for x in x_test] == [shifted_test[i] for i in test_order]
    np.testing.assert_array_equal(y_test, np.array([0, 1, 1])[test_order])


def test_imdb_vocabulary_and_length_options(mirror, monkeypatch):
    data = _imdb_file()
    monkeypatch.setattr(imdb, "FILE_HASH", _sha256(data))
    mirror({"imdb.npz": data})
    (x_train, _), (x_test, _) = imdb.load_data(num_words=6, skip_top=2, maxlen=4, seed=0,
                                               start_char=None, oov_char=None, index_from=0)
    # unshifted, no start mark; only sequences shorter than 4 stay; words kept: 2 <= w < 6
    assert sorted(map(list, x_train)) == sorted([[5], [2, 2], [4]])
    assert sorted(map(list, x_test)) == sorted([[], [], [3, 3, 3]])  # [6, 8], [1], [3, 3, 3]
    (x_train, _), _ = imdb.load_data(num_words=6, skip_top=2, maxlen=4, seed=0,
                                     start_char=None, oov_char=0, index_from=0)
    assert sorted(map(list, x_train)) == sorted([[5, 0, 0], [2, 2], [4]])
    with pytest.raises(ValueError, match="no sequence was kept"):
        imdb.load_data(maxlen=2)
    with pytest.raises(ValueError, match="num_words"):
        imdb.load_data(nb_words=10)


def test_word_index_files_are_checked_by_md5(mirror, monkeypatch):
    index = b'{"the": 1, "and": 2}'
    monkeypatch.setattr(imdb, "WORD_INDEX_HASH", hashlib.md5(index).hexdigest())
    monkeypatch.setattr(reuters, "WORD_INDEX_HASH", hashlib.md5(index).hexdigest())
    mirror({"imdb_word_index.json": index, "reuters_word_index.json": index})
    assert imdb.get_word_index() == {"the": 1, "and": 2}
    assert reuters.get_word_index() == {"the": 1, "and": 2}


def test_word_index_with_kerass_hash_refuses_another_file(mirror):
    mirror({"imdb_word_index.json": b"{}"})
    with pytest.raises(ValueError, match="md5 hash .* expected bfafd718b763782e994055a2d397834f"):
        imdb.get_word_index()


def test_reuters_processing_split_and_labels(mirror, monkeypatch):
    xs = _ragged([1, 2], [3], [4, 4, 4, 4], [2, 5, 6], [7])
    ys = np.array([10, 11, 12, 13, 14])
    data = _npz_bytes(x=xs, y=ys)
    monkeypatch.setattr(reuters, "FILE_HASH", _sha256(data))
    mirror({"reuters.npz": data})
    (x_train, y_train), (x_test, y_test) = reuters.load_data(test_split=0.4, maxlen=5)
    order = _order(5, np.random.RandomState(113))
    # +3 and start mark 1; [4,4,4,4] becomes length 5, not < maxlen 5: dropped
    shifted = {0: [1, 4, 5], 1: [1, 6], 3: [1, 5, 8, 9], 4: [1, 10]}
    kept = [i for i in order if i != 2]
    # num_words = largest index, 10, which becomes oov 2
    expected = [[w if w < 10 else 2 for w in shifted[i]] for i in kept]
    # int(4 * 0.6) = 2 for training
    assert [list(x) for x in x_train] == expected[:2]
    assert [list(x) for x in x_test] == expected[2:]
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), ys[kept])
    assert len(reuters.get_label_names()) == 46 and reuters.get_label_names()[3] == "earn"


# ---------------------------------------------------------------- housing


def test_boston_and_california_shuffle_and_split(mirror, monkeypatch):
    x = np.arange(40, dtype=np.float64).reshape(10, 4)
    y = np.arange(10, dtype=np.float64) * 1.5
    data = _npz_bytes(x=x, y=y)
    monkeypatch.setattr(boston_housing, "FILE_HASH", _sha256(data))
    monkeypatch.setattr(california_housing, "FILE_HASH", _sha256(data))
    mirror({"boston_housing.npz": data, "california_housing.npz": data})
    order = _order(10, np.random.RandomState(113))
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data()
    np.testing.assert_array_equal(x_train, x[order[:8]])
    np.testing.assert_array_equal(y_test, y[order[8:]])
    assert x_train.dtype == np.float64 and x_test.shape == (2, 4)
    (x_train, _), (x_test, _) = california_housing.load_data(test_split=0.5, seed=113)
    np.testing.assert_array_equal(x_train, x[order[:5]])
    with pytest.raises(ValueError, match="test_split"):
        boston_housing.load_data(test_split=1.0)
    with pytest.raises(ValueError, match="version"):
        california_housing.load_data(version="medium")


def test_california_small_takes_the_first_600_before_shuffling(mirror, monkeypatch):
    x = np.arange(700, dtype=np.float32)[:, None] * np.ones(8, np.float32)
    y = np.arange(700, dtype=np.float32)
    data = _npz_bytes(x=x, y=y)
    monkeypatch.setattr(california_housing, "FILE_HASH", _sha256(data))
    mirror({"california_housing.npz": data})
    (x_train, y_train), (x_test, y_test) = california_housing.load_data(version="small")
    assert x_train.shape == (480, 8) and x_test.shape == (120, 8) and y_train.dtype == np.float32
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(600))
