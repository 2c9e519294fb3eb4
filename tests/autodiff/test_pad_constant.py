"""pad_constant: the value on the borders, x in the interior (hand-written expectations);
its gradient is checked in test_primitives_gradcheck.py."""
import numpy as np
import pytest

from minikeras.autodiff import primitives as P


def test_borders_hold_the_value_and_the_interior_holds_x():
    x = np.array([[1.0, 2.0], [3.0, 4.0]], "float32")
    y = P.pad_constant(x, [(1, 0), (0, 2)], 9.0)
    np.testing.assert_array_equal(y.data, [[9, 9, 9, 9], [1, 2, 9, 9], [3, 4, 9, 9]])
    assert y.dtype == np.float32


def test_zero_widths_return_a_copy_of_x():
    x = np.arange(6.0).reshape(2, 3)
    y = P.pad_constant(x, [(0, 0), (0, 0)])
    np.testing.assert_array_equal(y.data, x)


@pytest.mark.parametrize("widths", [[(1, 1)], [(1, 1), (1,)], [(0, 0), (-1, 0)]])
def test_bad_widths_name_what_was_expected(widths):
    with pytest.raises(ValueError, match="one \\(before, after\\) pair of non-negative ints "
                                         "per axis"):
        P.pad_constant(np.zeros((2, 3)), widths)
