"""models.data_adapters.BatchStream: Keras 3's epoch rules for sources that batch themselves."""
import numpy as np
import pytest

from minikeras.models.data_adapters import BatchStream, is_batch_source, source_kind
from minikeras.utils import PyDataset
from minikeras.utils.dataset import Dataset


def _gen(n):
    for i in range(n):
        yield np.full((2, 3), i, "float32"), np.full((2,), i, "float32")


class Counting(PyDataset):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n, self.epochs_begun, self.epochs_ended = n, 0, 0

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return np.full((2, 1), index, "float32"), np.zeros(2, "float32")

    def on_epoch_begin(self):
        self.epochs_begun += 1

    def on_epoch_end(self):
        self.epochs_ended += 1


def _firsts(batches):
    return [int(np.asarray(x).flat[0]) for x, _, _ in batches]


def test_what_counts_as_a_batch_source():
    assert is_batch_source(_gen(1)) and is_batch_source(iter([1]))
    assert is_batch_source(Counting(1)) and is_batch_source(Dataset.from_tensor_slices(np.ones(2)))
    assert not is_batch_source(np.ones(3)) and not is_batch_source([np.ones(3)])
    assert [source_kind(s) for s in (_gen(1), iter([1]), Counting(1), Dataset.from_tensors(1))] \
        == ["generator", "iterator", "PyDataset", "Dataset"]


def test_generator_without_steps_is_one_pass_then_its_first_two_batches_again():
    # Keras 3.15 reads a generator's first two batches when it is given and starts every
    # later pass with them: a used-up generator gives those two each epoch (it warns that
    # the input ran out at the end of every pass, shown once)
    stream = BatchStream(_gen(3))
    assert stream.num_batches is None
    with pytest.warns(UserWarning, match="ran out of data"):
        assert _firsts(stream.epoch()) == [0, 1, 2]
    assert _firsts(stream.epoch()) == [0, 1] and _firsts(stream.epoch()) == [0, 1]


def test_generator_with_steps_continues_across_epochs_and_warns_when_short():
    stream = BatchStream(_gen(5), steps=2)
    assert stream.num_batches == 2
    assert _firsts(stream.epoch()) == [0, 1]
    assert _firsts(stream.epoch()) == [2, 3]
    with pytest.warns(UserWarning, match="ran out of data"):
        assert _firsts(stream.epoch()) == [4]
    assert _firsts(stream.epoch()) == [0, 1]  # the first two batches again, as in Keras


def test_generator_is_read_when_given_and_an_empty_one_is_refused():
    read = []

    def counting():
        for i in range(5):
            read.append(i)
            yield np.zeros((1, 1)), np.zeros(1)

    BatchStream(counting())
    assert read == [0, 1]  # Keras reads two batches before training starts
    with pytest.raises(ValueError, match="must yield at least one batch. Received an empty "
                                         "generator as `x`"):
        BatchStream(_gen(0))


def test_py_dataset_epochs_restart_and_hooks_run():
    data = Counting(3)
    stream = BatchStream(data)
    assert stream.num_batches == 3
    assert _firsts(stream.epoch()) == [0, 1, 2] and _firsts(stream.epoch()) == [0, 1, 2]
    assert data.epochs_begun == data.epochs_ended == 2


def test_steps_continue_through_a_py_dataset_and_restart_when_used_up():
    stream = BatchStream(Counting(3), steps=2)
    assert _firsts(stream.epoch()) == [0, 1]
    with pytest.warns(UserWarning, match="ran out of data"):
        assert _firsts(stream.epoch()) == [2]  # one left, then the epoch ends early
    assert _firsts(stream.epoch()) == [0, 1]


def test_dataset_source_and_infinite_sources_need_steps():
    ds = Dataset.from_tensor_slices((np.arange(5.0), np.arange(5.0))).batch(2)
    assert BatchStream(ds).num_batches == 3
    assert [len(x) for x, _, _ in BatchStream(ds).epoch()] == [2, 2, 1]
    with pytest.raises(ValueError, match="infinite Dataset; pass steps_per_epoch"):
        BatchStream(ds.repeat())
    assert _firsts(BatchStream(ds.repeat(), steps=4).epoch()) == [0, 2, 4, 0]

    class Endless(Counting):
        @property
        def num_batches(self):
            return None
    with pytest.raises(ValueError, match="infinite Endless"):
        BatchStream(Endless(1))


def test_batch_formats_unpack_like_keras():
    stream = BatchStream(iter([np.ones((2, 1)), (np.ones((2, 1)),), (np.ones((2, 1)), None)]))
    assert [(y, w) for _, y, w in stream.epoch()] == [(None, None)] * 3
    with pytest.raises(ValueError, match="Data is expected to be in format"):
        list(BatchStream(iter([(1, 2, 3, 4)])).epoch())


def test_inconsistent_batches_are_refused_naming_both():
    def changing():
        yield np.ones((4, 3)), np.ones(4)
        yield np.ones((4, 3)), np.ones(4)
        yield np.ones((4, 5)), np.ones(4)
    with pytest.raises(ValueError, match=r"Batch 2 of x.*\(batch, 3\).*\(batch, 5\)"):
        list(BatchStream(changing()).epoch())

    def losing_y():
        yield np.ones((4, 3)), np.ones(4)
        yield np.ones((4, 3))
    with pytest.raises(ValueError, match="Batch 1 of x does not match"):
        list(BatchStream(losing_y()).epoch())


def test_smaller_last_batch_is_fine_and_bad_steps_refused():
    stream = BatchStream(iter([(np.ones((4, 3)), np.ones(4)), (np.ones((1, 3)), np.ones(1))]))
    assert len(list(stream.epoch())) == 2
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        BatchStream(_gen(1), steps=0)
