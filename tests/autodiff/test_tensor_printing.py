"""What ``print`` shows for tensors and variables: a tensor's values as numpy prints them
(Keras on jax prints its arrays so), its repr naming the class; a variable as Keras's
``<Variable path=..., shape=..., dtype=..., value=...>`` for str and repr alike."""
import numpy as np

import minikeras as keras
from minikeras import ops


def test_print_of_a_tensor_shows_numpys_text_and_repr_names_the_class():
    t = ops.ones((2, 2)) + 1
    assert str(t) == "[[2. 2.]\n [2. 2.]]"
    assert repr(t) == "Tensor(array([[2., 2.],\n       [2., 2.]], dtype=float32))"
    assert f"{ops.array([1, 2])}" == "[1 2]"
    assert f"{ops.sum(ops.ones(3)):.2f}" == "3.00"  # a scalar formats as its number


def test_print_of_a_variable_shows_its_path_as_keras_prints_it(capsys):
    v = keras.Variable(np.array([1.5, 2.0], "float32"), name="vv")
    print(v)
    expected = "<Variable path=vv, shape=(2,), dtype=float32, value=[1.5 2. ]>"
    assert capsys.readouterr().out == expected + "\n"
    assert repr(v) == expected
