"""blas_threads: BLAS on one thread inside ``single_threaded()``, the previous count after,
nested blocks restoring the outermost count, and a clean no-op where no OpenBLAS is found."""
import pytest

from minikeras.autodiff import blas_threads


@pytest.fixture
def funcs():
    if not blas_threads.available():
        pytest.skip("no OpenBLAS loaded in this process")
    return blas_threads._funcs()


def test_one_thread_inside_and_the_previous_count_after(funcs):
    setter, getter = funcs
    before = getter()
    setter(2)
    try:
        with blas_threads.single_threaded() as pinned:
            assert pinned and getter() == 1
            with blas_threads.single_threaded():
                assert getter() == 1
            assert getter() == 1          # the inner block leaves the outer one's setting
        assert getter() == 2
    finally:
        setter(before)


def test_the_count_comes_back_when_the_block_raises(funcs):
    setter, getter = funcs
    before = getter()
    setter(2)
    try:
        with pytest.raises(RuntimeError), blas_threads.single_threaded():
            raise RuntimeError("inside")
        assert getter() == 2
    finally:
        setter(before)


def test_without_openblas_the_block_runs_and_says_so(monkeypatch):
    monkeypatch.setitem(blas_threads._state, "funcs", ())
    assert not blas_threads.available()
    ran = []
    with blas_threads.single_threaded() as pinned:
        ran.append(pinned)
    assert ran == [False]


def test_no_library_is_found_among_paths_that_are_not_openblas(monkeypatch):
    monkeypatch.setattr(blas_threads, "_loaded_openblas_paths", lambda: ["/nonexistent.so"])
    assert blas_threads._find() is None
