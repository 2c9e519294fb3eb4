"""minikeras.utils.dataset.Dataset, split_dataset and timeseries_dataset_from_array."""
import random
import threading

import numpy as np
import pytest

from minikeras.utils import split_dataset, timeseries_dataset_from_array
from minikeras.utils.dataset import (INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset)


def _values(ds):
    return [np.asarray(e).tolist() for e in ds]


def test_from_tensor_slices_batch_keeps_last_partial_batch_and_structure():
    x = np.arange(10).reshape(5, 2)
    ds = Dataset.from_tensor_slices((x, {"w": np.arange(5.0)})).batch(2)
    batches = list(ds)
    assert ds.cardinality() == 3 and len(ds) == 3
    assert [b[0].shape for b in batches] == [(2, 2), (2, 2), (1, 2)]
    assert batches[2][1]["w"].tolist() == [4.0]
    assert Dataset.from_tensor_slices(x).batch(2, drop_remainder=True).cardinality() == 2
    assert len(list(Dataset.from_tensor_slices(x).batch(2, drop_remainder=True))) == 2


def test_unbatch_take_skip_repeat_concatenate_enumerate():
    ds = Dataset.from_tensor_slices(np.arange(6))
    assert _values(ds.batch(4).unbatch()) == [0, 1, 2, 3, 4, 5]
    assert _values(ds.take(2)) == [0, 1] and ds.take(2).cardinality() == 2
    assert _values(ds.skip(4)) == [4, 5] and ds.skip(4).cardinality() == 2
    assert ds.take(-1) is ds
    assert _values(ds.take(2).repeat(3)) == [0, 1] * 3 and ds.take(2).repeat(3).cardinality() == 6
    assert ds.repeat().cardinality() == INFINITE_CARDINALITY
    assert _values(ds.repeat().take(8)) == [0, 1, 2, 3, 4, 5, 0, 1]
    assert _values(ds.take(1).concatenate(ds.skip(5))) == [0, 5]
    assert [(int(i), int(v)) for i, v in ds.skip(4).enumerate(start=10)] == [(10, 4), (11, 5)]


def test_map_unpacks_tuples_and_parallel_map_keeps_order():
    ds = Dataset.from_tensor_slices((np.arange(20), np.arange(20) * 2))
    assert _values(ds.map(lambda x, y: x + y).take(3)) == [0, 3, 6]
    threads = set()

    def slow_square(x, y):
        threads.add(threading.get_ident())
        return x * x
    assert _values(ds.map(slow_square, num_parallel_calls=4)) == [i * i for i in range(20)]
    assert threads and threading.get_ident() not in threads  # pool threads did the calls


def test_filter_has_unknown_cardinality():
    ds = Dataset.from_tensor_slices(np.arange(10)).filter(lambda x: x % 3 == 0)
    assert _values(ds) == [0, 3, 6, 9] and ds.cardinality() == UNKNOWN_CARDINALITY
    with pytest.raises(TypeError, match="unknown"):
        len(ds)


def test_shuffle_is_a_seeded_permutation_reshuffled_each_pass():
    ds = Dataset.from_tensor_slices(np.arange(50)).shuffle(100, seed=3)
    first, second = _values(ds), _values(ds)
    assert sorted(first) == list(range(50)) and first != list(range(50))
    assert first != second
    again = Dataset.from_tensor_slices(np.arange(50)).shuffle(100, seed=3)
    assert _values(again) == first
    fixed = Dataset.from_tensor_slices(np.arange(50)).shuffle(
        100, seed=3, reshuffle_each_iteration=False)
    assert _values(fixed) == _values(fixed)


def test_small_shuffle_buffer_only_moves_elements_locally():
    # with a buffer of 2 the first output is one of the first two elements
    for seed in range(5):
        out = _values(Dataset.from_tensor_slices(np.arange(10)).shuffle(2, seed=seed))
        assert out[0] in (0, 1) and sorted(out) == list(range(10))


def test_cache_reads_the_source_once():
    calls = []

    def source():
        calls.append(1)
        return iter([np.array(1), np.array(2)])
    ds = Dataset(source, 2).cache()
    assert _values(ds) == [1, 2] and _values(ds) == [1, 2]
    assert len(calls) == 1
    with pytest.raises(ValueError, match="in memory only"):
        ds.cache("file.cache")


