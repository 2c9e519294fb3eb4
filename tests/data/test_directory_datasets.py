"""image_dataset_from_directory, text_dataset_from_directory and the image file helpers,
on small trees made by the tests."""
import os
import sys

import numpy as np
import pytest

from minikeras.utils import (array_to_img, image_dataset_from_directory, img_to_array,
                             load_img, save_img, text_dataset_from_directory)
from minikeras.utils.image_utils import resize

Image = pytest.importorskip("PIL.Image")  # the "images" extra; .ci/run installs it


def _write_png(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(path)


@pytest.fixture
def image_tree(tmp_path):
    """cats/ (3 images of value 10 + i) and dogs/ (2 images of value 200 + i), 4x6 RGB,
    plus a non-image file that must be ignored."""
    root = tmp_path / "images"
    for i in range(3):
        _write_png(str(root / "cats" / f"c{i}.png"), np.full((4, 6, 3), 10 + i))
    for i in range(2):
        _write_png(str(root / "dogs" / "sub" / f"d{i}.png"), np.full((4, 6, 3), 200 + i))
    (root / "cats" / "notes.txt").write_text("not an image")
    return root


def test_image_dataset_infers_classes_and_labels(image_tree, capsys):
    ds = image_dataset_from_directory(str(image_tree), image_size=(4, 6), batch_size=2,
                                      shuffle=False)
    assert "Found 5 files belonging to 2 classes." in capsys.readouterr().out
    assert ds.class_names == ["cats", "dogs"] and ds.cardinality() == 3
    images, labels = zip(*ds)
    images, labels = np.concatenate(images), np.concatenate(labels)
    assert images.shape == (5, 4, 6, 3) and images.dtype == np.float32
    assert labels.dtype == np.int32 and labels.tolist() == [0, 0, 0, 1, 1]
    # same size: no resampling, the pixel values come through exactly
    assert images[:, 0, 0, 0].tolist() == [10, 11, 12, 200, 201]
    assert [os.path.basename(p) for p in ds.file_paths] == ["c0.png", "c1.png", "c2.png",
                                                            "d0.png", "d1.png"]


def test_image_dataset_label_modes_color_modes_and_channels_first(image_tree):
    cat = image_dataset_from_directory(str(image_tree), label_mode="categorical",
                                       color_mode="grayscale", image_size=(2, 3), shuffle=False,
                                       batch_size=5, verbose=False)
    x, y = next(iter(cat))
    assert x.shape == (5, 2, 3, 1) and y.dtype == np.float32
    assert y.tolist() == [[1, 0]] * 3 + [[0, 1]] * 2
    binary = image_dataset_from_directory(str(image_tree), label_mode="binary", batch_size=None,
                                          image_size=4, shuffle=False, verbose=False,
                                          data_format="channels_first", color_mode="rgba")
    x, y = next(iter(binary))
    assert x.shape == (4, 4, 4) and y.tolist() == [0.0]
    only_images = image_dataset_from_directory(str(image_tree), labels=None, shuffle=False,
                                               image_size=(4, 6), verbose=False)
    (batch,) = list(only_images)
    assert batch.shape == (5, 4, 6, 3) and only_images.class_names is None


def test_validation_split_partitions_the_seeded_shuffle(image_tree):
    kwargs = dict(image_size=(4, 6), batch_size=8, seed=1, validation_split=0.4, verbose=False)
    train = image_dataset_from_directory(str(image_tree), subset="training", **kwargs)
    val = image_dataset_from_directory(str(image_tree), subset="validation", **kwargs)
    # int(0.4 * 5) = 2 for validation: the last two files after RandomState(1).shuffle
    paths = sorted(str(p) for p in image_tree.rglob("*.png"))
    order = list(paths)
    np.random.RandomState(1).shuffle(order)
    assert train.file_paths == order[:3] and val.file_paths == order[3:]
    both = image_dataset_from_directory(str(image_tree), subset="both", **kwargs)
    assert both[0].file_paths == order[:3] and both[1].file_paths == order[3:]
    values = sorted(int(v) for x, _ in both[0] for v in x[:, 0, 0, 0])
    assert len(values) == 3


def test_resize_bilinear_matches_half_pixel_centres_by_hand():
    # 1x2 -> 1x4: output centres map to input x = (j + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25
    # clamped to [0, 1]: 0 -> 0, 0.25 -> 2.5, 0.75 -> 7.5, 1.25 -> high index clamps -> 10
    image = np.array([[[0.0], [10.0]]])
    out = resize(image, (1, 4), "bilinear")
    np.testing.assert_allclose(out[0, :, 0], [0.0, 2.5, 7.5, 10.0])
    # nearest: floor((j + 0.5) * 0.5) = 0, 0, 1, 1
    np.testing.assert_array_equal(resize(image, (1, 4), "nearest")[0, :, 0], [0, 0, 10, 10])


def test_crop_and_pad_to_aspect_ratio(tmp_path):
    # 2x4 image, left half 0, right half 100; target 2x2
    image = np.zeros((2, 4, 3)); image[:, 2:] = 100
    _write_png(str(tmp_path / "d" / "a" / "x.png"), image)
    crop = image_dataset_from_directory(str(tmp_path / "d"), image_size=(2, 2), shuffle=False,
                                        crop_to_aspect_ratio=True, verbose=False)
    x, _ = next(iter(crop))
    assert x[0, 0, :, 0].tolist() == [0.0, 100.0]  # centre columns 1 and 2
    pad = image_dataset_from_directory(str(tmp_path / "d"), image_size=(4, 4), shuffle=False,
                                       pad_to_aspect_ratio=True, verbose=False,
                                       interpolation="nearest")
    x, _ = next(iter(pad))
    # fits as 2x4 in the middle rows; rows 0 and 3 are padding
    assert x[0, :, 3, 0].tolist() == [0.0, 100.0, 100.0, 0.0]


def test_directory_without_class_folders_is_explained(tmp_path):
    _write_png(str(tmp_path / "flat" / "a.png"), np.zeros((2, 2, 3)))
    with pytest.raises(ValueError, match=r"one sub-folder per class.*\['a.png'\].*labels=None"):
        image_dataset_from_directory(str(tmp_path / "flat"))
    with pytest.raises(FileNotFoundError, match="No such file or directory"):
        image_dataset_from_directory(str(tmp_path / "nowhere"))
    (tmp_path / "empty" / "cls").mkdir(parents=True)
    with pytest.raises(ValueError, match="No images found"):
        image_dataset_from_directory(str(tmp_path / "empty"), verbose=False)


def test_unreadable_image_is_named_when_read(tmp_path):
    bad = tmp_path / "d" / "c" / "broken.png"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"\x89PNG but not really")
    ds = image_dataset_from_directory(str(tmp_path / "d"), verbose=False, shuffle=False)
    with pytest.raises(ValueError, match="broken.png as an image"):
        list(ds)


