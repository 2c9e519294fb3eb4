"""Tests for minikeras.datasets: the shipped digits and the Keras-cache loaders.

No test touches the network: every test that could reach a download runs with
``urllib.request.urlopen`` replaced.
"""

import gzip
import importlib.resources
import io
import os
import urllib.error
import urllib.request

import numpy as np
import pytest

from minikeras.datasets import digits, fashion_mnist, mnist
from minikeras.datasets._cache import ORIGIN, DatasetUnavailableError, cache_dir

NUM_TRAIN, NUM_TEST = 1437, 360


def _original_digits():
    """Read the shipped file directly, independently of the loader."""
    resource = importlib.resources.files("minikeras.datasets") / "data" / "digits.npz"
    with resource.open("rb") as f, np.load(f, allow_pickle=False) as data:
        return data["images"], data["labels"]


def _rows(x, y):
    """One sorted row per sample: 64 pixels followed by the label."""
    rows = np.concatenate([x.reshape(len(x), -1), y[:, None]], axis=1)
    return rows[np.lexsort(rows.T[::-1])]


# ---------------------------------------------------------------- digits


def test_datasets_package_exports_submodules():
    import minikeras.datasets as datasets

    assert datasets.digits is digits
    assert datasets.mnist is mnist
    assert datasets.fashion_mnist is fashion_mnist
    assert datasets.DatasetUnavailableError is DatasetUnavailableError


def test_digits_file_holds_original_order():
    images, labels = _original_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8
    assert labels.shape == (1797,) and labels.dtype == np.uint8
    np.testing.assert_array_equal(labels[:12], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1])
    np.testing.assert_array_equal(
        np.bincount(labels), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    )


def test_digits_shapes_dtypes_and_ranges():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (NUM_TRAIN, 8, 8) and y_train.shape == (NUM_TRAIN,)
    assert x_test.shape == (NUM_TEST, 8, 8) and y_test.shape == (NUM_TEST,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
    assert x_train.min() == 0 and x_train.max() == 16
    assert x_test.min() == 0 and x_test.max() == 16
    assert set(y_train.tolist()) == set(range(10))
    assert set(y_test.tolist()) == set(range(10))


def test_digits_split_is_deterministic_and_ignores_global_rng():
    np.random.seed(0)
    first = digits.load_data()
    np.random.seed(12345)
    np.random.random(100)
    second = digits.load_data()
    for a, b in zip(
        (first[0][0], first[0][1], first[1][0], first[1][1]),
        (second[0][0], second[0][1], second[1][0], second[1][1]),
    ):
        np.testing.assert_array_equal(a, b)


def test_digits_split_is_pinned():
    # Golden values of the seeded split: a change here means the file or
    # numpy's permutation stream changed, and every published digits result
    # would silently move.
    (_, y_train), (_, y_test) = digits.load_data()
    np.testing.assert_array_equal(y_train[:10], [1, 1, 9, 2, 3, 3, 7, 0, 6, 6])
    np.testing.assert_array_equal(y_test[:10], [5, 5, 4, 9, 8, 7, 4, 4, 3, 7])
    np.testing.assert_array_equal(
        np.bincount(y_test), [31, 40, 37, 28, 39, 33, 40, 30, 34, 48]
    )


def test_digits_split_is_a_shuffled_partition_of_the_original():
    images, labels = _original_digits()
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    # Together the two splits hold exactly the original samples ...
    both = _rows(np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test]))
    np.testing.assert_array_equal(both, _rows(images, labels))
    # ... with no sample in both (the original has no duplicate images).
    train_rows = {row.tobytes() for row in x_train.reshape(NUM_TRAIN, -1)}
    assert not any(row.tobytes() in train_rows for row in x_test.reshape(NUM_TEST, -1))
    # ... and the test split is not simply the (harder) tail of the file.
    assert not np.array_equal(y_test, labels[-NUM_TEST:])


# ---------------------------------------------------------------- cache helpers


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    """Point KERAS_HOME at an empty folder and make every download fail."""

    def no_network(url, *args, **kwargs):
        raise urllib.error.URLError("network disabled in tests")

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    return tmp_path


def _serve(monkeypatch, payloads, requested):
    """Make urlopen answer from ``payloads`` (url -> bytes), logging each url."""

    def fake_urlopen(url, *args, **kwargs):
        requested.append(url)
        return io.BytesIO(payloads[url])

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)