def test_prefetch_runs_ahead_and_passes_errors_through():
    ds = Dataset.from_tensor_slices(np.arange(7)).batch(2).prefetch(2)
    assert [b.tolist() for b in ds] == [[0, 1], [2, 3], [4, 5], [6]]

    def broken():
        yield np.array(1)
        raise OSError("disk gone")
    with pytest.raises(OSError, match="disk gone"):
        list(Dataset(broken).prefetch(-1))
    # stopping early leaves no thread running
    before = threading.active_count()
    iterator = iter(Dataset.from_tensor_slices(np.arange(1000)).prefetch(4))
    next(iterator)
    iterator.close()
    assert threading.active_count() == before


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="same first dimension"):
        Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        Dataset.from_tensor_slices(np.zeros(3)).batch(0)
    ragged = Dataset(lambda: iter([np.zeros(2), np.zeros(3)]))
    with pytest.raises(ValueError, match=r"different shapes \[\(2,\), \(3,\)\]"):
        list(ragged.batch(2))
    with pytest.raises(AttributeError, match="does not offer tf.data's 'interleave'"):
        ragged.interleave(len)


def test_as_numpy_iterator_and_zip():
    a = Dataset.from_tensor_slices(np.arange(3))
    b = Dataset.from_tensor_slices(np.arange(5) * 10)
    zipped = Dataset.zip((a, b))
    assert zipped.cardinality() == 3
    assert [(int(x), int(y)) for x, y in zipped.as_numpy_iterator()] == [(0, 0), (1, 10), (2, 20)]


def test_a_for_loop_hands_out_arrays_with_an_eager_tensors_numpy():
    # tf.data gives EagerTensors in a for loop, and scripts call .numpy() on them
    images, labels = np.arange(24, dtype="float32").reshape(4, 2, 3), np.array([0, 1, 1, 0])
    ds = Dataset.from_tensor_slices((images, labels)).batch(3)
    x, y = next(iter(ds))
    assert type(x.numpy()) is np.ndarray and type(x[0].numpy()) is np.ndarray
    np.testing.assert_array_equal(x[0].numpy(), images[0])
    np.testing.assert_array_equal(y.numpy(), [0, 1, 1])
    label = next(iter(Dataset.from_tensor_slices(labels)))  # one element: a 0-d array
    assert label.numpy().shape == () and int(label) == 0
    x, y = next(ds.as_numpy_iterator())  # plain arrays, as tf's numpy iterator gives
    assert type(x) is np.ndarray and type(y) is np.ndarray
    mapped = ds.map(lambda a, b: (a * 2, b))  # a transformation sees plain arrays
    assert type(next(mapped.as_numpy_iterator())[0]) is np.ndarray


# ---------------------------------------------------------------- split_dataset


def test_split_dataset_of_arrays_sizes_as_keras():
    data = np.arange(10.0)
    left, right = split_dataset(data, left_size=0.8)
    assert _values(left) == list(range(8)) and _values(right) == [8.0, 9.0]
    left, right = split_dataset((np.arange(10), np.arange(10) * 2), left_size=3, right_size=2)
    assert [tuple(map(int, e)) for e in left] == [(0, 0), (1, 2), (2, 4)]
    assert [tuple(map(int, e)) for e in right] == [(8, 16), (9, 18)]
    # right only: left is the complement; fractions round as Keras does (round(0.25 * 10) = 2)
    left, right = split_dataset(np.arange(10), right_size=0.25)
    assert left.cardinality() == 8 and right.cardinality() == 2


def test_split_dataset_shuffle_uses_python_random_with_the_seed():
    left, right = split_dataset(np.arange(10), left_size=5, shuffle=True, seed=7)
    expected = list(range(10))
    random.Random(7).shuffle(expected)
    assert _values(left) + _values(right) == expected


def test_split_dataset_of_a_dataset_and_bad_sizes():
    ds = Dataset.from_tensor_slices(np.arange(4))
    left, right = split_dataset(ds, left_size=0.5)
    assert _values(left) == [0, 1] and _values(right) == [2, 3]
    with pytest.raises(ValueError, match="At least one"):
        split_dataset(ds)
    with pytest.raises(ValueError, match="`left_size` should be"):
        split_dataset(ds, left_size=4)
    with pytest.raises(ValueError, match="greater than 1"):
        split_dataset(ds, left_size=0.6, right_size=0.6)
    with pytest.raises(TypeError, match="Invalid `left_size` Type"):
        split_dataset(ds, left_size="half")
    with pytest.raises(TypeError, match="split_dataset expects"):
        split_dataset(42, left_size=0.5)