@pytest.mark.parametrize("kwargs, message", [
    ({"label_mode": "sparse"}, "`label_mode` argument must be one of"),
    ({"color_mode": "cmyk"}, "color_mode"),
    ({"image_size": (1, 2, 3)}, "image_size"),
    ({"interpolation": "gaussian"}, "not offered"),
    ({"crop_to_aspect_ratio": True, "pad_to_aspect_ratio": True}, "Only one"),
    ({"validation_split": 0.2}, "If `subset` is set"),
    ({"validation_split": 0.2, "subset": "training"}, "provide a `seed`"),
    ({"validation_split": 1.5, "subset": "training", "seed": 1}, "between 0 and 1"),
    ({"labels": "folders"}, "labels must be"),
    ({"labels": [0, 1], "class_names": ["a"]}, "You can only pass `class_names`"),
    ({"class_names": ["cats", "birds"]}, "did not match"),
    ({"labels": [0, 1]}, "Expected the lengths of `labels`"),
    ({"format": "grain"}, 'format must be "tf"'),
])
def test_image_dataset_bad_arguments(image_tree, kwargs, message):
    with pytest.raises(ValueError, match=message):
        image_dataset_from_directory(str(image_tree), verbose=False, **kwargs)


def test_binary_label_mode_needs_two_classes(image_tree):
    _write_png(str(image_tree / "birds" / "b.png"), np.zeros((2, 2, 3)))
    with pytest.raises(ValueError, match="exactly 2"):
        image_dataset_from_directory(str(image_tree), label_mode="binary", verbose=False)