def test_cache_dir_defaults_to_home_keras(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_dir() == os.path.join(str(tmp_path), ".keras", "datasets", "")
    assert cache_dir("fashion-mnist") == os.path.join(
        str(tmp_path), ".keras", "datasets", "fashion-mnist"
    )


def test_cache_dir_respects_keras_home(keras_home):
    assert cache_dir("fashion-mnist") == os.path.join(
        str(keras_home), "datasets", "fashion-mnist"
    )


# ---------------------------------------------------------------- mnist


def _fake_mnist(num_train=5, num_test=3):
    """Small arrays with the MNIST keys, dtypes and image size."""
    rng = np.random.default_rng(0)
    return {
        "x_train": rng.integers(0, 256, (num_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, num_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (num_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, num_test, dtype=np.uint8),
    }


def _npz_bytes(arrays):
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def _assert_mnist_equal(loaded, arrays):
    (x_train, y_train), (x_test, y_test) = loaded
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_train, arrays["y_train"])
    np.testing.assert_array_equal(x_test, arrays["x_test"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    assert x_train.dtype == np.uint8 and y_test.dtype == np.uint8


def test_mnist_reads_cached_file(keras_home):
    arrays = _fake_mnist()
    (keras_home / "datasets").mkdir()
    np.savez_compressed(keras_home / "datasets" / "mnist.npz", **arrays)
    _assert_mnist_equal(mnist.load_data(), arrays)


def test_mnist_path_argument_names_the_cached_file(keras_home):
    arrays = _fake_mnist()
    (keras_home / "datasets").mkdir()
    np.savez(keras_home / "datasets" / "my_mnist.npz", **arrays)
    _assert_mnist_equal(mnist.load_data(path="my_mnist.npz"), arrays)


def test_mnist_downloads_from_keras_origin_into_cache(keras_home, monkeypatch):
    arrays = _fake_mnist()
    url = ORIGIN + "mnist.npz"
    requested = []
    _serve(monkeypatch, {url: _npz_bytes(arrays)}, requested)
    _assert_mnist_equal(mnist.load_data(), arrays)
    assert requested == ["https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"]
    assert os.listdir(keras_home / "datasets") == ["mnist.npz"]
    # A second call reads the cache without downloading again.
    _assert_mnist_equal(mnist.load_data(), arrays)
    assert len(requested) == 1


def test_mnist_offline_error_says_where_to_put_the_file(keras_home):
    expected_path = os.path.join(str(keras_home), "datasets", "mnist.npz")
    with pytest.raises(DatasetUnavailableError) as info:
        mnist.load_data()
    message = str(info.value)
    assert expected_path in message
    assert ORIGIN + "mnist.npz" in message
    assert isinstance(info.value, OSError)
    assert os.listdir(keras_home / "datasets") == []


def test_mnist_interrupted_download_leaves_no_partial_file(keras_home, monkeypatch):
    class BrokenStream(io.BytesIO):
        def read(self, *args):
            if self.tell() > 0:
                raise ConnectionResetError("connection reset mid-download")
            return super().read(10)

    monkeypatch.setattr(
        urllib.request, "urlopen", lambda url, *a, **k: BrokenStream(b"x" * 100)
    )
    with pytest.raises(DatasetUnavailableError, match="connection reset"):
        mnist.load_data()
    assert os.listdir(keras_home / "datasets") == []


def test_mnist_file_missing_a_key_is_rejected(keras_home):
    arrays = _fake_mnist()
    del arrays["y_test"]
    (keras_home / "datasets").mkdir()
    np.savez(keras_home / "datasets" / "mnist.npz", **arrays)
    with pytest.raises(ValueError, match=r"missing \['y_test'\]"):
        mnist.load_data()


def test_mnist_file_with_mismatched_lengths_is_rejected(keras_home):
    arrays = _fake_mnist()
    arrays["y_train"] = arrays["y_train"][:-1]
    (keras_home / "datasets").mkdir()
    np.savez(keras_home / "datasets" / "mnist.npz", **arrays)
    with pytest.raises(ValueError, match="x_train holds 5 images but y_train holds 4"):
        mnist.load_data()


@pytest.mark.parametrize(
    "content",
    [
        b"not a zip file at all",
        _npz_bytes({"x_train": np.array([{"a": 1}], dtype=object)}),  # pickled object
    ],
    ids=["garbage", "pickle"],
)
def test_mnist_unreadable_or_pickled_file_is_rejected(keras_home, content):
    (keras_home / "datasets").mkdir()
    path = keras_home / "datasets" / "mnist.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="mnist.npz"):
        mnist.load_data()


# ---------------------------------------------------------------- fashion_mnist


def _idx_labels(labels):
    header = np.array([2049, len(labels)], dtype=">u4").tobytes()
    return gzip.compress(header + labels.tobytes())


def _idx_images(images):
    header = np.array([2051, len(images), 28, 28], dtype=">u4").tobytes()
    return gzip.compress(header + images.tobytes())


def _fake_fashion_files():
    """Gzipped IDX bytes for each Keras file name, and the arrays they hold."""
    arrays = _fake_mnist(num_train=4, num_test=2)
    files = {
        "train-labels-idx1-ubyte.gz": _idx_labels(arrays["y_train"]),
        "train-images-idx3-ubyte.gz": _idx_images(arrays["x_train"]),
        "t10k-labels-idx1-ubyte.gz": _idx_labels(arrays["y_test"]),
        "t10k-images-idx3-ubyte.gz": _idx_images(arrays["x_test"]),
    }
    return files, arrays


def _write_fashion(keras_home, files):
    folder = keras_home / "datasets" / "fashion-mnist"
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder


def test_fashion_mnist_reads_cached_idx_files(keras_home):
    files, arrays = _fake_fashion_files()
    _write_fashion(keras_home, files)
    loaded = fashion_mnist.load_data()
    _assert_mnist_equal(loaded, arrays)
    assert loaded[0][0].shape == (4, 28, 28) and loaded[1][1].shape == (2,)
    assert all(array.flags.writeable for split in loaded for array in split)


def test_fashion_mnist_downloads_missing_files(keras_home, monkeypatch):
    files, arrays = _fake_fashion_files()
    requested = []
    _serve(monkeypatch, {ORIGIN + name: data for name, data in files.items()}, requested)
    _assert_mnist_equal(fashion_mnist.load_data(), arrays)
    assert sorted(requested) == sorted(ORIGIN + name for name in files)
    folder = keras_home / "datasets" / "fashion-mnist"
    assert sorted(os.listdir(folder)) == sorted(files)


def test_fashion_mnist_offline_error_names_path_and_url(keras_home):
    files, _ = _fake_fashion_files()
    del files["t10k-images-idx3-ubyte.gz"]
    folder = _write_fashion(keras_home, files)
    with pytest.raises(DatasetUnavailableError) as info:
        fashion_mnist.load_data()
    assert os.path.join(str(folder), "t10k-images-idx3-ubyte.gz") in str(info.value)
    assert ORIGIN + "t10k-images-idx3-ubyte.gz" in str(info.value)
    assert sorted(os.listdir(folder)) == sorted(files)


@pytest.mark.parametrize(
    "name, content, match",
    [
        ("train-labels-idx1-ubyte.gz", b"plain bytes", "Could not decompress"),
        ("train-labels-idx1-ubyte.gz", gzip.compress(b"\0" * 20), "magic number 2049"),
        (
            "train-images-idx3-ubyte.gz",
            _idx_labels(np.zeros(4, np.uint8)),
            "magic number 2051",
        ),
        (
            "train-images-idx3-ubyte.gz",
            gzip.compress(b""),
            "expected a header",
        ),
    ],
    ids=["not-gzip", "bad-magic", "labels-as-images", "empty"],
)
def test_fashion_mnist_rejects_bad_idx_files(keras_home, name, content, match):
    files, _ = _fake_fashion_files()
    files[name] = content
    _write_fashion(keras_home, files)
    with pytest.raises(ValueError, match=match):
        fashion_mnist.load_data()


def test_fashion_mnist_rejects_truncated_images(keras_home):
    files, arrays = _fake_fashion_files()
    header = np.array([2051, 4, 28, 28], dtype=">u4").tobytes()
    files["train-images-idx3-ubyte.gz"] = gzip.compress(
        header + arrays["x_train"].tobytes()[:-100]
    )
    _write_fashion(keras_home, files)
    with pytest.raises(ValueError, match="truncated"):
        fashion_mnist.load_data()


def test_fashion_mnist_rejects_image_label_count_mismatch(keras_home):
    files, arrays = _fake_fashion_files()
    files["train-labels-idx1-ubyte.gz"] = _idx_labels(arrays["y_train"][:3])
    _write_fashion(keras_home, files)
    with pytest.raises(ValueError, match="holds 4 images but its label file holds 3"):
        fashion_mnist.load_data()
