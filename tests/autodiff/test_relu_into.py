"""``elementwise.relu_into``: max(x, 0) against a cached block of zeros (numpy's maximum
against a scalar has no SIMD loop). It must give np.maximum(x, 0)'s values bit for bit, sign
of zero and NaN included, for every shape, layout and dtype it is handed."""
import numpy as np
import pytest

from minikeras.autodiff import elementwise
from minikeras.autodiff.elementwise import ZERO_BLOCK, relu_into

rng = np.random.default_rng(11)


def specials(shape, dtype):
    """Random values with -0.0, +0.0, NaN, +-inf and tiny negatives planted in them."""
    x = rng.normal(size=shape).astype(dtype)
    flat = x.reshape(-1)
    planted = np.array([-0.0, 0.0, np.nan, np.inf, -np.inf, -1e-30, 1e-30], dtype)
    flat[:len(planted)] = planted[:flat.size]
    flat[-len(planted):] = planted[:flat.size]
    return x


def same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("shape", [(7,), (32, 32), (3, 5, 4), (ZERO_BLOCK,),
                                   (2, ZERO_BLOCK + 3), (3 * ZERO_BLOCK + 5,)])
def test_values_are_numpys_maximum_with_zero_bit_for_bit(shape, dtype):
    x = specials(shape, dtype)
    expected = np.maximum(x, 0)
    out = np.empty_like(x)
    assert relu_into(x, out) is out
    assert same_bits(out, expected)
    assert same_bits(relu_into(x, x), expected)  # in place


@pytest.mark.parametrize("size", [100, 2 * ZERO_BLOCK + 1])
def test_non_contiguous_arrays_and_outputs(size):
    base = specials((size, 2), np.float32)
    x = base[:, 1]                                     # strided input
    out = np.zeros((size, 2), np.float32)[:, 0]        # strided output
    relu_into(x, out)
    assert same_bits(np.ascontiguousarray(out), np.maximum(x, 0))
    transposed = specials((ZERO_BLOCK // 64 + 3, 70), np.float64).T
    assert same_bits(relu_into(transposed, np.empty(transposed.shape)),
                     np.maximum(transposed, 0))


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.bool_])
def test_integer_and_bool_arrays_take_numpys_own_path(dtype):
    x = rng.integers(-5, 5, size=(4, 6)).astype(dtype)
    expected = np.maximum(x, 0)
    out = np.empty(expected.shape, expected.dtype)
    assert same_bits(relu_into(x, out), expected)


def test_zero_block_stays_read_only_and_the_view_cache_is_bounded():
    for rows in range(1, 100):
        relu_into(np.ones((rows, 3), np.float32), np.empty((rows, 3), np.float32))
    assert len(elementwise._ZERO_VIEWS) <= 64
    block = elementwise._ZERO_BLOCKS[np.dtype(np.float32)]
    assert not block.flags.writeable and not block.any()
