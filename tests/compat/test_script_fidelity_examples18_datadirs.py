"""Keras's data-input utilities beside Keras 3.15, option by option (round 18):
image / text / audio_dataset_from_directory on small trees each case writes (PNG, BMP, GIF
images in several modes and sizes, text files, WAV files), timeseries_dataset_from_array,
split_dataset and a PyDataset in fit.

The cases are in tests/fixtures/examples18_datadirs_cases.py; what Keras gave is in
tests/fixtures/keras_examples18_datadirs.json, written once with real Keras 3.15 on
TensorFlow's Python by tools/make_examples18_datadirs_fixture.py. Seeded file orders are
compared exactly; where Keras reshuffles through tf.data's generator the elements are
compared sorted. JPEG pixels are not recorded (TensorFlow's decoder and Pillow's differ by a
few levels), nor grayscale BMPs / GIFs and RGBA GIFs (TensorFlow refuses to decode them so).

Fixed in round 18 (each row here would fail without its fix): pad_to_aspect_ratio's offsets
(TensorFlow halves the unrounded margin), grayscale from colour PNGs (libpng's truncated
weights, not Pillow's rounding), text max_length counting UTF-8 bytes, int32 / float32
windows of Python lists, NotADirectoryError for a file given as the directory, and Keras's
messages for class_names beside a label list or labels=None, binary text / audio of other
than two classes, ragged with a length, a bad sampling_rate, end_index before start_index
and split_dataset of a list holding other than arrays.
"""
import functools

import pytest

import minikeras as keras
from tests.compat.script_compare import assert_same, without
from tests.fixture_cases import load_cases
from tests.optional_extras import require_module

cases, KERAS = load_cases("examples18_datadirs_cases", "keras_examples18_datadirs.json")

NOT_COMPARED = {
    ("text_errors", "latin1_file"): "Keras yields a file that is not UTF-8 as its raw bytes; "
                                    "minikeras's texts are str and it names the file instead "
                                    "(tests/data/test_directory_datasets.py)",
    ("audio_more_options", "sampling_rate"): "Keras raises ImportError asking for "
                                             "tensorflow-io (its resampler); minikeras offers "
                                             "no resampling and says so in a ValueError",
}
# TensorFlow's bicubic and Lanczos kernels sum to 1 only to float32 round-off: a pixel that
# should be 0 comes out near 1e-5 (on values up to 255)
LOOSE = {f"crop {kernel}": (2e-5, 1e-4) for kernel in ("bicubic", "lanczos3", "lanczos5")}
without_not_compared = functools.partial(without, NOT_COMPARED)

IMAGE_CASES = [name for name in cases.CASES if name.startswith("image_")]
OTHER_CASES = [name for name in cases.CASES if not name.startswith("image_")]


def run(name, folder):
    got = cases.CASES[name](keras, str(folder))
    assert_same(without_not_compared(name, got), without_not_compared(name, KERAS[name]), name,
                loose=LOOSE)


@pytest.mark.parametrize("name", IMAGE_CASES)
def test_image_dataset_matches_keras(name, tmp_path):
    require_module("PIL", "images")
    run(name, tmp_path)


@pytest.mark.parametrize("name", OTHER_CASES)
def test_data_utility_matches_keras(name, tmp_path):
    run(name, tmp_path)


def test_every_case_has_a_record():
    assert sorted(KERAS) == sorted(cases.CASES)