def test_missing_pillow_names_the_extra(image_tree, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    ds = image_dataset_from_directory(str(image_tree), verbose=False)
    with pytest.raises(ImportError, match=r'minikeras\[images\]'):
        list(ds)


# ---------------------------------------------------------------- image helpers


def test_save_load_roundtrip_and_conversions(tmp_path):
    array = np.arange(2 * 3 * 3, dtype=np.float32).reshape(2, 3, 3) * 10
    path = str(tmp_path / "x.png")
    save_img(path, array, scale=False)
    img = load_img(path)
    assert img.size == (3, 2) and img.mode == "RGB"
    back = img_to_array(img)
    assert back.dtype == np.float32 and back.shape == (2, 3, 3)
    np.testing.assert_array_equal(back, array)
    assert img_to_array(img, data_format="channels_first").shape == (3, 2, 3)
    # scale=True stretches min..max to 0..255
    np.testing.assert_array_equal(img_to_array(array_to_img(np.array([[[1.0]], [[3.0]]]))),
                                  [[[0.0]], [[255.0]]])
    gray = load_img(path, color_mode="grayscale", target_size=(4, 6))
    assert gray.mode == "L" and gray.size == (6, 4)
    with pytest.raises(ValueError, match="rank 3"):
        array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="color_mode"):
        load_img(path, color_mode="cmyk")
    with pytest.raises(ValueError, match="Invalid interpolation"):
        load_img(path, target_size=(1, 1), interpolation="cubic")


# ---------------------------------------------------------------- text


@pytest.fixture
def text_tree(tmp_path):
    root = tmp_path / "texts"
    for label, texts in (("neg", ["bad film", "awful"]), ("pos", ["great", "loved it", "fine"])):
        (root / label).mkdir(parents=True)
        for i, text in enumerate(texts):
            (root / label / f"{i}.txt").write_text(text, encoding="utf-8")
    (root / "pos" / "skip.md").write_text("ignored")
    return root


def test_text_dataset_reads_texts_and_labels(text_tree):
    ds = text_dataset_from_directory(str(text_tree), shuffle=False, batch_size=10, verbose=False)
    texts, labels = next(iter(ds))
    assert ds.class_names == ["neg", "pos"]
    assert texts.tolist() == ["bad film", "awful", "great", "loved it", "fine"]
    assert labels.tolist() == [0, 0, 1, 1, 1]
    short = text_dataset_from_directory(str(text_tree), shuffle=False, max_length=3,
                                        labels=None, batch_size=None, verbose=False)
    assert [str(t) for t in short] == ["bad", "awf", "gre", "lov", "fin"]


def test_text_dataset_split_and_errors(text_tree):
    train, val = text_dataset_from_directory(str(text_tree), validation_split=0.4,
                                             subset="both", seed=5, verbose=False)
    assert len(train.file_paths) == 3 and len(val.file_paths) == 2
    assert not set(train.file_paths) & set(val.file_paths)
    (text_tree / "pos" / "bad.txt").write_bytes(b"\xff\xfe\xfa")
    ds = text_dataset_from_directory(str(text_tree), shuffle=False, verbose=False)
    with pytest.raises(ValueError, match="bad.txt is not UTF-8"):
        list(ds)
    with pytest.raises(ValueError, match="max_length"):
        text_dataset_from_directory(str(text_tree), max_length=0)


# ---------------------------------------------------------------- audio