# ---------------------------------------------------------------- timeseries


def test_timeseries_windows_targets_and_batches():
    data = np.arange(20)
    ds = timeseries_dataset_from_array(data, data * 10, sequence_length=4, sequence_stride=3,
                                       sampling_rate=2, batch_size=2)
    batches = list(ds)
    # num windows = 20 - (4 - 1) * 2 = 14 start positions, every 3rd: 0, 3, 6, 9, 12
    windows = np.concatenate([b[0] for b in batches])
    targets = np.concatenate([b[1] for b in batches])
    assert windows.tolist() == [[s, s + 2, s + 4, s + 6] for s in (0, 3, 6, 9, 12)]
    assert targets.tolist() == [0, 30, 60, 90, 120]
    assert ds.cardinality() == 3 and [len(b[0]) for b in batches] == [2, 2, 1]


def test_timeseries_start_end_index_and_shuffled_starts():
    data = np.arange(30)
    ds = timeseries_dataset_from_array(data, data, sequence_length=5, start_index=10,
                                       end_index=20, batch_size=None)
    windows = [w.tolist() for w, _ in ds]
    assert windows[0] == [10, 11, 12, 13, 14] and windows[-1] == [15, 16, 17, 18, 19]
    assert [int(t) for _, t in ds] == list(range(10, 16))
    shuffled = timeseries_dataset_from_array(data, None, sequence_length=5, shuffle=True,
                                             seed=1, batch_size=None)
    starts = sorted(int(w[0]) for w in shuffled)
    assert starts == list(range(26))


@pytest.mark.parametrize("kwargs, message", [
    ({"sampling_rate": 0}, "`sampling_rate` must be higher than 0"),
    ({"sequence_stride": 10}, "`sequence_stride` must be lower"),
    ({"start_index": 12}, "`start_index` must be lower"),
    ({"end_index": 3, "start_index": 5}, "`end_index` must be higher than `start_index`"),
    ({"format": "grain"}, 'format must be "tf"'),
])
def test_timeseries_bad_arguments(kwargs, message):
    args = {"sequence_length": 3, **kwargs}
    with pytest.raises(ValueError, match=message):
        timeseries_dataset_from_array(np.arange(10), None, **args)


def test_timeseries_longer_than_the_data_is_an_empty_dataset():
    # as Keras 3.15: no window fits, no error
    dataset = timeseries_dataset_from_array(np.arange(10), np.arange(10), sequence_length=20,
                                            batch_size=4)
    assert list(dataset) == []


def test_unseeded_shuffle_follows_set_random_seed():
    from minikeras.utils import set_random_seed
    set_random_seed(11)
    first = _values(Dataset.from_tensor_slices(np.arange(30)).shuffle(30))
    set_random_seed(11)
    assert _values(Dataset.from_tensor_slices(np.arange(30)).shuffle(30)) == first


def test_padded_batch_pads_to_the_longest_or_to_fixed_shapes():
    elements = [(np.arange(n), np.array(n)) for n in (2, 3, 1)]
    ds = Dataset(lambda: iter(elements), 3)
    (x, y), = list(ds.padded_batch(3))
    assert x.tolist() == [[0, 1, 0], [0, 1, 2], [0, 0, 0]] and y.tolist() == [2, 3, 1]
    (x, _), = list(ds.padded_batch(3, padded_shapes=([4], []), padding_values=-1))
    assert x.tolist() == [[0, 1, -1, -1], [0, 1, 2, -1], [0, -1, -1, -1]]
    with pytest.raises(ValueError, match="does not fit the padded shape"):
        list(ds.padded_batch(3, padded_shapes=([2], [])))


@pytest.mark.parametrize("drop_remainder", [False, True])
def test_sliced_batches_equal_stacked_batches(drop_remainder):
    x, y = np.arange(22).reshape(11, 2), {"w": np.arange(11.0)}
    sliced = Dataset.from_tensor_slices((x, y)).batch(4, drop_remainder=drop_remainder)
    stacked = Dataset.from_tensor_slices((x, y)).map(lambda a, b: (a, b)).batch(
        4, drop_remainder=drop_remainder)
    got, want = list(sliced), list(stacked)
    assert sliced.cardinality() == len(got) == len(want) == (2 if drop_remainder else 3)
    for (gx, gy), (wx, wy) in zip(got, want):
        np.testing.assert_array_equal(gx, wx)
        np.testing.assert_array_equal(gy["w"], wy["w"])