def _write_wav(path, samples, channels=1, width=2, rate=8000):
    import wave
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with wave.open(str(path), "wb") as f:
        f.setnchannels(channels)
        f.setsampwidth(width)
        f.setframerate(rate)
        f.writeframes(np.asarray(samples, dtype=f"<i{width}").tobytes())


def test_audio_dataset_scales_pads_and_labels(tmp_path):
    from minikeras.utils import audio_dataset_from_directory
    root = tmp_path / "audio"
    _write_wav(root / "no" / "a.wav", [16384, -32768])          # 0.5, -1.0
    _write_wav(root / "yes" / "b.wav", [8192, 0, -8192, 32767])  # 0.25, 0, -0.25, ~1
    ds = audio_dataset_from_directory(str(root), shuffle=False, verbose=False)
    (audio, labels), = list(ds)
    assert audio.shape == (2, 4, 1) and audio.dtype == np.float32 and labels.tolist() == [0, 1]
    np.testing.assert_allclose(audio[0, :, 0], [0.5, -1.0, 0.0, 0.0])  # padded to the longest
    np.testing.assert_allclose(audio[1, :3, 0], [0.25, 0.0, -0.25])
    fixed = audio_dataset_from_directory(str(root), shuffle=False, verbose=False,
                                         output_sequence_length=3)
    assert next(iter(fixed))[0].shape == (2, 3, 1)
    with pytest.raises(ValueError, match="resampling is not offered"):
        audio_dataset_from_directory(str(root), sampling_rate=16000)
    with pytest.raises(ValueError, match="ragged=True is not offered"):
        audio_dataset_from_directory(str(root), ragged=True)
    (root / "no" / "c.wav").write_bytes(b"RIFF....junk")
    with pytest.raises(ValueError, match="c.wav as a PCM WAV"):
        list(audio_dataset_from_directory(str(root), shuffle=False, verbose=False))


def test_wav_sample_widths_and_channels(tmp_path):
    from minikeras.utils.audio_dataset import read_wav
    _write_wav(tmp_path / "s.wav", [[1000, -1000], [2000, -2000]], channels=2)
    np.testing.assert_allclose(read_wav(tmp_path / "s.wav"),
                               [[1000 / 32768, -1000 / 32768], [2000 / 32768, -2000 / 32768]])
    import wave
    with wave.open(str(tmp_path / "u8.wav"), "wb") as f:  # 8-bit PCM is unsigned, 128 = 0
        f.setnchannels(1), f.setsampwidth(1), f.setframerate(8000)
        f.writeframes(bytes([128, 192, 0]))
    np.testing.assert_allclose(read_wav(tmp_path / "u8.wav")[:, 0], [0.0, 0.5, -1.0])
    with wave.open(str(tmp_path / "s24.wav"), "wb") as f:  # 24-bit little-endian
        f.setnchannels(1), f.setsampwidth(3), f.setframerate(8000)
        f.writeframes((2**22).to_bytes(3, "little") + (-(2**23)).to_bytes(3, "little", signed=True))
    np.testing.assert_allclose(read_wav(tmp_path / "s24.wav")[:, 0], [0.5, -1.0])


def test_explicit_labels_follow_sorted_file_order(image_tree):
    # files in walk order: cats/c0, cats/c1, cats/c2, dogs/sub/d0, dogs/sub/d1
    ds = image_dataset_from_directory(str(image_tree), labels=[1, 0, 1, 0, 0], shuffle=False,
                                      image_size=(4, 6), verbose=False)
    x, y = next(iter(ds))
    assert ds.class_names == ["0", "1"] and y.tolist() == [1, 0, 1, 0, 0]
    assert x[:, 0, 0, 0].tolist() == [10, 11, 12, 200, 201]


def test_pillow_is_imported_only_when_an_image_is_read():
    import subprocess
    code = ("import sys, minikeras, minikeras.utils, minikeras.datasets\n"
            "assert 'PIL' not in sys.modules, 'PIL imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
